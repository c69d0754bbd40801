//! The `Picture`: one side's view of a case (the treating team's current plan, or a second
//! opinion): diagnosis and recommended plan. Every field is optional because an absent field
//! means "not stated", never "none" (`discordance.md`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    Curative,
    Palliative,
}

/// A treatment modality: the unit of plan comparison.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Modality {
    SystemicTherapy,
    Radiotherapy,
    Surgery,
    Transplant,
    CellularTherapy,
}

impl Modality {
    pub const ALL: [Modality; 5] = [
        Modality::SystemicTherapy,
        Modality::Radiotherapy,
        Modality::Surgery,
        Modality::Transplant,
        Modality::CellularTherapy,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Modality::SystemicTherapy => "systemic_therapy",
            Modality::Radiotherapy => "radiotherapy",
            Modality::Surgery => "surgery",
            Modality::Transplant => "transplant",
            Modality::CellularTherapy => "cellular_therapy",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent: Option<Intent>,
    /// Active surveillance or watchful waiting instead of treatment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observation: Option<bool>,
    /// Comfort-focused care instead of anticancer treatment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best_supportive_care: Option<bool>,
    /// Ruleset 3: the line of the plan's systemic therapy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<Line>,
    /// Ruleset 3: watch and wait after treatment, instead of `replaces` when the response is complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observation_after_treatment: Option<ObservationAfterTreatment>,
    /// Order of modalities, when it matters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 50)]
    pub sequence: Option<Vec<Modality>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 50)]
    pub systemic_therapy: Option<Vec<SystemicTherapy>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub radiotherapy: Option<Radiotherapy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surgery: Option<Surgery>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transplant: Option<Transplant>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cellular_therapy: Option<CellularTherapy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 50)]
    pub recommended_investigations: Option<Vec<Investigation>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 50)]
    pub clinical_trials: Option<Vec<ClinicalTrial>>,
    /// Where the plan would be delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// One line of systemic therapy: a regimen acronym, a list of drugs, or both.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"regimen": "FOLFOX", "cycles": 12, "cycle_length_days": 14}))]
pub struct SystemicTherapy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = r"\S", example = "FOLFOX", max_length = 200)]
    pub regimen: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 50, example = json!(["Keytruda"]))]
    pub drugs: Option<Vec<String>>,
    /// Ruleset 3: number of cycles (1-100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 4, minimum = 1, maximum = 100)]
    pub cycles: Option<i64>,
    /// Ruleset 3: days per cycle (1-365), only with `cycles`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 21, minimum = 1, maximum = 365)]
    pub cycle_length_days: Option<i64>,
    /// Ruleset 3: planned length in months (> 0, <= 240), never with `cycles`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 60.0, exclusive_minimum = 0.0, maximum = 240.0)]
    pub duration_months: Option<f64>,
    /// Ruleset 3: planned dose as % of the regimen's standard dose (1-150).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 100.0, minimum = 1.0, maximum = 150.0)]
    pub dose_percent: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RadiationType {
    Photon,
    Electron,
    Proton,
    CarbonIon,
    Brachytherapy,
}

impl RadiationType {
    pub fn code(self) -> &'static str {
        match self {
            RadiationType::Photon => "photon",
            RadiationType::Electron => "electron",
            RadiationType::Proton => "proton",
            RadiationType::CarbonIon => "carbon_ion",
            RadiationType::Brachytherapy => "brachytherapy",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Radiotherapy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 60.0, exclusive_minimum = 0.0, maximum = 1000.0)]
    pub total_dose_gy: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 30, minimum = 1, maximum = 1000)]
    pub fractions: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub radiation_type: Option<RadiationType>,
    /// IMRT, VMAT, 3D-CRT ...: recorded, not compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "IMRT", max_length = 200)]
    pub technique: Option<String>,
    /// Treated site; "bone" selects the bone-metastasis equivalent schedules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "lung", max_length = 200)]
    pub site: Option<String>,
    /// Ruleset 3: whole organ, part of it, or a focal target (radiosurgery).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_extent: Option<TargetExtent>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Surgery {
    #[schema(
        pattern = r"\S",
        example = "lobectomy",
        min_length = 1,
        max_length = 500
    )]
    pub procedure: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransplantType {
    Autologous,
    Allogeneic,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Transplant {
    #[serde(rename = "type")]
    pub kind: TransplantType,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CellularTherapy {
    #[schema(
        pattern = r"\S",
        example = "axicabtagene ciloleucel",
        min_length = 1,
        max_length = 500
    )]
    pub product: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Investigation {
    #[schema(
        pattern = r"\S",
        example = "germline BRCA testing",
        min_length = 1,
        max_length = 500
    )]
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClinicalTrial {
    /// Registry id: NCT, EU CT, EudraCT, ChiCTR, CTRI, ISRCTN, jRCT, ACTRN, WHO UTN (checked), or any other registry's id as written.
    #[schema(
        pattern = r"\S",
        example = "NCT04513925",
        min_length = 1,
        max_length = 100
    )]
    pub registry_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 10000)]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "KRAS G12C", max_length = 500)]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "2", max_length = 20)]
    pub phase: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "CN", pattern = "^[A-Z]{2}$")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 500)]
    pub centre: Option<String>,
    /// Ruleset 3: the biomarker the trial requires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_biomarker: Option<RequiredBiomarker>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// ISO 3166-1 alpha-2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "DE", pattern = "^[A-Z]{2}$")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 500)]
    pub centre: Option<String>,
}

impl Plan {
    /// The modalities this plan names.
    pub fn modalities(&self) -> Vec<Modality> {
        let mut named = Vec::new();
        if self
            .systemic_therapy
            .as_ref()
            .is_some_and(|s| !s.is_empty())
        {
            named.push(Modality::SystemicTherapy);
        }
        if self.radiotherapy.is_some() {
            named.push(Modality::Radiotherapy);
        }
        if self.surgery.is_some() {
            named.push(Modality::Surgery);
        }
        if self.transplant.is_some() {
            named.push(Modality::Transplant);
        }
        if self.cellular_therapy.is_some() {
            named.push(Modality::CellularTherapy);
        }
        named
    }

    pub fn observes(&self) -> bool {
        self.observation == Some(true)
    }

    pub fn supportive_care_only(&self) -> bool {
        self.best_supportive_care == Some(true)
    }

    /// A plan is "stated" when it observes, gives supportive care only, or names a modality.
    pub fn is_stated(&self) -> bool {
        self.observes() || self.supportive_care_only() || !self.modalities().is_empty()
    }
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

mod checks {
    //! Field rules of `discordance.md` beyond the JSON schema: codes, ranges, registries,
    //! contradictions. Every bad field is reported, with its path.

    use super::*;
    use crate::domain::codes::{Morphology, StageGroup, TrialId, check_site};
    use crate::domain::validation::{FieldErrors, check_country, join};
    use regex::Regex;
    use std::sync::LazyLock;

    static T_CATEGORY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(?:c|p|yc|yp|y|r|a)?T(?:X|x|is|[0-4])[A-Za-z0-9()+/,\s-]*$")
            .expect("valid regex")
    });
    static N_CATEGORY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(?:c|p|yc|yp|y|r|a)?N(?:X|x|[0-3])[A-Za-z0-9()+/,\s-]*$")
            .expect("valid regex")
    });
    static M_CATEGORY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(?:c|p|yc|yp|y|r|a)?M(?:X|x|[01])[A-Za-z0-9()+/,\s-]*$").expect("valid regex")
    });
    const STAGE_PREFIXES: [&str; 7] = ["c", "p", "y", "yc", "yp", "r", "a"];

    fn blank(text: &str) -> bool {
        text.trim().is_empty()
    }

    impl Picture {
        /// Checks every field, reporting each bad one under `prefix`.
        pub fn check(&self, prefix: &str, errors: &mut FieldErrors) {
            if let Some(diagnosis) = &self.diagnosis {
                diagnosis.check(&join(prefix, "diagnosis"), errors);
            }
            if let Some(status) = &self.performance_status {
                status.check(&join(prefix, "performance_status"), errors);
            }
            if let Some(plan) = &self.plan {
                plan.check(&join(prefix, "plan"), errors);
            }
        }

        /// The picture with trial ids in their registry's canonical case (after `check`).
        pub fn normalised(mut self) -> Picture {
            if let Some(trials) = self.plan.as_mut().and_then(|p| p.clinical_trials.as_mut()) {
                for trial in trials {
                    if let Ok(id) = TrialId::parse(&trial.registry_id) {
                        trial.registry_id = id.id;
                    }
                }
            }
            self
        }
    }

    impl Diagnosis {
        fn check(&self, prefix: &str, errors: &mut FieldErrors) {
            if let Some(site) = &self.primary_site
                && let Err(message) = check_site(site)
            {
                errors.add(join(prefix, "primary_site"), message);
            }
            if let Some(histology) = &self.histology
                && let Err(message) = Morphology::parse(histology)
            {
                errors.add(join(prefix, "histology"), message);
            }
            if let Some(grade) = self.grade
                && !(1..=5).contains(&grade)
            {
                errors.add(
                    join(prefix, "grade"),
                    format!("is {grade}; a grade is 1 to 5"),
                );
            }
            if let Some(stage) = &self.stage {
                stage.check(&join(prefix, "stage"), errors);
            }
            for (i, marker) in self.biomarkers.iter().flatten().enumerate() {
                let at = join(&join(prefix, "biomarkers"), i);
                if blank(&marker.name) {
                    errors.add(
                        join(&at, "name"),
                        "must name the biomarker (gene or protein)",
                    );
                }
                if blank(&marker.result) && marker.score.is_none() {
                    errors.add(
                        join(&at, "result"),
                        "must give the result (e.g. positive, not detected, low), or a PD-L1 score",
                    );
                }
                if let Some(score) = &marker.score {
                    if !is_pdl1(&marker.name) {
                        errors.add(
                            join(&at, "score"),
                            format!(
                                "a score is given only on a PD-L1 (CD274) result, not on '{}'",
                                marker.name.trim()
                            ),
                        );
                    }
                    check_score_value(score.value, &join(&join(&at, "score"), "value"), errors);
                    if let Some(assay) = &score.assay
                        && assay.chars().count() > 40
                    {
                        errors.add(
                            join(&join(&at, "score"), "assay"),
                            "is longer than 40 characters",
                        );
                    }
                }
            }
        }
    }

    /// PD-L1 under either of its names.
    pub(crate) fn is_pdl1(name: &str) -> bool {
        let folded = crate::domain::vocabulary::fold(name);
        folded == "pdl1" || folded == "cd274"
    }

    fn check_score_value(value: f64, at: &str, errors: &mut FieldErrors) {
        if !(value.is_finite() && (0.0..=100.0).contains(&value)) {
            errors.add(at, format!("is {value}; a score is a number from 0 to 100"));
        }
    }

    impl PerformanceStatus {
        fn check(&self, prefix: &str, errors: &mut FieldErrors) {
            let ok = match self.scale {
                PerformanceScale::Ecog => (0..=4).contains(&self.value),
                PerformanceScale::Karnofsky => {
                    (10..=100).contains(&self.value) && self.value % 10 == 0
                }
            };
            if !ok {
                let rule = match self.scale {
                    PerformanceScale::Ecog => {
                        "an ECOG status is an integer from 0 to 4 (5 records death)"
                    }
                    PerformanceScale::Karnofsky => {
                        "a Karnofsky status is a multiple of 10 from 10 to 100 (0 records death)"
                    }
                };
                errors.add(join(prefix, "value"), format!("is {}; {rule}", self.value));
            }
        }
    }

    impl Stage {
        fn check(&self, prefix: &str, errors: &mut FieldErrors) {
            if let Some(p) = &self.prefix
                && !STAGE_PREFIXES.contains(&p.as_str())
            {
                errors.add(
                    join(prefix, "prefix"),
                    format!("'{p}' is not one of {}", STAGE_PREFIXES.join(", ")),
                );
            }
            if let Some(group) = &self.group
                && StageGroup::parse(group).is_none()
            {
                errors.add(join(prefix, "group"), format!("'{group}' is not a stage group (0, I, II, III or IV, with an optional letter, e.g. IIIA)"));
            }
            for (key, value, regex, example) in [
                ("t", &self.t, &*T_CATEGORY, "T2a"),
                ("n", &self.n, &*N_CATEGORY, "N1"),
                ("m", &self.m, &*M_CATEGORY, "M0"),
            ] {
                if let Some(v) = value
                    && !regex.is_match(v)
                {
                    errors.add(
                        join(prefix, key),
                        format!(
                            "'{v}' is not a TNM {} category (e.g. {example})",
                            key.to_uppercase()
                        ),
                    );
                }
            }
        }
    }

    impl Plan {
        fn check(&self, prefix: &str, errors: &mut FieldErrors) {
            let named = self.modalities();
            if self.observes() && self.supportive_care_only() {
                errors.add(
                    join(prefix, "best_supportive_care"),
                    "cannot be true together with observation: choose one",
                );
            }
            for (flag, set, what) in [
                ("observation", self.observes(), "active surveillance"),
                (
                    "best_supportive_care",
                    self.supportive_care_only(),
                    "best supportive care",
                ),
            ] {
                if set && !named.is_empty() {
                    let names: Vec<&str> = named.iter().map(|m| m.code()).collect();
                    errors.add(
                        join(prefix, flag),
                        format!(
                            "{what} instead of treatment contradicts the plan's {}",
                            names.join(", ")
                        ),
                    );
                }
            }
            for (i, line) in self.systemic_therapy.iter().flatten().enumerate() {
                let at = join(&join(prefix, "systemic_therapy"), i);
                let drugs = line.drugs.as_deref().unwrap_or_default();
                if line.regimen.as_deref().is_none_or(blank) && drugs.is_empty() {
                    errors.add(at.clone(), "needs a regimen or at least one drug");
                }
                if line.regimen.as_deref().is_some_and(blank) {
                    errors.add(join(&at, "regimen"), "must not be blank");
                }
                for (j, drug) in drugs.iter().enumerate() {
                    if blank(drug) {
                        errors.add(join(&join(&at, "drugs"), j), "must not be blank");
                    }
                }
                if let Some(cycles) = line.cycles
                    && !(1..=100).contains(&cycles)
                {
                    errors.add(
                        join(&at, "cycles"),
                        format!("is {cycles}; cycles are an integer from 1 to 100"),
                    );
                }
                if let Some(days) = line.cycle_length_days {
                    if !(1..=365).contains(&days) {
                        errors.add(
                            join(&at, "cycle_length_days"),
                            format!("is {days}; a cycle lasts 1 to 365 days"),
                        );
                    }
                    if line.cycles.is_none() {
                        errors.add(join(&at, "cycle_length_days"), "is given only with cycles");
                    }
                }
                if let Some(months) = line.duration_months {
                    if !(months.is_finite() && months > 0.0 && months <= 240.0) {
                        errors.add(
                            join(&at, "duration_months"),
                            format!(
                                "is {months}; a duration is more than 0 and at most 240 months"
                            ),
                        );
                    }
                    if line.cycles.is_some() {
                        errors.add(
                            join(&at, "duration_months"),
                            "cannot be given together with cycles: choose one",
                        );
                    }
                }
                if let Some(dose) = line.dose_percent
                    && !(dose.is_finite() && (1.0..=150.0).contains(&dose))
                {
                    errors.add(
                        join(&at, "dose_percent"),
                        format!("is {dose}; the planned dose is 1 to 150 % of the standard dose"),
                    );
                }
            }
            if self.line.is_some() && !named.contains(&Modality::SystemicTherapy) {
                errors.add(
                    join(prefix, "line"),
                    "is given only on a plan that names systemic therapy",
                );
            }
            if let Some(after) = &self.observation_after_treatment {
                let others = named.iter().any(|m| *m != after.replaces);
                if !named.contains(&after.replaces) || !others {
                    errors.add(
                        join(&join(prefix, "observation_after_treatment"), "replaces"),
                        format!(
                            "must be a modality the plan names ({}) while it names another as well; observation instead of all treatment is `observation`",
                            after.replaces.code()
                        ),
                    );
                }
            }
            if let Some(rt) = &self.radiotherapy {
                let at = join(prefix, "radiotherapy");
                if let Some(dose) = rt.total_dose_gy
                    && !(dose.is_finite() && dose > 0.0)
                {
                    errors.add(join(&at, "total_dose_gy"), "must be greater than 0");
                }
                if let Some(fractions) = rt.fractions
                    && fractions < 1
                {
                    errors.add(join(&at, "fractions"), "must be at least 1");
                }
            }
            if let Some(surgery) = &self.surgery
                && blank(&surgery.procedure)
            {
                errors.add(
                    join(&join(prefix, "surgery"), "procedure"),
                    "must name the procedure",
                );
            }
            if let Some(cellular) = &self.cellular_therapy
                && blank(&cellular.product)
            {
                errors.add(
                    join(&join(prefix, "cellular_therapy"), "product"),
                    "must name the product",
                );
            }
            for (i, investigation) in self.recommended_investigations.iter().flatten().enumerate() {
                if blank(&investigation.name) {
                    errors.add(
                        join(
                            &join(&join(prefix, "recommended_investigations"), i),
                            "name",
                        ),
                        "must name the test",
                    );
                }
            }
            for (i, trial) in self.clinical_trials.iter().flatten().enumerate() {
                let at = join(&join(prefix, "clinical_trials"), i);
                if blank(&trial.registry_id) {
                    errors.add(
                        join(&at, "registry_id"),
                        "must give the trial's registry id",
                    );
                } else if let Err(message) = TrialId::parse(&trial.registry_id) {
                    errors.add(join(&at, "registry_id"), message);
                }
                check_country(trial.country.as_deref(), join(&at, "country"), errors);
                if let Some(required) = &trial.required_biomarker {
                    let at = join(&at, "required_biomarker");
                    if blank(&required.name) {
                        errors.add(join(&at, "name"), "must name the biomarker");
                    }
                    if let Some(min) = &required.min_score {
                        if !is_pdl1(&required.name) {
                            errors.add(
                                join(&at, "min_score"),
                                "a minimum score is given only on a PD-L1 (CD274) requirement",
                            );
                        }
                        check_score_value(
                            min.value,
                            &join(&join(&at, "min_score"), "value"),
                            errors,
                        );
                    }
                }
            }
            if let Some(location) = &self.location {
                check_country(
                    location.country.as_deref(),
                    join(&join(prefix, "location"), "country"),
                    errors,
                );
            }
        }
    }
}
