//! Share links: the treating oncologist opens one summary snapshot without an account. The
//! 256-bit token is stored only as SHA-256; the URL comes from PUBLIC_BASE_URL, never from
//! the request; an expired or revoked link answers 410 with a short page; opening attempts
//! are rate-limited per IP, audited and announced (`share_link.opened`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::State;
use super::caller::Caller;
use super::idempotency::{self, Created, IdempotencyKey};
use super::json::{RequestBody, ValidJson};
use super::negotiate::Format;
use super::problem::{ApiError, ApiResult};
use super::referrals::advance_case;
use super::summaries::{HTML_CSP, SummaryRow, readable_summary, render};
use crate::audit::{self, Actor, AuditRecord, Outcome};
use crate::auth::api_key::sha256;
use crate::auth::policy::{self, CaseAccess, Op, Resource};
use crate::db::schema::{share_links, summaries};
use crate::domain::case_status::CaseStatus;
use crate::domain::summary::Summary;
use crate::events::outbox::{self, Outbox};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_share_link)
        .service(list_share_links)
        .service(revoke_share_link)
        .service(open_shared);
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = share_links)]
pub struct ShareLinkRow {
    pub org_id: Uuid,
    pub id: Uuid,
    pub summary_id: Uuid,
    pub case_id: Uuid,
    pub token_sha256: Vec<u8>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub opened_count: i32,
    pub last_opened_at: Option<DateTime<Utc>>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
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

impl From<ShareLinkRow> for ShareLink {
    fn from(r: ShareLinkRow) -> ShareLink {
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
#[post("/summaries/{id}/share-links")]
pub async fn create_share_link(
    state: State,
    caller: Caller,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    body: ValidJson<NewShareLink>,
) -> ApiResult<HttpResponse> {
    policy::require(&caller, Resource::ShareLink, Op::Create)?;
    let scope = idempotency::Scope::new(&caller, &req, &key, &body.raw);
    let days = body.value.expires_in_days.unwrap_or(14);
    let summary_id = *id;
    let mut conn = state.db.get().await?;
    let created = idempotency::create_once(&mut conn, scope.as_ref(), async |conn| {
        let summary = readable_summary(conn, &caller, summary_id).await?;
        if matches!(
            policy::case_access(conn, &caller, summary.case_id).await?,
            CaseAccess::Advocate { .. }
        ) {
            return Err(ApiError::forbidden("advocates cannot share summaries"));
        }
        let mut secret = [0u8; 32];
        rand::fill(&mut secret);
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret);
        let expires_at = Utc::now() + Duration::days(days);
        let link_id = Uuid::now_v7();
        diesel::insert_into(share_links::table)
            .values((
                share_links::org_id.eq(caller.org_id()),
                share_links::id.eq(link_id),
                share_links::summary_id.eq(summary_id),
                share_links::case_id.eq(summary.case_id),
                share_links::token_sha256.eq(sha256(token.as_bytes()).to_vec()),
                share_links::expires_at.eq(expires_at),
                share_links::created_by.eq(caller.created_by()),
            ))
            .execute(conn)
            .await?;
        audit::write(
            conn,
            caller.audit(
                "share_link.create",
                "share_link",
                vec![link_id, summary_id],
                Some(summary.case_id),
            ),
        )
        .await?;
        let url = outbox::link(
            &state.config.public_base_url,
            &format!("/v1/shared/{token}"),
        );
        let created = Created::new(
            StatusCode::CREATED,
            CreatedShareLink {
                id: link_id,
                url: Some(url),
                expires_at,
            },
        )
        .at(format!("/v1/share-links/{link_id}"))
        .shown_once("url");
        Ok(created)
    })
    .await?;
    Ok(created.response())
}

/// A summary's share links (never their tokens).
#[utoipa::path(tag = "share-links", params(("id" = Uuid, Path, description = "The summary")), responses((status = 200, description = "Links", body = ShareLinkList)), security(("jwt" = [])))]
#[get("/summaries/{id}/share-links")]
pub async fn list_share_links(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ShareLinkList>> {
    policy::require(&caller, Resource::ShareLink, Op::Read)?;
    let mut conn = state.db.get().await?;
    let summary = readable_summary(&mut conn, &caller, *id).await?;
    let rows: Vec<ShareLinkRow> = share_links::table
        .filter(share_links::org_id.eq(caller.org_id()))
        .filter(share_links::summary_id.eq(summary.id))
        .order((share_links::created_at.desc(), share_links::id.desc()))
        .select(ShareLinkRow::as_select())
        .load(&mut conn)
        .await?;
    audit::write(
        &mut conn,
        caller.audit(
            "share_link.list",
            "share_link",
            rows.iter().map(|r| r.id).collect(),
            Some(summary.case_id),
        ),
    )
    .await?;
    Ok(web::Json(ShareLinkList {
        items: rows.into_iter().map(ShareLink::from).collect(),
        next_cursor: None,
    }))
}

/// Revoke a share link at once.
#[utoipa::path(tag = "share-links", params(("id" = Uuid, Path)), responses((status = 204, description = "Revoked")), security(("jwt" = [])))]
#[delete("/share-links/{id}")]
pub async fn revoke_share_link(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    policy::require(&caller, Resource::ShareLink, Op::Delete)?;
    let id = *id;
    let mut conn = state.db.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let case_id: Uuid = diesel::update(
            share_links::table
                .filter(share_links::org_id.eq(caller.org_id()))
                .filter(share_links::id.eq(id)),
        )
        .set(share_links::revoked_at.eq(diesel::dsl::sql::<
            diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>,
        >("coalesce(revoked_at, now())")))
        .returning(share_links::case_id)
        .get_result(conn)
        .await
        .optional()?
        .ok_or_else(|| ApiError::not_found("share link"))?;
        policy::case_access(conn, &caller, case_id).await?;
        audit::write(
            conn,
            caller.audit("share_link.revoke", "share_link", vec![id], Some(case_id)),
        )
        .await?;
        Ok(())
    })
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
#[get("/shared/{token}")]
pub async fn open_shared(
    state: State,
    req: HttpRequest,
    token: web::Path<String>,
    query: web::Query<SharedQuery>,
) -> ApiResult<HttpResponse> {
    if let Some(ip) = req.peer_addr().map(|a| a.ip()) {
        state.rate_limits.check_ip(ip)?;
    }
    let format = match query.format {
        None | Some(SharedFormat::Html) => Format::Html,
        Some(SharedFormat::Pdf) => Format::Pdf,
    };
    let plausible = token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let not_found = || {
        page(
            StatusCode::NOT_FOUND,
            "Link not found",
            "This link does not exist. Please ask the person who shared it for a new one.",
        )
    };
    if !plausible {
        return Ok(not_found());
    }
    let hash = sha256(token.as_bytes()).to_vec();
    let mut conn = state.db.get().await?;
    let link: Option<ShareLinkRow> = share_links::table
        .filter(share_links::token_sha256.eq(&hash))
        .select(ShareLinkRow::as_select())
        .first(&mut conn)
        .await
        .optional()?;
    let Some(link) = link else {
        return Ok(not_found());
    };
    let actor = Actor {
        kind: "share_link",
        id: link.id.to_string(),
        role: None,
    };
    let client_ip = req.peer_addr().map(|a| a.ip().to_string());
    let record = |outcome: Outcome| AuditRecord {
        org_id: link.org_id,
        actor: actor.clone(),
        action: "share_link.open".into(),
        object_type: "summary",
        object_ids: vec![link.summary_id, link.id],
        case_id: Some(link.case_id),
        outcome,
        request_id: super::problem::current_request_id(),
        client_ip: client_ip.clone(),
    };
    if link.revoked_at.is_some() || link.expires_at <= Utc::now() {
        audit::write(&mut conn, record(Outcome::Denied)).await?;
        return Ok(page(
            StatusCode::GONE,
            "This link has ended",
            "The link to this summary expired or was withdrawn. Please ask the patient for a new one.",
        ));
    }
    let summary: SummaryRow = summaries::table
        .filter(summaries::org_id.eq(link.org_id))
        .filter(summaries::id.eq(link.summary_id))
        .select(SummaryRow::as_select())
        .first(&mut conn)
        .await?;
    let content: Summary = serde_json::from_value(summary.content).map_err(anyhow::Error::from)?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        diesel::update(share_links::table.filter(share_links::org_id.eq(link.org_id)).filter(share_links::id.eq(link.id)))
            .set((share_links::opened_count.eq(share_links::opened_count + 1), share_links::last_opened_at.eq(Utc::now())))
            .execute(conn)
            .await?;
        audit::write(conn, record(Outcome::Success)).await?;
        let data = outbox::case_data(&state.config.public_base_url, link.case_id, serde_json::json!({"share_link_id": link.id, "summary_id": link.summary_id, "format": if format == Format::Pdf { "pdf" } else { "html" }}));
        let mut outbox = Outbox::new(link.org_id);
        outbox.add("share_link.opened", data);
        advance_case(conn, &state, &mut outbox, link.org_id, link.case_id, CaseStatus::SharedWithOncologist).await?;
        outbox.write(conn).await?;
        Ok(())
    })
    .await?;
    drop(conn);
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
