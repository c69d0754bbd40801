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
    /// False while its assessment waits for a clinician's sign-off: the patient cannot see it.
    pub released: bool,
    /// The effective result it was written from (NULL for summaries older than the gate).
    pub outcome: Option<String>,
    pub primary_scenario: Option<String>,
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

/// A case's summaries, newest first; only the released ones when `released_only`.
pub async fn list_for_case(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    case_id: Uuid,
    released_only: bool,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<SummaryRow>> {
    let mut query = newest_first!(
        summaries::table
            .filter(summaries::org_id.eq(org_id))
            .filter(summaries::case_id.eq(case_id)),
        summaries::generated_at,
        summaries::id,
        after,
        limit
    );
    if released_only {
        query = query.filter(summaries::released.eq(true));
    }
    query.select(SummaryRow::as_select()).load(conn).await
}

/// Releases an assessment's held summaries written from the approved result; the released ones.
pub async fn release(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    assessment_id: Uuid,
    outcome: &str,
    primary_scenario: &str,
) -> QueryResult<Vec<SummaryRow>> {
    diesel::update(
        summaries::table
            .filter(summaries::org_id.eq(org_id))
            .filter(summaries::assessment_id.eq(assessment_id))
            .filter(summaries::released.eq(false))
            .filter(summaries::outcome.eq(outcome))
            .filter(summaries::primary_scenario.eq(primary_scenario)),
    )
    .set(summaries::released.eq(true))
    .returning(SummaryRow::as_returning())
    .get_results(conn)
    .await
}

/// Holds an assessment's summaries back again: the sign-off that released them was voided.
pub async fn withhold(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    assessment_id: Uuid,
) -> QueryResult<usize> {
    diesel::update(
        summaries::table
            .filter(summaries::org_id.eq(org_id))
            .filter(summaries::assessment_id.eq(assessment_id))
            .filter(summaries::released.eq(true)),
    )
    .set(summaries::released.eq(false))
    .execute(conn)
    .await
}
