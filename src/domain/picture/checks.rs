//! Field rules of `discordance.md` beyond the JSON schema: codes, ranges, registries,
//! contradictions. Every bad field is reported, with its path.

use super::*;
use crate::domain::codes::{Morphology, StageGroup, TrialId, check_site};
use crate::domain::validation::{FieldErrors, check_country, join};
use regex::Regex;
use std::sync::LazyLock;

static T_CATEGORY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:c|p|yc|yp|y|r|a)?T(?:X|x|is|[0-4])[A-Za-z0-9()+/,\s-]*$").expect("valid regex")
});
static N_CATEGORY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:c|p|yc|yp|y|r|a)?N(?:X|x|[0-3])[A-Za-z0-9()+/,\s-]*$").expect("valid regex")
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
    /// ECOG 0-4 or Karnofsky 10-100 in steps of 10 (the FHIR import reads scores through it).
    pub fn check(&self, prefix: &str, errors: &mut FieldErrors) {
        let ok = match self.scale {
            PerformanceScale::Ecog => (0..=4).contains(&self.value),
            PerformanceScale::Karnofsky => (10..=100).contains(&self.value) && self.value % 10 == 0,
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
                        format!("is {months}; a duration is more than 0 and at most 240 months"),
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
                    check_score_value(min.value, &join(&join(&at, "min_score"), "value"), errors);
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
