//! What storage can report, without any transport in it. Queries return
//! `diesel::QueryResult`; this is the one place their errors (and the pool's) are sorted into
//! what a caller can act on.

use diesel::result::{DatabaseErrorInformation, DatabaseErrorKind, Error as DieselError};

/// A storage failure, sorted by what the caller can do about it.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// A unique constraint refused the write.
    #[error("unique constraint {constraint} refused the write")]
    Conflict { constraint: String },
    /// The database is unreachable, saturated, or dropped the connection under the request:
    /// nothing was committed and a retry after `retry_after` seconds may succeed.
    #[error("database unavailable: {reason}")]
    Unavailable {
        retry_after: u64,
        reason: &'static str,
    },
    #[error(transparent)]
    Other(anyhow::Error),
}

impl From<DieselError> for DbError {
    fn from(error: DieselError) -> DbError {
        match error {
            DieselError::NotFound => DbError::NotFound,
            DieselError::DatabaseError(kind, info) if connection_lost(kind, &*info) => {
                tracing::warn!(error = info.message(), "database connection lost");
                DbError::Unavailable {
                    retry_after: 1,
                    reason: "the database connection was lost; retry shortly",
                }
            }
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                DbError::Conflict {
                    constraint: info.constraint_name().unwrap_or_default().to_string(),
                }
            }
            other => DbError::Other(other.into()),
        }
    }
}

impl From<deadpool::managed::PoolError<diesel_async::pooled_connection::PoolError>> for DbError {
    fn from(
        error: deadpool::managed::PoolError<diesel_async::pooled_connection::PoolError>,
    ) -> Self {
        tracing::warn!(error = %error, "database pool unavailable");
        DbError::Unavailable {
            retry_after: 2,
            reason: "the database is unavailable or saturated; retry shortly",
        }
    }
}

/// A lost connection: the driver could not send, or the server ended the session. Diesel
/// hides the SQLSTATE (57P01 and kin), so the server's "terminating connection ..." message
/// (every FATAL that ends a backend under a query says so) is what tells it apart.
fn connection_lost(kind: DatabaseErrorKind, info: &dyn DatabaseErrorInformation) -> bool {
    use DatabaseErrorKind::{ClosedConnection, UnableToSendCommand};
    matches!(kind, UnableToSendCommand | ClosedConnection)
        || info.message().starts_with("terminating connection")
}

/// Whether `error` is a unique violation of `constraint` (the statement's transaction is then
/// aborted: return the error, or run the statement in a savepoint).
pub fn unique_violation(error: &DieselError, constraint: &str) -> bool {
    matches!(error, DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info)
        if info.constraint_name() == Some(constraint))
}

/// Whether `error` is PostgreSQL refusing a time zone name it does not know.
pub fn unknown_time_zone(error: &DieselError) -> bool {
    matches!(error, DieselError::DatabaseError(_, info)
        if info.message().starts_with("time zone") && info.message().ends_with("not recognized"))
}
