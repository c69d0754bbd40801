//! Patients, cases, plan versions, documents, the records checklist and erasure.

use concord::auth::Role;
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::*;

#[tokio::test]
async fn a_case_lives_from_intake_with_etags_status_moves_and_plan_versions() {
    let app = spawn_app().await;
    let patient = app.create_patient(None).await;
    let created = app
        .post("/v1/cases", &app.coordinator(), &json!({
            "patient_id": patient,
            "treating_oncologist": {"name": "Dr. R. Mehta", "institution": "City Cancer Hospital", "country": "IN"},
            "treatment_status": "not_started",
            "next_irreversible_step": {"kind": "surgery", "date": "2026-12-03"}
        }))
        .await;
    let case = created.ok(201);
    assert_eq!(case["status"], "intake");
    let id: Uuid = case["id"].as_str().expect("id").parse().expect("uuid");
    assert_eq!(
        created.header("location").as_deref(),
        Some(format!("/v1/cases/{id}").as_str())
    );
    let etag = created.header("etag").expect("etag");

    let read = app
        .get(&format!("/v1/cases/{id}"), &app.coordinator())
        .await;
    assert_eq!(
        read.ok(200)["next_irreversible_step"],
        json!({"kind": "surgery", "date": "2026-12-03"})
    );
    assert_eq!(read.header("etag").as_deref(), Some(etag.as_str()));

    // If-Match with the current ETag updates; the old one is then stale.
    let patched = app
        .send(
            Method::PATCH,
            &format!("/v1/cases/{id}"),
            &app.coordinator(),
            Some(&json!({"treatment_status": "in_treatment"})),
            &[("if-match", &etag)],
        )
        .await;
    assert_eq!(patched.ok(200)["treatment_status"], "in_treatment");
    let new_etag = patched.header("etag").expect("etag");
    assert_ne!(new_etag, etag);
    app.send(
        Method::PATCH,
        &format!("/v1/cases/{id}"),
        &app.coordinator(),
        Some(&json!({"cancer_summary": "x"})),
        &[("if-match", &etag)],
    )
    .await
    .problem(412, "precondition-failed");

    // Status: one step forward or closed; anything else is 409 naming the allowed ones.
    let moved = app
        .post(
            &format!("/v1/cases/{id}/status"),
            &app.coordinator(),
            &json!({"status": "records_collecting"}),
        )
        .await;
    assert_eq!(moved.ok(200)["status"], "records_collecting");
    let refused = app
        .post(
            &format!("/v1/cases/{id}/status"),
            &app.coordinator(),
            &json!({"status": "summary_ready"}),
        )
        .await;
    let problem = refused.problem(409, "invalid-transition");
    assert_eq!(problem["allowed"], json!(["referred", "closed"]));

    // Plan: 201 first, 200 unchanged for the same picture, 200 with version 2 for another.
    let first = app.record_plan(id, &example_picture()).await;
    assert_eq!(first.ok(201)["version"], 1);
    let plan_etag = first.header("etag").expect("plan etag");
    let again = app.record_plan(id, &example_picture()).await;
    assert_eq!(again.ok(200)["version"], 1);
    let second_picture = capox();
    let stale = app
        .send(
            Method::PUT,
            &format!("/v1/cases/{id}/plan"),
            &app.coordinator(),
            Some(&second_picture),
            &[("if-match", "\"plan-7\"")],
        )
        .await;
    stale.problem(412, "precondition-failed");
    let second = app
        .send(
            Method::PUT,
            &format!("/v1/cases/{id}/plan"),
            &app.coordinator(),
            Some(&second_picture),
            &[("if-match", &plan_etag)],
        )
        .await;
    assert_eq!(second.ok(200)["version"], 2);

    let versions = app
        .get(&format!("/v1/cases/{id}/plan/versions"), &app.coordinator())
        .await
        .ok(200);
    let numbers: Vec<i64> = items(&versions)
        .iter()
        .map(|v| v["version"].as_i64().expect("n"))
        .collect();
    assert_eq!(numbers, vec![2, 1]);
    let v1 = app
        .get(
            &format!("/v1/cases/{id}/plan/versions/1"),
            &app.coordinator(),
        )
        .await
        .ok(200);
    assert_eq!(
        v1["picture"]["plan"]["systemic_therapy"],
        json!([{"regimen": "FOLFOX"}])
    );
    let current = app
        .get(&format!("/v1/cases/{id}/plan"), &app.coordinator())
        .await
        .ok(200);
    assert_eq!(current["version"], 2);
    app.get(
        &format!("/v1/cases/{id}/plan/versions/3"),
        &app.coordinator(),
    )
    .await
    .problem(404, "not-found");

    // Old versions never change, even for the database's own role.
    let mut conn = app.sql().await;
    let changed = diesel_async::RunQueryDsl::execute(
        diesel::sql_query("UPDATE plan_versions SET created_by = 'x'"),
        &mut conn,
    )
    .await;
    assert!(changed.is_err(), "plan versions were changed in place");
}

#[tokio::test]
async fn plan_version_pages_follow_their_cursor() {
    let app = spawn_app().await;
    let s = app.setup().await;
    for regimen in ["FOLFOX", "CAPOX", "FOLFIRI"] {
        let mut picture = example_picture();
        picture["plan"]["systemic_therapy"] = json!([{"regimen": regimen}]);
        app.record_plan(s.case_id, &picture).await;
    }
    let first = app
        .get(
            &format!("/v1/cases/{}/plan/versions?limit=2", s.case_id),
            &app.coordinator(),
        )
        .await
        .ok(200);
    assert_eq!(items(&first).len(), 2);
    let cursor = first["next_cursor"].as_str().expect("cursor");
    let second = app
        .get(
            &format!(
                "/v1/cases/{}/plan/versions?limit=2&cursor={cursor}",
                s.case_id
            ),
            &app.coordinator(),
        )
        .await
        .ok(200);
    assert_eq!(second["items"][0]["version"], 1);
    assert!(second["next_cursor"].is_null());
    app.get(
        &format!("/v1/cases/{}/plan/versions?limit=500", s.case_id),
        &app.coordinator(),
    )
    .await
    .problem(400, "validation-error");
    app.get(
        &format!("/v1/cases/{}/plan/versions?cursor=garbage", s.case_id),
        &app.coordinator(),
    )
    .await
    .problem(400, "validation-error");
}

#[tokio::test]
async fn invalid_patients_and_cases_name_every_bad_field() {
    let app = spawn_app().await;
    let fields = app
        .post("/v1/patients", &app.coordinator(), &json!({"display_name": " ", "birth_year": 1700, "preferred_language": "English", "country": "India", "id": "x"}))
        .await
        .invalid_fields();
    assert_names_all(
        &fields,
        &[
            "display_name",
            "birth_year",
            "preferred_language",
            "country",
            "id",
        ],
    );
    let fields = app
        .post(
            "/v1/cases",
            &app.coordinator(),
            &json!({"patient_id": "not-a-uuid", "status": "closed", "treatment_status": "maybe",
            "next_irreversible_step": {"kind": "party", "date": "2026-13-01"}}),
        )
        .await
        .invalid_fields();
    assert_names_all(
        &fields,
        &[
            "patient_id",
            "status",
            "treatment_status",
            "next_irreversible_step.kind",
            "next_irreversible_step.date",
        ],
    );
    let unknown_patient = app
        .post(
            "/v1/cases",
            &app.coordinator(),
            &json!({"patient_id": Uuid::now_v7()}),
        )
        .await
        .unprocessable_fields();
    assert_eq!(unknown_patient, vec!["patient_id"]);
    let plan_fields = app
        .record_plan(
            Uuid::now_v7(),
            &json!({"diagnosis": {"histology": "81"}, "plan": {"radiotherapy": {"fractions": 0}}}),
        )
        .await
        .invalid_fields();
    assert_eq!(
        plan_fields,
        vec!["diagnosis.histology", "plan.radiotherapy.fractions"]
    );
}

#[tokio::test]
async fn another_organisations_case_is_404_never_403() {
    let app = spawn_app().await;
    let s = app.setup().await;
    let other_org = app.other_navigator().await;
    let outsider = app.token_for(Role::Coordinator, "coord-x", other_org);
    for path in [
        format!("/v1/cases/{}", s.case_id),
        format!("/v1/cases/{}/plan", s.case_id),
        format!("/v1/cases/{}/documents", s.case_id),
        format!("/v1/patients/{}", s.patient_id),
    ] {
        app.get(&path, &outsider).await.problem(404, "not-found");
    }
    app.put(
        &format!("/v1/cases/{}/plan", s.case_id),
        &outsider,
        &example_picture(),
    )
    .await
    .problem(404, "not-found");
    let listed = app.get("/v1/cases", &outsider).await.ok(200);
    assert_eq!(listed["items"], json!([]));
}

#[tokio::test]
async fn creates_replay_with_the_same_key_and_refuse_another_body() {
    let app = spawn_app().await;
    let key = Uuid::now_v7().to_string();
    let body = json!({"display_name": "Ravi S.", "birth_year": 1970});
    let first = app
        .send(
            Method::POST,
            "/v1/patients",
            &app.coordinator(),
            Some(&body),
            &[("idempotency-key", &key)],
        )
        .await;
    let id = first.ok(201)["id"].clone();
    let replay = app
        .send(
            Method::POST,
            "/v1/patients",
            &app.coordinator(),
            Some(&json!({"birth_year": 1970, "display_name": "Ravi S."})),
            &[("idempotency-key", &key)],
        )
        .await;
    assert_eq!(replay.ok(201)["id"], id);
    assert_eq!(
        replay.header("idempotent-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(replay.header("location"), first.header("location"));
    let other = app
        .send(
            Method::POST,
            "/v1/patients",
            &app.coordinator(),
            Some(&json!({"display_name": "Someone Else"})),
            &[("idempotency-key", &key)],
        )
        .await;
    other.problem(422, "idempotency-key-reused");
    let listed = app.get("/v1/patients", &app.coordinator()).await.ok(200);
    assert_eq!(items(&listed).len(), 1);
}

#[tokio::test]
async fn two_writers_with_one_etag_exactly_one_wins() {
    let app = spawn_app().await;
    let s = app.setup().await;
    let etag = app
        .get(&format!("/v1/cases/{}", s.case_id), &app.coordinator())
        .await
        .header("etag")
        .expect("etag");
    let path = format!("/v1/cases/{}", s.case_id);
    let (who_a, who_b) = (app.coordinator(), app.clinician());
    let (body_a, body_b) = (
        json!({"cancer_summary": "writer A"}),
        json!({"cancer_summary": "writer B"}),
    );
    let header = [("if-match", etag.as_str())];
    let (a, b) = tokio::join!(
        app.send(Method::PATCH, &path, &who_a, Some(&body_a), &header),
        app.send(Method::PATCH, &path, &who_b, Some(&body_b), &header),
    );
    let mut statuses = vec![a.status.as_u16(), b.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, vec![200, 412], "A: {} B: {}", a.text(), b.text());
    let winner = if a.status == 200 {
        "writer A"
    } else {
        "writer B"
    };
    assert_eq!(
        app.get(&path, &app.coordinator()).await.ok(200)["cancer_summary"],
        winner
    );
}

#[tokio::test]
async fn documents_round_trip_ten_megabytes_byte_for_byte_and_dedupe() {
    let app = spawn_app().await;
    let s = app.setup().await;
    let bytes: Vec<u8> = (0..10 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let metadata =
        "kind=pathology_report&title=Biopsy%20report&date=2026-11-01&source_institution=City%20Lab";
    let uploaded = app
        .upload_document(s.case_id, metadata, "application/pdf", bytes.clone())
        .await;
    let doc = uploaded.ok(201);
    assert_eq!(doc["size_bytes"], bytes.len());
    assert_eq!(doc["kind"], "pathology_report");
    let id = doc["id"].as_str().expect("id");
    let again = app
        .upload_document(s.case_id, metadata, "application/pdf", bytes.clone())
        .await;
    assert_eq!(
        again.ok(200)["id"],
        id,
        "the same bytes twice are one document"
    );

    let download = app
        .get(&format!("/v1/documents/{id}/content"), &app.coordinator())
        .await;
    assert_eq!(download.status, 200);
    assert_eq!(download.content_type(), "application/pdf");
    assert!(
        download
            .header("content-disposition")
            .is_some_and(|d| d.starts_with("attachment"))
    );
    assert_eq!(
        download.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert!(
        download.bytes == bytes,
        "downloaded bytes differ from the upload"
    );
    let listed = app.case_documents(s.case_id).await;
    assert_eq!(items(&listed).len(), 1);
}

#[tokio::test]
async fn uploads_over_the_limit_are_413_and_bad_digests_422() {
    let app = spawn_app_with(&[("UPLOAD_LIMIT_BYTES", "4096")]).await;
    let s = app.setup().await;
    let query = "kind=imaging_report";
    app.upload_document(s.case_id, query, "application/pdf", vec![7u8; 200_000])
        .await
        .problem(413, "payload-too-large");
    let path = format!("/v1/cases/{}/documents?{query}", s.case_id);
    let mismatched = app
        .request(Method::POST, &path, &app.coordinator())
        .header("content-type", "text/plain")
        .header("content-digest", "sha-256=:AAAA:")
        .body("hello");
    let reply = Reply::read(mismatched).await;
    assert_eq!(reply.status, 422, "a digest that does not match the body");
    let empty = app
        .upload_document(s.case_id, "", "text/plain", Vec::new())
        .await;
    assert_eq!(empty.invalid_fields(), vec!["file"]);
    let listed = app.case_documents(s.case_id).await;
    assert_eq!(
        listed["items"],
        json!([]),
        "a refused upload stores nothing"
    );
}

#[tokio::test]
async fn multipart_uploads_carry_metadata_as_fields() {
    let app = spawn_app().await;
    let s = app.setup().await;
    let form = reqwest::multipart::Form::new()
        .text("kind", "biomarker_report")
        .text("title", "NGS panel")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"%PDF-1.7 panel".to_vec())
                .file_name("ngs.pdf")
                .mime_str("application/pdf")
                .expect("mime"),
        );
    let documents = format!("/v1/cases/{}/documents", s.case_id);
    let doc = app
        .send_multipart(&documents, &app.coordinator(), form)
        .await
        .ok(201);
    assert_eq!(doc["title"], "NGS panel");
    assert_eq!(doc["content_type"], "application/pdf");

    // A NUL is refused by name, and nothing is stored.
    let form = reqwest::multipart::Form::new()
        .text("kind", "other")
        .text("title", "scan\u{0}")
        .part("file", reqwest::multipart::Part::bytes(b"x".to_vec()));
    let refused = app
        .send_multipart(&documents, &app.coordinator(), form)
        .await;
    assert_eq!(refused.invalid_fields(), vec!["title"]);
    let listed = app.case_documents(s.case_id).await;
    assert_eq!(items(&listed).len(), 1);
}

#[tokio::test]
async fn the_records_checklist_follows_the_plan_and_the_files() {
    let app = spawn_app().await;
    let s = app.setup().await;
    let picture = json!({"diagnosis": {"primary_site": "C34.1", "histology": "8140/3"}, "plan": {"systemic_therapy": [{"drugs": ["osimertinib"]}]}});
    app.record_plan(s.case_id, &picture).await.ok(201);
    let list = app
        .get(
            &format!("/v1/cases/{}/records-checklist", s.case_id),
            &app.coordinator(),
        )
        .await
        .ok(200);
    assert_eq!(
        list["missing"],
        json!(["pathology_report", "imaging_report", "biomarker_report"])
    );
    for kind in ["pathology_report", "imaging_report", "biomarker_report"] {
        app.upload_document(
            s.case_id,
            &format!("kind={kind}"),
            "text/plain",
            kind.as_bytes().to_vec(),
        )
        .await
        .ok(201);
    }
    let list = app
        .get(
            &format!("/v1/cases/{}/records-checklist", s.case_id),
            &app.coordinator(),
        )
        .await
        .ok(200);
    assert_eq!(list["complete"], true, "{list}");
}

#[tokio::test]
async fn case_lists_filter_and_page() {
    let app = spawn_app().await;
    let patient = app.create_patient(None).await;
    for _ in 0..3 {
        app.create_case(
            patient,
            &json!({"next_irreversible_step": {"kind": "surgery", "date": "2026-12-01"}}),
        )
        .await;
    }
    app.create_case(patient, &json!({})).await;
    let soon = app
        .get("/v1/cases?next_step_before=2026-12-02", &app.coordinator())
        .await
        .ok(200);
    assert_eq!(items(&soon).len(), 3);
    let page = app
        .get("/v1/cases?limit=3", &app.coordinator())
        .await
        .ok(200);
    let cursor = page["next_cursor"].as_str().expect("more");
    let rest = app
        .get(
            &format!("/v1/cases?limit=3&cursor={cursor}"),
            &app.coordinator(),
        )
        .await
        .ok(200);
    assert_eq!(items(&rest).len(), 1);
    // A cursor is bound to its filters.
    app.get(
        &format!("/v1/cases?limit=3&status=intake&cursor={cursor}"),
        &app.coordinator(),
    )
    .await
    .problem(400, "validation-error");
    let unknown = app.get("/v1/cases?colour=blue", &app.coordinator()).await;
    unknown.problem(400, "validation-error");
    assert_eq!(unknown.invalid_fields(), ["colour"]);
}

#[tokio::test]
async fn erasing_a_patient_leaves_a_tombstone_and_the_audit_trail() {
    let app = spawn_app().await;
    let s = app.setup().await;
    app.record_plan(s.case_id, &example_picture()).await.ok(201);
    app.upload_document(s.case_id, "kind=other", "text/plain", b"notes".to_vec())
        .await
        .ok(201);
    app.delete(
        &format!("/v1/patients/{}", s.patient_id),
        &app.coordinator(),
    )
    .await
    .problem(403, "forbidden");
    assert_eq!(
        app.delete(&format!("/v1/patients/{}", s.patient_id), &app.admin())
            .await
            .status,
        204
    );
    let tombstone = app
        .get(
            &format!("/v1/patients/{}", s.patient_id),
            &app.coordinator(),
        )
        .await
        .ok(200);
    assert_eq!(tombstone["erased"], true);
    assert!(tombstone["display_name"].is_null() && tombstone["birth_year"].is_null());
    app.get(&format!("/v1/cases/{}", s.case_id), &app.coordinator())
        .await
        .problem(404, "not-found");
    let blobs = app.scalar("SELECT count(*) AS n FROM document_blobs").await;
    let plans = app.scalar("SELECT count(*) AS n FROM plan_versions").await;
    let audits = app
        .scalar("SELECT count(*) AS n FROM audit_events WHERE action = 'patient.erase'")
        .await;
    assert_eq!((blobs, plans, audits), (0, 0, 1));
}

#[tokio::test]
async fn a_login_already_linked_is_a_409_and_changes_nothing() {
    let app = spawn_app().await;
    app.create_patient(Some("login-1")).await;
    let other = app.create_patient(Some("login-2")).await;
    app.post(
        "/v1/patients",
        &app.coordinator(),
        &json!({"display_name": "Twin", "login_sub": "login-1"}),
    )
    .await
    .problem(409, "conflict");
    app.patch(
        &format!("/v1/patients/{other}"),
        &app.coordinator(),
        &json!({"login_sub": "login-1"}),
    )
    .await
    .problem(409, "conflict");
    let kept = app
        .get(&format!("/v1/patients/{other}"), &app.coordinator())
        .await
        .ok(200);
    assert_eq!(kept["login_sub"], "login-2");
}

#[tokio::test]
async fn a_replayed_creation_never_shows_or_stores_a_secret_twice() {
    let app = spawn_app().await;
    let (partner_id, _) = app.create_partner("Replay Hospital").await;
    let key = Uuid::now_v7().to_string();
    let create_key = async || {
        app.send(
            Method::POST,
            &format!("/v1/organizations/{partner_id}/api-keys"),
            &app.admin(),
            Some(&json!({"name": "retried"})),
            &[("idempotency-key", &key)],
        )
        .await
    };
    let first = create_key().await.ok(201);
    let secret = first["key"].as_str().expect("the key, shown once");
    let replay = create_key().await;
    assert_eq!(
        replay.header("idempotent-replayed").as_deref(),
        Some("true")
    );
    let replayed = replay.ok(201);
    assert_eq!(replayed["id"], first["id"]);
    assert!(replayed["key"].is_null(), "a replay showed the key again");
    let stored = app
        .scalar(&format!(
            "SELECT count(*) AS n FROM idempotency_keys WHERE position('{secret}' in convert_from(response_body, 'UTF8')) > 0"
        ))
        .await;
    assert_eq!(stored, 0, "the key was stored for replay");
}
