//! Cases: the treating oncologist, treatment status, next irreversible step, status moves,
//! and the records checklist. Plans are in `plans.rs`, advocates' grants in `members.rs`.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::State;
use super::caller::Caller;
use super::etag::{IfMatch, case_etag};
use super::idempotency::{IdempotencyKey, respond};
use super::json::{RequestBody, ValidJson, patch_field};
use super::pagination::{Page, PageRequest};
use super::problem::ApiResult;
use crate::app::Creation;
use crate::app::cases::{self, CaseChange, CaseRecord};
use crate::auth::policy::{Op, Permission, Resource};
use crate::domain::case_status::CaseStatus;
use crate::domain::discordance::{NextStep, TreatmentStatus};
use crate::domain::records::RecordsChecklist;
use crate::domain::validation::{FieldErrors, check_country, check_text};

/// Under `/v1/cases`.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_case)
        .service(list_cases)
        .service(get_case)
        .service(update_case)
        .service(change_status)
        .service(records_checklist);
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

impl From<Oncologist> for cases::Oncologist {
    fn from(o: Oncologist) -> cases::Oncologist {
        cases::Oncologist {
            name: o.name,
            institution: o.institution,
            country: o.country,
        }
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

impl From<CaseRecord> for Case {
    fn from(row: CaseRecord) -> Case {
        Case {
            id: row.id,
            patient_id: row.patient_id,
            status: row.case_status(),
            treatment_status: row.treatment(),
            next_irreversible_step: row.next_step(),
            treating_oncologist: row.oncologist_name.map(|name| Oncologist {
                name,
                institution: row.oncologist_institution,
                country: row.oncologist_country,
            }),
            assigned_coordinator: row.assigned_coordinator,
            cancer_summary: row.cancer_summary,
            created_by: row.created_by,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

fn case_response(row: CaseRecord) -> HttpResponse {
    let etag = case_etag(row.revision);
    HttpResponse::Ok()
        .insert_header(("ETag", etag))
        .json(Case::from(row))
}

/// Open a case for a patient.
///
/// Coordinators and clinicians open a case in `intake` for a patient of their organisation (an
/// unknown or erased `patient_id` is a 422). It is audited, announced as `case.created` and
/// answered with its ETag and Location. A retry with the same `Idempotency-Key` and body replays
/// the first answer.
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
#[post("")]
pub async fn create_case(
    state: State,
    caller: Caller,
    req: HttpRequest,
    key: IdempotencyKey,
    body: ValidJson<NewCase>,
) -> ApiResult<HttpResponse> {
    let permit = caller.permit(Permission::Role(Resource::Case, Op::Create))?;
    let once = key.once(&caller, &req, &body.raw);
    let c = body.into_inner();
    let case = cases::NewCase {
        patient_id: c.patient_id,
        oncologist: c.treating_oncologist.map(Into::into),
        cancer_summary: c.cancer_summary,
        treatment_status: c.treatment_status,
        next_step: c.next_irreversible_step,
        assigned_coordinator: c.assigned_coordinator,
    };
    let creation = state
        .app
        .create_once(permit, once.as_ref(), async |tx| {
            let row = cases::open(tx, case).await?;
            let (location, etag) = (format!("/v1/cases/{}", row.id), case_etag(row.revision));
            Ok(Creation::created(Case::from(row))
                .at(location)
                .with_etag(etag))
        })
        .await?;
    Ok(respond(creation))
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
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Cases the caller can see, newest first: staff see their organisation's, a patient their own, an advocate the granted ones.
///
/// Any signed-in person may call it (partner keys get a 403). Filter by `status`, `coordinator`,
/// `patient_id`, `next_step_before` or `updated_since`; paged with `limit` (1 to 200, default 50)
/// and `cursor`: pass back `next_cursor` until it is null. The read is audited.
#[utoipa::path(tag = "cases", params(CaseQuery), responses((status = 200, description = "A page of cases", body = Page<Case>)), security(("jwt" = [])))]
#[get("")]
pub async fn list_cases(
    state: State,
    caller: Caller,
    query: web::Query<CaseQuery>,
) -> ApiResult<web::Json<Page<Case>>> {
    let permit = caller.permit(Permission::Role(Resource::Case, Op::Read))?;
    let page = PageRequest::new(query.limit, query.cursor.as_deref(), &*query)?;
    let filter = cases::CaseQuery {
        status: query.status,
        coordinator: query.coordinator.clone(),
        patient_id: query.patient_id,
        next_step_before: query.next_step_before,
        updated_since: query.updated_since,
    };
    let rows = state
        .app
        .read(permit, async |q| {
            cases::list(q, filter, page.after, page.fetch()).await
        })
        .await?;
    Ok(web::Json(page.page(
        rows,
        |r| (r.created_at, r.id),
        Case::from,
    )))
}

/// A case, with its ETag.
///
/// Staff read any case of their organisation, a patient their own, an advocate one their grant
/// covers; any other case is a 404. Send the ETag as `If-Match` when changing the case or its
/// status. The read is audited.
#[utoipa::path(tag = "cases", params(("id" = Uuid, Path)), responses((status = 200, description = "The case", body = Case, headers(("ETag" = String)))), security(("jwt" = [])))]
#[get("/{id}")]
pub async fn get_case(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let permit = caller.permit(Permission::Role(Resource::Case, Op::Read))?;
    let row = state
        .app
        .read(permit, async |q| cases::get(q, *id).await)
        .await?;
    Ok(case_response(row))
}

/// Change a case (merge patch); `If-Match` with the case's ETag guards against lost updates.
///
/// Coordinators and clinicians; absent fields stay as they are, `null` clears an optional one, and
/// the status moves only through `POST /v1/cases/{id}/status`. Without `If-Match` the change
/// applies as sent; a stale ETag is a 412. A change is audited, sends `case.updated` and answers
/// the new ETag.
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
#[patch("/{id}")]
pub async fn update_case(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ValidJson<CasePatch>,
) -> ApiResult<HttpResponse> {
    let permit = caller.permit(Permission::Role(Resource::Case, Op::Update))?;
    let p = body.into_inner();
    let change = CaseChange {
        assigned_coordinator: p.assigned_coordinator,
        oncologist: p.treating_oncologist.map(|o| o.map(Into::into)),
        cancer_summary: p.cancer_summary,
        treatment_status: p.treatment_status,
        next_step: p.next_irreversible_step,
    };
    let row = state
        .app
        .write(permit, async |tx| {
            cases::change(tx, *id, &if_match.0, change).await
        })
        .await?;
    Ok(case_response(row))
}

/// Move a case's status: one step forward, or to closed (a closed case reopens to intake).
///
/// Coordinators and clinicians. Any other move is a 409 whose `allowed` lists where the case can
/// go, and a stale `If-Match` is a 412. A move is audited, sends `case.updated` and answers the new
/// ETag. Referrals, opinions, summaries, conversations and opened share links also move a case
/// forward by themselves.
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
#[post("/{id}/status")]
pub async fn change_status(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ValidJson<StatusChange>,
) -> ApiResult<HttpResponse> {
    let permit = caller.permit(Permission::Role(Resource::Case, Op::Update))?;
    let to = body.value.status;
    let row = state
        .app
        .write(permit, async |tx| {
            cases::move_to(tx, *id, &if_match.0, to).await
        })
        .await?;
    Ok(case_response(row))
}

/// Which records a structured case review needs, and which are on file.
///
/// Staff, the case's patient, and an advocate whose grant covers documents; any other case is
/// a 404. Worked out from the current plan, the treatment status and the kinds of document on file;
/// nothing is stored, and the read is audited.
#[utoipa::path(tag = "cases", params(("id" = Uuid, Path)), responses((status = 200, description = "The checklist", body = RecordsChecklist)), security(("jwt" = [])))]
#[get("/{id}/records-checklist")]
pub async fn records_checklist(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<RecordsChecklist>> {
    let permit = caller.permit(Permission::Role(Resource::Document, Op::Read))?;
    let checklist = state
        .app
        .read(permit, async |q| cases::records_checklist(q, *id).await)
        .await?;
    Ok(web::Json(checklist))
}
