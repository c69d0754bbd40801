//! Criterion benchmarks of the pure core: classification of every worked example, the summary
//! builder and each renderer. `cargo bench --bench core`.

use std::hint::black_box;

use chrono::NaiveDate;
use concord::domain::discordance::{
    ClassificationInput, Ruleset, classify, classify_with, validate_input,
};
use concord::domain::summary::{self, SummaryRequest};
use criterion::{Criterion, criterion_group, criterion_main};

fn worked_examples() -> Vec<(String, ClassificationInput)> {
    examples_in("tests/fixtures/cases")
}

fn examples_in(folder: &str) -> Vec<(String, ClassificationInput)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    let mut cases: Vec<(String, ClassificationInput)> = std::fs::read_dir(dir)
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let case: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&p).expect("read")).expect("json");
            let input: ClassificationInput =
                serde_json::from_value(case["input"].clone()).expect("input");
            (
                p.file_stem().expect("stem").to_string_lossy().into_owned(),
                validate_input(input).expect("valid"),
            )
        })
        .collect();
    cases.sort_by(|a, b| a.0.cmp(&b.0));
    cases
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).expect("date")
}

fn classification(c: &mut Criterion) {
    let cases = worked_examples();
    // Warm the vocabulary once, as the service does at start-up.
    classify(&cases[0].1, today());
    c.bench_function("classify/all_worked_examples", |b| {
        b.iter(|| {
            for (_, input) in &cases {
                black_box(classify(black_box(input), today()));
            }
        })
    });
    let (_, one) = cases
        .iter()
        .find(|(n, _)| n == "dlbcl-car-t-abroad")
        .expect("example");
    c.bench_function("classify/one", |b| {
        b.iter(|| black_box(classify(black_box(one), today())))
    });
}

/// Ruleset 3 against ruleset 2 on the same inputs: the 30 ruleset-2 worked examples.
fn rulesets(c: &mut Criterion) {
    let cases = examples_in("tests/fixtures/cases-ruleset2");
    let mut group = c.benchmark_group("ruleset");
    for (name, ruleset) in [("2", Ruleset::Two), ("3", Ruleset::Three)] {
        classify_with(&cases[0].1, today(), ruleset);
        group.bench_function(format!("{name}/ruleset2_examples"), |b| {
            b.iter(|| {
                for (_, input) in &cases {
                    black_box(classify_with(black_box(input), today(), ruleset));
                }
            })
        });
    }
    group.finish();
}

fn summaries(c: &mut Criterion) {
    let cases = worked_examples();
    let (_, input) = cases
        .iter()
        .find(|(n, _)| n == "dlbcl-car-t-abroad")
        .expect("example");
    let classification = classify(input, today());
    let request = |language: &str| SummaryRequest {
        classification: &classification,
        patient_first_name: Some("Asha".into()),
        oncologist_name: Some("Dr. Rao".into()),
        language: language.into(),
        next_step: input.context.next_irreversible_step.clone(),
        treatment_status: input.context.treatment_status,
        source: Some(summary::OpinionSource {
            institution: Some("Tata Memorial Centre".into()),
            specialty: Some("medical oncology".into()),
        }),
    };
    for language in ["en", "es"] {
        let request = request(language);
        c.bench_function(&format!("summary/build_{language}"), |b| {
            b.iter(|| black_box(summary::build(black_box(&request)).expect("summary")))
        });
    }
    let built = summary::build(&request("en")).expect("summary");
    c.bench_function("summary/markdown", |b| {
        b.iter(|| black_box(summary::to_markdown(black_box(&built))))
    });
    c.bench_function("summary/html", |b| {
        b.iter(|| black_box(summary::to_html(black_box(&built))))
    });
    c.bench_function("summary/pdf", |b| {
        b.iter(|| black_box(summary::to_pdf(black_box(&built)).expect("pdf")))
    });
}

criterion_group!(benches, classification, rulesets, summaries);
criterion_main!(benches);
