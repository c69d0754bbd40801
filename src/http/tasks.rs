//! Coordinator tasks: opened by assessments' actions (or by hand), assigned, completed.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::State;
use super::caller::Caller;
use super::idempotency::{IdempotencyKey, respond};
use super::json::{RequestBody, ValidJson, patch_field};
use super::pagination::{Page, PageRequest};
use super::problem::ApiResult;
use crate::app::Creation;
use crate::app::tasks::{self, TaskChange, TaskRecord};
use crate::auth::policy::{Op, Permission, Resource};
use crate::domain::validation::FieldErrors;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_tasks)
        .service(create_task)
        .service(get_task)
        .service(update_task)
        .service(complete_task);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Open,
    Done,
    Cancelled,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Task {
    pub id: Uuid,
    pub case_id: Uuid,
    /// The assessment whose action opened it, if any.
    pub assessment_id: Option<Uuid>,
    /// The action code that opened it (check_trial_eligibility ...) or a kind given by hand.
    pub kind: String,
    pub title: String,
    pub status: TaskStatus,
    pub assignee: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<NaiveDate>,
    /// Open and past its due date (for a clinician review: a result held from the patient
    /// longer than SIGN_OFF_DUE_HOURS).
    pub overdue: bool,
    pub completed_by: Option<String>,
    pub completed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<TaskRecord> for Task {
    fn from(r: TaskRecord) -> Task {
        let overdue = r.status == "open" && r.due_date.is_some_and(|d| d < Utc::now().date_naive());
        Task {
            id: r.id,
            case_id: r.case_id,
            assessment_id: r.assessment_id,
            kind: r.kind,
            title: r.title,
            status: serde_json::from_value(serde_json::Value::from(r.status))
                .unwrap_or(TaskStatus::Open),
            assignee: r.assignee,
            overdue,
            due_date: r.due_date,
            completed_by: r.completed_by,
            completed_at: r.completed_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, Serialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TaskQuery {
    pub case_id: Option<Uuid>,
    pub assignee: Option<String>,
    pub status: Option<TaskStatus>,
    pub kind: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// The organisation's tasks, newest first.
///
/// For coordinators, clinicians and admins. Filter by `case_id`, `assignee`, `status` or `kind`; an
/// open task past its due date has `overdue` true. Paged with `limit` (1 to 200, default 50) and
/// `cursor`: pass back `next_cursor` until it is null. The read is audited.
#[utoipa::path(tag = "tasks", params(TaskQuery), responses((status = 200, description = "A page of tasks", body = Page<Task>)), security(("jwt" = [])))]
#[get("")]
pub async fn list_tasks(
    state: State,
    caller: Caller,
    query: web::Query<TaskQuery>,
) -> ApiResult<web::Json<Page<Task>>> {
    let permit = caller.permit(Permission::Role(Resource::Task, Op::Read))?;
    let page = PageRequest::new(query.limit, query.cursor.as_deref(), &*query)?;
    let filter = tasks::TaskQuery {
        case_id: query.case_id,
        assignee: query.assignee.clone(),
        status: query.status.map(|s| {
            serde_json::to_value(s)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        }),
        kind: query.kind.clone(),
    };
    let rows = state
        .app
        .read(permit, async |q| {
            tasks::list(q, filter, page.after, page.fetch()).await
        })
        .await?;
    Ok(web::Json(page.page(
        rows,
        |r| (r.created_at, r.id),
        Task::from,
    )))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"case_id": "0193a0e4-7d1c-7c7a-9b8e-3f2d1c0b4a59", "kind": "collect_records", "title": "Collect the biopsy report", "due_date": "2026-12-01"}))]
pub struct NewTask {
    pub case_id: Uuid,
    #[schema(min_length = 1, max_length = 100, pattern = "^[a-z][a-z0-9_]*$")]
    pub kind: String,
    #[schema(pattern = r"\S", min_length = 1, max_length = 500)]
    pub title: String,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 255)]
    pub assignee: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<NaiveDate>,
}

impl RequestBody for NewTask {
    fn check(&self, errors: &mut FieldErrors) {
        if self.title.trim().is_empty() {
            errors.add("title", "must not be blank");
        }
        if !self.kind.starts_with(|c: char| c.is_ascii_lowercase())
            || !self
                .kind
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            errors.add("kind", "must be a snake_case code");
        }
    }
}

/// Open a task by hand.
///
/// Coordinators and clinicians open a task on a case of their organisation (any other `case_id` is
/// a 422). It starts `open`, is audited and announced as a `task.created` event. A retry with the
/// same `Idempotency-Key` and body replays the first answer.
#[utoipa::path(
    tag = "tasks",
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a retry with the same body")),
    request_body = NewTask,
    responses(
        (status = 201, description = "Opened", body = Task, headers(("Location" = String))),
        (status = 409, description = "The Idempotency-Key is in flight", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The Idempotency-Key was used with another body", body = super::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("jwt" = [])),
)]
#[post("")]
pub async fn create_task(
    state: State,
    caller: Caller,
    req: HttpRequest,
    key: IdempotencyKey,
    body: ValidJson<NewTask>,
) -> ApiResult<HttpResponse> {
    let permit = caller.permit(Permission::Role(Resource::Task, Op::Create))?;
    let once = key.once(&caller, &req, &body.raw);
    let t = body.into_inner();
    let task = tasks::NewTask {
        case_id: t.case_id,
        kind: t.kind,
        title: t.title.trim().to_string(),
        assignee: t.assignee,
        due_date: t.due_date,
    };
    let creation = state
        .app
        .create_once(permit, once.as_ref(), async |tx| {
            let row = tasks::open(tx, task).await?;
            let location = format!("/v1/tasks/{}", row.id);
            Ok(Creation::created(Task::from(row)).at(location))
        })
        .await?;
    Ok(respond(creation))
}

/// A task.
///
/// For coordinators, clinicians and admins; a task of another organisation is a 404. The read is
/// audited.
#[utoipa::path(tag = "tasks", params(("id" = Uuid, Path)), responses((status = 200, description = "The task", body = Task)), security(("jwt" = [])))]
#[get("/{id}")]
pub async fn get_task(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Task>> {
    let permit = caller.permit(Permission::Role(Resource::Task, Op::Read))?;
    let row = state
        .app
        .read(permit, async |q| tasks::get(q, *id).await)
        .await?;
    Ok(web::Json(row.into()))
}

/// Changes to a task (merge patch): assign it, move its due date, retitle it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"assignee": "coord-2", "due_date": "2026-12-01"}))]
pub struct TaskPatch {
    #[serde(default)]
    #[schema(pattern = r"\S", min_length = 1, max_length = 500)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 255)]
    pub assignee: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<Option<NaiveDate>>,
}

impl RequestBody for TaskPatch {
    fn check(&self, errors: &mut FieldErrors) {
        if self.title.as_deref().is_some_and(|t| t.trim().is_empty()) {
            errors.add("title", "must not be blank");
        }
    }
}

/// Assign a task, move its due date or retitle it.
///
/// Coordinators and clinicians send a merge patch: absent fields stay as they are, `null` clears
/// `assignee` or `due_date`. The status never changes here (see `POST /v1/tasks/{id}/complete`);
/// the change is audited and sends no event.
#[utoipa::path(tag = "tasks", params(("id" = Uuid, Path)), request_body = TaskPatch, responses((status = 200, description = "Updated", body = Task)), security(("jwt" = [])))]
#[patch("/{id}")]
pub async fn update_task(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<TaskPatch>,
) -> ApiResult<web::Json<Task>> {
    let permit = caller.permit(Permission::Role(Resource::Task, Op::Update))?;
    let p = body.into_inner();
    let change = TaskChange {
        title: p.title.map(|t| t.trim().to_string()),
        assignee: p.assignee,
        due_date: p.due_date,
    };
    let row = state
        .app
        .write(permit, async |tx| tasks::update(tx, *id, change).await)
        .await?;
    Ok(web::Json(row.into()))
}

/// Mark a task done.
///
/// Coordinators and clinicians. Records who completed it and when, is audited and sends
/// `task.completed`; a task already done is answered unchanged. A cancelled task is a 409, and so
/// is a clinician review task: it is done when a clinician signs off its assessment.
#[utoipa::path(tag = "tasks", params(("id" = Uuid, Path)), responses((status = 200, description = "Done", body = Task), (status = 409, description = "The task was cancelled", body = super::problem::Problem, content_type = "application/problem+json")), security(("jwt" = [])))]
#[post("/{id}/complete")]
pub async fn complete_task(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Task>> {
    let permit = caller.permit(Permission::Role(Resource::Task, Op::Update))?;
    let row = state
        .app
        .write(permit, async |tx| tasks::complete(tx, *id).await)
        .await?;
    Ok(web::Json(row.into()))
}
