//! The one error type every handler returns, rendered as RFC 9457 problem+json with a stable
//! `type` per kind. Nothing internal (SQL, paths, panics) reaches a caller: unexpected errors
//! are logged with the request id and answered with a generic 500.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppError;
use crate::auth::AuthError;
use crate::domain::validation::FieldError;
pub use fhir::FhirProblem;
pub use kinds::ProblemKind;

mod fhir;
mod kinds;

tokio::task_local! {
    /// The current request's id, set by the request-id middleware for the whole request.
    pub static REQUEST_ID: String;
}

/// The request id of the request being served, if any.
pub fn current_request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_default()
}

/// RFC 9457 problem details as Concord sends them.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/validation-error", "title": "The request has invalid fields", "status": 400,
    "detail": "2 fields are invalid", "request_id": "0193a0e4-7d1c-7c7a-9b8e-3f2d1c0b4a59",
    "errors": [{"field": "opinion.plan.radiotherapy.fractions", "message": "must be at least 1"}]
}))]
pub struct Problem {
    /// A stable URI reference per error kind, `/problems/<kind>`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub request_id: String,
    /// Every invalid field, for validation errors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Statuses a resource may move to, for invalid transitions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<String>>,
    /// The resource this conflicts with, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub existing_id: Option<uuid::Uuid>,
}

/// What an error carries; boxed inside `ApiError` so `Result`s stay small.
#[derive(Debug)]
pub struct ErrorParts {
    pub kind: ProblemKind,
    pub detail: String,
    pub errors: Vec<FieldError>,
    pub allowed: Option<Vec<String>>,
    pub existing_id: Option<uuid::Uuid>,
    pub allow_methods: Option<String>,
    pub retry_after: Option<u64>,
    /// The cause of an internal error, logged and never sent.
    pub source: Option<anyhow::Error>,
    /// The same error for a FHIR client (`fhir.md` 9.9): sent instead of the problem.
    pub outcome: Option<Box<crate::domain::fhir::OperationOutcome>>,
    /// The FHIR error this is, for its OperationOutcome.
    pub fhir: Option<Box<crate::domain::fhir::FhirError>>,
}

/// An error a handler returns.
#[derive(Debug)]
pub struct ApiError(Box<ErrorParts>);

impl std::ops::Deref for ApiError {
    type Target = ErrorParts;
    fn deref(&self) -> &ErrorParts {
        &self.0
    }
}

impl std::ops::DerefMut for ApiError {
    fn deref_mut(&mut self) -> &mut ErrorParts {
        &mut self.0
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind.slug(), self.detail)
    }
}

impl ApiError {
    pub fn new(kind: ProblemKind, detail: impl Into<String>) -> ApiError {
        ApiError(Box::new(ErrorParts {
            kind,
            detail: detail.into(),
            errors: Vec::new(),
            allowed: None,
            existing_id: None,
            allow_methods: None,
            retry_after: None,
            source: None,
            outcome: None,
            fhir: None,
        }))
    }

    pub fn validation(errors: Vec<FieldError>) -> ApiError {
        let detail = match errors.len() {
            1 => format!("{} {}", errors[0].field, errors[0].message),
            n => format!(
                "{n} fields are invalid: {}",
                errors
                    .iter()
                    .map(|e| e.field.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let mut error = ApiError::new(ProblemKind::ValidationError, detail);
        error.errors = errors;
        error
    }

    /// Well-formed fields the current state (other objects, the date) makes unusable: 422.
    pub fn unprocessable(errors: Vec<FieldError>) -> ApiError {
        let mut error = ApiError::validation(errors);
        error.kind = ProblemKind::Unprocessable;
        error
    }

    /// One field the current state makes unusable: 422.
    pub fn unprocessable_field(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::unprocessable(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// One invalid field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(ProblemKind::NotFound, format!("{what} not found"))
    }

    pub fn forbidden(detail: impl Into<String>) -> ApiError {
        ApiError::new(ProblemKind::Forbidden, detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> ApiError {
        ApiError::new(ProblemKind::Unauthorized, detail)
    }

    pub fn bad_request(detail: impl Into<String>) -> ApiError {
        ApiError::new(ProblemKind::BadRequest, detail)
    }

    pub fn conflict(kind: ProblemKind, detail: impl Into<String>) -> ApiError {
        ApiError::new(kind, detail)
    }

    pub fn internal(source: impl Into<anyhow::Error>) -> ApiError {
        let mut error = ApiError::new(
            ProblemKind::Internal,
            "an unexpected error occurred; quote the request id when reporting it",
        );
        error.source = Some(source.into());
        error
    }

    pub fn unavailable(detail: impl Into<String>, retry_after: u64) -> ApiError {
        ApiError::new(ProblemKind::ServiceUnavailable, detail).with_retry_after(retry_after)
    }

    pub fn with_retry_after(mut self, seconds: u64) -> ApiError {
        self.retry_after = Some(seconds);
        self
    }

    pub fn with_allow_methods(mut self, methods: String) -> ApiError {
        self.allow_methods = Some(methods);
        self
    }

    pub fn with_allowed(mut self, allowed: Vec<String>) -> ApiError {
        self.allowed = Some(allowed);
        self
    }

    pub fn with_existing(mut self, id: uuid::Uuid) -> ApiError {
        self.existing_id = Some(id);
        self
    }

    pub fn problem(&self) -> Problem {
        Problem {
            kind: self.kind.type_uri(),
            title: self.kind.title().into(),
            status: self.kind.status().as_u16(),
            detail: printable(&self.detail),
            request_id: current_request_id(),
            errors: self
                .errors
                .iter()
                .map(|e| FieldError {
                    field: printable(&e.field),
                    message: printable(&e.message),
                })
                .collect(),
            allowed: self.allowed.clone(),
            existing_id: self.existing_id,
        }
    }
}

/// A problem may quote what the caller sent; a NUL would break the document's text pattern
/// and many a client's string handling.
fn printable(text: &str) -> String {
    text.replace('\0', "\u{FFFD}")
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.kind.status()
    }

    fn error_response(&self) -> HttpResponse {
        let problem = self.problem();
        if let Some(source) = &self.source {
            tracing::error!(request_id = %problem.request_id, error = ?source, "internal error");
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        response.insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
        if let Some(allow) = &self.allow_methods {
            response.insert_header((header::ALLOW, allow.clone()));
        }
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        if self.kind == ProblemKind::Unauthorized {
            response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        if let Some(outcome) = &self.outcome {
            response.insert_header((
                header::CONTENT_TYPE,
                HeaderValue::from_static(crate::domain::fhir::FHIR_JSON),
            ));
            return response.body(serde_json::to_vec(outcome).unwrap_or_default());
        }
        response.body(serde_json::to_vec(&problem).unwrap_or_default())
    }
}

/// The one mapping of the application's errors to what a caller sees.
impl From<AppError> for ApiError {
    fn from(error: AppError) -> ApiError {
        use ProblemKind as K;
        match error {
            AppError::Invalid(errors) => ApiError::validation(errors),
            AppError::Unprocessable(errors) => ApiError::unprocessable(errors),
            AppError::NotFound(what) => ApiError::not_found(what),
            AppError::Forbidden(detail) => ApiError::forbidden(detail),
            AppError::Conflict(detail) => ApiError::new(K::Conflict, detail),
            AppError::InvalidTransition { detail, allowed } => {
                ApiError::new(K::InvalidTransition, detail).with_allowed(allowed)
            }
            AppError::Gate { refusal, detail } => {
                use crate::app::error::GateRefusal as R;
                let kind = match refusal {
                    R::AlreadySignedOff => K::AlreadySignedOff,
                    R::NoReviewNeeded => K::NoReviewNeeded,
                    R::AssessmentSuperseded => K::AssessmentSuperseded,
                    R::AwaitingClinicianReview => K::AwaitingClinicianReview,
                };
                ApiError::new(kind, detail)
            }
            AppError::ReferralClosed { detail, allowed } => {
                let error = ApiError::new(K::ReferralClosed, detail);
                match allowed {
                    Some(allowed) => error.with_allowed(allowed),
                    None => error,
                }
            }
            AppError::DuplicateExternalId {
                detail,
                existing_id,
            } => ApiError::new(K::DuplicateExternalId, detail).with_existing(existing_id),
            AppError::KeyInUse => ApiError::new(
                K::IdempotencyKeyInUse,
                "a request with this Idempotency-Key is still in flight; retry shortly",
            ),
            AppError::KeyReused => ApiError::new(
                K::IdempotencyKeyReused,
                "this Idempotency-Key was used with another body; use a new key for a new request",
            ),
            AppError::PreconditionFailed(detail) => ApiError::new(K::PreconditionFailed, detail),
            AppError::Gone(detail) => ApiError::new(K::Gone, detail),
            AppError::UnsupportedLanguage(detail) => ApiError::new(K::UnsupportedLanguage, detail),
            AppError::Unavailable {
                detail,
                retry_after,
            } => ApiError::unavailable(detail, retry_after),
            AppError::Fhir(error) => ApiError::from_fhir(error),
            AppError::Auth(error) => error.into(),
            AppError::Internal(source) => ApiError::internal(source),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(error: AuthError) -> ApiError {
        match error {
            AuthError::Unauthenticated(detail) => ApiError::unauthorized(detail),
            AuthError::Forbidden(detail) => ApiError::forbidden(detail),
            AuthError::NotFound(what) => ApiError::not_found(what),
            AuthError::RateLimited { retry_after } => ApiError::new(
                ProblemKind::RateLimited,
                "rate limit exceeded; retry after the number of seconds in Retry-After",
            )
            .with_retry_after(retry_after),
            AuthError::Store(error) => AppError::from(error).into(),
        }
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(error: anyhow::Error) -> ApiError {
        ApiError::internal(error)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests;
