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

/// The events of one transaction, written together just before it commits: one insert for
/// the events, one read of the subscriptions, one insert for the deliveries, however many
/// events the change caused. If the transaction rolls back, none of them exists.
#[must_use = "the events are only kept once written"]
pub struct Outbox {
    org_id: Uuid,
    events: Vec<(Uuid, &'static str, Value)>,
}

impl Outbox {
    pub fn new(org_id: Uuid) -> Outbox {
        Outbox {
            org_id,
            events: Vec::new(),
        }
    }

    /// Queues an event.
    pub fn add(&mut self, event_type: &'static str, data: Value) {
        debug_assert!(
            EVENT_TYPES.contains(&event_type),
            "unknown event type {event_type}"
        );
        self.events.push((Uuid::now_v7(), event_type, data));
    }

    /// Writes the queued events and one pending delivery per subscription that wants each.
    pub async fn write(self, conn: &mut AsyncPgConnection) -> QueryResult<()> {
        if self.events.is_empty() {
            return Ok(());
        }
        let org_id = self.org_id;
        let types: Vec<String> = self.events.iter().map(|e| e.1.to_string()).collect();
        diesel::insert_into(events::table)
            .values(
                self.events
                    .iter()
                    .map(|(id, event_type, data)| {
                        (
                            events::org_id.eq(org_id),
                            events::id.eq(*id),
                            events::event_type.eq(*event_type),
                            events::data.eq(data),
                        )
                    })
                    .collect::<Vec<_>>(),
            )
            .execute(conn)
            .await?;
        // Disabled subscriptions get their deliveries too: held, not lost, until re-enabled.
        let subscriptions: Vec<(Uuid, Vec<String>)> = webhook_subscriptions::table
            .filter(webhook_subscriptions::org_id.eq(org_id))
            .filter(webhook_subscriptions::event_types.overlaps_with(types))
            .select((
                webhook_subscriptions::id,
                webhook_subscriptions::event_types,
            ))
            .load(conn)
            .await?;
        let deliveries: Vec<_> = self
            .events
            .iter()
            .flat_map(|(event_id, event_type, _)| {
                subscriptions
                    .iter()
                    .filter(move |(_, wanted)| wanted.iter().any(|t| t == event_type))
                    .map(move |(subscription_id, _)| {
                        (
                            webhook_deliveries::org_id.eq(org_id),
                            webhook_deliveries::id.eq(Uuid::now_v7()),
                            webhook_deliveries::subscription_id.eq(*subscription_id),
                            webhook_deliveries::event_id.eq(*event_id),
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
}

/// Writes one event and its pending deliveries, for a change that causes just one.
pub async fn emit(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    event_type: &'static str,
    data: Value,
) -> QueryResult<()> {
    let mut outbox = Outbox::new(org_id);
    outbox.add(event_type, data);
    outbox.write(conn).await
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
