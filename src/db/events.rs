//! The outbox's storage: a transaction's events, and one pending delivery for each
//! subscription that wants each of them, written together just before it commits
//! (`db::unit`, with the audit rows).

use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use serde_json::Value;
use uuid::Uuid;

/// An event as stored: its id (taken when it happened, so the feed keeps that order), type and payload.
pub struct NewEvent<'a> {
    pub id: Uuid,
    pub event_type: &'a str,
    pub data: Value,
}

/// Writes the events and their pending deliveries (one for each subscription that wants each
/// of them), in one statement with no audit rows: see [`super::unit::write`]. In the caller's
/// transaction: if it rolls back, none of them exists.
pub async fn write(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    new: &[NewEvent<'_>],
) -> QueryResult<()> {
    super::unit::write(conn, org_id, &[], new, None, &[]).await
}
