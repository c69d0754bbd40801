//! FHIR R4 / mCODE -> `Picture`, for three uses: a partner's document (an opinion), a plan
//! Bundle (`PUT /v1/cases/{id}/plan`) and "a Bundle or one resource" (the stateless route).
//! Resources are classified by type, code and link, never by profile; each is read on its own,
//! so one that cannot be read is reported and the rest still are. Whatever is not carried over
//! as sent is in the report.

mod biomarkers;
mod diagnosis;
mod doc;
mod document;
mod envelope;
mod grade;
mod lines;
mod narrative;
mod performance;
mod plan;
mod repair;
mod site;
mod stage;
mod treatment;
mod trials;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use utoipa::ToSchema;

use super::codes::Tables;
use super::outcome::FhirError;
use super::report::{EntryKind, Note, Report};
use crate::domain::picture::Picture;
use crate::domain::vocabulary::Vocabulary;
use doc::{Doc, Item};

pub use document::{DocumentStatus, OpinionDocument, Reviewer};
pub use performance::CURRENT_FOR_DAYS;
pub(crate) use site::topography;

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
    let items = envelope::items(root, use_, context, &mut report)?;
    let doc = Doc::new(items);
    let patient = envelope::check_patient(&doc, context, &mut report)?;
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
    let performance_status = performance::read(&mut cx);
    let diagnosis = diagnosis::read(&mut cx);
    let plan = plan::read(&mut cx);
    let mut picture = Picture {
        performance_status,
        scope: None,
        diagnosis,
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
