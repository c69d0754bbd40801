//! Remembered answers to creating requests, by Idempotency-Key (`app::idempotency` decides).

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment};
use diesel::sql_types::{BigInt, Bool, Bytea, Nullable, SmallInt, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

/// Where a key lives: the organisation, the caller, the method and the path.
pub struct KeyScope<'a> {
    pub org_id: Uuid,
    pub caller: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    pub key: &'a str,
}

/// A remembered answer: the request it answered (hash), and status, body and location.
#[derive(Debug)]
pub struct RememberedAnswer {
    pub request_hash: Vec<u8>,
    pub status: i16,
    pub body: Vec<u8>,
    pub location: Option<String>,
}

/// What claiming a key found.
#[derive(Debug)]
pub enum Claim {
    /// Another transaction holds the key's lock: a request with it is in flight.
    InUse,
    /// The lock is this transaction's until it ends; the answer remembered, if any.
    Ours(Option<RememberedAnswer>),
}

/// Takes the key's transaction-scoped advisory lock `lock_key` (never waiting) and, when taken,
/// reads the answer the key remembers unless it expired: one statement
/// (`concord_idempotency_claim`, migration 000020, says why it is a function).
pub async fn claim(
    conn: &mut AsyncPgConnection,
    lock_key: i64,
    scope: &KeyScope<'_>,
) -> QueryResult<Claim> {
    let row: ClaimRow = ClaimQuery { lock_key, scope }.get_result(conn).await?;
    Ok(match row {
        ClaimRow { locked: false, .. } => Claim::InUse,
        ClaimRow {
            request_hash: Some(request_hash),
            response_status: Some(status),
            response_body: Some(body),
            location,
            ..
        } => Claim::Ours(Some(RememberedAnswer {
            request_hash,
            status,
            body,
            location,
        })),
        _ => Claim::Ours(None),
    })
}

struct ClaimQuery<'a> {
    lock_key: i64,
    scope: &'a KeyScope<'a>,
}

const CLAIM_SQL: &str = "SELECT locked, request_hash, response_status, response_body, location \
                           FROM concord_idempotency_claim($1, $2, $3, $4, $5, $6)";

#[derive(QueryableByName)]
struct ClaimRow {
    #[diesel(sql_type = Bool)]
    locked: bool,
    #[diesel(sql_type = Nullable<Bytea>)]
    request_hash: Option<Vec<u8>>,
    #[diesel(sql_type = Nullable<SmallInt>)]
    response_status: Option<i16>,
    #[diesel(sql_type = Nullable<Bytea>)]
    response_body: Option<Vec<u8>>,
    #[diesel(sql_type = Nullable<Text>)]
    location: Option<String>,
}

impl QueryFragment<Pg> for ClaimQuery<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        let scope = self.scope;
        super::prepared::walk(CLAIM_SQL, &mut out, |n, out| match n {
            '1' => out.push_bind_param::<BigInt, _>(&self.lock_key),
            '2' => out.push_bind_param::<SqlUuid, _>(&scope.org_id),
            '3' => out.push_bind_param::<Text, _>(&scope.caller),
            '4' => out.push_bind_param::<Text, _>(&scope.method),
            '5' => out.push_bind_param::<Text, _>(&scope.path),
            _ => out.push_bind_param::<Text, _>(&scope.key),
        })
    }
}

super::prepared::prepared_once!(ClaimQuery);

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
