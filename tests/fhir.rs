//! The FHIR mapping against fixtures whose expected picture, report and errors were written by
//! hand (`tests/fixtures/fhir/expected/`), and the export against the mandatory elements of every
//! mCODE profile it claims (read from the profiles' own snapshots). No database, no network.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone, Utc};
use concord::domain::fhir::{
    Author, FhirError, ImportContext, OperationOutcome, PlanExport, PlanKind, Report, export_plan,
    import_opinion, import_picture, import_plan,
};
use concord::domain::picture::Picture;
use serde_json::{Value, json};
use uuid::Uuid;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fhir")
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The entries of a report as (kind, clinical, element, expression), sorted: compared as a
/// multiset, since the order follows the import's passes, not the Bundle.
fn entries(report: &Report) -> Vec<(String, bool, Option<String>, Option<String>)> {
    let mut list: Vec<_> = report
        .entries
        .iter()
        .map(|e| {
            (
                serde_json::to_value(e.kind)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_string(),
                e.clinical,
                e.element.clone(),
                e.expression.clone(),
            )
        })
        .collect();
    list.sort();
    list
}

fn expected_entries(list: &Value) -> Vec<(String, bool, Option<String>, Option<String>)> {
    let mut out: Vec<_> = list
        .as_array()
        .expect("report is a list")
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().expect("kind").to_string(),
                e["clinical"].as_bool().expect("clinical"),
                e["element"].as_str().map(str::to_string),
                e["expression"].as_str().map(str::to_string),
            )
        })
        .collect();
    out.sort();
    out
}

fn error_matches(name: &str, error: &FhirError, expected: &Value) {
    assert_eq!(
        u64::from(error.status()),
        expected["status"].as_u64().unwrap(),
        "{name}: status of {error}"
    );
    assert_eq!(
        error.slug(),
        expected["slug"].as_str().unwrap(),
        "{name}: slug of {error}"
    );
    assert_eq!(
        error.expression().as_deref(),
        expected["expression"].as_str(),
        "{name}: expression of {error}"
    );
    if let FhirError::EnteredInError {
        external_id,
        composition_identifier,
    } = error
    {
        assert_eq!(
            external_id.as_deref(),
            expected["external_id"].as_str(),
            "{name}"
        );
        assert_eq!(
            composition_identifier.as_deref(),
            expected["composition_identifier"].as_str(),
            "{name}"
        );
    }
    // Every error makes an OperationOutcome a FHIR client can read.
    let outcome = serde_json::to_value(OperationOutcome::from_error(
        error,
        "https://concord.example/problems",
        Some("req-1"),
    ))
    .unwrap();
    assert_eq!(outcome["resourceType"], "OperationOutcome");
    assert_eq!(outcome["issue"][0]["severity"], "error");
    assert_eq!(
        outcome["issue"][0]["details"]["coding"][0]["code"],
        expected["slug"]
    );
    assert_eq!(outcome["issue"][0]["diagnostics"], "request_id req-1");
}

#[test]
fn every_fixture_reads_as_written_by_hand() {
    let root = fixtures();
    let mut covered = Vec::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root.join("expected"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    assert!(paths.len() >= 18, "only {} expectation files", paths.len());
    for path in paths {
        let expected = read_json(&path);
        let fixture = expected["fixture"].as_str().expect("fixture");
        covered.push(fixture.to_string());
        let body = std::fs::read(root.join(fixture)).unwrap_or_else(|e| panic!("{fixture}: {e}"));
        for (n, case) in expected["cases"]
            .as_array()
            .expect("cases")
            .iter()
            .enumerate()
        {
            let name = format!("{fixture} case {n} ({})", case["use"]);
            let now: DateTime<Utc> = case["now"].as_str().unwrap().parse().unwrap();
            let context = ImportContext::new(now)
                .with_birth_year(case["birth_year"].as_i64().map(|y| y as i32));
            let result = match case["use"].as_str().unwrap() {
                "picture" => import_picture(&body, &context).map(|i| (i.picture, i.report, None)),
                "plan" => import_plan(&body, &context).map(|i| (i.picture, i.report, None)),
                "opinion" => {
                    import_opinion(&body, &context).map(|i| (i.picture, i.report, Some(i.document)))
                }
                other => panic!("{name}: unknown use {other}"),
            };
            if let Some(error) = case.get("error") {
                match result {
                    Err(e) => error_matches(&name, &e, error),
                    Ok((picture, report, _)) => panic!(
                        "{name}: expected {error}, got {} with {:?}",
                        serde_json::to_string(&picture).unwrap(),
                        entries(&report)
                    ),
                }
                continue;
            }
            let (picture, report, document) = result.unwrap_or_else(|e| panic!("{name}: {e}"));
            let want: Picture = serde_json::from_value(case["picture"].clone())
                .unwrap_or_else(|e| panic!("{name}: expected picture: {e}"));
            assert_eq!(
                picture,
                want,
                "{name}: picture\n  got      {}\n  expected {}",
                serde_json::to_string(&picture).unwrap(),
                serde_json::to_string(&want).unwrap()
            );
            let got = entries(&report);
            let want_entries = expected_entries(&case["report"]);
            assert_eq!(
                got,
                want_entries,
                "{name}: report entries (messages: {:#?})",
                report
                    .entries
                    .iter()
                    .map(|e| &e.message)
                    .collect::<Vec<_>>()
            );
            let skipped: BTreeMap<String, usize> =
                serde_json::from_value(case["skipped"].clone()).unwrap();
            assert_eq!(report.skipped, skipped, "{name}: skipped counts");
            // The picture an import gives is a valid picture: the JSON routes would accept it.
            let mut errors = concord::domain::validation::FieldErrors::new();
            picture.check("", &mut errors);
            assert!(
                errors.is_empty(),
                "{name}: imported picture fails its rules: {:?}",
                errors.into_vec()
            );
            assert_eq!(
                report.has_clinical(),
                want_entries.iter().any(|e| e.1),
                "{name}: has_clinical"
            );
            if let Some(want_document) = case.get("document") {
                assert_eq!(
                    serde_json::to_value(document.expect("a document")).unwrap(),
                    *want_document,
                    "{name}: document"
                );
            }
            let outcome =
                serde_json::to_value(OperationOutcome::from_report(&report, Some("req-2")))
                    .unwrap();
            let issues = outcome["issue"].as_array().unwrap();
            assert!(!issues.is_empty());
            let warnings = issues.iter().filter(|i| i["severity"] == "warning").count();
            assert_eq!(
                warnings,
                report.entries.iter().filter(|e| e.clinical).count(),
                "{name}: one warning per clinical entry"
            );
        }
    }
    // Every fixture has an expectation; every trap named in fhir.md 9 has a fixture.
    for dir in ["hand", "mcode"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                let name = format!("{dir}/{}", path.file_name().unwrap().to_string_lossy());
                assert!(
                    covered.contains(&name),
                    "{name} has no expectation in expected/"
                );
            }
        }
    }
    for trap in [
        "history-not-plan",
        "conflicting-stages",
        "two-patients",
        "amended-document",
        "entered-in-error-document",
        "transaction-delete",
        "searchset-next",
    ] {
        assert!(
            covered.contains(&format!("hand/{trap}.json")),
            "no fixture for the trap {trap}"
        );
    }
}

#[test]
fn a_body_that_is_not_fhir_json_is_a_400_and_a_bare_resource_of_another_type_too() {
    let context = ImportContext::new(Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap());
    let not_json = import_picture(b"<Bundle/>", &context).unwrap_err();
    assert_eq!((not_json.status(), not_json.slug()), (400, "fhir-not-json"));
    let no_type = import_picture(br#"{"entry": []}"#, &context).unwrap_err();
    assert_eq!(
        (no_type.status(), no_type.slug()),
        (400, "fhir-no-resource-type")
    );
    let other = import_picture(br#"{"resourceType": "Practitioner"}"#, &context).unwrap_err();
    assert_eq!(
        (other.status(), other.slug()),
        (400, "fhir-unsupported-resource")
    );
    let message = import_picture(
        br#"{"resourceType": "Bundle", "type": "message", "entry": []}"#,
        &context,
    )
    .unwrap_err();
    assert_eq!(
        (message.status(), message.slug()),
        (422, "fhir-bundle-type")
    );
    let entries: Vec<Value> = (0..3)
        .map(|_| json!({"resource": {"resourceType": "Basic"}}))
        .collect();
    let body = serde_json::to_vec(
        &json!({"resourceType": "Bundle", "type": "collection", "entry": entries}),
    )
    .unwrap();
    let mut small = context.clone();
    small.max_entries = 2;
    let big = import_picture(&body, &small).unwrap_err();
    assert_eq!((big.status(), big.slug()), (413, "fhir-too-many-entries"));
}

#[test]
fn a_preliminary_document_is_refused_and_a_document_must_be_a_consult_note_with_an_identifier() {
    let context = ImportContext::new(Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap());
    let mut document = read_json(&fixtures().join("hand/amended-document.json"));
    document["entry"][0]["resource"]["status"] = json!("preliminary");
    let error = import_opinion(&serde_json::to_vec(&document).unwrap(), &context).unwrap_err();
    assert_eq!(error, FhirError::PreliminaryDocument);
    document["entry"][0]["resource"]["status"] = json!("final");
    document["entry"][0]["resource"]["type"]["coding"][0]["code"] = json!("34117-2");
    let error = import_opinion(&serde_json::to_vec(&document).unwrap(), &context).unwrap_err();
    assert_eq!(
        error.expression().as_deref(),
        Some("Bundle.entry[0].resource.type")
    );
    document["entry"][0]["resource"]["type"]["coding"][0]["code"] = json!("11488-4");
    document.as_object_mut().unwrap().remove("identifier");
    let error = import_opinion(&serde_json::to_vec(&document).unwrap(), &context).unwrap_err();
    assert_eq!(error.expression().as_deref(), Some("Bundle.identifier"));
}

// ---- the export and the profiles it claims ---------------------------------------------------

fn worked_examples() -> Vec<(String, Picture)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cases");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let case = read_json(&path);
        for side in ["current", "opinion"] {
            out.push((
                format!("{}/{side}", case["name"].as_str().unwrap()),
                serde_json::from_value(case["input"][side].clone()).unwrap(),
            ));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn export(picture: &Picture, kind: PlanKind) -> Value {
    export_plan(&PlanExport {
        picture,
        kind,
        case_id: Uuid::from_u128(7),
        version: 1,
        version_id: Uuid::from_u128(8),
        recorded_at: Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap(),
        patient_id: Uuid::from_u128(9),
        patient_birth_year: Some(1968),
        patient_name: None,
        author: Some(Author {
            name: "Dr. R. Mehta".into(),
            institution: None,
            specialty: None,
        }),
        entered_by: Some("coord-1".into()),
        organization_id: Uuid::from_u128(10),
        organization_name: "Asha Navigation".into(),
    })
}

/// The nodes at `path` (segments after the resource type), arrays flattened.
fn nodes<'v>(resource: &'v Value, path: &[&str]) -> Vec<&'v Value> {
    let mut current = vec![resource];
    for segment in path {
        let mut next = Vec::new();
        for node in current {
            let children: Vec<&Value> = if let Some(prefix) = segment.strip_suffix("[x]") {
                node.as_object()
                    .map(|o| {
                        o.iter()
                            .filter(|(k, _)| k.starts_with(prefix))
                            .map(|(_, v)| v)
                            .collect()
                    })
                    .unwrap_or_default()
            } else {
                node.get(*segment).into_iter().collect()
            };
            for child in children {
                match child {
                    Value::Array(items) => next.extend(items.iter()),
                    other => next.push(other),
                }
            }
        }
        current = next;
    }
    current
}

/// Whether a CodeableConcept pattern's codings are all in `value`.
fn matches_pattern(value: &Value, pattern: &Value) -> bool {
    pattern["coding"].as_array().is_some_and(|wanted| {
        wanted.iter().all(|w| {
            value["coding"].as_array().is_some_and(|have| {
                have.iter()
                    .any(|h| h["system"] == w["system"] && h["code"] == w["code"])
            })
        })
    })
}

/// Every element the profile's snapshot makes mandatory is present (where its parent is), and
/// every mandatory pattern slice is filled: what a profile claim promises and `fhir.resources`
/// cannot see.
fn assert_conforms(name: &str, resource: &Value, profile: &Value) {
    let elements = profile["snapshot"]["element"].as_array().unwrap();
    for element in elements {
        let id = element["id"].as_str().unwrap();
        let min = element["min"].as_u64().unwrap_or(0);
        let segments: Vec<&str> = id.split('.').skip(1).collect();
        if min == 0 || segments.is_empty() {
            continue;
        }
        if let Some((slice_at, _)) = segments.iter().enumerate().find(|(_, s)| s.contains(':')) {
            // A mandatory top-level slice: some value of the sliced element matches its pattern.
            if slice_at == segments.len() - 1 {
                let (base, _) = segments[slice_at].split_once(':').unwrap();
                let mut path: Vec<&str> = segments[..slice_at].to_vec();
                path.push(base);
                if let Some(pattern) = element.get("patternCodeableConcept") {
                    assert!(
                        nodes(resource, &path)
                            .iter()
                            .any(|v| matches_pattern(v, pattern)),
                        "{name}: no {id} matching {pattern}"
                    );
                }
            }
            continue;
        }
        let (last, parent) = segments.split_last().unwrap();
        let parents = nodes(resource, parent);
        for node in parents {
            let present = if let Some(prefix) = last.strip_suffix("[x]") {
                node.as_object()
                    .is_some_and(|o| o.keys().any(|k| k.starts_with(prefix)))
            } else {
                node.get(*last).is_some_and(|v| {
                    !(v.is_null()
                        || v.as_array().is_some_and(Vec::is_empty)
                        || v.as_object().is_some_and(|o| o.is_empty()))
                })
            };
            assert!(present, "{name}: {id} (min {min}) is missing in {node}");
        }
        if let Some(pattern) = element.get("patternCodeableConcept") {
            for value in nodes(resource, &segments) {
                assert!(
                    matches_pattern(value, pattern),
                    "{name}: {id} does not match {pattern}"
                );
            }
        }
    }
    // US Core's us-core-6 on Patient.name: a family or given name, or the data-absent-reason.
    if resource["resourceType"] == "Patient" {
        for n in resource["name"].as_array().unwrap() {
            let parts = n.get("family").is_some() || n.get("given").is_some();
            let absent = n["extension"].as_array().is_some_and(|e| {
                e.iter().any(|x| {
                    x["url"] == "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
                })
            });
            assert!(parts != absent, "{name}: us-core-6 fails on {n}");
        }
    }
}

#[test]
fn every_claimed_profile_has_its_mandatory_elements() {
    let profiles_dir = fixtures().join("mcode/profiles");
    let mut profiles = BTreeMap::new();
    for entry in std::fs::read_dir(&profiles_dir).unwrap() {
        let sd = read_json(&entry.unwrap().path());
        profiles.insert(format!("{}|4.0.0", sd["url"].as_str().unwrap()), sd);
    }
    let mut claimed = BTreeMap::<String, usize>::new();
    for (name, picture) in worked_examples() {
        for kind in [PlanKind::CurrentPlan, PlanKind::SecondOpinion] {
            let bundle = export(&picture, kind);
            assert_eq!(bundle["type"], "collection");
            assert!(bundle["identifier"]["value"].is_string() && bundle["timestamp"].is_string());
            let resources: Vec<&Value> = bundle["entry"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| &e["resource"])
                .collect();
            assert_eq!(
                resources
                    .iter()
                    .filter(|r| r["resourceType"] == "Provenance")
                    .count(),
                1,
                "{name}: one Provenance"
            );
            for resource in &resources {
                assert_eq!(
                    resource["text"]["status"], "generated",
                    "{name}: generated text"
                );
                for url in resource["meta"]["profile"].as_array().into_iter().flatten() {
                    let url = url.as_str().unwrap();
                    let profile = profiles
                        .get(url)
                        .unwrap_or_else(|| panic!("{name}: claims {url}, which no test checks"));
                    assert_conforms(
                        &format!("{name} {}", resource["resourceType"]),
                        resource,
                        profile,
                    );
                    *claimed.entry(url.to_string()).or_default() += 1;
                }
                // A plan item never claims what it is not: the current plan is a plan, an opinion a proposal.
                if [
                    "MedicationRequest",
                    "ServiceRequest",
                    "CarePlan",
                    "RequestGroup",
                ]
                .contains(&resource["resourceType"].as_str().unwrap())
                {
                    let intent = if kind == PlanKind::CurrentPlan {
                        "plan"
                    } else {
                        "proposal"
                    };
                    assert_eq!(
                        resource["intent"], intent,
                        "{name}: {}",
                        resource["resourceType"]
                    );
                }
                if resource["resourceType"] == "MedicationRequest" {
                    assert_eq!(
                        resource["reportedBoolean"], true,
                        "{name}: Concord relays the plan"
                    );
                }
            }
        }
    }
    // Each claimed profile is exercised by the worked examples.
    for url in profiles.keys() {
        assert!(
            claimed.get(url).is_some_and(|n| *n > 0),
            "{url} is never claimed: drop it from profiles/ or claim it"
        );
    }
}
