//! The contract's rules at their boundaries, and the worked examples.

use super::*;
use serde_json::json;
use std::collections::BTreeSet;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).expect("date")
}

fn run(input: Value) -> Classification {
    run_with(input, Ruleset::Three)
}

fn run_with(input: Value, ruleset: Ruleset) -> Classification {
    let input: ClassificationInput = serde_json::from_value(input).expect("input parses");
    let input = validate_input(input).expect("input is valid");
    classify_with(&input, today(), ruleset)
}

fn codes<T: Serialize>(items: &[T]) -> BTreeSet<String> {
    items
        .iter()
        .map(|i| {
            serde_json::to_value(i)
                .expect("serialises")
                .as_str()
                .expect("string")
                .to_string()
        })
        .collect()
}

fn finding(result: &Classification, dimension: Dimension) -> &Finding {
    result
        .findings
        .iter()
        .find(|f| f.dimension == dimension)
        .unwrap_or_else(|| panic!("no {dimension:?} finding in {:#?}", result.findings))
}

fn has(result: &Classification, dimension: Dimension) -> bool {
    result.findings.iter().any(|f| f.dimension == dimension)
}

/// A plan-only comparison on a site, in the current and opinion plan given.
fn plans(site: &str, current: Value, opinion: Value) -> Value {
    json!({
        "current": {"diagnosis": {"primary_site": site}, "plan": current},
        "opinion": {"plan": opinion},
        "context": {"as_of": "2026-11-25", "treatment_status": "not_started"}
    })
}

fn rt(dose: f64, fractions: i64) -> Value {
    json!({"intent": "curative", "radiotherapy": {"total_dose_gy": dose, "fractions": fractions}})
}

// ---- worked examples -------------------------------------------------------------------

/// Ruleset 3's worked examples (`shared/cases/r3`).
fn worked_examples() -> Vec<(String, Value)> {
    examples_in("tests/fixtures/cases")
}

/// Ruleset 2's worked examples (`shared/cases`), kept for `classify_with(.., Ruleset::Two)`.
fn ruleset2_examples() -> Vec<(String, Value)> {
    examples_in("tests/fixtures/cases-ruleset2")
}

fn examples_in(fixtures: &str) -> Vec<(String, Value)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(fixtures);
    let mut cases: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .expect("fixtures dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read case");
            (
                p.file_name().expect("name").to_string_lossy().into_owned(),
                serde_json::from_str(&text).expect("case json"),
            )
        })
        .collect();
    cases.sort_by(|a, b| a.0.cmp(&b.0));
    cases
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|s| s.as_str().expect("str").to_string())
        .collect()
}

/// Differences between a result and a worked example's `expected`, empty when it holds.
/// Outcome, primary scenario and urgency exactly; scenarios and actions as sets; when the
/// example gives them (the r3 examples), the review item codes in order and the release gate
/// as `gate::clinician_review_reasons` computes it.
fn check_example(result: &Classification, expected: &Value) -> Vec<String> {
    let mut wrong = Vec::new();
    let set = |v: &Value| strings(v).into_iter().collect::<BTreeSet<_>>();
    let got = json!({
        "outcome": result.outcome, "primary_scenario": result.primary_scenario, "urgency": result.urgency,
    });
    for key in ["outcome", "primary_scenario", "urgency"] {
        if got[key] != expected[key] {
            wrong.push(format!(
                "{key}: expected {} got {}",
                expected[key], got[key]
            ));
        }
    }
    if codes(&result.scenarios) != set(&expected["scenarios"]) {
        wrong.push(format!(
            "scenarios: expected {} got {:?}",
            expected["scenarios"],
            codes(&result.scenarios)
        ));
    }
    if codes(&result.actions) != set(&expected["actions"]) {
        wrong.push(format!(
            "actions: expected {} got {:?}",
            expected["actions"],
            codes(&result.actions)
        ));
    }
    if let Some(reasons) = expected.get("review_reasons") {
        let got: Vec<String> = result
            .review_items
            .iter()
            .map(|i| i.code.code().to_string())
            .collect();
        if got != strings(reasons) {
            wrong.push(format!("review item codes: expected {reasons} got {got:?}"));
        }
    }
    if let Some(held) = expected.get("clinician_review_reasons") {
        let gate: Vec<String> = clinician_review_reasons(result)
            .iter()
            .map(|r| r.code().to_string())
            .collect();
        if gate != strings(held) {
            wrong.push(format!(
                "clinician_review_reasons: expected {held} got {gate:?}"
            ));
        }
        if expected["needs_clinician_review"] != json!(!gate.is_empty()) {
            wrong.push(format!(
                "needs_clinician_review: expected {}",
                expected["needs_clinician_review"]
            ));
        }
    }
    wrong
}

fn run_examples(cases: &[(String, Value)], ruleset: Ruleset) -> Vec<String> {
    let mut failures = Vec::new();
    for (name, case) in cases {
        let result = run_with(case["input"].clone(), ruleset);
        let wrong = check_example(&result, &case["expected"]);
        if !wrong.is_empty() {
            failures.push(format!(
                "{name}:\n  {}\n  review: {:?}\n  findings: {:#?}",
                wrong.join("\n  "),
                result.review_items,
                result
                    .findings
                    .iter()
                    .map(|f| format!(
                        "{:?} {:?} {:?}: {}",
                        f.dimension, f.change, f.severity, f.explanation
                    ))
                    .collect::<Vec<_>>()
            ));
        }
    }
    failures
}

#[test]
fn every_worked_example_gives_its_expected_result() {
    let cases = worked_examples();
    assert!(
        cases.len() >= 55,
        "only {} worked examples found",
        cases.len()
    );
    let failures = run_examples(&cases, Ruleset::Three);
    assert!(
        failures.is_empty(),
        "{} of {} worked examples differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn every_ruleset2_example_still_gives_its_ruleset2_result() {
    let cases = ruleset2_examples();
    assert!(
        cases.len() >= 30,
        "only {} ruleset-2 examples found",
        cases.len()
    );
    for (name, case) in &cases {
        let result = run_with(case["input"].clone(), Ruleset::Two);
        assert!(result.review_items.is_empty(), "{name}");
        assert_ne!(result.ruleset_version, RULESET_3_VERSION, "{name}");
    }
    let failures = run_examples(&cases, Ruleset::Two);
    assert!(
        failures.is_empty(),
        "{} of {} ruleset-2 examples differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Every `.json` of `shared` must be in `fixtures`, byte for byte as JSON.
fn assert_in_sync(shared: &str, fixtures: &str) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let Ok(entries) = std::fs::read_dir(root.join(shared)) else {
        return; // Outside the workspace the repository copy is the only one.
    };
    let ours: BTreeSet<String> = examples_in(fixtures).into_iter().map(|(n, _)| n).collect();
    let mut seen = 0;
    for entry in entries {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        if !name.ends_with(".json") {
            continue;
        }
        seen += 1;
        assert!(
            ours.contains(&name),
            "{name} is in {shared} but not in {fixtures}"
        );
        let theirs: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        let mine: Value = serde_json::from_str(
            &std::fs::read_to_string(root.join(fixtures).join(&name)).expect("read"),
        )
        .expect("json");
        assert_eq!(mine, theirs, "{fixtures}/{name} differs from {shared}");
    }
    assert_eq!(
        seen,
        ours.len(),
        "{fixtures} holds examples {shared} does not"
    );
}

#[test]
fn the_fixture_copy_stays_in_sync_with_shared_cases() {
    // Ruleset 3 is in: shared/cases/r3 is the set the engine is held to; shared/cases stays the
    // ruleset-2 set.
    assert_in_sync("../shared/cases/r3", "tests/fixtures/cases");
    assert_in_sync("../shared/cases", "tests/fixtures/cases-ruleset2");
}

#[test]
fn every_explanation_is_one_sentence_naming_values() {
    for (name, case) in worked_examples() {
        let result = run(case["input"].clone());
        assert!(!result.explanation.is_empty(), "{name}");
        for f in &result.findings {
            assert!(f.explanation.ends_with('.'), "{name}: {}", f.explanation);
            assert!(
                !f.explanation.contains("None") && !f.explanation.contains("Some("),
                "{name}: {}",
                f.explanation
            );
        }
    }
}

// ---- radiotherapy ----------------------------------------------------------------------

#[test]
fn eqd2_difference_of_exactly_five_percent_is_the_same_and_above_is_different() {
    // 70/35 has EQD2 70; 66.5/35 (1.9 Gy) has EQD2 66.5 * 11.9 / 12 = 65.94 (5.8 % less).
    let below = run(plans("C32.0", rt(70.0, 35), rt(66.5, 35)));
    assert_eq!(
        finding(&below, Dimension::Radiotherapy).change,
        Change::Different
    );
    // 2 Gy fractions: EQD2 equals the dose; 66.5 Gy in 2 Gy steps is exactly 5 % less than 70.
    let exact = run(plans(
        "C32.0",
        json!({"radiotherapy": {"total_dose_gy": 70.0, "fractions": 35}}),
        json!({"radiotherapy": {"total_dose_gy": 66.5, "fractions": 33}}),
    ));
    let rt_exact = finding(&exact, Dimension::Radiotherapy);
    // 66.5/33: d = 2.015, EQD2 = 66.5 * 12.015 / 12 = 66.58: 4.9 % less, within the tolerance.
    assert_eq!(rt_exact.change, Change::Same, "{}", rt_exact.explanation);
    assert_eq!(exact.outcome, Outcome::Confirms);
}

#[test]
fn head_and_neck_dose_explanation_names_eqd2_and_percentage() {
    let result = run(plans("C10.9", rt(70.0, 35), rt(66.0, 33)));
    let f = finding(&result, Dimension::Radiotherapy);
    assert_eq!((f.change, f.severity), (Change::Different, Severity::Minor));
    assert!(
        f.explanation
            .contains("66 Gy in 33 sessions instead of 70 Gy in 35 sessions"),
        "{}",
        f.explanation
    );
    assert!(
        f.explanation
            .contains("EQD2 66.0 vs 70.0 Gy, alpha/beta 10"),
        "{}",
        f.explanation
    );
    assert!(f.explanation.contains("5.7% less"), "{}", f.explanation);
}

#[test]
fn above_eight_gy_per_fraction_schedules_differ_without_a_percentage() {
    // 8 Gy single fraction is not above 8; 24 Gy in 3 is.
    let result = run(plans("C34.1", rt(54.0, 3), rt(60.0, 8)));
    let f = finding(&result, Dimension::Radiotherapy);
    assert_eq!(f.change, Change::Different);
    assert!(!f.explanation.contains('%'), "{}", f.explanation);
    assert!(f.opinion.as_ref().expect("value").get("eqd2_gy").is_none());
    // Exactly 8 Gy per fraction still gets EQD2.
    let eight = run(plans("C34.1", rt(24.0, 3), rt(30.0, 10)));
    assert!(
        finding(&eight, Dimension::Radiotherapy)
            .explanation
            .contains("EQD2")
    );
}

#[test]
fn equivalent_schedules_are_alternatives_only_at_their_site() {
    let breast = run(plans("C50.4", rt(50.0, 25), rt(26.0, 5)));
    assert_eq!(
        finding(&breast, Dimension::Radiotherapy).change,
        Change::EquivalentAlternative
    );
    assert_eq!(breast.outcome, Outcome::Refines);
    assert_eq!(breast.primary_scenario, Scenario::DifferentTreatment);
    // The same pair on the lung is a dose difference.
    let lung = run(plans("C34.1", rt(50.0, 25), rt(26.0, 5)));
    assert_eq!(
        finding(&lung, Dimension::Radiotherapy).change,
        Change::Different
    );
    // Bone metastases by radiotherapy site.
    let bone = |a: f64, b: i64, c: f64, d: i64| {
        plans(
            "C34.1",
            json!({"radiotherapy": {"total_dose_gy": a, "fractions": b, "site": "bone"}}),
            json!({"radiotherapy": {"total_dose_gy": c, "fractions": d, "site": "bone"}}),
        )
    };
    assert_eq!(
        finding(&run(bone(8.0, 1, 20.0, 5)), Dimension::Radiotherapy).change,
        Change::EquivalentAlternative
    );
    assert_eq!(
        finding(&run(bone(30.0, 10, 8.0, 1)), Dimension::Radiotherapy).change,
        Change::EquivalentAlternative
    );
}

#[test]
fn alpha_beta_follows_the_primary_site() {
    // 60/20 vs 78/39 differ by more than 5 % at alpha/beta 10, but are a listed pair for prostate.
    let prostate = run(plans("C61.9", rt(78.0, 39), rt(60.0, 20)));
    assert_eq!(
        finding(&prostate, Dimension::Radiotherapy).change,
        Change::EquivalentAlternative
    );
    // 62/20 is not listed: EQD2 at alpha/beta 1.5 = 62 * 4.6 / 3.5 = 81.5 vs 78 * 3.5 / 3.5 = 78: 4.5 %.
    let close = run(plans("C61.9", rt(78.0, 39), rt(62.0, 20)));
    let f = finding(&close, Dimension::Radiotherapy);
    assert_eq!(f.change, Change::Same, "{}", f.explanation);
    assert_eq!(f.current.as_ref().expect("v")["alpha_beta_gy"], json!(1.5));
}

#[test]
fn radiation_type_is_compared_and_technique_is_not() {
    let proton = run(plans(
        "C71.9",
        json!({"radiotherapy": {"total_dose_gy": 54, "fractions": 30, "radiation_type": "photon", "technique": "IMRT"}}),
        json!({"radiotherapy": {"total_dose_gy": 54, "fractions": 30, "radiation_type": "proton", "technique": "pencil beam"}}),
    ));
    assert_eq!(
        finding(&proton, Dimension::Radiotherapy).change,
        Change::Different
    );
    let technique = run(plans(
        "C71.9",
        json!({"radiotherapy": {"total_dose_gy": 54, "fractions": 30, "technique": "IMRT"}}),
        json!({"radiotherapy": {"total_dose_gy": 54, "fractions": 30, "technique": "VMAT"}}),
    ));
    assert_eq!(
        finding(&technique, Dimension::Radiotherapy).change,
        Change::Same
    );
}

// ---- urgency ---------------------------------------------------------------------------

fn with_step(date: &str, status: &str) -> Value {
    json!({
        "current": {"plan": {"intent": "curative", "systemic_therapy": [{"regimen": "FOLFOX"}]}},
        "opinion": {"plan": {"intent": "curative", "systemic_therapy": [{"regimen": "CAPOX"}]}},
        "context": {"as_of": "2026-11-25", "treatment_status": status,
                    "next_irreversible_step": {"kind": "surgery", "date": date}}
    })
}

#[test]
fn urgency_turns_urgent_at_fourteen_days_and_for_past_dates() {
    assert_eq!(
        run(with_step("2026-12-09", "not_started")).urgency,
        Urgency::Urgent
    );
    assert_eq!(
        run(with_step("2026-12-10", "not_started")).urgency,
        Urgency::BeforeNextDecision
    );
    assert_eq!(
        run(with_step("2026-11-01", "in_treatment")).urgency,
        Urgency::Urgent
    );
    assert_eq!(
        run(with_step("2026-11-26", "completed")).urgency,
        Urgency::Routine
    );
}

#[test]
fn a_close_step_with_only_a_location_difference_is_not_urgent() {
    let input = json!({
        "current": {"plan": {"intent": "curative", "surgery": {"procedure": "lobectomy"}, "location": {"country": "IN"}}},
        "opinion": {"plan": {"intent": "curative", "surgery": {"procedure": "lobectomy"}, "location": {"country": "SG"}}},
        "context": {"as_of": "2026-11-25", "next_irreversible_step": {"kind": "surgery", "date": "2026-11-30"}}
    });
    let result = run(input);
    assert_eq!(result.primary_scenario, Scenario::TreatmentAbroad);
    assert_eq!(result.urgency, Urgency::BeforeNextDecision);
}

#[test]
fn completed_treatment_makes_a_different_treatment_informative_only() {
    let result = run(with_step("2026-12-01", "completed"));
    assert_eq!(
        codes(&result.actions),
        BTreeSet::from(["for_information_no_action".to_string()])
    );
    assert_eq!(result.urgency, Urgency::Routine);
}

#[test]
fn completed_treatment_with_a_major_diagnosis_difference_is_not_routine() {
    let input = json!({
        "current": {"diagnosis": {"primary_site": "C50.9", "histology": "8500/2"}, "plan": {"surgery": {"procedure": "lumpectomy"}}},
        "opinion": {"diagnosis": {"primary_site": "C50.9", "histology": "8500/3"}},
        "context": {"as_of": "2026-11-25", "treatment_status": "completed"}
    });
    let result = run(input);
    assert_eq!(result.outcome, Outcome::Contradicts);
    assert_eq!(result.urgency, Urgency::BeforeNextDecision);
    // No third opinion once treatment is over.
    assert!(!result.actions.contains(&Action::ConsiderThirdOpinion));
}

// ---- diagnosis ---------------------------------------------------------------------------

fn diagnoses(current: Value, opinion: Value) -> Classification {
    run(
        json!({"current": {"diagnosis": current}, "opinion": {"diagnosis": opinion}, "context": {"as_of": "2026-11-25"}}),
    )
}

#[test]
fn primary_site_subsite_is_minor_category_is_major_and_nos_matches() {
    let subsite = diagnoses(
        json!({"primary_site": "C34.1"}),
        json!({"primary_site": "C34.3"}),
    );
    assert_eq!(
        finding(&subsite, Dimension::PrimarySite).severity,
        Severity::Minor
    );
    let nos = diagnoses(
        json!({"primary_site": "C34.1"}),
        json!({"primary_site": "C34.9"}),
    );
    assert_eq!(finding(&nos, Dimension::PrimarySite).change, Change::Same);
    let bare = diagnoses(
        json!({"primary_site": "C34"}),
        json!({"primary_site": "C34.2"}),
    );
    assert_eq!(finding(&bare, Dimension::PrimarySite).change, Change::Same);
    let category = diagnoses(
        json!({"primary_site": "C18.7"}),
        json!({"primary_site": "C20.9"}),
    );
    assert_eq!(
        finding(&category, Dimension::PrimarySite).severity,
        Severity::Major
    );
    assert_eq!(
        codes(&category.actions),
        BTreeSet::from([
            "request_tiebreak_pathology_review".into(),
            "consider_third_opinion".into()
        ])
    );
    let side = diagnoses(
        json!({"primary_site": "C50.4", "laterality": "left"}),
        json!({"primary_site": "C50.4", "laterality": "right"}),
    );
    assert_eq!(
        finding(&side, Dimension::PrimarySite).severity,
        Severity::Major
    );
    // ICD-10 in situ code maps to its topography.
    let icd10 = diagnoses(
        json!({"primary_site": "D05.1"}),
        json!({"primary_site": "C50.9"}),
    );
    assert_eq!(finding(&icd10, Dimension::PrimarySite).change, Change::Same);
}

#[test]
fn histology_nos_to_subtype_is_minor_and_other_codes_are_major() {
    let nos = diagnoses(
        json!({"histology": "8140/3"}),
        json!({"histology": "8550/3"}),
    );
    assert_eq!(
        (
            finding(&nos, Dimension::Histology).change,
            finding(&nos, Dimension::Histology).severity
        ),
        (Change::Refined, Severity::Minor)
    );
    let reverse = diagnoses(
        json!({"histology": "8550/3"}),
        json!({"histology": "8140/3"}),
    );
    assert_eq!(
        finding(&reverse, Dimension::Histology).severity,
        Severity::Minor
    );
    let siblings = diagnoses(
        json!({"histology": "8550/3"}),
        json!({"histology": "8260/3"}),
    );
    assert_eq!(
        finding(&siblings, Dimension::Histology).severity,
        Severity::Major
    );
    let outside = diagnoses(
        json!({"histology": "8140/3"}),
        json!({"histology": "8070/3"}),
    );
    assert_eq!(
        finding(&outside, Dimension::Histology).severity,
        Severity::Major
    );
    let in_situ = diagnoses(
        json!({"histology": "8500/2"}),
        json!({"histology": "8500/3"}),
    );
    assert_eq!(
        finding(&in_situ, Dimension::Histology).severity,
        Severity::Major
    );
    let convention = diagnoses(
        json!({"histology": "9421/1"}),
        json!({"histology": "9421/3"}),
    );
    assert_eq!(
        finding(&convention, Dimension::Histology).severity,
        Severity::Minor
    );
    let lymphoma = diagnoses(
        json!({"histology": "9590/3"}),
        json!({"histology": "9680/3"}),
    );
    assert_eq!(
        finding(&lymphoma, Dimension::Histology).severity,
        Severity::Minor
    );
}

fn staged(current: Value, opinion: Value, same_plan: bool) -> Classification {
    let plan = json!({"intent": "curative", "surgery": {"procedure": "gastrectomy"}});
    let other = json!({"intent": "curative", "surgery": {"procedure": "gastrectomy"}, "systemic_therapy": [{"regimen": "FLOT"}]});
    run(json!({
        "current": {"diagnosis": {"primary_site": "C16.2", "stage": current}, "plan": plan},
        "opinion": {"diagnosis": {"primary_site": "C16.2", "stage": opinion}, "plan": if same_plan { plan.clone() } else { other }},
        "context": {"as_of": "2026-11-25"}
    }))
}

#[test]
fn stage_numeral_letter_and_metastasis_follow_the_plan_difference() {
    let sys = |group: &str| json!({"system": "AJCC8", "group": group});
    assert_eq!(
        finding(&staged(sys("IIB"), sys("III"), true), Dimension::Stage).severity,
        Severity::Minor
    );
    assert_eq!(
        finding(&staged(sys("IIB"), sys("III"), false), Dimension::Stage).severity,
        Severity::Major
    );
    assert_eq!(
        finding(&staged(sys("IIIA"), sys("IIIB"), true), Dimension::Stage).severity,
        Severity::Minor
    );
    assert_eq!(
        finding(&staged(sys("IIIA"), sys("IIIB"), false), Dimension::Stage).severity,
        Severity::Major
    );
    let t = |t: &str| json!({"system": "AJCC8", "group": "I", "t": t});
    assert_eq!(
        finding(&staged(t("T1a"), t("T1b"), true), Dimension::Stage).severity,
        Severity::Minor
    );
    assert_eq!(
        finding(&staged(t("T1a"), t("T1b"), false), Dimension::Stage).severity,
        Severity::Major
    );
    let m = |m: &str| json!({"system": "AJCC8", "m": m});
    let metastatic = staged(m("M0"), m("M1"), true);
    assert_eq!(
        finding(&metastatic, Dimension::Stage).severity,
        Severity::Major
    );
    assert!(metastatic.actions.contains(&Action::RequestImagingReview));
    assert_eq!(
        finding(&staged(m("M1a"), m("M1b"), false), Dimension::Stage).severity,
        Severity::Minor
    );
}

#[test]
fn stage_numeral_is_major_when_the_opinion_gives_no_plan() {
    let result = diagnoses(
        json!({"stage": {"system": "AJCC8", "group": "II"}}),
        json!({"stage": {"system": "AJCC8", "group": "III"}}),
    );
    assert_eq!(finding(&result, Dimension::Stage).severity, Severity::Major);
}

#[test]
fn stages_in_different_systems_or_prefixes_are_not_compared() {
    let systems = diagnoses(
        json!({"stage": {"system": "AJCC8", "group": "II"}}),
        json!({"stage": {"system": "FIGO", "group": "III"}}),
    );
    assert!(!has(&systems, Dimension::Stage));
    assert!(
        systems
            .review_reasons
            .iter()
            .any(|r| r.contains("not comparable")),
        "{:?}",
        systems.review_reasons
    );
    let prefixes = diagnoses(
        json!({"stage": {"system": "AJCC8", "prefix": "c", "group": "II"}}),
        json!({"stage": {"system": "AJCC8", "prefix": "p", "group": "III"}}),
    );
    assert!(!has(&prefixes, Dimension::Stage));
}

#[test]
fn grade_is_major_only_when_plans_differ_or_no_plan_is_given() {
    let graded = |cur: i64, op: i64, op_plan: Option<Value>| {
        let mut opinion = json!({"diagnosis": {"grade": op}});
        if let Some(p) = op_plan {
            opinion["plan"] = p;
        }
        run(
            json!({"current": {"diagnosis": {"grade": cur}, "plan": {"surgery": {"procedure": "wide local excision of skin"}}},
                   "opinion": opinion, "context": {}}),
        )
    };
    assert_eq!(
        finding(&graded(2, 3, None), Dimension::Grade).severity,
        Severity::Major
    );
    let same_plan = json!({"surgery": {"procedure": "wide local excision of skin"}});
    assert_eq!(
        finding(&graded(2, 3, Some(same_plan)), Dimension::Grade).severity,
        Severity::Minor
    );
    let other_plan = json!({"surgery": {"procedure": "wide local excision of skin"}, "radiotherapy": {"total_dose_gy": 50, "fractions": 25}});
    assert_eq!(
        finding(&graded(2, 3, Some(other_plan)), Dimension::Grade).severity,
        Severity::Major
    );
    let systems = run(
        json!({"current": {"diagnosis": {"grade": 2, "grade_system": "Nottingham"}},
        "opinion": {"diagnosis": {"grade": 3, "grade_system": "WHO"}}, "context": {}}),
    );
    assert!(!has(&systems, Dimension::Grade));
}

#[test]
fn biomarkers_match_by_gene_alias_and_variant() {
    let flip = diagnoses(
        json!({"biomarkers": [{"name": "HER2", "result": "negative"}]}),
        json!({"biomarkers": [{"name": "ERBB2", "result": "3+"}]}),
    );
    assert_eq!(
        finding(&flip, Dimension::Biomarkers).severity,
        Severity::Major
    );
    let low = diagnoses(
        json!({"biomarkers": [{"name": "HER2", "result": "0"}]}),
        json!({"biomarkers": [{"name": "HER2", "result": "low"}]}),
    );
    assert_eq!(
        finding(&low, Dimension::Biomarkers).severity,
        Severity::Minor
    );
    let variant = diagnoses(
        json!({"biomarkers": [{"name": "KRAS", "variant": "G12C", "result": "detected"}]}),
        json!({"biomarkers": [{"name": "KRAS", "variant": "G12D", "result": "mutated"}]}),
    );
    assert_eq!(
        finding(&variant, Dimension::Biomarkers).severity,
        Severity::Major
    );
    // ERBB2 with a variant is a mutation, not HER2 expression.
    let mutation = diagnoses(
        json!({"biomarkers": [{"name": "HER2", "result": "negative"}]}),
        json!({"biomarkers": [{"name": "ERBB2", "variant": "exon 20 insertion", "result": "detected"}]}),
    );
    assert_eq!(
        finding(&mutation, Dimension::Biomarkers).change,
        Change::Added
    );
    let pdl1 = diagnoses(
        json!({"biomarkers": [{"name": "PD-L1", "result": "positive"}]}),
        json!({"biomarkers": [{"name": "CD274", "result": "positive"}]}),
    );
    assert_eq!(finding(&pdl1, Dimension::Biomarkers).change, Change::Same);
    let unknown = diagnoses(
        json!({"biomarkers": [{"name": "EGFR", "result": "negative"}]}),
        json!({"biomarkers": [{"name": "EGFR", "result": "sort of"}]}),
    );
    assert!(unknown.review_reasons.iter().any(|r| r.contains("sort of")));
}

// ---- plan --------------------------------------------------------------------------------

#[test]
fn a_removed_modality_with_an_added_one_is_a_single_swap() {
    let swap = run(plans(
        "C77.2",
        json!({"systemic_therapy": [{"regimen": "R-ICE"}], "transplant": {"type": "autologous"}}),
        json!({"cellular_therapy": {"product": "Yescarta"}}),
    ));
    let f = finding(&swap, Dimension::ModalitySwap);
    assert_eq!(f.severity, Severity::Major);
    assert!(!has(&swap, Dimension::Transplant) && !has(&swap, Dimension::CellularTherapy));
    assert!(
        f.explanation.contains("axicabtagene ciloleucel") || f.explanation.contains("Yescarta"),
        "{}",
        f.explanation
    );
    // Adding radiotherapy alone is a minor addition, not a swap.
    let added = run(plans(
        "C50.4",
        json!({"surgery": {"procedure": "mastectomy"}}),
        json!({"surgery": {"procedure": "mastectomy"}, "radiotherapy": {"total_dose_gy": 40, "fractions": 15}}),
    ));
    assert!(!has(&added, Dimension::ModalitySwap));
    assert_eq!(
        (
            finding(&added, Dimension::Radiotherapy).change,
            finding(&added, Dimension::Radiotherapy).severity
        ),
        (Change::Added, Severity::Minor)
    );
    let removed = run(plans(
        "C50.4",
        json!({"surgery": {"procedure": "mastectomy"}, "radiotherapy": {"total_dose_gy": 40, "fractions": 15}}),
        json!({"surgery": {"procedure": "mastectomy"}}),
    ));
    assert_eq!(
        finding(&removed, Dimension::Radiotherapy).change,
        Change::Removed
    );
}

#[test]
fn surgery_extent_class_decides_severity() {
    let s = |a: &str, b: &str| {
        run(plans(
            "C50.4",
            json!({"surgery": {"procedure": a}}),
            json!({"surgery": {"procedure": b}}),
        ))
    };
    assert_eq!(
        finding(&s("mastectomy", "lumpectomy"), Dimension::Surgery).severity,
        Severity::Major
    );
    assert_eq!(
        finding(
            &s("lumpectomy", "wide local excision of breast"),
            Dimension::Surgery
        )
        .change,
        Change::Same
    );
    assert_eq!(
        finding(&s("lobectomy", "pneumonectomy"), Dimension::Surgery).severity,
        Severity::Major
    );
    assert_eq!(
        finding(
            &s("partial nephrectomy", "radical nephrectomy"),
            Dimension::Surgery
        )
        .severity,
        Severity::Major
    );
    let unknown = s("frobnication", "frobnication");
    assert_eq!(finding(&unknown, Dimension::Surgery).change, Change::Same);
    assert!(
        unknown
            .review_reasons
            .iter()
            .any(|r| r.contains("frobnication"))
    );
}

#[test]
fn surgery_added_to_a_curative_plan_is_major_and_otherwise_minor() {
    let curative = run(plans(
        "C20.9",
        json!({"intent": "curative", "systemic_therapy": [{"regimen": "FOLFOX"}]}),
        json!({"intent": "curative", "systemic_therapy": [{"regimen": "FOLFOX"}], "surgery": {"procedure": "liver metastasectomy"}}),
    ));
    assert_eq!(
        finding(&curative, Dimension::Surgery).severity,
        Severity::Major
    );
    let palliative = run(plans(
        "C20.9",
        json!({"intent": "palliative", "systemic_therapy": [{"regimen": "FOLFOX"}]}),
        json!({"intent": "palliative", "systemic_therapy": [{"regimen": "FOLFOX"}], "surgery": {"procedure": "liver metastasectomy"}}),
    ));
    assert_eq!(
        finding(&palliative, Dimension::Surgery).severity,
        Severity::Minor
    );
    let removed = run(plans(
        "C20.9",
        json!({"intent": "curative", "systemic_therapy": [{"regimen": "FOLFOX"}], "surgery": {"procedure": "low anterior resection"}}),
        json!({"intent": "curative", "systemic_therapy": [{"regimen": "FOLFOX"}]}),
    ));
    assert_eq!(
        (
            finding(&removed, Dimension::Surgery).change,
            finding(&removed, Dimension::Surgery).severity
        ),
        (Change::Removed, Severity::Major)
    );
}

#[test]
fn transplant_added_removed_or_switched_is_major() {
    let switched = run(plans(
        "C42.1",
        json!({"transplant": {"type": "autologous"}}),
        json!({"transplant": {"type": "allogeneic"}}),
    ));
    assert_eq!(
        finding(&switched, Dimension::Transplant).severity,
        Severity::Major
    );
    let added = run(plans(
        "C42.1",
        json!({"systemic_therapy": [{"regimen": "VRd"}]}),
        json!({"systemic_therapy": [{"regimen": "VRd"}], "transplant": {"type": "autologous"}}),
    ));
    assert_eq!(
        finding(&added, Dimension::Transplant).severity,
        Severity::Major
    );
}

#[test]
fn sequence_change_moving_surgery_is_major_only_with_curative_intent() {
    let seq = |intent: &str, a: Value, b: Value| {
        run(plans(
            "C50.2",
            json!({"intent": intent, "sequence": a, "surgery": {"procedure": "lumpectomy"}, "systemic_therapy": [{"regimen": "AC-T"}], "radiotherapy": {"total_dose_gy": 40, "fractions": 15}}),
            json!({"intent": intent, "sequence": b, "surgery": {"procedure": "lumpectomy"}, "systemic_therapy": [{"regimen": "AC-T"}], "radiotherapy": {"total_dose_gy": 40, "fractions": 15}}),
        ))
    };
    let moved = seq(
        "curative",
        json!(["surgery", "systemic_therapy"]),
        json!(["systemic_therapy", "surgery"]),
    );
    assert_eq!(
        finding(&moved, Dimension::Sequence).severity,
        Severity::Major
    );
    let palliative = seq(
        "palliative",
        json!(["surgery", "systemic_therapy"]),
        json!(["systemic_therapy", "surgery"]),
    );
    assert_eq!(
        finding(&palliative, Dimension::Sequence).severity,
        Severity::Minor
    );
    let other = seq(
        "curative",
        json!(["surgery", "systemic_therapy", "radiotherapy"]),
        json!(["surgery", "radiotherapy", "systemic_therapy"]),
    );
    assert_eq!(
        finding(&other, Dimension::Sequence).severity,
        Severity::Minor
    );
}

#[test]
fn observation_and_supportive_care_replace_modality_findings_in_both_directions() {
    let watch = run(plans(
        "C61.9",
        json!({"surgery": {"procedure": "radical prostatectomy"}}),
        json!({"observation": true}),
    ));
    assert_eq!(
        finding(&watch, Dimension::Observation).severity,
        Severity::Major
    );
    assert!(!has(&watch, Dimension::Surgery));
    let treat = run(plans(
        "C61.9",
        json!({"observation": true}),
        json!({"surgery": {"procedure": "radical prostatectomy"}}),
    ));
    assert_eq!(treat.primary_scenario, Scenario::ObservationVsTreatment);
    let comfort = run(plans(
        "C34.9",
        json!({"systemic_therapy": [{"regimen": "carbo-taxol"}]}),
        json!({"best_supportive_care": true}),
    ));
    assert_eq!(comfort.primary_scenario, Scenario::GoalsOfCare);
    assert!(!has(&comfort, Dimension::SystemicTherapy));
    let back = run(plans(
        "C34.9",
        json!({"best_supportive_care": true}),
        json!({"systemic_therapy": [{"regimen": "carbo-taxol"}]}),
    ));
    assert_eq!(back.primary_scenario, Scenario::GoalsOfCare);
    assert!(back.actions.contains(&Action::DiscussGoalsOfCare));
}

#[test]
fn intent_change_is_minor_with_an_identical_plan_and_major_otherwise() {
    let same_plan = run(plans(
        "C20.9",
        json!({"intent": "palliative", "systemic_therapy": [{"regimen": "FOLFOX"}]}),
        json!({"intent": "curative", "systemic_therapy": [{"regimen": "FOLFOX"}]}),
    ));
    assert_eq!(
        finding(&same_plan, Dimension::Intent).severity,
        Severity::Minor
    );
    let other_plan = run(plans(
        "C20.9",
        json!({"intent": "palliative", "systemic_therapy": [{"regimen": "FOLFOX"}]}),
        json!({"intent": "curative", "systemic_therapy": [{"regimen": "FOLFIRI"}]}),
    ));
    assert_eq!(
        finding(&other_plan, Dimension::Intent).severity,
        Severity::Major
    );
}

#[test]
fn drug_names_brands_and_regimens_compare_as_generic_sets() {
    let same = run(plans(
        "C18.7",
        json!({"systemic_therapy": [{"regimen": "CAPOX"}]}),
        json!({"systemic_therapy": [{"drugs": ["Xeloda", "oxaliplatin"]}]}),
    ));
    assert_eq!(
        finding(&same, Dimension::SystemicTherapy).change,
        Change::Same
    );
    assert_eq!(same.outcome, Outcome::Confirms);
    // Supportive drugs are left out; leucovorin is a modulator (ruleset 2) ...
    let folfox_without_leucovorin = plans(
        "C18.7",
        json!({"systemic_therapy": [{"regimen": "FOLFOX"}]}),
        json!({"systemic_therapy": [{"drugs": ["5-FU", "oxaliplatin", "ondansetron", "dexamethasone"]}]}),
    );
    let supportive = run_with(folfox_without_leucovorin.clone(), Ruleset::Two);
    assert_eq!(
        finding(&supportive, Dimension::SystemicTherapy).change,
        Change::Same
    );
    // ... and a companion in ruleset 3: only companions differ, an equivalent alternative.
    let companion = run(folfox_without_leucovorin);
    let f = finding(&companion, Dimension::SystemicTherapy);
    assert_eq!(
        (f.change, f.severity),
        (Change::EquivalentAlternative, Severity::Minor)
    );
    // Dexamethasone is anticancer in myeloma.
    let myeloma = run(json!({
        "current": {"diagnosis": {"primary_site": "C42.1", "histology": "9732/3"}, "plan": {"systemic_therapy": [{"drugs": ["lenalidomide", "dexamethasone"]}]}},
        "opinion": {"plan": {"systemic_therapy": [{"drugs": ["lenalidomide"]}]}}, "context": {}}));
    assert_eq!(
        finding(&myeloma, Dimension::SystemicTherapy).change,
        Change::Different
    );
    let unknown = run(plans(
        "C18.7",
        json!({"systemic_therapy": [{"drugs": ["zorblatin"]}]}),
        json!({"systemic_therapy": [{"drugs": ["Zorblatin"]}]}),
    ));
    assert_eq!(
        finding(&unknown, Dimension::SystemicTherapy).change,
        Change::Same
    );
    assert!(
        unknown
            .review_reasons
            .iter()
            .any(|r| r.contains("zorblatin"))
    );
    let ambiguous = run(plans(
        "C34.1",
        json!({"systemic_therapy": [{"regimen": "TC"}]}),
        json!({"systemic_therapy": [{"regimen": "TC"}]}),
    ));
    assert!(ambiguous.review_reasons.iter().any(|r| r.contains("TC")));
}

#[test]
fn trials_abroad_refer_to_the_enrolling_centre_and_at_home_do_not() {
    let trial = |country: &str, patient: &str| {
        run(json!({
            "current": {"plan": {"systemic_therapy": [{"regimen": "FOLFIRINOX"}]}},
            "opinion": {"plan": {"systemic_therapy": [{"regimen": "FOLFIRINOX"}], "clinical_trials": [{"registry_id": "nct04513925", "country": country}]}},
            "context": {"patient_country": patient}
        }))
    };
    let abroad = trial("CN", "IN");
    assert!(abroad.actions.contains(&Action::ReferToEnrollingCentre));
    assert!(
        finding(&abroad, Dimension::ClinicalTrials)
            .explanation
            .contains("NCT04513925")
    );
    let home = trial("IN", "IN");
    assert!(!home.actions.contains(&Action::ReferToEnrollingCentre));
    assert!(home.actions.contains(&Action::CheckTrialEligibility));
}

#[test]
fn scope_limits_judgement_and_partial_reviews_never_confirm_the_plan() {
    let pathology_only = run(json!({
        "current": {"diagnosis": {"histology": "8140/3"}, "plan": {"surgery": {"procedure": "lobectomy"}}},
        "opinion": {"scope": ["diagnosis"], "diagnosis": {"histology": "8140/3"}, "plan": {"surgery": {"procedure": "pneumonectomy"}}},
        "context": {}
    }));
    assert_eq!(
        pathology_only.primary_scenario,
        Scenario::ConfirmsReviewedParts
    );
    assert_eq!(
        codes(&pathology_only.actions),
        BTreeSet::from(["plan_not_fully_reviewed".to_string()])
    );
    // A radiation oncologist's review leaves surgery alone.
    let radiation_only = run(json!({
        "current": {"plan": {"surgery": {"procedure": "total mesorectal excision"}, "radiotherapy": {"total_dose_gy": 50.4, "fractions": 28}}},
        "opinion": {"scope": ["radiotherapy"], "plan": {"radiotherapy": {"total_dose_gy": 50.4, "fractions": 28}}},
        "context": {}
    }));
    assert!(!has(&radiation_only, Dimension::Surgery));
    assert_eq!(
        radiation_only.primary_scenario,
        Scenario::ConfirmsReviewedParts
    );
    let whole = run(json!({
        "current": {"plan": {"surgery": {"procedure": "total mesorectal excision"}}},
        "opinion": {"plan": {"surgery": {"procedure": "TME"}}}, "context": {}
    }));
    assert_eq!(whole.primary_scenario, Scenario::ConfirmsPlan);
}

#[test]
fn a_picture_against_itself_confirms_every_worked_example() {
    for (name, case) in worked_examples() {
        for side in ["current", "opinion"] {
            let picture = case["input"][side].clone();
            let result = run(
                json!({"current": picture, "opinion": picture, "context": case["input"]["context"]}),
            );
            assert_eq!(
                result.outcome,
                Outcome::Confirms,
                "{name} {side}: {:#?}",
                result.findings
            );
        }
    }
}

// ---- validation --------------------------------------------------------------------------

#[test]
fn validation_names_every_bad_field_with_its_path() {
    let input: ClassificationInput = serde_json::from_value(json!({
        "current": {"diagnosis": {"primary_site": "lung", "histology": "8140", "grade": 7,
                    "stage": {"group": "V", "t": "X9", "prefix": "q"}}},
        "opinion": {"plan": {
            "observation": true,
            "surgery": {"procedure": "lobectomy"},
            "radiotherapy": {"total_dose_gy": 0, "fractions": 0},
            "systemic_therapy": [{}],
            "clinical_trials": [{"registry_id": "NCT123", "country": "XX"}, {"registry_id": "2020-12-1"}],
            "location": {"country": "India"}
        }},
        "context": {"patient_country": "in"}
    }))
    .expect("shape is fine");
    let errors = validate_input(input).expect_err("invalid");
    let fields: BTreeSet<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    for expected in [
        "current.diagnosis.primary_site",
        "current.diagnosis.histology",
        "current.diagnosis.grade",
        "current.diagnosis.stage.group",
        "current.diagnosis.stage.t",
        "current.diagnosis.stage.prefix",
        "opinion.plan.observation",
        "opinion.plan.radiotherapy.total_dose_gy",
        "opinion.plan.radiotherapy.fractions",
        "opinion.plan.systemic_therapy.0",
        "opinion.plan.clinical_trials.0.registry_id",
        "opinion.plan.clinical_trials.0.country",
        "opinion.plan.clinical_trials.1.registry_id",
        "opinion.plan.location.country",
        "context.patient_country",
    ] {
        assert!(
            fields.contains(expected),
            "{expected} missing from {fields:?}"
        );
    }
    assert_eq!(fields.len(), 15, "{errors:#?}");
}

#[test]
fn trial_ids_are_stored_in_the_registry_case() {
    let input: ClassificationInput = serde_json::from_value(json!({
        "current": {}, "opinion": {"plan": {"clinical_trials": [{"registry_id": "chictr2000012345"}]}}
    }))
    .expect("parses");
    let input = validate_input(input).expect("valid");
    let trials = input
        .opinion
        .plan
        .expect("plan")
        .clinical_trials
        .expect("trials");
    assert_eq!(trials[0].registry_id, "ChiCTR2000012345");
}
