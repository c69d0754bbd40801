//! Coordinator tasks.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::newest_first;
use super::schema::tasks;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = tasks)]
pub struct TaskRow {
    pub org_id: Uuid,
    pub id: Uuid,
    pub case_id: Uuid,
    pub assessment_id: Option<Uuid>,
    pub kind: String,
    pub title: String,
    pub status: String,
    pub assignee: Option<String>,
    pub due_date: Option<NaiveDate>,
    pub completed_by: Option<String>,
    pub completed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut AsyncPgConnection, row: &TaskRow) -> QueryResult<TaskRow> {
    diesel::insert_into(tasks::table)
        .values(row.clone())
        .returning(TaskRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<TaskRow>> {
    tasks::table
        .filter(tasks::org_id.eq(org_id))
        .filter(tasks::id.eq(id))
        .select(TaskRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Open tasks of a case.
pub async fn open_for_case(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    case_id: Uuid,
) -> QueryResult<Vec<TaskRow>> {
    tasks::table
        .filter(tasks::org_id.eq(org_id))
        .filter(tasks::case_id.eq(case_id))
        .filter(tasks::status.eq("open"))
        .select(TaskRow::as_select())
        .load(conn)
        .await
}

pub async fn cancel(conn: &mut AsyncPgConnection, org_id: Uuid, id: Uuid) -> QueryResult<()> {
    diesel::update(
        tasks::table
            .filter(tasks::org_id.eq(org_id))
            .filter(tasks::id.eq(id))
            .filter(tasks::status.eq("open")),
    )
    .set((
        tasks::status.eq("cancelled"),
        tasks::completed_at.eq(Some(Utc::now())),
        tasks::completed_by.eq(Some("system")),
        tasks::updated_at.eq(Utc::now()),
    ))
    .execute(conn)
    .await?;
    Ok(())
}

/// Changes to a task; `None` leaves a field, `Some(None)` clears it.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = tasks)]
pub struct TaskChanges {
    pub title: Option<String>,
    pub assignee: Option<Option<String>>,
    pub due_date: Option<Option<NaiveDate>>,
    pub status: Option<String>,
    pub completed_by: Option<Option<String>>,
    pub completed_at: Option<Option<DateTime<Utc>>>,
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    id: Uuid,
    changes: TaskChanges,
) -> QueryResult<Option<TaskRow>> {
    diesel::update(
        tasks::table
            .filter(tasks::org_id.eq(org_id))
            .filter(tasks::id.eq(id)),
    )
    .set((changes, tasks::updated_at.eq(Utc::now())))
    .returning(TaskRow::as_returning())
    .get_result(conn)
    .await
    .optional()
}

#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub case_id: Option<Uuid>,
    pub assignee: Option<String>,
    pub status: Option<String>,
    pub kind: Option<String>,
    pub after: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    f: &TaskFilter,
) -> QueryResult<Vec<TaskRow>> {
    let mut q = newest_first!(
        tasks::table.filter(tasks::org_id.eq(org_id)),
        tasks::created_at,
        tasks::id,
        f.after,
        f.limit
    );
    if let Some(c) = f.case_id {
        q = q.filter(tasks::case_id.eq(c));
    }
    if let Some(a) = &f.assignee {
        q = q.filter(tasks::assignee.eq(a));
    }
    if let Some(s) = &f.status {
        q = q.filter(tasks::status.eq(s));
    }
    if let Some(k) = &f.kind {
        q = q.filter(tasks::kind.eq(k));
    }
    q.select(TaskRow::as_select()).load(conn).await
}

/// Moves an open task to the assessment that now wants it.
pub async fn repoint(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    id: Uuid,
    assessment_id: Uuid,
) -> QueryResult<()> {
    diesel::update(
        tasks::table
            .filter(tasks::org_id.eq(org_id))
            .filter(tasks::id.eq(id)),
    )
    .set((
        tasks::assessment_id.eq(Some(assessment_id)),
        tasks::updated_at.eq(Utc::now()),
    ))
    .execute(conn)
    .await?;
    Ok(())
}
