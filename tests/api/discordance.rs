//! `POST /v1/discordance/classify` over HTTP: the worked examples, validation, and
//! random JSON never answered with a 5xx.

use proptest::prelude::*;
use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn every_worked_example_classifies_as_expected_over_http() {
    let app = spawn_app().await;
    let cases = worked_examples();
    assert!(cases.len() >= 30);
    for (name, case) in cases {
        let result = app
            .post(
                "/v1/discordance/classify",
                &app.coordinator(),
                &case["input"],
            )
            .await
            .ok(200);
        let expected = &case["expected"];
        assert_eq!(result["outcome"], expected["outcome"], "{name}");
        assert_eq!(
            result["primary_scenario"], expected["primary_scenario"],
            "{name}"
        );
        assert_eq!(result["urgency"], expected["urgency"], "{name}");
        assert_eq!(
            set(&result["scenarios"]),
            set(&expected["scenarios"]),
            "{name}"
        );
        assert_eq!(set(&result["actions"]), set(&expected["actions"]), "{name}");
        assert!(
            result["ruleset_version"]
                .as_str()
                .is_some_and(|v| !v.is_empty())
        );
        assert!(
            result["findings"].as_array().is_some_and(|f| !f.is_empty()),
            "{name}"
        );
    }
}

#[tokio::test]
async fn trial_ids_are_checked_per_registry_with_paths() {
    let app = spawn_app().await;
    let body = json!({
        "current": {},
        "opinion": {"plan": {"clinical_trials": [
            {"registry_id": "NCT04513925"}, {"registry_id": "NCT0451"}, {"registry_id": "CTRI/2025/3/1"}
        ]}}
    });
    let reply = app
        .post("/v1/discordance/classify", &app.coordinator(), &body)
        .await;
    let fields = reply.invalid_fields();
    assert_eq!(
        fields,
        vec![
            "opinion.plan.clinical_trials.1.registry_id",
            "opinion.plan.clinical_trials.2.registry_id"
        ]
    );
}

#[tokio::test]
async fn a_contradictory_plan_is_rejected() {
    let app = spawn_app().await;
    let body = json!({"current": {}, "opinion": {"plan": {"observation": true, "surgery": {"procedure": "lobectomy"}}}});
    let fields = app
        .post("/v1/discordance/classify", &app.coordinator(), &body)
        .await
        .invalid_fields();
    assert_eq!(fields, vec!["opinion.plan.observation"]);
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[a-zA-Z0-9 /._-]{0,12}".prop_map(Value::from),
        prop_oneof![
            Just("C34.1"),
            Just("8140/3"),
            Just("FOLFOX"),
            Just("curative"),
            Just("NCT04513925"),
            Just("IN"),
            Just("2026-11-25")
        ]
        .prop_map(Value::from),
    ];
    let keys = prop_oneof![
        Just("current"),
        Just("opinion"),
        Just("context"),
        Just("diagnosis"),
        Just("plan"),
        Just("scope"),
        Just("primary_site"),
        Just("histology"),
        Just("grade"),
        Just("stage"),
        Just("biomarkers"),
        Just("intent"),
        Just("systemic_therapy"),
        Just("radiotherapy"),
        Just("total_dose_gy"),
        Just("fractions"),
        Just("surgery"),
        Just("procedure"),
        Just("clinical_trials"),
        Just("registry_id"),
        Just("as_of"),
        Just("m"),
        Just("group"),
    ];
    leaf.prop_recursive(4, 40, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(keys.clone().prop_map(String::from), inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[test]
fn random_json_never_gets_a_server_error() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let app = rt.block_on(spawn_app());
    let token = app.coordinator();
    let mut runner = proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
        cases: 200,
        ..Default::default()
    });
    runner
        .run(&arbitrary_json(), |body| {
            let wrapped = json!({"current": body.clone(), "opinion": body.clone()});
            for candidate in [&body, &wrapped] {
                let reply = rt.block_on(app.post("/v1/discordance/classify", &token, candidate));
                prop_assert!(
                    reply.status.as_u16() < 500,
                    "{} for {candidate}: {}",
                    reply.status,
                    reply.text()
                );
                if reply.status.as_u16() >= 400 {
                    prop_assert!(reply.is_problem());
                }
            }
            Ok(())
        })
        .expect("no 5xx");
}

/// api.md, Conventions: enum values are exact and case-sensitive; a wrong one is a 400 whose
/// error names the field and lists the allowed values. Every route that takes a picture.
#[tokio::test]
async fn a_wrong_enum_value_names_the_field_and_lists_the_allowed_values_on_every_picture_route() {
    let app = spawn_app().await;
    let s = app.setup().await;
    let referral = app.refer(s.case_id, s.partner_id).await;
    // One wrong value of each enum a picture holds, written as people mistype them.
    let picture = json!({
        "scope": ["Diagnosis"],
        "diagnosis": {"primary_site": "C71.9", "laterality": "Left",
                      "biomarkers": [{"name": "EGFR", "result": "detected", "origin": "Somatic"}]},
        "plan": {"intent": "Curative", "sequence": ["Surgery"],
                 "radiotherapy": {"total_dose_gy": 54, "fractions": 30, "radiation_type": "Proton"},
                 "transplant": {"type": "Autologous"}}
    });
    let expected: [(&str, &[&str]); 7] = [
        (
            "scope.0",
            &[
                "diagnosis",
                "staging",
                "biomarkers",
                "treatment",
                "performance_status",
                "systemic_therapy",
                "radiotherapy",
                "surgery",
                "transplant",
                "cellular_therapy",
            ],
        ),
        ("diagnosis.laterality", &["left", "right", "bilateral"]),
        ("diagnosis.biomarkers.0.origin", &["somatic", "germline"]),
        ("plan.intent", &["curative", "palliative"]),
        (
            "plan.sequence.0",
            &[
                "systemic_therapy",
                "radiotherapy",
                "surgery",
                "transplant",
                "cellular_therapy",
            ],
        ),
        (
            "plan.radiotherapy.radiation_type",
            &[
                "photon",
                "electron",
                "proton",
                "carbon_ion",
                "brachytherapy",
            ],
        ),
        ("plan.transplant.type", &["autologous", "allogeneic"]),
    ];
    let routes: Vec<(String, Auth, Value, &str, reqwest::Method)> = vec![
        (
            "/v1/discordance/classify".into(),
            app.coordinator(),
            json!({"current": {}, "opinion": picture}),
            "opinion.",
            reqwest::Method::POST,
        ),
        (
            "/v1/summaries/preview".into(),
            app.coordinator(),
            json!({"current": picture, "opinion": {}}),
            "current.",
            reqwest::Method::POST,
        ),
        (
            format!("/v1/cases/{}/plan", s.case_id),
            app.coordinator(),
            picture.clone(),
            "",
            reqwest::Method::PUT,
        ),
        (
            format!("/v1/referrals/{referral}/second-opinions"),
            s.partner_key.clone(),
            opinion_body(&picture),
            "picture.",
            reqwest::Method::POST,
        ),
        (
            format!("/v1/cases/{}/second-opinions", s.case_id),
            app.coordinator(),
            opinion_body(&picture),
            "picture.",
            reqwest::Method::POST,
        ),
    ];
    for (path, auth, body, prefix, method) in routes {
        let reply = app.send(method, &path, &auth, Some(&body), &[]).await;
        let problem = reply.problem(400, "validation-error");
        let errors = problem["errors"].as_array().expect("errors");
        for (field, allowed) in expected {
            let field = format!("{prefix}{field}");
            let error = errors
                .iter()
                .find(|e| e["field"] == field.as_str())
                .unwrap_or_else(|| panic!("{path}: no error for {field} in {problem}"));
            let message = error["message"].as_str().expect("message");
            let listed = allowed
                .iter()
                .map(|v| format!("\"{v}\""))
                .collect::<Vec<_>>()
                .join(", ");
            assert_eq!(
                message,
                format!("must be one of {listed}"),
                "{path}: {field}"
            );
        }
    }
}
