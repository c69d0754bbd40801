//! Errors that make a FHIR request unusable, and the OperationOutcome a FHIR client reads
//! (`fhir.md` 9.9). Element faults are never errors: they are report entries, answered on
//! success as warning and information issues (`OperationOutcome::from_report`).

use serde::{Deserialize, Serialize};
use thiserror::Error;
use utoipa::ToSchema;

use super::report::Report;

/// Why a FHIR body cannot be used for the request. Each variant knows its HTTP status, its
/// problem slug (`/problems/<slug>`, as the JSON API names its errors), its FHIR issue type and,
/// where there is one, the FHIRPath of the element at fault.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FhirError {
    #[error("the body is not JSON: {0}")]
    NotJson(String),
    #[error("the body has no resourceType: it is not a FHIR resource")]
    NoResourceType,
    #[error("a {0} is not read here; send a Bundle or one of the resources a picture is made of")]
    UnsupportedResource(String),
    #[error(
        "this route takes a Bundle, not a single {0} (for a plan, one resource would replace the rest of it)"
    )]
    BundleRequired(String),
    #[error("a Bundle of type '{found}' is not accepted here; accepted: {accepted}")]
    WrongBundleType { found: String, accepted: String },
    #[error("the Bundle has {count} entries; at most {max} are read")]
    TooManyEntries { count: usize, max: usize },
    #[error("the Bundle holds more than one Patient")]
    TwoPatients { expression: String },
    #[error("an entry is about another patient than the Bundle's Patient")]
    OtherPatient { expression: String },
    #[error("the Patient's birth year differs from the case's patient")]
    BirthYearMismatch { expression: String },
    #[error("a transaction entry deletes a resource; a picture is read, never deleted from")]
    DeleteInTransaction { expression: String },
    #[error(
        "the search result has a next page: a partial result cannot replace a plan or be an opinion"
    )]
    IncompletePage,
    #[error("the document is not a second opinion as sent: {detail}")]
    DocumentShape { expression: String, detail: String },
    #[error("the document is preliminary: send it when it is final")]
    PreliminaryDocument,
    /// The sender withdraws an opinion: the caller finds it by `composition_identifier` (else
    /// `external_id`) and withdraws it; if there is none, this is the answer.
    #[error("the document is marked entered-in-error: it withdraws an opinion, it is not one")]
    EnteredInError {
        external_id: Option<String>,
        composition_identifier: Option<String>,
    },
}

impl FhirError {
    pub fn status(&self) -> u16 {
        match self {
            FhirError::NotJson(_)
            | FhirError::NoResourceType
            | FhirError::UnsupportedResource(_) => 400,
            FhirError::TooManyEntries { .. } => 413,
            _ => 422,
        }
    }

    /// The problem slug, shared with the JSON API's `/problems/<slug>`.
    pub fn slug(&self) -> &'static str {
        match self {
            FhirError::NotJson(_) => "fhir-not-json",
            FhirError::NoResourceType => "fhir-no-resource-type",
            FhirError::UnsupportedResource(_) => "fhir-unsupported-resource",
            FhirError::BundleRequired(_) => "fhir-bundle-required",
            FhirError::WrongBundleType { .. } => "fhir-bundle-type",
            FhirError::TooManyEntries { .. } => "fhir-too-many-entries",
            FhirError::TwoPatients { .. }
            | FhirError::OtherPatient { .. }
            | FhirError::BirthYearMismatch { .. } => "fhir-patient-mismatch",
            FhirError::DeleteInTransaction { .. } => "fhir-transaction-delete",
            FhirError::IncompletePage => "fhir-incomplete-page",
            FhirError::DocumentShape { .. } => "fhir-document-shape",
            FhirError::PreliminaryDocument => "fhir-document-preliminary",
            FhirError::EnteredInError { .. } => "fhir-document-entered-in-error",
        }
    }

    /// The FHIR IssueType (`http://hl7.org/fhir/issue-type`).
    pub fn issue_type(&self) -> &'static str {
        match self {
            FhirError::NotJson(_) => "structure",
            FhirError::NoResourceType => "required",
            FhirError::UnsupportedResource(_) | FhirError::WrongBundleType { .. } => {
                "not-supported"
            }
            FhirError::BundleRequired(_) => "not-supported",
            FhirError::TooManyEntries { .. } => "too-costly",
            FhirError::DeleteInTransaction { .. } => "not-supported",
            FhirError::IncompletePage => "incomplete",
            FhirError::DocumentShape { .. } => "required",
            _ => "business-rule",
        }
    }

    /// FHIRPath of the element at fault.
    pub fn expression(&self) -> Option<String> {
        match self {
            FhirError::WrongBundleType { .. } => Some("Bundle.type".into()),
            FhirError::TooManyEntries { .. } => Some("Bundle.entry".into()),
            FhirError::IncompletePage => Some("Bundle.link".into()),
            FhirError::PreliminaryDocument | FhirError::EnteredInError { .. } => {
                Some("Bundle.entry[0].resource.status".into())
            }
            FhirError::TwoPatients { expression }
            | FhirError::OtherPatient { expression }
            | FhirError::BirthYearMismatch { expression }
            | FhirError::DeleteInTransaction { expression }
            | FhirError::DocumentShape { expression, .. } => Some(expression.clone()),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum IssueSeverity {
    Fatal,
    Error,
    Warning,
    Information,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OutcomeCoding {
    pub system: String,
    pub code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OutcomeDetails {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coding: Vec<OutcomeCoding>,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OutcomeIssue {
    pub severity: IssueSeverity,
    /// FHIR IssueType, e.g. `not-supported`, `business-rule`, `code-invalid`.
    pub code: String,
    pub details: OutcomeDetails,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expression: Vec<String>,
}

/// A FHIR R4 OperationOutcome, as serde writes it (`resourceType` first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OperationOutcome {
    pub resource_type: String,
    pub issue: Vec<OutcomeIssue>,
}

impl OperationOutcome {
    fn new(issue: Vec<OutcomeIssue>) -> OperationOutcome {
        OperationOutcome {
            resource_type: "OperationOutcome".into(),
            issue,
        }
    }

    /// The answer to a request that failed. `problem_base` is the absolute base of the problem
    /// type URIs (e.g. `https://api.example.org/problems`): the problem type goes in
    /// `details.coding`, the request id in `diagnostics`.
    pub fn from_error(
        error: &FhirError,
        problem_base: &str,
        request_id: Option<&str>,
    ) -> OperationOutcome {
        OperationOutcome::new(vec![OutcomeIssue {
            severity: IssueSeverity::Error,
            code: error.issue_type().into(),
            details: OutcomeDetails {
                coding: vec![OutcomeCoding {
                    system: problem_base.trim_end_matches('/').to_string(),
                    code: error.slug().into(),
                }],
                text: error.to_string(),
            },
            diagnostics: request_id.map(|id| format!("request_id {id}")),
            expression: error.expression().into_iter().collect(),
        }])
    }

    /// The report of a successful FHIR write: clinical entries as warnings, the others as
    /// information, skipped resource types counted in one information issue. An empty report
    /// gives one information issue (an OperationOutcome needs at least one).
    pub fn from_report(report: &Report, request_id: Option<&str>) -> OperationOutcome {
        let diagnostics = request_id.map(|id| format!("request_id {id}"));
        let mut issues: Vec<OutcomeIssue> = report
            .entries
            .iter()
            .map(|entry| OutcomeIssue {
                severity: if entry.clinical {
                    IssueSeverity::Warning
                } else {
                    IssueSeverity::Information
                },
                code: match entry.kind {
                    super::report::EntryKind::Conflict => "conflict",
                    super::report::EntryKind::Unmapped
                    | super::report::EntryKind::KeptAsWritten => "code-invalid",
                    super::report::EntryKind::Unreadable => "structure",
                    super::report::EntryKind::IncompletePage => "incomplete",
                    _ => "informational",
                }
                .into(),
                details: OutcomeDetails {
                    coding: vec![OutcomeCoding {
                        system: format!("{}/CodeSystem/import-report", super::CONCORD_FHIR_BASE),
                        code: serde_json::to_value(entry.kind)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default(),
                    }],
                    text: entry.message.clone(),
                },
                diagnostics: diagnostics.clone(),
                expression: entry.expression.iter().cloned().collect(),
            })
            .collect();
        if !report.skipped.is_empty() {
            let counted: Vec<String> = report
                .skipped
                .iter()
                .map(|(kind, n)| format!("{n} {kind}"))
                .collect();
            issues.push(OutcomeIssue {
                severity: IssueSeverity::Information,
                code: "informational".into(),
                details: OutcomeDetails {
                    coding: Vec::new(),
                    text: format!("Not part of a picture, not read: {}.", counted.join(", ")),
                },
                diagnostics: diagnostics.clone(),
                expression: Vec::new(),
            });
        }
        if issues.is_empty() {
            issues.push(OutcomeIssue {
                severity: IssueSeverity::Information,
                code: "informational".into(),
                details: OutcomeDetails {
                    coding: Vec::new(),
                    text: "Everything sent was read.".into(),
                },
                diagnostics,
                expression: Vec::new(),
            });
        }
        OperationOutcome::new(issues)
    }
}
