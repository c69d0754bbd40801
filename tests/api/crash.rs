//! kill -9 of the real server binary in the middle of a burst of submissions: no
//! acknowledged opinion is lost, and none is half-written (every opinion has its assessment,
//! audit row and outbox event, because they commit in one transaction).

use std::process::Child;
use std::time::Duration;

use concord::auth::Role;
use concord::auth::jwt::JwtVerifier;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::{Value, json};

use crate::helpers::*;

fn start(database_url: &str, port: u16) -> Child {
    serve_command(database_url, port)
        .env("WEBHOOK_DELIVERY", "false")
        .env("RATE_LIMIT_PER_SUBJECT_PER_MINUTE", "100000")
        .spawn()
        .expect("the concord binary starts")
}

#[tokio::test]
async fn killing_the_server_mid_burst_loses_no_acknowledged_opinion() {
    let db = test_database().await;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut server = start(&db.url, port);
    wait_ready(port).await;

    let mut conn = AsyncPgConnection::establish(&db.url)
        .await
        .expect("connect");
    let org = concord::db::organizations::create_navigator(&mut conn, "Crash Navigation")
        .await
        .expect("org")
        .id;
    let config = test_config(&db.url, &[]);
    let token = JwtVerifier::from_config(&config.jwt)
        .expect("jwt")
        .mint(
            "coord-1",
            Role::Coordinator,
            Some(org),
            Duration::from_secs(600),
        )
        .expect("token");
    let post = {
        let (client, token, base) = (client.clone(), token.clone(), base.clone());
        move |path: String, body: Value| {
            let (client, token) = (client.clone(), token.clone());
            let url = format!("{base}{path}");
            async move { client.post(url).bearer_auth(token).json(&body).send().await }
        }
    };
    let patient: Value = post(
        "/v1/patients".into(),
        json!({"display_name": "P", "birth_year": 1960}),
    )
    .await
    .expect("sent")
    .json()
    .await
    .expect("json");
    let case: Value = post("/v1/cases".into(), json!({"patient_id": patient["id"]}))
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let case_id = case["id"].as_str().expect("id").to_string();
    let plan = client
        .put(format!("{base}/v1/cases/{case_id}/plan"))
        .bearer_auth(&token)
        .json(&example_picture())
        .send()
        .await
        .expect("sent");
    assert_eq!(plan.status(), 201);

    // A burst of 16 concurrent writers; the server is killed after 40 acknowledgements.
    let picture = capox();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Option<String>>();
    let mut writers = Vec::new();
    for _ in 0..16 {
        let tx = tx.clone();
        let path = format!("/v1/cases/{case_id}/second-opinions");
        let body = opinion_body(&picture);
        let post = post.clone();
        writers.push(tokio::spawn(async move {
            for _ in 0..50 {
                match post(path.clone(), body.clone()).await {
                    Ok(r) if r.status() == 201 => {
                        let v: Value = r.json().await.unwrap_or(Value::Null);
                        let _ = tx.send(v["id"].as_str().map(str::to_owned));
                    }
                    _ => {
                        let _ = tx.send(None);
                        return;
                    }
                }
            }
        }));
    }
    drop(tx);
    let mut acknowledged = Vec::new();
    while let Some(ack) = rx.recv().await {
        if let Some(id) = ack {
            acknowledged.push(id);
        }
        if acknowledged.len() == 40 {
            server.kill().expect("kill -9");
        }
    }
    let _ = server.wait();
    for w in writers {
        let _ = w.await;
    }
    assert!(
        acknowledged.len() >= 40,
        "only {} acknowledged before the kill",
        acknowledged.len()
    );

    let mut restarted = start(&db.url, port);
    wait_ready(port).await;
    for id in &acknowledged {
        let reply = client
            .get(format!("{base}/v1/second-opinions/{id}"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("sent");
        assert_eq!(reply.status(), 200, "acknowledged opinion {id} was lost");
        let opinion: Value = reply.json().await.expect("json");
        assert_eq!(
            opinion["current_assessment"]["outcome"], "refines",
            "{id} has no assessment"
        );
    }
    let opinions = scalar(&mut conn, "SELECT count(*) AS n FROM second_opinions").await;
    let assessed = scalar(
        &mut conn,
        "SELECT count(DISTINCT second_opinion_id) AS n FROM assessments WHERE current",
    )
    .await;
    let audited = scalar(
        &mut conn,
        "SELECT count(*) AS n FROM audit_events WHERE action = 'second_opinion.create'",
    )
    .await;
    let evented = scalar(
        &mut conn,
        "SELECT count(*) AS n FROM events WHERE type = 'second_opinion.received'",
    )
    .await;
    assert!(opinions >= acknowledged.len() as i64);
    assert_eq!(
        (assessed, audited, evented),
        (opinions, opinions, opinions),
        "a half-written submission survived the crash"
    );
    let _ = restarted.kill();
    let _ = restarted.wait();
}
