//! Webhooks with a real receiver on loopback: Standard Webhooks signatures checked by an
//! independent implementation written here from the specification, retries, failure and
//! redelivery, disabling, secret rotation, destination rules, two replicas sharing 1,000
//! events, and a replica killed mid-delivery.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine as _;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::helpers::*;

/// HMAC-SHA256 as RFC 2104 defines it, on SHA-256 alone: independent of the service's code.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let inner: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let outer: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    let inner_hash = Sha256::new()
        .chain_update(&inner)
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(&outer)
        .chain_update(inner_hash)
        .finalize()
        .into()
}

/// Verifies a Standard Webhooks message: any `v1,` signature made with the secret matches.
fn verify(secret: &str, id: &str, timestamp: &str, signatures: &str, body: &[u8]) -> bool {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").expect("whsec_ prefix"))
        .expect("base64 key");
    let signed = [id.as_bytes(), b".", timestamp.as_bytes(), b".", body].concat();
    let expected = base64::engine::general_purpose::STANDARD.encode(hmac_sha256(&key, &signed));
    signatures
        .split(' ')
        .any(|s| s.strip_prefix("v1,") == Some(expected.as_str()))
}

#[derive(Debug, Clone)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: Vec<u8>,
}

#[derive(Default)]
struct ReceiverState {
    received: Vec<Received>,
    /// Answer 503 while positive, counting down.
    fail_next: u32,
    down: bool,
    delay: Duration,
    in_flight: BTreeMap<String, u32>,
    concurrent_duplicate: bool,
}

struct Receiver {
    url: String,
    state: Arc<Mutex<ReceiverState>>,
    _server: actix_web::dev::ServerHandle,
}

async fn receive(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<Arc<Mutex<ReceiverState>>>,
) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let id = header("webhook-id");
    let delay = {
        let mut s = state.lock().expect("lock");
        let count = s.in_flight.entry(id.clone()).or_default();
        *count += 1;
        if *count > 1 {
            s.concurrent_duplicate = true;
        }
        s.delay
    };
    tokio::time::sleep(delay).await;
    let mut s = state.lock().expect("lock");
    *s.in_flight.get_mut(&id).expect("counted") -= 1;
    if s.down {
        return HttpResponse::ServiceUnavailable().finish();
    }
    if s.fail_next > 0 {
        s.fail_next -= 1;
        return HttpResponse::InternalServerError().finish();
    }
    s.received.push(Received {
        id,
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body: body.to_vec(),
    });
    HttpResponse::NoContent().finish()
}

async fn receiver() -> Receiver {
    let state = Arc::new(Mutex::new(ReceiverState::default()));
    let data = web::Data::new(state.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .default_service(web::to(receive))
    })
    .workers(4)
    .bind("127.0.0.1:0")
    .expect("bind");
    let address = server.addrs()[0];
    let server = server.run();
    let handle = server.handle();
    tokio::spawn(server);
    Receiver {
        url: format!("http://{address}/hooks"),
        state,
        _server: handle,
    }
}

impl Receiver {
    fn received(&self) -> Vec<Received> {
        self.state.lock().expect("lock").received.clone()
    }

    async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let got = self.received();
            if got.len() >= n || start.elapsed() > within {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

const FAST: [(&str, &str); 5] = [
    ("WEBHOOK_DELIVERY", "true"),
    ("WEBHOOK_POLL_MS", "25"),
    ("WEBHOOK_BACKOFF_BASE_MS", "50"),
    ("WEBHOOK_TIMEOUT_SECONDS", "2"),
    ("WEBHOOK_LEASE_SECONDS", "4"),
];

async fn subscribe(app: &TestApp, url: &str, events: &[&str]) -> (String, String) {
    let created = app
        .post(
            "/v1/webhooks",
            &app.admin(),
            &json!({"url": url, "events": events}),
        )
        .await
        .ok(201);
    (
        created["id"].as_str().expect("id").to_string(),
        created["secret"].as_str().expect("secret").to_string(),
    )
}

#[tokio::test]
async fn deliveries_carry_standard_webhooks_signatures_and_ids_only() {
    let hook = receiver().await;
    let app = spawn_app_with(&FAST).await;
    let (_, secret) = subscribe(&app, &hook.url, &["case.created"]).await;
    let s = app.setup().await;
    let got = hook.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 1, "no delivery arrived");
    let message = &got[0];
    assert!(
        verify(
            &secret,
            &message.id,
            &message.timestamp,
            &message.signature,
            &message.body
        ),
        "signature does not verify"
    );
    assert!(!verify(
        "whsec_AAAAAAAAAAAAAAAAAAAAAA==",
        &message.id,
        &message.timestamp,
        &message.signature,
        &message.body
    ));
    let age =
        chrono::Utc::now().timestamp() - message.timestamp.parse::<i64>().expect("unix seconds");
    assert!((0..300).contains(&age));
    let envelope: Value = serde_json::from_slice(&message.body).expect("json");
    assert_eq!(envelope["type"], "case.created");
    assert!(envelope["timestamp"].as_str().is_some());
    assert_eq!(envelope["data"]["case_id"], s.case_id.to_string());
    let text = String::from_utf8_lossy(&message.body);
    assert!(
        !text.contains("Asha") && !text.contains("Mehta"),
        "names in a webhook: {text}"
    );
    // The feed carries the same event under the same id.
    let feed = app
        .feed_when("/v1/events?type=case.created", &app.admin(), |p| {
            !items(p).is_empty()
        })
        .await;
    assert_eq!(feed["items"][0]["id"], message.id);
}

#[tokio::test]
async fn a_receiver_that_fails_first_gets_the_event_on_retry() {
    let hook = receiver().await;
    hook.state.lock().expect("lock").fail_next = 3;
    let app = spawn_app_with(&FAST).await;
    let (webhook, _) = subscribe(&app, &hook.url, &["case.created"]).await;
    app.setup().await;
    assert_eq!(hook.wait_for(1, Duration::from_secs(15)).await.len(), 1);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let deliveries = app
        .get(&format!("/v1/webhooks/{webhook}/deliveries"), &app.admin())
        .await
        .ok(200);
    let delivery = &deliveries["items"][0];
    assert_eq!(delivery["status"], "delivered");
    let codes: Vec<Value> = delivery["attempt_log"]
        .as_array()
        .expect("attempts")
        .iter()
        .map(|a| a["status_code"].clone())
        .collect();
    assert_eq!(codes, vec![json!(500), json!(500), json!(500), json!(204)]);
}

async fn wait_status(app: &TestApp, webhook: &str, status: &str) -> Value {
    for _ in 0..400 {
        let deliveries = app
            .get(&format!("/v1/webhooks/{webhook}/deliveries"), &app.admin())
            .await
            .ok(200);
        if deliveries["items"][0]["status"] == status {
            return deliveries["items"][0].clone();
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the delivery never became {status}");
}

#[tokio::test]
async fn a_receiver_down_past_the_horizon_sees_failed_then_redelivery_succeeds() {
    let hook = receiver().await;
    hook.state.lock().expect("lock").down = true;
    let mut settings = FAST.to_vec();
    settings.push(("WEBHOOK_RETRY_HORIZON_SECONDS", "1"));
    let app = spawn_app_with(&settings).await;
    let (webhook, _) = subscribe(&app, &hook.url, &["case.created"]).await;
    app.setup().await;
    let failed = wait_status(&app, &webhook, "failed").await;
    assert!(failed["attempts"].as_i64().expect("n") >= 2, "{failed}");
    assert_eq!(failed["last_status_code"], 503);
    hook.state.lock().expect("lock").down = false;
    app.post(
        &format!(
            "/v1/webhook-deliveries/{}/redeliver",
            failed["id"].as_str().expect("id")
        ),
        &app.admin(),
        &json!({}),
    )
    .await
    .ok(202);
    wait_status(&app, &webhook, "delivered").await;
    assert_eq!(hook.received().len(), 1);
}

/// Pauses or resumes a subscription, as the admin.
async fn set_enabled(app: &TestApp, webhook: &str, enabled: bool) {
    app.patch(
        &format!("/v1/webhooks/{webhook}"),
        &app.admin(),
        &json!({"enabled": enabled}),
    )
    .await
    .ok(200);
}

#[tokio::test]
async fn disabling_a_subscription_stops_delivery_until_it_is_enabled() {
    let hook = receiver().await;
    let app = spawn_app_with(&FAST).await;
    let (webhook, _) = subscribe(&app, &hook.url, &["case.created"]).await;
    set_enabled(&app, &webhook, false).await;
    let patient = app.create_patient(None).await;
    app.create_case(patient, &json!({})).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(
        hook.received().is_empty(),
        "a disabled subscription was delivered to"
    );
    set_enabled(&app, &webhook, true).await;
    assert_eq!(
        hook.wait_for(1, Duration::from_secs(10)).await.len(),
        1,
        "the held event was not delivered after re-enabling"
    );
}

#[tokio::test]
async fn during_rotation_both_secrets_sign() {
    let hook = receiver().await;
    let app = spawn_app_with(&FAST).await;
    let (webhook, old) = subscribe(&app, &hook.url, &["case.created"]).await;
    let rotated = app
        .post(
            &format!("/v1/webhooks/{webhook}/rotate-secret"),
            &app.admin(),
            &json!({"overlap_hours": 1}),
        )
        .await
        .ok(200);
    let new = rotated["secret"].as_str().expect("secret").to_string();
    assert_ne!(new, old);
    app.setup().await;
    let got = hook.wait_for(1, Duration::from_secs(10)).await;
    let m = &got[0];
    assert_eq!(m.signature.split(' ').count(), 2);
    assert!(verify(&old, &m.id, &m.timestamp, &m.signature, &m.body));
    assert!(verify(&new, &m.id, &m.timestamp, &m.signature, &m.body));
    let listed = app.get("/v1/webhooks", &app.admin()).await;
    assert!(!listed.text().contains("whsec_"), "a list shows a secret");
}

#[tokio::test]
async fn a_rotation_retried_after_a_lost_answer_keeps_the_consumers_secret_signing() {
    let hook = receiver().await;
    let app = spawn_app_with(&FAST).await;
    let (webhook, old) = subscribe(&app, &hook.url, &["case.created"]).await;
    let rotate = || async {
        app.post(
            &format!("/v1/webhooks/{webhook}/rotate-secret"),
            &app.admin(),
            &json!({"overlap_hours": 1}),
        )
        .await
        .ok(200)["secret"]
            .as_str()
            .expect("secret")
            .to_string()
    };
    // The first answer never reached the admin; the retry's secret is the one they keep.
    let lost = rotate().await;
    let kept = rotate().await;
    app.setup().await;
    let got = hook.wait_for(1, Duration::from_secs(10)).await;
    let m = &got[0];
    assert_eq!(m.signature.split(' ').count(), 3, "{}", m.signature);
    for secret in [&old, &lost, &kept] {
        assert!(verify(secret, &m.id, &m.timestamp, &m.signature, &m.body));
    }
}

#[tokio::test]
async fn destinations_outside_the_allowed_ranges_are_refused() {
    let app = spawn_app_with(&FAST).await;
    let fields = app
        .post(
            "/v1/webhooks",
            &app.admin(),
            &json!({"url": "http://10.0.0.5/hook", "events": ["case.created"]}),
        )
        .await
        .unprocessable_fields();
    assert_eq!(fields, vec!["url"]);
    app.post(
        "/v1/webhooks",
        &app.admin(),
        &json!({"url": "https://169.254.169.254/latest", "events": ["case.created"]}),
    )
    .await
    .unprocessable_fields();
    app.post(
        "/v1/webhooks",
        &app.admin(),
        &json!({"url": "ftp://crm.example/x", "events": ["case.created"]}),
    )
    .await
    .invalid_fields();

    // Without allowed ranges, a name that resolves to loopback is refused at connect time.
    let hook = receiver().await;
    let mut settings = FAST.to_vec();
    settings.push(("WEBHOOK_ALLOWED_CIDRS", ""));
    let strict = spawn_app_with(&settings).await;
    let port = hook
        .url
        .split(':')
        .nth(2)
        .expect("port")
        .split('/')
        .next()
        .expect("port");
    let (webhook, _) = subscribe(
        &strict,
        &format!("https://localhost:{port}/hooks"),
        &["case.created"],
    )
    .await;
    strict.setup().await;
    let mut refused = Value::Null;
    for _ in 0..200 {
        let d = strict
            .get(
                &format!("/v1/webhooks/{webhook}/deliveries"),
                &strict.admin(),
            )
            .await
            .ok(200);
        if d["items"][0]["attempts"].as_i64().unwrap_or(0) >= 1
            && !d["items"][0]["last_error"].is_null()
        {
            refused = d["items"][0].clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(
        refused["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("refused")),
        "{refused}"
    );
    assert!(hook.received().is_empty());
}

#[tokio::test]
async fn the_event_feed_pages_with_after() {
    let app = spawn_app().await;
    let patient = app.create_patient(None).await;
    for _ in 0..3 {
        app.create_case(patient, &json!({})).await;
    }
    app.feed_when("/v1/events", &app.coordinator(), |p| items(p).len() == 3)
        .await;
    let first = app
        .get("/v1/events?limit=2", &app.coordinator())
        .await
        .ok(200);
    assert_eq!(items(&first).len(), 2);
    let after = first["next_cursor"].as_str().expect("cursor");
    let rest = app
        .get(&format!("/v1/events?after={after}"), &app.coordinator())
        .await
        .ok(200);
    assert_eq!(items(&rest).len(), 1);
    assert_eq!(rest["items"][0]["type"], "case.created");
    app.get("/v1/events?type=nothing.happened", &app.coordinator())
        .await
        .problem(400, "validation-error");
    app.get("/v1/events", &app.token(concord::auth::Role::Patient, "p"))
        .await
        .problem(403, "forbidden");
}

/// Emits `n` task events straight into the outbox of organisation `org`.
async fn emit_events(db_url: &str, org: Uuid, n: usize) {
    use diesel_async::{AsyncConnection, AsyncPgConnection};
    let mut conn = AsyncPgConnection::establish(db_url).await.expect("connect");
    for i in 0..n {
        let event = concord::db::events::NewEvent {
            id: Uuid::now_v7(),
            event_type: "task.created",
            data: json!({"task_id": Uuid::now_v7(), "n": i}),
        };
        concord::db::events::write(&mut conn, org, &[event])
            .await
            .expect("emit");
    }
}

#[tokio::test]
async fn two_replicas_deliver_a_thousand_events_each_exactly_once() {
    let hook = receiver().await;
    let a = spawn_app_with(&FAST).await;
    let b = start_server(&a.db_url, &FAST).await;
    subscribe(&a, &hook.url, &["task.created"]).await;
    emit_events(&a.db_url, a.org_id, 1000).await;
    let got = hook.wait_for(1000, Duration::from_secs(120)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got_after = hook.received();
    let ids: BTreeSet<&str> = got_after.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        got.len().min(1000),
        1000,
        "only {} of 1000 delivered",
        got.len()
    );
    assert_eq!(ids.len(), 1000);
    assert_eq!(got_after.len(), 1000, "some events were delivered twice");
    assert!(
        !hook.state.lock().expect("lock").concurrent_duplicate,
        "one message was delivered twice at once"
    );
    drop(b);
}

#[tokio::test]
async fn a_replica_killed_mid_delivery_loses_no_event() {
    let hook = receiver().await;
    hook.state.lock().expect("lock").delay = Duration::from_millis(1500);
    let db = test_database().await;
    let port = free_port();
    let mut doomed = serve_command(&db.url, port)
        .env("WEBHOOK_ALLOWED_CIDRS", "127.0.0.0/8")
        .env("WEBHOOK_POLL_MS", "25")
        .env("WEBHOOK_TIMEOUT_SECONDS", "5")
        .env("WEBHOOK_LEASE_SECONDS", "6")
        .spawn()
        .expect("start");
    // Wait until the doomed replica has migrated the database and answers.
    wait_ready(port).await;
    let survivor = start_server(&db.url, &[("WEBHOOK_DELIVERY", "false")]).await;
    let org = {
        use diesel_async::{AsyncConnection, AsyncPgConnection};
        let mut conn = AsyncPgConnection::establish(&db.url)
            .await
            .expect("connect");
        concord::db::organizations::create_navigator(&mut conn, "Kill Navigation")
            .await
            .expect("org")
            .id
    };
    let admin = survivor.token_for(concord::auth::Role::Admin, "admin-1", org);
    survivor
        .post(
            "/v1/webhooks",
            &admin,
            &json!({"url": hook.url, "events": ["task.created"]}),
        )
        .await
        .ok(201);
    emit_events(&db.url, org, 20).await;
    // Kill the replica while its first deliveries are in flight at the (slow) receiver.
    let start = Instant::now();
    while hook
        .state
        .lock()
        .expect("lock")
        .in_flight
        .values()
        .all(|n| *n == 0)
        && start.elapsed() < Duration::from_secs(10)
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    doomed.kill().expect("kill -9");
    let _ = doomed.wait();
    let _ = &survivor;
    hook.state.lock().expect("lock").delay = Duration::ZERO;
    // Another replica takes over when the leases run out.
    let heir = start_server(&db.url, &FAST).await;
    let start = Instant::now();
    loop {
        let ids: BTreeSet<String> = hook.received().into_iter().map(|r| r.id).collect();
        if ids.len() == 20 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "only {} of 20 events arrived after the kill",
            ids.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(heir);
}

#[tokio::test]
async fn one_submission_fans_its_events_out_to_exactly_the_subscriptions_that_want_them() {
    let hook = receiver().await;
    let app = spawn_app_with(&[("WEBHOOK_DELIVERY", "false")]).await;
    let s = app.setup().await;
    app.record_plan(s.case_id, &example_picture()).await.ok(201);
    let referral = app.refer(s.case_id, s.partner_id).await;
    let (many, _) = subscribe(
        &app,
        &hook.url,
        &[
            "second_opinion.received",
            "assessment.created",
            "case.updated",
        ],
    )
    .await;
    let (one, _) = subscribe(&app, &hook.url, &["referral.updated"]).await;
    let (none, _) = subscribe(&app, &hook.url, &["summary.generated"]).await;
    app.submit_opinion(referral, &s.partner_key, &opinion_body(&example_picture()))
        .await
        .ok(201);
    let events = app
        .feed_when("/v1/events", &app.admin(), |p| {
            items(p)
                .iter()
                .any(|e| e["type"] == "second_opinion.received")
        })
        .await;
    let type_of: std::collections::HashMap<String, String> = items(&events)
        .iter()
        .map(|e| {
            (
                e["id"].as_str().expect("id").to_string(),
                e["type"].as_str().expect("type").to_string(),
            )
        })
        .collect();
    for wanted in [
        "second_opinion.received",
        "assessment.created",
        "referral.updated",
        "case.updated",
    ] {
        assert!(
            type_of.values().any(|t| t == wanted),
            "{wanted} missing from {type_of:?}"
        );
    }
    let delivered = async |webhook: String| {
        let deliveries = app
            .get(&format!("/v1/webhooks/{webhook}/deliveries"), &app.admin())
            .await
            .ok(200);
        // Delivery ids are made in SQL beside the events (db::unit): UUIDv7, like every id.
        for d in items(&deliveries) {
            let id = Uuid::parse_str(d["id"].as_str().expect("id")).expect("uuid");
            assert_eq!(id.get_version_num(), 7, "delivery id {id}");
            let (secs, _) = id.get_timestamp().expect("v7 time").to_unix();
            let now = chrono::Utc::now().timestamp() as u64;
            assert!(now.abs_diff(secs) < 60, "delivery id {id} is not of now");
        }
        let mut types: Vec<String> = items(&deliveries)
            .iter()
            .map(|d| type_of[d["event_id"].as_str().expect("event_id")].clone())
            .collect();
        types.sort();
        types
    };
    assert_eq!(
        delivered(many).await,
        [
            "assessment.created",
            "case.updated",
            "second_opinion.received"
        ]
    );
    assert_eq!(delivered(one).await, ["referral.updated"]);
    assert!(delivered(none).await.is_empty());
}

#[tokio::test]
async fn the_feed_never_pages_past_an_event_whose_transaction_is_still_open() {
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
    let app = spawn_app().await;
    let patient = app.create_patient(None).await;
    // A transaction makes its event first (an earlier id) but commits last.
    let mut slow = AsyncPgConnection::establish(&app.db_url)
        .await
        .expect("connect");
    diesel::sql_query("BEGIN")
        .execute(&mut slow)
        .await
        .expect("begin");
    let event = concord::db::events::NewEvent {
        id: Uuid::now_v7(),
        event_type: "task.created",
        data: json!({"task_id": Uuid::now_v7()}),
    };
    concord::db::events::write(&mut slow, app.org_id, &[event])
        .await
        .expect("emit");
    app.create_case(patient, &json!({})).await;
    let while_open = app.get("/v1/events", &app.coordinator()).await.ok(200);
    let seen: Vec<&str> = items(&while_open)
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert!(
        !seen.contains(&"case.created"),
        "a later event shown while an earlier one may still commit: {seen:?}"
    );
    let cursor = while_open["next_cursor"].as_str().map(str::to_owned);
    diesel::sql_query("COMMIT")
        .execute(&mut slow)
        .await
        .expect("commit");
    let path = match &cursor {
        Some(after) => format!("/v1/events?after={after}"),
        None => "/v1/events".to_string(),
    };
    let after_commit = app
        .feed_when(&path, &app.coordinator(), |p| items(p).len() >= 2)
        .await;
    let types: Vec<&str> = items(&after_commit)
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert_eq!(
        types,
        ["task.created", "case.created"],
        "the cursor must not have passed either event"
    );
}

/// A subscription deleted while an event fans out to it: the change that caused the event
/// still commits (found by schemathesis: a patient's erasure failed with a 500 while another
/// request deleted a webhook subscription).
#[tokio::test]
async fn a_subscription_deleted_during_an_emit_never_fails_the_change() {
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
    let hook = receiver().await;
    let app = spawn_app().await;
    let (subscription, _) = subscribe(&app, &hook.url, &["task.created"]).await;
    let mut deleter = AsyncPgConnection::establish(&app.db_url)
        .await
        .expect("connect");
    diesel::sql_query("BEGIN")
        .execute(&mut deleter)
        .await
        .expect("begin");
    diesel::sql_query(format!(
        "DELETE FROM webhook_subscriptions WHERE id = '{subscription}'"
    ))
    .execute(&mut deleter)
    .await
    .expect("delete");
    let (db_url, org) = (app.db_url.clone(), app.org_id);
    let emit = tokio::spawn(async move {
        let mut conn = AsyncPgConnection::establish(&db_url)
            .await
            .expect("connect");
        diesel::sql_query("BEGIN").execute(&mut conn).await?;
        let event = concord::db::events::NewEvent {
            id: Uuid::now_v7(),
            event_type: "task.created",
            data: json!({"task_id": Uuid::now_v7()}),
        };
        concord::db::events::write(&mut conn, org, &[event]).await?;
        diesel::sql_query("COMMIT").execute(&mut conn).await
    });
    // The emit reaches the subscription while the delete is still open.
    tokio::time::sleep(Duration::from_millis(300)).await;
    diesel::sql_query("COMMIT")
        .execute(&mut deleter)
        .await
        .expect("commit");
    emit.await
        .expect("join")
        .expect("the event and its deliveries commit");
    let events = app
        .scalar("SELECT count(*) AS n FROM events WHERE type = 'task.created'")
        .await;
    let deliveries = app
        .scalar("SELECT count(*) AS n FROM webhook_deliveries")
        .await;
    assert_eq!((events, deliveries), (1, 0));
}
