//! The records a structured case review needs, given the case: which kinds are required,
//! which are present, and why each is needed.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::codes::{Morphology, parse_site};
use super::discordance::TreatmentStatus;
use super::picture::Picture;
use super::vocabulary::{RegimenMeaning, Vocabulary};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    PathologyReport,
    ImagingReport,
    BiomarkerReport,
    TreatmentHistory,
    ClinicalNotes,
    Other,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 6] = [
        DocumentKind::PathologyReport,
        DocumentKind::ImagingReport,
        DocumentKind::BiomarkerReport,
        DocumentKind::TreatmentHistory,
        DocumentKind::ClinicalNotes,
        DocumentKind::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            DocumentKind::PathologyReport => "pathology_report",
            DocumentKind::ImagingReport => "imaging_report",
            DocumentKind::BiomarkerReport => "biomarker_report",
            DocumentKind::TreatmentHistory => "treatment_history",
            DocumentKind::ClinicalNotes => "clinical_notes",
            DocumentKind::Other => "other",
        }
    }

    pub fn parse(code: &str) -> Option<DocumentKind> {
        DocumentKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Need {
    Required,
    Recommended,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChecklistItem {
    pub kind: DocumentKind,
    pub need: Need,
    pub present: bool,
    /// Why the review needs it.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RecordsChecklist {
    pub items: Vec<ChecklistItem>,
    /// Every required kind is present.
    pub complete: bool,
    /// Required kinds still missing.
    pub missing: Vec<DocumentKind>,
}

/// Sites where a biomarker result guides the first treatment choice.
const BIOMARKER_DRIVEN_SITES: [&str; 7] = ["C34", "C50", "C18", "C19", "C20", "C16", "C56"];
const TARGETED_CATEGORIES: [&str; 3] = [
    "targeted_therapy",
    "immunotherapy",
    "antibody_drug_conjugate",
];

/// Why a biomarker report is needed for this plan, if it is.
fn biomarker_reason(plan: Option<&Picture>, vocab: &Vocabulary) -> Option<String> {
    let picture = plan?;
    let site = picture
        .diagnosis
        .as_ref()
        .and_then(|d| d.primary_site.as_deref())
        .map(|code| parse_site(code, &|c| vocab.icd10_topography(c)));
    let category = site.as_ref().and_then(|s| s.category()).map(str::to_string);
    if let Some(plan) = &picture.plan {
        if plan.clinical_trials.as_ref().is_some_and(|t| !t.is_empty()) {
            return Some(
                "the plan names a clinical trial, and trials select patients by biomarkers".into(),
            );
        }
        let mut drugs: Vec<String> = Vec::new();
        for line in plan.systemic_therapy.iter().flatten() {
            drugs.extend(line.drugs.iter().flatten().cloned());
            if let Some(regimen) = &line.regimen {
                match vocab.regimen(regimen, category.as_deref()) {
                    Some(RegimenMeaning::Drugs { drugs: listed, .. }) => {
                        drugs.extend(listed.iter().cloned())
                    }
                    _ => drugs.push(regimen.clone()),
                }
            }
        }
        if let Some(drug) = drugs
            .iter()
            .filter_map(|d| vocab.drug(d))
            .find(|d| TARGETED_CATEGORIES.contains(&d.category.as_str()))
        {
            return Some(format!(
                "the plan names {}, a medicine chosen by biomarker results",
                drug.name
            ));
        }
    }
    if picture
        .diagnosis
        .as_ref()
        .and_then(|d| d.biomarkers.as_ref())
        .is_some_and(|b| !b.is_empty())
    {
        return Some("the diagnosis reports biomarker results; the review checks them against the lab report".into());
    }
    let melanoma = picture
        .diagnosis
        .as_ref()
        .and_then(|d| d.histology.as_deref())
        .and_then(|h| Morphology::parse(h).ok())
        .is_some_and(|m| (8720..=8790).contains(&m.code));
    if melanoma
        || category
            .as_deref()
            .is_some_and(|c| BIOMARKER_DRIVEN_SITES.contains(&c))
    {
        return Some("biomarker results guide the first treatment choice for this cancer".into());
    }
    None
}

/// The checklist for a case with its current plan (if any), treatment status and the kinds of
/// documents already on file.
pub fn checklist(
    plan: Option<&Picture>,
    treatment_status: TreatmentStatus,
    present: &[DocumentKind],
    vocab: &Vocabulary,
) -> RecordsChecklist {
    let mut items = vec![
        (
            DocumentKind::PathologyReport,
            Need::Required,
            "the diagnosis rests on the pathology report".to_string(),
        ),
        (
            DocumentKind::ImagingReport,
            Need::Required,
            "the stage rests on the imaging reports".to_string(),
        ),
    ];
    match biomarker_reason(plan, vocab) {
        Some(reason) => items.push((DocumentKind::BiomarkerReport, Need::Required, reason)),
        None => items.push((
            DocumentKind::BiomarkerReport,
            Need::Recommended,
            "biomarker results, when tested, can open other options".into(),
        )),
    }
    let treated = treatment_status != TreatmentStatus::NotStarted;
    items.push((
        DocumentKind::TreatmentHistory,
        if treated {
            Need::Required
        } else {
            Need::Recommended
        },
        if treated {
            "treatment has started: the review must know what was given and how it went".into()
        } else {
            "earlier treatments, if any, shape the options".into()
        },
    ));
    items.push((
        DocumentKind::ClinicalNotes,
        Need::Recommended,
        "the treating team's notes give the reasons behind the current plan".into(),
    ));

    let items: Vec<ChecklistItem> = items
        .into_iter()
        .map(|(kind, need, reason)| ChecklistItem {
            kind,
            need,
            present: present.contains(&kind),
            reason,
        })
        .collect();
    let missing: Vec<DocumentKind> = items
        .iter()
        .filter(|i| i.need == Need::Required && !i.present)
        .map(|i| i.kind)
        .collect();
    RecordsChecklist {
        complete: missing.is_empty(),
        missing,
        items,
    }
}

/// `type/subtype` only; anything else is stored as application/octet-stream.
pub fn content_type(raw: Option<&str>) -> String {
    let essence = raw
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
    };
    match essence.split_once('/') {
        // A multipart type means nothing without the boundary it was sent with.
        Some(("multipart", _)) => "application/octet-stream".into(),
        Some((t, s)) if token(t) && token(s) => essence,
        _ => "application/octet-stream".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn picture(value: serde_json::Value) -> Picture {
        serde_json::from_value(value).expect("picture")
    }

    #[test]
    fn a_targeted_plan_needs_a_biomarker_report() {
        let plan = picture(
            json!({"diagnosis": {"primary_site": "C44.5"}, "plan": {"systemic_therapy": [{"drugs": ["Keytruda"]}]}}),
        );
        let list = checklist(
            Some(&plan),
            TreatmentStatus::NotStarted,
            &[DocumentKind::PathologyReport],
            Vocabulary::standard(),
        );
        assert_eq!(
            list.missing,
            vec![DocumentKind::ImagingReport, DocumentKind::BiomarkerReport]
        );
        assert!(list.items[2].reason.contains("pembrolizumab"));
    }

    #[test]
    fn a_chemotherapy_plan_outside_biomarker_sites_only_recommends_it() {
        let plan = picture(
            json!({"diagnosis": {"primary_site": "C44.5"}, "plan": {"systemic_therapy": [{"regimen": "FOLFOX"}]}}),
        );
        let all = [DocumentKind::PathologyReport, DocumentKind::ImagingReport];
        let list = checklist(
            Some(&plan),
            TreatmentStatus::NotStarted,
            &all,
            Vocabulary::standard(),
        );
        assert!(list.complete);
        let treated = checklist(
            Some(&plan),
            TreatmentStatus::InTreatment,
            &all,
            Vocabulary::standard(),
        );
        assert_eq!(treated.missing, vec![DocumentKind::TreatmentHistory]);
    }

    #[test]
    fn lung_cancer_needs_biomarkers_even_without_a_plan_drug() {
        let plan = picture(json!({"diagnosis": {"primary_site": "C34.1"}}));
        let list = checklist(
            Some(&plan),
            TreatmentStatus::NotStarted,
            &[],
            Vocabulary::standard(),
        );
        assert!(list.missing.contains(&DocumentKind::BiomarkerReport));
    }
}

#[cfg(test)]
mod content_type_tests {
    use super::content_type;

    #[test]
    fn content_types_are_reduced_to_their_essence() {
        assert_eq!(
            content_type(Some("application/pdf; charset=binary")),
            "application/pdf"
        );
        assert_eq!(content_type(Some("Image/PNG")), "image/png");
        assert_eq!(
            content_type(Some("text/html\r\nX: y")),
            "application/octet-stream"
        );
        assert_eq!(content_type(None), "application/octet-stream");
        assert_eq!(
            content_type(Some("multipart/mixed")),
            "application/octet-stream"
        );
    }
}
