//! Criterion benchmarks of the FHIR mapping: importing the mCODE example patient Bundle (40
//! entries, jenny-m) next to parsing and checking the same picture from JSON, as the JSON routes
//! do; and exporting a worked example's plan. A figure, not a gate. `cargo bench --bench fhir`.

use std::hint::black_box;

use chrono::{TimeZone, Utc};
use concord::domain::fhir::{
    ImportContext, PlanExport, PlanKind, export_plan, import_picture, import_plan,
};
use concord::domain::picture::Picture;
use concord::domain::validation::FieldErrors;
use criterion::{Criterion, criterion_group, criterion_main};
use uuid::Uuid;

fn fixture(path: &str) -> Vec<u8> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::read(root.join(path)).expect("fixture")
}

fn import(c: &mut Criterion) {
    let body = fixture("tests/fixtures/fhir/mcode/Bundle-mcode-patient-bundle-jenny-m.json");
    let context = ImportContext::new(Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap())
        .with_birth_year(Some(1965));
    // Warm the embedded tables and the vocabulary once, as the service does at start-up.
    let imported = import_plan(&body, &context).expect("jenny-m imports");
    let picture_json = serde_json::to_vec(&imported.picture).expect("picture json");
    c.bench_function("fhir/import_plan/jenny_m_40_entries", |b| {
        b.iter(|| black_box(import_plan(black_box(&body), &context).expect("import")))
    });
    // The share of the import that is only reading the JSON text (the Bundle is 110 kB with
    // its narratives).
    c.bench_function("fhir/import_plan/jenny_m_json_value_only", |b| {
        b.iter(|| {
            black_box(serde_json::from_slice::<serde_json::Value>(black_box(&body)).expect("json"))
        })
    });
    c.bench_function("fhir/same_picture_from_json/parse", |b| {
        b.iter(|| {
            black_box(serde_json::from_slice::<Picture>(black_box(&picture_json)).expect("parse"))
        })
    });
    c.bench_function("fhir/same_picture_from_json/parse_and_check", |b| {
        b.iter(|| {
            let picture: Picture = serde_json::from_slice(black_box(&picture_json)).expect("parse");
            let mut errors = FieldErrors::new();
            picture.check("", &mut errors);
            black_box((picture.normalised(), errors.is_empty()))
        })
    });
}

fn export(c: &mut Criterion) {
    let case = fixture("tests/fixtures/cases/tnbc-neoadjuvant-instead-of-surgery-first.json");
    let case: serde_json::Value = serde_json::from_slice(&case).expect("case");
    let picture: Picture =
        serde_json::from_value(case["input"]["current"].clone()).expect("picture");
    let export = || {
        export_plan(&PlanExport {
            picture: &picture,
            kind: PlanKind::CurrentPlan,
            case_id: Uuid::from_u128(1),
            version: 1,
            version_id: Uuid::from_u128(2),
            recorded_at: Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap(),
            patient_id: Uuid::from_u128(3),
            patient_birth_year: Some(1968),
            patient_name: None,
            author: None,
            entered_by: Some("coord-1".into()),
            organization_id: Uuid::from_u128(4),
            organization_name: "Asha Navigation".into(),
        })
    };
    let bundle = serde_json::to_vec(&export()).expect("bundle json");
    c.bench_function("fhir/export_plan/tnbc_worked_example", |b| {
        b.iter(|| black_box(serde_json::to_vec(&export()).expect("json")))
    });
    let context = ImportContext::new(Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap());
    c.bench_function("fhir/import_picture/tnbc_export_round_trip", |b| {
        b.iter(|| black_box(import_picture(black_box(&bundle), &context).expect("import")))
    });
}

criterion_group!(benches, import, export);
criterion_main!(benches);
