//! Ruleset 3 at its boundaries, on cases no worked example writes down.

use super::*;
use serde_json::json;
use std::collections::BTreeSet;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).expect("date")
}

fn run(input: Value) -> Classification {
    let input: ClassificationInput = serde_json::from_value(input).expect("input parses");
    let input = validate_input(input).expect("input is valid");
    classify(&input, today())
}

fn finding(result: &Classification, dimension: Dimension) -> &Finding {
    result
        .findings
        .iter()
        .find(|f| f.dimension == dimension)
        .unwrap_or_else(|| panic!("no {dimension:?} finding in {:#?}", result.findings))
}

fn graded(result: &Classification, dimension: Dimension) -> (Change, Severity) {
    let f = finding(result, dimension);
    (f.change, f.severity)
}

fn review(result: &Classification) -> Vec<&'static str> {
    result.review_items.iter().map(|i| i.code.code()).collect()
}

fn has_action(result: &Classification, action: Action) -> bool {
    result.actions.contains(&action)
}

fn case(current: Value, opinion: Value) -> Value {
    json!({"current": current, "opinion": opinion,
           "context": {"as_of": "2026-11-25", "treatment_status": "not_started"}})
}

// ---- validation ---------------------------------------------------------------------------

#[test]
fn validation_names_every_bad_ruleset3_field() {
    let input: ClassificationInput = serde_json::from_value(json!({
        "current": {
            "performance_status": {"scale": "ECOG", "value": 5},
            "diagnosis": {"biomarkers": [
                {"name": "EGFR", "result": "detected", "score": {"system": "TPS", "value": 10}},
                {"name": "PD-L1", "score": {"system": "CPS", "value": 101, "assay": "x".repeat(41)}},
                {"name": "PD-L1", "result": ""}
            ]},
            "plan": {"line": "first", "radiotherapy": {"total_dose_gy": 20, "fractions": 5}}
        },
        "opinion": {
            "performance_status": {"scale": "Karnofsky", "value": 55},
            "plan": {
                "systemic_therapy": [
                    {"regimen": "FOLFOX", "cycles": 0, "duration_months": 3, "dose_percent": 151},
                    {"regimen": "CAPOX", "cycle_length_days": 21},
                    {"regimen": "CAPOX", "duration_months": 241}
                ],
                "observation_after_treatment": {"condition": "clinical_complete_response", "replaces": "surgery"},
                "clinical_trials": [{"registry_id": "NCT06234567",
                    "required_biomarker": {"name": " ", "min_score": {"system": "CPS", "value": -1}}}]
            }
        }
    }))
    .expect("shape is fine");
    let errors = validate_input(input).expect_err("invalid");
    let fields: BTreeSet<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    for expected in [
        "current.performance_status.value",
        "current.diagnosis.biomarkers.0.score",
        "current.diagnosis.biomarkers.1.score.value",
        "current.diagnosis.biomarkers.1.score.assay",
        "current.diagnosis.biomarkers.2.result",
        "current.plan.line",
        "opinion.performance_status.value",
        "opinion.plan.systemic_therapy.0.cycles",
        "opinion.plan.systemic_therapy.0.duration_months",
        "opinion.plan.systemic_therapy.0.dose_percent",
        "opinion.plan.systemic_therapy.1.cycle_length_days",
        "opinion.plan.systemic_therapy.2.duration_months",
        "opinion.plan.observation_after_treatment.replaces",
        "opinion.plan.clinical_trials.0.required_biomarker.name",
        "opinion.plan.clinical_trials.0.required_biomarker.min_score",
        "opinion.plan.clinical_trials.0.required_biomarker.min_score.value",
    ] {
        assert!(
            fields.contains(expected),
            "{expected} missing from {fields:#?}"
        );
    }
}

#[test]
fn unknown_scales_systems_and_lines_are_rejected_when_parsed() {
    for bad in [
        json!({"performance_status": {"scale": "WHO", "value": 1}}),
        json!({"diagnosis": {"biomarkers": [{"name": "PD-L1", "score": {"system": "H-score", "value": 1}}]}}),
        json!({"plan": {"line": "fourth", "systemic_therapy": [{"regimen": "FOLFOX"}]}}),
        json!({"plan": {"radiotherapy": {"target_extent": "hemi_organ"}}}),
        json!({"diagnosis": {"biomarkers": [{"name": "BRCA1", "result": "pathogenic", "origin": "inherited"}]}}),
    ] {
        let input = json!({"current": bad, "opinion": {}});
        assert!(
            serde_json::from_value::<ClassificationInput>(input.clone()).is_err(),
            "{input}"
        );
    }
}

#[test]
fn boundary_values_are_accepted() {
    let input: ClassificationInput = serde_json::from_value(json!({
        "current": {"performance_status": {"scale": "Karnofsky", "value": 10},
                    "diagnosis": {"biomarkers": [{"name": "CD274", "score": {"system": "TAP", "value": 0}}]},
                    "plan": {"line": "maintenance", "systemic_therapy": [
                        {"regimen": "CAPOX", "cycles": 100, "cycle_length_days": 365, "dose_percent": 1}]}},
        "opinion": {"performance_status": {"scale": "ECOG", "value": 4},
                    "plan": {"systemic_therapy": [{"regimen": "CAPOX", "duration_months": 240, "dose_percent": 150}],
                             "surgery": {"procedure": "total mesorectal excision"},
                             "observation_after_treatment": {"condition": "clinical_complete_response", "replaces": "surgery"}}}
    }))
    .expect("parses");
    validate_input(input).expect("valid");
}

// ---- section 1: PD-L1 ---------------------------------------------------------------------

fn pdl1(site: &str, current: Value, opinion: Value, same_plan: bool) -> Classification {
    let plan = json!({"intent": "palliative", "systemic_therapy": [{"drugs": ["pembrolizumab"]}]});
    let other = json!({"intent": "palliative", "systemic_therapy": [{"drugs": ["pembrolizumab", "carboplatin", "pemetrexed"]}]});
    run(case(
        json!({"diagnosis": {"primary_site": site, "biomarkers": [current]}, "plan": plan}),
        json!({"diagnosis": {"primary_site": site, "biomarkers": [opinion]},
               "plan": if same_plan { plan.clone() } else { other }}),
    ))
}

fn score(system: &str, value: f64) -> Value {
    json!({"name": "PD-L1", "score": {"system": system, "value": value}})
}

#[test]
fn a_lung_tps_band_changes_exactly_at_fifty() {
    let below = pdl1("C34.1", score("TPS", 49.0), score("TPS", 50.0), true);
    assert_eq!(
        graded(&below, Dimension::Biomarkers),
        (Change::Different, Severity::Minor)
    );
    assert!(
        finding(&below, Dimension::Biomarkers)
            .explanation
            .contains("KEYNOTE-024")
    );
    let above = pdl1("C34.1", score("TPS", 50.0), score("TPS", 100.0), true);
    assert_eq!(
        graded(&above, Dimension::Biomarkers),
        (Change::Same, Severity::None)
    );
    let plans_differ = pdl1("C34.1", score("TPS", 49.0), score("TPS", 50.0), false);
    assert_eq!(
        graded(&plans_differ, Dimension::Biomarkers).1,
        Severity::Major
    );
}

#[test]
fn tps_and_tc_count_as_one_system_in_lung_only() {
    let lung = pdl1("C34.1", score("TC", 10.0), score("TPS", 60.0), true);
    assert_eq!(graded(&lung, Dimension::Biomarkers).0, Change::Different);
    assert!(review(&lung).is_empty());
    let stomach = pdl1("C16.2", score("TC", 10.0), score("TPS", 60.0), true);
    assert!(
        !stomach
            .findings
            .iter()
            .any(|f| f.dimension == Dimension::Biomarkers)
    );
    assert_eq!(review(&stomach), vec!["pdl1_not_comparable"]);
}

#[test]
fn a_site_without_rows_has_the_single_cut_off_one() {
    let r = pdl1("C71.0", score("CPS", 0.0), score("CPS", 1.0), true);
    assert_eq!(
        graded(&r, Dimension::Biomarkers),
        (Change::Different, Severity::Minor)
    );
    let same = pdl1("C71.0", score("CPS", 2.0), score("CPS", 90.0), true);
    assert_eq!(graded(&same, Dimension::Biomarkers).0, Change::Same);
}

#[test]
fn sp142_against_another_assay_on_tumour_cells_is_flagged() {
    let sp142 = json!({"name": "PD-L1", "score": {"system": "TC", "value": 20, "assay": "SP142"}});
    let sp263 = json!({"name": "PD-L1", "score": {"system": "TC", "value": 30, "assay": "SP263"}});
    let r = pdl1("C34.1", sp142, sp263, true);
    assert_eq!(review(&r), vec!["pdl1_assay_differs"]);
}

#[test]
fn a_score_without_result_is_derived_positive_at_one() {
    let r = pdl1(
        "C50.9",
        json!({"name": "PD-L1", "result": "negative"}),
        score("CPS", 0.5),
        true,
    );
    assert_eq!(graded(&r, Dimension::Biomarkers).0, Change::Same);
    let positive = pdl1(
        "C50.9",
        json!({"name": "PD-L1", "result": "positive"}),
        score("CPS", 5.0),
        true,
    );
    let explanation = &finding(&positive, Dimension::Biomarkers).explanation;
    assert!(
        explanation.contains("CPS 5, below the cut-off of 10")
            && explanation.contains("KEYNOTE-355"),
        "{explanation}"
    );
    let flip = pdl1(
        "C50.9",
        json!({"name": "PD-L1", "result": "negative"}),
        score("CPS", 1.0),
        false,
    );
    assert_eq!(
        graded(&flip, Dimension::Biomarkers),
        (Change::Different, Severity::Major)
    );
}

#[test]
fn a_scored_opinion_without_a_comparable_score_is_read_against_unscored_entries_only() {
    let r = run(case(
        json!({"diagnosis": {"primary_site": "C50.9", "biomarkers": [
            {"name": "PD-L1", "result": "positive", "score": {"system": "IC", "value": 1, "assay": "SP142"}},
            {"name": "PD-L1", "result": "negative"}]}}),
        json!({"diagnosis": {"primary_site": "C50.9", "biomarkers": [score("CPS", 15.0)]}}),
    ));
    assert_eq!(
        graded(&r, Dimension::Biomarkers),
        (Change::Different, Severity::Major)
    );
    assert!(review(&r).is_empty());
}

#[test]
fn drug_names_outside_the_reviewed_modalities_are_not_held_for_review() {
    let plan = json!({"intent": "curative", "radiotherapy": {"total_dose_gy": 60, "fractions": 30},
                      "systemic_therapy": [{"drugs": ["zz-unknown-123"]}]});
    let mut input = case(
        json!({"plan": plan.clone()}),
        json!({"scope": ["radiotherapy"], "plan": plan}),
    );
    let r = run(input.clone());
    assert!(review(&r).is_empty(), "{:?}", r.review_items);
    input["opinion"]["scope"] = json!(["treatment"]);
    assert_eq!(review(&run(input)), vec!["unknown_drug"]);
}

// ---- section 2: drug classes ---------------------------------------------------------------

fn drugs(site: &str, histology: &str, current: &[&str], opinion: &[&str]) -> Classification {
    run(case(
        json!({"diagnosis": {"primary_site": site, "histology": histology},
               "plan": {"intent": "palliative", "systemic_therapy": [{"drugs": current}]}}),
        json!({"diagnosis": {"primary_site": site, "histology": histology},
               "plan": {"intent": "palliative", "systemic_therapy": [{"drugs": opinion}]}}),
    ))
}

#[test]
fn swaps_are_graded_by_the_curated_lists_never_by_the_group_alone() {
    let ai = drugs("C50.9", "8500/3", &["anastrozole"], &["Femara"]);
    assert_eq!(
        graded(&ai, Dimension::SystemicTherapy),
        (Change::EquivalentAlternative, Severity::Minor)
    );
    let egfr = drugs("C34.1", "8140/3", &["gefitinib"], &["Tagrisso"]);
    assert_eq!(
        graded(&egfr, Dimension::SystemicTherapy),
        (Change::Different, Severity::Major)
    );
    let pd1_pdl1 = drugs("C34.1", "8140/3", &["pembrolizumab"], &["atezolizumab"]);
    assert_eq!(
        graded(&pd1_pdl1, Dimension::SystemicTherapy),
        (Change::Different, Severity::Minor)
    );
    assert!(
        finding(&pd1_pdl1, Dimension::SystemicTherapy)
            .explanation
            .contains("not interchangeable by default")
    );
    let platinum = drugs(
        "C34.1",
        "8140/3",
        &["cisplatin", "pemetrexed"],
        &["carboplatin", "pemetrexed"],
    );
    assert_eq!(
        graded(&platinum, Dimension::SystemicTherapy).0,
        Change::EquivalentAlternative
    );
    // The germ-cell rule is one way: carboplatin -> cisplatin is not on the major list.
    let back = drugs("C62.9", "9065/3", &["carboplatin"], &["cisplatin"]);
    assert_eq!(
        graded(&back, Dimension::SystemicTherapy),
        (Change::Different, Severity::Minor)
    );
}

#[test]
fn a_residual_group_swap_is_minor_and_held_for_review() {
    let r = drugs("C64.9", "8310/3", &["sunitinib"], &["pazopanib"]);
    assert_eq!(
        graded(&r, Dimension::SystemicTherapy),
        (Change::Different, Severity::Minor)
    );
    assert_eq!(review(&r), vec!["residual_atc_group"]);
    assert_eq!(
        clinician_review_reasons(&r),
        vec![ClinicianReviewReason::ReviewReasons]
    );
}

#[test]
fn an_unknown_drug_stays_minor_and_a_class_change_is_major() {
    let unknown = drugs(
        "C34.1",
        "8140/3",
        &["cisplatin"],
        &["cisplatin", "zz-unknown-123"],
    );
    assert_eq!(
        graded(&unknown, Dimension::SystemicTherapy),
        (Change::Different, Severity::Minor)
    );
    assert_eq!(review(&unknown), vec!["unknown_drug"]);
    let added = drugs(
        "C34.1",
        "8140/3",
        &["cisplatin"],
        &["cisplatin", "bevacizumab"],
    );
    assert_eq!(
        graded(&added, Dimension::SystemicTherapy),
        (Change::Different, Severity::Major)
    );
    assert!(
        finding(&added, Dimension::SystemicTherapy)
            .explanation
            .contains("L01FG01")
    );
}

// ---- sections 3 and 4: line, performance status, fitness ------------------------------------

fn with_status(cur: Value, op: Value, plan: Value) -> Classification {
    run(case(
        json!({"performance_status": cur, "plan": plan.clone()}),
        json!({"performance_status": op, "plan": plan}),
    ))
}

#[test]
fn performance_status_compares_within_a_scale_and_across_rows() {
    let plan = json!({"intent": "palliative", "systemic_therapy": [{"drugs": ["capecitabine"]}]});
    let kps = with_status(
        json!({"scale": "Karnofsky", "value": 70}),
        json!({"scale": "Karnofsky", "value": 80}),
        plan.clone(),
    );
    assert_eq!(
        graded(&kps, Dimension::PerformanceStatus),
        (Change::Different, Severity::Minor)
    );
    let row = with_status(
        json!({"scale": "ECOG", "value": 2}),
        json!({"scale": "Karnofsky", "value": 60}),
        plan.clone(),
    );
    assert_eq!(graded(&row, Dimension::PerformanceStatus).0, Change::Same);
    // One row, but fit against unfit.
    let split = with_status(
        json!({"scale": "ECOG", "value": 2}),
        json!({"scale": "Karnofsky", "value": 50}),
        plan,
    );
    assert_eq!(
        graded(&split, Dimension::PerformanceStatus),
        (Change::Different, Severity::Minor)
    );
}

#[test]
fn the_fitness_flag_has_two_tiers() {
    let doublet = json!({"intent": "palliative", "systemic_therapy": [{"drugs": ["gemcitabine", "cisplatin"]}]});
    let ecog = |v: i64| json!({"scale": "ECOG", "value": v});
    let two = with_status(ecog(2), ecog(2), doublet.clone());
    assert!(!has_action(&two, Action::AssessFitnessForTreatment));
    let three = with_status(ecog(3), ecog(3), doublet);
    assert!(has_action(&three, Action::AssessFitnessForTreatment));
    assert_eq!(review(&three), vec!["performance_status_vs_intensive_plan"]);
    let triplet = json!({"intent": "palliative", "systemic_therapy": [{"regimen": "FOLFIRINOX"}]});
    let kps60 = with_status(
        json!({"scale": "Karnofsky", "value": 60}),
        json!({"scale": "Karnofsky", "value": 60}),
        triplet,
    );
    assert!(has_action(&kps60, Action::AssessFitnessForTreatment));
    let breast = json!({"intent": "curative", "surgery": {"procedure": "mastectomy"}});
    assert!(!has_action(
        &with_status(ecog(3), ecog(3), breast),
        Action::AssessFitnessForTreatment
    ));
    let lung = json!({"intent": "curative", "surgery": {"procedure": "lobectomy of lung"}});
    assert!(has_action(
        &with_status(ecog(3), ecog(3), lung),
        Action::AssessFitnessForTreatment
    ));
    let chemoradiation = json!({"intent": "curative", "radiotherapy": {"total_dose_gy": 60, "fractions": 30},
                                "systemic_therapy": [{"drugs": ["cisplatin"]}]});
    assert!(has_action(
        &with_status(ecog(4), ecog(4), chemoradiation),
        Action::AssessFitnessForTreatment
    ));
}

#[test]
fn a_later_line_asks_for_the_scans_unless_treatment_is_completed() {
    let plan = |line: &str, drug: &str| json!({"intent": "palliative", "line": line, "systemic_therapy": [{"drugs": [drug]}]});
    let r = run(case(
        json!({"plan": plan("first", "docetaxel")}),
        json!({"plan": plan("second", "docetaxel")}),
    ));
    assert_eq!(
        graded(&r, Dimension::Line),
        (Change::Different, Severity::Minor)
    );
    assert!(has_action(&r, Action::RequestImagingReview));
    assert!(has_action(&r, Action::ReviewPriorTreatment));
    let mut done = case(
        json!({"plan": plan("first", "docetaxel")}),
        json!({"plan": plan("second", "docetaxel")}),
    );
    done["context"]["treatment_status"] = json!("completed");
    let done = run(done);
    assert!(!has_action(&done, Action::RequestImagingReview));
    assert!(!has_action(&done, Action::ReviewPriorTreatment));
    let earlier = run(case(
        json!({"plan": plan("second", "docetaxel")}),
        json!({"plan": plan("first", "docetaxel")}),
    ));
    assert!(!has_action(&earlier, Action::RequestImagingReview));
}

// ---- section 5: germline ---------------------------------------------------------------------

fn germline(current: Value, opinion: Value) -> Classification {
    let plan = json!({"intent": "curative", "surgery": {"procedure": "mastectomy"}});
    run(case(
        json!({"diagnosis": {"primary_site": "C50.9", "biomarkers": current}, "plan": plan.clone()}),
        json!({"diagnosis": {"primary_site": "C50.9", "biomarkers": opinion}, "plan": plan}),
    ))
}

#[test]
fn a_vus_reclassified_pathogenic_is_major_and_concerns_the_family() {
    let r = germline(
        json!([{"name": "BRCA2", "variant": "c.100A>G", "result": "VUS", "origin": "germline"}]),
        json!([{"name": "BRCA2", "variant": "c.100A>G", "result": "likely pathogenic", "origin": "germline"}]),
    );
    assert_eq!(
        graded(&r, Dimension::Germline),
        (Change::Different, Severity::Major)
    );
    assert!(finding(&r, Dimension::Germline).family_implications);
    for action in [
        Action::RepeatGermlineTest,
        Action::ReferToGeneticCounselling,
        Action::DiscussGermlineTreatmentImplications,
    ] {
        assert!(has_action(&r, action), "{action:?}");
    }
}

#[test]
fn benign_on_both_sides_is_the_same_and_tumour_results_never_pair_with_germline() {
    let r = germline(
        json!([{"name": "ATM", "result": "benign", "origin": "germline"}]),
        json!([{"name": "ATM", "result": "likely benign", "origin": "germline"},
               {"name": "ATM", "result": "detected", "origin": "somatic"}]),
    );
    assert_eq!(graded(&r, Dimension::Germline).0, Change::Same);
    assert_eq!(graded(&r, Dimension::Biomarkers).0, Change::Added);
    assert!(!has_action(&r, Action::ReferToGeneticCounselling));
    // A new P/LP outside the listed genes: counselling, but no treatment implications.
    let chek2 = germline(
        json!([]),
        json!([{"name": "CHEK2", "result": "pathogenic", "origin": "germline"}]),
    );
    assert!(has_action(&chek2, Action::ReferToGeneticCounselling));
    assert!(!has_action(
        &chek2,
        Action::DiscussGermlineTreatmentImplications
    ));
}

// ---- section 6: length and dose -------------------------------------------------------------

fn course(intent: &str, current: Value, opinion: Value) -> Classification {
    run(case(
        json!({"diagnosis": {"primary_site": "C50.9"}, "plan": {"intent": intent, "systemic_therapy": [current]}}),
        json!({"plan": {"intent": intent, "systemic_therapy": [opinion]}}),
    ))
}

#[test]
fn length_ratios_have_their_boundaries() {
    let tam = |months: f64| json!({"drugs": ["tamoxifen"], "duration_months": months});
    // 60 against 48 months: r = 1.25, different; 60 against 49: r < 1.25, the same.
    let at = course("curative", tam(60.0), tam(48.0));
    assert_eq!(
        graded(&at, Dimension::SystemicTherapy),
        (Change::Different, Severity::Minor)
    );
    let under = course("curative", tam(60.0), tam(49.0));
    assert_eq!(graded(&under, Dimension::SystemicTherapy).0, Change::Same);
    let double = course("curative", tam(120.0), tam(60.0));
    assert_eq!(
        graded(&double, Dimension::SystemicTherapy),
        (Change::Different, Severity::Major)
    );
    let palliative = course("palliative", tam(120.0), tam(60.0));
    assert_eq!(
        graded(&palliative, Dimension::SystemicTherapy).1,
        Severity::Minor
    );
}

#[test]
fn cycles_without_length_against_months_are_not_compared() {
    let r = course(
        "curative",
        json!({"drugs": ["trastuzumab"], "cycles": 18}),
        json!({"drugs": ["trastuzumab"], "duration_months": 12}),
    );
    assert_eq!(graded(&r, Dimension::SystemicTherapy).0, Change::Same);
    assert_eq!(review(&r), vec!["treatment_length_not_comparable"]);
}

#[test]
fn dose_across_eighty_five_percent_is_major_in_a_curative_plan() {
    let dose =
        |p: f64| json!({"regimen": "AC", "cycles": 4, "cycle_length_days": 21, "dose_percent": p});
    let major = course("curative", dose(90.0), dose(80.0));
    assert_eq!(
        graded(&major, Dimension::SystemicTherapy),
        (Change::Different, Severity::Major)
    );
    let nine_points = course("curative", dose(90.0), dose(81.0));
    assert_eq!(
        graded(&nine_points, Dimension::SystemicTherapy).0,
        Change::Same
    );
    let above = course("curative", dose(100.0), dose(90.0));
    assert_eq!(
        graded(&above, Dimension::SystemicTherapy),
        (Change::Different, Severity::Minor)
    );
}

#[test]
fn idea_applies_only_to_low_risk_stage_three_colon_cancer() {
    let capox =
        |cycles: i64| json!({"regimen": "CAPOX", "cycles": cycles, "cycle_length_days": 21});
    let colon = |t: &str, n: &str| {
        run(case(
            json!({"diagnosis": {"primary_site": "C18.7", "stage": {"system": "AJCC8", "group": "III", "t": t, "n": n}},
                   "plan": {"intent": "curative", "systemic_therapy": [capox(8)]}}),
            json!({"plan": {"intent": "curative", "systemic_therapy": [capox(4)]}}),
        ))
    };
    assert_eq!(
        graded(&colon("T3", "N1b"), Dimension::SystemicTherapy).0,
        Change::EquivalentAlternative
    );
    // T4 or N2: graded by the ratio, 2 in a curative plan.
    assert_eq!(
        graded(&colon("T4a", "N1"), Dimension::SystemicTherapy),
        (Change::Different, Severity::Major)
    );
    assert_eq!(
        graded(&colon("T3", "N2a"), Dimension::SystemicTherapy),
        (Change::Different, Severity::Major)
    );
}

// ---- sections 7-9 -----------------------------------------------------------------------------

#[test]
fn target_extent_grades_whole_partial_and_focal() {
    let rt = |extent: &str| json!({"intent": "palliative", "radiotherapy": {"total_dose_gy": 30, "fractions": 10, "target_extent": extent}});
    let r = run(case(
        json!({"diagnosis": {"primary_site": "C34.1"}, "plan": rt("partial_organ")}),
        json!({"plan": rt("focal")}),
    ));
    assert_eq!(
        graded(&r, Dimension::Radiotherapy),
        (Change::Different, Severity::Minor)
    );
    assert!(review(&r).is_empty());
    let same = run(case(
        json!({"plan": rt("focal")}),
        json!({"plan": rt("focal")}),
    ));
    assert_eq!(graded(&same, Dimension::Radiotherapy).0, Change::Same);
}

fn trial_case(markers: Value, required: Value) -> Classification {
    let plan = json!({"intent": "palliative", "systemic_therapy": [{"drugs": ["docetaxel"]}]});
    let mut op = plan.clone();
    op["clinical_trials"] = json!([{"registry_id": "NCT06456789", "required_biomarker": required}]);
    run(case(
        json!({"diagnosis": {"primary_site": "C34.1", "biomarkers": markers}, "plan": plan}),
        json!({"plan": op}),
    ))
}

#[test]
fn trial_requirements_read_met_not_met_and_untested() {
    let min = json!({"name": "PD-L1", "min_score": {"system": "TPS", "value": 50}});
    let met = trial_case(
        json!([{"name": "PD-L1", "score": {"system": "TC", "value": 50}}]),
        min.clone(),
    );
    assert!(review(&met).is_empty());
    let not_met = trial_case(
        json!([{"name": "PD-L1", "score": {"system": "TPS", "value": 49}}]),
        min.clone(),
    );
    assert_eq!(review(&not_met), vec!["trial_biomarker_not_met"]);
    let unscored = trial_case(json!([{"name": "PD-L1", "result": "positive"}]), min);
    assert_eq!(review(&unscored), vec!["trial_biomarker_untested"]);
    let none = trial_case(json!([]), json!({"name": "HER2", "result": "low"}));
    assert_eq!(review(&none), vec!["trial_biomarker_untested"]);
    let low = trial_case(
        json!([{"name": "ERBB2", "result": "2+"}]),
        json!({"name": "HER2", "result": "low"}),
    );
    assert!(review(&low).is_empty());
    let germline_only = trial_case(
        json!([{"name": "BRCA2", "result": "detected", "origin": "somatic"}]),
        json!({"name": "BRCA2", "origin": "germline"}),
    );
    assert_eq!(review(&germline_only), vec!["trial_biomarker_untested"]);
    let equivocal = trial_case(
        json!([{"name": "MET", "result": "equivocal"}]),
        json!({"name": "MET"}),
    );
    assert_eq!(review(&equivocal), vec!["trial_biomarker_untested"]);
}

#[test]
fn watch_and_wait_on_both_sides_is_the_same_and_observation_instead_replaces_it() {
    let tnt = |ww: bool| {
        let mut plan = json!({"intent": "curative", "radiotherapy": {"total_dose_gy": 25, "fractions": 5},
                              "surgery": {"procedure": "total mesorectal excision"}});
        if ww {
            plan["observation_after_treatment"] =
                json!({"condition": "clinical_complete_response", "replaces": "surgery"});
        }
        plan
    };
    let both = run(case(json!({"plan": tnt(true)}), json!({"plan": tnt(true)})));
    assert_eq!(
        graded(&both, Dimension::ObservationAfterTreatment).0,
        Change::Same
    );
    assert_eq!(both.outcome, Outcome::Confirms);
    let dropped = run(case(
        json!({"plan": tnt(true)}),
        json!({"plan": tnt(false)}),
    ));
    assert_eq!(
        graded(&dropped, Dimension::ObservationAfterTreatment),
        (Change::Removed, Severity::Major)
    );
    assert!(has_action(&dropped, Action::DiscussWatchAndWait));
    let instead = run(case(
        json!({"plan": tnt(true)}),
        json!({"plan": {"observation": true}}),
    ));
    assert!(
        !instead
            .findings
            .iter()
            .any(|f| f.dimension == Dimension::ObservationAfterTreatment)
    );
    assert_eq!(instead.primary_scenario, Scenario::ObservationVsTreatment);
}

// ---- results ------------------------------------------------------------------------------------

#[test]
fn a_stored_ruleset2_result_still_deserialises() {
    let r = run(case(
        json!({"plan": {"surgery": {"procedure": "lobectomy of lung"}}}),
        json!({"plan": {"surgery": {"procedure": "pneumonectomy"}}}),
    ));
    let mut stored = serde_json::to_value(&r).expect("serialises");
    stored
        .as_object_mut()
        .expect("object")
        .remove("review_items");
    for f in stored["findings"].as_array_mut().expect("findings") {
        f.as_object_mut()
            .expect("finding")
            .remove("family_implications");
    }
    let back: Classification = serde_json::from_value(stored).expect("deserialises");
    assert!(back.review_items.is_empty());
    assert_eq!(r.ruleset_version, "3");
}

#[test]
fn review_items_carry_each_code_once_naming_every_occurrence() {
    let r = drugs("C34.1", "8140/3", &["zz-one"], &["zz-two"]);
    assert_eq!(review(&r), vec!["unknown_drug"]);
    let text = &r.review_items[0].text;
    assert!(text.contains("zz-one") && text.contains("zz-two"), "{text}");
    assert_eq!(r.review_reasons.len(), 2);
}
