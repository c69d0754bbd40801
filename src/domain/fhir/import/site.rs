//! Site, laterality and histology of the primary Condition, as a pair of site and side: from
//! the disorder code (SNOMED table, ICD-10-CM with its laterality characters, ICD-10, ICD-O-3),
//! the body site and its laterality qualifier, and the mCODE histology extension.

use super::Ctx;
use crate::domain::codes::{Site, check_site, parse_site};
use crate::domain::fhir::codes::{
    EXT_HISTOLOGY, EXT_LATERALITY, ICD_10, ICD_10_CM, ICD_O_3, SNOMED,
};
use crate::domain::fhir::model::{CodeableConcept, Condition, extensions};
use crate::domain::fhir::report::{EntryKind, Note};
use crate::domain::picture::{Diagnosis, Laterality};

/// An ICD-O-3 morphology as written (`8500/3`, `85003`), a malformed `80463/3` (behaviour
/// written twice), or one with its grade digit (`8046/33`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Morph {
    pub code: String,
    pub grade: Option<i64>,
    pub normalised: bool,
}

pub fn morphology(text: &str) -> Option<Morph> {
    let t = text.trim();
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    let slash = t.find('/');
    let well = |c: &str, b: char| format!("{c}/{b}");
    match (slash, t.len()) {
        (Some(4), 6) if digits.len() == 5 => Some(Morph {
            code: t.to_string(),
            grade: None,
            normalised: false,
        }),
        (Some(4), 7) if digits.len() == 6 => Some(Morph {
            code: well(&digits[..4], digits.chars().nth(4)?),
            grade: digits[5..].parse().ok().filter(|g| (1..=4).contains(g)),
            normalised: false,
        }),
        (Some(5), 7) if digits.len() == 6 && digits.as_bytes()[4] == digits.as_bytes()[5] => {
            Some(Morph {
                code: well(&digits[..4], digits.chars().nth(5)?),
                grade: None,
                normalised: true,
            })
        }
        (None, 5) if digits.len() == 5 => Some(Morph {
            code: well(&digits[..4], digits.chars().nth(4)?),
            grade: None,
            normalised: true,
        }),
        _ => None,
    }
}

/// An ICD-O-3 topography code (`C50.4`, `C504`) in its dotted form.
pub fn topography(text: &str) -> Option<String> {
    let t = text.trim();
    let dotted = if t.len() == 4 && !t.contains('.') {
        format!("{}.{}", &t[..3], &t[3..])
    } else {
        t.to_string()
    };
    check_site(&dotted).ok()?;
    match parse_site(&dotted, &|_| None) {
        Site::Topography { .. } if dotted.starts_with('C') => Some(dotted),
        _ => None,
    }
}

/// One source's reading of the site: topography (or an ICD-10 code kept as written),
/// laterality, morphology.
#[derive(Debug, Clone, Default)]
struct SiteReading {
    site: Option<String>,
    laterality: Option<Laterality>,
    morphology: Option<String>,
    from: String,
}

pub fn site_and_histology(
    cx: &mut Ctx,
    p: usize,
    condition: &Condition,
    diagnosis: &mut Diagnosis,
) {
    let mut readings: Vec<SiteReading> = Vec::new();
    if let Some(code) = &condition.code {
        readings.extend(read_concept(cx, p, "code", code, false));
    }
    for (b, site) in condition.body_site.iter().enumerate() {
        let at = format!("bodySite[{b}]");
        let mut found = read_concept(cx, p, &at, &site.concept(), true);
        for ext in extensions(&site.extension, EXT_LATERALITY) {
            let Some(value) = &ext.value_codeable_concept else {
                continue;
            };
            match value.code_in(SNOMED).and_then(|c| cx.tables.laterality(c)) {
                Some(side) => found.push(SiteReading {
                    laterality: Some(side),
                    from: format!("{at} laterality"),
                    ..SiteReading::default()
                }),
                None => cx.note_at(
                    p,
                    &format!("{at}.extension"),
                    Note::new(
                        EntryKind::Unmapped,
                        true,
                        format!(
                            "Laterality '{}' is not left, right or bilateral: left out.",
                            value.words().unwrap_or("(no text)")
                        ),
                    )
                    .element("diagnosis.laterality")
                    .code(Some(SNOMED), value.code_in(SNOMED)),
                ),
            }
        }
        readings.extend(found);
    }
    let mut explicit_histology: Vec<(String, String)> = Vec::new();
    for ext in extensions(&condition.extension, EXT_HISTOLOGY) {
        let Some(value) = &ext.value_codeable_concept else {
            continue;
        };
        if let Some(text) = value.text.as_deref().filter(|t| !t.trim().is_empty()) {
            diagnosis.histology_text = Some(text.trim().to_string());
        }
        if let Some(m) = histology_code(cx, p, "extension", value) {
            if let Some(grade) = m.grade {
                diagnosis.grade = Some(grade);
                diagnosis.grade_system = Some("ICD-O-3".into());
            }
            explicit_histology.push((m.code, "the histology extension".into()));
        }
    }
    // The code's morphology (an ICD-O-3 Condition.code or a disorder's cell type) yields to the
    // histology extension: the extension is the more specific statement.
    let implied: Vec<(String, String)> = readings
        .iter()
        .filter_map(|r| Some((r.morphology.clone()?, r.from.clone())))
        .collect();
    diagnosis.histology = agree(cx, "diagnosis.histology", "histology", &explicit_histology)
        .or_else(|| {
            if explicit_histology.is_empty() {
                agree(cx, "diagnosis.histology", "histology", &implied)
            } else {
                None
            }
        });
    let sites: Vec<(String, String)> = readings
        .iter()
        .filter_map(|r| Some((r.site.clone()?, r.from.clone())))
        .collect();
    diagnosis.primary_site = combine_sites(cx, &sites);
    let sides: Vec<(String, String)> = readings
        .iter()
        .filter_map(|r| {
            let side = r.laterality?;
            Some((format!("{side:?}").to_lowercase(), r.from.clone()))
        })
        .collect();
    diagnosis.laterality = agree(cx, "diagnosis.laterality", "laterality", &sides)
        .and_then(|s| crate::domain::fhir::codes::laterality(&s));
}

/// The value all sources agree on; a disagreement is a conflict and gives none.
fn agree(cx: &mut Ctx, element: &str, what: &str, values: &[(String, String)]) -> Option<String> {
    let first = values.first()?;
    if values.iter().all(|(v, _)| *v == first.0) {
        return Some(first.0.clone());
    }
    let listed: Vec<String> = values
        .iter()
        .map(|(v, from)| format!("{v} ({from})"))
        .collect();
    cx.note(
        Note::new(
            EntryKind::Conflict,
            true,
            format!(
                "The primary Condition gives different {what}: {}; left out.",
                listed.join(", ")
            ),
        )
        .element(element),
    );
    None
}

/// Sites of one category agree: the most specific subsite wins; two different subsites give
/// the category's NOS code (.9) and a conflict; different categories give none.
fn combine_sites(cx: &mut Ctx, sites: &[(String, String)]) -> Option<String> {
    let first = sites.first()?;
    let category = |s: &str| s.get(..3).unwrap_or(s).to_string();
    if sites.iter().any(|(s, _)| category(s) != category(&first.0)) {
        return agree(cx, "diagnosis.primary_site", "sites", sites);
    }
    let mut specific: Vec<&(String, String)> = sites
        .iter()
        .filter(|(s, _)| s.len() > 3 && !s.ends_with(".9"))
        .collect();
    specific.dedup_by(|a, b| a.0 == b.0);
    match specific.as_slice() {
        [] => Some(first.0.clone()),
        [one] => Some(one.0.clone()),
        several => {
            let listed: Vec<String> = several.iter().map(|(v, f)| format!("{v} ({f})")).collect();
            cx.note(
                Note::new(
                    EntryKind::Conflict,
                    true,
                    format!(
                        "The primary Condition gives different subsites: {}; the category is kept as {}.9.",
                        listed.join(", "),
                        category(&first.0)
                    ),
                )
                .element("diagnosis.primary_site"),
            );
            Some(format!("{}.9", category(&first.0)))
        }
    }
}

/// What a Condition.code or bodySite says about site, laterality and morphology.
fn read_concept(
    cx: &mut Ctx,
    p: usize,
    at: &str,
    concept: &CodeableConcept,
    body_site: bool,
) -> Vec<SiteReading> {
    let mut found = Vec::new();
    let mut unmapped = Vec::new();
    for coding in &concept.coding {
        let (Some(system), Some(code)) = (coding.system.as_deref(), coding.code.as_deref()) else {
            continue;
        };
        let from = format!("{at} {code}");
        match system {
            SNOMED => match cx.tables.site(code) {
                Some(row) => found.push(SiteReading {
                    site: row.topography.map(str::to_string),
                    laterality: row.laterality,
                    morphology: row.morphology.map(str::to_string),
                    from,
                }),
                None => unmapped.push((system, code)),
            },
            ICD_O_3 => {
                if let Some(site) = topography(code) {
                    found.push(SiteReading {
                        site: Some(site),
                        from,
                        ..SiteReading::default()
                    });
                } else if let Some(morph) = morphology(code) {
                    found.push(SiteReading {
                        morphology: Some(morph.code),
                        from,
                        ..SiteReading::default()
                    });
                } else {
                    unmapped.push((system, code));
                }
            }
            ICD_10_CM | ICD_10 => match icd10(cx, code, system == ICD_10_CM) {
                Some((site, laterality, read_all)) => {
                    if !read_all {
                        cx.note_at(
                            p,
                            at,
                            Note::new(
                                EntryKind::Normalised,
                                false,
                                format!("{code} is read as {site}: its further characters are not in the table (they may carry laterality)."),
                            )
                            .element("diagnosis.primary_site")
                            .code(Some(system), Some(code)),
                        );
                    }
                    found.push(SiteReading {
                        site: Some(site),
                        laterality,
                        from,
                        ..SiteReading::default()
                    });
                }
                None => unmapped.push((system, code)),
            },
            _ => unmapped.push((system, code)),
        }
    }
    if found.is_empty() && !unmapped.is_empty() {
        let (system, code) = unmapped[0];
        let element = if body_site {
            "diagnosis.primary_site"
        } else {
            "diagnosis"
        };
        cx.note_at(
            p,
            at,
            Note::new(
                EntryKind::Unmapped,
                true,
                format!(
                    "'{}' ({code}) is not in the site tables: no site or cell type is read from it.",
                    concept.words().unwrap_or("no text")
                ),
            )
            .element(element)
            .code(Some(system), Some(code)),
        );
    }
    found
}

/// An ICD-10(-CM) code: topography (or the code as written when its category is not a
/// topography category: the engine maps it), laterality, and whether every character was read.
fn icd10(cx: &Ctx, code: &str, cm: bool) -> Option<(String, Option<Laterality>, bool)> {
    if cm && let Some((topo, side)) = cx.tables.icd10cm(code) {
        return Some((topo.to_string(), side, true));
    }
    let short = code.get(..5.min(code.len()))?;
    check_site(short).ok()?;
    let read_all = code.len() <= 5;
    let site = match parse_site(short, &|c| cx.vocab.icd10_topography(c)) {
        Site::Topography { category, subsite } if short.starts_with(&category) => match subsite {
            Some(s) => format!("{category}.{s}"),
            None => category,
        },
        _ => short.to_string(),
    };
    Some((site, None, read_all))
}

/// An ICD-O-3 or SNOMED morphology, normalised; reported when unmapped or malformed.
pub fn histology_code(cx: &mut Ctx, i: usize, at: &str, value: &CodeableConcept) -> Option<Morph> {
    let mut unmapped = None;
    for coding in &value.coding {
        let (Some(system), Some(code)) = (coding.system.as_deref(), coding.code.as_deref()) else {
            continue;
        };
        match system {
            ICD_O_3 => match morphology(code) {
                Some(m) => {
                    if m.normalised {
                        cx.note_at(
                            i,
                            at,
                            Note::new(
                                EntryKind::Normalised,
                                false,
                                format!(
                                    "The ICD-O-3 morphology '{code}' is malformed; read as {}.",
                                    m.code
                                ),
                            )
                            .element("diagnosis.histology")
                            .code(Some(system), Some(code)),
                        );
                    }
                    return Some(m);
                }
                None => unmapped = Some((system, code)),
            },
            SNOMED => match cx.tables.morphology(code) {
                Some(m) => {
                    return Some(Morph {
                        code: m.to_string(),
                        grade: None,
                        normalised: false,
                    });
                }
                None => unmapped = Some((system, code)),
            },
            _ => unmapped = Some((system, code)),
        }
    }
    if let Some((system, code)) = unmapped {
        cx.note_at(
            i,
            at,
            Note::new(
                EntryKind::Unmapped,
                true,
                format!(
                    "The cell type '{}' ({code}) is not in the morphology table: no histology is read from it.",
                    value.words().unwrap_or("no text")
                ),
            )
            .element("diagnosis.histology")
            .code(Some(system), Some(code)),
        );
    }
    None
}
