//! The diagnosis: one primary Condition (the one the stage and plan items point to), then
//! its site and histology (`site.rs`), stage (`stage.rs`), grade (`grade.rs`) and biomarkers
//! from the Observations linked to it. Every disagreement between sources is a conflict.

use super::{Ctx, biomarkers, grade, site, stage};
use crate::domain::fhir::codes::{
    EXT_HISTOLOGY, EXT_RELATED_CONDITION, ICD_10, ICD_10_CM, ICD_O_3, SNOMED, SiteKind,
};
use crate::domain::fhir::model::{Condition, Observation, Reference, extensions};
use crate::domain::fhir::report::{EntryKind, Note};
use crate::domain::picture::Diagnosis;

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
    // A neoplasm site in the body site (ICD-O-3 topography, or an ICD-10 code the export
    // writes there when the site is not a topography code) makes it a cancer Condition too.
    let has_topography = condition
        .body_site
        .iter()
        .flat_map(|b| &b.coding)
        .any(|c| matches!(c.system.as_deref(), Some(ICD_O_3 | ICD_10 | ICD_10_CM)));
    (has_histology || has_topography).then_some(SiteKind::Primary)
}

pub fn read(cx: &mut Ctx) -> Option<Diagnosis> {
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
        site::site_and_histology(cx, p, &condition, &mut diagnosis);
    }
    let condition = primary.and_then(|p| candidates.iter().find(|(i, _)| *i == p).map(|(_, c)| c));
    diagnosis.stage = stage::read(cx, primary, condition);
    grade::grade_and_histology_observations(cx, primary, &mut diagnosis);
    let markers = biomarkers::read(cx, primary);
    if !markers.is_empty() {
        diagnosis.biomarkers = Some(markers);
    }
    let stated = diagnosis != Diagnosis::default();
    stated.then_some(diagnosis)
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
