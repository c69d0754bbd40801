//! Remembered answers to creating requests, by Idempotency-Key (`app::idempotency` decides).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use super::schema::idempotency_keys;

/// Where a key lives: the organisation, the caller, the method and the path.
pub struct KeyScope<'a> {
    pub org_id: Uuid,
    pub caller: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    pub key: &'a str,
}

/// A remembered answer: the request it answered (hash), and status, body and location.
#[derive(Debug, Queryable)]
pub struct RememberedAnswer {
    pub request_hash: Vec<u8>,
    pub status: i16,
    pub body: Vec<u8>,
    pub location: Option<String>,
}

diesel::define_sql_function! {
    /// Through the query builder, not `sql_query`, so the statement is prepared once per
    /// connection and not on every request.
    fn pg_try_advisory_xact_lock(key: BigInt) -> Bool;
}

/// Takes the transaction-scoped advisory lock `key`; false when another transaction holds it.
pub async fn try_lock(conn: &mut AsyncPgConnection, key: i64) -> QueryResult<bool> {
    diesel::select(pg_try_advisory_xact_lock(key))
        .get_result(conn)
        .await
}

/// The answer remembered for this key, unless it expired.
pub async fn find(
    conn: &mut AsyncPgConnection,
    scope: &KeyScope<'_>,
) -> QueryResult<Option<RememberedAnswer>> {
    idempotency_keys::table
        .filter(idempotency_keys::org_id.eq(scope.org_id))
        .filter(idempotency_keys::caller.eq(scope.caller))
        .filter(idempotency_keys::method.eq(scope.method))
        .filter(idempotency_keys::path.eq(scope.path))
        .filter(idempotency_keys::key.eq(scope.key))
        .filter(idempotency_keys::expires_at.gt(Utc::now()))
        .select((
            idempotency_keys::request_hash,
            idempotency_keys::response_status,
            idempotency_keys::response_body,
            idempotency_keys::location,
        ))
        .first(conn)
        .await
        .optional()
}

/// An answer to remember for a key until `expires_at` (replacing an expired record): written
/// with the rest of the unit of work, in `db::unit`'s one statement.
#[derive(Debug, Serialize)]
pub struct Remembered {
    pub org_id: Uuid,
    pub caller: String,
    pub method: String,
    pub path: String,
    pub key: String,
    /// Hex: the statement reads this row from JSON.
    pub request_hash: String,
    pub response_status: i16,
    /// The answer's JSON body, kept as its bytes.
    pub response_body: String,
    pub location: Option<String>,
    pub expires_at: DateTime<Utc>,
}
