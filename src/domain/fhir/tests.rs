//! Unit tests of the tables and of export -> import over every worked example; the fixtures
//! with hand-written expectations are in `tests/fhir.rs`.

use chrono::{TimeZone, Utc};
use std::collections::HashSet;
use uuid::Uuid;

use super::codes::{SOURCES, StageKind, Tables};
use super::import::topography;
use super::*;
use crate::domain::codes::{Morphology, StageGroup};
use crate::domain::picture::Picture;
use crate::domain::vocabulary::Vocabulary;

fn worked_examples() -> Vec<(String, Picture)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cases");
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("cases")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    for path in files {
        let case: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        let name = case["name"].as_str().expect("name").to_string();
        for side in ["current", "opinion"] {
            let picture: Picture =
                serde_json::from_value(case["input"][side].clone()).expect("picture");
            out.push((format!("{name}/{side}"), picture));
        }
    }
    out
}

pub(crate) fn export_of(picture: &Picture, kind: PlanKind) -> serde_json::Value {
    export_plan(&PlanExport {
        picture,
        kind,
        case_id: Uuid::from_u128(1),
        version: 3,
        version_id: Uuid::from_u128(2),
        recorded_at: Utc.with_ymd_and_hms(2026, 11, 25, 9, 30, 0).unwrap(),
        patient_id: Uuid::from_u128(3),
        patient_birth_year: Some(1968),
        patient_name: Some("Asha K.".into()),
        author: Some(Author {
            name: "Dr. R. Mehta".into(),
            institution: Some("City Cancer Hospital".into()),
            specialty: Some("medical oncology".into()),
        }),
        entered_by: Some("coord-1".into()),
        organization_id: Uuid::from_u128(4),
        organization_name: "Asha Navigation".into(),
    })
}

fn context() -> ImportContext {
    ImportContext::new(Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap())
        .with_birth_year(Some(1968))
}

#[test]
fn every_worked_example_survives_export_and_import_over_the_declared_subset() {
    let mut failures = Vec::new();
    for (name, picture) in worked_examples() {
        for kind in [PlanKind::CurrentPlan, PlanKind::SecondOpinion] {
            let bundle = export_of(&picture, kind);
            let body = serde_json::to_vec(&bundle).expect("json");
            let imported = import_plan(&body, &context())
                .unwrap_or_else(|e| panic!("{name}: the export is refused: {e}"));
            let back = normalise(&imported.picture);
            let expected = restrict(&picture);
            if back != expected {
                failures.push(format!(
                    "{name} ({kind:?}):\n  expected {}\n  imported {}",
                    serde_json::to_string(&expected).unwrap(),
                    serde_json::to_string(&back).unwrap()
                ));
            }
            let clinical: Vec<_> = imported
                .report
                .entries
                .iter()
                .filter(|e| e.clinical)
                .collect();
            if !clinical.is_empty()
                && picture
                    .diagnosis
                    .as_ref()
                    .and_then(|d| d.stage.as_ref())
                    .is_none_or(|s| s.system.is_some())
            {
                failures.push(format!(
                    "{name} ({kind:?}): clinical report entries on a round trip: {clinical:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn an_export_is_stable_and_ids_are_unique() {
    for (name, picture) in worked_examples() {
        let a = export_of(&picture, PlanKind::CurrentPlan);
        let b = export_of(&picture, PlanKind::CurrentPlan);
        assert_eq!(a, b, "{name}: two exports of one version differ");
        let mut seen = HashSet::new();
        for entry in a["entry"].as_array().expect("entries") {
            let url = entry["fullUrl"].as_str().expect("fullUrl");
            assert!(url.starts_with("urn:uuid:"), "{name}: {url}");
            assert!(seen.insert(url.to_string()), "{name}: {url} twice");
            let id = entry["resource"]["id"].as_str().expect("id");
            assert_eq!(url, format!("urn:uuid:{id}"));
        }
    }
}

#[test]
fn every_table_row_names_a_known_source_and_a_known_target() {
    let t = Tables::standard();
    let vocab = Vocabulary::standard();
    for tsv in &t.raw {
        let mut keys = HashSet::new();
        for row in &tsv.rows {
            assert_eq!(
                row.len(),
                tsv.width(),
                "{}: row {row:?} has {} cells",
                tsv.name,
                row.len()
            );
            let source = tsv.cell(row, "source");
            assert!(
                SOURCES.contains(&source),
                "{}: unknown source '{source}'",
                tsv.name
            );
            let key = match tsv.name {
                "answers.tsv" => format!("{}|{}", tsv.cell(row, "system"), tsv.cell(row, "code")),
                "rxnorm.tsv" => tsv.cell(row, "rxcui").to_string(),
                _ => tsv.cell(row, "code").to_string(),
            };
            assert!(
                keys.insert(key.clone()),
                "{}: {key} is listed twice",
                tsv.name
            );
            let cell = |c: &str| tsv.cell(row, c);
            match tsv.name {
                "rxnorm.tsv" => assert!(
                    vocab
                        .drug(cell("drug"))
                        .is_some_and(|d| d.name == cell("drug")),
                    "rxnorm.tsv: '{}' is not a vocabulary drug's canonical name",
                    cell("drug")
                ),
                "procedures.tsv" => assert!(
                    vocab
                        .procedure(cell("procedure"))
                        .is_some_and(|p| p.name == cell("procedure")),
                    "procedures.tsv: '{}' is not a vocabulary procedure",
                    cell("procedure")
                ),
                "biomarkers.tsv" => {
                    let marker = cell("marker");
                    let symbol = marker
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
                    assert!(
                        vocab.gene(marker, false) == Some(marker) || symbol,
                        "biomarkers.tsv: '{marker}' is neither a vocabulary gene key nor a gene symbol"
                    );
                }
                "sites.tsv" | "icd10cm.tsv" => {
                    let topo = cell("topography");
                    assert!(
                        topo == "-" || topography(topo).is_some(),
                        "{}: {topo} is not ICD-O-3 topography",
                        tsv.name
                    );
                    let morph = cell("morphology");
                    assert!(
                        morph.is_empty() || morph == "-" || Morphology::parse(morph).is_ok(),
                        "{}: {morph}",
                        tsv.name
                    );
                }
                "morphology.tsv" => assert!(Morphology::parse(cell("morphology")).is_ok()),
                "stages.tsv" => {
                    let label = cell("label");
                    if cell("kind") == "group" {
                        assert!(StageGroup::parse(label).is_some(), "stages.tsv: {label}");
                    } else {
                        assert!(
                            label.starts_with(['c', 'p']),
                            "stages.tsv: {label} names no c/p prefix"
                        );
                    }
                }
                _ => {}
            }
        }
    }
    for row in &t.small.stage_type {
        assert!(SOURCES.contains(&row.source.as_str()));
    }
    for row in &t.small.stage_method {
        assert!(SOURCES.contains(&row.source.as_str()));
    }
    for row in &t.small.other_stage {
        assert!(SOURCES.contains(&row.source.as_str()));
    }
    assert_eq!(t.stage_code(StageKind::Group, "IIIC"), Some("1222806003"));
    assert_eq!(t.stage_value("1228938002"), Some((StageKind::T, "cT3")));
    assert_eq!(t.rxnorm("309311"), Some("cisplatin"));
    assert!(CONCORD_CODES.starts_with(CONCORD_FHIR_BASE));
}

#[test]
fn the_not_exported_list_is_published_in_docs() {
    let docs = include_str!("../../../docs/fhir.md");
    for (field, _) in NOT_EXPORTED {
        assert!(
            docs.contains(&format!("`{field}`")),
            "docs/fhir.md does not list `{field}`"
        );
    }
}
