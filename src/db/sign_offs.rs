//! Clinicians' sign-offs of held assessments, and the queue of those still waiting for one.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::opinions::AssessmentRow;
use super::schema::{assessment_sign_offs, assessments, second_opinions};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = assessment_sign_offs)]
pub struct SignOffRow {
    pub org_id: Uuid,
    pub id: Uuid,
    pub assessment_id: Uuid,
    pub signed_by: String,
    pub reason: String,
    pub approved_outcome: String,
    pub approved_primary_scenario: String,
    pub approved_override_id: Option<Uuid>,
    pub carried_from: Option<Uuid>,
    pub voided_by_override: Option<Uuid>,
    pub voided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut AsyncPgConnection, row: &SignOffRow) -> QueryResult<SignOffRow> {
    diesel::insert_into(assessment_sign_offs::table)
        .values(row)
        .returning(SignOffRow::as_returning())
        .get_result(conn)
        .await
}

/// The valid (not voided) sign-off of each of these assessments.
pub async fn valid_for(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    assessment_ids: &[Uuid],
) -> QueryResult<Vec<SignOffRow>> {
    assessment_sign_offs::table
        .filter(assessment_sign_offs::org_id.eq(org_id))
        .filter(assessment_sign_offs::assessment_id.eq_any(assessment_ids))
        .filter(assessment_sign_offs::voided_at.is_null())
        .select(SignOffRow::as_select())
        .load(conn)
        .await
}

/// Voids an assessment's valid sign-off (an override changed the result); whether one was.
pub async fn void(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    assessment_id: Uuid,
    override_id: Uuid,
) -> QueryResult<bool> {
    let voided = diesel::update(
        assessment_sign_offs::table
            .filter(assessment_sign_offs::org_id.eq(org_id))
            .filter(assessment_sign_offs::assessment_id.eq(assessment_id))
            .filter(assessment_sign_offs::voided_at.is_null()),
    )
    .set((
        assessment_sign_offs::voided_by_override.eq(Some(override_id)),
        assessment_sign_offs::voided_at.eq(Some(Utc::now())),
    ))
    .execute(conn)
    .await?;
    Ok(voided > 0)
}

/// Where the review queue goes on from: (urgent, created_at, id) of the last item seen.
pub type QueuePosition = (bool, DateTime<Utc>, Uuid);

/// Current assessments held for review, of opinions not amended since: urgent first, then
/// oldest first (the partial index `assessments_awaiting_sign_off` serves it).
pub async fn queue(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    after: Option<QueuePosition>,
    limit: i64,
) -> QueryResult<Vec<AssessmentRow>> {
    let urgent = assessments::urgency.eq("urgent");
    let mut query = assessments::table
        .filter(assessments::org_id.eq(org_id))
        .filter(assessments::current.eq(true))
        .filter(assessments::released.eq(false))
        .filter(diesel::dsl::exists(
            second_opinions::table
                .filter(second_opinions::org_id.eq(assessments::org_id))
                .filter(second_opinions::id.eq(assessments::second_opinion_id))
                .filter(second_opinions::status.eq("received")),
        ))
        .into_boxed();
    if let Some((was_urgent, at, id)) = after {
        let later = assessments::created_at
            .gt(at)
            .or(assessments::created_at.eq(at).and(assessments::id.gt(id)));
        query = if was_urgent {
            query.filter(urgent.and(later).or(assessments::urgency.ne("urgent")))
        } else {
            query.filter(assessments::urgency.ne("urgent").and(later))
        };
    }
    query
        .order((
            urgent.desc(),
            assessments::created_at.asc(),
            assessments::id.asc(),
        ))
        .limit(limit)
        .select(AssessmentRow::as_select())
        .load(conn)
        .await
}
