//! The current plan, versioned: record a new version (which reassesses the case's opinions)
//! and read the current one or any earlier version.

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, get, put, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::State;
use super::caller::Caller;
use super::etag::{IfMatch, plan_etag};
use super::json::fhir::{is_fhir_body, prefers_fhir, read_fhir, speaks_fhir};
use super::json::{RequestBody, ValidJson};
use super::pagination::{Page, PageQuery, PageRequest};
use super::problem::{ApiError, ApiResult};
use crate::app::plans::{self, PlanVersionRecord, Revision};
use crate::auth::policy::{Op, Permission, Resource};
use crate::domain::fhir::{FHIR_JSON, OperationOutcome, Report};
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
    /// For a version read from a FHIR Bundle: what the import did not carry over as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<Report>,
}

impl From<PlanVersionRecord> for PlanVersion {
    fn from(row: PlanVersionRecord) -> PlanVersion {
        PlanVersion {
            version: row.version,
            picture: serde_json::from_value(row.picture).unwrap_or_default(),
            created_at: row.created_at,
            created_by: row.created_by,
            report: row.fhir_report.and_then(|r| serde_json::from_value(r).ok()),
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
///
/// With `Content-Type: application/fhir+json` the body is a FHIR R4 Bundle (collection,
/// transaction, batch or a complete searchset; never a bare resource) read as
/// `POST /v1/fhir/picture` reads it, against the case's patient (one Patient, born in the
/// patient's birth year). The picture is recorded exactly as a JSON one, and the import
/// `report` is stored with the version and answered with it (as an OperationOutcome of warning
/// and information issues when `Accept` prefers `application/fhir+json`). A report with a
/// clinical entry holds every assessment made from this version for a clinician's review
/// (`fhir_import_incomplete`). FHIR errors are an OperationOutcome.
#[utoipa::path(
    tag = "plans",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The plan's ETag last read")),
    request_body(content((Picture = "application/json"), (serde_json::Value = "application/fhir+json"))),
    responses(
        (status = 200, description = "A new version (or the current one, unchanged)", headers(("ETag" = String)), content((PlanVersion = "application/json"), (OperationOutcome = "application/fhir+json"))),
        (status = 201, description = "The first version", headers(("ETag" = String), ("Location" = String)), content((PlanVersion = "application/json"), (OperationOutcome = "application/fhir+json"))),
        (status = 412, description = "The plan changed since the ETag was read", content((super::problem::Problem = "application/problem+json"), (OperationOutcome = "application/fhir+json"))),
        (status = 422, description = "A FHIR Bundle about another patient, of a type not read, or a bare resource", content((super::problem::Problem = "application/problem+json"), (OperationOutcome = "application/fhir+json"))),
    ),
    security(("jwt" = [])),
)]
#[put("/{id}/plan")]
pub async fn put_plan(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    req: HttpRequest,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let fhir = speaks_fhir(&req);
    let base = &state.config.public_base_url;
    let in_kind = |e: ApiError| e.for_fhir(fhir, base);
    let permit = caller
        .permit(Permission::Role(Resource::Plan, Op::Update))
        .map_err(|e| in_kind(e.into()))?;
    let mut payload = payload.into_inner();
    let (revision, report) = if is_fhir_body(&req) {
        let body = read_fhir(&req, payload, false).await.map_err(in_kind)?;
        state
            .app
            .write(permit, async |tx| {
                plans::revise_from_fhir(tx, *id, &if_match.0, &body).await
            })
            .await
            .map(|(revision, report)| (revision, Some(report)))
            .map_err(|e| in_kind(e.into()))?
    } else {
        let picture = ValidJson::<Picture>::from_request(&req, &mut payload)
            .await
            .map_err(in_kind)?
            .into_inner();
        let revision = state
            .app
            .write(permit, async |tx| {
                plans::revise(tx, *id, &if_match.0, picture).await
            })
            .await
            .map_err(|e| in_kind(e.into()))?;
        (revision, None)
    };
    let (status, row) = match revision {
        Revision::First(row) => (StatusCode::CREATED, row),
        Revision::New(row) | Revision::Unchanged(row) => (StatusCode::OK, row),
    };
    let mut response = match report {
        Some(report) if prefers_fhir(&req) => HttpResponse::build(status)
            .insert_header(("ETag", plan_etag(row.version)))
            .content_type(FHIR_JSON)
            .json(OperationOutcome::from_report(
                &report,
                Some(&super::problem::current_request_id()),
            )),
        Some(report) => {
            let mut body = PlanVersion::from(row.clone());
            body.report = Some(report);
            HttpResponse::build(status)
                .insert_header(("ETag", plan_etag(row.version)))
                .json(body)
        }
        None => plan_response(status, row),
    };
    if status == StatusCode::CREATED {
        response.headers_mut().insert(
            actix_web::http::header::LOCATION,
            actix_web::http::header::HeaderValue::from_str(&format!("/v1/cases/{id}/plan"))
                .expect("ascii"),
        );
    }
    Ok(response)
}

/// The current plan, with its ETag; with `Accept: application/fhir+json`, as a FHIR R4
/// collection Bundle an EHR can file (`fhir.md` 9.8).
///
/// Anyone who can see the case: staff, its patient, an advocate whose grant covers the case;
/// otherwise a 404, as for a case without a plan yet. Send the ETag as `If-Match` on `PUT`.
/// `Vary: Accept`; when FHIR is asked for, errors are an OperationOutcome. The read is audited.
#[utoipa::path(tag = "plans", params(("id" = Uuid, Path)), responses((status = 200, description = "The current plan version (JSON), or its FHIR Bundle", headers(("ETag" = String), ("Vary" = String)), content((PlanVersion = "application/json"), (serde_json::Value = "application/fhir+json")))), security(("jwt" = [])))]
#[get("/{id}/plan")]
pub async fn get_plan(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    read_plan(state, caller, *id, None, &req).await
}

/// A plan version as JSON, or as a FHIR Bundle when `Accept` prefers it; `Vary: Accept`.
async fn read_plan(
    state: State,
    caller: Caller,
    id: Uuid,
    n: Option<i32>,
    req: &HttpRequest,
) -> ApiResult<HttpResponse> {
    let fhir = prefers_fhir(req);
    let base = &state.config.public_base_url;
    let in_kind = |e: ApiError| e.for_fhir(fhir, base);
    let permit = caller
        .permit(Permission::Role(Resource::Plan, Op::Read))
        .map_err(|e| in_kind(e.into()))?;
    let mut response = if fhir {
        let (row, bundle) = state
            .app
            .read(permit, async |q| plans::fhir_export(q, id, n).await)
            .await
            .map_err(|e| in_kind(e.into()))?;
        HttpResponse::Ok()
            .insert_header(("ETag", plan_etag(row.version)))
            .content_type(FHIR_JSON)
            .json(bundle)
    } else {
        let row = state
            .app
            .read(permit, async |q| match n {
                Some(n) => plans::version(q, id, n).await,
                None => plans::current(q, id).await,
            })
            .await?;
        plan_response(StatusCode::OK, row)
    };
    response.headers_mut().insert(
        actix_web::http::header::VARY,
        actix_web::http::header::HeaderValue::from_static("Accept"),
    );
    Ok(response)
}

/// Every version of the plan, newest first.
///
/// Anyone who can see the case: staff, its patient, an advocate whose grant covers the case;
/// otherwise a 404. Paged with `limit` and `cursor`: pass back `next_cursor` until it is null. The
/// read is audited.
#[utoipa::path(tag = "plans", params(("id" = Uuid, Path), super::pagination::PageQuery), responses((status = 200, description = "A page of versions", body = Page<PlanVersion>)), security(("jwt" = [])))]
#[get("/{id}/plan/versions")]
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

/// One version of the plan; versions never change. With `Accept: application/fhir+json`, as
/// a FHIR R4 collection Bundle (the same Bundle, ids included, every time).
///
/// Anyone who can see the case: staff, its patient, an advocate whose grant covers the case;
/// otherwise a 404, as for a version the plan never reached. Answers that version's ETag and
/// `Vary: Accept`; when FHIR is asked for, errors are an OperationOutcome. The read is audited.
#[utoipa::path(tag = "plans", params(("id" = Uuid, Path), ("n" = i32, Path, description = "The version number")), responses((status = 200, description = "The version (JSON), or its FHIR Bundle", headers(("ETag" = String), ("Vary" = String)), content((PlanVersion = "application/json"), (serde_json::Value = "application/fhir+json")))), security(("jwt" = [])))]
#[get("/{id}/plan/versions/{n}")]
pub async fn get_plan_version(
    state: State,
    caller: Caller,
    path: web::Path<(Uuid, i32)>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let (id, n) = path.into_inner();
    read_plan(state, caller, id, Some(n), &req).await
}
