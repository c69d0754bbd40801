//! The declared subset of a picture that survives export and import unchanged:
//! `normalise(import(export(p))) == normalise(restrict(p))`. What mCODE has no home for is
//! listed in `NOT_EXPORTED` (and in `docs/fhir.md`).

use crate::domain::picture::{Biomarker, Diagnosis, Picture, Plan};
use crate::domain::vocabulary::{Vocabulary, fold};

/// Picture fields the export does not carry, with the reason (`docs/fhir.md` lists them too;
/// a test keeps the two in step).
pub const NOT_EXPORTED: [(&str, &str); 19] = [
    (
        "scope",
        "what the author reviewed is a property of the opinion, not of a FHIR plan; an import leaves it to its default (the parts stated)",
    ),
    (
        "plan.sequence",
        "mCODE has no element for the order of modalities; CarePlan activities are not ordered by meaning",
    ),
    (
        "plan.location",
        "where a plan is delivered has no element on CarePlan, MedicationRequest or RequestGroup",
    ),
    (
        "plan.clinical_trials[].target",
        "a trial's molecular target has no ResearchStudy element that a sender would fill the same way",
    ),
    (
        "plan.clinical_trials[].centre",
        "ResearchStudy.site needs a Location resource per centre; not written",
    ),
    (
        "diagnosis.stage.prefix other than c and p",
        "no staging-type code names yc, yp, y, r or a; the stage is written without a prefix",
    ),
    (
        "diagnosis.stage with only a system or prefix",
        "a stage Observation needs a value: without a group, T, N or M there is nothing to write",
    ),
    (
        "diagnosis.grade_system without a grade",
        "the grading system is the grade Observation's method; without a grade there is no Observation",
    ),
    (
        "diagnosis.biomarkers beyond one per marker",
        "a second result for the same gene, variant and origin reads back as a duplicate or a conflict: the first is kept",
    ),
    (
        "diagnosis.laterality without a site or histology",
        "laterality qualifies the Condition's body site; without a site or cell type no Condition is written",
    ),
    (
        "diagnosis.biomarkers[].score",
        "a PD-L1 score by scoring system (TPS, CPS, TC, IC, TAP) and assay has no LOINC code in these tables, and no published mCODE example carries one; the marker's result is exported, and a marker stated by its score alone is not",
    ),
    (
        "plan.line",
        "mCODE STU4 has no element for the line of therapy",
    ),
    (
        "plan.observation_after_treatment",
        "watch and wait after a response, and the treatment it replaces, have no mCODE element",
    ),
    (
        "plan.systemic_therapy[].cycles",
        "a regimen's number of cycles (and `cycle_length_days`) has no mCODE element; MedicationRequest timing describes one drug's doses, not a regimen's cycles",
    ),
    (
        "plan.systemic_therapy[].cycle_length_days",
        "written only with `cycles`, which has no mCODE element",
    ),
    (
        "plan.systemic_therapy[].duration_months",
        "a planned length of treatment has no MedicationRequest element (dispenseRequest is about supply)",
    ),
    (
        "plan.systemic_therapy[].dose_percent",
        "a planned dose as a share of the regimen's standard dose has no FHIR element",
    ),
    (
        "plan.radiotherapy.target_extent",
        "whole organ, part of it or only the spots has no code in the radiotherapy value sets these tables hold",
    ),
    (
        "plan.clinical_trials[].required_biomarker",
        "a study's biomarker requirement has no ResearchStudy element a sender would fill the same way (eligibility lives in a Group's characteristics)",
    ),
];

/// The picture restricted to what the export carries.
pub fn restrict(picture: &Picture) -> Picture {
    let mut p = picture.clone();
    p.scope = None;
    if let Some(d) = p.diagnosis.as_mut() {
        if let Some(stage) = d.stage.as_mut() {
            if !matches!(stage.prefix.as_deref(), None | Some("c") | Some("p")) {
                stage.prefix = None;
            }
            if stage.group.is_none() && stage.t.is_none() && stage.n.is_none() && stage.m.is_none()
            {
                d.stage = None;
            }
        }
        if d.primary_site.is_none() && d.histology.is_none() && d.histology_text.is_none() {
            d.laterality = None;
        }
        if d.grade.is_none() {
            d.grade_system = None;
        }
        if let Some(markers) = d.biomarkers.as_mut() {
            // A PD-L1 entry stated by its score alone has nothing left to write.
            markers.retain(|b| b.score.is_none() || !b.result.trim().is_empty());
            for marker in markers.iter_mut() {
                marker.score = None;
            }
        }
        if let Some(markers) = d.biomarkers.as_mut() {
            let vocab = Vocabulary::standard();
            let key = |b: &Biomarker| {
                let gene = vocab
                    .gene(&b.name, b.variant.is_some())
                    .map(str::to_string)
                    .unwrap_or_else(|| fold(&b.name));
                (gene, b.variant.as_deref().map(fold), b.origin)
            };
            let mut seen = Vec::new();
            markers.retain(|b| {
                let k = key(b);
                let first = !seen.contains(&k);
                seen.push(k);
                first
            });
        }
    }
    if let Some(plan) = p.plan.as_mut() {
        plan.sequence = None;
        plan.location = None;
        plan.line = None;
        plan.observation_after_treatment = None;
        for line in plan.systemic_therapy.iter_mut().flatten() {
            line.cycles = None;
            line.cycle_length_days = None;
            line.duration_months = None;
            line.dose_percent = None;
        }
        if let Some(rt) = plan.radiotherapy.as_mut() {
            rt.target_extent = None;
        }
        for trial in plan.clinical_trials.iter_mut().flatten() {
            trial.target = None;
            trial.centre = None;
            trial.required_biomarker = None;
        }
    }
    normalise(&p)
}

/// A canonical form for comparing pictures: empty parts removed, doses to 0.1 mGy, trial ids
/// in their registry's case, and `observation` or `best_supportive_care` false read as absent
/// (the engine acts only on true, and the export writes only true).
pub fn normalise(picture: &Picture) -> Picture {
    let mut p = picture.clone().normalised();
    if let Some(d) = p.diagnosis.as_mut() {
        if d.biomarkers.as_ref().is_some_and(Vec::is_empty) {
            d.biomarkers = None;
        }
        if d.stage.as_ref().is_some_and(|s| *s == Default::default()) {
            d.stage = None;
        }
    }
    if p.diagnosis
        .as_ref()
        .is_some_and(|d| *d == Diagnosis::default())
    {
        p.diagnosis = None;
    }
    if let Some(plan) = p.plan.as_mut() {
        if plan.observation == Some(false) {
            plan.observation = None;
        }
        if plan.best_supportive_care == Some(false) {
            plan.best_supportive_care = None;
        }
        if let Some(rt) = plan.radiotherapy.as_mut() {
            rt.total_dose_gy = rt.total_dose_gy.map(|d| (d * 10_000.0).round() / 10_000.0);
        }
        for list in [&mut plan.systemic_therapy] {
            if list.as_ref().is_some_and(Vec::is_empty) {
                *list = None;
            }
        }
        if plan
            .recommended_investigations
            .as_ref()
            .is_some_and(Vec::is_empty)
        {
            plan.recommended_investigations = None;
        }
        if plan.clinical_trials.as_ref().is_some_and(Vec::is_empty) {
            plan.clinical_trials = None;
        }
    }
    if p.plan.as_ref().is_some_and(|plan| *plan == Plan::default()) {
        p.plan = None;
    }
    p
}
