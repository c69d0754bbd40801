//! Webhook subscriptions, their deliveries, redelivery, and the event feed for tools that poll.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::{AppError, AppResult, Reader, Tx};
use crate::db::webhooks::{self, SubscriptionChanges};
use crate::events::signing;

pub use crate::db::webhooks::{
    AttemptRow as AttemptRecord, DeliveryRow as DeliveryRecord, EventRow as EventRecord,
    SubscriptionRow as Subscription,
};

/// What a change to a subscription sets (absent: unchanged).
#[derive(Debug, Default)]
pub struct SubscriptionChange {
    pub url: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub enabled: Option<bool>,
}

/// Subscribes `url` to the event types; the signing secret (`whsec_...`) exists in this
/// answer only.
pub async fn subscribe(
    tx: &mut Tx<'_>,
    url: String,
    event_types: Vec<String>,
    enabled: bool,
) -> AppResult<(Subscription, String)> {
    let secret = signing::new_secret();
    let now = Utc::now();
    let row = webhooks::insert(
        tx.conn,
        &Subscription {
            org_id: tx.org,
            id: Uuid::now_v7(),
            url,
            event_types,
            secret: secret.clone(),
            previous_secret: None,
            previous_secret_until: None,
            enabled,
            created_by: tx.actor.created_by(),
            created_at: now,
            updated_at: now,
        },
    )
    .await?;
    tx.audit("webhook.create", "webhook", vec![row.id], None);
    Ok((row, signing::display(&secret)))
}

/// A page of the organisation's subscriptions, newest first.
pub async fn list(
    q: &mut Reader<'_>,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> AppResult<Vec<Subscription>> {
    let rows = webhooks::list(q.conn, q.org, after, limit).await?;
    q.audit(
        "webhook.list",
        "webhook",
        rows.iter().map(|r| r.id).collect(),
        None,
    );
    Ok(rows)
}

pub async fn get(q: &mut Reader<'_>, id: Uuid) -> AppResult<Subscription> {
    found(webhooks::find(q.conn, q.org, id).await?)
}

fn found(row: Option<Subscription>) -> AppResult<Subscription> {
    row.ok_or(AppError::NotFound("webhook"))
}

pub async fn change(
    tx: &mut Tx<'_>,
    id: Uuid,
    change: SubscriptionChange,
) -> AppResult<Subscription> {
    let changes = SubscriptionChanges {
        url: change.url,
        event_types: change.event_types,
        enabled: change.enabled,
        ..Default::default()
    };
    let row = found(webhooks::update(tx.conn, tx.org, id, changes).await?)?;
    tx.audit("webhook.update", "webhook", vec![id], None);
    Ok(row)
}

/// Deletes a subscription and its delivery history.
pub async fn unsubscribe(tx: &mut Tx<'_>, id: Uuid) -> AppResult<()> {
    if !webhooks::delete(tx.conn, tx.org, id).await? {
        return Err(AppError::NotFound("webhook"));
    }
    tx.audit("webhook.delete", "webhook", vec![id], None);
    Ok(())
}

/// A new signing secret, shown in this answer only; the old one keeps signing beside it
/// until `overlap` has passed.
pub async fn rotate_secret(
    tx: &mut Tx<'_>,
    id: Uuid,
    overlap: Duration,
) -> AppResult<(Subscription, String)> {
    let current = found(webhooks::find(tx.conn, tx.org, id).await?)?;
    let secret = signing::new_secret();
    let changes = SubscriptionChanges {
        secret: Some(secret.clone()),
        previous_secret: Some(Some(current.secret)),
        previous_secret_until: Some(Some(Utc::now() + overlap)),
        ..Default::default()
    };
    let row = found(webhooks::update(tx.conn, tx.org, id, changes).await?)?;
    tx.audit("webhook.rotate_secret", "webhook", vec![id], None);
    Ok((row, signing::display(&secret)))
}

/// A page of a subscription's deliveries, newest first, with every attempt of each.
pub async fn deliveries(
    q: &mut Reader<'_>,
    id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> AppResult<(Vec<DeliveryRecord>, Vec<AttemptRecord>)> {
    found(webhooks::find(q.conn, q.org, id).await?)?;
    let rows = webhooks::deliveries(q.conn, q.org, id, after, limit).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let attempts = webhooks::attempts(q.conn, q.org, &ids).await?;
    Ok((rows, attempts))
}

/// Queues a delivery again (a failed one, or one the receiver lost).
pub async fn redeliver(tx: &mut Tx<'_>, id: Uuid) -> AppResult<DeliveryRecord> {
    let row = webhooks::requeue(tx.conn, tx.org, id)
        .await?
        .ok_or(AppError::NotFound("delivery"))?;
    tx.audit(
        "webhook_delivery.redeliver",
        "webhook_delivery",
        vec![id],
        None,
    );
    Ok(row)
}

/// The organisation's events after `after`, oldest first, in commit-safe order.
pub async fn events_after(
    q: &mut Reader<'_>,
    after: Option<Uuid>,
    types: Option<&[String]>,
    limit: i64,
) -> AppResult<Vec<EventRecord>> {
    Ok(webhooks::events_after(q.conn, q.org, after, types, limit).await?)
}
