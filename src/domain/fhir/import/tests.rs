//! Unit tests of the import steps; whole Bundles with hand-written expectations are in
//! `tests/fhir.rs`.

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use super::grade::grade_from_text;
use super::site::{Morph, morphology, topography};
use super::*;
use crate::domain::fhir::report::EntryKind;
use crate::domain::picture::{Intent, Laterality, Picture, RadiationType};

fn context() -> ImportContext {
    ImportContext::new(Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap())
}

fn bundle(resources: Vec<Value>) -> Vec<u8> {
    let entries: Vec<Value> = resources
        .into_iter()
        .enumerate()
        .map(|(i, r)| json!({"fullUrl": format!("urn:uuid:00000000-0000-4000-8000-{i:012}"), "resource": r}))
        .collect();
    serde_json::to_vec(&json!({"resourceType": "Bundle", "type": "collection", "entry": entries}))
        .unwrap()
}

fn kinds(report: &Report) -> Vec<(EntryKind, bool)> {
    report
        .entries
        .iter()
        .map(|e| (e.kind, e.clinical))
        .collect()
}

#[test]
fn icd_o_3_morphology_is_read_as_written_normalised_or_with_its_grade() {
    let m = |code: &str, grade: Option<i64>, normalised: bool| {
        Some(Morph {
            code: code.into(),
            grade,
            normalised,
        })
    };
    assert_eq!(morphology("8500/3"), m("8500/3", None, false));
    assert_eq!(morphology("80463/3"), m("8046/3", None, true));
    assert_eq!(morphology("8046/33"), m("8046/3", Some(3), false));
    assert_eq!(morphology("8046/36"), m("8046/3", None, false));
    assert_eq!(morphology("85003"), m("8500/3", None, true));
    assert_eq!(
        morphology("80462/3"),
        None,
        "two different behaviour digits are not a typo"
    );
    assert_eq!(morphology("C50.4"), None);
    assert_eq!(topography("C50.4").as_deref(), Some("C50.4"));
    assert_eq!(topography("C504").as_deref(), Some("C50.4"));
    assert_eq!(topography("C79.5"), None, "C79 is ICD-10 only");
    assert_eq!(topography("8500/3"), None);
    assert_eq!(grade_from_text("Grade 2"), Some(2));
    assert_eq!(grade_from_text("G3"), Some(3));
    assert_eq!(grade_from_text("high"), None);
}

#[test]
fn icd_10_codes_give_topography_and_laterality_and_say_what_was_not_read() {
    let condition = |code: &str| json!({"resourceType": "Condition", "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": code}]}});
    let read = |code: &str| import_picture(&bundle(vec![condition(code)]), &context()).unwrap();
    let breast = read("C50.811");
    let d = breast.picture.diagnosis.clone().unwrap();
    assert_eq!(
        (d.primary_site.as_deref(), d.laterality),
        (Some("C50.8"), Some(Laterality::Right))
    );
    assert!(breast.report.entries.is_empty());
    let ovary = read("C56.2");
    let d = ovary.picture.diagnosis.unwrap();
    assert_eq!(
        (d.primary_site.as_deref(), d.laterality),
        (Some("C56.9"), Some(Laterality::Left))
    );
    let melanoma = read("C43.111");
    assert_eq!(
        melanoma.picture.diagnosis.unwrap().primary_site.as_deref(),
        Some("C43.1")
    );
    assert_eq!(
        kinds(&melanoma.report),
        vec![(EntryKind::Normalised, false)]
    );
    // A secondary neoplasm is never the primary.
    let secondary = read("C79.51");
    assert_eq!(secondary.picture, Picture::default());
    assert_eq!(
        kinds(&secondary.report),
        vec![(EntryKind::NotInPicture, false)]
    );
}

#[test]
fn without_a_patient_every_subject_must_still_be_one_patient() {
    let body = bundle(vec![
        json!({"resourceType": "Condition", "subject": {"reference": "Patient/a"}, "code": {"text": "x"}}),
        json!({"resourceType": "Observation", "subject": {"reference": "Patient/b"}, "code": {"text": "y"}}),
    ]);
    let error = import_picture(&body, &context()).unwrap_err();
    assert_eq!(
        error,
        FhirError::OtherPatient {
            expression: "Bundle.entry[1].resource.subject".into()
        }
    );
}

#[test]
fn two_cancer_conditions_without_a_link_are_a_conflict_and_a_link_decides() {
    let lung = json!({"resourceType": "Condition", "id": "lung", "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C34.11"}]}});
    let colon = json!({"resourceType": "Condition", "id": "colon", "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C18.7"}]}});
    let undecided = import_picture(&bundle(vec![lung.clone(), colon.clone()]), &context()).unwrap();
    assert_eq!(undecided.picture, Picture::default());
    assert_eq!(kinds(&undecided.report), vec![(EntryKind::Conflict, true)]);
    let order = json!({"resourceType": "MedicationRequest", "status": "active", "intent": "plan", "authoredOn": "2026-11-01",
        "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "32592"}]},
        "reasonReference": [{"reference": "Condition/colon"}]});
    let decided = import_picture(&bundle(vec![lung, colon, order]), &context()).unwrap();
    let d = decided.picture.diagnosis.unwrap();
    assert_eq!(d.primary_site.as_deref(), Some("C18.7"));
    assert_eq!(kinds(&decided.report), vec![(EntryKind::NotLinked, true)]);
}

fn rt(extensions: Value) -> Value {
    json!({"resourceType": "ServiceRequest", "status": "active", "intent": "plan",
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "1217123003"}]}, "extension": extensions})
}

fn dose(gy_c: f64, fractions: i64) -> Value {
    json!({"url": crate::domain::fhir::codes::EXT_DOSE_PRESCRIBED, "extension": [
        {"url": "volume", "valueReference": {"reference": "BodyStructure/v"}},
        {"url": "totalDose", "valueQuantity": {"value": gy_c, "unit": "cGy", "system": "http://unitsofmeasure.org", "code": "cGy"}},
        {"url": "fractions", "valuePositiveInt": fractions}]})
}

#[test]
fn a_radiotherapy_dose_only_when_one_prescription_is_unambiguous() {
    let modality = json!({"url": crate::domain::fhir::codes::EXT_MODALITY_TECHNIQUE, "extension": [
        {"url": crate::domain::fhir::codes::EXT_MODALITY, "valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": "1156506007"}]}},
        {"url": crate::domain::fhir::codes::EXT_TECHNIQUE, "valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": "441799006"}]}}]});
    let one = import_picture(
        &bundle(vec![rt(json!([modality, dose(6000.0, 30)]))]),
        &context(),
    )
    .unwrap();
    let r = one.picture.plan.unwrap().radiotherapy.unwrap();
    assert_eq!(
        (
            r.total_dose_gy,
            r.fractions,
            r.radiation_type,
            r.technique.as_deref()
        ),
        (
            Some(60.0),
            Some(30),
            Some(RadiationType::Photon),
            Some("IMRT")
        )
    );
    let two = import_picture(
        &bundle(vec![rt(json!([dose(6000.0, 30), dose(5000.0, 25)]))]),
        &context(),
    )
    .unwrap();
    let r = two.picture.plan.unwrap().radiotherapy.unwrap();
    assert_eq!((r.total_dose_gy, r.fractions), (None, None));
    assert_eq!(kinds(&two.report), vec![(EntryKind::Conflict, true)]);
}

#[test]
fn plan_items_with_different_intents_give_none_and_say_so() {
    let intent = |code: &str| json!([{"url": crate::domain::fhir::codes::EXT_INTENT, "valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": code}]}}]);
    let order = |rx: &str, code: &str| {
        json!({"resourceType": "MedicationRequest", "status": "active", "intent": "plan", "authoredOn": "2026-11-01",
        "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": rx}]}, "extension": intent(code)})
    };
    let same = import_picture(
        &bundle(vec![
            order("32592", "373808002"),
            order("4492", "373808002"),
        ]),
        &context(),
    )
    .unwrap();
    assert_eq!(same.picture.plan.unwrap().intent, Some(Intent::Curative));
    let differ = import_picture(
        &bundle(vec![
            order("32592", "373808002"),
            order("4492", "363676003"),
        ]),
        &context(),
    )
    .unwrap();
    assert_eq!(differ.picture.plan.as_ref().unwrap().intent, None);
    assert!(kinds(&differ.report).contains(&(EntryKind::Conflict, true)));
}

#[test]
fn a_drug_text_that_names_another_drug_than_its_code_is_a_conflict_and_the_code_wins() {
    let order = json!({"resourceType": "MedicationRequest", "status": "active", "intent": "plan", "authoredOn": "2026-11-01",
        "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "32592"}], "text": "Xeloda"}});
    let read = import_picture(&bundle(vec![order]), &context()).unwrap();
    assert_eq!(
        read.picture.plan.unwrap().systemic_therapy.unwrap()[0]
            .drugs
            .as_deref(),
        Some(&["oxaliplatin".to_string()][..])
    );
    assert_eq!(kinds(&read.report), vec![(EntryKind::Conflict, true)]);
}

#[test]
fn observation_together_with_treatment_is_left_out_by_the_picture_rules() {
    let surveillance = json!({"resourceType": "CarePlan", "status": "active", "intent": "plan",
        "activity": [{"detail": {"status": "not-started", "code": {"text": "Active surveillance"}}}]});
    let order = json!({"resourceType": "MedicationRequest", "status": "active", "intent": "plan", "authoredOn": "2026-11-01",
        "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "32592"}]}});
    let read = import_picture(&bundle(vec![surveillance, order]), &context()).unwrap();
    let plan = read.picture.plan.unwrap();
    assert_eq!(plan.observation, None);
    assert!(plan.systemic_therapy.is_some());
    assert!(
        read.report
            .entries
            .iter()
            .any(|e| e.kind == EntryKind::Conflict
                && e.clinical
                && e.element.as_deref() == Some("plan.observation"))
    );
}

#[test]
fn trials_come_from_the_plan_or_a_research_subject_never_from_a_bare_search_result() {
    let study = |id: &str, nct: &str| {
        json!({"resourceType": "ResearchStudy", "id": id, "status": "active",
        "identifier": [{"system": "http://clinicaltrials.gov", "value": nct}], "phase": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/research-study-phase", "code": "phase-2"}]},
        "location": [{"coding": [{"system": "urn:iso:std:iso:3166", "code": "IN"}]}]})
    };
    let subject = json!({"resourceType": "ResearchSubject", "status": "on-study", "study": {"reference": "ResearchStudy/enrolled"}, "individual": {"reference": "Patient/p"}});
    let read = import_picture(
        &bundle(vec![
            study("enrolled", "nct04513925"),
            study("found", "NCT01234567"),
            subject,
        ]),
        &context(),
    )
    .unwrap();
    let trials = read.picture.plan.unwrap().clinical_trials.unwrap();
    assert_eq!(trials.len(), 1);
    assert_eq!(
        (
            trials[0].registry_id.as_str(),
            trials[0].phase.as_deref(),
            trials[0].country.as_deref()
        ),
        ("NCT04513925", Some("2"), Some("IN"))
    );
    assert_eq!(kinds(&read.report), vec![(EntryKind::NotLinked, false)]);
}

#[test]
fn an_ihc_score_is_preferred_over_the_interpretation_so_her2_low_survives() {
    let her2 = |code: &str, value: Value| {
        json!({"resourceType": "Observation", "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]}, "valueCodeableConcept": value})
    };
    let read = import_picture(
        &bundle(vec![
            her2(
                "48676-1",
                json!({"coding": [{"system": "http://loinc.org", "code": "LA6577-6"}]}),
            ),
            her2("85319-2", json!({"text": "1+"})),
        ]),
        &context(),
    )
    .unwrap();
    let markers = read.picture.diagnosis.unwrap().biomarkers.unwrap();
    assert_eq!(markers.len(), 1);
    assert_eq!(
        (markers[0].name.as_str(), markers[0].result.as_str()),
        ("HER2", "1+")
    );
    assert_eq!(kinds(&read.report), vec![(EntryKind::MatchedByName, false)]);
}

#[test]
fn an_empty_report_still_answers_one_information_issue() {
    let outcome = crate::domain::fhir::OperationOutcome::from_report(&Report::default(), None);
    assert_eq!(outcome.issue.len(), 1);
    assert_eq!(
        outcome.issue[0].severity,
        crate::domain::fhir::IssueSeverity::Information
    );
    let report = Report {
        entries: vec![],
        skipped: [("Practitioner".to_string(), 2)].into_iter().collect(),
    };
    let outcome = crate::domain::fhir::OperationOutcome::from_report(&report, Some("r"));
    assert!(outcome.issue[0].details.text.contains("2 Practitioner"));
    assert_eq!(report.review_reason(), None);
}
