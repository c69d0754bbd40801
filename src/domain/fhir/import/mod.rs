//! FHIR R4 / mCODE -> `Picture`, for three uses: a partner's document (an opinion), a plan
//! Bundle (`PUT /v1/cases/{id}/plan`) and "a Bundle or one resource" (the stateless route).
//! Resources are classified by type, code and link, never by profile; each is read on its own,
//! so one that cannot be read is reported and the rest still are. Whatever is not carried over
//! as sent is in the report.

mod biomarkers;
mod diagnosis;
mod doc;
mod document;
mod narrative;
mod plan;
mod repair;
mod stage;
mod treatment;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::codes::Tables;
use super::model::{Bundle, Patient};
use super::outcome::FhirError;
use super::report::{EntryKind, Note, Report};
use crate::domain::picture::Picture;
use crate::domain::vocabulary::Vocabulary;
use doc::{Doc, Item};

pub(crate) use diagnosis::topography;
pub use document::{DocumentStatus, OpinionDocument, Reviewer};

/// Entries read from one Bundle at most (`fhir.md` 9.9); more is a 413.
pub const MAX_ENTRIES: usize = 2000;
/// The body size the HTTP layer should accept for FHIR JSON (`fhir.md` 9.9); enforced there.
pub const MAX_BODY_BYTES: usize = 5 * 1024 * 1024;
/// An order authored (or started) longer ago than this, with no end still ahead, is history.
pub const STALE_AFTER_DAYS: i64 = 365;

/// What an import needs besides the body.
#[derive(Debug, Clone)]
pub struct ImportContext {
    /// "Now", for telling a current order from a stale one; never read from a clock here.
    pub now: DateTime<Utc>,
    /// The case's patient birth year, when known: a Patient born in another year is refused.
    pub patient_birth_year: Option<i32>,
    pub max_entries: usize,
}

impl ImportContext {
    pub fn new(now: DateTime<Utc>) -> ImportContext {
        ImportContext {
            now,
            patient_birth_year: None,
            max_entries: MAX_ENTRIES,
        }
    }

    pub fn with_birth_year(mut self, year: Option<i32>) -> ImportContext {
        self.patient_birth_year = year;
        self
    }
}

/// A picture read from FHIR and what did not come over as sent.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Imported {
    pub picture: Picture,
    pub report: Report,
}

/// A partner's second opinion read from a document Bundle.
#[derive(Debug, Clone, PartialEq)]
pub struct OpinionImport {
    pub picture: Picture,
    pub report: Report,
    pub document: OpinionDocument,
}

/// What the body is read for: decides the Bundle types accepted and what a plan item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Use {
    Picture,
    Plan,
    Opinion,
}

/// `POST /v1/fhir/picture`: a Bundle (collection, transaction, batch, searchset, document) or
/// one resource of a type a picture is made of.
pub fn import_picture(body: &[u8], context: &ImportContext) -> Result<Imported, FhirError> {
    let root = parse(body)?;
    let (picture, report, _) = run(&root, Use::Picture, context)?;
    Ok(Imported { picture, report })
}

/// `PUT /v1/cases/{id}/plan` with FHIR: a collection, transaction, batch or complete
/// searchset Bundle (a bare resource would wipe the rest of the plan).
pub fn import_plan(body: &[u8], context: &ImportContext) -> Result<Imported, FhirError> {
    let root = parse(body)?;
    let (picture, report, _) = run(&root, Use::Plan, context)?;
    Ok(Imported { picture, report })
}

/// A partner's second opinion: a document Bundle whose Composition is a consult note. Its
/// proposals are the recommendation; reviewer, narrative, identifiers and supersession are in
/// `document`.
pub fn import_opinion(body: &[u8], context: &ImportContext) -> Result<OpinionImport, FhirError> {
    let root = parse(body)?;
    let (picture, report, document) = run(&root, Use::Opinion, context)?;
    let document = document.ok_or_else(|| FhirError::DocumentShape {
        expression: "Bundle.entry[0]".into(),
        detail: "no Composition".into(),
    })?;
    Ok(OpinionImport {
        picture,
        report,
        document,
    })
}

fn parse(body: &[u8]) -> Result<Value, FhirError> {
    let root: Value =
        serde_json::from_slice(body).map_err(|e| FhirError::NotJson(e.to_string()))?;
    match root.get("resourceType").and_then(Value::as_str) {
        Some(_) => Ok(root),
        None => Err(FhirError::NoResourceType),
    }
}

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

/// Types never mapped to a picture: counted in the report, not listed one by one.
const NEVER_MAPPED: [&str; 22] = [
    "Practitioner",
    "PractitionerRole",
    "Organization",
    "FamilyMemberHistory",
    "Specimen",
    "Encounter",
    "Location",
    "Device",
    "Coverage",
    "AllergyIntolerance",
    "Immunization",
    "Provenance",
    "BodyStructure",
    "DiagnosticReport",
    "Group",
    "Medication",
    "Condition",
    "Observation",
    "Composition",
    "OperationOutcome",
    "DocumentReference",
    "Binary",
];

/// Reads the body's resources, after the Bundle-level checks.
fn items<'a>(
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
            Use::Picture => Err(FhirError::UnsupportedResource(kind.to_string())),
            Use::Plan | Use::Opinion => Err(FhirError::BundleRequired(kind.to_string())),
        };
    }
    let bundle = Bundle::deserialize(root)
        .map_err(|e| FhirError::NotJson(format!("the Bundle cannot be read: {e}")))?;
    let found = bundle.kind.clone().unwrap_or_else(|| "none".into());
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
fn check_patient(
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

/// The state of one import: the resources, what has been used, the report.
pub(crate) struct Ctx<'a> {
    pub doc: Doc<'a>,
    pub report: Report,
    pub used: Vec<bool>,
    pub tables: &'static Tables,
    pub vocab: &'static Vocabulary,
    pub now: DateTime<Utc>,
    pub use_: Use,
}

impl<'a> Ctx<'a> {
    pub fn item(&self, i: usize) -> &Item<'a> {
        &self.doc.items[i]
    }

    /// Indices of the items of a type, in body order.
    pub fn of_kind(&self, kind: &str) -> Vec<usize> {
        (0..self.doc.items.len())
            .filter(|&i| self.doc.items[i].kind == kind)
            .collect()
    }

    pub fn note(&mut self, note: Note) {
        self.report.push(note.0);
    }

    /// A note about item `i`, at one of its elements.
    pub fn note_at(&mut self, i: usize, element: &str, note: Note) {
        let item = &self.doc.items[i];
        let at = if element.is_empty() {
            item.path()
        } else {
            item.at(element)
        };
        let note = note.at(item.name(), at);
        self.report.push(note.0);
    }

    pub fn mark(&mut self, i: usize) {
        self.used[i] = true;
    }

    /// Reads item `i` as `T`; a resource that cannot be read is reported and marked used.
    pub fn read<T: DeserializeOwned>(&mut self, i: usize, clinical: bool) -> Option<T> {
        match self.doc.items[i].read::<T>() {
            Ok(value) => Some(value),
            Err(error) => {
                self.mark(i);
                let kind = self.doc.items[i].kind;
                self.note_at(
                    i,
                    "",
                    Note::new(
                        EntryKind::Unreadable,
                        clinical,
                        format!(
                            "This {kind} could not be read ({error}); the rest of the body was."
                        ),
                    ),
                );
                None
            }
        }
    }
}

fn run(
    root: &Value,
    use_: Use,
    context: &ImportContext,
) -> Result<(Picture, Report, Option<OpinionDocument>), FhirError> {
    let mut report = Report::default();
    let items = items(root, use_, context, &mut report)?;
    let doc = Doc::new(items);
    let patient = check_patient(&doc, context, &mut report)?;
    let count = doc.items.len();
    let mut cx = Ctx {
        doc,
        report,
        used: vec![false; count],
        tables: Tables::standard(),
        vocab: Vocabulary::standard(),
        now: context.now,
        use_,
    };
    if let Some(p) = patient {
        cx.mark(p);
    }
    let document = match use_ {
        Use::Opinion => Some(document::read(&mut cx, root)?),
        _ => None,
    };
    let diagnosis = diagnosis::read(&mut cx);
    let site_category = diagnosis
        .diagnosis
        .as_ref()
        .and_then(|d| d.primary_site.as_deref())
        .and_then(|s| s.get(..3).map(str::to_string));
    let plan = plan::read(&mut cx, diagnosis.primary, site_category.as_deref());
    let mut picture = Picture {
        scope: None,
        diagnosis: diagnosis.diagnosis,
        plan,
    };
    for i in 0..cx.doc.items.len() {
        if cx.used[i] {
            continue;
        }
        let kind = cx.doc.items[i].kind;
        if NEVER_MAPPED.contains(&kind) {
            cx.report.count_skipped(kind);
        } else {
            cx.note_at(
                i,
                "",
                Note::new(
                    EntryKind::NotRead,
                    false,
                    format!("A {kind} is not read into a picture."),
                ),
            );
        }
    }
    repair::strip_invalid(&mut picture, &mut cx.report);
    Ok((picture, cx.report, document))
}

/// Days from an ISO date or dateTime to `now` (positive when it is in the past).
pub(crate) fn days_before(now: DateTime<Utc>, when: &str) -> Option<i64> {
    let date = chrono::NaiveDate::parse_from_str(when.get(..10)?, "%Y-%m-%d").ok()?;
    Some((now.date_naive() - date).num_days())
}

#[cfg(test)]
mod tests;
