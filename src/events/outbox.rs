//! The outbox: an event is written in the same transaction as the change that causes it,
//! with one delivery row per subscription that wants it. Payloads carry ids,
//! statuses, codes and links; never names or clinical free text.

use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use serde_json::{Value, json};
use url::Url;
use uuid::Uuid;

pub use super::catalogue::EVENT_TYPES;
use crate::db::events::NewEvent;

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
        let new: Vec<NewEvent> = self
            .events
            .into_iter()
            .map(|(id, event_type, data)| NewEvent {
                id,
                event_type,
                data,
            })
            .collect();
        crate::db::events::write(conn, self.org_id, &new).await
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
