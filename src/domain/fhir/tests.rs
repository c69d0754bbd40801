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
    // Both rulesets' worked examples: ruleset 3's fields are exported or listed in NOT_EXPORTED.
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
    for row in &t.small.performance_scale {
        assert!(SOURCES.contains(&row.source.as_str()));
        assert_eq!(t.performance_scale(&row.system, &row.code), Some(row.scale));
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

mod generated {
    //! The round trip on pictures nobody wrote: every field of the declared subset, drawn from
    //! the values the tables and the vocabulary know and from free text.

    use super::*;
    use crate::domain::picture::*;
    use proptest::prelude::*;

    fn maybe<T: std::fmt::Debug + Clone + 'static>(
        s: impl Strategy<Value = T> + 'static,
    ) -> BoxedStrategy<Option<T>> {
        prop::option::of(s).boxed()
    }

    fn words() -> impl Strategy<Value = String> {
        "[A-Za-z][A-Za-z0-9 ./+-]{0,24}[A-Za-z0-9]".prop_map(|s| s.to_string())
    }

    fn stage() -> impl Strategy<Value = Stage> {
        (
            maybe(prop::sample::select(vec![
                "AJCC8",
                "AJCC7",
                "UICC",
                "Ann Arbor",
            ])),
            maybe(prop::sample::select(vec!["c", "p", "yp"])),
            maybe(prop::sample::select(vec![
                "0", "IA", "IIB", "IIIC", "IVB", "IIIA1",
            ])),
            maybe(prop::sample::select(vec![
                "T2", "T1a", "Tis", "TX", "cT3", "pT4b",
            ])),
            maybe(prop::sample::select(vec!["N0", "N1", "N2a", "NX"])),
            maybe(prop::sample::select(vec!["M0", "M1", "M1c"])),
        )
            .prop_map(|(system, prefix, group, t, n, m)| Stage {
                system: system.map(str::to_string),
                prefix: prefix.map(str::to_string),
                group: group.map(str::to_string),
                t: t.map(str::to_string),
                n: n.map(str::to_string),
                m: m.map(str::to_string),
            })
    }

    fn biomarker() -> impl Strategy<Value = Biomarker> {
        (
            prop::sample::select(vec![
                "ER", "PR", "HER2", "ERBB2", "PD-L1", "KRAS", "EGFR", "ALK", "BRCA2", "MSI", "TMB",
            ]),
            maybe(prop::sample::select(vec![
                "G12C",
                "L858R",
                "EML4-ALK",
                "c.5946del",
            ])),
            prop::sample::select(vec![
                "positive",
                "negative",
                "detected",
                "not detected",
                "low",
                "2+",
                "3+",
                "pathogenic",
                "uncertain significance",
                "equivocal",
            ]),
            maybe(prop::sample::select(vec!["60%", "IHC 1+", "TPS 55%"])),
            maybe(prop::sample::select(vec![
                BiomarkerOrigin::Somatic,
                BiomarkerOrigin::Germline,
            ])),
        )
            .prop_map(|(name, variant, result, value, origin)| Biomarker {
                score: None,
                name: name.into(),
                variant: variant.map(str::to_string),
                result: result.into(),
                value: value.map(str::to_string),
                origin,
            })
    }

    fn diagnosis() -> impl Strategy<Value = Diagnosis> {
        (
            maybe(prop::sample::select(vec![
                "C50.4", "C34.1", "C18.7", "C61.9", "C77.2", "C71", "D05.1",
            ])),
            maybe(prop::sample::select(vec![
                Laterality::Left,
                Laterality::Right,
                Laterality::Bilateral,
            ])),
            maybe(prop::sample::select(vec![
                "8500/3", "8140/3", "9680/3", "8500/2", "8070/3",
            ])),
            maybe(words()),
            maybe((
                1i64..=5,
                maybe(prop::sample::select(vec!["Nottingham", "ISUP", "WHO"])),
            )),
            maybe(stage()),
            maybe(prop::collection::vec(biomarker(), 0..4)),
        )
            .prop_map(
                |(site, laterality, histology, text, grade, stage, markers)| Diagnosis {
                    primary_site: site.map(str::to_string),
                    laterality,
                    histology: histology.map(str::to_string),
                    histology_text: text,
                    grade: grade.as_ref().map(|g| g.0),
                    grade_system: grade.and_then(|g| g.1).map(str::to_string),
                    stage,
                    biomarkers: markers,
                },
            )
    }

    fn line() -> impl Strategy<Value = SystemicTherapy> {
        let drugs = prop::sample::select(vec![
            "carboplatin",
            "Keytruda",
            "paclitaxel",
            "Xeloda",
            "5-FU",
            "oxaliplatin",
            "unobtainium",
            "letrozole",
            "rituximab",
        ]);
        (
            maybe(prop::sample::select(vec![
                "FOLFOX",
                "AC-T",
                "R-CHOP",
                "MyRegimen",
            ])),
            maybe(prop::collection::vec(drugs, 1..4)),
        )
            .prop_filter("a line names something", |(r, d)| {
                r.is_some() || d.is_some()
            })
            .prop_map(|(regimen, drugs)| SystemicTherapy {
                regimen: regimen.map(str::to_string),
                drugs: drugs.map(|d| d.into_iter().map(str::to_string).collect()),
                ..SystemicTherapy::default()
            })
    }

    fn radiotherapy() -> impl Strategy<Value = Radiotherapy> {
        (
            maybe(1u32..=8000),
            maybe(1i64..=45),
            maybe(prop::sample::select(vec![
                RadiationType::Photon,
                RadiationType::Proton,
                RadiationType::Electron,
                RadiationType::CarbonIon,
                RadiationType::Brachytherapy,
            ])),
            maybe(prop::sample::select(vec!["IMRT", "VMAT", "SBRT", "3D-CRT"])),
            maybe(prop::sample::select(vec!["bone", "lung", "whole breast"])),
        )
            .prop_map(
                |(cgy, fractions, radiation_type, technique, site)| Radiotherapy {
                    target_extent: None,
                    total_dose_gy: cgy.map(|c| f64::from(c) / 100.0),
                    fractions,
                    radiation_type,
                    technique: technique.map(str::to_string),
                    site: site.map(str::to_string),
                },
            )
    }

    fn performance_status() -> impl Strategy<Value = PerformanceStatus> {
        prop_oneof![
            (0i64..=4).prop_map(|value| PerformanceStatus {
                scale: PerformanceScale::Ecog,
                value
            }),
            (1i64..=10).prop_map(|tens| PerformanceStatus {
                scale: PerformanceScale::Karnofsky,
                value: tens * 10
            }),
        ]
    }

    fn plan() -> impl Strategy<Value = Plan> {
        let treat = (
            maybe(prop::sample::select(vec![
                Intent::Curative,
                Intent::Palliative,
            ])),
            maybe(prop::collection::vec(line(), 1..3)),
            maybe(radiotherapy()),
            maybe(prop::sample::select(vec![
                "lumpectomy",
                "lobectomy",
                "Whipple",
                "liver metastasectomy",
            ])),
            maybe(prop::sample::select(vec![
                TransplantType::Autologous,
                TransplantType::Allogeneic,
            ])),
            maybe(prop::sample::select(vec![
                "axicabtagene ciloleucel",
                "tisagenlecleucel",
            ])),
        );
        let rest = (
            maybe(prop::collection::vec(
                prop::sample::select(vec!["germline BRCA testing", "PET-CT", "MRI pelvis"]),
                1..3,
            )),
            maybe(prop::collection::vec(
                (
                    prop::sample::select(vec![
                        "NCT04513925",
                        "CTRI/2025/03/081234",
                        "DRKS00012345",
                    ]),
                    maybe(words()),
                    maybe(prop::sample::select(vec!["2", "1/2", "Phase 3"])),
                    maybe(prop::sample::select(vec!["IN", "DE"])),
                ),
                1..3,
            )),
            0u8..3,
        );
        (treat, rest).prop_map(
            |((intent, lines, rt, surgery, transplant, cellular), (tests, trials, approach))| {
                let mut plan = Plan {
                    intent,
                    systemic_therapy: lines,
                    radiotherapy: rt,
                    surgery: surgery.map(|p| Surgery {
                        procedure: p.into(),
                    }),
                    transplant: transplant.map(|kind| Transplant { kind }),
                    cellular_therapy: cellular.map(|p| CellularTherapy { product: p.into() }),
                    recommended_investigations: tests.map(|t| {
                        t.into_iter()
                            .map(|n| Investigation { name: n.into() })
                            .collect()
                    }),
                    clinical_trials: trials.map(|t| {
                        t.into_iter()
                            .map(|(id, title, phase, country)| ClinicalTrial {
                                required_biomarker: None,
                                registry_id: id.into(),
                                title,
                                target: None,
                                phase: phase.map(str::to_string),
                                country: country.map(str::to_string),
                                centre: None,
                            })
                            .collect()
                    }),
                    ..Plan::default()
                };
                // Observation or supportive care only where the plan names no treatment (the rules).
                if plan.modalities().is_empty() {
                    plan.observation = (approach == 1).then_some(true);
                    plan.best_supportive_care = (approach == 2).then_some(true);
                }
                plan
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, .. ProptestConfig::default() })]
        #[test]
        fn any_valid_picture_survives_export_and_import_over_the_declared_subset(
            diagnosis in maybe(diagnosis()),
            plan in maybe(plan()),
            performance_status in maybe(performance_status()),
            opinion in any::<bool>(),
        ) {
            let picture = Picture { scope: None, diagnosis, plan, performance_status };
            let mut errors = crate::domain::validation::FieldErrors::new();
            picture.check("", &mut errors);
            prop_assume!(errors.is_empty());
            let picture = picture.normalised();
            let kind = if opinion { PlanKind::SecondOpinion } else { PlanKind::CurrentPlan };
            let body = serde_json::to_vec(&export_of(&picture, kind)).unwrap();
            let imported = import_plan(&body, &context()).expect("an export is always accepted");
            prop_assert_eq!(normalise(&imported.picture), restrict(&picture));
        }
    }
}
