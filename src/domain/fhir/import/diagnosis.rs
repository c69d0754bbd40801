//! The diagnosis: one primary Condition (the one the stage and plan items point to), its site
//! with laterality as a pair, its histology; then stage, grade and biomarkers from the
//! Observations linked to it. Every disagreement between sources is a conflict in the report.

use super::{Ctx, biomarkers, stage};
use crate::domain::codes::{Site, check_site, parse_site};
use crate::domain::fhir::codes::{
    EXT_HISTOLOGY, EXT_LATERALITY, EXT_RELATED_CONDITION, HISTOLOGIC_TYPE, ICD_10, ICD_10_CM,
    ICD_O_3, LOINC, SNOMED, SiteKind,
};
use crate::domain::fhir::model::{CodeableConcept, Condition, Observation, Reference, extensions};
use crate::domain::fhir::report::{EntryKind, Note};
use crate::domain::picture::{Diagnosis, Laterality};

pub struct DiagnosisRead {
    pub diagnosis: Option<Diagnosis>,
    pub primary: Option<usize>,
}

/// How an Observation (or plan item) is linked to the primary Condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    Primary,
    /// No link given (or none that resolves): read as the primary's when there is one.
    Unlinked,
    /// Linked to another Condition: not this cancer's.
    Other,
}

pub fn link<'r>(
    cx: &Ctx,
    references: impl Iterator<Item = &'r Reference>,
    primary: Option<usize>,
) -> Link {
    let mut other = false;
    for reference in references {
        match cx.doc.resolve(reference) {
            Some(i) if Some(i) == primary => return Link::Primary,
            Some(i) if cx.item(i).kind == "Condition" => other = true,
            _ => {}
        }
    }
    if other { Link::Other } else { Link::Unlinked }
}

/// The links of an Observation: `focus` and the mCODE related-condition extension.
pub fn observation_link(cx: &Ctx, obs: &Observation, primary: Option<usize>) -> Link {
    let related = extensions(&obs.extension, EXT_RELATED_CONDITION)
        .filter_map(|e| e.value_reference.as_ref());
    link(cx, obs.focus.iter().chain(related), primary)
}

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

/// Whether a Condition is a cancer, and which kind.
fn cancer_kind(cx: &Ctx, condition: &Condition) -> Option<SiteKind> {
    let code = condition.code.as_ref();
    for coding in code.iter().flat_map(|c| &c.coding) {
        let (Some(system), Some(value)) = (coding.system.as_deref(), coding.code.as_deref()) else {
            continue;
        };
        match system {
            SNOMED => {
                if let Some(row) = cx.tables.site(value)
                    && row.kind != SiteKind::BodyStructure
                {
                    return Some(row.kind);
                }
            }
            ICD_10_CM | ICD_10 => {
                let letter = value.chars().next();
                let number: Option<u8> = value.get(1..3).and_then(|n| n.parse().ok());
                match (letter, number) {
                    (Some('C'), Some(77..=79)) => return Some(SiteKind::Secondary),
                    (Some('C'), Some(_)) => return Some(SiteKind::Primary),
                    (Some('D'), Some(0..=9)) => return Some(SiteKind::Primary),
                    _ => {}
                }
            }
            ICD_O_3 => return Some(SiteKind::Primary),
            _ => {}
        }
    }
    let has_histology = extensions(&condition.extension, EXT_HISTOLOGY)
        .next()
        .is_some();
    let has_topography = condition
        .body_site
        .iter()
        .flat_map(|b| &b.coding)
        .any(|c| c.system.as_deref() == Some(ICD_O_3));
    (has_histology || has_topography).then_some(SiteKind::Primary)
}

pub fn read(cx: &mut Ctx) -> DiagnosisRead {
    let mut candidates: Vec<(usize, Condition)> = Vec::new();
    for i in cx.of_kind("Condition") {
        let Some(condition) = cx.read::<Condition>(i, true) else {
            continue;
        };
        let verification = condition
            .verification_status
            .as_ref()
            .and_then(|v| v.coding.iter().find_map(|c| c.code.clone()));
        if matches!(
            verification.as_deref(),
            Some("refuted" | "entered-in-error")
        ) {
            cx.mark(i);
            cx.note_at(
                i,
                "verificationStatus",
                Note::new(
                    EntryKind::SkippedEntry,
                    false,
                    format!(
                        "A Condition marked {} is not read.",
                        verification.unwrap_or_default()
                    ),
                ),
            );
            continue;
        }
        match cancer_kind(cx, &condition) {
            Some(SiteKind::Secondary) => {
                cx.mark(i);
                cx.note_at(
                    i,
                    "code",
                    Note::new(
                        EntryKind::NotInPicture,
                        false,
                        "A secondary (metastatic) cancer Condition: a picture records metastasis through the M category, not metastatic sites.",
                    )
                    .element("diagnosis"),
                );
            }
            Some(_) => candidates.push((i, condition)),
            None => {}
        }
    }
    let primary = choose_primary(cx, &candidates);
    let mut diagnosis = Diagnosis::default();
    if let Some(p) = primary {
        let condition = candidates
            .iter()
            .find(|(i, _)| *i == p)
            .map(|(_, c)| c.clone())
            .unwrap_or_default();
        cx.mark(p);
        site_and_histology(cx, p, &condition, &mut diagnosis);
    }
    let condition = primary.and_then(|p| candidates.iter().find(|(i, _)| *i == p).map(|(_, c)| c));
    diagnosis.stage = stage::read(cx, primary, condition);
    grade_and_histology_observations(cx, primary, &mut diagnosis);
    let markers = biomarkers::read(cx, primary);
    if !markers.is_empty() {
        diagnosis.biomarkers = Some(markers);
    }
    let stated = diagnosis != Diagnosis::default();
    DiagnosisRead {
        diagnosis: stated.then_some(diagnosis),
        primary,
    }
}

/// The one primary Condition: alone, or the one stage and plan items point to.
fn choose_primary(cx: &mut Ctx, candidates: &[(usize, Condition)]) -> Option<usize> {
    match candidates {
        [] => None,
        [(only, _)] => Some(*only),
        _ => {
            let pointed: Vec<usize> = candidates
                .iter()
                .map(|(i, _)| *i)
                .filter(|&c| points_to(cx, c))
                .collect();
            let names: Vec<String> = candidates
                .iter()
                .filter_map(|(i, _)| cx.item(*i).name())
                .collect();
            if let [chosen] = pointed.as_slice() {
                for (i, _) in candidates.iter().filter(|(i, _)| i != chosen) {
                    cx.mark(*i);
                    cx.note_at(
                        *i,
                        "",
                        Note::new(
                            EntryKind::NotLinked,
                            true,
                            "Another cancer Condition, not the one the stage and plan items point to: left out.",
                        )
                        .element("diagnosis"),
                    );
                }
                Some(*chosen)
            } else {
                for (i, _) in candidates {
                    cx.mark(*i);
                }
                cx.note(
                    Note::new(
                        EntryKind::Conflict,
                        true,
                        format!(
                            "{} cancer Conditions ({}) and no single one that the stage and plan items point to: no primary site, histology or stage is read from them.",
                            candidates.len(),
                            names.join(", ")
                        ),
                    )
                    .element("diagnosis"),
                );
                None
            }
        }
    }
}

/// Whether any Observation's focus or plan item's reasonReference resolves to Condition `c`.
fn points_to(cx: &Ctx, c: usize) -> bool {
    let fields = ["focus", "reasonReference", "addresses"];
    cx.doc.items.iter().any(|item| {
        fields.iter().any(|f| {
            item.value
                .get(*f)
                .and_then(|v| v.as_array())
                .into_iter()
                .flatten()
                .filter_map(|r| r.get("reference").and_then(|r| r.as_str()))
                .any(|r| cx.doc.resolve_str(r) == Some(c))
        })
    })
}

fn site_and_histology(cx: &mut Ctx, p: usize, condition: &Condition, diagnosis: &mut Diagnosis) {
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

/// Histologic type Observations (when the Condition gives none) and grade Observations.
fn grade_and_histology_observations(
    cx: &mut Ctx,
    primary: Option<usize>,
    diagnosis: &mut Diagnosis,
) {
    // A grade digit of the ICD-O-3 morphology (read with the Condition) is one source among others.
    let mut grades: Vec<(i64, Option<String>, String)> = diagnosis
        .grade
        .map(|g| {
            (
                g,
                diagnosis.grade_system.clone(),
                "the ICD-O-3 morphology".to_string(),
            )
        })
        .into_iter()
        .collect();
    for i in cx.of_kind("Observation") {
        if cx.used[i] {
            continue;
        }
        let Ok(obs) = cx.item(i).read::<Observation>() else {
            continue;
        };
        let Some(code) = obs.code.clone() else {
            continue;
        };
        let is_histology = code.has(LOINC, HISTOLOGIC_TYPE);
        let grade_row = code.coding.iter().find_map(|c| {
            cx.tables
                .grade_code(c.system.as_deref()?, c.code.as_deref()?)
                .map(|r| r.grade_system.clone())
        });
        if !is_histology && grade_row.is_none() {
            continue;
        }
        cx.mark(i);
        if observation_link(cx, &obs, primary) == Link::Other {
            cx.note_at(
                i,
                "focus",
                Note::new(
                    EntryKind::NotLinked,
                    false,
                    "This Observation is about another Condition than the primary cancer.",
                ),
            );
            continue;
        }
        let Some(value) = obs.value_codeable_concept.clone() else {
            if let Some(grade) = obs.value_integer.filter(|g| (1..=5).contains(g)) {
                grades.push((
                    grade,
                    grade_row.filter(|s| !s.is_empty()),
                    cx.item(i).path(),
                ));
            }
            continue;
        };
        if is_histology {
            if let Some(code) =
                histology_code(cx, i, "valueCodeableConcept", &value).map(|m| m.code)
            {
                match &diagnosis.histology {
                    None => diagnosis.histology = Some(code),
                    Some(known) if *known == code => {}
                    Some(known) => cx.note_at(
                        i,
                        "valueCodeableConcept",
                        Note::new(
                            EntryKind::Conflict,
                            true,
                            format!("The histologic type Observation says {code}, the Condition {known}; the Condition's is kept."),
                        )
                        .element("diagnosis.histology"),
                    ),
                }
            }
            continue;
        }
        let system = grade_row.filter(|s| !s.is_empty()).or_else(|| {
            obs.method
                .as_ref()
                .and_then(|m| m.words())
                .map(|w| w.trim().to_string())
        });
        if let Some(row) = value.coding.iter().find_map(|c| {
            cx.tables
                .grade_value(c.system.as_deref()?, c.code.as_deref()?)
        }) {
            grades.push((row.grade, Some(row.grade_system.clone()), cx.item(i).path()));
        } else if let Some(grade) = value.text.as_deref().and_then(grade_from_text) {
            grades.push((grade, system, cx.item(i).path()));
        } else {
            let coding = value.coding.first();
            cx.note_at(
                i,
                "valueCodeableConcept",
                Note::new(
                    EntryKind::Unmapped,
                    true,
                    format!(
                        "The grade '{}' is not a numbered grade of a known system: left out.",
                        value.words().unwrap_or("no text")
                    ),
                )
                .element("diagnosis.grade")
                .code(
                    coding.and_then(|c| c.system.as_deref()),
                    coding.and_then(|c| c.code.as_deref()),
                ),
            );
        }
    }
    if let Some((grade, system, _)) = grades.first().cloned() {
        if grades.iter().all(|(g, s, _)| *g == grade && *s == system) {
            diagnosis.grade = Some(grade);
            diagnosis.grade_system = system;
        } else {
            diagnosis.grade = None;
            diagnosis.grade_system = None;
            let listed: Vec<String> = grades
                .iter()
                .map(|(g, s, at)| format!("{g} {} ({at})", s.as_deref().unwrap_or("")))
                .collect();
            cx.note(
                Note::new(
                    EntryKind::Conflict,
                    true,
                    format!("Different grades: {}; left out.", listed.join(", ")),
                )
                .element("diagnosis.grade"),
            );
        }
    }
}

/// `2`, `G2`, `Grade 2` -> 2.
pub fn grade_from_text(text: &str) -> Option<i64> {
    let lowered = text.trim().to_lowercase();
    let rest = lowered
        .strip_prefix("grade")
        .or_else(|| lowered.strip_prefix('g'))
        .unwrap_or(&lowered)
        .trim();
    rest.parse().ok().filter(|g| (1..=5).contains(g))
}
