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
    #[schema(max_items = 9)]
    pub scope: Option<Vec<ScopeItem>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<Diagnosis>,
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
pub struct Biomarker {
    #[schema(pattern = r"\S", example = "EGFR", min_length = 1, max_length = 200)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "L858R", max_length = 200)]
    pub variant: Option<String>,
    /// positive, detected, negative, not detected, low, 2+, equivocal ...
    #[schema(
        pattern = r"\S",
        example = "detected",
        min_length = 1,
        max_length = 200
    )]
    pub result: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "60%", max_length = 200)]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<BiomarkerOrigin>,
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
pub struct SystemicTherapy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = r"\S", example = "FOLFOX", max_length = 200)]
    pub regimen: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 50, example = json!(["Keytruda"]))]
    pub drugs: Option<Vec<String>>,
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
                if blank(&marker.result) {
                    errors.add(
                        join(&at, "result"),
                        "must give the result (e.g. positive, not detected, low)",
                    );
                }
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
