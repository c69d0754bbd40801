//! Browser frontends on other origins (CORS_ALLOWED_ORIGINS): a preflight is answered, every
//! answer to an allowed origin (errors too) names what its script may read, credentials are
//! never allowed, and another origin is granted nothing (no `Access-Control-Allow-Origin`).

use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

const APP: &str = "https://app.example";
const EVIL: &str = "https://evil.example";

fn names(reply: &Reply, header: &str) -> Vec<String> {
    reply
        .header(header)
        .unwrap_or_default()
        .split(',')
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .collect()
}

async fn preflight(app: &TestApp, origin: &str, method: &str, headers: &str) -> Reply {
    app.send(
        Method::OPTIONS,
        "/v1/cases",
        &Auth::None,
        None,
        &[
            ("Origin", origin),
            ("Access-Control-Request-Method", method),
            ("Access-Control-Request-Headers", headers),
        ],
    )
    .await
}

#[tokio::test]
async fn an_allowed_origin_gets_its_preflight_and_the_headers_it_needs() {
    let app = spawn_app_with(&[("CORS_ALLOWED_ORIGINS", APP)]).await;
    let reply = preflight(
        &app,
        APP,
        "POST",
        "authorization, content-type, idempotency-key",
    )
    .await;
    assert!(reply.status.is_success(), "preflight: {}", reply.status);
    assert_eq!(
        reply.header("access-control-allow-origin").as_deref(),
        Some(APP)
    );
    let allowed = names(&reply, "access-control-allow-headers");
    for header in [
        "authorization",
        "content-type",
        "idempotency-key",
        "if-match",
    ] {
        assert!(
            allowed.contains(&header.to_string()),
            "{header} not in {allowed:?}"
        );
    }
    assert!(
        !allowed.contains(&"*".to_string()),
        "a * never covers Authorization"
    );
    assert!(names(&reply, "access-control-allow-methods").contains(&"post".into()));
    assert_eq!(reply.header("access-control-allow-credentials"), None);

    // The request itself, and an error answer: both readable, with the exposed headers named.
    for (auth, status) in [(app.coordinator(), 201), (Auth::None, 401)] {
        let patient = json!({"display_name": "Asha K."});
        let reply = app
            .send(
                Method::POST,
                "/v1/patients",
                &auth,
                Some(&patient),
                &[("Origin", APP)],
            )
            .await;
        assert_eq!(reply.status.as_u16(), status, "{}", reply.text());
        assert_eq!(
            reply.header("access-control-allow-origin").as_deref(),
            Some(APP)
        );
        assert_eq!(reply.header("access-control-allow-credentials"), None);
        let exposed = names(&reply, "access-control-expose-headers");
        for header in [
            "etag",
            "location",
            "x-request-id",
            "idempotent-replayed",
            "retry-after",
            "ratelimit-policy",
            "ratelimit",
        ] {
            assert!(
                exposed.contains(&header.to_string()),
                "{header} not in {exposed:?}"
            );
        }
    }
}

#[tokio::test]
async fn another_origin_is_granted_nothing_and_nothing_else_changes() {
    let app = spawn_app_with(&[("CORS_ALLOWED_ORIGINS", APP)]).await;
    let reply = preflight(&app, EVIL, "POST", "authorization").await;
    assert!(
        reply.status.is_client_error(),
        "refused preflight: {}",
        reply.status
    );
    assert!(reply.is_problem(), "{}", reply.text());
    assert_eq!(reply.header("access-control-allow-origin"), None);
    // A request from there is served as any other; only the browser keeps the answer back.
    let reply = app
        .send(
            Method::GET,
            "/v1/cases",
            &app.coordinator(),
            None,
            &[("Origin", EVIL)],
        )
        .await;
    assert_eq!(reply.status, 200);
    // No Allow-Origin: the grant itself (what else is listed is moot without it).
    assert_eq!(reply.header("access-control-allow-origin"), None);

    // Without CORS_ALLOWED_ORIGINS no origin is allowed.
    let closed = spawn_app().await;
    let reply = preflight(&closed, APP, "GET", "authorization").await;
    assert_eq!(reply.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn problem_pages_and_share_links_answer_as_before() {
    let app = spawn_app_with(&[("CORS_ALLOWED_ORIGINS", APP)]).await;
    for origin in [None, Some(APP), Some(EVIL)] {
        let headers: Vec<(&str, &str)> = origin.map(|o| ("Origin", o)).into_iter().collect();
        let page = app
            .send(
                Method::GET,
                "/problems/not-found",
                &Auth::None,
                None,
                &headers,
            )
            .await;
        assert_eq!(page.status, 200, "{origin:?}");
        let link = app
            .send(
                Method::GET,
                &format!("/v1/shared/{}", "x".repeat(43)),
                &Auth::None,
                None,
                &headers,
            )
            .await;
        assert_eq!(link.status, 404, "{origin:?}");
        assert!(link.content_type().starts_with("text/html"), "{origin:?}");
        assert_eq!(
            link.header("referrer-policy").as_deref(),
            Some("no-referrer")
        );
        assert_eq!(link.header("access-control-allow-credentials"), None);
    }
}
