//! FHIR errors (`fhir.md` 9.9): the problem kinds of a FHIR body that cannot be used, and the
//! same error as an OperationOutcome when the request was FHIR or preferred FHIR back.

use actix_web::http::StatusCode;

use super::{ApiError, ProblemKind, current_request_id};
use crate::domain::fhir::{
    FhirError, IssueSeverity, OperationOutcome, OutcomeCoding, OutcomeDetails, OutcomeIssue,
};

/// The kinds of FHIR body a route cannot use; the slugs are the library's (`FhirError::slug`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FhirProblem {
    NotJson,
    NoResourceType,
    UnsupportedResource,
    BundleRequired,
    BundleType,
    TooManyEntries,
    PatientMismatch,
    TransactionDelete,
    IncompletePage,
    DocumentShape,
    DocumentPreliminary,
    DocumentEnteredInError,
}

impl FhirProblem {
    pub const ALL: [FhirProblem; 12] = [
        FhirProblem::NotJson,
        FhirProblem::NoResourceType,
        FhirProblem::UnsupportedResource,
        FhirProblem::BundleRequired,
        FhirProblem::BundleType,
        FhirProblem::TooManyEntries,
        FhirProblem::PatientMismatch,
        FhirProblem::TransactionDelete,
        FhirProblem::IncompletePage,
        FhirProblem::DocumentShape,
        FhirProblem::DocumentPreliminary,
        FhirProblem::DocumentEnteredInError,
    ];

    /// (status, slug, title, when it happens)
    pub fn parts(self) -> (StatusCode, &'static str, &'static str, &'static str) {
        use FhirProblem::*;
        const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;
        match self {
            NotJson => (
                StatusCode::BAD_REQUEST,
                "fhir-not-json",
                "The FHIR body is not JSON",
                "A FHIR body (`application/fhir+json`) that does not parse as JSON.",
            ),
            NoResourceType => (
                StatusCode::BAD_REQUEST,
                "fhir-no-resource-type",
                "The FHIR body has no resourceType",
                "A FHIR body without `resourceType` at its root is not a FHIR resource.",
            ),
            UnsupportedResource => (
                StatusCode::BAD_REQUEST,
                "fhir-unsupported-resource",
                "This FHIR resource type is not read here",
                "The body's top-level resource is of a type the route does not read; send a Bundle.",
            ),
            BundleRequired => (
                UNPROCESSABLE,
                "fhir-bundle-required",
                "A Bundle is required",
                "The route takes a Bundle: a single resource would replace the rest of a plan.",
            ),
            BundleType => (
                UNPROCESSABLE,
                "fhir-bundle-type",
                "This Bundle type is not accepted here",
                "`Bundle.type` is not one the route accepts; the detail lists those it does.",
            ),
            TooManyEntries => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "fhir-too-many-entries",
                "The Bundle has too many entries",
                "A Bundle above the configured entry cap (2,000 entries) is not read.",
            ),
            PatientMismatch => (
                UNPROCESSABLE,
                "fhir-patient-mismatch",
                "The Bundle is not about this patient",
                "Two Patients, an entry about another patient, or a birth year other than the case's patient's.",
            ),
            TransactionDelete => (
                UNPROCESSABLE,
                "fhir-transaction-delete",
                "A transaction entry deletes a resource",
                "A transaction or batch with a DELETE entry is refused: a picture is read, never deleted from.",
            ),
            IncompletePage => (
                UNPROCESSABLE,
                "fhir-incomplete-page",
                "The search result has a next page",
                "A searchset with a `next` link cannot replace a plan or be an opinion: send every page as one Bundle.",
            ),
            DocumentShape => (
                UNPROCESSABLE,
                "fhir-document-shape",
                "The document is not a second opinion as sent",
                "A document Bundle needs `identifier`, `timestamp` and a consult-note Composition first.",
            ),
            DocumentPreliminary => (
                UNPROCESSABLE,
                "fhir-document-preliminary",
                "The document is preliminary",
                "A preliminary Composition is not an opinion yet: send it when it is final.",
            ),
            DocumentEnteredInError => (
                UNPROCESSABLE,
                "fhir-document-entered-in-error",
                "The document withdraws an opinion that is not here",
                "An entered-in-error document withdraws the opinion it names; there is no such opinion on this referral.",
            ),
        }
    }

    fn from_slug(slug: &str) -> FhirProblem {
        FhirProblem::ALL
            .into_iter()
            .find(|p| p.parts().1 == slug)
            .unwrap_or(FhirProblem::DocumentShape)
    }
}

/// The base of the problem type URIs as absolute URL, for `OperationOutcome` codings.
fn problem_base(public_base: &url::Url) -> String {
    format!("{}/problems", public_base.as_str().trim_end_matches('/'))
}

impl ApiError {
    /// A FHIR body the route cannot use; `for_fhir` turns it into an OperationOutcome.
    pub fn from_fhir(error: FhirError) -> ApiError {
        let kind = ProblemKind::Fhir(FhirProblem::from_slug(error.slug()));
        let mut api = ApiError::new(kind, error.to_string());
        api.fhir = Some(Box::new(error));
        api
    }

    /// This error as an OperationOutcome when `fhir`, as problem+json otherwise (`fhir.md` 9.9).
    pub fn for_fhir(mut self, fhir: bool, public_base: &url::Url) -> ApiError {
        if !fhir || self.outcome.is_some() {
            return self;
        }
        if let Some(error) = &self.fhir {
            let request_id = current_request_id();
            self.outcome = Some(Box::new(OperationOutcome::from_error(
                error,
                &problem_base(public_base),
                Some(request_id.as_str()).filter(|id| !id.is_empty()),
            )));
            return self;
        }
        {
            let problem = self.problem();
            let code = match self.kind.status().as_u16() {
                401 => "login",
                403 => "forbidden",
                404 => "not-found",
                409 | 412 => "conflict",
                413 => "too-costly",
                429 => "throttled",
                400 | 415 | 422 => "invalid",
                _ => "exception",
            };
            let mut issue: Vec<OutcomeIssue> = problem
                .errors
                .iter()
                .map(|e| OutcomeIssue {
                    severity: IssueSeverity::Error,
                    code: code.into(),
                    details: OutcomeDetails {
                        coding: Vec::new(),
                        text: e.message.clone(),
                    },
                    diagnostics: None,
                    expression: vec![e.field.clone()]
                        .into_iter()
                        .filter(|f| !f.is_empty())
                        .collect(),
                })
                .collect();
            issue.insert(
                0,
                OutcomeIssue {
                    severity: IssueSeverity::Error,
                    code: code.into(),
                    details: OutcomeDetails {
                        coding: vec![OutcomeCoding {
                            system: problem_base(public_base),
                            code: self.kind.slug().into(),
                        }],
                        text: problem.detail.clone(),
                    },
                    diagnostics: (!problem.request_id.is_empty())
                        .then(|| format!("request_id {}", problem.request_id)),
                    expression: Vec::new(),
                },
            );
            self.outcome = Some(Box::new(OperationOutcome {
                resource_type: "OperationOutcome".into(),
                issue,
            }));
        }
        self
    }
}
