//! The recommended plan of a picture: intent, the modalities, observation or supportive
//! care, investigations and trials.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Line, ObservationAfterTreatment, RequiredBiomarker, TargetExtent};

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
