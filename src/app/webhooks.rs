//! Webhook subscriptions, their deliveries, redelivery, and the event feed for tools that poll.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::{AppError, AppResult, Reader, Tx};
use crate::db::webhooks::{self, SubscriptionChanges};
use crate::events::signing;

pub use crate::db::webhooks::{
    AttemptRow as AttemptRecord, DeliveryRow as DeliveryRecord, EventRow as EventRecord,
    FeedEventRow as FeedEventRecord, SubscriptionRow as Subscription,
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
            previous_secrets: Vec::new(),
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
    let (previous_secrets, until) = retire(current, Utc::now(), overlap);
    let changes = SubscriptionChanges {
        secret: Some(secret.clone()),
        previous_secrets: Some(previous_secrets),
        previous_secret_until: Some(until),
        ..Default::default()
    };
    let row = found(webhooks::update(tx.conn, tx.org, id, changes).await?)?;
    tx.audit("webhook.rotate_secret", "webhook", vec![id], None);
    Ok((row, signing::display(&secret)))
}

/// How many retired secrets sign at most: enough for a rotation retried a few times after
/// lost answers, few enough that a delivery's signature header stays short.
pub const MAX_PREVIOUS_SECRETS: usize = 5;

/// The secrets that keep signing after `current`'s secret is replaced, oldest first, and
/// until when. A rotation inside a running overlap keeps the secrets that overlap already
/// kept: when the answer to a rotation is lost and the admin retries, the consumer still
/// verifies with the secret before the first attempt, and that one must not stop signing.
/// The overlap ends at the later of the running one's end and `now + overlap`, so no secret
/// stops earlier than a rotation promised.
fn retire(
    current: Subscription,
    now: DateTime<Utc>,
    overlap: Duration,
) -> (Vec<Vec<u8>>, Option<DateTime<Utc>>) {
    let running = current.previous_secret_until.filter(|until| *until > now);
    let mut secrets = if running.is_some() {
        current.previous_secrets
    } else {
        Vec::new()
    };
    secrets.push(current.secret);
    let dropped = secrets.len().saturating_sub(MAX_PREVIOUS_SECRETS);
    secrets.drain(..dropped);
    let until = running.map_or(now + overlap, |r| r.max(now + overlap));
    (secrets, Some(until))
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
) -> AppResult<Vec<FeedEventRecord>> {
    Ok(webhooks::events_after(q.conn, q.org, after, types, limit).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subscription(secret: u8, previous: &[u8], until: Option<DateTime<Utc>>) -> Subscription {
        let now = Utc::now();
        Subscription {
            org_id: Uuid::nil(),
            id: Uuid::nil(),
            url: "https://crm.example/hook".into(),
            event_types: vec!["case.created".into()],
            secret: vec![secret; 32],
            previous_secrets: previous.iter().map(|b| vec![*b; 32]).collect(),
            previous_secret_until: until,
            enabled: true,
            created_by: "admin".into(),
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn a_rotation_retried_inside_the_overlap_keeps_the_first_secret_signing() {
        let now = Utc::now();
        let day = Duration::hours(24);
        let (secrets, until) = retire(subscription(b'A', &[], None), now, day);
        assert_eq!(secrets, vec![vec![b'A'; 32]]);
        assert_eq!(until, Some(now + day));
        // The answer was lost; the retry retires B and still keeps A.
        let later = now + Duration::minutes(1);
        let (secrets, until) = retire(subscription(b'B', b"A", until), later, day);
        assert_eq!(secrets, vec![vec![b'A'; 32], vec![b'B'; 32]]);
        assert_eq!(until, Some(later + day));
    }

    #[test]
    fn a_shorter_overlap_never_cuts_a_running_one_and_an_ended_one_is_forgotten() {
        let now = Utc::now();
        let running = Some(now + Duration::hours(10));
        let (_, until) = retire(subscription(b'B', b"A", running), now, Duration::hours(1));
        assert_eq!(until, running);
        let ended = Some(now - Duration::seconds(1));
        let (secrets, _) = retire(subscription(b'B', b"A", ended), now, Duration::hours(1));
        assert_eq!(secrets, vec![vec![b'B'; 32]]);
    }

    #[test]
    fn at_most_five_retired_secrets_sign_the_newest_kept() {
        let now = Utc::now();
        let running = Some(now + Duration::hours(1));
        let (secrets, _) = retire(
            subscription(b'F', b"ABCDE", running),
            now,
            Duration::hours(1),
        );
        assert_eq!(secrets.len(), MAX_PREVIOUS_SECRETS);
        assert_eq!(secrets.first(), Some(&vec![b'B'; 32]));
        assert_eq!(secrets.last(), Some(&vec![b'F'; 32]));
    }
}
