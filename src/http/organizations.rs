//! Organisations (a navigator's partner hospitals) and partner API keys.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::State;
use super::caller::Caller;
use super::idempotency::{self, Created, IdempotencyKey};
use super::json::{RequestBody, ValidJson};
use super::problem::{ApiError, ApiResult};
use crate::audit;
use crate::auth::policy::{self, Op, Resource};
use crate::db::{api_keys, organizations};
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

impl From<organizations::OrganizationRow> for Organization {
    fn from(row: organizations::OrganizationRow) -> Organization {
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
#[post("/organizations")]
pub async fn create_organization(
    state: State,
    caller: Caller,
    req: HttpRequest,
    key: IdempotencyKey,
    body: ValidJson<NewOrganization>,
) -> ApiResult<HttpResponse> {
    policy::require(&caller, Resource::Organization, Op::Create)?;
    if body.value.kind == OrganizationKind::Navigator {
        return Err(ApiError::forbidden(
            "navigator organisations are created by the operator (concord org create)",
        ));
    }
    let scope = idempotency::Scope::new(&caller, &req, &key, &body.raw);
    let name = body.value.name.trim().to_string();
    let mut conn = state.db.get().await?;
    let created = idempotency::create_once(&mut conn, scope.as_ref(), async |conn| {
        let row = organizations::create_partner(conn, caller.org_id(), &name).await?;
        audit::write(
            conn,
            caller.audit("organization.create", "organization", vec![row.id], None),
        )
        .await?;
        let created = Created::new(StatusCode::CREATED, Organization::from(row.clone()))
            .at(format!("/v1/organizations/{}", row.id));
        Ok(created)
    })
    .await?;
    Ok(created.response())
}

/// The caller's navigator and its partner hospitals.
#[utoipa::path(tag = "organizations", responses((status = 200, description = "Organisations", body = OrganizationList)), security(("jwt" = [])))]
#[get("/organizations")]
pub async fn list_organizations(
    state: State,
    caller: Caller,
) -> ApiResult<web::Json<OrganizationList>> {
    policy::require(&caller, Resource::Organization, Op::Read)?;
    let mut conn = state.db.get().await?;
    let rows = organizations::list(&mut conn, caller.org_id()).await?;
    Ok(web::Json(OrganizationList {
        items: rows.into_iter().map(Organization::from).collect(),
        next_cursor: None,
    }))
}

/// One organisation of the caller's tenant.
#[utoipa::path(tag = "organizations", params(("id" = Uuid, Path)), responses((status = 200, description = "The organisation", body = Organization)), security(("jwt" = [])))]
#[get("/organizations/{id}")]
pub async fn get_organization(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Organization>> {
    policy::require(&caller, Resource::Organization, Op::Read)?;
    let mut conn = state.db.get().await?;
    let row = organizations::find(&mut conn, caller.org_id(), *id)
        .await?
        .ok_or_else(|| ApiError::not_found("organization"))?;
    Ok(web::Json(row.into()))
}

/// Rename an organisation of the caller's tenant.
#[utoipa::path(tag = "organizations", params(("id" = Uuid, Path)), request_body = OrganizationChanges, responses((status = 200, description = "Renamed", body = Organization)), security(("jwt" = [])))]
#[patch("/organizations/{id}")]
pub async fn rename_organization(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<OrganizationChanges>,
) -> ApiResult<web::Json<Organization>> {
    policy::require(&caller, Resource::Organization, Op::Update)?;
    let mut conn = state.db.get().await?;
    let id = *id;
    let name = body.value.name.trim().to_string();
    let row = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let row = organizations::rename(conn, caller.org_id(), id, &name)
                .await?
                .ok_or_else(|| ApiError::not_found("organization"))?;
            audit::write(
                conn,
                caller.audit("organization.update", "organization", vec![id], None),
            )
            .await?;
            Ok(row)
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

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyList {
    pub items: Vec<ApiKeyInfo>,
    pub next_cursor: Option<String>,
}

async fn partner_of_caller(
    conn: &mut diesel_async::AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
) -> ApiResult<organizations::OrganizationRow> {
    organizations::find_partner(conn, caller.org_id(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("partner organization"))
}

/// Create an API key for a partner hospital (shown once).
#[utoipa::path(
    tag = "organizations",
    params(("id" = Uuid, Path, description = "The partner"), ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a retry with the same body")),
    request_body = NewApiKey,
    responses(
        (status = 201, description = "Created; the key is in the body only this once", body = CreatedApiKey),
        (status = 409, description = "The Idempotency-Key is in flight", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The Idempotency-Key was used with another body", body = super::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("jwt" = [])),
)]
#[post("/organizations/{id}/api-keys")]
pub async fn create_api_key(
    state: State,
    caller: Caller,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    body: ValidJson<NewApiKey>,
) -> ApiResult<HttpResponse> {
    policy::require(&caller, Resource::ApiKey, Op::Create)?;
    let scope = idempotency::Scope::new(&caller, &req, &key, &body.raw);
    let partner_id = *id;
    let body = body.into_inner();
    let mut conn = state.db.get().await?;
    let created = idempotency::create_once(&mut conn, scope.as_ref(), async |conn| {
        partner_of_caller(conn, &caller, partner_id).await?;
        let key = crate::auth::api_key::NewApiKey::generate();
        let row = api_keys::create(
            conn,
            caller.org_id(),
            partner_id,
            body.name.trim(),
            key.stored(),
            body.expires_at,
            &caller.created_by(),
        )
        .await?;
        audit::write(
            conn,
            caller.audit("api_key.create", "api_key", vec![row.id, partner_id], None),
        )
        .await?;
        let shown = CreatedApiKey {
            id: row.id,
            key: Some(key.full.clone()),
            prefix: row.prefix,
            name: row.name,
            expires_at: row.expires_at,
            created_at: row.created_at,
        };
        // Only the key's hash is ever stored: a replay answers with `key: null`.
        Ok(Created::new(StatusCode::CREATED, shown)
            .at(format!(
                "/v1/organizations/{partner_id}/api-keys/{}",
                row.id
            ))
            .shown_once("key"))
    })
    .await?;
    Ok(created.response())
}

/// A partner's keys (metadata only).
#[utoipa::path(tag = "organizations", params(("id" = Uuid, Path, description = "The partner")), responses((status = 200, description = "Keys", body = ApiKeyList)), security(("jwt" = [])))]
#[get("/organizations/{id}/api-keys")]
pub async fn list_api_keys(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ApiKeyList>> {
    policy::require(&caller, Resource::ApiKey, Op::Read)?;
    let mut conn = state.db.get().await?;
    partner_of_caller(&mut conn, &caller, *id).await?;
    let rows = api_keys::list(&mut conn, caller.org_id(), *id).await?;
    audit::write(
        &mut conn,
        caller.audit("api_key.list", "api_key", vec![*id], None),
    )
    .await?;
    let items = rows
        .into_iter()
        .map(|r| ApiKeyInfo {
            id: r.id,
            prefix: r.prefix,
            name: r.name,
            expires_at: r.expires_at,
            revoked_at: r.revoked_at,
            last_used_at: r.last_used_at,
            created_by: r.created_by,
            created_at: r.created_at,
        })
        .collect();
    Ok(web::Json(ApiKeyList {
        items,
        next_cursor: None,
    }))
}

/// Revoke a key at once.
#[utoipa::path(tag = "organizations", params(("id" = Uuid, Path, description = "The partner"), ("key_id" = Uuid, Path)), responses((status = 204, description = "Revoked")), security(("jwt" = [])))]
#[delete("/organizations/{id}/api-keys/{key_id}")]
pub async fn revoke_api_key(
    state: State,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    policy::require(&caller, Resource::ApiKey, Op::Delete)?;
    let (partner_id, key_id) = path.into_inner();
    let mut conn = state.db.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        if !api_keys::revoke(conn, caller.org_id(), partner_id, key_id).await? {
            return Err(ApiError::not_found("api key"));
        }
        audit::write(
            conn,
            caller.audit("api_key.revoke", "api_key", vec![key_id, partner_id], None),
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
