//! What a use case can answer instead of its result, in the application's words. http maps
//! each variant to its status and problem type once (`http/problem.rs`).

use std::borrow::Cow;

use uuid::Uuid;

use crate::auth::AuthError;
use crate::db::error::DbError;
use crate::domain::validation::FieldError;

pub type AppResult<T> = Result<T, AppError>;

type Detail = Cow<'static, str>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Fields the request itself gets wrong (400).
    #[error("invalid fields: {0:?}")]
    Invalid(Vec<FieldError>),
    /// Well-formed fields that the stored state makes unusable: another object, a date (422).
    #[error("unprocessable fields: {0:?}")]
    Unprocessable(Vec<FieldError>),
    /// No such object, or one the caller may not know exists (404).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The role may not do this to this object (403).
    #[error("{0}")]
    Forbidden(Detail),
    /// The object's current state refuses the change (409).
    #[error("{0}")]
    Conflict(Detail),
    /// A status move the object's state machine does not allow; `allowed` lists where it can go (409).
    #[error("{detail}")]
    InvalidTransition {
        detail: Detail,
        allowed: Vec<String>,
    },
    /// The clinician release gate refuses: already signed off, nothing to sign, superseded, or
    /// (for a share link) still held (409).
    #[error("{detail}")]
    Gate {
        refusal: GateRefusal,
        detail: Detail,
    },
    /// A referral that takes no new submission (409).
    #[error("{detail}")]
    ReferralClosed {
        detail: Detail,
        allowed: Option<Vec<String>>,
    },
    /// The partner's external id names another opinion (409).
    #[error("{detail}")]
    DuplicateExternalId { detail: Detail, existing_id: Uuid },
    /// A request with this Idempotency-Key is still in flight (409).
    #[error("the Idempotency-Key is in use")]
    KeyInUse,
    /// The Idempotency-Key was used with another body (422).
    #[error("the Idempotency-Key was used with another body")]
    KeyReused,
    /// If-Match names a version that is no longer current (412).
    #[error("{0}")]
    PreconditionFailed(Detail),
    /// The object existed but is no longer available (410).
    #[error("{0}")]
    Gone(Detail),
    /// No summary templates for the language (422).
    #[error("{0}")]
    UnsupportedLanguage(Detail),
    /// A dependency is down or saturated; retry after `retry_after` seconds (503).
    #[error("{detail}")]
    Unavailable { detail: Detail, retry_after: u64 },
    /// A FHIR body the use case cannot read (400, 413 or 422, `FhirError::status`).
    #[error(transparent)]
    Fhir(#[from] crate::domain::fhir::FhirError),
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// Anything else: logged with the request id, answered with a generic 500.
    #[error(transparent)]
    Internal(anyhow::Error),
}

/// Why the clinician release gate refuses a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateRefusal {
    /// The assessment has a valid sign-off already.
    AlreadySignedOff,
    /// The assessment needs no clinician's review.
    NoReviewNeeded,
    /// The assessment is no longer current (reassessed, or its opinion amended).
    AssessmentSuperseded,
    /// The summary's result waits for a clinician's sign-off.
    AwaitingClinicianReview,
}

impl AppError {
    pub fn gate(refusal: GateRefusal, detail: impl Into<Detail>) -> AppError {
        AppError::Gate {
            refusal,
            detail: detail.into(),
        }
    }

    pub fn conflict(detail: impl Into<Detail>) -> AppError {
        AppError::Conflict(detail.into())
    }

    pub fn forbidden(detail: impl Into<Detail>) -> AppError {
        AppError::Forbidden(detail.into())
    }

    /// One invalid field (400).
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> AppError {
        AppError::Invalid(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// One field the stored state makes unusable (422).
    pub fn unprocessable_field(field: impl Into<String>, message: impl Into<String>) -> AppError {
        AppError::Unprocessable(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// Stored data that no longer reads as it was written: a bug or a bad migration, never the caller's.
    pub fn corrupt(what: &str, error: impl std::fmt::Display) -> AppError {
        AppError::Internal(anyhow::anyhow!("stored {what} does not parse: {error}"))
    }
}

impl From<DbError> for AppError {
    fn from(error: DbError) -> AppError {
        match error {
            DbError::NotFound => AppError::NotFound("resource"),
            DbError::Conflict { constraint } => AppError::Conflict(
                format!("this conflicts with a stored record ({constraint}); read it again").into(),
            ),
            DbError::Unavailable {
                retry_after,
                reason,
            } => AppError::Unavailable {
                detail: reason.into(),
                retry_after,
            },
            DbError::Other(source) => AppError::Internal(source),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> AppError {
        DbError::from(error).into()
    }
}

impl From<deadpool::managed::PoolError<diesel_async::pooled_connection::PoolError>> for AppError {
    fn from(
        error: deadpool::managed::PoolError<diesel_async::pooled_connection::PoolError>,
    ) -> Self {
        DbError::from(error).into()
    }
}

impl From<anyhow::Error> for AppError {
    fn from(error: anyhow::Error) -> AppError {
        AppError::Internal(error)
    }
}

impl From<serde_json::Error> for AppError {
    fn from(error: serde_json::Error) -> AppError {
        AppError::Internal(error.into())
    }
}
