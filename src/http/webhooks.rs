//! Webhook subscriptions (admin), their deliveries and attempts, redelivery, and the event
//! feed for tools that poll.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Duration, Utc};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::State;
use super::caller::Caller;
use super::idempotency::{self, Created, IdempotencyKey};
use super::json::{RequestBody, ValidJson};
use super::pagination::{Page, PageRequest};
use super::problem::{ApiError, ApiResult};
use crate::audit;
use crate::auth::policy::{self, Op, Resource};
use crate::db::webhooks::{self, DeliveryRow, SubscriptionChanges, SubscriptionRow};
use crate::domain::validation::FieldErrors;
use crate::events::outbox::EVENT_TYPES;
use crate::events::signing;
use crate::events::target::TargetPolicy;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_webhook)
        .service(list_webhooks)
        .service(get_webhook)
        .service(update_webhook)
        .service(delete_webhook)
        .service(rotate_secret)
        .service(list_deliveries)
        .service(redeliver)
        .service(list_events);
}

/// The event types a subscription can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum EventType {
    #[serde(rename = "case.created")]
    CaseCreated,
    #[serde(rename = "case.updated")]
    CaseUpdated,
    #[serde(rename = "plan.revised")]
    PlanRevised,
    #[serde(rename = "referral.created")]
    ReferralCreated,
    #[serde(rename = "referral.updated")]
    ReferralUpdated,
    #[serde(rename = "second_opinion.received")]
    SecondOpinionReceived,
    #[serde(rename = "assessment.created")]
    AssessmentCreated,
    #[serde(rename = "assessment.overridden")]
    AssessmentOverridden,
    #[serde(rename = "summary.generated")]
    SummaryGenerated,
    #[serde(rename = "share_link.opened")]
    ShareLinkOpened,
    #[serde(rename = "conversation.recorded")]
    ConversationRecorded,
    #[serde(rename = "task.created")]
    TaskCreated,
    #[serde(rename = "task.completed")]
    TaskCompleted,
}

fn event_code(e: EventType) -> String {
    serde_json::to_value(e)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn check_url(state: &State, url: &str, errors: &mut FieldErrors) {
    let policy = TargetPolicy {
        allowed: state.config.webhook_allowed_cidrs.clone(),
    };
    // The schema checks the URL's form; where it may point is the configuration's call: 422.
    if let Err(why) = policy
        .check_url(url)
        .and_then(|u| policy.check_literal(&u).map(|_| u))
    {
        errors.add("url", why);
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://crm.example/hooks", "events": ["assessment.created"]}))]
pub struct NewWebhook {
    #[schema(
        max_length = 2000,
        pattern = "^[Hh][Tt][Tt][Pp][Ss]?://[^\\s/?#@]+([/?#][^\\s]*)?$",
        example = "https://crm.example/hooks"
    )]
    pub url: String,
    #[schema(min_items = 1, max_items = 13)]
    pub events: Vec<EventType>,
    #[serde(default)]
    pub enabled: Option<bool>,
}

impl RequestBody for NewWebhook {}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"enabled": false}))]
pub struct WebhookPatch {
    #[serde(default)]
    #[schema(
        max_length = 2000,
        pattern = "^[Hh][Tt][Tt][Pp][Ss]?://[^\\s/?#@]+([/?#][^\\s]*)?$"
    )]
    pub url: Option<String>,
    #[serde(default)]
    #[schema(min_items = 1, max_items = 13)]
    pub events: Option<Vec<EventType>>,
    #[serde(default)]
    pub enabled: Option<bool>,
}

impl RequestBody for WebhookPatch {}

/// A subscription (never its secret, after creation and rotation).
#[derive(Debug, Serialize, ToSchema)]
pub struct Webhook {
    pub id: Uuid,
    pub url: String,
    pub events: Vec<String>,
    pub enabled: bool,
    /// Until when the previous secret still signs, during a rotation.
    pub previous_secret_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<SubscriptionRow> for Webhook {
    fn from(r: SubscriptionRow) -> Webhook {
        Webhook {
            id: r.id,
            url: r.url,
            events: r.event_types,
            enabled: r.enabled,
            previous_secret_until: r.previous_secret_until,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A subscription with its signing secret, shown at creation and rotation only.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// `whsec_<base64>`: the HMAC key is the base64-decoded part after `whsec_`.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    pub items: Vec<Webhook>,
    pub next_cursor: Option<String>,
}

/// Subscribe a URL to events (admin). The signing secret is shown once.
#[utoipa::path(
    tag = "webhooks",
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a retry with the same body")),
    request_body = NewWebhook,
    responses(
        (status = 201, description = "Subscribed", body = WebhookWithSecret, headers(("Location" = String))),
        (status = 409, description = "The Idempotency-Key is in flight", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The Idempotency-Key was used with another body", body = super::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("jwt" = [])),
)]
#[post("/webhooks")]
pub async fn create_webhook(
    state: State,
    caller: Caller,
    req: HttpRequest,
    key: IdempotencyKey,
    body: ValidJson<NewWebhook>,
) -> ApiResult<HttpResponse> {
    policy::require(&caller, Resource::Webhook, Op::Create)?;
    let mut errors = FieldErrors::new();
    check_url(&state, &body.value.url, &mut errors);
    errors.finish(()).map_err(ApiError::unprocessable)?;
    let scope = idempotency::Scope::new(&caller, &req, &key, &body.raw);
    let w = body.into_inner();
    let mut events: Vec<String> = w.events.iter().copied().map(event_code).collect();
    events.sort();
    events.dedup();
    let mut conn = state.db.get().await?;
    let created = idempotency::create_once(&mut conn, scope.as_ref(), async |conn| {
        let secret = signing::new_secret();
        let now = Utc::now();
        let row = webhooks::insert(
            conn,
            &SubscriptionRow {
                org_id: caller.org_id(),
                id: Uuid::now_v7(),
                url: w.url.clone(),
                event_types: events,
                secret: secret.clone(),
                previous_secret: None,
                previous_secret_until: None,
                enabled: w.enabled.unwrap_or(true),
                created_by: caller.created_by(),
                created_at: now,
                updated_at: now,
            },
        )
        .await?;
        audit::write(
            conn,
            caller.audit("webhook.create", "webhook", vec![row.id], None),
        )
        .await?;
        let shown = WebhookWithSecret {
            webhook: row.clone().into(),
            secret: Some(signing::display(&secret)),
        };
        // The secret is shown once: a replay answers without it.
        Ok(Created::new(StatusCode::CREATED, shown)
            .at(format!("/v1/webhooks/{}", row.id))
            .shown_once("secret"))
    })
    .await?;
    Ok(created.response())
}

/// The organisation's subscriptions.
#[utoipa::path(tag = "webhooks", responses((status = 200, description = "Subscriptions", body = WebhookList)), security(("jwt" = [])))]
#[get("/webhooks")]
pub async fn list_webhooks(state: State, caller: Caller) -> ApiResult<web::Json<WebhookList>> {
    policy::require(&caller, Resource::Webhook, Op::Read)?;
    let mut conn = state.db.get().await?;
    let rows = webhooks::list(&mut conn, caller.org_id()).await?;
    audit::write(
        &mut conn,
        caller.audit(
            "webhook.list",
            "webhook",
            rows.iter().map(|r| r.id).collect(),
            None,
        ),
    )
    .await?;
    Ok(web::Json(WebhookList {
        items: rows.into_iter().map(Webhook::from).collect(),
        next_cursor: None,
    }))
}

/// A subscription.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path)), responses((status = 200, description = "The subscription", body = Webhook)), security(("jwt" = [])))]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Webhook>> {
    policy::require(&caller, Resource::Webhook, Op::Read)?;
    let mut conn = state.db.get().await?;
    let row = webhooks::find(&mut conn, caller.org_id(), *id)
        .await?
        .ok_or_else(|| ApiError::not_found("webhook"))?;
    Ok(web::Json(row.into()))
}

/// Change a subscription's URL, events, or enabled flag (disabling stops delivery).
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path)), request_body = WebhookPatch, responses((status = 200, description = "Updated", body = Webhook)), security(("jwt" = [])))]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<WebhookPatch>,
) -> ApiResult<web::Json<Webhook>> {
    policy::require(&caller, Resource::Webhook, Op::Update)?;
    let mut errors = FieldErrors::new();
    if let Some(url) = &body.value.url {
        check_url(&state, url, &mut errors);
    }
    errors.finish(()).map_err(ApiError::unprocessable)?;
    let p = body.into_inner();
    let changes = SubscriptionChanges {
        url: p.url,
        event_types: p.events.map(|e| {
            let mut codes: Vec<String> = e.into_iter().map(event_code).collect();
            codes.sort();
            codes.dedup();
            codes
        }),
        enabled: p.enabled,
        ..Default::default()
    };
    let id = *id;
    let mut conn = state.db.get().await?;
    let row = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let row = webhooks::update(conn, caller.org_id(), id, changes)
                .await?
                .ok_or_else(|| ApiError::not_found("webhook"))?;
            audit::write(
                conn,
                caller.audit("webhook.update", "webhook", vec![id], None),
            )
            .await?;
            Ok(row)
        })
        .await?;
    Ok(web::Json(row.into()))
}

/// Delete a subscription and its delivery history.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path)), responses((status = 204, description = "Deleted")), security(("jwt" = [])))]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    policy::require(&caller, Resource::Webhook, Op::Delete)?;
    let id = *id;
    let mut conn = state.db.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        if !webhooks::delete(conn, caller.org_id(), id).await? {
            return Err(ApiError::not_found("webhook"));
        }
        audit::write(
            conn,
            caller.audit("webhook.delete", "webhook", vec![id], None),
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"overlap_hours": 24}))]
pub struct Rotation {
    /// How long the old secret keeps signing beside the new one (default 24).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 168)]
    pub overlap_hours: Option<i64>,
}

impl RequestBody for Rotation {}

/// Rotate the signing secret: the new one is shown once; the old one keeps signing beside it for the overlap.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path)), request_body = Rotation, responses((status = 200, description = "Rotated", body = WebhookWithSecret)), security(("jwt" = [])))]
#[post("/webhooks/{id}/rotate-secret")]
pub async fn rotate_secret(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<Rotation>,
) -> ApiResult<web::Json<WebhookWithSecret>> {
    policy::require(&caller, Resource::Webhook, Op::Update)?;
    let overlap = Duration::hours(body.value.overlap_hours.unwrap_or(24));
    let id = *id;
    let mut conn = state.db.get().await?;
    let (row, secret) = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let current = webhooks::find(conn, caller.org_id(), id)
                .await?
                .ok_or_else(|| ApiError::not_found("webhook"))?;
            let secret = signing::new_secret();
            let changes = SubscriptionChanges {
                secret: Some(secret.clone()),
                previous_secret: Some(Some(current.secret)),
                previous_secret_until: Some(Some(Utc::now() + overlap)),
                ..Default::default()
            };
            let row = webhooks::update(conn, caller.org_id(), id, changes)
                .await?
                .ok_or_else(|| ApiError::not_found("webhook"))?;
            audit::write(
                conn,
                caller.audit("webhook.rotate_secret", "webhook", vec![id], None),
            )
            .await?;
            Ok((row, secret))
        })
        .await?;
    Ok(web::Json(WebhookWithSecret {
        webhook: row.into(),
        secret: Some(signing::display(&secret)),
    }))
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

fn delivery_view(d: DeliveryRow, attempts: &[webhooks::AttemptRow]) -> Delivery {
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
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path), super::pagination::PageQuery), responses((status = 200, description = "A page of deliveries", body = Page<Delivery>)), security(("jwt" = [])))]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<super::pagination::PageQuery>,
) -> ApiResult<web::Json<Page<Delivery>>> {
    policy::require(&caller, Resource::Webhook, Op::Read)?;
    let page = PageRequest::new(query.limit, query.cursor.as_deref(), &*id)?;
    let mut conn = state.db.get().await?;
    webhooks::find(&mut conn, caller.org_id(), *id)
        .await?
        .ok_or_else(|| ApiError::not_found("webhook"))?;
    let rows =
        webhooks::deliveries(&mut conn, caller.org_id(), *id, page.after, page.fetch()).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let attempts = webhooks::attempts(&mut conn, caller.org_id(), &ids).await?;
    Ok(web::Json(page.page(
        rows,
        |r| (r.created_at, r.id),
        |r| delivery_view(r, &attempts),
    )))
}

/// Deliver again (a failed delivery, or one the receiver lost).
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path)), responses((status = 202, description = "Queued", body = Delivery)), security(("jwt" = [])))]
#[post("/webhook-deliveries/{id}/redeliver")]
pub async fn redeliver(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    policy::require(&caller, Resource::Webhook, Op::Update)?;
    let id = *id;
    let mut conn = state.db.get().await?;
    let row = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let row = webhooks::requeue(conn, caller.org_id(), id)
                .await?
                .ok_or_else(|| ApiError::not_found("delivery"))?;
            audit::write(
                conn,
                caller.audit(
                    "webhook_delivery.redeliver",
                    "webhook_delivery",
                    vec![id],
                    None,
                ),
            )
            .await?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Accepted().json(delivery_view(row, &[])))
}

/// An event as the feed (and the webhook body) carries it.
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
    pub data: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventFeed {
    /// Oldest first.
    pub items: Vec<Event>,
    /// Pass as `after` for the next poll (the last event's id); null when there are none.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// The last event id seen; the feed starts after it (from the beginning when absent).
    pub after: Option<Uuid>,
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
#[get("/events")]
pub async fn list_events(
    state: State,
    caller: Caller,
    query: web::Query<EventQuery>,
) -> ApiResult<web::Json<EventFeed>> {
    policy::require(&caller, Resource::Event, Op::Read)?;
    let limit = query.limit.unwrap_or(super::pagination::DEFAULT_LIMIT);
    if !(1..=super::pagination::MAX_LIMIT).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 200"));
    }
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
    let mut conn = state.db.get().await?;
    let rows = webhooks::events_after(
        &mut conn,
        caller.org_id(),
        query.after,
        types.as_deref(),
        limit,
    )
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
