//! Who may see what: JWT algorithms and JWKS rotation, issuer/audience/nbf, partner API keys
//! (revocation, rotation, expiry), the audit trail (reads and writes, append-only even for
//! SQL), and rate limits.

use concord::auth::jwt::Claims;
use diesel_async::RunQueryDsl;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::*;

fn key_file(name: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keys")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn claims(org: Uuid, role: &str) -> Claims {
    let now = jsonwebtoken::get_current_timestamp();
    Claims {
        sub: "coord-1".into(),
        role: role.into(),
        org: Some(org.to_string()),
        exp: now + 600,
        iat: Some(now),
        nbf: None,
        iss: None,
        aud: None,
    }
}

fn sign(alg: Algorithm, kid: Option<&str>, private: &str, claims: &Claims) -> Auth {
    let pem = std::fs::read(key_file(private)).expect("key");
    let key = match alg {
        Algorithm::RS256 => EncodingKey::from_rsa_pem(&pem),
        Algorithm::ES256 => EncodingKey::from_ec_pem(&pem),
        Algorithm::EdDSA => EncodingKey::from_ed_pem(&pem),
        _ => unreachable!(),
    }
    .expect("private key");
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    Auth::Bearer(jsonwebtoken::encode(&header, claims, &key).expect("sign"))
}

#[tokio::test]
async fn public_key_tokens_verify_for_rs256_es256_and_eddsa_and_other_algorithms_are_refused() {
    for (alg, name, private, public) in [
        (
            Algorithm::RS256,
            "RS256",
            "rs256-private.pem",
            "rs256-public.pem",
        ),
        (
            Algorithm::ES256,
            "ES256",
            "es256-private.pem",
            "es256-public.pem",
        ),
        (
            Algorithm::EdDSA,
            "EdDSA",
            "ed25519-private.pem",
            "ed25519-public.pem",
        ),
    ] {
        let public = key_file(public);
        let app = spawn_app_with(&[
            ("JWT_SECRET", ""),
            ("JWT_PUBLIC_KEY_FILE", &public),
            ("JWT_ALGORITHM", name),
        ])
        .await;
        let good = sign(alg, None, private, &claims(app.org_id, "coordinator"));
        assert_eq!(app.get("/v1/cases", &good).await.status, 200, "{name}");
        // An HS256 token, even one signed with the public key's bytes as secret, is refused.
        let hs = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims(app.org_id, "coordinator"),
            &EncodingKey::from_secret(&std::fs::read(&public).expect("pem")),
        )
        .expect("sign");
        app.get("/v1/cases", &Auth::Bearer(hs))
            .await
            .problem(401, "unauthorized");
    }
}

#[tokio::test]
async fn a_jwks_with_two_keys_chooses_by_kid() {
    let jwks = key_file("jwks.json");
    let app = spawn_app_with(&[("JWT_SECRET", ""), ("JWT_JWKS_FILE", &jwks)]).await;
    let c = claims(app.org_id, "coordinator");
    assert_eq!(
        app.get(
            "/v1/cases",
            &sign(Algorithm::ES256, Some("ec-2026"), "es256-private.pem", &c)
        )
        .await
        .status,
        200
    );
    assert_eq!(
        app.get(
            "/v1/cases",
            &sign(Algorithm::EdDSA, Some("ed-2026"), "ed25519-private.pem", &c)
        )
        .await
        .status,
        200
    );
    app.get(
        "/v1/cases",
        &sign(Algorithm::ES256, Some("gone-2025"), "es256-private.pem", &c),
    )
    .await
    .problem(401, "unauthorized");
    app.get(
        "/v1/cases",
        &sign(Algorithm::ES256, None, "es256-private.pem", &c),
    )
    .await
    .problem(401, "unauthorized");
    // A key under another key's kid does not verify.
    app.get(
        "/v1/cases",
        &sign(Algorithm::EdDSA, Some("ec-2026"), "ed25519-private.pem", &c),
    )
    .await
    .problem(401, "unauthorized");
}

#[tokio::test]
async fn issuer_audience_expiry_and_not_before_are_checked() {
    let app = spawn_app_with(&[
        ("JWT_ISSUER", "https://id.example"),
        ("JWT_AUDIENCE", "concord"),
    ])
    .await;
    let key = EncodingKey::from_secret(JWT_SECRET.as_bytes());
    let token = |c: &Claims| {
        Auth::Bearer(jsonwebtoken::encode(&Header::new(Algorithm::HS256), c, &key).expect("sign"))
    };
    let mut c = claims(app.org_id, "coordinator");
    app.get("/v1/cases", &token(&c))
        .await
        .problem(401, "unauthorized");
    c.iss = Some("https://id.example".into());
    c.aud = Some("concord".into());
    assert_eq!(app.get("/v1/cases", &token(&c)).await.status, 200);
    let mut wrong = c.clone();
    wrong.aud = Some("someone-else".into());
    app.get("/v1/cases", &token(&wrong))
        .await
        .problem(401, "unauthorized");
    let mut later = c.clone();
    later.nbf = Some(jsonwebtoken::get_current_timestamp() + 3600);
    app.get("/v1/cases", &token(&later))
        .await
        .problem(401, "unauthorized");
    let mut expired = c.clone();
    expired.exp = jsonwebtoken::get_current_timestamp() - 120;
    app.get("/v1/cases", &token(&expired))
        .await
        .problem(401, "unauthorized");
    let mut unknown_role = c;
    unknown_role.role = "superuser".into();
    app.get("/v1/cases", &token(&unknown_role))
        .await
        .problem(401, "unauthorized");
}

#[tokio::test]
async fn a_revoked_key_stops_at_once_and_two_keys_rotate() {
    let app = spawn_app().await;
    let (partner, first) = app.create_partner("Rotating Hospital").await;
    let second = app.issue_api_key(partner, "next").await;
    let second_key = second["key"].as_str().expect("key").to_string();
    assert_eq!(app.get("/v1/referrals", &first).await.status, 200);
    assert_eq!(
        app.get("/v1/referrals", &Auth::ApiKeyHeader(second_key.clone()))
            .await
            .status,
        200
    );

    let keys = app
        .get(
            &format!("/v1/organizations/{partner}/api-keys"),
            &app.admin(),
        )
        .await;
    assert!(
        !keys.text().contains("cnc_"),
        "the list shows a key: {}",
        keys.text()
    );
    let first_id = keys.ok(200)["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|k| k["name"] == "production")
        .expect("first")["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(
        app.delete(
            &format!("/v1/organizations/{partner}/api-keys/{first_id}"),
            &app.admin()
        )
        .await
        .status,
        204
    );
    app.get("/v1/referrals", &first)
        .await
        .problem(401, "unauthorized");
    assert_eq!(
        app.get("/v1/referrals", &Auth::Bearer(second_key.clone()))
            .await
            .status,
        200
    );

    // Expired: the key stops when its time is up.
    let mut conn = app.sql().await;
    diesel::sql_query("UPDATE api_keys SET expires_at = now() - interval '1 second'")
        .execute(&mut conn)
        .await
        .expect("expire");
    app.get("/v1/referrals", &Auth::Bearer(second_key))
        .await
        .problem(401, "unauthorized");
    // A well-formed key nobody issued.
    app.get(
        "/v1/referrals",
        &Auth::Bearer(format!("cnc_ABCDEFGH_{}", "x".repeat(43))),
    )
    .await
    .problem(401, "unauthorized");
}

#[tokio::test]
async fn last_use_is_kept_and_only_a_hash_is_stored() {
    let app = spawn_app().await;
    let (partner, key) = app.create_partner("Hashing Hospital").await;
    app.get("/v1/referrals", &key).await.ok(200);
    let listed = app
        .get(
            &format!("/v1/organizations/{partner}/api-keys"),
            &app.admin(),
        )
        .await
        .ok(200);
    assert!(listed["items"][0]["last_used_at"].is_string());
    let Auth::Bearer(full) = key else {
        unreachable!()
    };
    let secret = full.rsplit('_').next().expect("secret").to_string();
    let found = app.scalar(&format!(
        "SELECT count(*) AS n FROM api_keys WHERE encode(secret_sha256, 'escape') LIKE '%{secret}%' OR prefix = '{secret}'"
    ))
    .await;
    assert_eq!(found, 0);
}

#[tokio::test]
async fn reads_and_writes_leave_audit_rows_that_sql_cannot_change() {
    let app = spawn_app().await;
    let s = app.setup().await;
    app.get(&format!("/v1/cases/{}", s.case_id), &app.coordinator())
        .await
        .ok(200);
    app.get(&format!("/v1/cases/{}", Uuid::now_v7()), &app.coordinator())
        .await
        .problem(404, "not-found");
    let refused = app
        .get(
            "/v1/audit-events?action=GET%20%2Fv1%2Fcases%2F%7Bid%7D",
            &app.admin(),
        )
        .await
        .ok(200);
    assert_eq!(refused["items"][0]["outcome"], "not_found", "{refused}");
    let events = app
        .get(
            &format!("/v1/audit-events?case_id={}", s.case_id),
            &app.admin(),
        )
        .await
        .ok(200);
    let actions: Vec<&str> = items(&events)
        .iter()
        .map(|e| e["action"].as_str().expect("action"))
        .collect();
    assert!(
        actions.contains(&"case.read") && actions.contains(&"case.create"),
        "{actions:?}"
    );
    let read = items(&events)
        .iter()
        .find(|e| e["action"] == "case.read")
        .expect("read");
    assert_eq!(read["actor_id"], "coord-1");
    assert_eq!(read["actor_role"], "coordinator");
    assert!(read["request_id"].as_str().is_some_and(|r| !r.is_empty()));
    assert!(
        read["client_ip"]
            .as_str()
            .is_some_and(|ip| ip.starts_with("127."))
    );
    assert!(
        !events.to_string().contains("Asha"),
        "audit rows hold ids, not health data"
    );
    app.get("/v1/audit-events", &app.coordinator())
        .await
        .problem(403, "forbidden");

    let mut conn = app.sql().await;
    for sql in [
        "UPDATE audit_events SET action = 'nothing'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
    ] {
        assert!(
            diesel::sql_query(sql).execute(&mut conn).await.is_err(),
            "{sql} succeeded"
        );
    }
}

/// The statuses of `n` GETs of `path` sent at once by one caller.
async fn burst(app: &TestApp, path: &str, auth: &Auth, n: usize) -> Vec<u16> {
    futures_util::future::join_all((0..n).map(|_| app.get(path, auth)))
        .await
        .iter()
        .map(|r| r.status.as_u16())
        .collect()
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after_and_every_answer_says_what_is_left() {
    let app = spawn_app_with(&[
        ("RATE_LIMIT_PER_SUBJECT_PER_MINUTE", "3"),
        ("RATE_LIMIT_PER_KEY_PER_MINUTE", "2"),
    ])
    .await;
    let (_, key) = app.create_partner("Busy Hospital").await;
    let token = app.coordinator();
    let statuses = burst(&app, "/v1/cases", &token, 5).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        2,
        "{statuses:?}"
    );
    let limited = app.get("/v1/cases", &token).await;
    limited.problem(429, "rate-limited");
    assert!(
        limited
            .header("retry-after")
            .and_then(|r| r.parse::<u64>().ok())
            .is_some_and(|s| (1..=60).contains(&s))
    );
    // Both the refusal and an answer say where the caller stands (RateLimit fields, named policy).
    let wait = limited.header("retry-after").expect("retry-after");
    assert_eq!(
        limited.header("ratelimit-policy").as_deref(),
        Some("\"subject\";q=3;w=60")
    );
    assert_eq!(
        limited.header("ratelimit"),
        Some(format!("\"subject\";r=0;t={wait}"))
    );
    // Another subject has its own budget: one request of three spent, back in 20 s.
    let fresh = app.get("/v1/cases", &app.clinician()).await;
    assert_eq!(fresh.status, 200);
    assert_eq!(
        fresh.header("ratelimit").as_deref(),
        Some("\"subject\";r=2;t=20")
    );
    let key_statuses = burst(&app, "/v1/referrals", &key, 3).await;
    assert_eq!(
        key_statuses.iter().filter(|s| **s == 429).count(),
        1,
        "{key_statuses:?}"
    );
}

#[tokio::test]
async fn patients_see_their_own_cases_and_advocates_only_granted_ones() {
    let app = spawn_app().await;
    let s = app.setup().await;
    let patient = app.token(concord::auth::Role::Patient, "patient-asha");
    let stranger = app.token(concord::auth::Role::Patient, "patient-someone");
    assert_eq!(
        app.get(&format!("/v1/cases/{}", s.case_id), &patient)
            .await
            .status,
        200
    );
    app.get(&format!("/v1/cases/{}", s.case_id), &stranger)
        .await
        .problem(404, "not-found");
    let advocate = app.token(concord::auth::Role::Advocate, "advocate-7");
    app.get(&format!("/v1/cases/{}", s.case_id), &advocate)
        .await
        .problem(404, "not-found");

    // The patient grants the advocate the summaries only.
    let grant = app
        .post(
            &format!("/v1/cases/{}/members", s.case_id),
            &patient,
            &json!({"subject": "advocate-7", "scope": ["summaries"]}),
        )
        .await
        .ok(201);
    app.get(&format!("/v1/cases/{}", s.case_id), &advocate)
        .await
        .problem(404, "not-found");
    app.delete(
        &format!(
            "/v1/cases/{}/members/{}",
            s.case_id,
            grant["id"].as_str().expect("id")
        ),
        &patient,
    )
    .await
    .ok(200);
    let full = app
        .post(
            &format!("/v1/cases/{}/members", s.case_id),
            &app.coordinator(),
            &json!({"subject": "advocate-7"}),
        )
        .await
        .ok(201);
    assert_eq!(
        app.get(&format!("/v1/cases/{}", s.case_id), &advocate)
            .await
            .status,
        200
    );
    let listed = app.get("/v1/cases", &advocate).await.ok(200);
    assert_eq!(items(&listed).len(), 1);
    app.delete(
        &format!(
            "/v1/cases/{}/members/{}",
            s.case_id,
            full["id"].as_str().expect("id")
        ),
        &app.coordinator(),
    )
    .await
    .ok(200);
    app.get(&format!("/v1/cases/{}", s.case_id), &advocate)
        .await
        .problem(404, "not-found");
    // Patients cannot write plans; a partner key cannot read cases.
    app.put(
        &format!("/v1/cases/{}/plan", s.case_id),
        &patient,
        &example_picture(),
    )
    .await
    .problem(403, "forbidden");
    app.get("/v1/tasks", &patient)
        .await
        .problem(403, "forbidden");
}
