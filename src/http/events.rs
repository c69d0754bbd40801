//! What the outbox produced: a subscription's deliveries and their attempts, redelivery, and
//! the event feed for tools that poll instead of receiving webhooks.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::State;
use super::caller::Caller;
use super::pagination::{DEFAULT_LIMIT, MAX_LIMIT, Page, PageQuery, PageRequest};
use super::problem::{ApiError, ApiResult};
use crate::app::webhooks::{self, AttemptRecord, DeliveryRecord};
use crate::auth::policy::{Op, Permission, Resource};
use crate::events::catalogue::EVENT_TYPES;

/// Under `/v1/events`.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_events);
}

/// Under `/v1/webhooks`.
pub fn webhook_routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_deliveries);
}

/// Under `/v1/webhook-deliveries`.
pub fn delivery_routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(redeliver);
}

/// One attempt to deliver.
#[derive(Debug, Serialize, ToSchema)]
pub struct Attempt {
    pub attempted_at: DateTime<Utc>,
    pub status_code: Option<i32>,
    pub latency_ms: i32,
    pub error: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Delivery {
    pub id: Uuid,
    pub subscription_id: Uuid,
    pub event_id: Uuid,
    /// pending, delivered or failed (retries exhausted).
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub attempt_log: Vec<Attempt>,
}

pub fn delivery_view(d: DeliveryRecord, attempts: &[AttemptRecord]) -> Delivery {
    Delivery {
        attempt_log: attempts
            .iter()
            .filter(|a| a.delivery_id == d.id)
            .map(|a| Attempt {
                attempted_at: a.attempted_at,
                status_code: a.status_code.map(i32::from),
                latency_ms: a.latency_ms,
                error: a.error.clone(),
            })
            .collect(),
        id: d.id,
        subscription_id: d.subscription_id,
        event_id: d.event_id,
        status: d.status,
        attempts: d.attempts,
        next_attempt_at: d.next_attempt_at,
        last_status_code: d.last_status_code.map(i32::from),
        last_error: d.last_error,
        delivered_at: d.delivered_at,
        created_at: d.created_at,
    }
}

/// A subscription's deliveries with every attempt, newest first.
///
/// Admins only. Each delivery's status (pending, delivered, failed), attempts and next attempt,
/// with every attempt's status code, latency and error. Paged with `limit` and `cursor`: pass back
/// `next_cursor` until it is null.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path), super::pagination::PageQuery), responses((status = 200, description = "A page of deliveries", body = Page<Delivery>)), security(("jwt" = [])))]
#[get("/{id}/deliveries")]
pub async fn list_deliveries(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<Delivery>>> {
    let permit = caller.permit(Permission::Role(Resource::Webhook, Op::Read))?;
    let page = PageRequest::new(query.limit, query.cursor.as_deref(), &*id)?;
    let (rows, attempts) = state
        .app
        .read(permit, async |q| {
            webhooks::deliveries(q, *id, page.after, page.fetch()).await
        })
        .await?;
    Ok(web::Json(page.page(
        rows,
        |r| (r.created_at, r.id),
        |r| delivery_view(r, &attempts),
    )))
}

/// Deliver again (a failed delivery, or one the receiver lost).
///
/// Admins only. Puts the delivery back to `pending` whatever its status, due at once, and answers
/// 202; the delivery worker sends it. Audited.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path)), responses((status = 202, description = "Queued", body = Delivery)), security(("jwt" = [])))]
#[post("/{id}/redeliver")]
pub async fn redeliver(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let permit = caller.permit(Permission::Role(Resource::Webhook, Op::Update))?;
    let row = state
        .app
        .write(permit, async |tx| webhooks::redeliver(tx, *id).await)
        .await?;
    Ok(HttpResponse::Accepted().json(delivery_view(row, &[])))
}

/// An event as the feed (and the webhook body) carries it. The document describes it more
/// closely than this struct can: a union over `type`, one `data` schema per event type
/// (`openapi/events.rs`, checked against every event the catalogue emits).
#[derive(Debug, Serialize, ToSchema)]
pub struct Event {
    /// Also the `webhook-id` of its deliveries.
    pub id: Uuid,
    #[serde(rename = "type")]
    #[schema(example = "assessment.created")]
    pub event_type: String,
    pub timestamp: DateTime<Utc>,
    /// Ids, statuses, codes and links; never names or clinical free text.
    #[schema(value_type = Object)]
    pub data: Box<serde_json::value::RawValue>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventFeed {
    /// Oldest first.
    pub items: Vec<Event>,
    /// Pass as `cursor` (or `after`) for the next poll: the last event's id; null when there are none.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// The last event id seen; the feed starts after it (from the beginning when absent).
    pub after: Option<Uuid>,
    /// The same as `after`, by the name every list pages with: a page's `next_cursor`.
    pub cursor: Option<Uuid>,
    /// Only these types, comma-separated.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub event_type: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// The organisation's events in order, for tools that poll instead of receiving webhooks.
///
/// An event is listed once every transaction that began before it has ended (normally within
/// milliseconds), so a page never ends before an event that could still appear: polling with
/// the last id seen misses nothing.
#[utoipa::path(tag = "webhooks", params(EventQuery), responses((status = 200, description = "Events after `after`, oldest first", body = EventFeed)), security(("jwt" = [])))]
#[get("")]
pub async fn list_events(
    state: State,
    caller: Caller,
    query: web::Query<EventQuery>,
) -> ApiResult<web::Json<EventFeed>> {
    let permit = caller.permit(Permission::Role(Resource::Event, Op::Read))?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 200"));
    }
    let after = match (query.after, query.cursor) {
        (Some(a), Some(c)) if a != c => {
            return Err(ApiError::field("cursor", "send cursor or after, not both"));
        }
        (after, cursor) => cursor.or(after),
    };
    let types: Option<Vec<String>> = query.event_type.as_ref().map(|t| {
        t.split(',')
            .map(|s| s.trim_matches([' ', '\t']).to_string())
            .filter(|s| !s.is_empty())
            .collect()
    });
    if let Some(unknown) = types
        .iter()
        .flatten()
        .find(|t| !EVENT_TYPES.contains(&t.as_str()))
    {
        return Err(ApiError::field(
            "type",
            format!("{unknown} is not an event type"),
        ));
    }
    let rows = state
        .app
        .read(permit, async |q| {
            webhooks::events_after(q, after, types.as_deref(), limit).await
        })
        .await?;
    let next_cursor = rows.last().map(|r| r.id.to_string());
    Ok(web::Json(EventFeed {
        items: rows
            .into_iter()
            .map(|r| Event {
                id: r.id,
                event_type: r.event_type,
                timestamp: r.occurred_at,
                data: r.data,
            })
            .collect(),
        next_cursor,
    }))
}
