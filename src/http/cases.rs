//! Cases: the treating oncologist, treatment status, next irreversible step, status moves,
//! the versioned current plan, the records checklist and advocates' grants.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::State;
use super::caller::Caller;
use super::etag::{IfMatch, case_etag, plan_etag};
use super::idempotency::{self, Created, IdempotencyKey};
use super::json::{RequestBody, ValidJson, patch_field};
use super::pagination::{Page, PageRequest};
use super::problem::{ApiError, ApiResult, ProblemKind};
use crate::audit;
use crate::auth::policy::{self, CaseAccess, Op, Resource};
use crate::auth::{Principal, Role};
use crate::db::cases::{self, CaseChanges, CaseFilter, CaseRow, NewCaseRow, PlanVersionRow};
use crate::db::{documents, members, patients};
use crate::domain::case_status::CaseStatus;
use crate::domain::discordance::{NextStep, StepKind, TreatmentStatus};
use crate::domain::picture::Picture;
use crate::domain::records::{self, DocumentKind, RecordsChecklist};
use crate::domain::validation::{FieldErrors, check_country, check_text};
use crate::domain::vocabulary::Vocabulary;
use crate::events::outbox::{self, Outbox};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_case)
        .service(list_cases)
        .service(get_case)
        .service(update_case)
        .service(change_status)
        .service(put_plan)
        .service(get_plan)
        .service(list_plan_versions)
        .service(get_plan_version)
        .service(records_checklist)
        .service(add_member)
        .service(list_members)
        .service(revoke_member);
}

/// The treating oncologist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Oncologist {
    #[schema(
        pattern = r"\S",
        min_length = 1,
        max_length = 200,
        example = "Dr. R. Mehta"
    )]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200, example = "City Cancer Hospital")]
    pub institution: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "^[A-Z]{2}$", example = "IN")]
    pub country: Option<String>,
}

impl Oncologist {
    fn check(&self, at: &str, errors: &mut FieldErrors) {
        if self.name.trim().is_empty() {
            errors.add(format!("{at}.name"), "must not be blank");
        }
        check_country(self.country.as_deref(), format!("{at}.country"), errors);
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "patient_id": "0193a0e4-7d1c-7c7a-9b8e-3f2d1c0b4a59",
    "treating_oncologist": {"name": "Dr. R. Mehta", "institution": "City Cancer Hospital", "country": "IN"},
    "treatment_status": "not_started",
    "next_irreversible_step": {"kind": "surgery", "date": "2026-12-03"}
}))]
pub struct NewCase {
    pub patient_id: Uuid,
    #[serde(default)]
    pub treating_oncologist: Option<Oncologist>,
    /// The cancer question in the coordinator's words.
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub cancer_summary: Option<String>,
    #[serde(default)]
    pub treatment_status: Option<TreatmentStatus>,
    #[serde(default)]
    pub next_irreversible_step: Option<NextStep>,
    /// The coordinator's subject id.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 255)]
    pub assigned_coordinator: Option<String>,
}

impl RequestBody for NewCase {
    fn check(&self, errors: &mut FieldErrors) {
        if let Some(o) = &self.treating_oncologist {
            o.check("treating_oncologist", errors);
        }
        check_text(
            self.cancer_summary.as_deref(),
            10_000,
            "cancer_summary".into(),
            errors,
        );
    }
}

/// Changes to a case (JSON merge patch: null clears a field). The status moves through
/// `POST /v1/cases/{id}/status`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"treatment_status": "in_treatment", "next_irreversible_step": {"kind": "surgery", "date": "2026-12-10"}}))]
pub struct CasePatch {
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 255)]
    pub assigned_coordinator: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<Oncologist>)]
    pub treating_oncologist: Option<Option<Oncologist>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<String>, max_length = 10000)]
    pub cancer_summary: Option<Option<String>>,
    #[serde(default)]
    pub treatment_status: Option<TreatmentStatus>,
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<NextStep>)]
    pub next_irreversible_step: Option<Option<NextStep>>,
}

impl RequestBody for CasePatch {
    fn check(&self, errors: &mut FieldErrors) {
        if let Some(Some(o)) = &self.treating_oncologist {
            o.check("treating_oncologist", errors);
        }
        if let Some(Some(summary)) = &self.cancer_summary {
            check_text(Some(summary), 10_000, "cancer_summary".into(), errors);
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "records_collecting"}))]
pub struct StatusChange {
    pub status: CaseStatus,
}

impl RequestBody for StatusChange {}

/// A case as callers see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Case {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub status: CaseStatus,
    pub assigned_coordinator: Option<String>,
    pub treating_oncologist: Option<Oncologist>,
    pub cancer_summary: Option<String>,
    pub treatment_status: TreatmentStatus,
    pub next_irreversible_step: Option<NextStep>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn step_kind(code: &str) -> StepKind {
    serde_json::from_value(serde_json::Value::from(code)).unwrap_or(StepKind::Other)
}

pub fn step_code(kind: StepKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "other".into())
}

pub fn treatment_status(code: &str) -> TreatmentStatus {
    serde_json::from_value(serde_json::Value::from(code)).unwrap_or(TreatmentStatus::NotStarted)
}

pub fn treatment_code(status: TreatmentStatus) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "not_started".into())
}

/// The case's next irreversible step, as the discordance context wants it.
pub fn next_step(row: &CaseRow) -> Option<NextStep> {
    row.next_step_kind.as_deref().map(|kind| NextStep {
        kind: step_kind(kind),
        date: row.next_step_date,
    })
}

impl From<CaseRow> for Case {
    fn from(row: CaseRow) -> Case {
        Case {
            id: row.id,
            patient_id: row.patient_id,
            status: CaseStatus::parse(&row.status).unwrap_or(CaseStatus::Intake),
            assigned_coordinator: row.assigned_coordinator.clone(),
            treating_oncologist: row.oncologist_name.clone().map(|name| Oncologist {
                name,
                institution: row.oncologist_institution.clone(),
                country: row.oncologist_country.clone(),
            }),
            cancer_summary: row.cancer_summary.clone(),
            treatment_status: treatment_status(&row.treatment_status),
            next_irreversible_step: next_step(&row),
            created_by: row.created_by.clone(),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

fn case_response(status: StatusCode, row: CaseRow) -> HttpResponse {
    let etag = case_etag(row.revision);
    HttpResponse::build(status)
        .insert_header(("ETag", etag))
        .json(Case::from(row))
}

/// Loads a case the caller can see (404 otherwise), for reading `part` of it.
pub async fn visible_case(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    case_id: Uuid,
    part: &'static str,
) -> ApiResult<(CaseRow, CaseAccess)> {
    let access = policy::case_part_access(conn, caller, case_id, part).await?;
    let row = cases::find(conn, caller.org_id(), case_id)
        .await?
        .ok_or_else(|| ApiError::not_found("case"))?;
    Ok((row, access))
}

/// The `case.updated` event for a case row.
pub fn case_updated(state: &State, row: &CaseRow) -> serde_json::Value {
    outbox::case_data(
        &state.config.public_base_url,
        row.id,
        serde_json::json!({"status": row.status, "treatment_status": row.treatment_status}),
    )
}

/// Open a case for a patient.
#[utoipa::path(
    tag = "cases",
    request_body = NewCase,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a retry with the same body")),
    responses(
        (status = 201, description = "Created", body = Case, headers(("ETag" = String), ("Location" = String))),
        (status = 409, description = "The Idempotency-Key is in flight", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The Idempotency-Key was used with another body", body = super::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("jwt" = [])),
)]
#[post("/cases")]
pub async fn create_case(
    state: State,
    caller: Caller,
    req: HttpRequest,
    key: IdempotencyKey,
    body: ValidJson<NewCase>,
) -> ApiResult<HttpResponse> {
    policy::require(&caller, Resource::Case, Op::Create)?;
    let scope = idempotency::Scope::new(&caller, &req, &key, &body.raw);
    let c = body.into_inner();
    let org_id = caller.org_id();
    let mut conn = state.db.get().await?;
    let created = idempotency::create_once(&mut conn, scope.as_ref(), async |conn| {
        match patients::find(conn, org_id, c.patient_id).await? {
            Some(p) if p.erased_at.is_none() => {}
            _ => {
                return Err(ApiError::unprocessable_field(
                    "patient_id",
                    "names no patient of your organisation",
                ));
            }
        }
        let oncologist = c.treating_oncologist.clone();
        let row = cases::insert(
            conn,
            NewCaseRow {
                org_id,
                id: Uuid::now_v7(),
                patient_id: c.patient_id,
                assigned_coordinator: c.assigned_coordinator.clone(),
                oncologist_name: oncologist.as_ref().map(|o| o.name.trim().to_string()),
                oncologist_institution: oncologist.as_ref().and_then(|o| o.institution.clone()),
                oncologist_country: oncologist.as_ref().and_then(|o| o.country.clone()),
                cancer_summary: c.cancer_summary.clone(),
                treatment_status: treatment_code(
                    c.treatment_status.unwrap_or(TreatmentStatus::NotStarted),
                ),
                next_step_kind: c.next_irreversible_step.as_ref().map(|s| step_code(s.kind)),
                next_step_date: c.next_irreversible_step.as_ref().and_then(|s| s.date),
                created_by: caller.created_by(),
            },
        )
        .await?;
        audit::write(
            conn,
            caller.audit("case.create", "case", vec![row.id], Some(row.id)),
        )
        .await?;
        outbox::emit(conn, org_id, "case.created", case_updated(&state, &row)).await?;
        let created = Created::new(StatusCode::CREATED, Case::from(row.clone()))
            .at(format!("/v1/cases/{}", row.id))
            .with_etag(case_etag(row.revision));
        Ok(created)
    })
    .await?;
    Ok(created.response())
}

#[derive(Debug, Deserialize, Serialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    pub status: Option<CaseStatus>,
    /// The assigned coordinator's subject id.
    pub coordinator: Option<String>,
    pub patient_id: Option<Uuid>,
    /// Only cases whose next irreversible step is before this date.
    pub next_step_before: Option<NaiveDate>,
    /// Only cases changed at or after this time (for CRM sync).
    pub updated_since: Option<DateTime<Utc>>,
    #[serde(skip_serializing)]
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[serde(skip_serializing)]
    pub cursor: Option<String>,
}

/// Cases the caller can see, newest first: staff see their organisation's, a patient their own, an advocate the granted ones.
#[utoipa::path(tag = "cases", params(CaseQuery), responses((status = 200, description = "A page of cases", body = Page<Case>)), security(("jwt" = [])))]
#[get("/cases")]
pub async fn list_cases(
    state: State,
    caller: Caller,
    query: web::Query<CaseQuery>,
) -> ApiResult<web::Json<Page<Case>>> {
    policy::require(&caller, Resource::Case, Op::Read)?;
    let page = PageRequest::new(query.limit, query.cursor.as_deref(), &*query)?;
    let mut filter = CaseFilter {
        status: query.status.map(|s| s.code().to_string()),
        coordinator: query.coordinator.clone(),
        patient_id: query.patient_id,
        next_step_before: query.next_step_before,
        updated_since: query.updated_since,
        after: page.after,
        limit: page.fetch(),
        ..Default::default()
    };
    match &caller.principal {
        Principal::User {
            role: Role::Patient,
            subject,
            ..
        } => filter.patient_login = Some(subject.clone()),
        Principal::User {
            role: Role::Advocate,
            subject,
            ..
        } => filter.member_subject = Some(subject.clone()),
        _ => {}
    }
    let mut conn = state.db.get().await?;
    let rows = cases::list(&mut conn, caller.org_id(), &filter).await?;
    let ids = rows.iter().map(|r| r.id).collect();
    audit::write(&mut conn, caller.audit("case.list", "case", ids, None)).await?;
    Ok(web::Json(page.page(
        rows,
        |r| (r.created_at, r.id),
        Case::from,
    )))
}

/// A case, with its ETag.
#[utoipa::path(tag = "cases", params(("id" = Uuid, Path)), responses((status = 200, description = "The case", body = Case, headers(("ETag" = String)))), security(("jwt" = [])))]
#[get("/cases/{id}")]
pub async fn get_case(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    policy::require(&caller, Resource::Case, Op::Read)?;
    let mut conn = state.db.get().await?;
    let (row, _) = visible_case(&mut conn, &caller, *id, "case").await?;
    audit::write(
        &mut conn,
        caller.audit("case.read", "case", vec![row.id], Some(row.id)),
    )
    .await?;
    Ok(case_response(StatusCode::OK, row))
}

/// Change a case (merge patch); `If-Match` with the case's ETag guards against lost updates.
#[utoipa::path(
    tag = "cases",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    request_body = CasePatch,
    responses(
        (status = 200, description = "Updated", body = Case, headers(("ETag" = String))),
        (status = 412, description = "The case changed since the ETag was read", body = super::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("jwt" = [])),
)]
#[patch("/cases/{id}")]
pub async fn update_case(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ValidJson<CasePatch>,
) -> ApiResult<HttpResponse> {
    policy::require(&caller, Resource::Case, Op::Update)?;
    let p = body.into_inner();
    let id = *id;
    let changes = CaseChanges {
        assigned_coordinator: p.assigned_coordinator,
        oncologist_name: p
            .treating_oncologist
            .as_ref()
            .map(|o| o.as_ref().map(|o| o.name.trim().to_string())),
        oncologist_institution: p
            .treating_oncologist
            .as_ref()
            .map(|o| o.as_ref().and_then(|o| o.institution.clone())),
        oncologist_country: p
            .treating_oncologist
            .as_ref()
            .map(|o| o.as_ref().and_then(|o| o.country.clone())),
        cancer_summary: p.cancer_summary,
        treatment_status: p.treatment_status.map(treatment_code),
        next_step_kind: p
            .next_irreversible_step
            .as_ref()
            .map(|s| s.as_ref().map(|s| step_code(s.kind))),
        next_step_date: p
            .next_irreversible_step
            .as_ref()
            .map(|s| s.as_ref().and_then(|s| s.date)),
        status: None,
    };
    apply_case_change(&state, &caller, id, &if_match, changes, "case.update").await
}

/// Applies a change under `If-Match`; audits and emits `case.updated`.
async fn apply_case_change(
    state: &State,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    changes: CaseChanges,
    action: &str,
) -> ApiResult<HttpResponse> {
    let mut conn = state.db.get().await?;
    let row = conn
        .transaction::<_, ApiError, _>(async |conn| {
            policy::case_access(conn, caller, id).await?;
            let current = cases::lock(conn, caller.org_id(), id)
                .await?
                .ok_or_else(|| ApiError::not_found("case"))?;
            if_match.check(Some(&case_etag(current.revision)))?;
            if let Some(to) = changes.status.as_deref() {
                let from = CaseStatus::parse(&current.status).unwrap_or(CaseStatus::Intake);
                let target = CaseStatus::parse(to).unwrap_or(CaseStatus::Intake);
                if !from.can_move_to(target) {
                    let allowed: Vec<String> = from
                        .allowed_next()
                        .iter()
                        .map(|s| s.code().to_string())
                        .collect();
                    return Err(ApiError::conflict(
                        ProblemKind::InvalidTransition,
                        format!(
                            "a case in {} cannot move to {}; allowed: {}",
                            from.code(),
                            target.code(),
                            allowed.join(", ")
                        ),
                    )
                    .with_allowed(allowed));
                }
            }
            if changes.is_empty() {
                return Ok(current);
            }
            let row = cases::update(conn, caller.org_id(), id, Some(current.revision), changes)
                .await?
                .ok_or_else(|| ApiError::not_found("case"))?;
            audit::write(conn, caller.audit(action, "case", vec![id], Some(id))).await?;
            outbox::emit(
                conn,
                caller.org_id(),
                "case.updated",
                case_updated(state, &row),
            )
            .await?;
            Ok(row)
        })
        .await?;
    Ok(case_response(StatusCode::OK, row))
}

/// Move a case's status: one step forward, or to closed (a closed case reopens to intake).
#[utoipa::path(
    tag = "cases",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    request_body = StatusChange,
    responses(
        (status = 200, description = "Moved", body = Case, headers(("ETag" = String))),
        (status = 409, description = "Not an allowed move; `allowed` lists where the case can go", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The case changed since the ETag was read", body = super::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("jwt" = [])),
)]
#[post("/cases/{id}/status")]
pub async fn change_status(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ValidJson<StatusChange>,
) -> ApiResult<HttpResponse> {
    policy::require(&caller, Resource::Case, Op::Update)?;
    let changes = CaseChanges {
        status: Some(body.value.status.code().to_string()),
        ..Default::default()
    };
    apply_case_change(&state, &caller, *id, &if_match, changes, "case.status").await
}

/// A version of a case's plan.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanVersion {
    pub version: i32,
    pub picture: Picture,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

impl From<PlanVersionRow> for PlanVersion {
    fn from(row: PlanVersionRow) -> PlanVersion {
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

fn plan_response(status: StatusCode, row: PlanVersionRow) -> HttpResponse {
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
    policy::require(&caller, Resource::Plan, Op::Update)?;
    let id = *id;
    let picture =
        serde_json::to_value(body.into_inner().normalised()).map_err(anyhow::Error::from)?;
    let mut conn = state.db.get().await?;
    let (row, status) = conn
        .transaction::<_, ApiError, _>(async |conn| {
            policy::case_access(conn, &caller, id).await?;
            let case = cases::lock(conn, caller.org_id(), id)
                .await?
                .ok_or_else(|| ApiError::not_found("case"))?;
            let current = cases::current_plan(conn, caller.org_id(), id).await?;
            if_match.check(current.as_ref().map(|p| plan_etag(p.version)).as_deref())?;
            if let Some(current) = current.as_ref().filter(|p| p.picture == picture) {
                return Ok((current.clone(), StatusCode::OK));
            }
            let version = current.as_ref().map_or(1, |p| p.version + 1);
            let row = cases::insert_plan(
                conn,
                caller.org_id(),
                id,
                version,
                picture,
                &caller.created_by(),
            )
            .await?;
            cases::touch(conn, caller.org_id(), id).await?;
            audit::write(
                conn,
                caller.audit("plan.revise", "plan_version", vec![id], Some(id)),
            )
            .await?;
            let data = outbox::case_data(
                &state.config.public_base_url,
                id,
                serde_json::json!({"plan_version": version}),
            );
            let mut outbox = Outbox::new(caller.org_id());
            outbox.add("plan.revised", data);
            crate::http::ingestion::reassess_case(conn, &state, &mut outbox, &caller, &case, &row)
                .await?;
            outbox.write(conn).await?;
            Ok((
                row,
                if version == 1 {
                    StatusCode::CREATED
                } else {
                    StatusCode::OK
                },
            ))
        })
        .await?;
    let mut response = plan_response(status, row);
    if status == StatusCode::CREATED {
        response.headers_mut().insert(
            actix_web::http::header::LOCATION,
            actix_web::http::header::HeaderValue::from_str(&format!("/v1/cases/{id}/plan"))
                .expect("ascii"),
        );
    }
    Ok(response)
}

/// The current plan, with its ETag.
#[utoipa::path(tag = "plans", params(("id" = Uuid, Path)), responses((status = 200, description = "The current plan version", body = PlanVersion, headers(("ETag" = String)))), security(("jwt" = [])))]
#[get("/cases/{id}/plan")]
pub async fn get_plan(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    policy::require(&caller, Resource::Plan, Op::Read)?;
    let mut conn = state.db.get().await?;
    visible_case(&mut conn, &caller, *id, "case").await?;
    let row = cases::current_plan(&mut conn, caller.org_id(), *id)
        .await?
        .ok_or_else(|| ApiError::not_found("plan"))?;
    audit::write(
        &mut conn,
        caller.audit("plan.read", "plan_version", vec![*id], Some(*id)),
    )
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
    query: web::Query<super::pagination::PageQuery>,
) -> ApiResult<web::Json<Page<PlanVersion>>> {
    policy::require(&caller, Resource::Plan, Op::Read)?;
    let page = PageRequest::new(query.limit, query.cursor.as_deref(), &*id)?;
    let mut conn = state.db.get().await?;
    visible_case(&mut conn, &caller, *id, "case").await?;
    // The version number orders versions; it travels in the cursor's id slot.
    let before = page.after.map(|(_, v)| v.as_u128() as i32);
    let rows = cases::plan_versions(&mut conn, caller.org_id(), *id, before, page.fetch()).await?;
    audit::write(
        &mut conn,
        caller.audit("plan.list", "plan_version", vec![*id], Some(*id)),
    )
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
    policy::require(&caller, Resource::Plan, Op::Read)?;
    let (id, n) = path.into_inner();
    let mut conn = state.db.get().await?;
    visible_case(&mut conn, &caller, id, "case").await?;
    let row = cases::plan_version(&mut conn, caller.org_id(), id, n)
        .await?
        .ok_or_else(|| ApiError::not_found("plan version"))?;
    audit::write(
        &mut conn,
        caller.audit("plan.read", "plan_version", vec![id], Some(id)),
    )
    .await?;
    Ok(plan_response(StatusCode::OK, row))
}

/// Which records a structured case review needs, and which are on file.
#[utoipa::path(tag = "cases", params(("id" = Uuid, Path)), responses((status = 200, description = "The checklist", body = RecordsChecklist)), security(("jwt" = [])))]
#[get("/cases/{id}/records-checklist")]
pub async fn records_checklist(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<RecordsChecklist>> {
    policy::require(&caller, Resource::Document, Op::Read)?;
    let mut conn = state.db.get().await?;
    let (case, _) = visible_case(&mut conn, &caller, *id, "documents").await?;
    let plan = cases::current_plan(&mut conn, caller.org_id(), *id).await?;
    let picture: Option<Picture> = plan.and_then(|p| serde_json::from_value(p.picture).ok());
    let present: Vec<DocumentKind> = documents::kinds_present(&mut conn, caller.org_id(), *id)
        .await?
        .iter()
        .filter_map(|k| DocumentKind::parse(k))
        .collect();
    audit::write(
        &mut conn,
        caller.audit("records_checklist.read", "case", vec![*id], Some(*id)),
    )
    .await?;
    Ok(web::Json(records::checklist(
        picture.as_ref(),
        treatment_status(&case.treatment_status),
        &present,
        Vocabulary::standard(),
    )))
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

impl From<members::MemberRow> for Member {
    fn from(r: members::MemberRow) -> Member {
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

/// The caller must be the case's patient or a case worker, and see the case.
async fn grant_access(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    case_id: Uuid,
) -> ApiResult<()> {
    match policy::case_access(conn, caller, case_id).await? {
        CaseAccess::Staff | CaseAccess::Patient => Ok(()),
        CaseAccess::Advocate { .. } => Err(ApiError::forbidden("advocates cannot manage grants")),
    }
}

/// Grant an advocate (a family member) access to the case.
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
#[post("/cases/{id}/members")]
pub async fn add_member(
    state: State,
    caller: Caller,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    body: ValidJson<NewMember>,
) -> ApiResult<HttpResponse> {
    policy::require(&caller, Resource::Grant, Op::Create)?;
    let scope_key = idempotency::Scope::new(&caller, &req, &key, &body.raw);
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
    let mut conn = state.db.get().await?;
    let created = idempotency::create_once(&mut conn, scope_key.as_ref(), async |conn| {
        grant_access(conn, &caller, case_id).await?;
        let row = members::insert(
            conn,
            caller.org_id(),
            case_id,
            m.subject.trim(),
            scope,
            m.expires_at,
            &caller.created_by(),
        )
        .await?;
        audit::write(
            conn,
            caller.audit(
                "case_member.create",
                "case_member",
                vec![row.id],
                Some(case_id),
            ),
        )
        .await?;
        let created = Created::new(StatusCode::CREATED, Member::from(row.clone()))
            .at(format!("/v1/cases/{case_id}/members/{}", row.id));
        Ok(created)
    })
    .await?;
    Ok(created.response())
}

/// The case's grants, newest first.
#[utoipa::path(tag = "cases", params(("id" = Uuid, Path)), responses((status = 200, description = "Grants", body = MemberList)), security(("jwt" = [])))]
#[get("/cases/{id}/members")]
pub async fn list_members(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<MemberList>> {
    policy::require(&caller, Resource::Grant, Op::Read)?;
    let mut conn = state.db.get().await?;
    grant_access(&mut conn, &caller, *id).await?;
    let rows = members::list(&mut conn, caller.org_id(), *id).await?;
    audit::write(
        &mut conn,
        caller.audit(
            "case_member.list",
            "case_member",
            rows.iter().map(|r| r.id).collect(),
            Some(*id),
        ),
    )
    .await?;
    Ok(web::Json(MemberList {
        items: rows.into_iter().map(Member::from).collect(),
        next_cursor: None,
    }))
}

/// Revoke a grant at once.
#[utoipa::path(tag = "cases", params(("id" = Uuid, Path), ("member_id" = Uuid, Path)), responses((status = 200, description = "Revoked", body = Member)), security(("jwt" = [])))]
#[delete("/cases/{id}/members/{member_id}")]
pub async fn revoke_member(
    state: State,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<web::Json<Member>> {
    policy::require(&caller, Resource::Grant, Op::Delete)?;
    let (case_id, member_id) = path.into_inner();
    let mut conn = state.db.get().await?;
    let row = conn
        .transaction::<_, ApiError, _>(async |conn| {
            grant_access(conn, &caller, case_id).await?;
            let row = members::revoke(conn, caller.org_id(), case_id, member_id)
                .await?
                .ok_or_else(|| ApiError::not_found("grant"))?;
            audit::write(
                conn,
                caller.audit(
                    "case_member.revoke",
                    "case_member",
                    vec![member_id],
                    Some(case_id),
                ),
            )
            .await?;
            Ok(row)
        })
        .await?;
    Ok(web::Json(row.into()))
}
