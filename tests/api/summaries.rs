//! Summaries over HTTP: every worked example in all four formats, stored summaries and their
//! determinism, content negotiation, share links (expiry, revocation, nothing else reachable,
//! audit, event, never logged) and conversations with their follow-up work.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

/// Page objects in the PDF, checked against the page tree's /Count.
fn pdf_pages(bytes: &[u8]) -> usize {
    let text = String::from_utf8_lossy(bytes);
    let objects = regex::Regex::new(r"/Type\s*/Page\b[^s]")
        .expect("regex")
        .find_iter(&text)
        .count();
    let declared: usize = regex::Regex::new(r"/Type\s*/Pages\s*/Count\s+(\d+)")
        .expect("regex")
        .captures(&text)
        .and_then(|c| c[1].parse().ok())
        .expect("page tree");
    assert_eq!(objects, declared);
    objects
}

fn preview_body(case: &Value, language: &str) -> Value {
    let input = &case["input"];
    json!({"current": input["current"], "opinion": input["opinion"], "context": input["context"],
           "patient": {"first_name": "Asha", "language": language}, "oncologist": {"name": "Dr. Mehta"}})
}

#[tokio::test]
async fn every_worked_example_previews_in_all_four_formats() {
    let app = spawn_app().await;
    let token = app.coordinator();
    for (name, case) in ruleset2_examples() {
        let body = preview_body(&case, "en");
        let json = app.post("/v1/summaries/preview", &token, &body).await;
        let summary = json.ok(200);
        // The answer depends on Accept (and, for browsers, on the CORS request headers).
        let vary = json.header("vary").unwrap_or_default();
        assert!(vary.split(", ").any(|v| v == "Accept"), "vary: {vary}");
        let grade = summary["readability"]["flesch_kincaid_grade"]
            .as_f64()
            .expect("grade");
        assert!(grade <= 8.0, "{name}: grade {grade}");
        let markdown = app
            .send(
                Method::POST,
                "/v1/summaries/preview",
                &token,
                Some(&body),
                &[("accept", "text/markdown")],
            )
            .await;
        assert!(
            markdown.content_type().starts_with("text/markdown"),
            "{name}"
        );
        assert!(
            markdown
                .text()
                .contains(summary["headline"].as_str().expect("headline")),
            "{name}"
        );
        let html = app
            .send(
                Method::POST,
                "/v1/summaries/preview",
                &token,
                Some(&body),
                &[("accept", "text/html")],
            )
            .await;
        assert_eq!(
            html.header("content-security-policy").as_deref(),
            Some("default-src 'none'; style-src 'unsafe-inline'")
        );
        let page = html.text();
        assert!(
            !page.contains("<script") && !page.contains("src=") && !page.contains("@import"),
            "{name}: the page fetches or runs something"
        );
        let pdf = app
            .send(
                Method::POST,
                "/v1/summaries/preview?format=pdf",
                &token,
                Some(&body),
                &[],
            )
            .await;
        assert_eq!(pdf.content_type(), "application/pdf");
        assert!(pdf.bytes.starts_with(b"%PDF"), "{name}");
        assert_eq!(pdf_pages(&pdf.bytes), 1, "{name}: the PDF is not one page");
    }
}

#[tokio::test]
async fn unsupported_types_are_406_and_languages_422() {
    let app = spawn_app().await;
    let case = &ruleset2_examples()[0].1;
    let body = preview_body(case, "en");
    app.send(
        Method::POST,
        "/v1/summaries/preview",
        &app.coordinator(),
        Some(&body),
        &[("accept", "image/png")],
    )
    .await
    .problem(406, "not-acceptable");
    app.post(
        "/v1/summaries/preview",
        &app.coordinator(),
        &preview_body(case, "fr"),
    )
    .await
    .problem(422, "unsupported-language");
    let spanish = app
        .post(
            "/v1/summaries/preview",
            &app.coordinator(),
            &preview_body(case, "es"),
        )
        .await
        .ok(200);
    assert_eq!(spanish["language"], "es");
    app.post(
        "/v1/summaries/preview",
        &app.token(concord::auth::Role::Patient, "p"),
        &body,
    )
    .await
    .problem(403, "forbidden");
}

#[tokio::test]
async fn stored_summaries_name_their_assessment_and_regenerate_alike() {
    let app = spawn_app().await;
    let (s, _, assessment) = app.answered_case().await;
    let first = app
        .generate_summary(&assessment, &json!({"language": "en"}))
        .await
        .ok(201);
    let second = app.generate_summary(&assessment, &json!({})).await.ok(201);
    assert_eq!(first["assessment_id"], assessment);
    assert_eq!(first["plan_version"], 1);
    assert!(
        first["headline"]
            .as_str()
            .expect("headline")
            .starts_with("Asha"),
        "{}",
        first["headline"]
    );
    assert!(
        first["what_to_say"]
            .as_str()
            .expect("script")
            .contains("Dr. R. Mehta"),
        "the oncologist on the case is named"
    );
    let strip = |v: &Value| {
        let mut v = v.clone();
        for k in ["id", "generated_at"] {
            v.as_object_mut().expect("object").remove(k);
        }
        v
    };
    assert_eq!(
        strip(&first),
        strip(&second),
        "regenerating gives another summary"
    );
    let id = first["id"].as_str().expect("id");
    let md1 = app
        .send(
            Method::GET,
            &format!("/v1/summaries/{id}"),
            &app.coordinator(),
            None,
            &[("accept", "text/markdown")],
        )
        .await;
    let md2 = app
        .send(
            Method::GET,
            &format!("/v1/summaries/{}", second["id"].as_str().expect("id")),
            &app.coordinator(),
            None,
            &[("accept", "text/markdown")],
        )
        .await;
    assert_eq!(md1.bytes, md2.bytes);
    let pdf = app
        .get(
            &format!("/v1/summaries/{id}?format=pdf"),
            &app.coordinator(),
        )
        .await;
    assert_eq!(pdf_pages(&pdf.bytes), 1);
    assert_eq!(app.case_status(s.case_id).await, "summary_ready");
    // The patient reads their summary; a stranger does not learn it exists.
    assert_eq!(
        app.get(
            &format!("/v1/summaries/{id}"),
            &app.token(concord::auth::Role::Patient, "patient-asha")
        )
        .await
        .status,
        200
    );
    app.get(
        &format!("/v1/summaries/{id}"),
        &app.token(concord::auth::Role::Patient, "someone"),
    )
    .await
    .problem(404, "not-found");
    app.generate_summary(&assessment, &json!({"language": "de"}))
        .await
        .problem(422, "unsupported-language");
}

async fn share(app: &TestApp, summary: &str, days: i64) -> (String, String) {
    let link = app
        .post(
            &format!("/v1/summaries/{summary}/share-links"),
            &app.coordinator(),
            &json!({"expires_in_days": days}),
        )
        .await
        .ok(201);
    let url = link["url"].as_str().expect("url").to_string();
    (link["id"].as_str().expect("id").to_string(), url)
}

fn token_of(url: &str) -> String {
    url.rsplit('/').next().expect("token").to_string()
}

#[tokio::test]
async fn a_share_link_opens_without_credentials_until_revoked_or_expired() {
    let app = spawn_app().await;
    let (s, _, assessment) = app.answered_case().await;
    let summary = app
        .generate_summary(&assessment, &json!({"language": "en"}))
        .await
        .ok(201);
    let summary_id = summary["id"].as_str().expect("id");
    let (link_id, url) = share(&app, summary_id, 14).await;
    assert!(url.starts_with("https://concord.test/v1/shared/"), "{url}");
    let token = token_of(&url);

    let opened = app.get(&format!("/v1/shared/{token}"), &Auth::None).await;
    assert_eq!(opened.status, 200);
    assert!(opened.content_type().starts_with("text/html"));
    for (header, value) in [
        ("cache-control", "no-store"),
        ("referrer-policy", "no-referrer"),
        (
            "content-security-policy",
            "default-src 'none'; style-src 'unsafe-inline'",
        ),
    ] {
        assert_eq!(opened.header(header).as_deref(), Some(value), "{header}");
    }
    assert!(
        opened
            .header("x-robots-tag")
            .is_some_and(|v| v.contains("noindex"))
    );
    assert!(
        opened.text().contains(
            summary["headline"]
                .as_str()
                .expect("headline")
                .split(',')
                .next()
                .expect("start")
        )
    );
    // The page says who gave the opinion: for the patient in plain words, for the oncologist
    // as the partner sent it.
    assert_eq!(
        summary["source"]["sentence"],
        "This second opinion came from doctors who treat cancer with medicines at Tata Memorial Centre."
    );
    for said in [
        "This second opinion came from doctors who treat cancer with medicines at Tata Memorial Centre.",
        "Second opinion: medical oncology, Tata Memorial Centre.",
    ] {
        assert!(
            opened.text().contains(said),
            "the shared page lacks {said:?}"
        );
    }
    let pdf = app
        .get(&format!("/v1/shared/{token}?format=pdf"), &Auth::None)
        .await;
    assert!(pdf.bytes.starts_with(b"%PDF"));

    // The token opens this one summary and nothing else.
    app.get(
        &format!("/v1/cases/{}", s.case_id),
        &Auth::Bearer(token.clone()),
    )
    .await
    .problem(401, "unauthorized");
    assert_eq!(
        app.get(&format!("/v1/shared/{}x", &token[..42]), &Auth::None)
            .await
            .status,
        404
    );
    // A share token is no key to anything else, whatever the path makes of it.
    let escaped = app
        .get(&format!("/v1/shared/{token}/../../cases"), &Auth::None)
        .await;
    assert!(
        [401, 404].contains(&escaped.status.as_u16()),
        "a share token reached past its summary: {}",
        escaped.status
    );

    let links = app
        .get(
            &format!("/v1/summaries/{summary_id}/share-links"),
            &app.coordinator(),
        )
        .await
        .ok(200);
    assert_eq!(links["items"][0]["opened_count"], 2);
    assert!(
        !links.to_string().contains(&token),
        "a list shows the token"
    );
    let audit = app
        .get("/v1/audit-events?action=share_link.open", &app.admin())
        .await
        .ok(200);
    assert_eq!(audit["items"][0]["actor_kind"], "share_link");
    let events = app
        .feed_when("/v1/events?type=share_link.opened", &app.admin(), |p| {
            items(p).len() >= 2
        })
        .await;
    assert_eq!(items(&events).len(), 2);
    assert_eq!(app.case_status(s.case_id).await, "shared_with_oncologist");

    assert_eq!(
        app.delete(&format!("/v1/share-links/{link_id}"), &app.coordinator())
            .await
            .status,
        204
    );
    let gone = app.get(&format!("/v1/shared/{token}"), &Auth::None).await;
    assert_eq!(gone.status, 410);
    assert!(gone.content_type().starts_with("text/html"));
    assert_eq!(gone.header("cache-control").as_deref(), Some("no-store"));

    let (_, expiring) = share(&app, summary_id, 1).await;
    let mut conn = app.sql().await;
    diesel_async::RunQueryDsl::execute(diesel::sql_query("UPDATE share_links SET expires_at = now() - interval '1 minute' WHERE revoked_at IS NULL"), &mut conn).await.expect("expire");
    assert_eq!(
        app.get(&format!("/v1/shared/{}", token_of(&expiring)), &Auth::None)
            .await
            .status,
        410
    );
    let fields = app
        .post(
            &format!("/v1/summaries/{summary_id}/share-links"),
            &app.coordinator(),
            &json!({"expires_in_days": 31}),
        )
        .await
        .invalid_fields();
    assert_eq!(fields, vec!["expires_in_days"]);
}

#[tokio::test]
async fn share_link_tokens_never_reach_the_logs() {
    let db = test_database().await;
    let port = free_port();
    let log = std::env::temp_dir().join(format!("concord-log-{}.txt", uuid::Uuid::now_v7()));
    let mut server = serve_command(&db.url, port)
        .env("RUST_LOG", "trace")
        .env("LOG_FORMAT", "json")
        .env("WEBHOOK_DELIVERY", "false")
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("start");
    let app = start_server(&db.url, &[]).await;
    let mut conn = app.sql().await;
    let org = concord::db::organizations::create_navigator(&mut conn, "Logging Navigation")
        .await
        .expect("org")
        .id;
    let mut app = app;
    app.org_id = org;
    let (_, _, assessment) = app.answered_case().await;
    let summary = app
        .generate_summary(&assessment, &json!({"language": "en"}))
        .await
        .ok(201);
    let (_, url) = share(&app, summary["id"].as_str().expect("id"), 14).await;
    let token = token_of(&url);
    wait_ready(port).await;
    let client = reqwest::Client::new();
    let opened = client
        .get(format!("http://127.0.0.1:{port}/v1/shared/{token}"))
        .send()
        .await
        .expect("open");
    assert_eq!(opened.status(), 200);
    let missing = client
        .get(format!(
            "http://127.0.0.1:{port}/v1/shared/{}",
            "A".repeat(43)
        ))
        .send()
        .await
        .expect("open");
    assert_eq!(missing.status(), 404);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let _ = server.kill();
    let _ = server.wait();
    let logged = std::fs::read_to_string(&log).expect("log");
    let _ = std::fs::remove_file(&log);
    assert!(
        logged.contains("/v1/shared/{token}"),
        "the request was not logged at all: {}",
        &logged[..logged.len().min(2000)]
    );
    assert!(!logged.contains(&token), "the share token reached the logs");
    assert!(
        !logged.contains(&"A".repeat(43)),
        "a probed token reached the logs"
    );
}

#[tokio::test]
async fn conversations_open_follow_up_work() {
    let app = spawn_app().await;
    let s = app.setup().await;
    // A diagnosis discordance (HER2 flip), then the oncologist dismisses it without reasons.
    let case = ruleset2_examples()
        .into_iter()
        .find(|(n, _)| n == "breast-her2-flip")
        .expect("example")
        .1;
    app.record_plan(s.case_id, &case["input"]["current"])
        .await
        .ok(201);
    app.post(
        &format!("/v1/cases/{}/second-opinions", s.case_id),
        &app.coordinator(),
        &opinion_body(&case["input"]["opinion"]),
    )
    .await
    .ok(201);
    let today = chrono::Utc::now().date_naive().to_string();
    let dismissed = app
        .post(&format!("/v1/cases/{}/conversations", s.case_id), &app.coordinator(), &json!({"held_on": today, "attendees": [{"role": "patient"}, {"role": "family_member"}], "response": "dismissed_without_reasons"}))
        .await
        .ok(201);
    assert_eq!(
        dismissed["follow_up_task_ids"]
            .as_array()
            .expect("ids")
            .len(),
        1
    );
    let tasks = app
        .case_tasks(s.case_id, "kind=consider_third_opinion_or_new_oncologist")
        .await;
    assert_eq!(items(&tasks).len(), 1);
    let changed = app
        .post(
            &format!("/v1/cases/{}/conversations", s.case_id),
            &app.coordinator(),
            &json!({"held_on": today, "response": "plan_changed"}),
        )
        .await
        .ok(201);
    let task = app
        .get(
            &format!(
                "/v1/tasks/{}",
                changed["follow_up_task_ids"][0].as_str().expect("id")
            ),
            &app.coordinator(),
        )
        .await
        .ok(200);
    assert_eq!(task["kind"], "record_new_plan_version");
    assert_eq!(app.case_status(s.case_id).await, "shared_with_oncologist");
    let listed = app
        .get(
            &format!("/v1/cases/{}/conversations", s.case_id),
            &app.coordinator(),
        )
        .await
        .ok(200);
    assert_eq!(items(&listed).len(), 2);
    let future = app
        .post(
            &format!("/v1/cases/{}/conversations", s.case_id),
            &app.coordinator(),
            &json!({"held_on": "2999-01-01", "response": "agreed"}),
        )
        .await
        .unprocessable_fields();
    assert_eq!(future, vec!["held_on"]);
}
