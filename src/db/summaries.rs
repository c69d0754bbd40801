//! Stored summaries: a snapshot of what the patient was told, per assessment.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::newest_first;
use super::schema::summaries;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = summaries)]
pub struct SummaryRow {
    pub org_id: Uuid,
    pub id: Uuid,
    pub assessment_id: Uuid,
    pub case_id: Uuid,
    pub plan_version: i32,
    pub language: String,
    pub options: serde_json::Value,
    pub content: serde_json::Value,
    pub created_by: String,
    pub generated_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut AsyncPgConnection, row: &SummaryRow) -> QueryResult<SummaryRow> {
    diesel::insert_into(summaries::table)
        .values(row)
        .returning(SummaryRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<SummaryRow>> {
    summaries::table
        .filter(summaries::org_id.eq(org_id))
        .filter(summaries::id.eq(id))
        .select(SummaryRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Whether summary `id` is one of case `case_id`'s.
pub async fn of_case_exists(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    case_id: Uuid,
    id: Uuid,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        summaries::table
            .filter(summaries::org_id.eq(org_id))
            .filter(summaries::id.eq(id))
            .filter(summaries::case_id.eq(case_id)),
    ))
    .get_result(conn)
    .await
}

/// A case's summaries, newest first.
pub async fn list_for_case(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    case_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<SummaryRow>> {
    newest_first!(
        summaries::table
            .filter(summaries::org_id.eq(org_id))
            .filter(summaries::case_id.eq(case_id)),
        summaries::generated_at,
        summaries::id,
        after,
        limit
    )
    .select(SummaryRow::as_select())
    .load(conn)
    .await
}
