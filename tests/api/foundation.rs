//! The service skeleton: health, readiness, metrics, docs, the OpenAPI document, request ids,
//! and every error class as problem+json.

use concord::auth::Role;
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::*;

#[tokio::test]
async fn healthz_and_readyz_answer_ok_with_a_request_id() {
    let app = spawn_app().await;
    let health = app.get("/healthz", &Auth::None).await;
    assert_eq!(health.ok(200)["status"], "ok");
    assert!(
        health
            .header("x-request-id")
            .is_some_and(|id| !id.is_empty())
    );
    assert_eq!(
        app.get("/readyz", &Auth::None).await.ok(200)["status"],
        "ok"
    );
}

/// An anonymous GET that brings its own request id, as a caller's tracing would.
async fn get_with_request_id(app: &TestApp, path: &str, request_id: &str) -> Reply {
    app.send(
        Method::GET,
        path,
        &Auth::None,
        None,
        &[("x-request-id", request_id)],
    )
    .await
}

#[tokio::test]
async fn a_sane_request_id_is_kept_and_an_insane_one_replaced() {
    let app = spawn_app().await;
    let kept = get_with_request_id(&app, "/healthz", "crm-42.abc").await;
    assert_eq!(kept.header("x-request-id").as_deref(), Some("crm-42.abc"));
    let replaced = get_with_request_id(&app, "/healthz", "<script>").await;
    assert_ne!(replaced.header("x-request-id").as_deref(), Some("<script>"));
    // Errors carry the same id in the body.
    let error = get_with_request_id(&app, "/nowhere", "trace-7").await;
    assert_eq!(error.problem(404, "not-found")["request_id"], "trace-7");
}

#[tokio::test]
async fn readyz_fails_with_503_when_the_database_is_gone() {
    let db = test_database().await;
    let app = start_server(&db.url, &[]).await;
    assert_eq!(app.get("/readyz", &Auth::None).await.status, 200);
    // Drop the database under the running app.
    drop(db);
    let reply = app.get("/readyz", &Auth::None).await;
    reply.problem(503, "service-unavailable");
    assert!(reply.header("retry-after").is_some());
}

/// Each thread running a single-threaded runtime (an actix worker is one) has a pool of its own:
/// a connection is only used on the thread whose runtime drives it (`db::pool` says why).
#[tokio::test]
async fn a_connection_stays_on_the_worker_thread_that_opened_it() {
    let db = test_database().await;
    let pool = concord::db::pool(&db.url, 3).expect("pool");
    for _ in 0..2 {
        let pool = pool.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let mut conn = pool.get().await.expect("connection");
                concord::db::ping(&mut conn).await.expect("ping");
            });
        })
        .join()
        .expect("worker thread");
    }
    let status = pool.status();
    // The second thread opened a connection of its own rather than take the first one's, free.
    assert_eq!((status.size, status.available), (2, 2));
    assert_eq!(
        status.max_size,
        3 * 3,
        "the shared pool and one for each thread"
    );
}

#[tokio::test]
async fn metrics_are_prometheus_text_with_routes_and_histograms() {
    let app = spawn_app().await;
    app.get("/healthz", &Auth::None).await;
    let metrics = app.get("/metrics", &Auth::None).await;
    assert_eq!(metrics.status, 200);
    assert!(metrics.content_type().starts_with("text/plain"));
    let text = metrics.text();
    assert!(
        text.contains(r#"http_requests_total{method="GET",route="/healthz",status="200"}"#),
        "{text}"
    );
    assert!(
        text.contains("http_request_duration_seconds_bucket"),
        "{text}"
    );
    assert!(text.contains("db_pool_connections_max"), "{text}");
}

#[tokio::test]
async fn docs_render_offline_from_the_binary() {
    let app = spawn_app().await;
    let redirect = app.get("/docs", &Auth::None).await;
    assert_eq!(redirect.status, 308);
    let page = app.get("/docs/", &Auth::None).await;
    assert_eq!(page.status, 200);
    assert!(page.content_type().starts_with("text/html"));
    let html = page.text();
    assert!(html.contains("swagger"), "{html}");
    // Every script and stylesheet the page names is served by us, not a CDN.
    assert!(
        !html.contains("https://"),
        "the docs page names an outside URL: {html}"
    );
    for asset in [
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-initializer.js",
    ] {
        let reply = app.get(&format!("/docs/{asset}"), &Auth::None).await;
        assert_eq!(reply.status, 200, "{asset}");
        assert!(!reply.bytes.is_empty());
    }
    let initializer = app
        .get("/docs/swagger-initializer.js", &Auth::None)
        .await
        .text();
    assert!(initializer.contains("/openapi.json"), "{initializer}");
    // Swagger UI's outside validator is off, a phone gets the page at its own width, and the
    // browser refuses any request outside the service (scripts/a11y/docs.mjs shows it in Chromium).
    assert!(
        initializer.contains(r#""validatorUrl": "none""#),
        "{initializer}"
    );
    assert!(html.contains(r#"name="viewport" content="width=device-width"#));
    let policy = page.header("content-security-policy").expect("a policy");
    assert!(policy.starts_with("default-src 'self';"), "{policy}");
    assert!(!policy.contains("http"), "{policy}");
}

#[tokio::test]
async fn the_served_document_is_openapi_3_1_and_equals_the_committed_file() {
    let app = spawn_app().await;
    let served = app.get("/openapi.json", &Auth::None).await;
    let doc = served.ok(200);
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        doc["openapi"]
    );
    let committed_path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    assert!(
        committed == concord::http::openapi::document_pretty(),
        "openapi/openapi.json is out of date with the code; regenerate it with:\n    cargo run -- openapi > openapi/openapi.json"
    );
    assert_eq!(served.text(), committed);
}

#[tokio::test]
async fn every_operation_documents_its_errors_tags_and_a_summary() {
    let doc = concord::http::openapi::document_json();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            let responses = op["responses"].as_object().expect("responses");
            assert!(
                responses.contains_key("500"),
                "{method} {path} documents no 500"
            );
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{method} {path} has no tag"
            );
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{method} {path} has no summary"
            );
            if op.get("requestBody").is_some() {
                assert!(
                    responses.contains_key("400"),
                    "{method} {path} takes a body but documents no 400"
                );
            }
            let needs_credentials = op["security"].as_array().is_some_and(|s| {
                s.iter()
                    .any(|r| r.as_object().is_some_and(|r| !r.is_empty()))
            });
            if needs_credentials {
                assert!(
                    responses.contains_key("401"),
                    "{method} {path} is secured but documents no 401"
                );
            }
        }
    }
}

#[tokio::test]
async fn unknown_routes_are_404_and_wrong_methods_405_with_allow() {
    let app = spawn_app().await;
    app.get("/v1/nothing-here", &Auth::None)
        .await
        .problem(404, "not-found");
    // Inside a known group of routes (`/v1/cases`), an unknown path and a wrong method alike.
    app.get(
        &format!("/v1/cases/{}/nothing-here", Uuid::now_v7()),
        &app.coordinator(),
    )
    .await
    .problem(404, "not-found");
    let reply = app
        .send(Method::DELETE, "/v1/cases", &app.coordinator(), None, &[])
        .await;
    reply.problem(405, "method-not-allowed");
    assert_eq!(reply.header("allow").as_deref(), Some("GET, POST"));
    let reply = app
        .send(Method::PUT, "/healthz", &Auth::None, None, &[])
        .await;
    reply.problem(405, "method-not-allowed");
    assert_eq!(reply.header("allow").as_deref(), Some("GET"));
    let reply = app
        .send(
            Method::GET,
            "/v1/discordance/classify",
            &app.coordinator(),
            None,
            &[],
        )
        .await;
    reply.problem(405, "method-not-allowed");
    assert_eq!(reply.header("allow").as_deref(), Some("POST"));
    // A literal path beside a templated one (`/v1/summaries/{id}`) is still itself.
    let reply = app.get("/v1/summaries/preview", &app.coordinator()).await;
    reply.problem(405, "method-not-allowed");
    assert_eq!(reply.header("allow").as_deref(), Some("POST"));
    // A malformed id under a known template is a 400 naming the parameter.
    let reply = app.get("/v1/summaries/not-an-id", &app.coordinator()).await;
    reply.problem(400, "validation-error");
    assert_eq!(reply.invalid_fields(), ["id"]);
    let reply = app
        .get(
            &format!("/v1/cases/{}/plan/versions/two", Uuid::now_v7()),
            &app.coordinator(),
        )
        .await;
    assert_eq!(reply.invalid_fields(), ["n"]);
    // An unknown query parameter is listed with the others that are wrong.
    let reply = app
        .get(
            "/v1/cases?colour=red&limit=many&status=closed",
            &app.coordinator(),
        )
        .await;
    reply.problem(400, "validation-error");
    assert_eq!(reply.invalid_fields(), ["colour", "limit"]);
    // So on the operations that take none: a mistyped probe is told, not silently answered.
    for path in ["/healthz", "/readyz", "/metrics", "/openapi.json"] {
        let reply = app.get(&format!("{path}?verbose=1"), &Auth::None).await;
        reply.problem(400, "validation-error");
        assert_eq!(reply.invalid_fields(), ["verbose"], "{path}");
        assert_eq!(app.get(path, &Auth::None).await.status, 200, "{path}");
    }
}

#[tokio::test]
async fn a_nul_in_a_query_parameter_is_a_400_naming_it() {
    let app = spawn_app().await;
    for path in [
        "/v1/cases?coordinator=%00",
        "/v1/patients?login_sub=a%00b",
        "/v1/events?type=%00",
    ] {
        let reply = app.get(path, &app.coordinator()).await;
        let fields = reply.invalid_fields();
        assert_eq!(fields.len(), 1, "{path}: {fields:?}");
        assert!(!reply.text().contains("\\u0000"), "{path} echoed a NUL");
    }
}

#[tokio::test]
async fn malformed_json_is_a_400_problem() {
    let app = spawn_app().await;
    let reply = app
        .raw(
            Method::POST,
            "/v1/discordance/classify",
            &app.coordinator(),
            "application/json",
            b"{\"current\": ".to_vec(),
        )
        .await;
    reply.problem(400, "malformed-json");
}

#[tokio::test]
async fn a_wrong_content_type_is_a_415_problem() {
    let app = spawn_app().await;
    let reply = app
        .raw(
            Method::POST,
            "/v1/discordance/classify",
            &app.coordinator(),
            "text/plain",
            b"{}".to_vec(),
        )
        .await;
    reply.problem(415, "unsupported-media-type");
}

#[tokio::test]
async fn an_oversized_body_is_a_413_problem() {
    let app = spawn_app_with(&[("JSON_BODY_LIMIT_BYTES", "2048")]).await;
    let big =
        json!({"current": {"diagnosis": {"histology_text": "x".repeat(4000)}}, "opinion": {}});
    let reply = app
        .post("/v1/discordance/classify", &app.coordinator(), &big)
        .await;
    reply.problem(413, "payload-too-large");
}

#[tokio::test]
async fn unknown_and_invalid_fields_are_all_named() {
    let app = spawn_app().await;
    let body = json!({
        "current": {"diagnosis": {"grade": 9, "histology": "8140"}, "surprise": true},
        "opinion": {"plan": {"radiotherapy": {"fractions": 0}, "intent": "hopeful"}},
        "context": {"as_of": "not-a-date"}
    });
    let fields = app
        .post("/v1/discordance/classify", &app.coordinator(), &body)
        .await
        .invalid_fields();
    assert_names_all(
        &fields,
        &[
            "current.surprise",
            "current.diagnosis.grade",
            "opinion.plan.radiotherapy.fractions",
            "opinion.plan.intent",
            "context.as_of",
        ],
    );
}

#[tokio::test]
async fn missing_bad_and_foreign_tokens_are_401_and_wrong_roles_403() {
    let app = spawn_app().await;
    let body = json!({"current": {}, "opinion": {}});
    app.post("/v1/discordance/classify", &Auth::None, &body)
        .await
        .problem(401, "unauthorized");
    app.post(
        "/v1/discordance/classify",
        &Auth::Bearer("not.a.jwt".into()),
        &body,
    )
    .await
    .problem(401, "unauthorized");
    let foreign = {
        let config = test_config(
            &app.db_url,
            &[("JWT_SECRET", "another-secret-that-is-long-enough-for-hs256")],
        );
        let verifier = concord::auth::jwt::JwtVerifier::from_config(&config.jwt).expect("verifier");
        verifier
            .mint(
                "x",
                Role::Coordinator,
                Some(app.org_id),
                std::time::Duration::from_secs(60),
            )
            .expect("mint")
    };
    app.post("/v1/discordance/classify", &Auth::Bearer(foreign), &body)
        .await
        .problem(401, "unauthorized");
    app.post(
        "/v1/discordance/classify",
        &app.token(Role::Patient, "p-1"),
        &body,
    )
    .await
    .problem(403, "forbidden");
    let two = app
        .send(
            Method::POST,
            "/v1/discordance/classify",
            &app.coordinator(),
            Some(&body),
            &[("x-api-key", "cnc_x")],
        )
        .await;
    two.problem(400, "bad-request");
}

#[tokio::test]
async fn problem_type_pages_describe_each_kind() {
    let app = spawn_app().await;
    let page = app.get("/problems/validation-error", &Auth::None).await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("The request has invalid fields"));
    app.get("/problems/no-such-kind", &Auth::None)
        .await
        .problem(404, "not-found");
}

#[tokio::test]
async fn connections_killed_under_the_pool_are_replaced_and_never_answer_500() {
    let app = spawn_app().await;
    let auth = app.coordinator();
    // Warm the pool so several connections sit idle in it.
    for _ in 0..4 {
        app.get("/v1/cases", &auth).await.ok(200);
    }
    use diesel_async::RunQueryDsl;
    let mut conn = app.sql().await;
    let killed: Vec<bool> = diesel::select(diesel::dsl::sql::<
        diesel::sql_types::Array<diesel::sql_types::Bool>,
    >(
        "array(SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid())",
    ))
    .get_result(&mut conn)
    .await
    .expect("terminate");
    assert!(!killed.is_empty(), "the pool held connections to kill");
    // The pool does not ping on checkout: a connection seen closed is dropped at checkout; one
    // that dies under a query may fail that request, with a 503 and Retry-After, not a 500.
    let mut failures = 0;
    let mut recovered = false;
    for _ in 0..10 {
        let reply = app.get("/v1/cases", &auth).await;
        if reply.status == 200 {
            recovered = true;
            break;
        }
        reply.problem(503, "service-unavailable");
        assert!(reply.header("retry-after").is_some());
        failures += 1;
    }
    assert!(recovered, "still failing after {failures} requests");
}
