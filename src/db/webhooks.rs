//! Webhook subscriptions, deliveries (claimed with a lease) and attempts; the event feed.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Interval};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::newest_first;
use super::schema::{events, webhook_attempts, webhook_deliveries, webhook_subscriptions};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_subscriptions)]
pub struct SubscriptionRow {
    pub org_id: Uuid,
    pub id: Uuid,
    pub url: String,
    pub event_types: Vec<String>,
    pub secret: Vec<u8>,
    /// Secrets retired by a run of overlapping rotations, oldest first; they sign beside
    /// `secret` until `previous_secret_until`.
    pub previous_secrets: Vec<Vec<u8>>,
    pub previous_secret_until: Option<DateTime<Utc>>,
    pub enabled: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    row: &SubscriptionRow,
) -> QueryResult<SubscriptionRow> {
    diesel::insert_into(webhook_subscriptions::table)
        .values(row.clone())
        .returning(SubscriptionRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<SubscriptionRow>> {
    webhook_subscriptions::table
        .filter(webhook_subscriptions::org_id.eq(org_id))
        .filter(webhook_subscriptions::id.eq(id))
        .select(SubscriptionRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The organisation's subscriptions, newest first.
pub async fn list(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<SubscriptionRow>> {
    newest_first!(
        webhook_subscriptions::table.filter(webhook_subscriptions::org_id.eq(org_id)),
        webhook_subscriptions::created_at,
        webhook_subscriptions::id,
        after,
        limit
    )
    .select(SubscriptionRow::as_select())
    .load(conn)
    .await
}

#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = webhook_subscriptions)]
pub struct SubscriptionChanges {
    pub url: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub enabled: Option<bool>,
    pub secret: Option<Vec<u8>>,
    pub previous_secrets: Option<Vec<Vec<u8>>>,
    pub previous_secret_until: Option<Option<DateTime<Utc>>>,
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    id: Uuid,
    changes: SubscriptionChanges,
) -> QueryResult<Option<SubscriptionRow>> {
    diesel::update(
        webhook_subscriptions::table
            .filter(webhook_subscriptions::org_id.eq(org_id))
            .filter(webhook_subscriptions::id.eq(id)),
    )
    .set((changes, webhook_subscriptions::updated_at.eq(Utc::now())))
    .returning(SubscriptionRow::as_returning())
    .get_result(conn)
    .await
    .optional()
}

pub async fn delete(conn: &mut AsyncPgConnection, org_id: Uuid, id: Uuid) -> QueryResult<bool> {
    let n = diesel::delete(
        webhook_subscriptions::table
            .filter(webhook_subscriptions::org_id.eq(org_id))
            .filter(webhook_subscriptions::id.eq(id)),
    )
    .execute(conn)
    .await?;
    Ok(n == 1)
}

#[derive(Debug, Clone, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub org_id: Uuid,
    pub id: Uuid,
    pub subscription_id: Uuid,
    pub event_id: Uuid,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub leased_until: Option<DateTime<Utc>>,
    pub last_status_code: Option<i16>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Claims up to `limit` due deliveries of enabled subscriptions for `lease`: rows another
/// worker holds are skipped, not waited for; the claim commits at once.
pub async fn claim(
    conn: &mut AsyncPgConnection,
    limit: i64,
    lease: std::time::Duration,
) -> QueryResult<Vec<DeliveryRow>> {
    diesel::sql_query(
        "UPDATE webhook_deliveries d
            SET leased_until = now() + $2, attempts = d.attempts + 1, updated_at = now()
          WHERE (d.org_id, d.id) IN (
                SELECT w.org_id, w.id
                  FROM webhook_deliveries w
                  JOIN webhook_subscriptions s ON s.org_id = w.org_id AND s.id = w.subscription_id
                 WHERE w.status = 'pending' AND w.next_attempt_at <= now()
                   AND (w.leased_until IS NULL OR w.leased_until < now())
                   AND s.enabled
                 ORDER BY w.next_attempt_at
                 LIMIT $1
                 FOR UPDATE OF w SKIP LOCKED)
        RETURNING d.*",
    )
    .bind::<BigInt, _>(limit)
    .bind::<Interval, _>(diesel::pg::data_types::PgInterval::from_microseconds(
        lease.as_micros() as i64,
    ))
    .load(conn)
    .await
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = events)]
pub struct EventRow {
    pub org_id: Uuid,
    pub id: Uuid,
    pub event_type: String,
    pub occurred_at: DateTime<Utc>,
    pub data: serde_json::Value,
}

pub async fn event(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<EventRow>> {
    events::table
        .filter(events::org_id.eq(org_id))
        .filter(events::id.eq(id))
        .select(EventRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// An event as the feed passes it on: its payload as stored, never parsed.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = events, check_for_backend(diesel::pg::Pg))]
pub struct FeedEventRow {
    pub id: Uuid,
    pub event_type: String,
    pub occurred_at: DateTime<Utc>,
    #[diesel(deserialize_as = super::jsonb::JsonText)]
    pub data: Box<serde_json::value::RawValue>,
}

/// Events after `after` (by id, which orders by time), oldest first.
/// The feed after event `after`: only events of transactions older than every one still
/// running (so none can still appear before them), in commit-safe `(transaction, id)` order.
/// An `after` that names no event of the organisation reads as a time-ordered id.
pub async fn events_after(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    after: Option<Uuid>,
    types: Option<&[String]>,
    limit: i64,
) -> QueryResult<Vec<FeedEventRow>> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Bool, Text};
    let mut q = events::table
        .filter(events::org_id.eq(org_id))
        .filter(sql::<Bool>(
            "events.tx < pg_snapshot_xmin(pg_current_snapshot())",
        ))
        .into_boxed();
    if let Some(after) = after {
        let tx: Option<String> = events::table
            .filter(events::org_id.eq(org_id))
            .filter(events::id.eq(after))
            .select(sql::<Text>("events.tx::text"))
            .first(conn)
            .await
            .optional()?;
        q = match tx {
            Some(tx) => q.filter(
                sql::<Bool>("(events.tx, events.id) > (")
                    .bind::<Text, _>(tx)
                    .sql("::xid8, ")
                    .bind::<diesel::sql_types::Uuid, _>(after)
                    .sql(")"),
            ),
            None => q.filter(events::id.gt(after)),
        };
    }
    if let Some(types) = types {
        q = q.filter(events::event_type.eq_any(types.to_vec()));
    }
    q.order((sql::<Text>("events.tx"), events::id.asc()))
        .limit(limit)
        .select(FeedEventRow::as_select())
        .load(conn)
        .await
}

pub async fn record_attempt(
    conn: &mut AsyncPgConnection,
    delivery: &DeliveryRow,
    status_code: Option<i16>,
    latency_ms: i32,
    error: Option<String>,
) -> QueryResult<()> {
    diesel::insert_into(webhook_attempts::table)
        .values((
            webhook_attempts::org_id.eq(delivery.org_id),
            webhook_attempts::id.eq(Uuid::now_v7()),
            webhook_attempts::delivery_id.eq(delivery.id),
            webhook_attempts::status_code.eq(status_code),
            webhook_attempts::latency_ms.eq(latency_ms),
            webhook_attempts::error.eq(error),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends a claimed attempt: delivered, retried at `next`, or failed.
pub async fn settle(
    conn: &mut AsyncPgConnection,
    delivery: &DeliveryRow,
    status: &str,
    next: Option<DateTime<Utc>>,
    status_code: Option<i16>,
    error: Option<String>,
) -> QueryResult<()> {
    let now = Utc::now();
    diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::org_id.eq(delivery.org_id))
            .filter(webhook_deliveries::id.eq(delivery.id)),
    )
    .set((
        webhook_deliveries::status.eq(status),
        webhook_deliveries::next_attempt_at.eq(next.unwrap_or(now)),
        webhook_deliveries::leased_until.eq(None::<DateTime<Utc>>),
        webhook_deliveries::last_status_code.eq(status_code),
        webhook_deliveries::last_error.eq(error),
        webhook_deliveries::delivered_at.eq((status == "delivered").then_some(now)),
        webhook_deliveries::updated_at.eq(now),
    ))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn deliveries(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    subscription_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<DeliveryRow>> {
    newest_first!(
        webhook_deliveries::table
            .filter(webhook_deliveries::org_id.eq(org_id))
            .filter(webhook_deliveries::subscription_id.eq(subscription_id)),
        webhook_deliveries::created_at,
        webhook_deliveries::id,
        after,
        limit
    )
    .select(DeliveryRow::as_select())
    .load(conn)
    .await
}

pub async fn find_delivery(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<DeliveryRow>> {
    webhook_deliveries::table
        .filter(webhook_deliveries::org_id.eq(org_id))
        .filter(webhook_deliveries::id.eq(id))
        .select(DeliveryRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Queues a delivery again (redelivery on request), whatever its status.
pub async fn requeue(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<DeliveryRow>> {
    diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::org_id.eq(org_id))
            .filter(webhook_deliveries::id.eq(id)),
    )
    .set((
        webhook_deliveries::status.eq("pending"),
        webhook_deliveries::next_attempt_at.eq(Utc::now()),
        webhook_deliveries::leased_until.eq(None::<DateTime<Utc>>),
        webhook_deliveries::delivered_at.eq(None::<DateTime<Utc>>),
        webhook_deliveries::updated_at.eq(Utc::now()),
    ))
    .returning(DeliveryRow::as_returning())
    .get_result(conn)
    .await
    .optional()
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_attempts)]
pub struct AttemptRow {
    pub org_id: Uuid,
    pub id: Uuid,
    pub delivery_id: Uuid,
    pub attempted_at: DateTime<Utc>,
    pub status_code: Option<i16>,
    pub latency_ms: i32,
    pub error: Option<String>,
}

pub async fn attempts(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    delivery_ids: &[Uuid],
) -> QueryResult<Vec<AttemptRow>> {
    webhook_attempts::table
        .filter(webhook_attempts::org_id.eq(org_id))
        .filter(webhook_attempts::delivery_id.eq_any(delivery_ids))
        .order(webhook_attempts::attempted_at.asc())
        .select(AttemptRow::as_select())
        .load(conn)
        .await
}
