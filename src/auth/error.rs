//! Why a caller is refused, in auth's own words; http maps each to its status once
//! (`http/problem.rs`).

use std::borrow::Cow;

use crate::db::error::DbError;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No credential, or one that is invalid, expired or revoked (401).
    #[error("{0}")]
    Unauthenticated(Cow<'static, str>),
    /// The role (or key) may not use this function at all (403).
    #[error("{0}")]
    Forbidden(Cow<'static, str>),
    /// The object is outside what the caller may know exists (404): another tenant's, another
    /// patient's, a case no grant names.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The caller's rate limit is spent (429).
    #[error("rate limit exceeded")]
    RateLimited { retry_after: u64 },
    /// Looking the caller up failed.
    #[error(transparent)]
    Store(#[from] DbError),
}

impl From<diesel::result::Error> for AuthError {
    fn from(error: diesel::result::Error) -> AuthError {
        AuthError::Store(error.into())
    }
}

impl AuthError {
    pub fn forbidden(detail: impl Into<Cow<'static, str>>) -> AuthError {
        AuthError::Forbidden(detail.into())
    }
}
