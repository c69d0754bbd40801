//! Coordinator tasks: opened by assessments' actions, by conversations, or by hand; assigned,
//! completed.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{AppError, AppResult, Reader, Tx, access};
use crate::db::tasks::{self, TaskChanges, TaskFilter};
use crate::domain::tasks::CLINICIAN_REVIEW;
use crate::events::Event;
use crate::events::catalogue::{TaskCause, TaskState};

pub use crate::db::tasks::TaskRow as TaskRecord;

/// A task as someone opens it by hand.
#[derive(Debug, Clone)]
pub struct NewTask {
    pub case_id: Uuid,
    pub kind: String,
    pub title: String,
    pub assignee: Option<String>,
    pub due_date: Option<NaiveDate>,
}

/// What a change to a task sets (absent: unchanged; `Some(None)`: cleared).
#[derive(Debug, Default)]
pub struct TaskChange {
    pub title: Option<String>,
    pub assignee: Option<Option<String>>,
    pub due_date: Option<Option<NaiveDate>>,
}

/// The task as its events report it.
pub fn state(row: &TaskRecord) -> TaskState {
    TaskState {
        case_id: row.case_id,
        task_id: row.id,
        kind: row.kind.clone(),
        status: row.status.clone(),
        due_date: row.due_date,
    }
}

/// Opens a task on a case the actor can see (else the case is unusable: 422).
pub async fn open(tx: &mut Tx<'_>, task: NewTask) -> AppResult<TaskRecord> {
    if access::case(tx.conn, tx.actor, task.case_id).await.is_err() {
        return Err(AppError::unprocessable_field(
            "case_id",
            "names no case of your organisation",
        ));
    }
    let row = add(tx, task, TaskCause::Request).await?;
    tx.audit("task.create", "task", vec![row.id], Some(row.case_id));
    Ok(row)
}

/// Adds an open task to a case and announces it; `cause` says what opened it (an
/// assessment's action also links the task to that assessment).
pub(super) async fn add(tx: &mut Tx<'_>, task: NewTask, cause: TaskCause) -> AppResult<TaskRecord> {
    let now = Utc::now();
    let row = tasks::insert(
        tx.conn,
        &TaskRecord {
            org_id: tx.org,
            id: Uuid::now_v7(),
            case_id: task.case_id,
            assessment_id: match cause {
                TaskCause::Assessment(id) => Some(id),
                _ => None,
            },
            kind: task.kind,
            title: task.title,
            status: "open".into(),
            assignee: task.assignee,
            due_date: task.due_date,
            completed_by: None,
            completed_at: None,
            created_at: now,
            updated_at: now,
        },
    )
    .await?;
    tx.emit(Event::TaskCreated {
        task: state(&row),
        cause,
    });
    Ok(row)
}

/// The filters of the task list.
#[derive(Debug, Default)]
pub struct TaskQuery {
    pub case_id: Option<Uuid>,
    pub assignee: Option<String>,
    pub status: Option<String>,
    pub kind: Option<String>,
}

/// A page of the organisation's tasks, newest first.
pub async fn list(
    q: &mut Reader<'_>,
    query: TaskQuery,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> AppResult<Vec<TaskRecord>> {
    let case_id = query.case_id;
    let filter = TaskFilter {
        case_id: query.case_id,
        assignee: query.assignee,
        status: query.status,
        kind: query.kind,
        after,
        limit,
    };
    let rows = tasks::list(q.conn, q.org, &filter).await?;
    q.audit(
        "task.list",
        "task",
        rows.iter().map(|r| r.id).collect(),
        case_id,
    );
    Ok(rows)
}

pub async fn get(q: &mut Reader<'_>, id: Uuid) -> AppResult<TaskRecord> {
    let row = tasks::find(q.conn, q.org, id)
        .await?
        .ok_or(AppError::NotFound("task"))?;
    q.audit("task.read", "task", vec![row.id], Some(row.case_id));
    Ok(row)
}

/// Assigns a task, moves its due date or retitles it.
pub async fn update(tx: &mut Tx<'_>, id: Uuid, change: TaskChange) -> AppResult<TaskRecord> {
    let changes = TaskChanges {
        title: change.title,
        assignee: change.assignee,
        due_date: change.due_date,
        ..Default::default()
    };
    let row = tasks::update(tx.conn, tx.org, id, changes)
        .await?
        .ok_or(AppError::NotFound("task"))?;
    tx.audit("task.update", "task", vec![id], Some(row.case_id));
    Ok(row)
}

/// Marks a task done (again: nothing changes); a cancelled task cannot be, and a review task
/// is done only when a clinician signs off its assessment.
pub async fn complete(tx: &mut Tx<'_>, id: Uuid) -> AppResult<TaskRecord> {
    let current = tasks::find(tx.conn, tx.org, id)
        .await?
        .ok_or(AppError::NotFound("task"))?;
    match current.status.as_str() {
        "done" => return Ok(current),
        "cancelled" => {
            return Err(AppError::InvalidTransition {
                detail: "the task was cancelled".into(),
                allowed: vec![],
            });
        }
        _ => {}
    }
    if current.kind == CLINICIAN_REVIEW {
        return Err(AppError::InvalidTransition {
            detail: "a clinician review task is completed by signing off its assessment (POST /v1/assessments/{id}/sign-offs)".into(),
            allowed: vec![],
        });
    }
    mark_done(tx, id).await
}

/// Completes the open review task of a signed-off assessment, if it has one.
pub(super) async fn finish_review(
    tx: &mut Tx<'_>,
    case_id: Uuid,
    assessment_id: Uuid,
) -> AppResult<()> {
    for task in tasks::open_for_case(tx.conn, tx.org, case_id).await? {
        if task.kind == CLINICIAN_REVIEW && task.assessment_id == Some(assessment_id) {
            mark_done(tx, task.id).await?;
        }
    }
    Ok(())
}

async fn mark_done(tx: &mut Tx<'_>, id: Uuid) -> AppResult<TaskRecord> {
    let changes = TaskChanges {
        status: Some("done".into()),
        completed_by: Some(Some(tx.created_by())),
        completed_at: Some(Some(Utc::now())),
        ..Default::default()
    };
    let row = tasks::update(tx.conn, tx.org, id, changes)
        .await?
        .ok_or(AppError::NotFound("task"))?;
    tx.audit("task.complete", "task", vec![id], Some(row.case_id));
    tx.emit(Event::TaskCompleted(state(&row)));
    Ok(row)
}
