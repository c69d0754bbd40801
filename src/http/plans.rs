//! The current plan, versioned: record a new version (which reassesses the case's opinions)
//! and read the current one or any earlier version.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, put, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::State;
use super::caller::Caller;
use super::etag::{IfMatch, plan_etag};
use super::json::{RequestBody, ValidJson};
use super::pagination::{Page, PageQuery, PageRequest};
use super::problem::ApiResult;
use crate::app::plans::{self, PlanVersionRecord, Revision};
use crate::auth::policy::{Op, Permission, Resource};
use crate::domain::picture::Picture;
use crate::domain::validation::FieldErrors;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(put_plan)
        .service(get_plan)
        .service(list_plan_versions)
        .service(get_plan_version);
}

/// A version of a case's plan.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanVersion {
    pub version: i32,
    pub picture: Picture,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

impl From<PlanVersionRecord> for PlanVersion {
    fn from(row: PlanVersionRecord) -> PlanVersion {
        PlanVersion {
            version: row.version,
            picture: serde_json::from_value(row.picture).unwrap_or_default(),
            created_at: row.created_at,
            created_by: row.created_by,
        }
    }
}

impl RequestBody for Picture {
    fn check(&self, errors: &mut FieldErrors) {
        Picture::check(self, "", errors);
    }
}

fn plan_response(status: StatusCode, row: PlanVersionRecord) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("ETag", plan_etag(row.version)))
        .json(PlanVersion::from(row))
}

/// Replace the current plan: 201 with version 1, 200 with a new version after that; a picture
/// equal to the current one returns that version and creates nothing. Every new version
/// reassesses the case's second opinions.
#[utoipa::path(
    tag = "plans",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The plan's ETag last read")),
    request_body = Picture,
    responses(
        (status = 200, description = "A new version (or the current one, unchanged)", body = PlanVersion, headers(("ETag" = String))),
        (status = 201, description = "The first version", body = PlanVersion, headers(("ETag" = String), ("Location" = String))),
        (status = 412, description = "The plan changed since the ETag was read", body = super::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("jwt" = [])),
)]
#[put("/cases/{id}/plan")]
pub async fn put_plan(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ValidJson<Picture>,
) -> ApiResult<HttpResponse> {
    let permit = caller.permit(Permission::Role(Resource::Plan, Op::Update))?;
    let picture = body.into_inner();
    let revision = state
        .app
        .write(permit, async |tx| {
            plans::revise(tx, *id, &if_match.0, picture).await
        })
        .await?;
    Ok(match revision {
        Revision::First(row) => {
            let mut response = plan_response(StatusCode::CREATED, row);
            response.headers_mut().insert(
                actix_web::http::header::LOCATION,
                actix_web::http::header::HeaderValue::from_str(&format!("/v1/cases/{id}/plan"))
                    .expect("ascii"),
            );
            response
        }
        Revision::New(row) | Revision::Unchanged(row) => plan_response(StatusCode::OK, row),
    })
}

/// The current plan, with its ETag.
#[utoipa::path(tag = "plans", params(("id" = Uuid, Path)), responses((status = 200, description = "The current plan version", body = PlanVersion, headers(("ETag" = String)))), security(("jwt" = [])))]
#[get("/cases/{id}/plan")]
pub async fn get_plan(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let permit = caller.permit(Permission::Role(Resource::Plan, Op::Read))?;
    let row = state
        .app
        .read(permit, async |q| plans::current(q, *id).await)
        .await?;
    Ok(plan_response(StatusCode::OK, row))
}

/// Every version of the plan, newest first.
#[utoipa::path(tag = "plans", params(("id" = Uuid, Path), super::pagination::PageQuery), responses((status = 200, description = "A page of versions", body = Page<PlanVersion>)), security(("jwt" = [])))]
#[get("/cases/{id}/plan/versions")]
pub async fn list_plan_versions(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<PlanVersion>>> {
    let permit = caller.permit(Permission::Role(Resource::Plan, Op::Read))?;
    let page = PageRequest::new(query.limit, query.cursor.as_deref(), &*id)?;
    // The version number orders versions; it travels in the cursor's id slot.
    let before = page.after.map(|(_, v)| v.as_u128() as i32);
    let rows = state
        .app
        .read(permit, async |q| {
            plans::versions(q, *id, before, page.fetch()).await
        })
        .await?;
    Ok(web::Json(page.page(
        rows,
        |r| (r.created_at, Uuid::from_u128(r.version as u128)),
        PlanVersion::from,
    )))
}

/// One version of the plan; versions never change.
#[utoipa::path(tag = "plans", params(("id" = Uuid, Path), ("n" = i32, Path, description = "The version number")), responses((status = 200, description = "The version", body = PlanVersion, headers(("ETag" = String)))), security(("jwt" = [])))]
#[get("/cases/{id}/plan/versions/{n}")]
pub async fn get_plan_version(
    state: State,
    caller: Caller,
    path: web::Path<(Uuid, i32)>,
) -> ApiResult<HttpResponse> {
    let permit = caller.permit(Permission::Role(Resource::Plan, Op::Read))?;
    let (id, n) = path.into_inner();
    let row = state
        .app
        .read(permit, async |q| plans::version(q, id, n).await)
        .await?;
    Ok(plan_response(StatusCode::OK, row))
}
