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

tokio::task_local! {
    /// The current request's id, set by the request-id middleware for the whole request.
    pub static REQUEST_ID: String;
}

/// The request id of the request being served, if any.
pub fn current_request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_default()
}

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
}

impl ProblemKind {
    pub const ALL: [ProblemKind; 23] = [
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
mod tests {
    use super::*;

    /// Every application and auth error, with the status and problem type a caller gets.
    #[test]
    fn every_error_maps_to_its_status_and_type() {
        use crate::domain::validation::FieldError;
        let field = || {
            vec![FieldError {
                field: "f".into(),
                message: "m".into(),
            }]
        };
        let id = uuid::Uuid::nil();
        let cases: Vec<(AppError, u16, &str)> = vec![
            (AppError::Invalid(field()), 400, "validation-error"),
            (AppError::Unprocessable(field()), 422, "unprocessable"),
            (AppError::NotFound("case"), 404, "not-found"),
            (AppError::forbidden("no"), 403, "forbidden"),
            (AppError::conflict("no"), 409, "conflict"),
            (
                AppError::InvalidTransition {
                    detail: "no".into(),
                    allowed: vec!["closed".into()],
                },
                409,
                "invalid-transition",
            ),
            (
                AppError::ReferralClosed {
                    detail: "no".into(),
                    allowed: None,
                },
                409,
                "referral-closed",
            ),
            (
                AppError::DuplicateExternalId {
                    detail: "no".into(),
                    existing_id: id,
                },
                409,
                "duplicate-external-id",
            ),
            (AppError::KeyInUse, 409, "idempotency-key-in-use"),
            (AppError::KeyReused, 422, "idempotency-key-reused"),
            (
                AppError::PreconditionFailed("no".into()),
                412,
                "precondition-failed",
            ),
            (AppError::Gone("no".into()), 410, "gone"),
            (
                AppError::UnsupportedLanguage("xx".into()),
                422,
                "unsupported-language",
            ),
            (
                AppError::Unavailable {
                    detail: "no".into(),
                    retry_after: 2,
                },
                503,
                "service-unavailable",
            ),
            (AppError::Internal(anyhow::anyhow!("x")), 500, "internal"),
            (
                AppError::Auth(AuthError::Unauthenticated("no".into())),
                401,
                "unauthorized",
            ),
            (AppError::Auth(AuthError::forbidden("no")), 403, "forbidden"),
            (
                AppError::Auth(AuthError::NotFound("case")),
                404,
                "not-found",
            ),
            (
                AppError::Auth(AuthError::RateLimited { retry_after: 3 }),
                429,
                "rate-limited",
            ),
            (
                AppError::Auth(AuthError::Store(diesel::result::Error::NotFound.into())),
                404,
                "not-found",
            ),
        ];
        for (error, status, slug) in cases {
            let shown = format!("{error:?}");
            let api = ApiError::from(error);
            assert_eq!(api.kind.status().as_u16(), status, "{shown}");
            assert_eq!(api.kind.slug(), slug, "{shown}");
        }
        let unavailable = ApiError::from(AppError::Unavailable {
            detail: "db".into(),
            retry_after: 2,
        });
        assert_eq!(unavailable.retry_after, Some(2));
        let limited = ApiError::from(AuthError::RateLimited { retry_after: 3 });
        assert_eq!(limited.retry_after, Some(3));
        let moved = ApiError::from(AppError::InvalidTransition {
            detail: "no".into(),
            allowed: vec!["closed".into()],
        });
        assert_eq!(moved.allowed.as_deref(), Some(&["closed".to_string()][..]));
    }

    #[test]
    fn slugs_are_unique_and_round_trip() {
        let mut slugs: Vec<&str> = ProblemKind::ALL.iter().map(|k| k.slug()).collect();
        for kind in ProblemKind::ALL {
            assert_eq!(ProblemKind::from_slug(kind.slug()), Some(kind));
        }
        slugs.sort();
        slugs.dedup();
        assert_eq!(slugs.len(), ProblemKind::ALL.len());
    }
}
