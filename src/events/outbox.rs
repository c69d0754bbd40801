//! The outbox: an event is written in the same transaction as the change that causes it,
//! with one delivery row per subscription that wants it. Payloads carry ids,
//! statuses, codes and links; never names or clinical free text.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::{Value, json};
use url::Url;
use uuid::Uuid;

use crate::db::schema::{events, webhook_deliveries, webhook_subscriptions};

/// Every event type, as `api.md` lists them.
pub const EVENT_TYPES: [&str; 13] = [
    "case.created",
    "case.updated",
    "plan.revised",
    "referral.created",
    "referral.updated",
    "second_opinion.received",
    "assessment.created",
    "assessment.overridden",
    "summary.generated",
    "share_link.opened",
    "conversation.recorded",
    "task.created",
    "task.completed",
];

/// An absolute link to an API path, built from PUBLIC_BASE_URL.
pub fn link(base: &Url, path: &str) -> String {
    let mut url = base.clone();
    let joined = format!("{}{}", url.path().trim_end_matches('/'), path);
    url.set_path(&joined);
    url.to_string()
}

/// Writes the event and its pending deliveries; returns the event id.
pub async fn emit(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    event_type: &'static str,
    data: Value,
) -> QueryResult<Uuid> {
    debug_assert!(
        EVENT_TYPES.contains(&event_type),
        "unknown event type {event_type}"
    );
    let event_id = Uuid::now_v7();
    diesel::insert_into(events::table)
        .values((
            events::org_id.eq(org_id),
            events::id.eq(event_id),
            events::event_type.eq(event_type),
            events::data.eq(data),
        ))
        .execute(conn)
        .await?;
    // Disabled subscriptions get their deliveries too: held, not lost, until re-enabled.
    let subscribers: Vec<Uuid> = webhook_subscriptions::table
        .filter(webhook_subscriptions::org_id.eq(org_id))
        .filter(webhook_subscriptions::event_types.contains(vec![event_type.to_string()]))
        .select(webhook_subscriptions::id)
        .load(conn)
        .await?;
    if !subscribers.is_empty() {
        let rows: Vec<_> = subscribers
            .into_iter()
            .map(|subscription_id| {
                (
                    webhook_deliveries::org_id.eq(org_id),
                    webhook_deliveries::id.eq(Uuid::now_v7()),
                    webhook_deliveries::subscription_id.eq(subscription_id),
                    webhook_deliveries::event_id.eq(event_id),
                )
            })
            .collect();
        diesel::insert_into(webhook_deliveries::table)
            .values(rows)
            .execute(conn)
            .await?;
    }
    Ok(event_id)
}

/// `{"case_id": ..., "links": {"case": ...}}` plus the given fields.
pub fn case_data(base: &Url, case_id: Uuid, mut fields: Value) -> Value {
    fields["case_id"] = json!(case_id);
    let links = fields.get("links").cloned().unwrap_or_else(|| json!({}));
    let mut links = links;
    links["case"] = json!(link(base, &format!("/v1/cases/{case_id}")));
    fields["links"] = links;
    fields
}
