//! The envelope of a body: the Bundle type for the use, entries of a transaction, the entry
//! cap, a search page's next link; and the right patient (one Patient, every subject that
//! patient, the case's birth year).

use serde::Deserialize;
use serde_json::Value;

use super::doc::{Doc, Item};
use super::{ImportContext, Use};
use crate::domain::fhir::model::{Bundle, Patient};
use crate::domain::fhir::outcome::FhirError;
use crate::domain::fhir::report::{EntryKind, Note, Report};

/// Resource types a picture is read from when sent alone.
const READABLE: [&str; 12] = [
    "Condition",
    "Observation",
    "MedicationRequest",
    "MedicationStatement",
    "MedicationAdministration",
    "Procedure",
    "ServiceRequest",
    "CarePlan",
    "RequestGroup",
    "ResearchStudy",
    "ResearchSubject",
    "Patient",
];

/// A sender's word as an answer quotes it: at most 64 characters, control characters escaped.
fn shown(word: &str) -> String {
    word.chars()
        .take(64)
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

/// Reads the body's resources, after the Bundle-level checks.
pub fn items<'a>(
    root: &'a Value,
    use_: Use,
    context: &ImportContext,
    report: &mut Report,
) -> Result<Vec<Item<'a>>, FhirError> {
    let kind = root
        .get("resourceType")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if kind != "Bundle" {
        return match use_ {
            Use::Picture if READABLE.contains(&kind) => Ok(vec![item(None, None, root)]),
            Use::Picture => Err(FhirError::UnsupportedResource(shown(kind))),
            Use::Plan | Use::Opinion => Err(FhirError::BundleRequired(shown(kind))),
        };
    }
    let bundle = Bundle::deserialize(root)
        .map_err(|e| FhirError::NotJson(format!("the Bundle cannot be read: {e}")))?;
    let found = bundle.kind.as_deref().map_or_else(|| "none".into(), shown);
    let accepted: &[&str] = match use_ {
        Use::Picture => &[
            "collection",
            "transaction",
            "batch",
            "searchset",
            "document",
        ],
        Use::Plan => &["collection", "transaction", "batch", "searchset"],
        Use::Opinion => &["document"],
    };
    if !accepted.contains(&found.as_str()) {
        return Err(FhirError::WrongBundleType {
            found,
            accepted: accepted.join(", "),
        });
    }
    if found == "searchset"
        && bundle
            .link
            .iter()
            .any(|l| l.relation.as_deref() == Some("next"))
    {
        if use_ != Use::Picture {
            return Err(FhirError::IncompletePage);
        }
        report.push(
            Note::new(
                EntryKind::IncompletePage,
                true,
                "The search result has a next page that was not sent: the picture is read from this page only.",
            )
            .at(None, "Bundle.link")
            .0,
        );
    }
    if bundle.entry.len() > context.max_entries {
        return Err(FhirError::TooManyEntries {
            count: bundle.entry.len(),
            max: context.max_entries,
        });
    }
    let raw_entries = root
        .get("entry")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut items = Vec::new();
    for (i, (entry, raw)) in bundle.entry.iter().zip(raw_entries).enumerate() {
        let method = entry
            .request
            .as_ref()
            .and_then(|r| r.method.as_deref())
            .unwrap_or("")
            .to_ascii_uppercase();
        if method == "DELETE" {
            return Err(FhirError::DeleteInTransaction {
                expression: format!("Bundle.entry[{i}].request.method"),
            });
        }
        if !matches!(method.as_str(), "" | "POST" | "PUT") {
            report.push(
                Note::new(
                    EntryKind::SkippedEntry,
                    false,
                    format!("A {method} entry writes nothing: only POST and PUT entries are read."),
                )
                .at(None, format!("Bundle.entry[{i}].request.method"))
                .0,
            );
            continue;
        }
        let Some(resource) = raw.get("resource").filter(|r| r.is_object()) else {
            report.push(
                Note::new(EntryKind::Unreadable, false, "The entry has no resource.")
                    .at(entry.full_url.clone(), format!("Bundle.entry[{i}]"))
                    .0,
            );
            continue;
        };
        if resource
            .get("resourceType")
            .and_then(Value::as_str)
            .is_none()
        {
            report.push(
                Note::new(
                    EntryKind::Unreadable,
                    true,
                    "The entry's resource has no resourceType.",
                )
                .at(
                    entry.full_url.clone(),
                    format!("Bundle.entry[{i}].resource"),
                )
                .0,
            );
            continue;
        }
        let full_url = raw.get("fullUrl").and_then(Value::as_str);
        items.push(item(Some(i), full_url, resource));
    }
    Ok(items)
}

fn item<'a>(index: Option<usize>, full_url: Option<&'a str>, value: &'a Value) -> Item<'a> {
    Item {
        index,
        kind: value
            .get("resourceType")
            .and_then(Value::as_str)
            .unwrap_or_default(),
        id: value.get("id").and_then(Value::as_str),
        full_url,
        value,
    }
}

/// The one Patient, and every entry about it: another patient, a second Patient or a birth
/// year other than the case's refuses the body. The report names identifier systems only.
pub fn check_patient(
    doc: &Doc,
    context: &ImportContext,
    report: &mut Report,
) -> Result<Option<usize>, FhirError> {
    let patients: Vec<usize> = (0..doc.items.len())
        .filter(|&i| doc.items[i].kind == "Patient")
        .collect();
    if let Some(&second) = patients.get(1) {
        return Err(FhirError::TwoPatients {
            expression: doc.items[second].path(),
        });
    }
    let patient = patients.first().copied();
    if let Some(p) = patient {
        let item = &doc.items[p];
        if let Ok(read) = item.read::<Patient>() {
            let year = read
                .birth_date
                .as_deref()
                .and_then(|d| d.get(..4))
                .and_then(|y| y.parse::<i32>().ok());
            if let (Some(year), Some(expected)) = (year, context.patient_birth_year)
                && year != expected
            {
                return Err(FhirError::BirthYearMismatch {
                    expression: item.at("birthDate"),
                });
            }
            let mut systems: Vec<&str> = read
                .identifier
                .iter()
                .filter_map(|i| i.system.as_deref())
                .collect();
            systems.dedup();
            if !systems.is_empty() {
                report.push(
                    Note::new(
                        EntryKind::PatientIdentifiers,
                        false,
                        format!(
                            "The Patient carries identifiers of: {}.",
                            systems.join(", ")
                        ),
                    )
                    .at(item.name(), item.at("identifier"))
                    .0,
                );
            }
        }
    }
    // Every subject must be that Patient (or, without one, the same patient throughout).
    let mut seen: Option<String> = patient.map(|p| {
        let item = &doc.items[p];
        format!("{}/{}", item.kind, item.id.unwrap_or_default())
    });
    for item in &doc.items {
        for field in ["subject", "patient", "individual"] {
            let Some(reference) = item
                .value
                .get(field)
                .and_then(|r| r.get("reference"))
                .and_then(Value::as_str)
            else {
                continue;
            };
            let resolved = doc.resolve_str(reference);
            let key = match resolved {
                Some(i) if doc.items[i].kind == "Patient" => {
                    if Some(i) == patient {
                        continue;
                    }
                    format!("Patient/{}", doc.items[i].id.unwrap_or_default())
                }
                Some(_) => continue,
                None => {
                    let key = Doc::reference_key(reference);
                    if !(key.starts_with("Patient/") || key.starts_with("urn:")) {
                        continue;
                    }
                    key
                }
            };
            match &seen {
                Some(known) if *known == key => {}
                Some(_) => {
                    return Err(FhirError::OtherPatient {
                        expression: item.at(field),
                    });
                }
                None => seen = Some(key),
            }
        }
    }
    Ok(patient)
}
