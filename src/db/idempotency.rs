//! Remembered answers to creating requests, by Idempotency-Key (`app::idempotency` decides).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
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

/// Remembers `answer` for the key until `expires_at` (replacing an expired record).
pub async fn remember(
    conn: &mut AsyncPgConnection,
    scope: &KeyScope<'_>,
    answer: &RememberedAnswer,
    expires_at: DateTime<Utc>,
) -> QueryResult<()> {
    let values = (
        idempotency_keys::request_hash.eq(&answer.request_hash),
        idempotency_keys::response_status.eq(answer.status),
        idempotency_keys::response_body.eq(&answer.body),
        idempotency_keys::location.eq(&answer.location),
        idempotency_keys::expires_at.eq(expires_at),
    );
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::org_id.eq(scope.org_id),
            idempotency_keys::caller.eq(scope.caller),
            idempotency_keys::method.eq(scope.method),
            idempotency_keys::path.eq(scope.path),
            idempotency_keys::key.eq(scope.key),
            values,
        ))
        .on_conflict((
            idempotency_keys::org_id,
            idempotency_keys::caller,
            idempotency_keys::method,
            idempotency_keys::path,
            idempotency_keys::key,
        ))
        .do_update()
        .set((values, idempotency_keys::created_at.eq(Utc::now())))
        .execute(conn)
        .await?;
    Ok(())
}
