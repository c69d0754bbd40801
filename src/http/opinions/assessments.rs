//! Assessments of an opinion: list, read, assess again, and a clinician's override.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::AppError;
use crate::app::assessing::{
    self, AssessmentRecord, NewOverride as Override, OverrideRecord as StoredOverride, parse,
};
use crate::auth::policy::{Op, Permission, Resource};
use crate::domain::discordance::{
    Action, Classification, Context, Finding, Outcome, Scenario, Urgency,
};
use crate::domain::validation::FieldErrors;
use crate::http::State;
use crate::http::caller::Caller;
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
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// A stored code back into its enum (an unknown one reads as absent).
fn code_of<T: serde::de::DeserializeOwned>(code: &Option<String>) -> Option<T> {
    code.as_deref()
        .and_then(|x| serde_json::from_value(serde_json::Value::from(x)).ok())
}

/// The assessment as callers see it, with its overrides (others in `overrides` are ignored).
pub fn assessment_view(
    row: &AssessmentRecord,
    overrides: &[StoredOverride],
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
        overrides: overrides
            .iter()
            .filter(|o| o.assessment_id == row.id)
            .map(|o| OverrideRecord {
                id: o.id,
                outcome: code_of(&o.outcome),
                primary_scenario: code_of(&o.primary_scenario),
                reason: o.reason.clone(),
                created_by: o.created_by.clone(),
                created_at: o.created_at,
            })
            .collect(),
        created_by: row.created_by.clone(),
        created_at: row.created_at,
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentList {
    /// Newest first: the current assessment, then the ones it superseded.
    pub items: Vec<Assessment>,
    pub next_cursor: Option<String>,
}

/// An opinion's assessments, the current one first.
#[utoipa::path(tag = "assessments", params(("id" = Uuid, Path, description = "The second opinion"), PageQuery), responses((status = 200, description = "Assessments", body = AssessmentList)), security(("jwt" = [])))]
#[get("/second-opinions/{id}/assessments")]
pub async fn list_assessments(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<AssessmentList>> {
    let permit = caller.permit(Permission::Role(Resource::Assessment, Op::Read))?;
    let page = PageRequest::new(query.limit, query.cursor.as_deref(), &*id)?;
    let (rows, overrides) = state
        .app
        .read(permit, async |q| {
            assessing::of_opinion(q, *id, page.after, page.fetch()).await
        })
        .await?;
    let page = page.page(rows, |r| (r.created_at, r.id), |r| r);
    let items = page
        .items
        .iter()
        .map(|r| assessment_view(r, &overrides))
        .collect::<Result<_, _>>()?;
    Ok(web::Json(AssessmentList {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// Assess the opinion again against the case's current plan and context (e.g. after the
/// treatment status changed); the new assessment is current.
#[utoipa::path(
    tag = "assessments",
    params(("id" = Uuid, Path, description = "The second opinion")),
    responses(
        (status = 201, description = "The new current assessment", body = Assessment, headers(("Location" = String))),
        (status = 409, description = "The case has no plan yet, or the opinion was superseded", body = crate::http::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("jwt" = [])),
)]
#[post("/second-opinions/{id}/assessments")]
pub async fn reassess(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let permit = caller.permit(Permission::Role(Resource::Assessment, Op::Reassess))?;
    let row = state
        .app
        .write(permit, async |tx| assessing::reassess(tx, *id).await)
        .await?;
    let view = assessment_view(&row, &[])?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/v1/assessments/{}", view.id)))
        .json(view))
}

/// An assessment.
#[utoipa::path(tag = "assessments", params(("id" = Uuid, Path)), responses((status = 200, description = "The assessment", body = Assessment)), security(("jwt" = [])))]
#[get("/assessments/{id}")]
pub async fn get_assessment(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Assessment>> {
    let permit = caller.permit(Permission::Role(Resource::Assessment, Op::Read))?;
    let (row, overrides) = state
        .app
        .read(permit, async |q| assessing::get(q, *id).await)
        .await?;
    Ok(web::Json(assessment_view(&row, &overrides)?))
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
/// Overrides are append-only; the effective result drives actions, tasks and summaries, and
/// the computed result stays visible.
#[utoipa::path(
    tag = "assessments",
    params(("id" = Uuid, Path)),
    request_body = NewOverride,
    responses(
        (status = 201, description = "The assessment with the override applied", body = Assessment),
        (status = 409, description = "The assessment is no longer current", body = crate::http::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("jwt" = [])),
)]
#[post("/assessments/{id}/overrides")]
pub async fn override_assessment(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<NewOverride>,
) -> ApiResult<HttpResponse> {
    let permit = caller.permit(Permission::Role(Resource::Assessment, Op::Override))?;
    let o = body.into_inner();
    let new = Override {
        outcome: o.outcome,
        primary_scenario: o.primary_scenario,
        reason: o.reason.trim().to_string(),
    };
    let (row, overrides) = state
        .app
        .write(permit, async |tx| {
            assessing::override_assessment(tx, *id, new).await
        })
        .await?;
    Ok(HttpResponse::Created().json(assessment_view(&row, &overrides)?))
}
