//! Criterion benchmarks of what a request costs around the core: the JSON body pipeline
//! (parse, schema check against the published document, typed parse, field rules) and JWT
//! verification. `cargo bench --bench request`. Compare with `classify/one` in `core`.

use std::hint::black_box;
use std::time::Duration;

use concord::auth::Role;
use concord::auth::jwt::JwtVerifier;
use concord::config::{JwtConfig, JwtKeySource};
use concord::domain::discordance::ClassificationInput;
use concord::http::json::parse;
use criterion::{Criterion, criterion_group, criterion_main};

/// The worked examples' inputs, as the bytes a client would send.
fn bodies() -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cases");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let case: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(p).expect("read")).expect("json");
            serde_json::to_vec(&case["input"]).expect("bytes")
        })
        .collect()
}

fn body(c: &mut Criterion) {
    let bodies = bodies();
    // Compile the schema validator once, as the first request does.
    parse::<ClassificationInput>(&bodies[0]).expect("valid");
    c.bench_function("body/classification_input_all_worked_examples", |b| {
        b.iter(|| {
            for raw in &bodies {
                black_box(parse::<ClassificationInput>(black_box(raw)).expect("valid"));
            }
        })
    });
    let mut bad: serde_json::Value = serde_json::from_slice(&bodies[0]).expect("json");
    bad["current"]["diagnosis"]["primary_site"] = serde_json::json!(42);
    bad["context"]["as_of"] = serde_json::json!("yesterday");
    let bad = serde_json::to_vec(&bad).expect("bytes");
    c.bench_function("body/classification_input_invalid", |b| {
        b.iter(|| black_box(parse::<ClassificationInput>(black_box(&bad)).expect_err("invalid")))
    });
}

fn jwt(c: &mut Criterion) {
    let verifier = JwtVerifier::from_config(&JwtConfig {
        keys: JwtKeySource::Secret(b"a benchmark secret of at least 32 bytes".to_vec()),
        algorithm: None,
        issuer: None,
        audience: None,
        leeway: Duration::from_secs(30),
    })
    .expect("verifier");
    let token = verifier
        .mint(
            "coordinator-1",
            Role::Coordinator,
            Some(uuid::Uuid::now_v7()),
            Duration::from_secs(600),
        )
        .expect("mint");
    c.bench_function("jwt/verify_hs256", |b| {
        b.iter(|| black_box(verifier.verify(black_box(&token)).expect("valid")))
    });
}

criterion_group!(benches, body, jwt);
criterion_main!(benches);
