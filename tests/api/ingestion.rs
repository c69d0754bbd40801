//! Referrals and second-opinion ingestion: the partner flow end to end, idempotency under
//! concurrency, external ids, closed referrals, amendments, waiting for a plan, reassessment,
//! overrides, and every worked example ingested the partner's way.

use std::collections::BTreeSet;

use chrono::{NaiveDate, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

async fn count(app: &TestApp, table: &str) -> i64 {
    app.scalar(&format!("SELECT count(*) AS n FROM {table}"))
        .await
}

#[tokio::test]
async fn a_partner_opinion_flows_from_referral_to_assessment_tasks_and_override() {
    let app = spawn_app().await;
    let s = app.setup().await;
    app.record_plan(s.case_id, &example_picture()).await.ok(201);
    let referral = app.refer(s.case_id, s.partner_id).await;
    assert_eq!(app.case_status(s.case_id).await, "referred");

    // The partner's inbox: the minimal packet, never the patient's name.
    let inbox = app.get("/v1/referrals", &s.partner_key).await;
    let packet = &inbox.ok(200)["items"][0];
    assert_eq!(packet["id"], referral.to_string());
    assert_eq!(
        packet["current_plan"]["systemic_therapy"],
        json!([{"regimen": "FOLFOX"}])
    );
    assert_eq!(
        packet["patient"],
        json!({"birth_year": 1968, "country": "IN"})
    );
    assert!(
        !inbox.text().contains("Asha"),
        "the partner saw the patient's name: {}",
        inbox.text()
    );
    assert!(
        !inbox.text().contains("Mehta"),
        "the partner saw the oncologist's name"
    );
    app.post(
        &format!("/v1/referrals/{referral}/accept"),
        &s.partner_key,
        &json!({}),
    )
    .await
    .ok(200);

    let body = opinion_body(&capox());
    let raw = serde_json::to_vec(&body).expect("json");
    let key = Uuid::now_v7().to_string();
    // Sent as bytes we hold, so the stored copy can be compared with exactly these.
    let submission = app
        .request(
            Method::POST,
            &format!("/v1/referrals/{referral}/second-opinions"),
            &s.partner_key,
        )
        .header("content-type", "application/json")
        .header("idempotency-key", &key)
        .body(raw.clone());
    let receipt = Reply::read(submission).await.ok(201);
    assert_eq!(receipt["status"], "received");
    let opinion_id = receipt["id"].as_str().expect("id").to_string();

    // The coordinator sees the assessment; the case and the referral moved on.
    let opinions = app.second_opinions(s.case_id).await;
    let assessment = &opinions["items"][0]["current_assessment"];
    assert_eq!(assessment["outcome"], "refines");
    assert_eq!(assessment["primary_scenario"], "different_treatment");
    assert_eq!(assessment["plan_version"], 1);
    assert_eq!(app.case_status(s.case_id).await, "opinion_received");
    assert_eq!(
        app.get(&format!("/v1/referrals/{referral}"), &app.coordinator())
            .await
            .ok(200)["status"],
        "answered"
    );
    let tasks = app.case_tasks(s.case_id, "").await;
    let kinds: BTreeSet<String> = items(&tasks)
        .iter()
        .map(|t| t["kind"].as_str().expect("kind").to_string())
        .collect();
    assert_eq!(
        kinds,
        BTreeSet::from(["discuss_evidence_for_alternative".to_string()])
    );

    // Verbatim: the exact bytes received.
    let stored = app
        .get(
            &format!("/v1/second-opinions/{opinion_id}/submission"),
            &app.coordinator(),
        )
        .await;
    assert!(
        stored.bytes == raw,
        "the stored submission differs from what was sent"
    );
    // The partner reads its own submission, but no assessment.
    let own = app
        .get(&format!("/v1/second-opinions/{opinion_id}"), &s.partner_key)
        .await
        .ok(200);
    assert!(own["current_assessment"].is_null());

    // Only a clinician overrides; the computed result stays visible beside the effective one.
    let assessment_id = assessment["id"].as_str().expect("id");
    let override_body = json!({"outcome": "confirms", "primary_scenario": "confirms_plan", "reason": "CAPOX and FOLFOX are equivalent for this patient."});
    app.post(
        &format!("/v1/assessments/{assessment_id}/overrides"),
        &app.coordinator(),
        &override_body,
    )
    .await
    .problem(403, "forbidden");
    let overridden = app
        .post(
            &format!("/v1/assessments/{assessment_id}/overrides"),
            &app.clinician(),
            &override_body,
        )
        .await
        .ok(201);
    assert_eq!(overridden["outcome"], "confirms");
    assert_eq!(overridden["actions"], json!(["proceed_with_plan"]));
    assert_eq!(overridden["computed"]["outcome"], "refines");
    assert_eq!(
        overridden["overrides"][0]["reason"],
        "CAPOX and FOLFOX are equivalent for this patient."
    );
    let open = app.case_tasks(s.case_id, "status=open").await;
    assert_eq!(
        open["items"],
        json!([]),
        "the override's effective result no longer calls for the task"
    );
    let misfit = app
        .post(
            &format!("/v1/assessments/{assessment_id}/overrides"),
            &app.clinician(),
            &json!({"primary_scenario": "different_treatment", "reason": "x"}),
        )
        .await;
    assert_eq!(misfit.invalid_fields(), vec!["primary_scenario"]);
    // Neither an outcome nor a scenario overrides nothing.
    let empty = app
        .post(
            &format!("/v1/assessments/{assessment_id}/overrides"),
            &app.clinician(),
            &json!({"reason": "x"}),
        )
        .await;
    assert_eq!(empty.invalid_fields(), vec!["outcome"]);
}

#[tokio::test]
async fn thirty_two_concurrent_retries_with_one_key_create_one_opinion() {
    let app = spawn_app().await;
    let s = app.setup().await;
    app.record_plan(s.case_id, &example_picture()).await.ok(201);
    let referral = app.refer(s.case_id, s.partner_id).await;
    let key = Uuid::now_v7().to_string();
    let body = opinion_body(&capox());
    let path = format!("/v1/referrals/{referral}/second-opinions");
    let header = [("idempotency-key", key.as_str())];
    let requests =
        (0..32).map(|_| app.send(Method::POST, &path, &s.partner_key, Some(&body), &header));
    let replies = futures_util::future::join_all(requests).await;
    let mut ids = BTreeSet::new();
    for reply in &replies {
        match reply.status.as_u16() {
            201 => {
                ids.insert(reply.json()["id"].as_str().expect("id").to_string());
            }
            409 => {
                reply.problem(409, "idempotency-key-in-use");
            }
            other => panic!("unexpected {other}: {}", reply.text()),
        }
    }
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(count(&app, "second_opinions").await, 1);
    assert_eq!(count(&app, "assessments").await, 1);
    // After the burst, a retry replays.
    let replay = app
        .send(
            Method::POST,
            &path,
            &s.partner_key,
            Some(&body),
            &[("idempotency-key", key.as_str())],
        )
        .await;
    assert_eq!(
        replay.header("idempotent-replayed").as_deref(),
        Some("true")
    );
    assert!(ids.contains(replay.json()["id"].as_str().expect("id")));
}

/// Issue 19: an ingestion on a case that already has an opinion (its tasks open, its status
/// moved on), as most are, costs eight statements: the API key's check (its own connection),
/// BEGIN, the Idempotency-Key's claim, the referral and case locks, the reads (external id,
/// plan, patient, open tasks), the opinion with its assessment, the unit's queued writes
/// (audit rows, events, the remembered answer, the referral's answer) and COMMIT. It was 16.
#[tokio::test]
async fn a_typical_ingestion_sends_eight_statements() {
    let app = spawn_app().await;
    let s = app.setup().await;
    app.record_plan(s.case_id, &example_picture()).await.ok(201);
    let first = app.refer(s.case_id, s.partner_id).await;
    app.submit_opinion(first, &s.partner_key, &opinion_body(&capox()))
        .await
        .ok(201);
    let referral = app.refer(s.case_id, s.partner_id).await;
    let mut body = opinion_body(&capox());
    body["external_id"] = json!("TMC-7");
    let path = format!("/v1/referrals/{referral}/second-opinions");
    let tasks_before = count(&app, "tasks").await;
    let before = app.statements_sent();
    app.send(
        Method::POST,
        &path,
        &s.partner_key,
        Some(&body),
        &[("idempotency-key", "ingest-7")],
    )
    .await
    .ok(201);
    let sent = app.statements_sent() - before;
    // `count` itself sends one statement; it runs after the reading of `sent`.
    assert_eq!(count(&app, "tasks").await, tasks_before, "no task opened");
    assert_eq!(sent, 8, "statements sent by one ingestion");
    let assessed = app
        .scalar(
            "SELECT count(*) AS n FROM second_opinions o JOIN assessments a \
             ON a.second_opinion_id = o.id AND a.current WHERE o.external_id = 'TMC-7'",
        )
        .await;
    assert_eq!(
        assessed, 1,
        "the opinion and its assessment were written together"
    );
    let referral_status = app
        .scalar(&format!(
            "SELECT count(*) AS n FROM referrals WHERE id = '{referral}' AND status = 'answered'"
        ))
        .await;
    assert_eq!(referral_status, 1, "the queued answer was written");
}

#[tokio::test]
async fn an_external_id_is_the_same_opinion_or_a_conflict_naming_it() {
    let app = spawn_app().await;
    let s = app.setup().await;
    let referral = app.refer(s.case_id, s.partner_id).await;
    let mut body = opinion_body(&capox());
    body["external_id"] = json!("TMC-42");
    let first = app
        .submit_opinion(referral, &s.partner_key, &body)
        .await
        .ok(201);
    let again = app
        .submit_opinion(referral, &s.partner_key, &body)
        .await
        .ok(200);
    assert_eq!(again["id"], first["id"]);
    body["narrative"] = json!("A different text.");
    let conflict = app
        .submit_opinion(referral, &s.partner_key, &body)
        .await
        .problem(409, "duplicate-external-id");
    assert_eq!(conflict["existing_id"], first["id"]);
    assert_eq!(count(&app, "second_opinions").await, 1);
}

#[tokio::test]
async fn closed_referrals_refuse_submissions_and_answered_ones_take_amendments() {
    let app = spawn_app().await;
    let s = app.setup().await;
    app.record_plan(s.case_id, &example_picture()).await.ok(201);
    let declined = app.refer(s.case_id, s.partner_id).await;
    app.post(
        &format!("/v1/referrals/{declined}/decline"),
        &s.partner_key,
        &json!({"reason": "No capacity"}),
    )
    .await
    .ok(200);
    app.submit_opinion(declined, &s.partner_key, &opinion_body(&capox()))
        .await
        .problem(409, "referral-closed");

    let referral = app.refer(s.case_id, s.partner_id).await;
    let first = app
        .submit_opinion(referral, &s.partner_key, &opinion_body(&capox()))
        .await
        .ok(201);
    app.submit_opinion(referral, &s.partner_key, &opinion_body(&example_picture()))
        .await
        .problem(409, "referral-closed");
    let mut amendment = opinion_body(&example_picture());
    amendment["supersedes"] = first["id"].clone();
    let amended = app
        .submit_opinion(referral, &s.partner_key, &amendment)
        .await
        .ok(201);
    let old = app
        .get(
            &format!("/v1/second-opinions/{}", first["id"].as_str().expect("id")),
            &app.coordinator(),
        )
        .await
        .ok(200);
    assert_eq!(old["status"], "superseded");
    let new = app
        .get(
            &format!(
                "/v1/second-opinions/{}",
                amended["id"].as_str().expect("id")
            ),
            &app.coordinator(),
        )
        .await
        .ok(200);
    assert_eq!(new["supersedes"], first["id"]);
    assert_eq!(new["current_assessment"]["outcome"], "confirms");
    // The amendment confirms the plan: the first opinion's open work is cancelled.
    let open = app.case_tasks(s.case_id, "status=open").await;
    assert_eq!(open["items"], json!([]));
}

#[tokio::test]
async fn a_malformed_submission_is_a_400_that_stores_nothing() {
    let app = spawn_app().await;
    let s = app.setup().await;
    let referral = app.refer(s.case_id, s.partner_id).await;
    let bad = json!({"reviewer": {"specialty": "x"}, "picture": {"diagnosis": {"histology": "81403", "grade": 0},
        "plan": {"clinical_trials": [{"registry_id": "NCT1"}]}}, "patient_name": "leak"});
    let fields = app
        .submit_opinion(referral, &s.partner_key, &bad)
        .await
        .invalid_fields();
    assert_names_all(
        &fields,
        &[
            "reviewer.name",
            "picture.diagnosis.histology",
            "picture.diagnosis.grade",
            "picture.plan.clinical_trials.0.registry_id",
            "patient_name",
        ],
    );
    assert_eq!(count(&app, "second_opinions").await, 0);
    assert_eq!(
        app.get(&format!("/v1/referrals/{referral}"), &app.coordinator())
            .await
            .ok(200)["status"],
        "sent"
    );
}

#[tokio::test]
async fn an_opinion_waits_for_the_plan_and_every_new_version_reassesses() {
    let app = spawn_app().await;
    let s = app.setup().await;
    let entered = app
        .post(
            &format!("/v1/cases/{}/second-opinions", s.case_id),
            &app.coordinator(),
            &opinion_body(&capox()),
        )
        .await
        .ok(201);
    let opinion = entered["id"].as_str().expect("id").to_string();
    let listed = app.second_opinions(s.case_id).await;
    assert!(listed["items"][0]["current_assessment"].is_null());
    app.post(
        &format!("/v1/second-opinions/{opinion}/assessments"),
        &app.coordinator(),
        &json!({}),
    )
    .await
    .problem(409, "conflict");

    app.record_plan(s.case_id, &example_picture()).await.ok(201);
    let first = app
        .get(
            &format!("/v1/second-opinions/{opinion}/assessments"),
            &app.coordinator(),
        )
        .await
        .ok(200);
    assert_eq!(items(&first).len(), 1);
    assert_eq!(first["items"][0]["outcome"], "refines");

    app.record_plan(s.case_id, &capox()).await.ok(200);
    let second = app
        .get(
            &format!("/v1/second-opinions/{opinion}/assessments"),
            &app.coordinator(),
        )
        .await
        .ok(200);
    let items = items(&second);
    assert_eq!(items.len(), 2);
    assert_eq!(
        (
            items[0]["current"].clone(),
            items[0]["plan_version"].clone(),
            items[0]["outcome"].clone()
        ),
        (json!(true), json!(2), json!("confirms"))
    );
    assert_eq!(items[1]["superseded_by"], items[0]["id"]);

    // On request, after the treatment status changed.
    app.patch(
        &format!("/v1/cases/{}", s.case_id),
        &app.coordinator(),
        &json!({"treatment_status": "completed"}),
    )
    .await
    .ok(200);
    let fresh = app
        .post(
            &format!("/v1/second-opinions/{opinion}/assessments"),
            &app.coordinator(),
            &json!({}),
        )
        .await
        .ok(201);
    assert_eq!(fresh["context"]["treatment_status"], "completed");
    assert_eq!(fresh["current"], true);
}

#[tokio::test]
async fn partners_reach_only_their_own_referrals() {
    let app = spawn_app().await;
    let s = app.setup().await;
    let (_, other_key) = app.create_partner("Another Hospital").await;
    let referral = app.refer(s.case_id, s.partner_id).await;
    app.get(&format!("/v1/referrals/{referral}"), &other_key)
        .await
        .problem(404, "not-found");
    app.submit_opinion(referral, &other_key, &opinion_body(&capox()))
        .await
        .problem(404, "not-found");
    app.get(&format!("/v1/cases/{}", s.case_id), &s.partner_key)
        .await
        .problem(403, "forbidden");
    let inbox = app.get("/v1/referrals", &other_key).await.ok(200);
    assert_eq!(inbox["items"], json!([]));
}

/// The worked examples' next steps are relative to 2026-11-25; ingestion assesses as of today,
/// so the dates move by the days since then to keep every example's distances.
fn shifted(step: &Value) -> Value {
    let mut step = step.clone();
    if let Some(date) = step.get("date").and_then(Value::as_str) {
        let base = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
        let days = (Utc::now().date_naive() - base).num_days();
        let moved = date.parse::<NaiveDate>().expect("date") + chrono::Duration::days(days);
        step["date"] = json!(moved.to_string());
    }
    step
}

#[tokio::test]
async fn every_worked_example_ingested_the_partner_way_gives_its_expected_assessment() {
    let app = spawn_app().await;
    let (partner_id, key) = app.create_partner("Reviewing Centre").await;
    for (name, case) in worked_examples() {
        let input = &case["input"];
        let context = input.get("context").cloned().unwrap_or(json!({}));
        let mut patient = json!({"display_name": "Patient", "birth_year": 1960});
        if let Some(country) = context.get("patient_country") {
            patient["country"] = country.clone();
        }
        let patient_id = app
            .post("/v1/patients", &app.coordinator(), &patient)
            .await
            .ok(201)["id"]
            .clone();
        let mut case_body = json!({"patient_id": patient_id, "treatment_status": context.get("treatment_status").cloned().unwrap_or(json!("not_started"))});
        if let Some(step) = context.get("next_irreversible_step") {
            case_body["next_irreversible_step"] = shifted(step);
        }
        let case_id: Uuid = app
            .post("/v1/cases", &app.coordinator(), &case_body)
            .await
            .ok(201)["id"]
            .as_str()
            .expect("id")
            .parse()
            .expect("uuid");
        app.record_plan(case_id, &input["current"]).await.ok(201);
        let referral = app.refer(case_id, partner_id).await;
        app.submit_opinion(referral, &key, &opinion_body(&input["opinion"]))
            .await
            .ok(201);
        let opinions = app.second_opinions(case_id).await;
        let a = &opinions["items"][0]["current_assessment"];
        let expected = &case["expected"];
        assert_eq!(a["outcome"], expected["outcome"], "{name}");
        assert_eq!(
            a["primary_scenario"], expected["primary_scenario"],
            "{name}"
        );
        assert_eq!(a["urgency"], expected["urgency"], "{name}");
        assert_eq!(set(&a["scenarios"]), set(&expected["scenarios"]), "{name}");
        assert_eq!(set(&a["actions"]), set(&expected["actions"]), "{name}");
    }
}

#[tokio::test]
async fn the_effective_result_is_stored_only_once_a_clinician_overrides_it() {
    let app = spawn_app().await;
    let (_, opinion, _) = app.answered_case().await;
    let assessment = app
        .get(
            &format!("/v1/second-opinions/{opinion}/assessments"),
            &app.clinician(),
        )
        .await
        .ok(200)["items"][0]
        .clone();
    assert_eq!(assessment["outcome"], "refines");
    assert_eq!(assessment["outcome"], assessment["computed"]["outcome"]);
    let stored_copies = async || {
        app.scalar("SELECT count(*) AS n FROM assessments WHERE effective IS NOT NULL")
            .await
    };
    assert_eq!(
        stored_copies().await,
        0,
        "an unchanged result is not stored twice"
    );
    let overridden = app
        .post(
            &format!("/v1/assessments/{}/overrides", assessment["id"].as_str().expect("id")),
            &app.clinician(),
            &json!({"outcome": "confirms", "primary_scenario": "confirms_plan", "reason": "Equivalent for this patient."}),
        )
        .await
        .ok(201);
    assert_eq!(stored_copies().await, 1);
    assert_eq!(overridden["outcome"], "confirms");
    assert_eq!(overridden["computed"]["outcome"], "refines");
}

#[tokio::test]
async fn a_partner_inbox_page_carries_each_referrals_own_packet() {
    let app = spawn_app().await;
    let s = app.setup().await;
    app.record_plan(s.case_id, &example_picture()).await.ok(201);
    let other_patient = app.create_patient(None).await;
    let other_case = app.create_case(other_patient, &json!({})).await;
    app.record_plan(other_case, &capox()).await.ok(201);
    // One case referred twice to the same partner: both packets share its plan.
    let first = app.refer(s.case_id, s.partner_id).await;
    let second = app.refer(s.case_id, s.partner_id).await;
    let other = app.refer(other_case, s.partner_id).await;
    let inbox = app.get("/v1/referrals", &s.partner_key).await.ok(200);
    let regimen_of = |id: Uuid| {
        item_with_id(&inbox, id)["current_plan"]["systemic_therapy"][0]["regimen"].clone()
    };
    assert_eq!(regimen_of(first), "FOLFOX");
    assert_eq!(regimen_of(second), "FOLFOX");
    assert_eq!(regimen_of(other), "CAPOX");
    for packet in items(&inbox) {
        assert_eq!(packet["patient"]["country"], "IN", "{packet}");
        assert_eq!(packet["patient"]["birth_year"], 1968, "{packet}");
    }
}

#[tokio::test]
async fn a_packet_carries_the_newest_plan_and_the_case_as_it_stands() {
    let app = spawn_app().await;
    let s = app.setup().await;
    app.record_plan(s.case_id, &example_picture()).await.ok(201);
    app.record_plan(s.case_id, &capox()).await.ok(200);
    // Two documents of the planned case, read beside the case's parts: newest first.
    let mut uploaded = Vec::new();
    for (title, bytes) in [("Biopsy", vec![1u8; 300]), ("CT%20scan", vec![2u8; 500])] {
        let query = format!("kind=pathology_report&title={title}&date=2026-11-01");
        let doc = app
            .upload_document(s.case_id, &query, "application/pdf", bytes)
            .await
            .ok(201);
        uploaded.push(doc["id"].as_str().expect("id").to_string());
    }
    let planned = app.refer(s.case_id, s.partner_id).await;
    // A case referred before any plan was recorded, with a surgery ahead.
    let surgery = (Utc::now().date_naive() + chrono::Days::new(30)).to_string();
    let patient = app.create_patient(None).await;
    let unplanned_case = app
        .create_case(
            patient,
            &json!({"treatment_status": "in_treatment",
                    "next_irreversible_step": {"kind": "surgery", "date": surgery}}),
        )
        .await;
    let unplanned = app.refer(unplanned_case, s.partner_id).await;

    let inbox = app.get("/v1/referrals", &s.partner_key).await.ok(200);
    let packet_of = |id: Uuid| item_with_id(&inbox, id).clone();
    let newest = packet_of(planned);
    assert_eq!(newest["plan_version"], 2, "{newest}");
    assert_eq!(newest["current_plan"], capox()["plan"]);
    assert_eq!(newest["diagnosis"], capox()["diagnosis"]);
    assert_eq!(newest["treatment_status"], "not_started");
    assert!(newest["next_irreversible_step"].is_null(), "{newest}");
    let documents = newest["documents"].as_array().expect("documents");
    let ids: Vec<&str> = documents.iter().filter_map(|d| d["id"].as_str()).collect();
    assert_eq!(
        ids,
        [uploaded[1].as_str(), uploaded[0].as_str()],
        "{newest}"
    );
    assert_eq!(documents[0]["title"], "CT scan");
    assert_eq!(documents[0]["size_bytes"], 500);
    assert_eq!(
        documents[0]["download"],
        format!("/v1/referrals/{planned}/documents/{}", uploaded[1])
    );

    let bare = packet_of(unplanned);
    for absent in ["plan_version", "current_plan", "diagnosis"] {
        assert!(bare[absent].is_null(), "{absent}: {bare}");
    }
    assert_eq!(
        bare["documents"],
        json!([]),
        "another case's documents: {bare}"
    );
    assert_eq!(bare["treatment_status"], "in_treatment");
    assert_eq!(
        bare["next_irreversible_step"],
        json!({"kind": "surgery", "date": surgery})
    );
    assert_eq!(
        bare["patient"],
        json!({"birth_year": 1968, "country": "IN"})
    );

    // One referral read alone is the same packet as on the inbox's page.
    for id in [planned, unplanned] {
        let alone = app
            .get(&format!("/v1/referrals/{id}"), &s.partner_key)
            .await
            .ok(200);
        assert_eq!(alone, packet_of(id));
    }
}

#[tokio::test]
async fn a_retried_override_or_reassessment_replays_instead_of_doing_it_twice() {
    let app = spawn_app().await;
    let (_, opinion, assessment) = app.answered_case().await;

    // An override sent twice with one key (a lost answer, retried): one override, one answer.
    let path = format!("/v1/assessments/{assessment}/overrides");
    let body = json!({"outcome": "confirms", "primary_scenario": "confirms_plan", "reason": "CAPOX and FOLFOX are equivalent here."});
    let key = [("idempotency-key", "override-1")];
    let send = |body: Value| {
        let (app, path) = (&app, &path);
        async move {
            app.send(Method::POST, path, &app.clinician(), Some(&body), &key)
                .await
        }
    };
    let first = send(body.clone()).await;
    let (etag, location) = (first.header("etag"), first.header("location"));
    let first = first.ok(201);
    assert!(etag.is_some() && location.is_some());
    let again = send(body.clone()).await;
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(
        (again.header("etag"), again.header("location")),
        (etag, location)
    );
    assert_eq!(again.ok(201), first);
    let stored = app
        .get(&format!("/v1/assessments/{assessment}"), &app.clinician())
        .await
        .ok(200);
    assert_eq!(stored["overrides"].as_array().map(Vec::len), Some(1));
    // The same key with another body is refused, not applied.
    let mut other = body.clone();
    other["reason"] = json!("Another reason.");
    send(other).await.problem(422, "idempotency-key-reused");

    // A reassessment retried with its key: one new assessment, the same answer twice.
    let path = format!("/v1/second-opinions/{opinion}/assessments");
    let key = [("idempotency-key", "reassess-1")];
    let first = app
        .send(Method::POST, &path, &app.coordinator(), None, &key)
        .await
        .ok(201);
    let again = app
        .send(Method::POST, &path, &app.coordinator(), None, &key)
        .await;
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(again.ok(201)["id"], first["id"]);
    let all = app.get(&path, &app.coordinator()).await.ok(200);
    assert_eq!(
        all["items"].as_array().map(Vec::len),
        Some(2),
        "the first assessment and one reassessment: {all}"
    );
}
