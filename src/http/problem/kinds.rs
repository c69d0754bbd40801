//! The catalogue of problem types: every kind of error a caller can see, with its status,
//! slug, title and when it happens (served at `/problems/<slug>`).

use actix_web::http::StatusCode;

use super::FhirProblem;

/// Every kind of error a caller can see. The slug makes the `type` URI `/problems/<slug>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    ValidationError,
    MalformedJson,
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    NotAcceptable,
    Conflict,
    InvalidTransition,
    ReferralClosed,
    AlreadySignedOff,
    NoReviewNeeded,
    AssessmentSuperseded,
    AwaitingClinicianReview,
    IdempotencyKeyInUse,
    DuplicateExternalId,
    Gone,
    PreconditionFailed,
    PayloadTooLarge,
    UnsupportedMediaType,
    IdempotencyKeyReused,
    UnsupportedLanguage,
    Unprocessable,
    RateLimited,
    Internal,
    ServiceUnavailable,
    /// A FHIR body the route cannot use (`fhir.md` 9.9).
    Fhir(FhirProblem),
}

impl ProblemKind {
    pub const ALL: [ProblemKind; 39] = [
        ProblemKind::ValidationError,
        ProblemKind::MalformedJson,
        ProblemKind::BadRequest,
        ProblemKind::Unauthorized,
        ProblemKind::Forbidden,
        ProblemKind::NotFound,
        ProblemKind::MethodNotAllowed,
        ProblemKind::NotAcceptable,
        ProblemKind::Conflict,
        ProblemKind::InvalidTransition,
        ProblemKind::ReferralClosed,
        ProblemKind::AlreadySignedOff,
        ProblemKind::NoReviewNeeded,
        ProblemKind::AssessmentSuperseded,
        ProblemKind::AwaitingClinicianReview,
        ProblemKind::IdempotencyKeyInUse,
        ProblemKind::DuplicateExternalId,
        ProblemKind::Gone,
        ProblemKind::PreconditionFailed,
        ProblemKind::PayloadTooLarge,
        ProblemKind::UnsupportedMediaType,
        ProblemKind::IdempotencyKeyReused,
        ProblemKind::UnsupportedLanguage,
        ProblemKind::Unprocessable,
        ProblemKind::RateLimited,
        ProblemKind::Internal,
        ProblemKind::ServiceUnavailable,
        ProblemKind::Fhir(FhirProblem::NotJson),
        ProblemKind::Fhir(FhirProblem::NoResourceType),
        ProblemKind::Fhir(FhirProblem::UnsupportedResource),
        ProblemKind::Fhir(FhirProblem::BundleRequired),
        ProblemKind::Fhir(FhirProblem::BundleType),
        ProblemKind::Fhir(FhirProblem::TooManyEntries),
        ProblemKind::Fhir(FhirProblem::PatientMismatch),
        ProblemKind::Fhir(FhirProblem::TransactionDelete),
        ProblemKind::Fhir(FhirProblem::IncompletePage),
        ProblemKind::Fhir(FhirProblem::DocumentShape),
        ProblemKind::Fhir(FhirProblem::DocumentPreliminary),
        ProblemKind::Fhir(FhirProblem::DocumentEnteredInError),
    ];

    /// (status, slug, title, when it happens)
    fn parts(self) -> (StatusCode, &'static str, &'static str, &'static str) {
        use ProblemKind::*;
        match self {
            ValidationError => (
                StatusCode::BAD_REQUEST,
                "validation-error",
                "The request has invalid fields",
                "One or more fields are missing, unknown or invalid; `errors` names each with its path.",
            ),
            MalformedJson => (
                StatusCode::BAD_REQUEST,
                "malformed-json",
                "The body is not valid JSON",
                "The request body could not be parsed as JSON.",
            ),
            BadRequest => (
                StatusCode::BAD_REQUEST,
                "bad-request",
                "The request cannot be served as sent",
                "The request is malformed in a way no field error describes (two credentials, a bad cursor, a bad path or query parameter).",
            ),
            Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Authentication is required",
                "No credential, or one that is invalid, expired or revoked.",
            ),
            Forbidden => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "This role may not do this",
                "The caller's role may not use this function on its own organisation's object.",
            ),
            NotFound => (
                StatusCode::NOT_FOUND,
                "not-found",
                "Not found",
                "No such resource, or one the caller may not know exists.",
            ),
            MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
                "The path exists but not with this method; `Allow` lists the methods it has.",
            ),
            NotAcceptable => (
                StatusCode::NOT_ACCEPTABLE,
                "not-acceptable",
                "No acceptable representation",
                "The resource cannot be rendered in a type the Accept header allows.",
            ),
            Conflict => (
                StatusCode::CONFLICT,
                "conflict",
                "Conflict",
                "The request conflicts with the resource's current state.",
            ),
            InvalidTransition => (
                StatusCode::CONFLICT,
                "invalid-transition",
                "This status change is not allowed",
                "The resource cannot move to the requested status from its current one; `allowed` lists where it can go.",
            ),
            ReferralClosed => (
                StatusCode::CONFLICT,
                "referral-closed",
                "The referral is closed",
                "The referral was withdrawn, declined or answered and takes no new submission.",
            ),
            AlreadySignedOff => (
                StatusCode::CONFLICT,
                "already-signed-off",
                "The assessment is signed off already",
                "A clinician has signed off this assessment's result (perhaps at the same moment); read the assessment again.",
            ),
            NoReviewNeeded => (
                StatusCode::CONFLICT,
                "no-review-needed",
                "The assessment needs no sign-off",
                "The release gate did not hold this result: it reaches the patient without a clinician's sign-off.",
            ),
            AssessmentSuperseded => (
                StatusCode::CONFLICT,
                "assessment-superseded",
                "The assessment is no longer current",
                "A reassessment or an amended opinion replaced it; sign off the current assessment instead.",
            ),
            AwaitingClinicianReview => (
                StatusCode::CONFLICT,
                "awaiting-clinician-review",
                "The result waits for a clinician's sign-off",
                "The summary's result is held back from the patient until a clinician signs off its assessment; nothing can be shared before that.",
            ),
            IdempotencyKeyInUse => (
                StatusCode::CONFLICT,
                "idempotency-key-in-use",
                "A request with this Idempotency-Key is in flight",
                "Retry after the first request with this key has finished.",
            ),
            DuplicateExternalId => (
                StatusCode::CONFLICT,
                "duplicate-external-id",
                "This external id names another opinion",
                "The partner's external_id already names an opinion on this referral with another body; `existing_id` names it.",
            ),
            Gone => (
                StatusCode::GONE,
                "gone",
                "Gone",
                "The resource existed but is no longer available.",
            ),
            PreconditionFailed => (
                StatusCode::PRECONDITION_FAILED,
                "precondition-failed",
                "The resource has changed",
                "The If-Match header names a version that is no longer current; read it again and retry.",
            ),
            PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "The body is too large",
                "The request body exceeds the configured limit.",
            ),
            UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
                "The Content-Type of the body is not one this operation takes.",
            ),
            IdempotencyKeyReused => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency-key-reused",
                "The Idempotency-Key was used with another body",
                "An Idempotency-Key may be retried only with the same body.",
            ),
            UnsupportedLanguage => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "unsupported-language",
                "Unsupported summary language",
                "No summary templates exist for the requested language.",
            ),
            Unprocessable => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "unprocessable",
                "The request cannot be processed",
                "The request is well formed but cannot be carried out on this resource as it is.",
            ),
            RateLimited => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                "Too many requests",
                "The caller's rate limit is exhausted; `Retry-After` says when to retry.",
            ),
            Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
                "Something failed inside the service; the request id identifies it in the logs.",
            ),
            ServiceUnavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "service-unavailable",
                "Service unavailable",
                "A dependency (the database, the PDF renderer) is saturated or down; retry later.",
            ),
            Fhir(problem) => problem.parts(),
        }
    }

    pub fn status(self) -> StatusCode {
        self.parts().0
    }

    pub fn slug(self) -> &'static str {
        self.parts().1
    }

    pub fn title(self) -> &'static str {
        self.parts().2
    }

    pub fn description(self) -> &'static str {
        self.parts().3
    }

    pub fn type_uri(self) -> String {
        format!("/problems/{}", self.slug())
    }

    pub fn from_slug(slug: &str) -> Option<ProblemKind> {
        ProblemKind::ALL.into_iter().find(|k| k.slug() == slug)
    }
}
