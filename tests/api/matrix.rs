//! Every route against every kind of caller, with the exact status of each cell. A route
//! the OpenAPI document lists without a row here fails the test.

use std::collections::BTreeSet;

use concord::auth::Role;
use concord::auth::jwt::Claims;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

/// The callers, in the order of each row's statuses.
const CALLERS: [&str; 13] = [
    "patient",
    "other patient",
    "advocate granted",
    "advocate not granted",
    "coordinator",
    "coordinator of another org",
    "clinician",
    "admin",
    "partner with the referral",
    "partner without",
    "revoked key",
    "expired token",
    "no credentials",
];

/// Every object a row may name, created fresh through the API.
struct World {
    ids: Vec<(&'static str, String)>,
    auths: Vec<Auth>,
}

impl World {
    fn path(&self, template: &str) -> String {
        let mut path = template.to_string();
        for (name, value) in &self.ids {
            path = path.replace(&format!("{{{name}}}"), value);
        }
        path
    }

    fn body(&self, template: &Value) -> Value {
        let text = self.path(&template.to_string());
        serde_json::from_str(&text).expect("body")
    }
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("id").to_string()
}

fn expired_token(org: Uuid) -> Auth {
    let now = jsonwebtoken::get_current_timestamp();
    let claims = Claims {
        sub: "coord-1".into(),
        role: "coordinator".into(),
        org: Some(org.to_string()),
        exp: now - 3600,
        iat: Some(now - 7200),
        nbf: None,
        iss: None,
        aud: None,
    };
    Auth::Bearer(
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(JWT_SECRET.as_bytes()),
        )
        .expect("sign"),
    )
}

async fn world(app: &TestApp, other_org: Uuid) -> World {
    let admin = app.admin();
    let coord = app.coordinator();
    let webhook = app.post("/v1/webhooks", &admin, &json!({"url": "https://crm.example/hooks", "events": ["case.created", "task.created"]})).await.ok(201);
    let (partner, partner_key) = app.create_partner("Matrix Hospital").await;
    let (_, other_partner_key) = app.create_partner("Other Hospital").await;
    let spare_key = app.issue_api_key(partner, "spare").await;
    let revoked = app.issue_api_key(partner, "revoked").await;
    app.delete(
        &format!("/v1/organizations/{partner}/api-keys/{}", id_of(&revoked)),
        &admin,
    )
    .await
    .ok(204);
    // Logins are unique per organisation: each world has its own.
    let n = Uuid::now_v7().simple().to_string();
    let (own_login, other_login) = (format!("patient-{n}"), format!("other-{n}"));
    let patient = app.create_patient(Some(&own_login)).await;
    app.create_patient(Some(&other_login)).await;
    let case = app.create_case(patient, &json!({})).await;
    app.record_plan(case, &example_picture()).await.ok(201);
    let doc = app
        .upload_document(
            case,
            "kind=pathology_report",
            "text/plain",
            b"biopsy".to_vec(),
        )
        .await
        .ok(201);
    let member = app
        .post(
            &format!("/v1/cases/{case}/members"),
            &coord,
            &json!({"subject": "advocate-granted"}),
        )
        .await
        .ok(201);
    let referral = app.refer(case, partner).await;
    let open_referral = app.refer(case, partner).await;
    let opinion = app
        .submit_opinion(referral, &partner_key, &opinion_body(&capox()))
        .await
        .ok(201);
    let assessments = app
        .get(
            &format!("/v1/second-opinions/{}/assessments", id_of(&opinion)),
            &coord,
        )
        .await
        .ok(200);
    let assessment = id_of(&assessments["items"][0]);
    let tasks = app.case_tasks(case, "").await;
    let task = id_of(&tasks["items"][0]);
    let summary = app
        .generate_summary(&assessment, &json!({"language": "en"}))
        .await
        .ok(201);
    let link = app
        .post(
            &format!("/v1/summaries/{}/share-links", id_of(&summary)),
            &coord,
            &json!({}),
        )
        .await
        .ok(201);
    let token = share_token(&link);
    let deliveries = app
        .get(
            &format!("/v1/webhooks/{}/deliveries", id_of(&webhook)),
            &admin,
        )
        .await
        .ok(200);
    let delivery = id_of(&deliveries["items"][0]);
    let Auth::Bearer(revoked_key) = Auth::Bearer(revoked["key"].as_str().expect("key").to_string())
    else {
        unreachable!()
    };
    World {
        ids: vec![
            ("case", case.to_string()),
            ("patient", patient.to_string()),
            ("partner", partner.to_string()),
            ("key", id_of(&spare_key)),
            ("doc", id_of(&doc)),
            ("member", id_of(&member)),
            ("referral_open", open_referral.to_string()),
            ("referral", referral.to_string()),
            ("opinion", id_of(&opinion)),
            ("assessment", assessment),
            ("task", task),
            ("summary", id_of(&summary)),
            ("link", id_of(&link)),
            ("token", token),
            ("webhook", id_of(&webhook)),
            ("delivery", delivery),
        ],
        auths: vec![
            app.token(Role::Patient, &own_login),
            app.token(Role::Patient, &other_login),
            app.token(Role::Advocate, "advocate-granted"),
            app.token(Role::Advocate, "advocate-stranger"),
            coord,
            app.token_for(Role::Coordinator, "coord-x", other_org),
            app.clinician(),
            admin,
            partner_key,
            other_partner_key,
            Auth::Bearer(revoked_key),
            expired_token(app.org_id),
            Auth::None,
        ],
    }
}

/// (method, path template, body, statuses in CALLERS order).
fn rows() -> Vec<(&'static str, &'static str, Option<Value>, &'static str)> {
    let picture = example_picture();
    let opinion = json!({"reviewer": {"name": "Dr. X"}, "picture": picture});
    vec![
        (
            "GET",
            "/healthz",
            None,
            "200 200 200 200 200 200 200 200 200 200 200 200 200",
        ),
        (
            "GET",
            "/readyz",
            None,
            "200 200 200 200 200 200 200 200 200 200 200 200 200",
        ),
        (
            "GET",
            "/metrics",
            None,
            "200 200 200 200 200 200 200 200 200 200 200 200 200",
        ),
        (
            "GET",
            "/openapi.json",
            None,
            "200 200 200 200 200 200 200 200 200 200 200 200 200",
        ),
        (
            "GET",
            "/problems/{slug}",
            None,
            "200 200 200 200 200 200 200 200 200 200 200 200 200",
        ),
        (
            "GET",
            "/v1/shared/{token}",
            None,
            "200 200 200 200 200 200 200 200 200 200 200 200 200",
        ),
        (
            "POST",
            "/v1/discordance/classify",
            Some(json!({"current": picture, "opinion": picture})),
            "403 403 403 403 200 200 200 200 403 403 401 401 401",
        ),
        (
            "GET",
            "/v1/analytics/concordance",
            None,
            "403 403 403 403 200 200 200 200 403 403 401 401 401",
        ),
        (
            "POST",
            "/v1/fhir/picture",
            Some(json!({"resourceType": "Bundle", "type": "collection", "entry": []})),
            "403 403 403 403 200 200 200 200 403 403 401 401 401",
        ),
        (
            "POST",
            "/v1/summaries/preview",
            Some(json!({"current": picture, "opinion": picture})),
            "403 403 403 403 200 200 200 200 403 403 401 401 401",
        ),
        (
            "GET",
            "/v1/organizations",
            None,
            "403 403 403 403 200 200 200 200 403 403 401 401 401",
        ),
        (
            "POST",
            "/v1/organizations",
            Some(json!({"name": "New Hospital", "kind": "partner"})),
            "403 403 403 403 403 403 403 201 403 403 401 401 401",
        ),
        (
            "GET",
            "/v1/organizations/{id}",
            None,
            "403 403 403 403 200 404 200 200 403 403 401 401 401",
        ),
        (
            "PATCH",
            "/v1/organizations/{id}",
            Some(json!({"name": "Renamed"})),
            "403 403 403 403 403 403 403 200 403 403 401 401 401",
        ),
        (
            "POST",
            "/v1/organizations/{id}/api-keys",
            Some(json!({"name": "k"})),
            "403 403 403 403 403 403 403 201 403 403 401 401 401",
        ),
        (
            "GET",
            "/v1/organizations/{id}/api-keys",
            None,
            "403 403 403 403 403 403 403 200 403 403 401 401 401",
        ),
        (
            "DELETE",
            "/v1/organizations/{id}/api-keys/{key_id}",
            None,
            "403 403 403 403 403 403 403 204 403 403 401 401 401",
        ),
        (
            "POST",
            "/v1/patients",
            Some(json!({"display_name": "Ravi S."})),
            "403 403 403 403 201 201 201 403 403 403 401 401 401",
        ),
        (
            "GET",
            "/v1/patients",
            None,
            "403 403 403 403 200 200 200 200 403 403 401 401 401",
        ),
        (
            "GET",
            "/v1/patients/{id}",
            None,
            "200 404 200 404 200 404 200 200 403 403 401 401 401",
        ),
        (
            "PATCH",
            "/v1/patients/{id}",
            Some(json!({"preferred_language": "hi"})),
            "403 403 403 403 200 404 200 403 403 403 401 401 401",
        ),
        (
            "DELETE",
            "/v1/patients/{id}",
            None,
            "403 403 403 403 403 403 403 204 403 403 401 401 401",
        ),
        (
            "POST",
            "/v1/cases",
            Some(json!({"patient_id": "{patient}"})),
            "403 403 403 403 201 422 201 403 403 403 401 401 401",
        ),
        (
            "GET",
            "/v1/cases",
            None,
            "200 200 200 200 200 200 200 200 403 403 401 401 401",
        ),
        (
            "GET",
            "/v1/cases/{id}",
            None,
            "200 404 200 404 200 404 200 200 403 403 401 401 401",
        ),
        (
            "PATCH",
            "/v1/cases/{id}",
            Some(json!({"cancer_summary": "updated"})),
            "403 403 403 403 200 404 200 403 403 403 401 401 401",
        ),
        (
            "POST",
            "/v1/cases/{id}/status",
            Some(json!({"status": "closed"})),
            "403 403 403 403 200 404 200 403 403 403 401 401 401",
        ),
        (
            "PUT",
            "/v1/cases/{id}/plan",
            Some(
                json!({"plan": {"intent": "curative", "surgery": {"procedure": "hemicolectomy"}}}),
            ),
            "403 403 403 403 200 404 200 403 403 403 401 401 401",
        ),
        (
            "GET",
            "/v1/cases/{id}/plan",
            None,
            "200 404 200 404 200 404 200 200 403 403 401 401 401",
        ),
        (
            "GET",
            "/v1/cases/{id}/plan/versions",
            None,
            "200 404 200 404 200 404 200 200 403 403 401 401 401",
        ),
        (
            "GET",
            "/v1/cases/{id}/plan/versions/{n}",
            None,
            "200 404 200 404 200 404 200 200 403 403 401 401 401",
        ),
        (
            "GET",
            "/v1/cases/{id}/records-checklist",
            None,
            "200 404 200 404 200 404 200 200 403 403 401 401 401",
        ),
        (
            "GET",
            "/v1/cases/{id}/documents",
            None,
            "200 404 200 404 200 404 200 200 403 403 401 401 401",
        ),
        (
            "POST",
            "/v1/cases/{id}/documents",
            None,
            "403 403 403 403 201 404 201 403 403 403 401 401 401",
        ),
        (
            "GET",
            "/v1/documents/{id}",
            None,
            "200 404 200 404 200 404 200 200 403 403 401 401 401",
        ),
        (
            "GET",
            "/v1/documents/{id}/content",
            None,
            "200 404 200 404 200 404 200 200 403 403 401 401 401",
        ),
        (
            "GET",
            "/v1/cases/{id}/members",
            None,
            "200 404 403 403 200 404 200 200 403 403 401 401 401",
        ),
        (
            "POST",
            "/v1/cases/{id}/members",
            Some(json!({"subject": "advocate-new"})),
            "201 404 403 403 201 404 201 403 403 403 401 401 401",
        ),
        (
            "DELETE",
            "/v1/cases/{id}/members/{member_id}",
            None,
            "200 404 403 403 200 404 200 403 403 403 401 401 401",
        ),
        (
            "POST",
            "/v1/cases/{id}/referrals",
            Some(json!({"partner_id": "{partner}"})),
            "403 403 403 403 201 404 201 403 403 403 401 401 401",
        ),
        (
            "GET",
            "/v1/cases/{id}/referrals",
            None,
            "403 403 403 403 200 404 200 200 403 403 401 401 401",
        ),
        (
            "GET",
            "/v1/referrals",
            None,
            "403 403 403 403 200 200 200 200 200 200 401 401 401",
        ),
        (
            "GET",
            "/v1/referrals/{id}",
            None,
            "403 403 403 403 200 404 200 200 200 404 401 401 401",
        ),
        (
            "POST",
            "/v1/referrals/{id}/accept",
            None,
            "403 403 403 403 403 403 403 403 200 404 401 401 401",
        ),
        (
            "POST",
            "/v1/referrals/{id}/decline",
            Some(json!({"reason": "No capacity"})),
            "403 403 403 403 403 403 403 403 200 404 401 401 401",
        ),
        (
            "POST",
            "/v1/referrals/{id}/withdraw",
            None,
            "403 403 403 403 200 404 200 403 403 403 401 401 401",
        ),
        (
            "GET",
            "/v1/referrals/{id}/documents/{doc_id}",
            None,
            "403 403 403 403 403 403 403 403 200 404 401 401 401",
        ),
        (
            "POST",
            "/v1/referrals/{id}/second-opinions",
            Some(opinion.clone()),
            "403 403 403 403 403 403 403 403 201 404 401 401 401",
        ),
        (
            "POST",
            "/v1/cases/{id}/second-opinions",
            Some(opinion),
            "403 403 403 403 201 404 201 403 403 403 401 401 401",
        ),
        (
            "GET",
            "/v1/cases/{id}/second-opinions",
            None,
            "403 403 403 403 200 404 200 200 403 403 401 401 401",
        ),
        (
            "GET",
            "/v1/second-opinions/{id}",
            None,
            "403 403 403 403 200 404 200 200 200 404 401 401 401",
        ),
        (
            "GET",
            "/v1/second-opinions/{id}/submission",
            None,
            "403 403 403 403 200 404 200 200 200 404 401 401 401",
        ),
        (
            "GET",
            "/v1/second-opinions/{id}/assessments",
            None,
            "403 403 403 403 200 404 200 200 403 403 401 401 401",
        ),
        (
            "POST",
            "/v1/second-opinions/{id}/assessments",
            None,
            "403 403 403 403 201 404 201 403 403 403 401 401 401",
        ),
        (
            "GET",
            "/v1/assessments/{id}",
            None,
            "403 403 403 403 200 404 200 200 403 403 401 401 401",
        ),
        (
            "POST",
            "/v1/assessments/{id}/overrides",
            Some(
                json!({"outcome": "confirms", "primary_scenario": "confirms_plan", "reason": "equivalent"}),
            ),
            "403 403 403 403 403 403 201 403 403 403 401 401 401",
        ),
        (
            "POST",
            "/v1/assessments/{id}/sign-offs",
            Some(json!({"reason": "read the report"})),
            // The world's result refines the plan: nothing is held, so nothing to sign.
            "403 403 403 403 403 403 409 403 403 403 401 401 401",
        ),
        (
            "GET",
            "/v1/assessments",
            None,
            "403 403 403 403 200 200 200 403 403 403 401 401 401",
        ),
        (
            "POST",
            "/v1/assessments/{id}/summaries",
            Some(json!({"language": "en"})),
            "403 403 403 403 201 404 201 403 403 403 401 401 401",
        ),
        (
            "GET",
            "/v1/cases/{id}/summaries",
            None,
            "200 404 200 404 200 404 200 200 403 403 401 401 401",
        ),
        (
            "GET",
            "/v1/summaries/{id}",
            None,
            "200 404 200 404 200 404 200 200 403 403 401 401 401",
        ),
        (
            "GET",
            "/v1/summaries/{id}/pdf",
            None,
            "200 404 200 404 200 404 200 200 403 403 401 401 401",
        ),
        (
            "GET",
            "/v1/summaries/{id}/share-links",
            None,
            "200 404 403 403 200 404 200 200 403 403 401 401 401",
        ),
        (
            "POST",
            "/v1/summaries/{id}/share-links",
            Some(json!({})),
            "201 404 403 403 201 404 201 403 403 403 401 401 401",
        ),
        (
            "DELETE",
            "/v1/share-links/{id}",
            None,
            "403 403 403 403 204 404 204 403 403 403 401 401 401",
        ),
        (
            "POST",
            "/v1/cases/{id}/conversations",
            Some(json!({"held_on": "2026-01-05", "response": "agreed"})),
            "403 403 403 403 201 404 201 403 403 403 401 401 401",
        ),
        (
            "GET",
            "/v1/cases/{id}/conversations",
            None,
            "403 403 403 403 200 404 200 200 403 403 401 401 401",
        ),
        (
            "GET",
            "/v1/tasks",
            None,
            "403 403 403 403 200 200 200 200 403 403 401 401 401",
        ),
        (
            "POST",
            "/v1/tasks",
            Some(
                json!({"case_id": "{case}", "kind": "collect_records", "title": "Collect the scans"}),
            ),
            "403 403 403 403 201 422 201 403 403 403 401 401 401",
        ),
        (
            "GET",
            "/v1/tasks/{id}",
            None,
            "403 403 403 403 200 404 200 200 403 403 401 401 401",
        ),
        (
            "PATCH",
            "/v1/tasks/{id}",
            Some(json!({"assignee": "coord-2"})),
            "403 403 403 403 200 404 200 403 403 403 401 401 401",
        ),
        (
            "POST",
            "/v1/tasks/{id}/complete",
            None,
            "403 403 403 403 200 404 200 403 403 403 401 401 401",
        ),
        (
            "GET",
            "/v1/audit-events",
            None,
            "403 403 403 403 403 403 403 200 403 403 401 401 401",
        ),
        (
            "POST",
            "/v1/webhooks",
            Some(json!({"url": "https://crm.example/other", "events": ["task.created"]})),
            "403 403 403 403 403 403 403 201 403 403 401 401 401",
        ),
        (
            "GET",
            "/v1/webhooks",
            None,
            "403 403 403 403 403 403 403 200 403 403 401 401 401",
        ),
        (
            "GET",
            "/v1/webhooks/{id}",
            None,
            "403 403 403 403 403 403 403 200 403 403 401 401 401",
        ),
        (
            "PATCH",
            "/v1/webhooks/{id}",
            Some(json!({"enabled": false})),
            "403 403 403 403 403 403 403 200 403 403 401 401 401",
        ),
        (
            "DELETE",
            "/v1/webhooks/{id}",
            None,
            "403 403 403 403 403 403 403 204 403 403 401 401 401",
        ),
        (
            "POST",
            "/v1/webhooks/{id}/rotate-secret",
            Some(json!({})),
            "403 403 403 403 403 403 403 200 403 403 401 401 401",
        ),
        (
            "GET",
            "/v1/webhooks/{id}/deliveries",
            None,
            "403 403 403 403 403 403 403 200 403 403 401 401 401",
        ),
        (
            "POST",
            "/v1/webhook-deliveries/{id}/redeliver",
            None,
            "403 403 403 403 403 403 403 202 403 403 401 401 401",
        ),
        (
            "GET",
            "/v1/events",
            None,
            "403 403 403 403 200 200 200 200 403 403 401 401 401",
        ),
    ]
}

/// The object each `{id}`-style parameter names on a given route.
fn concrete(template: &str) -> String {
    let resource = |segment: &str| match segment {
        "organizations" => "{partner}",
        "patients" => "{patient}",
        "cases" => "{case}",
        "documents" => "{doc}",
        "referrals" => "{referral}",
        "second-opinions" => "{opinion}",
        "assessments" => "{assessment}",
        "summaries" => "{summary}",
        "share-links" => "{link}",
        "tasks" => "{task}",
        "webhooks" => "{webhook}",
        "webhook-deliveries" => "{delivery}",
        other => panic!("no object for /{other}/{{id}}"),
    };
    let parts: Vec<&str> = template.split('/').collect();
    let mut out = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        out.push(match *part {
            "{id}" => resource(parts[i - 1]).to_string(),
            "{key_id}" => "{key}".into(),
            "{doc_id}" => "{doc}".into(),
            "{member_id}" => "{member}".into(),
            "{n}" => "1".into(),
            "{slug}" => "validation-error".into(),
            other => other.to_string(),
        });
    }
    let path = out.join("/");
    // Submissions and status moves go to a referral still open; the other one was answered.
    let moves_a_referral = ["/second-opinions", "/accept", "/decline", "/withdraw"]
        .iter()
        .any(|end| template.starts_with("/v1/referrals/") && template.ends_with(end));
    if moves_a_referral {
        path.replace("{referral}", "{referral_open}")
    } else if template == "/v1/assessments" {
        // Assessments are listed across opinions only as the review queue.
        format!("{path}?awaiting_sign_off=true")
    } else {
        path
    }
}

#[tokio::test]
async fn every_route_against_every_caller() {
    let app = spawn_app().await;
    let other_org = app.other_navigator().await;
    let rows = rows();

    let documented: BTreeSet<(String, String)> = concord::http::openapi::document_json()["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .expect("item")
                .keys()
                .map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    let covered: BTreeSet<(String, String)> = rows
        .iter()
        .map(|(m, p, _, _)| (m.to_string(), p.to_string()))
        .collect();
    let missing: Vec<_> = documented.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "routes without a row in the access matrix: {missing:?}"
    );
    let stale: Vec<_> = covered.difference(&documented).collect();
    assert!(
        stale.is_empty(),
        "rows for routes that no longer exist: {stale:?}"
    );

    let mut failures = Vec::new();
    let mut cells = 0;
    for (method, template, body, statuses) in &rows {
        let expected: Vec<u16> = statuses
            .split_whitespace()
            .map(|s| s.parse().expect("status"))
            .collect();
        assert_eq!(expected.len(), CALLERS.len(), "{method} {template}");
        let mut w = world(&app, other_org).await;
        for (i, want) in expected.iter().enumerate() {
            let path = w.path(&concrete(template));
            let method = Method::from_bytes(method.as_bytes()).expect("method");
            let reply = if *template == "/v1/cases/{id}/documents" && method == Method::POST {
                app.raw(
                    method.clone(),
                    &format!("{path}?kind=other"),
                    &w.auths[i],
                    "text/plain",
                    format!("file {i}").into_bytes(),
                )
                .await
            } else {
                let body = body.as_ref().map(|b| w.body(b)).or_else(|| {
                    (method != Method::GET && method != Method::DELETE).then(|| json!({}))
                });
                app.send(method.clone(), &path, &w.auths[i], body.as_ref(), &[])
                    .await
            };
            cells += 1;
            if reply.status.as_u16() != *want {
                failures.push(format!(
                    "{method} {template} as {}: expected {want}, got {} {}",
                    CALLERS[i],
                    reply.status.as_u16(),
                    reply.text().chars().take(160).collect::<String>()
                ));
            }
            // A change made by this caller must not decide the next caller's answer.
            if method != Method::GET && reply.status.is_success() {
                w = world(&app, other_org).await;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cells} cells differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!(
        "access matrix: {} routes x {} callers = {cells} cells",
        rows.len(),
        CALLERS.len()
    );
}
