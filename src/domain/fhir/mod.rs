//! FHIR R4 / mCODE <-> `Picture`, both ways, as a pure library (`fhir.md`, section 9 first).
//! No actix, no diesel, no clock (`now` is a parameter), no I/O beyond the code tables embedded
//! from `data/fhir/`. Hand-written tolerant structs, no FHIR crate (`fhir.md` section 8).
//!
//! How the HTTP layer calls it (`docs/fhir.md` has the long form):
//! - `POST /v1/fhir/picture` (stateless): `import_picture(body, &ImportContext::new(now))`
//!   answers `Imported { picture, report }`; serialize it as the response body.
//! - `PUT /v1/cases/{id}/plan` with `Content-Type: application/fhir+json`:
//!   `import_plan(body, &ImportContext::new(now).with_birth_year(case_patient_birth_year))`,
//!   then store `picture` as the new plan version exactly as a JSON picture, and answer the
//!   report as an `OperationOutcome::from_report` (warning and information issues).
//! - `POST /v1/referrals/{id}/second-opinions` with FHIR: `import_opinion(...)`; the
//!   `OpinionDocument` gives `external_id`, reviewer, narrative and `supersedes`;
//!   `FhirError::EnteredInError` withdraws the opinion with that composition identifier.
//! - Every picture whose `report.has_clinical()` gets the review reason
//!   `fhir_import_incomplete` with the text `report.review_reason()` on its assessments.
//! - Errors: `OperationOutcome::from_error(&error, problem_base, request_id)` with
//!   `error.status()`.
//! - Export: `export_plan(&PlanExport { .. })` gives the collection Bundle (serde_json Value).

pub mod codes;
mod export;
mod import;
pub mod model;
mod outcome;
mod report;
mod subset;

pub use export::{Author, PlanExport, PlanKind, export_plan, stable_id};
pub use import::{
    CURRENT_FOR_DAYS, DocumentStatus, ImportContext, Imported, MAX_BODY_BYTES, MAX_ENTRIES,
    OpinionDocument, OpinionImport, Reviewer, STALE_AFTER_DAYS, import_opinion, import_picture,
    import_plan,
};
pub use outcome::{
    FhirError, IssueSeverity, OperationOutcome, OutcomeCoding, OutcomeDetails, OutcomeIssue,
};
pub use report::{EntryKind, Report, ReportEntry};
pub use subset::{NOT_EXPORTED, normalise, restrict};

/// Concord's canonical base for its FHIR identifiers and code systems. Set it to the project's
/// published canonical URL before the first export leaves a test system: Bundles are read
/// back under the base they were written with.
pub const CONCORD_FHIR_BASE: &str = "https://concord.example/fhir";
/// Concord's own code system (`data/fhir/tables.toml`, `concord_code`).
pub const CONCORD_CODES: &str = "https://concord.example/fhir/CodeSystem/concord";
/// The media type of FHIR JSON requests and responses.
pub const FHIR_JSON: &str = "application/fhir+json";

#[cfg(test)]
mod tests;
