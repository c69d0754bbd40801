//! Advocates' grants on a case: give, list, revoke.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::State;
use super::caller::Caller;
use super::idempotency::{IdempotencyKey, respond};
use super::json::{RequestBody, ValidJson};
use super::pagination::{Page, PageQuery, PageRequest};
use super::problem::ApiResult;
use crate::app::Creation;
use crate::app::members::{self, MemberRecord};
use crate::auth::policy::{Op, Permission, Resource};
use crate::domain::validation::FieldErrors;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(add_member)
        .service(list_members)
        .service(revoke_member);
}

/// Parts of a case an advocate's grant can cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GrantScope {
    Case,
    Documents,
    Summaries,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"subject": "advocate-7", "scope": ["case", "summaries"], "expires_at": "2027-03-01T00:00:00Z"}))]
pub struct NewMember {
    /// The advocate's login subject.
    #[schema(pattern = r"\S", min_length = 1, max_length = 255)]
    pub subject: String,
    /// What the grant covers (default: everything).
    #[serde(default)]
    #[schema(min_items = 1, max_items = 3)]
    pub scope: Option<Vec<GrantScope>>,
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

impl RequestBody for NewMember {
    fn check_state(&self, errors: &mut FieldErrors) {
        if self.expires_at.is_some_and(|t| t <= Utc::now()) {
            errors.add("expires_at", "must be in the future");
        }
    }

    fn check(&self, errors: &mut FieldErrors) {
        if self.subject.trim().is_empty() {
            errors.add("subject", "must not be blank");
        }
    }
}

/// A grant to an advocate.
#[derive(Debug, Serialize, ToSchema)]
pub struct Member {
    pub id: Uuid,
    pub case_id: Uuid,
    pub subject: String,
    pub scope: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<MemberRecord> for Member {
    fn from(r: MemberRecord) -> Member {
        Member {
            id: r.id,
            case_id: r.case_id,
            subject: r.subject,
            scope: r.scope,
            expires_at: r.expires_at,
            revoked_at: r.revoked_at,
            created_by: r.created_by,
            created_at: r.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberList {
    pub items: Vec<Member>,
    pub next_cursor: Option<String>,
}

/// Grant an advocate (a family member) access to the case.
///
/// The case's patient, or a coordinator or clinician of its organisation; advocates and admins get
/// a 403. The grant covers `case`, `documents` and `summaries` unless `scope` narrows it, until
/// `expires_at` (which must be in the future) or revocation. Audited; a retry with the same
/// `Idempotency-Key` and body replays the first answer.
#[utoipa::path(
    tag = "cases",
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a retry with the same body")),
    request_body = NewMember,
    responses(
        (status = 201, description = "Granted", body = Member, headers(("Location" = String))),
        (status = 409, description = "The Idempotency-Key is in flight", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The Idempotency-Key was used with another body", body = super::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("jwt" = [])),
)]
#[post("/{id}/members")]
pub async fn add_member(
    state: State,
    caller: Caller,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    body: ValidJson<NewMember>,
) -> ApiResult<HttpResponse> {
    let permit = caller.permit(Permission::Role(Resource::Grant, Op::Create))?;
    let once = key.once(&caller, &req, &body.raw);
    let case_id = *id;
    let m = body.into_inner();
    let mut scope: Vec<String> = m
        .scope
        .unwrap_or_else(|| {
            vec![
                GrantScope::Case,
                GrantScope::Documents,
                GrantScope::Summaries,
            ]
        })
        .iter()
        .map(|s| {
            serde_json::to_value(s)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        })
        .collect();
    scope.sort();
    scope.dedup();
    let creation = state
        .app
        .create_once(permit, once.as_ref(), async |tx| {
            let row = members::grant(tx, case_id, m.subject.trim(), scope, m.expires_at).await?;
            let location = format!("/v1/cases/{case_id}/members/{}", row.id);
            Ok(Creation::created(Member::from(row)).at(location))
        })
        .await?;
    Ok(respond(creation))
}

/// The case's grants, newest first.
///
/// The case's patient, and its organisation's coordinators, clinicians and admins; advocates get
/// a 403. Revoked and expired grants are listed too. Paged with `limit` and `cursor`: pass back
/// `next_cursor` until it is null. The read is audited.
#[utoipa::path(tag = "cases", params(("id" = Uuid, Path), PageQuery), responses((status = 200, description = "Grants", body = MemberList)), security(("jwt" = [])))]
#[get("/{id}/members")]
pub async fn list_members(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<MemberList>> {
    let permit = caller.permit(Permission::Role(Resource::Grant, Op::Read))?;
    let page = PageRequest::new(query.limit, query.cursor.as_deref(), &*id)?;
    let rows = state
        .app
        .read(permit, async |q| {
            members::list(q, *id, page.after, page.fetch()).await
        })
        .await?;
    let Page { items, next_cursor } = page.page(rows, |r| (r.created_at, r.id), Member::from);
    Ok(web::Json(MemberList { items, next_cursor }))
}

/// Revoke a grant at once.
///
/// The case's patient, or a coordinator or clinician of its organisation; advocates and admins get
/// a 403. The advocate's next request no longer reaches the case; revoking again keeps the first
/// `revoked_at`. Audited; no event is sent.
#[utoipa::path(tag = "cases", params(("id" = Uuid, Path), ("member_id" = Uuid, Path)), responses((status = 200, description = "Revoked", body = Member)), security(("jwt" = [])))]
#[delete("/{id}/members/{member_id}")]
pub async fn revoke_member(
    state: State,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<web::Json<Member>> {
    let permit = caller.permit(Permission::Role(Resource::Grant, Op::Delete))?;
    let (case_id, member_id) = path.into_inner();
    let row = state
        .app
        .write(permit, async |tx| {
            members::revoke(tx, case_id, member_id).await
        })
        .await?;
    Ok(web::Json(row.into()))
}
