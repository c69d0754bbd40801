//! Share links: the treating oncologist opens one summary snapshot without an account. The
//! 256-bit token is stored only as SHA-256; the URL comes from PUBLIC_BASE_URL, never from
//! the request; an expired or revoked link answers 410 with a short page; opening attempts
//! are rate-limited per IP, audited and announced (`share_link.opened`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::State;
use super::caller::{Caller, counted};
use super::idempotency::{IdempotencyKey, respond};
use super::json::{RequestBody, ValidJson};
use super::negotiate::{Format, HTML_CSP, render};
use super::pagination::{Page, PageQuery, PageRequest};
use super::problem::{ApiResult, current_request_id};
use crate::app::share_links::{self, Opened, ShareLinkRecord};
use crate::app::summaries;
use crate::app::{Actor, Creation};
use crate::auth::policy::{Op, Permission, Resource};
use crate::auth::share_link;

/// Under `/v1/summaries`.
pub fn summary_routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_share_link).service(list_share_links);
}

/// Under `/v1/share-links`.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(revoke_share_link);
}

/// Under `/v1/shared`: the page a share link opens.
pub fn shared_routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(open_shared);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"expires_in_days": 14}))]
pub struct NewShareLink {
    /// 1 to 30 (default 14).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 30)]
    pub expires_in_days: Option<i64>,
}

impl RequestBody for NewShareLink {}

/// A new link: the token is only inside `url`, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedShareLink {
    pub id: Uuid,
    /// Null when this answers a replay (Idempotency-Key): only the token's hash is kept.
    #[schema(example = "https://concord.example/v1/shared/k3...")]
    pub url: Option<String>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShareLink {
    pub id: Uuid,
    pub summary_id: Uuid,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub opened_count: i32,
    pub last_opened_at: Option<DateTime<Utc>>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<ShareLinkRecord> for ShareLink {
    fn from(r: ShareLinkRecord) -> ShareLink {
        ShareLink {
            id: r.id,
            summary_id: r.summary_id,
            expires_at: r.expires_at,
            revoked_at: r.revoked_at,
            opened_count: r.opened_count,
            last_opened_at: r.last_opened_at,
            created_by: r.created_by,
            created_at: r.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShareLinkList {
    pub items: Vec<ShareLink>,
    pub next_cursor: Option<String>,
}

/// Share a summary with the treating oncologist: a link that works without an account.
///
/// The patient, or a coordinator or clinician, for a summary they can read; advocates and admins
/// get a 403, and a summary held for a clinician's sign-off is a 409. The link expires after
/// `expires_in_days` (1 to 30, default 14). Its token is only in `url`, which a replay with the
/// same `Idempotency-Key` answers as null. Audited.
#[utoipa::path(
    tag = "share-links",
    params(("id" = Uuid, Path, description = "The summary"), ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a retry with the same body")),
    request_body = NewShareLink,
    responses(
        (status = 201, description = "Created; the token is only inside url", body = CreatedShareLink, headers(("Location" = String))),
        (status = 409, description = "The Idempotency-Key is in flight", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The Idempotency-Key was used with another body", body = super::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("jwt" = [])),
)]
#[post("/{id}/share-links")]
pub async fn create_share_link(
    state: State,
    caller: Caller,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    body: ValidJson<NewShareLink>,
) -> ApiResult<HttpResponse> {
    let permit = caller.permit(Permission::Role(Resource::ShareLink, Op::Create))?;
    let once = key.once(&caller, &req, &body.raw);
    let days = body.value.expires_in_days.unwrap_or(14);
    let creation = state
        .app
        .create_once(permit, once.as_ref(), async |tx| {
            let link = share_links::share(tx, *id, days).await?;
            let location = format!("/v1/share-links/{}", link.id);
            let created = CreatedShareLink {
                id: link.id,
                url: Some(link.url),
                expires_at: link.expires_at,
            };
            Ok(Creation::created(created).at(location).shown_once("url"))
        })
        .await?;
    Ok(respond(creation))
}

/// A summary's share links (never their tokens).
///
/// The patient, coordinators, clinicians and admins who can read the summary (advocates get a 403,
/// others a 404). Shows each link's expiry, revocation, openings and last opening. Paged with
/// `limit` and `cursor`: pass back `next_cursor` until it is null. The read is audited.
#[utoipa::path(tag = "share-links", params(("id" = Uuid, Path, description = "The summary"), PageQuery), responses((status = 200, description = "Links", body = ShareLinkList)), security(("jwt" = [])))]
#[get("/{id}/share-links")]
pub async fn list_share_links(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<ShareLinkList>> {
    let permit = caller.permit(Permission::Role(Resource::ShareLink, Op::Read))?;
    let page = PageRequest::new(query.limit, query.cursor.as_deref(), &*id)?;
    let rows = state
        .app
        .read(permit, async |q| {
            share_links::of_summary(q, *id, page.after, page.fetch()).await
        })
        .await?;
    let Page { items, next_cursor } = page.page(rows, |r| (r.created_at, r.id), ShareLink::from);
    Ok(web::Json(ShareLinkList { items, next_cursor }))
}

/// Revoke a share link at once.
///
/// Coordinators and clinicians, on a case of their organisation; patients, advocates and admins get
/// a 403. The link answers 410 from then on; revoking again keeps the first revocation time.
/// Audited.
#[utoipa::path(tag = "share-links", params(("id" = Uuid, Path)), responses((status = 204, description = "Revoked")), security(("jwt" = [])))]
#[delete("/{id}")]
pub async fn revoke_share_link(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let permit = caller.permit(Permission::Role(Resource::ShareLink, Op::Delete))?;
    state
        .app
        .write(permit, async |tx| share_links::revoke(tx, *id).await)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A short self-contained page for links that do not open.
fn page(status: StatusCode, title: &str, text: &str) -> HttpResponse {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"robots\" content=\"noindex\"><title>{title}</title>\
         <style>body{{font-family:sans-serif;max-width:36em;margin:4em auto;padding:0 1em;color:#222}}</style></head>\
         <body><h1>{title}</h1><p>{text}</p></body></html>"
    );
    guarded(HttpResponse::build(status))
        .content_type("text/html; charset=utf-8")
        .body(html)
}

/// Headers every shared-link answer carries: nothing cached, leaked through Referer or indexed.
fn guarded(mut builder: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    builder
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .insert_header(("X-Robots-Tag", "noindex, nofollow"))
        .insert_header(("Content-Security-Policy", HTML_CSP))
        .insert_header(("X-Content-Type-Options", "nosniff"));
    builder
}

/// What a shared link answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SharedFormat {
    Html,
    Pdf,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SharedQuery {
    /// html (default) or pdf.
    #[param(inline)]
    pub format: Option<SharedFormat>,
}

/// Open a shared summary (no credentials): the snapshot as it was when shared, as an HTML
/// page or `?format=pdf`. An expired or revoked link answers 410.
///
/// Public: the token in the path is the credential. Opening attempts are rate-limited per client
/// address (429). Each opening is counted, audited, announced as `share_link.opened` and moves the
/// case on to `shared_with_oncologist`; an ended link's refusal is audited too. An unknown token is
/// a 404 page. Nothing is cached, indexed or sent as Referer.
#[utoipa::path(
    tag = "share-links",
    params(("token" = String, Path, description = "The token from the link"), SharedQuery),
    responses(
        (status = 200, description = "The summary", content((String = "text/html"), (Vec<u8> = "application/pdf"))),
        (status = 404, description = "No such link", content_type = "text/html", body = String),
        (status = 410, description = "The link expired or was revoked", content_type = "text/html", body = String),
        (status = 429, description = "Too many opening attempts from this address", body = super::problem::Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/{token}")]
pub async fn open_shared(
    state: State,
    req: HttpRequest,
    token: web::Path<String>,
    query: web::Query<SharedQuery>,
) -> ApiResult<HttpResponse> {
    if let Some(ip) = req.peer_addr().map(|a| a.ip()) {
        counted(&req, state.rate_limits.check_ip(ip))?;
    }
    let format = match query.format {
        None | Some(SharedFormat::Html) => Format::Html,
        Some(SharedFormat::Pdf) => Format::Pdf,
    };
    let Some(principal) = share_link::authenticate(state.app.pool(), &token).await? else {
        return Ok(page(
            StatusCode::NOT_FOUND,
            "Link not found",
            "This link does not exist. Please ask the person who shared it for a new one.",
        ));
    };
    let opener = Actor {
        principal,
        request_id: current_request_id(),
        client_ip: req.peer_addr().map(|a| a.ip().to_string()),
    };
    let permit = opener.permit(Permission::Public)?;
    let asked = if format == Format::Pdf { "pdf" } else { "html" };
    let opened = state
        .app
        .write(permit, async |tx| share_links::open(tx, asked).await)
        .await?;
    let summary = match opened {
        Opened::Summary(summary) => *summary,
        Opened::Ended => {
            return Ok(page(
                StatusCode::GONE,
                "This link has ended",
                "The link to this summary expired or was withdrawn. Please ask the patient for a new one.",
            ));
        }
    };
    let content = summaries::content(&summary)?;
    let mut response = render(&state.pdf_slots, format, &content, &content).await?;
    for (name, value) in [
        ("cache-control", "no-store"),
        ("referrer-policy", "no-referrer"),
        ("x-robots-tag", "noindex, nofollow"),
        ("content-security-policy", HTML_CSP),
        ("x-content-type-options", "nosniff"),
    ] {
        response.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static(name),
            actix_web::http::header::HeaderValue::from_static(value),
        );
    }
    Ok(response)
}
