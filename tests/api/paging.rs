//! Every list pages one way: `limit` and `cursor` declared in the document, `next_cursor` in
//! the answer, and a walk of `limit=1` pages that sees each item once.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::helpers::*;

fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("id").to_string()
}

/// What tells an item of a list apart: its id, or a plan version's number.
fn key(item: &Value) -> String {
    match &item["id"] {
        Value::String(id) => id.clone(),
        _ => item["version"].to_string(),
    }
}

/// Walks `path` one item a page; returns the ids seen, in order.
async fn walk(app: &TestApp, path: &str, auth: &Auth) -> Vec<String> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let join = if path.contains('?') { '&' } else { '?' };
    for _ in 0..100 {
        let page_path = match &cursor {
            Some(c) => format!("{path}{join}limit=1&cursor={c}"),
            None => format!("{path}{join}limit=1"),
        };
        let page = app.get(&page_path, auth).await.ok(200);
        let items = items(&page);
        assert!(
            items.len() <= 1,
            "{page_path}: {} items on a page of 1",
            items.len()
        );
        seen.extend(items.iter().map(key));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return seen,
        }
    }
    panic!("{path}: more than 100 pages of one");
}

#[tokio::test]
async fn every_list_declares_its_paging_and_walks_over_two_pages() {
    let app = spawn_app().await;
    let (coord, admin) = (app.coordinator(), app.admin());
    let s = app.setup().await;
    let case = s.case_id;
    app.create_patient(None).await;
    app.create_case(s.patient_id, &json!({})).await;
    for kind in ["pathology_report", "imaging_report"] {
        app.upload_document(
            case,
            &format!("kind={kind}"),
            "text/plain",
            kind.as_bytes().to_vec(),
        )
        .await
        .ok(201);
    }
    for subject in ["advocate-1", "advocate-2"] {
        app.post(
            &format!("/v1/cases/{case}/members"),
            &coord,
            &json!({"subject": subject}),
        )
        .await
        .ok(201);
    }
    let webhook = app
        .post("/v1/webhooks", &admin, &json!({"url": "https://crm.example/a", "events": ["plan.revised", "referral.created"]}))
        .await
        .ok(201);
    app.post(
        "/v1/webhooks",
        &admin,
        &json!({"url": "https://crm.example/b", "events": ["case.created"]}),
    )
    .await
    .ok(201);
    app.record_plan(case, &example_picture()).await.ok(201);
    app.record_plan(case, &capox()).await.ok(200);
    let referral = app.refer(case, s.partner_id).await;
    app.refer(case, s.partner_id).await;
    let opinion = app
        .submit_opinion(referral, &s.partner_key, &opinion_body(&capox()))
        .await
        .ok(201);
    app.post(
        &format!("/v1/cases/{case}/second-opinions"),
        &coord,
        &opinion_body(&example_picture()),
    )
    .await
    .ok(201);
    let reassessed = app
        .post(
            &format!("/v1/second-opinions/{}/assessments", id_of(&opinion)),
            &coord,
            &json!({}),
        )
        .await
        .ok(201);
    let summary = app
        .generate_summary(&id_of(&reassessed), &json!({"language": "en"}))
        .await
        .ok(201);
    app.generate_summary(&id_of(&reassessed), &json!({"language": "es"}))
        .await
        .ok(201);
    for _ in 0..2 {
        app.post(
            &format!("/v1/summaries/{}/share-links", id_of(&summary)),
            &coord,
            &json!({}),
        )
        .await
        .ok(201);
        app.post(
            &format!("/v1/cases/{case}/conversations"),
            &coord,
            &json!({"held_on": "2026-01-05", "response": "agreed"}),
        )
        .await
        .ok(201);
    }
    app.issue_api_key(s.partner_id, "second").await;
    for title in ["Collect the scans", "Collect the biopsy"] {
        app.post(
            "/v1/tasks",
            &coord,
            &json!({"case_id": case, "kind": "collect_records", "title": title}),
        )
        .await
        .ok(201);
    }

    let lists = [
        // Reading the trail adds to it: one action's rows hold still while walked.
        (
            "/v1/audit-events?action=case_member.create".to_string(),
            admin.clone(),
        ),
        ("/v1/cases".into(), coord.clone()),
        (format!("/v1/cases/{case}/conversations"), coord.clone()),
        (format!("/v1/cases/{case}/documents"), coord.clone()),
        (format!("/v1/cases/{case}/members"), coord.clone()),
        (format!("/v1/cases/{case}/plan/versions"), coord.clone()),
        (format!("/v1/cases/{case}/referrals"), coord.clone()),
        (format!("/v1/cases/{case}/second-opinions"), coord.clone()),
        (format!("/v1/cases/{case}/summaries"), coord.clone()),
        ("/v1/events".into(), admin.clone()),
        ("/v1/organizations".into(), admin.clone()),
        (
            format!("/v1/organizations/{}/api-keys", s.partner_id),
            admin.clone(),
        ),
        ("/v1/patients".into(), coord.clone()),
        ("/v1/referrals".into(), coord.clone()),
        (
            format!("/v1/second-opinions/{}/assessments", id_of(&opinion)),
            coord.clone(),
        ),
        (
            format!("/v1/summaries/{}/share-links", id_of(&summary)),
            coord.clone(),
        ),
        (format!("/v1/tasks?case_id={case}"), coord.clone()),
        ("/v1/webhooks".into(), admin.clone()),
        (
            format!("/v1/webhooks/{}/deliveries", id_of(&webhook)),
            admin.clone(),
        ),
    ];
    for (path, auth) in &lists {
        let ids = walk(&app, path, auth).await;
        assert!(
            ids.len() >= 2,
            "{path}: {} items, want two pages",
            ids.len()
        );
        let unique: BTreeSet<&String> = ids.iter().collect();
        assert_eq!(
            unique.len(),
            ids.len(),
            "{path}: an item on two pages: {ids:?}"
        );
        // The whole list in one page holds the same items in the same order.
        let join = if path.contains('?') { '&' } else { '?' };
        let whole = app
            .get(&format!("{path}{join}limit=200"), auth)
            .await
            .ok(200);
        let all: Vec<String> = items(&whole).iter().map(key).collect();
        assert_eq!(all, ids, "{path}: paging changed the order");
    }

    // The document says so for every list: a GET whose answer has items and next_cursor.
    let doc = app.get("/openapi.json", &Auth::None).await.ok(200);
    let mut lists_in_doc = 0;
    for (path, operations) in doc["paths"].as_object().expect("paths") {
        let Some(get) = operations.get("get") else {
            continue;
        };
        let reference = get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .unwrap_or_default();
        let schema =
            &doc["components"]["schemas"][reference.rsplit('/').next().unwrap_or_default()];
        if schema["properties"].get("next_cursor").is_none() {
            continue;
        }
        lists_in_doc += 1;
        let query: Vec<&str> = get["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "query")
            .filter_map(|p| p["name"].as_str())
            .collect();
        for name in ["limit", "cursor"] {
            assert!(
                query.contains(&name),
                "{path} does not declare {name}: {query:?}"
            );
        }
        // The review queue holds only results a contradiction held back: sign_off.rs walks it.
        if path == "/v1/assessments" {
            continue;
        }
        assert!(
            lists.iter().any(|(p, _)| p.split('?').next()
                == Some(&template(path, case, &s, &opinion, &summary, &webhook))),
            "{path} is a list this test does not walk"
        );
    }
    assert_eq!(lists_in_doc, lists.len() + 1);
}

/// The test's path for a document path template.
fn template(
    path: &str,
    case: uuid::Uuid,
    s: &Setup,
    opinion: &Value,
    summary: &Value,
    webhook: &Value,
) -> String {
    let id = if path.starts_with("/v1/cases/") {
        case.to_string()
    } else if path.starts_with("/v1/organizations/") {
        s.partner_id.to_string()
    } else if path.starts_with("/v1/second-opinions/") {
        id_of(opinion)
    } else if path.starts_with("/v1/summaries/") {
        id_of(summary)
    } else {
        id_of(webhook)
    };
    path.replace("{id}", &id)
}
