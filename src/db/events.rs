//! The outbox's storage: a transaction's events, and one pending delivery for each
//! subscription that wants each of them, written together just before it commits.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use uuid::Uuid;

use super::schema::{events, webhook_deliveries, webhook_subscriptions};

/// An event as stored: its id (taken when it happened, so the feed keeps that order), type and payload.
pub struct NewEvent<'a> {
    pub id: Uuid,
    pub event_type: &'a str,
    pub data: Value,
}

/// Writes the events and their pending deliveries: one insert for the events, one read of the
/// subscriptions, one insert for the deliveries, however many events the change caused. In the
/// caller's transaction: if it rolls back, none of them exists.
pub async fn write(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    new: &[NewEvent<'_>],
) -> QueryResult<()> {
    if new.is_empty() {
        return Ok(());
    }
    let types: Vec<String> = new.iter().map(|e| e.event_type.to_string()).collect();
    diesel::insert_into(events::table)
        .values(
            new.iter()
                .map(|e| {
                    (
                        events::org_id.eq(org_id),
                        events::id.eq(e.id),
                        events::event_type.eq(e.event_type),
                        events::data.eq(&e.data),
                    )
                })
                .collect::<Vec<_>>(),
        )
        .execute(conn)
        .await?;
    // Disabled subscriptions get their deliveries too: held, not lost, until re-enabled.
    // KEY SHARE holds each subscription until this commits: one being deleted at the same
    // moment is either skipped (deleted first) or waits, instead of failing our deliveries'
    // foreign key and with it the whole change that caused the events.
    let subscriptions: Vec<(Uuid, Vec<String>)> = webhook_subscriptions::table
        .filter(webhook_subscriptions::org_id.eq(org_id))
        .filter(webhook_subscriptions::event_types.overlaps_with(types))
        .select((
            webhook_subscriptions::id,
            webhook_subscriptions::event_types,
        ))
        .for_key_share()
        .load(conn)
        .await?;
    let deliveries: Vec<_> = new
        .iter()
        .flat_map(|event| {
            subscriptions
                .iter()
                .filter(move |(_, wanted)| wanted.iter().any(|t| t == event.event_type))
                .map(move |(subscription_id, _)| {
                    (
                        webhook_deliveries::org_id.eq(org_id),
                        webhook_deliveries::id.eq(Uuid::now_v7()),
                        webhook_deliveries::subscription_id.eq(*subscription_id),
                        webhook_deliveries::event_id.eq(event.id),
                    )
                })
        })
        .collect();
    if !deliveries.is_empty() {
        diesel::insert_into(webhook_deliveries::table)
            .values(deliveries)
            .execute(conn)
            .await?;
    }
    Ok(())
}
