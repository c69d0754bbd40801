//! Webhook subscriptions (admin): subscribe, change, delete, rotate the signing secret.
//! Deliveries, redelivery and the event feed are in `events.rs`.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::State;
use super::caller::Caller;
use super::idempotency::{IdempotencyKey, respond};
use super::json::{RequestBody, ValidJson};
use super::pagination::{Page, PageQuery, PageRequest};
use super::problem::{ApiError, ApiResult};
use crate::app::Creation;
use crate::app::webhooks::{self, Subscription, SubscriptionChange};
use crate::auth::policy::{Op, Permission, Resource};
use crate::domain::validation::FieldErrors;
use crate::events::target::TargetPolicy;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_webhook)
        .service(list_webhooks)
        .service(get_webhook)
        .service(update_webhook)
        .service(delete_webhook)
        .service(rotate_secret);
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
    #[serde(rename = "assessment.signed_off")]
    AssessmentSignedOff,
    #[serde(rename = "summary.released")]
    SummaryReleased,
    #[serde(rename = "second_opinion.withdrawn")]
    SecondOpinionWithdrawn,
}

/// The event types asked for, once each and sorted, as stored.
fn event_codes(events: impl IntoIterator<Item = EventType>) -> Vec<String> {
    let mut codes: Vec<String> = events
        .into_iter()
        .map(|e| {
            serde_json::to_value(e)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        })
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

/// Where a webhook may point is the configuration's call: the schema checks the URL's form,
/// this its destination (422), before anything is stored.
fn check_url(state: &State, url: Option<&str>) -> ApiResult<()> {
    let Some(url) = url else { return Ok(()) };
    let policy = TargetPolicy {
        allowed: state.config.webhook_allowed_cidrs.clone(),
    };
    let mut errors = FieldErrors::new();
    if let Err(why) = policy
        .check_url(url)
        .and_then(|u| policy.check_literal(&u).map(|_| u))
    {
        errors.add("url", why);
    }
    errors.finish(()).map_err(ApiError::unprocessable)
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

impl From<Subscription> for Webhook {
    fn from(r: Subscription) -> Webhook {
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
///
/// Admins only. The URL must be https (plain http only where `WEBHOOK_ALLOWED_CIDRS` allows), carry
/// no credentials, and an IP host must be an allowed destination; otherwise a 422. `enabled`
/// defaults to true. A replay with the same `Idempotency-Key` answers `secret` as null. Audited.
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
#[post("")]
pub async fn create_webhook(
    state: State,
    caller: Caller,
    req: HttpRequest,
    key: IdempotencyKey,
    body: ValidJson<NewWebhook>,
) -> ApiResult<HttpResponse> {
    let permit = caller.permit(Permission::Role(Resource::Webhook, Op::Create))?;
    check_url(&state, Some(&body.value.url))?;
    let once = key.once(&caller, &req, &body.raw);
    let w = body.into_inner();
    let events = event_codes(w.events);
    let creation = state
        .app
        .create_once(permit, once.as_ref(), async |tx| {
            let (row, secret) =
                webhooks::subscribe(tx, w.url, events, w.enabled.unwrap_or(true)).await?;
            let location = format!("/v1/webhooks/{}", row.id);
            let shown = WebhookWithSecret {
                webhook: row.into(),
                secret: Some(secret),
            };
            // The secret is shown once: a replay answers without it.
            Ok(Creation::created(shown).at(location).shown_once("secret"))
        })
        .await?;
    Ok(respond(creation))
}

/// The organisation's subscriptions.
///
/// Admins only; never the secrets. Paged with `limit` and `cursor`: pass back `next_cursor` until
/// it is null. The read is audited.
#[utoipa::path(tag = "webhooks", params(PageQuery), responses((status = 200, description = "Subscriptions", body = WebhookList)), security(("jwt" = [])))]
#[get("")]
pub async fn list_webhooks(
    state: State,
    caller: Caller,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<WebhookList>> {
    let permit = caller.permit(Permission::Role(Resource::Webhook, Op::Read))?;
    let page = PageRequest::new(query.limit, query.cursor.as_deref(), &())?;
    let rows = state
        .app
        .read(permit, async |q| {
            webhooks::list(q, page.after, page.fetch()).await
        })
        .await?;
    let Page { items, next_cursor } = page.page(rows, |r| (r.created_at, r.id), Webhook::from);
    Ok(web::Json(WebhookList { items, next_cursor }))
}

/// A subscription.
///
/// Admins only; never the secret. A subscription of another organisation is a 404.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path)), responses((status = 200, description = "The subscription", body = Webhook)), security(("jwt" = [])))]
#[get("/{id}")]
pub async fn get_webhook(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Webhook>> {
    let permit = caller.permit(Permission::Role(Resource::Webhook, Op::Read))?;
    let row = state
        .app
        .read(permit, async |q| webhooks::get(q, *id).await)
        .await?;
    Ok(web::Json(row.into()))
}

/// Change a subscription's URL, events, or enabled flag (disabling stops delivery).
///
/// Admins only. Absent fields stay as they are; a new `url` is checked as at creation (422).
/// Audited.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path)), request_body = WebhookPatch, responses((status = 200, description = "Updated", body = Webhook)), security(("jwt" = [])))]
#[patch("/{id}")]
pub async fn update_webhook(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<WebhookPatch>,
) -> ApiResult<web::Json<Webhook>> {
    let permit = caller.permit(Permission::Role(Resource::Webhook, Op::Update))?;
    check_url(&state, body.value.url.as_deref())?;
    let p = body.into_inner();
    let change = SubscriptionChange {
        url: p.url,
        event_types: p.events.map(event_codes),
        enabled: p.enabled,
    };
    let row = state
        .app
        .write(permit, async |tx| webhooks::change(tx, *id, change).await)
        .await?;
    Ok(web::Json(row.into()))
}

/// Delete a subscription and its delivery history.
///
/// Admins only; nothing more is delivered to it. Audited.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path)), responses((status = 204, description = "Deleted")), security(("jwt" = [])))]
#[delete("/{id}")]
pub async fn delete_webhook(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let permit = caller.permit(Permission::Role(Resource::Webhook, Op::Delete))?;
    state
        .app
        .write(permit, async |tx| webhooks::unsubscribe(tx, *id).await)
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
///
/// Admins only. `overlap_hours` (0 to 168, default 24) is how long deliveries are also signed with
/// the old secret. Every call makes a new secret; one inside a running overlap keeps the secrets
/// that overlap kept (at most five, until the later end), so a rotation retried after a lost
/// answer never stops the secret the receiver still verifies with. Audited.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path)), request_body = Rotation, responses((status = 200, description = "Rotated", body = WebhookWithSecret)), security(("jwt" = [])))]
#[post("/{id}/rotate-secret")]
pub async fn rotate_secret(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<Rotation>,
) -> ApiResult<web::Json<WebhookWithSecret>> {
    let permit = caller.permit(Permission::Role(Resource::Webhook, Op::Update))?;
    let overlap = Duration::hours(body.value.overlap_hours.unwrap_or(24));
    let (row, secret) = state
        .app
        .write(permit, async |tx| {
            webhooks::rotate_secret(tx, *id, overlap).await
        })
        .await?;
    Ok(web::Json(WebhookWithSecret {
        webhook: row.into(),
        secret: Some(secret),
    }))
}
