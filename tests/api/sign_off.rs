//! The clinician release gate (api.md, "Clinician sign-off"): a result the engine holds for
//! review reaches neither the patient nor a share link until a clinician signs it off; only a
//! clinician can; two at once make one sign-off; an override voids it; the queue forgets nothing.

use concord::auth::Role;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

/// A worked example whose partner opinion contradicts the plan: (plan, opinion).
fn contradiction() -> (Value, Value) {
    worked_example_pictures("rectal-curative-vs-palliative")
}

struct Held {
    s: Setup,
    referral: Uuid,
    opinion: String,
    assessment: String,
}

/// A case whose partner opinion contradicts the plan: its assessment is held.
async fn held(app: &TestApp) -> Held {
    let s = app.setup().await;
    let (referral, opinion, assessment) = held_on(app, &s, s.case_id).await;
    Held {
        s,
        referral,
        opinion,
        assessment,
    }
}

/// The contradicting opinion on `case_id`: (referral, opinion, its assessment).
async fn held_on(app: &TestApp, s: &Setup, case_id: Uuid) -> (Uuid, String, String) {
    let (plan, opinion) = contradiction();
    app.record_plan(case_id, &plan).await.ok(201);
    let referral = app.refer(case_id, s.partner_id).await;
    let submitted = app
        .submit_opinion(referral, &s.partner_key, &opinion_body(&opinion))
        .await
        .ok(201);
    let assessment = app.newest_assessment(case_id).await;
    (
        referral,
        submitted["id"].as_str().expect("id").to_string(),
        assessment,
    )
}

fn patient(app: &TestApp) -> Auth {
    app.token(Role::Patient, "patient-asha")
}

async fn assessment(app: &TestApp, id: &str) -> Reply {
    app.get(&format!("/v1/assessments/{id}"), &app.clinician())
        .await
}

async fn sign(app: &TestApp, id: &str, auth: &Auth, reason: &str) -> Reply {
    app.post(
        &format!("/v1/assessments/{id}/sign-offs"),
        auth,
        &json!({"reason": reason}),
    )
    .await
}

async fn queue(app: &TestApp) -> Value {
    app.get("/v1/assessments?awaiting_sign_off=true", &app.coordinator())
        .await
        .ok(200)
}

fn queued(page: &Value) -> Vec<String> {
    items(page)
        .iter()
        .map(|i| i["id"].as_str().expect("id").to_string())
        .collect()
}

async fn review_tasks(app: &TestApp, case_id: Uuid) -> Vec<Value> {
    items(&app.case_tasks(case_id, "kind=clinician_review").await).to_vec()
}

#[tokio::test]
async fn a_contradicting_result_reaches_the_patient_only_after_a_clinician_signs_it_off() {
    let app = spawn_app().await;
    let h = held(&app).await;
    let read = assessment(&app, &h.assessment).await;
    let etag = read.header("etag").expect("an assessment carries its ETag");
    let a = read.ok(200);
    assert_eq!(a["outcome"], "contradicts");
    assert_eq!(a["needs_clinician_review"], true);
    assert_eq!(a["clinician_review_reasons"][0], "contradicts");
    assert_eq!(a["released"], false);
    assert_eq!(a["sign_off"], Value::Null);

    // It waits in the queue, with its due time, and a review task is open for it.
    let waiting = queue(&app).await;
    assert_eq!(queued(&waiting), vec![h.assessment.clone()]);
    assert_eq!(items(&waiting)[0]["overdue"], false);
    assert!(items(&waiting)[0]["sign_off_due_at"].is_string());
    let tasks = review_tasks(&app, h.s.case_id).await;
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(tasks[0]["status"], "open");
    assert_eq!(tasks[0]["assessment_id"], h.assessment.as_str());
    let task_id = tasks[0]["id"].as_str().expect("id").to_string();
    app.post(
        &format!("/v1/tasks/{task_id}/complete"),
        &app.coordinator(),
        &json!({}),
    )
    .await
    .problem(409, "invalid-transition");

    // Staff write and read the summary; for the patient it does not exist yet.
    let summary_id = app.summary_id(&h.assessment).await;
    app.get(&format!("/v1/summaries/{summary_id}"), &app.coordinator())
        .await
        .ok(200);
    for format in ["json", "md", "html", "pdf"] {
        app.get(
            &format!("/v1/summaries/{summary_id}?format={format}"),
            &patient(&app),
        )
        .await
        .problem(404, "not-found");
    }
    let theirs = app
        .get(
            &format!("/v1/cases/{}/summaries", h.s.case_id),
            &patient(&app),
        )
        .await
        .ok(200);
    assert!(items(&theirs).is_empty(), "{theirs}");
    assert_ne!(app.case_status(h.s.case_id).await, "summary_ready");
    app.post(
        &format!("/v1/summaries/{summary_id}/share-links"),
        &app.coordinator(),
        &json!({"expires_in_days": 7}),
    )
    .await
    .problem(409, "awaiting-clinician-review");

    // Only a clinician signs off, with a reason, against the assessment as last read.
    for auth in [app.coordinator(), app.admin()] {
        sign(&app, &h.assessment, &auth, "looked at it")
            .await
            .problem(403, "forbidden");
    }
    let blank = sign(&app, &h.assessment, &app.clinician(), "  ").await;
    assert_names_all(&blank.invalid_fields(), &["reason"]);
    app.send(
        Method::POST,
        &format!("/v1/assessments/{}/sign-offs", h.assessment),
        &app.clinician(),
        Some(&json!({"reason": "stale"})),
        &[("if-match", "\"assessment-9-0-c\"")],
    )
    .await
    .problem(412, "precondition-failed");
    let signed = app
        .send(
            Method::POST,
            &format!("/v1/assessments/{}/sign-offs", h.assessment),
            &app.clinician(),
            Some(&json!({"reason": "Read the report; the palliative view is sound, Dr. Mehta informed."})),
            &[("if-match", etag.as_str())],
        )
        .await;
    let location = signed.header("location");
    let signed = signed.ok(201);
    assert_eq!(
        location.as_deref(),
        Some(format!("/v1/assessments/{}", h.assessment).as_str())
    );
    assert_eq!(signed["assessment_id"], h.assessment.as_str());
    assert_eq!(signed["approved"]["outcome"], "contradicts");
    assert_eq!(signed["approved"]["override_id"], Value::Null);
    assert!(signed["signed_by"].is_string());

    let a = assessment(&app, &h.assessment).await.ok(200);
    assert_eq!(a["released"], true);
    assert_eq!(a["needs_clinician_review"], true, "the need is history");
    assert_eq!(a["sign_off"]["id"], signed["id"]);
    assert!(queued(&queue(&app).await).is_empty());
    assert_eq!(review_tasks(&app, h.s.case_id).await[0]["status"], "done");
    app.get(&format!("/v1/summaries/{summary_id}"), &patient(&app))
        .await
        .ok(200);
    assert_eq!(app.case_status(h.s.case_id).await, "summary_ready");
    app.post(
        &format!("/v1/summaries/{summary_id}/share-links"),
        &app.coordinator(),
        &json!({"expires_in_days": 7}),
    )
    .await
    .ok(201);
    sign(&app, &h.assessment, &app.clinician(), "again")
        .await
        .problem(409, "already-signed-off");

    // What a CRM hears: nothing released early, and never the clinician's words.
    let feed = app
        .feed_when("/v1/events?limit=200", &app.admin(), |page| {
            items(page).iter().any(|e| e["type"] == "summary.released")
        })
        .await;
    let of = |kind: &str| -> Vec<Value> {
        items(&feed)
            .iter()
            .filter(|e| e["type"] == kind)
            .map(|e| e["data"].clone())
            .collect()
    };
    assert_eq!(of("assessment.created")[0]["released"], false);
    assert_eq!(of("summary.generated")[0]["released"], false);
    let signed_event = &of("assessment.signed_off")[0];
    assert_eq!(signed_event["sign_off_id"], signed["id"]);
    assert_eq!(signed_event["released"], true);
    assert_eq!(signed_event["outcome"], "contradicts");
    assert!(!signed_event.to_string().contains("palliative view"));
    assert_eq!(of("summary.released")[0]["summary_id"], summary_id.as_str());
    let audited = app
        .scalar(&format!(
            "select count(*) as n from audit_events where '{}' = any(object_ids) and action = 'assessment.sign_off' and outcome = 'success'",
            h.assessment
        ))
        .await;
    assert_eq!(audited, 1, "the sign-off is in the audit trail");
}

#[tokio::test]
async fn two_clinicians_signing_at_once_make_one_sign_off() {
    let app = spawn_app().await;
    let h = held(&app).await;
    let (dr_a, dr_b) = (
        app.token(Role::Clinician, "dr-a"),
        app.token(Role::Clinician, "dr-b"),
    );
    let (a, b) = tokio::join!(
        sign(&app, &h.assessment, &dr_a, "first"),
        sign(&app, &h.assessment, &dr_b, "second"),
    );
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [201, 409], "{} / {}", a.text(), b.text());
    let loser = if a.status.as_u16() == 409 { a } else { b };
    loser.problem(409, "already-signed-off");
    assert_eq!(
        app.scalar("select count(*) as n from assessment_sign_offs")
            .await,
        1
    );
}

#[tokio::test]
async fn an_override_after_a_sign_off_holds_the_result_again_until_it_is_signed_anew() {
    let app = spawn_app().await;
    let h = held(&app).await;
    sign(&app, &h.assessment, &app.clinician(), "sound")
        .await
        .ok(201);
    let summary_id = app.summary_id(&h.assessment).await;
    app.get(&format!("/v1/summaries/{summary_id}"), &patient(&app))
        .await
        .ok(200);

    let overridden = app
        .post(
            &format!("/v1/assessments/{}/overrides", h.assessment),
            &app.clinician(),
            &json!({"outcome": "refines", "reason": "A change of intent discussed with the team; the plan is refined."}),
        )
        .await
        .ok(201);
    let a = assessment(&app, &h.assessment).await.ok(200);
    assert_eq!(a["released"], false, "{a}");
    assert_eq!(a["sign_off"], Value::Null);
    assert_eq!(queued(&queue(&app).await), vec![h.assessment.clone()]);
    assert_eq!(
        review_tasks(&app, h.s.case_id)
            .await
            .iter()
            .filter(|t| t["status"] == "open")
            .count(),
        1,
        "the review is open again"
    );
    // The summary written from the approved result is not what the assessment says now.
    app.get(&format!("/v1/summaries/{summary_id}"), &patient(&app))
        .await
        .problem(404, "not-found");

    let again = sign(
        &app,
        &h.assessment,
        &app.clinician(),
        "the refinement stands",
    )
    .await
    .ok(201);
    assert_eq!(again["approved"]["outcome"], "refines");
    let in_force = overridden["overrides"]
        .as_array()
        .and_then(|o| o.last())
        .map(|o| o["id"].clone())
        .expect("the override in force");
    assert_eq!(again["approved"]["override_id"], in_force);
    assert_eq!(
        assessment(&app, &h.assessment).await.ok(200)["released"],
        true
    );
    // Released only what says the approved result: the old summary stays held.
    app.get(&format!("/v1/summaries/{summary_id}"), &patient(&app))
        .await
        .problem(404, "not-found");
    let fresh = app
        .generate_summary(&h.assessment, &json!({"language": "en"}))
        .await
        .ok(201);
    app.get(
        &format!("/v1/summaries/{}", fresh["id"].as_str().expect("id")),
        &patient(&app),
    )
    .await
    .ok(200);
}

#[tokio::test]
async fn a_result_that_needs_no_review_goes_straight_to_the_patient() {
    let app = spawn_app().await;
    let (s, _, id) = app.answered_case().await;
    let a = assessment(&app, &id).await.ok(200);
    assert_eq!(a["needs_clinician_review"], false);
    assert_eq!(a["clinician_review_reasons"], json!([]));
    assert_eq!(a["released"], true);
    assert!(review_tasks(&app, s.case_id).await.is_empty());
    sign(&app, &id, &app.clinician(), "nothing to see")
        .await
        .problem(409, "no-review-needed");
    assert!(queued(&queue(&app).await).is_empty());
}

#[tokio::test]
async fn an_amended_opinion_takes_the_earlier_result_out_of_the_queue() {
    let app = spawn_app().await;
    let h = held(&app).await;
    // The partner corrects its report: it now agrees with the plan.
    let mut amendment = opinion_body(&contradiction().0);
    amendment["supersedes"] = json!(h.opinion);
    app.submit_opinion(h.referral, &h.s.partner_key, &amendment)
        .await
        .ok(201);
    assert!(queued(&queue(&app).await).is_empty());
    let tasks = review_tasks(&app, h.s.case_id).await;
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0]["status"], "cancelled");
    sign(&app, &h.assessment, &app.clinician(), "too late")
        .await
        .problem(409, "assessment-superseded");
}

#[tokio::test]
async fn a_sign_off_carries_over_a_reassessment_only_when_nothing_it_approved_changed() {
    let app = spawn_app().await;
    let h = held(&app).await;
    sign(&app, &h.assessment, &app.clinician(), "sound")
        .await
        .ok(201);
    let again = app
        .post(
            &format!("/v1/second-opinions/{}/assessments", h.opinion),
            &app.clinician(),
            &json!({}),
        )
        .await
        .ok(201);
    assert_eq!(
        again["released"], true,
        "same plan, same rules, same result"
    );
    assert!(again["sign_off"].is_object());

    // A new plan version is a new question: held again until signed.
    let (mut revised, _) = contradiction();
    revised["plan"]["systemic_therapy"] = json!([{"regimen": "FOLFOXIRI"}]);
    app.record_plan(h.s.case_id, &revised).await.ok(200);
    let third = app
        .post(
            &format!("/v1/second-opinions/{}/assessments", h.opinion),
            &app.clinician(),
            &json!({}),
        )
        .await
        .ok(201);
    assert_eq!(third["needs_clinician_review"], true);
    assert_eq!(third["released"], false);
    assert_eq!(
        queued(&queue(&app).await),
        vec![third["id"].as_str().expect("id").to_string()]
    );
}

#[tokio::test]
async fn the_queue_puts_urgent_results_first_and_pages_through_them() {
    let app = spawn_app().await;
    let first = held(&app).await;
    let mut ids = vec![first.assessment.clone()];
    let someone = app.create_patient(None).await;
    let case_id = app.create_case(someone, &json!({})).await;
    ids.push(held_on(&app, &first.s, case_id).await.2);
    // The newest, but its surgery is in five days: it goes first.
    let soon = chrono::Utc::now().date_naive() + chrono::Days::new(5);
    let case_id = app
        .create_case(
            someone,
            &json!({"next_irreversible_step": {"kind": "surgery", "date": soon.to_string()}}),
        )
        .await;
    ids.insert(0, held_on(&app, &first.s, case_id).await.2);
    let first = app
        .get(
            "/v1/assessments?awaiting_sign_off=true&limit=2",
            &app.clinician(),
        )
        .await
        .ok(200);
    let cursor = first["next_cursor"].as_str().expect("a second page");
    let second = app
        .get(
            &format!("/v1/assessments?awaiting_sign_off=true&limit=2&cursor={cursor}"),
            &app.clinician(),
        )
        .await
        .ok(200);
    let mut seen = queued(&first);
    seen.extend(queued(&second));
    assert_eq!(seen, ids, "urgent first, then oldest first, each once");
    assert_eq!(items(&first)[0]["urgency"], "urgent");
    assert_eq!(second["next_cursor"], Value::Null);
    app.get("/v1/assessments?awaiting_sign_off=true", &patient(&app))
        .await
        .problem(403, "forbidden");
    app.get("/v1/assessments?awaiting_sign_off=false", &app.clinician())
        .await
        .problem(400, "validation-error");
}

#[tokio::test]
async fn an_upgrade_reassesses_older_results_once_and_holds_them_at_the_gate() {
    let app = spawn_app().await;
    let h = held(&app).await;
    // As if ruleset 2 had made it, and a clinician had long since released it.
    sign(&app, &h.assessment, &app.clinician(), "sound")
        .await
        .ok(201);
    let old_version = "2+0123456789ab";
    app.scalar(&format!(
        "with u as (update assessments set ruleset_version = '{old_version}' where id = '{}' returning 1) select count(*) as n from u",
        h.assessment
    ))
    .await;
    let upgrade = concord::startup::application(
        concord::db::pool(&app.db_url, 2).expect("pool"),
        &test_config(&app.db_url, &[]),
    );
    let mut lines = Vec::new();
    let done = concord::app::upgrade::reassess_outdated(&upgrade, 1, |p| lines.push(*p))
        .await
        .expect("reassess");
    assert_eq!((done.reassessed, done.failed), (1, 0));
    assert_eq!(lines.len(), 1, "a progress line a batch");

    // The stored result keeps its ruleset; the new current one is ruleset 3 and held again.
    let old = assessment(&app, &h.assessment).await.ok(200);
    assert_eq!(old["ruleset_version"], old_version);
    assert_eq!(old["current"], false);
    let new = app.newest_assessment(h.s.case_id).await;
    assert_ne!(new, h.assessment);
    let new = assessment(&app, &new).await.ok(200);
    assert_eq!(new["ruleset_version"], "3");
    assert_eq!(
        new["released"], false,
        "another ruleset's sign-off does not carry"
    );
    assert_eq!(
        queued(&queue(&app).await),
        vec![new["id"].as_str().expect("id").to_string()]
    );
    // Run again: nothing left to do.
    let again = concord::app::upgrade::reassess_outdated(&upgrade, 1, |_| {})
        .await
        .expect("reassess");
    assert_eq!(again.reassessed, 0);
}
