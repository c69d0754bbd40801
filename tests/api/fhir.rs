//! FHIR R4 / mCODE over HTTP (issue 18): the stateless mapping route, plans sent and read
//! back as Bundles, and partner opinions sent as documents.

use reqwest::Method;
use serde_json::Value;

use crate::helpers::*;

const FHIR: &str = "application/fhir+json";

/// A Bundle or resource from `tests/fixtures/fhir/` (`hand/` or `mcode/`).
pub fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/fhir/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture")
}

/// The hand-written expectation of a fixture for `use_` (`picture`, `plan`, `opinion`).
fn expected(name: &str, use_: &str) -> Value {
    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/fhir/expected/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("expectation");
    let all: Value = serde_json::from_str(&text).expect("json");
    all["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["use"] == use_ && c.get("error").is_none())
        .cloned()
        .expect("a case for this use")
}

/// The (kind, clinical, expression) of each report entry, for comparing with an expectation.
fn entries(report: &Value) -> Vec<(String, Value, Value)> {
    let mut entries: Vec<(String, Value, Value)> = report["entries"]
        .as_array()
        .or(report.as_array())
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().expect("kind").to_string(),
                e["clinical"].clone(),
                e.get("expression").cloned().unwrap_or(Value::Null),
            )
        })
        .collect();
    entries.sort_by_key(|(kind, _, expression)| (kind.clone(), expression.to_string()));
    entries
}

#[tokio::test]
async fn the_stateless_route_answers_the_picture_and_its_report_and_stores_nothing() {
    let app = spawn_app().await;
    let before = app.scalar("SELECT count(*) AS n FROM audit_events").await;
    let reply = picture(
        &app,
        &app.coordinator(),
        FHIR,
        fixture("hand/odd-codes.json"),
    )
    .await;
    let body = reply.ok(200);
    let case = expected("odd-codes.json", "picture");
    assert_eq!(
        body["picture"]["plan"]["systemic_therapy"][0]["drugs"],
        case["picture"]["plan"]["systemic_therapy"][0]["drugs"]
    );
    assert_eq!(
        body["picture"]["diagnosis"]["biomarkers"][0]["name"],
        case["picture"]["diagnosis"]["biomarkers"][0]["name"]
    );
    assert_eq!(entries(&body["report"]), entries(&case["report"]));
    // Nothing was stored: no audit row, no case.
    assert_eq!(
        app.scalar("SELECT count(*) AS n FROM audit_events").await,
        before
    );
    // One resource is accepted as well as a Bundle, and plain JSON too.
    let single = picture(
        &app,
        &app.clinician(),
        "application/json",
        fixture("mcode/Condition-primary-cancer-condition-breast.json"),
    )
    .await
    .ok(200);
    assert!(single["picture"]["diagnosis"].is_object(), "{single}");
}

#[tokio::test]
async fn fhir_errors_are_an_operation_outcome_for_fhir_clients_and_problems_for_others() {
    let app = spawn_app().await;
    let two = fixture("hand/two-patients.json");
    let outcome = picture(&app, &app.coordinator(), FHIR, two.clone()).await;
    assert_eq!(outcome.status.as_u16(), 422, "{}", outcome.text());
    assert!(outcome.content_type().starts_with(FHIR));
    let body = outcome.json();
    assert_eq!(body["resourceType"], "OperationOutcome");
    assert_eq!(body["issue"][0]["severity"], "error");
    assert_eq!(
        body["issue"][0]["details"]["coding"][0]["code"],
        "fhir-patient-mismatch"
    );
    assert_eq!(
        body["issue"][0]["expression"][0],
        "Bundle.entry[1].resource"
    );
    assert!(
        body["issue"][0]["diagnostics"]
            .as_str()
            .is_some_and(|d| d.starts_with("request_id ")),
        "{body}"
    );
    // The same body as plain JSON: problem+json.
    picture(&app, &app.coordinator(), "application/json", two)
        .await
        .problem(422, "fhir-patient-mismatch");
    // Not JSON at all: 400; not R4: 415; not staff: 403, as an OperationOutcome.
    let not_json = picture(&app, &app.coordinator(), FHIR, b"<Bundle/>".to_vec()).await;
    assert_eq!(not_json.status.as_u16(), 400);
    assert_eq!(
        not_json.json()["issue"][0]["details"]["coding"][0]["code"],
        "fhir-not-json"
    );
    let r5 = picture(
        &app,
        &app.coordinator(),
        "application/fhir+json; fhirVersion=5.0",
        fixture("hand/odd-codes.json"),
    )
    .await;
    assert_eq!(r5.status.as_u16(), 415, "{}", r5.text());
    assert_eq!(r5.json()["resourceType"], "OperationOutcome");
    let patient = picture(
        &app,
        &app.token(concord::auth::Role::Patient, "patient-x"),
        FHIR,
        fixture("hand/odd-codes.json"),
    )
    .await;
    assert_eq!(patient.status.as_u16(), 403, "{}", patient.text());
    assert_eq!(patient.json()["issue"][0]["code"], "forbidden");
}

/// `POST /v1/fhir/picture` with `body` as `content_type`.
async fn picture(app: &TestApp, auth: &Auth, content_type: &str, body: Vec<u8>) -> Reply {
    app.raw(Method::POST, "/v1/fhir/picture", auth, content_type, body)
        .await
}

fn plan_path(case_id: uuid::Uuid) -> String {
    format!("/v1/cases/{case_id}/plan")
}

#[tokio::test]
async fn a_plan_sent_as_a_bundle_is_recorded_like_json_with_its_report_and_holds_its_assessments() {
    let app = spawn_app().await;
    let s = app.setup().await;
    let bundle = fixture("hand/history-not-plan.json");
    let case = expected("history-not-plan.json", "plan");
    let first = app
        .raw(
            Method::PUT,
            &plan_path(s.case_id),
            &app.coordinator(),
            FHIR,
            bundle.clone(),
        )
        .await;
    let body = first.ok(201);
    let etag = first.header("etag").expect("etag");
    assert_eq!(body["version"], 1);
    assert_eq!(body["picture"]["plan"], case["picture"]["plan"], "{body}");
    assert_eq!(
        body["picture"]["diagnosis"]["primary_site"],
        case["picture"]["diagnosis"]["primary_site"]
    );
    assert_eq!(entries(&body["report"]), entries(&case["report"]));
    // Stored with the version: the read answers the same report.
    let read = app.get(&plan_path(s.case_id), &app.coordinator()).await;
    assert_eq!(read.header("etag"), Some(etag));
    let read = read.ok(200);
    assert_eq!(read["report"], body["report"]);
    // The same Bundle again is the same picture: no new version.
    let again = app
        .raw(
            Method::PUT,
            &plan_path(s.case_id),
            &app.coordinator(),
            FHIR,
            bundle.clone(),
        )
        .await
        .ok(200);
    assert_eq!(again["version"], 1);
    // An opinion identical to the plan confirms it, and is still held: the import lost a
    // clinical element (a stale "active" order), so a clinician sees it first.
    let referral = app.refer(s.case_id, s.partner_id).await;
    app.submit_opinion(
        referral,
        &s.partner_key,
        &serde_json::json!({"reviewer": {"name": "Dr. X"}, "picture": body["picture"]}),
    )
    .await
    .ok(201);
    let id = app.newest_assessment(s.case_id).await;
    let a = app
        .get(&format!("/v1/assessments/{id}"), &app.clinician())
        .await
        .ok(200);
    assert_eq!(a["needs_clinician_review"], true, "{a}");
    assert_eq!(
        a["clinician_review_reasons"],
        serde_json::json!(["review_reasons"])
    );
    assert_eq!(a["released"], false);
    assert!(a.to_string().contains("fhir_import_incomplete"), "{a}");
    let codes: Vec<&str> = a["computed"]["review_items"]
        .as_array()
        .expect("review items")
        .iter()
        .filter_map(|i| i["code"].as_str())
        .collect();
    assert!(codes.contains(&"fhir_import_incomplete"), "{a}");
    // A JSON plan after it carries no report, and the reassessment is not held for the import.
    let mut picture = body["picture"].clone();
    picture["plan"]["systemic_therapy"][0]["drugs"] = serde_json::json!(["anastrozole"]);
    let json_plan = app.record_plan(s.case_id, &picture).await.ok(200);
    assert_eq!(json_plan["version"], 2);
    assert!(json_plan.get("report").is_none(), "{json_plan}");
    let id = app.newest_assessment(s.case_id).await;
    let a = app
        .get(&format!("/v1/assessments/{id}"), &app.clinician())
        .await
        .ok(200);
    assert_eq!(a["plan_version"], 2, "{a}");
    assert!(!a.to_string().contains("fhir_import_incomplete"), "{a}");
}

#[tokio::test]
async fn a_fhir_plan_is_refused_with_an_operation_outcome_when_it_cannot_be_this_patients_plan() {
    let app = spawn_app().await;
    let s = app.setup().await;
    let put = |auth: Auth, content_type: &'static str, body: Vec<u8>| {
        let app = &app;
        async move {
            app.raw(
                Method::PUT,
                &plan_path(s.case_id),
                &auth,
                content_type,
                body,
            )
            .await
        }
    };
    // Born in 1965, the case's patient in 1968.
    let other = put(
        app.coordinator(),
        FHIR,
        fixture("mcode/Bundle-mcode-patient-bundle-jenny-m.json"),
    )
    .await;
    assert_eq!(other.status.as_u16(), 422, "{}", other.text());
    assert!(other.content_type().starts_with(FHIR));
    let outcome = other.json();
    assert_eq!(
        outcome["issue"][0]["details"]["coding"][0]["code"],
        "fhir-patient-mismatch"
    );
    assert_eq!(
        outcome["issue"][0]["expression"][0],
        "Bundle.entry[0].resource.birthDate"
    );
    // A bare resource would replace the rest of the plan.
    let bare = put(
        app.coordinator(),
        FHIR,
        fixture("mcode/Condition-primary-cancer-condition-nsclc.json"),
    )
    .await;
    assert_eq!(bare.status.as_u16(), 422);
    assert_eq!(
        bare.json()["issue"][0]["details"]["coding"][0]["code"],
        "fhir-bundle-required"
    );
    // Another organisation's coordinator: the case does not exist for it.
    let stranger = app.token_for(
        concord::auth::Role::Coordinator,
        "coord-x",
        app.other_navigator().await,
    );
    let hidden = put(stranger, FHIR, fixture("hand/history-not-plan.json")).await;
    assert_eq!(hidden.status.as_u16(), 404, "{}", hidden.text());
    assert_eq!(hidden.json()["issue"][0]["code"], "not-found");
    // Nothing was recorded.
    app.get(&plan_path(s.case_id), &app.coordinator())
        .await
        .problem(404, "not-found");
    // A stale If-Match after a version exists: 412, an OperationOutcome too.
    app.raw(
        Method::PUT,
        &plan_path(s.case_id),
        &app.coordinator(),
        FHIR,
        fixture("hand/history-not-plan.json"),
    )
    .await
    .ok(201);
    let stale = app
        .request(Method::PUT, &plan_path(s.case_id), &app.coordinator())
        .header("content-type", FHIR)
        .header("if-match", "\"plan-7\"")
        .body(fixture("hand/history-not-plan.json"));
    let stale = Reply::read(stale).await;
    assert_eq!(stale.status.as_u16(), 412, "{}", stale.text());
    assert_eq!(stale.json()["issue"][0]["code"], "conflict");
    // The JSON route still answers problem+json.
    app.put(
        &plan_path(s.case_id),
        &app.coordinator(),
        &serde_json::json!({"plan": 3}),
    )
    .await
    .invalid_fields();
}

#[tokio::test]
async fn a_fhir_client_preferring_fhir_gets_the_report_as_an_operation_outcome() {
    let app = spawn_app().await;
    let s = app.setup().await;
    let reply = Reply::read(
        app.request(Method::PUT, &plan_path(s.case_id), &app.coordinator())
            .header("content-type", FHIR)
            .header("accept", FHIR)
            .body(fixture("hand/history-not-plan.json")),
    )
    .await;
    assert_eq!(reply.status.as_u16(), 201, "{}", reply.text());
    assert!(reply.content_type().starts_with(FHIR));
    assert!(reply.header("etag").is_some());
    let outcome = reply.json();
    assert_eq!(outcome["resourceType"], "OperationOutcome");
    let severities: Vec<&str> = outcome["issue"]
        .as_array()
        .expect("issues")
        .iter()
        .map(|i| i["severity"].as_str().expect("severity"))
        .collect();
    assert!(severities.contains(&"warning"), "{outcome}");
    assert!(
        severities
            .iter()
            .all(|s| *s == "warning" || *s == "information")
    );
}

/// The amended fixture as its first version: final, replacing nothing, `-v1`.
fn first_version() -> Vec<u8> {
    let mut doc: Value =
        serde_json::from_slice(&fixture("hand/amended-document.json")).expect("json");
    doc["identifier"]["value"] = "SO-2026-0042-v1".into();
    let composition = &mut doc["entry"][0]["resource"];
    composition["status"] = "final".into();
    composition
        .as_object_mut()
        .expect("composition")
        .remove("relatesTo");
    serde_json::to_vec(&doc).expect("json")
}

#[tokio::test]
async fn a_partner_document_is_ingested_through_its_key_assessed_like_json_amended_and_withdrawn() {
    let app = spawn_app().await;
    let s = app.setup().await;
    app.record_plan(s.case_id, &example_picture()).await.ok(201);
    let referral = app.refer(s.case_id, s.partner_id).await;
    let path = format!("/v1/referrals/{referral}/second-opinions");
    let send = |body: Vec<u8>, key: Option<&'static str>| {
        let mut request = app
            .request(Method::POST, &path, &s.partner_key)
            .header("content-type", FHIR)
            .body(body);
        if let Some(key) = key {
            request = request.header("idempotency-key", key);
        }
        Reply::read(request)
    };
    let first = send(first_version(), Some("doc-v1")).await;
    let receipt = first.ok(201);
    assert_eq!(receipt["status"], "received");
    assert!(receipt["report"]["entries"].is_array(), "{receipt}");
    // The same key and body: the first answer, replayed.
    let replay = send(first_version(), Some("doc-v1")).await;
    assert_eq!(
        replay.header("idempotent-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(replay.ok(201)["id"], receipt["id"]);
    // The same document without a key: the same opinion (same external_id, same body).
    assert_eq!(
        send(first_version(), None).await.ok(200)["id"],
        receipt["id"]
    );

    // Read back as staff see it: the document's reviewer, narrative, picture and external id.
    let opinion = app
        .get(
            &format!("/v1/second-opinions/{}", receipt["id"].as_str().unwrap()),
            &app.coordinator(),
        )
        .await
        .ok(200);
    let case = expected("amended-document.json", "opinion");
    assert_eq!(
        opinion["reviewer"]["name"],
        case["document"]["reviewer"]["name"]
    );
    assert_eq!(
        opinion["reviewer"]["institution"],
        case["document"]["reviewer"]["institution"]
    );
    assert_eq!(
        opinion["external_id"],
        "https://tmc.example.in/fhir/documents|SO-2026-0042-v1"
    );
    assert_eq!(opinion["narrative"], case["document"]["narrative"]);
    assert_eq!(
        opinion["picture"]["plan"], case["picture"]["plan"],
        "{opinion}"
    );
    // Assessed like a JSON opinion with the same picture.
    let assessed = &opinion["current_assessment"];
    let classified = app
        .post(
            "/v1/discordance/classify",
            &app.coordinator(),
            &serde_json::json!({"current": example_picture(), "opinion": opinion["picture"]}),
        )
        .await
        .ok(200);
    assert_eq!(assessed["outcome"], classified["outcome"], "{assessed}");
    assert_eq!(assessed["primary_scenario"], classified["primary_scenario"]);
    // The raw document is kept verbatim, sealed under the patient's erasure key, and read
    // back by a clinician (or an admin) only.
    let submission = format!(
        "/v1/second-opinions/{}/submission",
        receipt["id"].as_str().unwrap()
    );
    let raw = app.get(&submission, &app.clinician()).await;
    assert!(
        raw.content_type().starts_with(FHIR),
        "{}",
        raw.content_type()
    );
    assert_eq!(
        raw.ok(200),
        serde_json::from_slice::<Value>(&first_version()).unwrap()
    );
    app.get(&submission, &app.coordinator())
        .await
        .problem(403, "forbidden");
    app.get(&submission, &s.partner_key)
        .await
        .problem(403, "forbidden");
    let plain_rows = app
        .scalar(&format!(
            "SELECT count(*) AS n FROM second_opinions WHERE id = '{}' AND (NOT raw_sealed OR position('SO-2026-0042'::bytea in raw_body) > 0)",
            receipt["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(plain_rows, 0, "the stored document is sealed");

    // The amended version supersedes the first.
    let amended = send(fixture("hand/amended-document.json"), None)
        .await
        .ok(201);
    assert_ne!(amended["id"], receipt["id"]);
    let ops = app.second_opinions(s.case_id).await;
    let status_of = |id: &Value| {
        items(&ops)
            .iter()
            .find(|o| o["id"] == *id)
            .map(|o| o["status"].clone())
            .expect("listed")
    };
    assert_eq!(status_of(&receipt["id"]), "superseded");
    assert_eq!(status_of(&amended["id"]), "received");
    let newest = items(&ops)
        .iter()
        .find(|o| o["id"] == amended["id"])
        .expect("amended");
    assert_eq!(newest["supersedes"], receipt["id"]);
    let amended_assessment = newest["current_assessment"]["id"].clone();
    let opened = app.case_tasks(s.case_id, "status=open").await;
    assert!(
        items(&opened)
            .iter()
            .any(|t| t["assessment_id"] == amended_assessment),
        "the amended opinion's result opened work: {opened}"
    );

    // Entered in error: the opinion under that Composition.identifier is withdrawn.
    let withdrawn = send(fixture("hand/entered-in-error-document.json"), None).await;
    let withdrawn = withdrawn.ok(200);
    assert_eq!(withdrawn["id"], amended["id"]);
    assert_eq!(withdrawn["status"], "withdrawn");
    let ops = app.second_opinions(s.case_id).await;
    assert!(
        items(&ops)
            .iter()
            .any(|o| o["id"] == amended["id"] && o["status"] == "withdrawn"),
        "{ops}"
    );
    // The withdrawal itself is kept, sealed, once however often it is sent; a CRM hears of it.
    let again = send(fixture("hand/entered-in-error-document.json"), None).await;
    assert_eq!(again.ok(200)["status"], "withdrawn");
    assert_eq!(
        app.scalar("SELECT count(*) AS n FROM opinion_withdrawals WHERE raw_sealed")
            .await,
        1
    );
    let sent = fixture("hand/entered-in-error-document.json");
    let kept_verbatim = app
        .scalar(&format!(
            "SELECT count(*) AS n FROM opinion_withdrawals WHERE raw_body = '\\x{}'::bytea",
            hex::encode(&sent)
        ))
        .await;
    assert_eq!(kept_verbatim, 0, "stored sealed, not in the clear");
    let feed = app
        .feed_when("/v1/events?limit=200", &app.admin(), |page| {
            items(page)
                .iter()
                .any(|e| e["type"] == "second_opinion.withdrawn")
        })
        .await;
    let withdrawals: Vec<&Value> = items(&feed)
        .iter()
        .filter(|e| e["type"] == "second_opinion.withdrawn")
        .collect();
    assert_eq!(withdrawals.len(), 1, "{feed}");
    assert_eq!(withdrawals[0]["data"]["second_opinion_id"], amended["id"]);
    // The work its result opened is cancelled.
    let open = app.case_tasks(s.case_id, "status=open").await;
    assert!(
        !items(&open)
            .iter()
            .any(|t| t["assessment_id"] == amended_assessment),
        "{open}"
    );
    // Erasing the patient destroys the key: nothing sealed under it can be read again.
    assert_eq!(
        app.scalar("SELECT count(*) AS n FROM patient_keys").await,
        1
    );
    app.delete(&format!("/v1/patients/{}", s.patient_id), &app.admin())
        .await
        .ok(204);
    assert_eq!(
        app.scalar("SELECT count(*) AS n FROM patient_keys").await,
        0
    );
}

#[tokio::test]
async fn partner_documents_that_are_not_opinions_of_this_referral_are_refused() {
    let app = spawn_app().await;
    let s = app.setup().await;
    let referral = app.refer(s.case_id, s.partner_id).await;
    let path = format!("/v1/referrals/{referral}/second-opinions");
    // Nothing to withdraw: the error itself, as an OperationOutcome.
    let nothing = app
        .raw(
            Method::POST,
            &path,
            &s.partner_key,
            FHIR,
            fixture("hand/entered-in-error-document.json"),
        )
        .await;
    assert_eq!(nothing.status.as_u16(), 422, "{}", nothing.text());
    assert_eq!(
        nothing.json()["issue"][0]["details"]["coding"][0]["code"],
        "fhir-document-entered-in-error"
    );
    // A collection is not a document.
    let collection = app
        .raw(
            Method::POST,
            &path,
            &s.partner_key,
            FHIR,
            fixture("hand/history-not-plan.json"),
        )
        .await;
    assert_eq!(collection.status.as_u16(), 422);
    assert_eq!(
        collection.json()["issue"][0]["expression"][0],
        "Bundle.type"
    );
    // Another partner's key: the referral does not exist for it.
    let (_, other_key) = app.create_partner("Other Hospital").await;
    let hidden = app
        .raw(Method::POST, &path, &other_key, FHIR, first_version())
        .await;
    assert_eq!(hidden.status.as_u16(), 404, "{}", hidden.text());
    assert_eq!(
        app.second_opinions(s.case_id).await["items"],
        serde_json::json!([])
    );
}

#[tokio::test]
async fn a_plan_is_exported_as_a_stable_fhir_bundle_and_json_stays_the_default() {
    let app = spawn_app().await;
    let s = app.setup().await;
    app.record_plan(s.case_id, &example_picture()).await.ok(201);
    let fhir_get = |path: String| {
        Reply::read(
            app.request(Method::GET, &path, &app.coordinator())
                .header("accept", FHIR),
        )
    };
    let current = fhir_get(plan_path(s.case_id)).await;
    assert_eq!(current.status.as_u16(), 200, "{}", current.text());
    assert!(
        current.content_type().starts_with(FHIR),
        "{}",
        current.content_type()
    );
    assert!(
        current
            .header("vary")
            .is_some_and(|v| v.split(", ").any(|h| h == "Accept"))
    );
    assert!(current.header("etag").is_some());
    let bundle = current.json();
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "collection");
    let types: Vec<&str> = bundle["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["resource"]["resourceType"].as_str().expect("type"))
        .collect();
    for wanted in ["Patient", "CarePlan", "Provenance"] {
        assert!(types.contains(&wanted), "{wanted} in {types:?}");
    }
    // The same version read again, by number: the same Bundle, ids included.
    let again = fhir_get(format!("{}/versions/1", plan_path(s.case_id)))
        .await
        .ok(200);
    assert_eq!(again, bundle);
    // Read back through the importer: the plan survives.
    let back = picture(
        &app,
        &app.coordinator(),
        FHIR,
        serde_json::to_vec(&bundle).unwrap(),
    )
    .await
    .ok(200);
    assert_eq!(
        back["picture"]["diagnosis"]["primary_site"],
        example_picture()["diagnosis"]["primary_site"]
    );
    // JSON by default, still varying by Accept.
    let json = app.get(&plan_path(s.case_id), &app.coordinator()).await;
    assert!(json.content_type().starts_with("application/json"));
    assert!(
        json.header("vary")
            .is_some_and(|v| v.split(", ").any(|h| h == "Accept"))
    );
    assert_eq!(json.ok(200)["version"], 1);
    // Another organisation: 404, as an OperationOutcome.
    let stranger = app.token_for(
        concord::auth::Role::Coordinator,
        "coord-x",
        app.other_navigator().await,
    );
    let hidden = Reply::read(
        app.request(Method::GET, &plan_path(s.case_id), &stranger)
            .header("accept", FHIR),
    )
    .await;
    assert_eq!(hidden.status.as_u16(), 404);
    assert_eq!(hidden.json()["resourceType"], "OperationOutcome");
}

#[tokio::test]
async fn fhir_bodies_are_read_up_to_five_mebibytes_and_two_thousand_entries() {
    let app = spawn_app().await;
    let mut bundle: Value = serde_json::from_slice(&fixture("hand/odd-codes.json")).expect("json");
    // Above the 1 MiB JSON limit, below the FHIR one: read.
    bundle["meta"] = serde_json::json!({"tag": [{"display": "x".repeat(2 << 20)}]});
    picture(
        &app,
        &app.coordinator(),
        FHIR,
        serde_json::to_vec(&bundle).unwrap(),
    )
    .await
    .ok(200);
    // Above 5 MiB: 413.
    bundle["meta"] = serde_json::json!({"tag": [{"display": "x".repeat(6 << 20)}]});
    let large = picture(
        &app,
        &app.coordinator(),
        FHIR,
        serde_json::to_vec(&bundle).unwrap(),
    )
    .await;
    assert_eq!(large.status.as_u16(), 413);
    assert_eq!(large.json()["resourceType"], "OperationOutcome");
    // 2,001 entries: 413 naming the cap.
    let entries: Vec<Value> = (0..2001)
        .map(|i| serde_json::json!({"resource": {"resourceType": "Practitioner", "id": format!("p{i}")}}))
        .collect();
    let many =
        serde_json::json!({"resourceType": "Bundle", "type": "collection", "entry": entries});
    picture(
        &app,
        &app.coordinator(),
        "application/json",
        serde_json::to_vec(&many).unwrap(),
    )
    .await
    .problem(413, "fhir-too-many-entries");
}

#[tokio::test]
async fn an_opinion_is_exported_as_a_proposal_and_a_partner_never_sees_the_patient_id() {
    let app = spawn_app().await;
    let s = app.setup().await;
    app.record_plan(s.case_id, &example_picture()).await.ok(201);
    let referral = app.refer(s.case_id, s.partner_id).await;
    let receipt = app
        .submit_opinion(
            referral,
            &s.partner_key,
            &serde_json::json!({"reviewer": {"name": "Dr. S. Banerjee", "institution": "Tata Memorial Centre"}, "picture": capox()}),
        )
        .await
        .ok(201);
    let path = format!("/v1/second-opinions/{}", receipt["id"].as_str().unwrap());
    let read = |auth: Auth| {
        let path = path.clone();
        let app = &app;
        async move {
            Reply::read(
                app.request(Method::GET, &path, &auth)
                    .header("accept", FHIR),
            )
            .await
        }
    };
    let staff = read(app.coordinator()).await;
    assert!(staff.content_type().starts_with(FHIR));
    let bundle = staff.json();
    let care_plan = bundle["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| &e["resource"])
        .find(|r| r["resourceType"] == "CarePlan")
        .expect("a CarePlan");
    assert_eq!(care_plan["intent"], "proposal");
    assert!(bundle.to_string().contains("Dr. S. Banerjee"));
    assert_eq!(read(app.coordinator()).await.json(), bundle, "stable");
    // The plan's Bundle and the opinion's share no resource id.
    let plan = Reply::read(
        app.request(Method::GET, &plan_path(s.case_id), &app.coordinator())
            .header("accept", FHIR),
    )
    .await
    .json();
    let ids = |b: &Value| -> std::collections::BTreeSet<String> {
        b["entry"]
            .as_array()
            .expect("entries")
            .iter()
            .map(|e| e["resource"]["id"].as_str().expect("id").to_string())
            .collect()
    };
    assert!(ids(&plan).is_disjoint(&ids(&bundle)));
    assert!(bundle.to_string().contains(&s.patient_id.to_string()));
    let partner = read(s.partner_key.clone()).await.ok(200);
    assert!(!partner.to_string().contains(&s.patient_id.to_string()));
    // Another partner: 404, as an OperationOutcome.
    let (_, other) = app.create_partner("Other Hospital").await;
    let hidden = read(other).await;
    assert_eq!(hidden.status.as_u16(), 404);
    assert_eq!(hidden.json()["resourceType"], "OperationOutcome");
}
