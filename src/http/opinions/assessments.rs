//! Assessments of an opinion: list, read, assess again, and a clinician's override.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::assessing::{self, Annotations, AssessmentRecord, NewOverride as Override, parse};
use crate::app::sign_offs::{SignOffRecord, assessment_tag};
use crate::app::{AppError, Creation};
use crate::auth::policy::{Op, Permission, Resource};
use crate::domain::discordance::{
    Action, Classification, ClinicianReviewReason, Context, Finding, Outcome, Scenario, Urgency,
};
use crate::domain::validation::FieldErrors;
use crate::http::State;
use crate::http::caller::Caller;
use crate::http::idempotency::{IdempotencyKey, respond};
use crate::http::json::{RequestBody, ValidJson};
use crate::http::pagination::{PageQuery, PageRequest};
use crate::http::problem::ApiResult;

/// An override as recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverrideRecord {
    pub id: Uuid,
    pub outcome: Option<Outcome>,
    pub primary_scenario: Option<Scenario>,
    pub reason: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// An assessment: the effective result (override if any, else computed) at the top level,
/// the engine's result in `computed`, and the overrides that lead from one to the other.
#[derive(Debug, Serialize, ToSchema)]
pub struct Assessment {
    pub id: Uuid,
    pub second_opinion_id: Uuid,
    pub case_id: Uuid,
    pub plan_version: i32,
    pub context: Context,
    pub current: bool,
    pub superseded_by: Option<Uuid>,
    pub outcome: Outcome,
    pub primary_scenario: Scenario,
    pub scenarios: Vec<Scenario>,
    pub actions: Vec<Action>,
    pub urgency: Urgency,
    pub findings: Vec<Finding>,
    pub review_reasons: Vec<String>,
    pub explanation: String,
    pub ruleset_version: String,
    pub computed: Classification,
    pub overrides: Vec<OverrideRecord>,
    /// The release gate: the computed result must be signed off by a clinician before the
    /// patient sees it.
    pub needs_clinician_review: bool,
    /// Why, in the order the rules give (an open list: new codes may come).
    pub clinician_review_reasons: Vec<ClinicianReviewReason>,
    /// The valid sign-off, if any.
    pub sign_off: Option<SignOff>,
    /// True when no review is needed or a valid sign-off exists: the patient may see it.
    pub released: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// The result a sign-off approved.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovedResult {
    pub outcome: Outcome,
    pub primary_scenario: Scenario,
    /// The override in force when it was signed, if any.
    pub override_id: Option<Uuid>,
}

/// A clinician's sign-off of a held result.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignOff {
    pub id: Uuid,
    pub assessment_id: Uuid,
    /// The clinician (the token's `sub`).
    pub signed_by: String,
    pub reason: String,
    pub approved: ApprovedResult,
    /// When this sign-off was carried over from the assessment a reassessment replaced (same
    /// plan version, ruleset and result): that assessment's sign-off.
    pub carried_from: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

impl SignOff {
    pub fn of(r: &SignOffRecord) -> SignOff {
        SignOff {
            id: r.id,
            assessment_id: r.assessment_id,
            signed_by: r.signed_by.clone(),
            reason: r.reason.clone(),
            approved: ApprovedResult {
                outcome: code_of(&Some(r.approved_outcome.clone())).unwrap_or(Outcome::Contradicts),
                primary_scenario: code_of(&Some(r.approved_primary_scenario.clone()))
                    .unwrap_or(Scenario::DifferentTreatment),
                override_id: r.approved_override_id,
            },
            carried_from: r.carried_from,
            created_at: r.created_at,
        }
    }
}

/// A stored code back into its enum (an unknown one reads as absent).
fn code_of<T: serde::de::DeserializeOwned>(code: &Option<String>) -> Option<T> {
    code.as_deref()
        .and_then(|x| serde_json::from_value(serde_json::Value::from(x)).ok())
}

/// The assessment as callers see it, with its overrides and sign-off (those of other
/// assessments in `annotations` are ignored).
pub fn assessment_view(
    row: &AssessmentRecord,
    annotations: &Annotations,
) -> Result<Assessment, AppError> {
    let effective: Classification = assessing::effective(row)?;
    Ok(Assessment {
        id: row.id,
        second_opinion_id: row.second_opinion_id,
        case_id: row.case_id,
        plan_version: row.plan_version,
        context: parse("assessment context", &row.context)?,
        current: row.current,
        superseded_by: row.superseded_by,
        outcome: effective.outcome,
        primary_scenario: effective.primary_scenario,
        scenarios: effective.scenarios,
        actions: effective.actions,
        urgency: effective.urgency,
        findings: effective.findings,
        review_reasons: effective.review_reasons,
        explanation: effective.explanation,
        ruleset_version: row.ruleset_version.clone(),
        computed: parse("assessment", &row.computed)?,
        overrides: annotations
            .overrides_of(row.id)
            .into_iter()
            .map(|o| OverrideRecord {
                id: o.id,
                outcome: code_of(&o.outcome),
                primary_scenario: code_of(&o.primary_scenario),
                reason: o.reason.clone(),
                created_by: o.created_by.clone(),
                created_at: o.created_at,
            })
            .collect(),
        needs_clinician_review: row.needs_clinician_review,
        clinician_review_reasons: row
            .clinician_review_reasons
            .iter()
            .filter_map(|c| ClinicianReviewReason::parse(c))
            .collect(),
        sign_off: annotations.sign_off_of(row.id).map(SignOff::of),
        released: row.released,
        created_by: row.created_by.clone(),
        created_at: row.created_at,
    })
}

/// The assessment's ETag: `If-Match` on a sign-off names the version the clinician read.
pub fn assessment_etag(row: &AssessmentRecord, annotations: &Annotations) -> String {
    assessment_tag(row, &annotations.overrides, annotations.sign_off_of(row.id))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentList {
    /// Newest first: the current assessment, then the ones it superseded.
    pub items: Vec<Assessment>,
    pub next_cursor: Option<String>,
}

/// An opinion's assessments, the current one first.
///
/// For coordinators, clinicians and admins; an opinion of another organisation is a 404. Each
/// assessment comes with its overrides and valid sign-off. Paged with `limit` and `cursor`: pass
/// back `next_cursor` until it is null. The read is audited.
#[utoipa::path(tag = "assessments", params(("id" = Uuid, Path, description = "The second opinion"), PageQuery), responses((status = 200, description = "Assessments", body = AssessmentList)), security(("jwt" = [])))]
#[get("/{id}/assessments")]
pub async fn list_assessments(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<AssessmentList>> {
    let permit = caller.permit(Permission::Role(Resource::Assessment, Op::Read))?;
    let page = PageRequest::new(query.limit, query.cursor.as_deref(), &*id)?;
    let (rows, annotations) = state
        .app
        .read(permit, async |q| {
            assessing::of_opinion(q, *id, page.after, page.fetch()).await
        })
        .await?;
    let page = page.page(rows, |r| (r.created_at, r.id), |r| r);
    let items = page
        .items
        .iter()
        .map(|r| assessment_view(r, &annotations))
        .collect::<Result<_, _>>()?;
    Ok(web::Json(AssessmentList {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// Assess the opinion again against the case's current plan and context (e.g. after the
/// treatment status changed); the new assessment is current.
///
/// Coordinators and clinicians. Supersedes the old assessment; the case's open tasks follow the new
/// actions, the release gate may hold the result for a clinician's sign-off, and
/// `assessment.created` is sent; audited. A 409 when the case has no plan, the opinion was amended,
/// or it is being reassessed already. A retry with the same `Idempotency-Key` replays the first
/// answer.
#[utoipa::path(
    tag = "assessments",
    params(("id" = Uuid, Path, description = "The second opinion"), ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a retry")),
    responses(
        (status = 201, description = "The new current assessment", body = Assessment, headers(("Location" = String), ("ETag" = String))),
        (status = 409, description = "The case has no plan yet, the opinion was superseded, or the Idempotency-Key is in flight", body = crate::http::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The Idempotency-Key was used for another request", body = crate::http::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("jwt" = [])),
)]
#[post("/{id}/assessments")]
pub async fn reassess(
    state: State,
    caller: Caller,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let permit = caller.permit(Permission::Role(Resource::Assessment, Op::Reassess))?;
    // No body: the key stands for "this reassessment", and a retry replays it.
    let once = key.once(&caller, &req, b"");
    let creation = state
        .app
        .create_once(permit, once.as_ref(), async |tx| {
            let (row, annotations) = assessing::reassess(tx, *id).await?;
            created(&row, &annotations)
        })
        .await?;
    Ok(respond(creation))
}

/// A new assessment's 201: its view, `Location` and `ETag` (kept for a replay).
fn created(row: &AssessmentRecord, annotations: &Annotations) -> Result<Creation, AppError> {
    let view = assessment_view(row, annotations)?;
    let location = format!("/v1/assessments/{}", view.id);
    Ok(Creation::created(view)
        .at(location)
        .with_etag(assessment_etag(row, annotations)))
}

/// An assessment, with its ETag (a sign-off's `If-Match`).
///
/// For coordinators, clinicians and admins; one of another organisation is a 404. Shows the
/// computed result, overrides, the result in force and any sign-off. The ETag changes with every
/// override and sign-off and when the assessment is superseded; send it as `If-Match` when signing
/// off. The read is audited.
#[utoipa::path(tag = "assessments", params(("id" = Uuid, Path)), responses((status = 200, description = "The assessment", body = Assessment, headers(("ETag" = String)))), security(("jwt" = [])))]
#[get("/{id}")]
pub async fn get_assessment(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let permit = caller.permit(Permission::Role(Resource::Assessment, Op::Read))?;
    let (row, annotations) = state
        .app
        .read(permit, async |q| assessing::get(q, *id).await)
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", assessment_etag(&row, &annotations)))
        .json(assessment_view(&row, &annotations)?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"outcome": "refines", "reason": "The grade difference is within inter-observer variation; the plan stands."}))]
pub struct NewOverride {
    #[serde(default)]
    pub outcome: Option<Outcome>,
    #[serde(default)]
    pub primary_scenario: Option<Scenario>,
    #[schema(pattern = r"\S", min_length = 1, max_length = 10000)]
    pub reason: String,
}

impl RequestBody for NewOverride {
    fn check(&self, errors: &mut FieldErrors) {
        if self.reason.trim().is_empty() {
            errors.add("reason", "must not be blank");
        }
        if self.outcome.is_none() && self.primary_scenario.is_none() {
            errors.add("outcome", "give an outcome, a primary_scenario, or both");
        }
    }
}

/// Override an assessment's outcome and/or primary scenario, with a reason (clinician).
///
/// Overrides are append-only; the effective result drives actions, tasks and summaries, and
/// the computed result stays visible.
///
/// Clinicians only; only the current assessment can be overridden (409). An override voids an
/// earlier sign-off, and what that sign-off released is held back until a new one; the open tasks
/// follow the new result. Sends `assessment.overridden`, audited; a retry with the same
/// `Idempotency-Key` and body replays the first answer.
#[utoipa::path(
    tag = "assessments",
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a retry with the same body")),
    request_body = NewOverride,
    responses(
        (status = 201, description = "The assessment with the override applied", body = Assessment, headers(("Location" = String), ("ETag" = String))),
        (status = 409, description = "The assessment is no longer current, or the Idempotency-Key is in flight", body = crate::http::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The Idempotency-Key was used with another body", body = crate::http::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("jwt" = [])),
)]
#[post("/{id}/overrides")]
pub async fn override_assessment(
    state: State,
    caller: Caller,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    body: ValidJson<NewOverride>,
) -> ApiResult<HttpResponse> {
    let permit = caller.permit(Permission::Role(Resource::Assessment, Op::Override))?;
    let once = key.once(&caller, &req, &body.raw);
    let o = body.into_inner();
    let new = Override {
        outcome: o.outcome,
        primary_scenario: o.primary_scenario,
        reason: o.reason.trim().to_string(),
    };
    let creation = state
        .app
        .create_once(permit, once.as_ref(), async |tx| {
            let (row, annotations) = assessing::override_assessment(tx, *id, new).await?;
            created(&row, &annotations)
        })
        .await?;
    Ok(respond(creation))
}
