//! Organisations (a navigator's partner hospitals) and partner API keys.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
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
use crate::app::organizations::{self, ApiKeyRecord, OrganizationRecord};
use crate::auth::policy::{Op, Permission, Resource};
use crate::domain::validation::FieldErrors;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_organization)
        .service(list_organizations)
        .service(get_organization)
        .service(rename_organization)
        .service(create_api_key)
        .service(list_api_keys)
        .service(revoke_api_key);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganizationKind {
    Navigator,
    Partner,
}

/// A partner hospital to create. Navigators are created by the operator (`concord org create`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Tata Memorial", "kind": "partner"}))]
pub struct NewOrganization {
    #[schema(pattern = r"\S", min_length = 1, max_length = 200)]
    pub name: String,
    pub kind: OrganizationKind,
}

impl RequestBody for NewOrganization {
    fn check(&self, errors: &mut FieldErrors) {
        if self.name.trim().is_empty() {
            errors.add("name", "must not be blank");
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Tata Memorial Centre"}))]
pub struct OrganizationChanges {
    #[schema(pattern = r"\S", min_length = 1, max_length = 200)]
    pub name: String,
}

impl RequestBody for OrganizationChanges {
    fn check(&self, errors: &mut FieldErrors) {
        if self.name.trim().is_empty() {
            errors.add("name", "must not be blank");
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Organization {
    pub id: Uuid,
    pub name: String,
    pub kind: OrganizationKind,
    pub created_at: DateTime<Utc>,
}

impl From<OrganizationRecord> for Organization {
    fn from(row: OrganizationRecord) -> Organization {
        Organization {
            id: row.id,
            name: row.name,
            kind: if row.kind == "navigator" {
                OrganizationKind::Navigator
            } else {
                OrganizationKind::Partner
            },
            created_at: row.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationList {
    pub items: Vec<Organization>,
    pub next_cursor: Option<String>,
}

/// Create a partner hospital of the caller's navigator.
///
/// Admins only. A `kind` of `navigator` is a 403: the operator creates those. The partner can then
/// be sent referrals and given API keys. Audited; a retry with the same `Idempotency-Key` and body
/// replays the first answer.
#[utoipa::path(
    tag = "organizations",
    request_body = NewOrganization,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a retry with the same body")),
    responses(
        (status = 201, description = "Created", body = Organization, headers(("Location" = String, description = "The new organisation"))),
        (status = 409, description = "The Idempotency-Key is in flight", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The Idempotency-Key was used with another body", body = super::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("jwt" = [])),
)]
#[post("")]
pub async fn create_organization(
    state: State,
    caller: Caller,
    req: HttpRequest,
    key: IdempotencyKey,
    body: ValidJson<NewOrganization>,
) -> ApiResult<HttpResponse> {
    let permit = caller.permit(Permission::Role(Resource::Organization, Op::Create))?;
    if body.value.kind == OrganizationKind::Navigator {
        return Err(ApiError::forbidden(
            "navigator organisations are created by the operator (concord org create)",
        ));
    }
    let once = key.once(&caller, &req, &body.raw);
    let name = body.value.name.trim().to_string();
    let creation = state
        .app
        .create_once(permit, once.as_ref(), async |tx| {
            let row = organizations::create_partner(tx, &name).await?;
            let location = format!("/v1/organizations/{}", row.id);
            Ok(Creation::created(Organization::from(row)).at(location))
        })
        .await?;
    Ok(respond(creation))
}

/// The caller's navigator and its partner hospitals.
///
/// For coordinators, clinicians and admins. Paged with `limit` and `cursor`: pass back
/// `next_cursor` until it is null.
#[utoipa::path(tag = "organizations", params(PageQuery), responses((status = 200, description = "Organisations", body = OrganizationList)), security(("jwt" = [])))]
#[get("")]
pub async fn list_organizations(
    state: State,
    caller: Caller,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<OrganizationList>> {
    let permit = caller.permit(Permission::Role(Resource::Organization, Op::Read))?;
    let page = PageRequest::new(query.limit, query.cursor.as_deref(), &())?;
    let rows = state
        .app
        .read(permit, async |q| {
            organizations::list(q, page.after, page.fetch()).await
        })
        .await?;
    let Page { items, next_cursor } = page.page(rows, |r| (r.created_at, r.id), Organization::from);
    Ok(web::Json(OrganizationList { items, next_cursor }))
}

/// One organisation of the caller's tenant.
///
/// For coordinators, clinicians and admins; an organisation outside the caller's tenant is a 404.
#[utoipa::path(tag = "organizations", params(("id" = Uuid, Path)), responses((status = 200, description = "The organisation", body = Organization)), security(("jwt" = [])))]
#[get("/{id}")]
pub async fn get_organization(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Organization>> {
    let permit = caller.permit(Permission::Role(Resource::Organization, Op::Read))?;
    let row = state
        .app
        .read(permit, async |q| organizations::get(q, *id).await)
        .await?;
    Ok(web::Json(row.into()))
}

/// Rename an organisation of the caller's tenant.
///
/// Admins only; only `name` changes, and an organisation outside the caller's tenant is a 404.
/// Audited.
#[utoipa::path(tag = "organizations", params(("id" = Uuid, Path)), request_body = OrganizationChanges, responses((status = 200, description = "Renamed", body = Organization)), security(("jwt" = [])))]
#[patch("/{id}")]
pub async fn rename_organization(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<OrganizationChanges>,
) -> ApiResult<web::Json<Organization>> {
    let permit = caller.permit(Permission::Role(Resource::Organization, Op::Update))?;
    let name = body.value.name.trim().to_string();
    let row = state
        .app
        .write(permit, async |tx| {
            organizations::rename(tx, *id, &name).await
        })
        .await?;
    Ok(web::Json(row.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "production"}))]
pub struct NewApiKey {
    #[schema(pattern = r"\S", min_length = 1, max_length = 200)]
    pub name: String,
    /// When the key stops working; none means until revoked.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

impl RequestBody for NewApiKey {
    fn check_state(&self, errors: &mut FieldErrors) {
        if self.expires_at.is_some_and(|t| t <= Utc::now()) {
            errors.add("expires_at", "must be in the future");
        }
    }

    fn check(&self, errors: &mut FieldErrors) {
        if self.name.trim().is_empty() {
            errors.add("name", "must not be blank");
        }
    }
}

/// A new key: `key` is shown this once and never again.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKey {
    pub id: Uuid,
    /// The key, shown once. Null when this answer replays an earlier creation (Idempotency-Key): only its hash is kept.
    #[schema(example = "cnc_Ab12Cd34_...")]
    pub key: Option<String>,
    pub prefix: String,
    pub name: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A key's metadata (never the secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyInfo {
    pub id: Uuid,
    pub prefix: String,
    pub name: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<ApiKeyRecord> for ApiKeyInfo {
    fn from(r: ApiKeyRecord) -> ApiKeyInfo {
        ApiKeyInfo {
            id: r.id,
            prefix: r.prefix,
            name: r.name,
            expires_at: r.expires_at,
            revoked_at: r.revoked_at,
            last_used_at: r.last_used_at,
            created_by: r.created_by,
            created_at: r.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyList {
    pub items: Vec<ApiKeyInfo>,
    pub next_cursor: Option<String>,
}

/// Create an API key for a partner hospital (shown once).
///
/// Admins only, for a partner of their navigator (anything else is a 404). The key works until
/// `expires_at` or revocation. Only its hash is stored, so a replay with the same `Idempotency-Key`
/// answers `key` as null. Audited.
#[utoipa::path(
    tag = "organizations",
    params(("id" = Uuid, Path, description = "The partner"), ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a retry with the same body")),
    request_body = NewApiKey,
    responses(
        (status = 201, description = "Created; the key is in the body only this once", body = CreatedApiKey, headers(("Location" = String, description = "The new key, under its organisation"))),
        (status = 409, description = "The Idempotency-Key is in flight", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The Idempotency-Key was used with another body", body = super::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("jwt" = [])),
)]
#[post("/{id}/api-keys")]
pub async fn create_api_key(
    state: State,
    caller: Caller,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    body: ValidJson<NewApiKey>,
) -> ApiResult<HttpResponse> {
    let permit = caller.permit(Permission::Role(Resource::ApiKey, Op::Create))?;
    let once = key.once(&caller, &req, &body.raw);
    let partner_id = *id;
    let body = body.into_inner();
    let creation = state
        .app
        .create_once(permit, once.as_ref(), async |tx| {
            let (row, key) =
                organizations::issue_api_key(tx, partner_id, body.name.trim(), body.expires_at)
                    .await?;
            let location = format!("/v1/organizations/{partner_id}/api-keys/{}", row.id);
            let shown = CreatedApiKey {
                id: row.id,
                key: Some(key),
                prefix: row.prefix,
                name: row.name,
                expires_at: row.expires_at,
                created_at: row.created_at,
            };
            // Only the key's hash is ever stored: a replay answers with `key: null`.
            Ok(Creation::created(shown).at(location).shown_once("key"))
        })
        .await?;
    Ok(respond(creation))
}

/// A partner's keys (metadata only).
///
/// Admins only, for a partner of their navigator (anything else is a 404): each key's prefix, name,
/// expiry, revocation and last use. Paged with `limit` and `cursor`: pass back `next_cursor` until
/// it is null. The read is audited.
#[utoipa::path(tag = "organizations", params(("id" = Uuid, Path, description = "The partner"), PageQuery), responses((status = 200, description = "Keys", body = ApiKeyList)), security(("jwt" = [])))]
#[get("/{id}/api-keys")]
pub async fn list_api_keys(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<ApiKeyList>> {
    let permit = caller.permit(Permission::Role(Resource::ApiKey, Op::Read))?;
    let page = PageRequest::new(query.limit, query.cursor.as_deref(), &*id)?;
    let rows = state
        .app
        .read(permit, async |q| {
            organizations::api_keys(q, *id, page.after, page.fetch()).await
        })
        .await?;
    let Page { items, next_cursor } = page.page(rows, |r| (r.created_at, r.id), ApiKeyInfo::from);
    Ok(web::Json(ApiKeyList { items, next_cursor }))
}

/// Revoke a key at once.
///
/// Admins only. Every later request with the key is a 401; revoking again keeps the first
/// revocation time. A key that is not this partner's is a 404. Audited.
#[utoipa::path(tag = "organizations", params(("id" = Uuid, Path, description = "The partner"), ("key_id" = Uuid, Path)), responses((status = 204, description = "Revoked")), security(("jwt" = [])))]
#[delete("/{id}/api-keys/{key_id}")]
pub async fn revoke_api_key(
    state: State,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let permit = caller.permit(Permission::Role(Resource::ApiKey, Op::Delete))?;
    let (partner_id, key_id) = path.into_inner();
    state
        .app
        .write(permit, async |tx| {
            organizations::revoke_api_key(tx, partner_id, key_id).await
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
