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
