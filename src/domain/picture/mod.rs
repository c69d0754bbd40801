//! The `Picture`: one side's view of a case (the treating team's current plan, or a second
//! opinion): diagnosis and recommended plan. Every field is optional because an absent field
//! means "not stated", never "none" (`discordance.md`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

mod plan;
pub use plan::*;

/// What the author of a picture reviewed. `treatment` may be narrowed to modalities.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ScopeItem {
    Diagnosis,
    Staging,
    Biomarkers,
    Treatment,
    /// Ruleset 3: the author assessed the patient's performance status (`treatment` covers it too).
    PerformanceStatus,
    SystemicTherapy,
    Radiotherapy,
    Surgery,
    Transplant,
    CellularTherapy,
}

impl ScopeItem {
    /// The modality this scope item narrows treatment to, if it is one.
    pub fn modality(self) -> Option<Modality> {
        match self {
            ScopeItem::SystemicTherapy => Some(Modality::SystemicTherapy),
            ScopeItem::Radiotherapy => Some(Modality::Radiotherapy),
            ScopeItem::Surgery => Some(Modality::Surgery),
            ScopeItem::Transplant => Some(Modality::Transplant),
            ScopeItem::CellularTherapy => Some(Modality::CellularTherapy),
            _ => None,
        }
    }
}

/// A treating team's or a reviewer's diagnosis and plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "diagnosis": {"primary_site": "C18.7", "histology": "8140/3", "grade": 2,
                  "stage": {"system": "AJCC8", "group": "IIIB", "t": "T3", "n": "N1", "m": "M0"}},
    "plan": {"intent": "curative", "systemic_therapy": [{"regimen": "FOLFOX"}]}
}))]
pub struct Picture {
    /// What this picture's author reviewed; by default the parts it states.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 10)]
    pub scope: Option<Vec<ScopeItem>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<Diagnosis>,
    /// Ruleset 3: how much the patient can do day to day (ECOG or Karnofsky).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performance_status: Option<PerformanceStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<Plan>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Laterality {
    Left,
    Right,
    Bilateral,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Diagnosis {
    /// ICD-O-3 topography (C00.0-C80.9); ICD-10 C/D codes are mapped where possible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        example = "C34.1",
        max_length = 16,
        pattern = r"^(C\d{2}|D[0-4]\d)(\.?\d{1,3})?$"
    )]
    pub primary_site: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub laterality: Option<Laterality>,
    /// ICD-O-3 morphology: four digits, '/', behaviour digit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "8140/3", max_length = 16, pattern = r"^\d{4}/\d$")]
    pub histology: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "adenocarcinoma", max_length = 10000)]
    pub histology_text: Option<String>,
    /// Grade 1..5 (ISUP grade groups reach 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 5)]
    pub grade: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "Nottingham", max_length = 200)]
    pub grade_system: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<Stage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 50)]
    pub biomarkers: Option<Vec<Biomarker>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// Staging system, e.g. AJCC8, FIGO, Ann Arbor. Stages compare only within one system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "AJCC8", max_length = 200)]
    pub system: Option<String>,
    /// c (clinical), p (pathological), yc/yp (after neoadjuvant therapy), r (recurrence), a (autopsy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "c", max_length = 4, pattern = "^(c|p|y|yc|yp|r|a)$")]
    pub prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        example = "IIIA",
        max_length = 16,
        pattern = "^(0|I|II|III|IV)[A-Za-z0-9]*$"
    )]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        example = "T2a",
        max_length = 16,
        pattern = r"^(c|p|yc|yp|y|r|a)?T(X|x|is|[0-4])[A-Za-z0-9()+/,\s-]*$"
    )]
    pub t: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        example = "N2",
        max_length = 16,
        pattern = r"^(c|p|yc|yp|y|r|a)?N(X|x|[0-3])[A-Za-z0-9()+/,\s-]*$"
    )]
    pub n: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        example = "M0",
        max_length = 16,
        pattern = r"^(c|p|yc|yp|y|r|a)?M(X|x|[01])[A-Za-z0-9()+/,\s-]*$"
    )]
    pub m: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BiomarkerOrigin {
    Somatic,
    Germline,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "EGFR", "variant": "L858R", "result": "detected", "origin": "somatic"}))]
pub struct Biomarker {
    #[schema(pattern = r"\S", example = "EGFR", min_length = 1, max_length = 200)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "L858R", max_length = 200)]
    pub variant: Option<String>,
    /// positive, detected, negative, not detected, low, 2+, equivocal, pathogenic, VUS ...
    /// May be left out on a PD-L1 entry that gives a `score` (ruleset 3).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schema(example = "detected", max_length = 200)]
    pub result: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "60%", max_length = 200)]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<BiomarkerOrigin>,
    /// Ruleset 3: a PD-L1 (CD274) score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<Pdl1Score>,
}

/// A PD-L1 scoring system: the systems are not interchangeable (`discordance.md`, section 1).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
pub enum ScoreSystem {
    #[serde(rename = "TPS")]
    Tps,
    #[serde(rename = "CPS")]
    Cps,
    #[serde(rename = "TC")]
    Tc,
    #[serde(rename = "IC")]
    Ic,
    #[serde(rename = "TAP")]
    Tap,
}

impl ScoreSystem {
    pub fn code(self) -> &'static str {
        match self {
            ScoreSystem::Tps => "TPS",
            ScoreSystem::Cps => "CPS",
            ScoreSystem::Tc => "TC",
            ScoreSystem::Ic => "IC",
            ScoreSystem::Tap => "TAP",
        }
    }

    /// A tumour-cell score (TPS, TC).
    pub fn is_tumour_cell(self) -> bool {
        matches!(self, ScoreSystem::Tps | ScoreSystem::Tc)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Pdl1Score {
    pub system: ScoreSystem,
    /// 0-100 (a report of "< 1 %" is entered as 0).
    #[schema(example = 12.0, minimum = 0.0, maximum = 100.0)]
    pub value: f64,
    /// 22C3, 28-8, SP263, SP142 ...: named, not compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "22C3", max_length = 40)]
    pub assay: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum PerformanceScale {
    #[serde(rename = "ECOG")]
    Ecog,
    #[serde(rename = "Karnofsky")]
    Karnofsky,
}

/// ECOG 0-4 or Karnofsky 10-100 in steps of 10.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PerformanceStatus {
    pub scale: PerformanceScale,
    #[schema(example = 1, minimum = 0, maximum = 100)]
    pub value: i64,
}

/// The line of the plan's systemic therapy.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Line {
    First,
    Second,
    ThirdOrLater,
    Maintenance,
}

impl Line {
    pub fn code(self) -> &'static str {
        match self {
            Line::First => "first",
            Line::Second => "second",
            Line::ThirdOrLater => "third_or_later",
            Line::Maintenance => "maintenance",
        }
    }

    /// Order of progression: first and maintenance before second, second before third.
    pub fn rank(self) -> u8 {
        match self {
            Line::First | Line::Maintenance => 1,
            Line::Second => 2,
            Line::ThirdOrLater => 3,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ObservationCondition {
    ClinicalCompleteResponse,
}

/// Observation as a phase after active treatment (watch and wait): `replaces` is given only
/// without a clinical complete response or at regrowth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObservationAfterTreatment {
    pub condition: ObservationCondition,
    pub replaces: Modality,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TargetExtent {
    WholeOrgan,
    PartialOrgan,
    Focal,
}

impl TargetExtent {
    pub fn code(self) -> &'static str {
        match self {
            TargetExtent::WholeOrgan => "whole_organ",
            TargetExtent::PartialOrgan => "partial_organ",
            TargetExtent::Focal => "focal",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequiredResult {
    Positive,
    Negative,
    Low,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MinScore {
    pub system: ScoreSystem,
    #[schema(example = 10.0, minimum = 0.0, maximum = 100.0)]
    pub value: f64,
}

/// The biomarker a trial requires (ruleset 3, section 8).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "KRAS", "variant": "G12C"}))]
pub struct RequiredBiomarker {
    #[schema(example = "KRAS", max_length = 200)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "G12C", max_length = 200)]
    pub variant: Option<String>,
    /// Default: positive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<RequiredResult>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<BiomarkerOrigin>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_score: Option<MinScore>,
}

impl Diagnosis {
    /// Whether any of the "diagnosis" scope's fields (site, laterality, histology, grade) is stated.
    pub fn states_diagnosis(&self) -> bool {
        self.primary_site.is_some()
            || self.laterality.is_some()
            || self.histology.is_some()
            || self.histology_text.is_some()
            || self.grade.is_some()
    }
}

mod checks;
