//! Second opinions (verbatim and parsed), their assessments and clinicians' overrides.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::newest_first;
use super::schema::{
    assessment_overrides, assessments, opinion_withdrawals, organizations, referrals,
    second_opinions,
};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = second_opinions)]
pub struct OpinionRow {
    pub org_id: Uuid,
    pub id: Uuid,
    pub case_id: Uuid,
    pub referral_id: Option<Uuid>,
    pub submitted_by_kind: String,
    pub submitted_by: String,
    pub reviewer: serde_json::Value,
    pub narrative: String,
    pub picture: serde_json::Value,
    pub answers: serde_json::Value,
    pub external_id: Option<String>,
    pub supersedes: Option<Uuid>,
    pub raw_body: Vec<u8>,
    pub raw_sha256: Vec<u8>,
    pub status: String,
    pub received_at: DateTime<Utc>,
    /// The FHIR import report, for an opinion sent as a FHIR document.
    pub fhir_report: Option<serde_json::Value>,
    /// A FHIR document's Composition.identifier (`system|value`), the same for every version.
    pub fhir_composition: Option<String>,
    /// `raw_body` is sealed under the patient's erasure key (a partner's FHIR document).
    pub raw_sealed: bool,
}

/// Not `RETURNING`: the row is what was sent (its time cut to PostgreSQL's microseconds), and
/// the raw body need not travel back.
pub async fn insert(conn: &mut AsyncPgConnection, row: &OpinionRow) -> QueryResult<OpinionRow> {
    let row = OpinionRow {
        received_at: super::stored_time(row.received_at),
        ..row.clone()
    };
    diesel::insert_into(second_opinions::table)
        .values(&row)
        .execute(conn)
        .await?;
    Ok(row)
}

/// A new opinion and its first assessment, in one statement (one round trip where there were
/// two): the assessment's foreign key is checked at the statement's end, when the opinion is in.
pub async fn insert_with_assessment(
    conn: &mut AsyncPgConnection,
    opinion: &OpinionRow,
    assessment: &AssessmentRow,
) -> QueryResult<AssessmentRow> {
    let opinion = OpinionRow {
        received_at: super::stored_time(opinion.received_at),
        ..opinion.clone()
    };
    let assessment = AssessmentRow {
        created_at: super::stored_time(assessment.created_at),
        ..assessment.clone()
    };
    Together(
        diesel::insert_into(second_opinions::table).values(&opinion),
        diesel::insert_into(assessments::table).values(&assessment),
    )
    .execute(conn)
    .await?;
    Ok(assessment)
}

/// `WITH first AS (a) b`: two writes as one statement, their binds in order.
#[derive(QueryId)]
struct Together<A, B>(A, B);

impl<A: QueryFragment<Pg>, B: QueryFragment<Pg>> QueryFragment<Pg> for Together<A, B> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("WITH first AS (");
        self.0.walk_ast(out.reborrow())?;
        out.push_sql(") ");
        self.1.walk_ast(out.reborrow())
    }
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<OpinionRow>> {
    second_opinions::table
        .filter(second_opinions::org_id.eq(org_id))
        .filter(second_opinions::id.eq(id))
        .select(OpinionRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Who gave opinion `id`: its reviewer as sent, and the name of the partner hospital it came
/// through (none for one recorded by staff), in one statement.
pub async fn source(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<(serde_json::Value, Option<String>)>> {
    second_opinions::table
        .left_join(
            referrals::table.on(referrals::org_id
                .eq(second_opinions::org_id)
                .and(referrals::id.nullable().eq(second_opinions::referral_id))),
        )
        .left_join(
            organizations::table.on(organizations::org_id.eq(second_opinions::org_id).and(
                organizations::id
                    .nullable()
                    .eq(referrals::partner_id.nullable()),
            )),
        )
        .filter(second_opinions::org_id.eq(org_id))
        .filter(second_opinions::id.eq(id))
        .select((second_opinions::reviewer, organizations::name.nullable()))
        .first(conn)
        .await
        .optional()
}

pub async fn find_by_external_id(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    referral_id: Uuid,
    external_id: &str,
) -> QueryResult<Option<OpinionRow>> {
    second_opinions::table
        .filter(second_opinions::org_id.eq(org_id))
        .filter(second_opinions::referral_id.eq(referral_id))
        .filter(second_opinions::external_id.eq(external_id))
        .select(OpinionRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The newest opinion of the referral sent as a FHIR document with this Composition.identifier.
pub async fn find_by_composition(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    referral_id: Uuid,
    composition: &str,
) -> QueryResult<Option<OpinionRow>> {
    second_opinions::table
        .filter(second_opinions::org_id.eq(org_id))
        .filter(second_opinions::referral_id.eq(referral_id))
        .filter(second_opinions::fhir_composition.eq(composition))
        .order(second_opinions::received_at.desc())
        .select(OpinionRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// A partner withdrew the opinion (a FHIR document entered in error).
pub async fn mark_withdrawn(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    id: Uuid,
) -> QueryResult<()> {
    set_status(conn, org_id, id, "withdrawn").await
}

/// A partner's withdrawal of an opinion, as it sent it.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = opinion_withdrawals)]
pub struct WithdrawalRow {
    pub org_id: Uuid,
    pub id: Uuid,
    pub second_opinion_id: Uuid,
    pub submitted_by: String,
    pub raw_body: Vec<u8>,
    pub raw_sha256: Vec<u8>,
    pub raw_sealed: bool,
    pub received_at: DateTime<Utc>,
}

/// Keeps a withdrawal; the same bytes for the same opinion are kept once. Whether it was new.
pub async fn insert_withdrawal(
    conn: &mut AsyncPgConnection,
    row: &WithdrawalRow,
) -> QueryResult<bool> {
    let inserted = diesel::insert_into(opinion_withdrawals::table)
        .values(row)
        .on_conflict((
            opinion_withdrawals::org_id,
            opinion_withdrawals::second_opinion_id,
            opinion_withdrawals::raw_sha256,
        ))
        .do_nothing()
        .execute(conn)
        .await?;
    Ok(inserted == 1)
}

/// An amendment replaced the opinion.
pub async fn mark_superseded(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    id: Uuid,
) -> QueryResult<()> {
    set_status(conn, org_id, id, "superseded").await
}

async fn set_status(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    id: Uuid,
    status: &str,
) -> QueryResult<()> {
    diesel::update(
        second_opinions::table
            .filter(second_opinions::org_id.eq(org_id))
            .filter(second_opinions::id.eq(id)),
    )
    .set(second_opinions::status.eq(status))
    .execute(conn)
    .await?;
    Ok(())
}

/// The case's opinions, newest first.
pub async fn list_for_case(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    case_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<OpinionRow>> {
    newest_first!(
        second_opinions::table
            .filter(second_opinions::org_id.eq(org_id))
            .filter(second_opinions::case_id.eq(case_id)),
        second_opinions::received_at,
        second_opinions::id,
        after,
        limit
    )
    .select(OpinionRow::as_select())
    .load(conn)
    .await
}

/// Every opinion of a case that is not superseded (the ones a new plan version reassesses).
pub async fn active_for_case(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    case_id: Uuid,
) -> QueryResult<Vec<OpinionRow>> {
    second_opinions::table
        .filter(second_opinions::org_id.eq(org_id))
        .filter(second_opinions::case_id.eq(case_id))
        .filter(second_opinions::status.eq("received"))
        .order(second_opinions::received_at.asc())
        .select(OpinionRow::as_select())
        .load(conn)
        .await
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = assessments)]
pub struct AssessmentRow {
    pub org_id: Uuid,
    pub id: Uuid,
    pub second_opinion_id: Uuid,
    pub case_id: Uuid,
    pub plan_version: i32,
    pub context: serde_json::Value,
    pub computed: serde_json::Value,
    /// Only when overridden: NULL means the computed result stands.
    pub effective: Option<serde_json::Value>,
    pub ruleset_version: String,
    pub outcome: String,
    pub primary_scenario: String,
    pub urgency: String,
    pub current: bool,
    pub superseded_by: Option<Uuid>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// The release gate, judged on the computed result when it was made.
    pub needs_clinician_review: bool,
    pub clinician_review_reasons: Vec<String>,
    /// No review needed, or a valid sign-off exists.
    pub released: bool,
}

impl AssessmentRow {
    /// The result in force: the overridden one, else the computed one.
    pub fn effective(&self) -> &serde_json::Value {
        self.effective.as_ref().unwrap_or(&self.computed)
    }
}

/// Not `RETURNING`: the row is what was sent (its time cut to PostgreSQL's microseconds), and
/// sending its JSON back would cost both sides a serialisation per assessment.
pub async fn insert_assessment(
    conn: &mut AsyncPgConnection,
    row: &AssessmentRow,
) -> QueryResult<AssessmentRow> {
    let row = AssessmentRow {
        created_at: super::stored_time(row.created_at),
        ..row.clone()
    };
    diesel::insert_into(assessments::table)
        .values(&row)
        .execute(conn)
        .await?;
    Ok(row)
}

pub async fn find_assessment(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<AssessmentRow>> {
    assessments::table
        .filter(assessments::org_id.eq(org_id))
        .filter(assessments::id.eq(id))
        .select(AssessmentRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn current_assessment(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    opinion_id: Uuid,
) -> QueryResult<Option<AssessmentRow>> {
    assessments::table
        .filter(assessments::org_id.eq(org_id))
        .filter(assessments::second_opinion_id.eq(opinion_id))
        .filter(assessments::current.eq(true))
        .select(AssessmentRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The current assessment of each of these opinions.
pub async fn current_assessments(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    opinion_ids: &[Uuid],
) -> QueryResult<Vec<AssessmentRow>> {
    assessments::table
        .filter(assessments::org_id.eq(org_id))
        .filter(assessments::second_opinion_id.eq_any(opinion_ids))
        .filter(assessments::current.eq(true))
        .select(AssessmentRow::as_select())
        .load(conn)
        .await
}

/// The results in force (override, else computed) of a case's current assessments.
pub async fn current_results_for_case(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    case_id: Uuid,
) -> QueryResult<Vec<serde_json::Value>> {
    let rows: Vec<(Option<serde_json::Value>, serde_json::Value)> = assessments::table
        .filter(assessments::org_id.eq(org_id))
        .filter(assessments::case_id.eq(case_id))
        .filter(assessments::current.eq(true))
        .select((assessments::effective, assessments::computed))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(overridden, computed)| overridden.unwrap_or(computed))
        .collect())
}

/// An opinion's assessments, newest first (the current one is the newest: every new
/// assessment supersedes the one before).
pub async fn assessments_for(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    opinion_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<AssessmentRow>> {
    newest_first!(
        assessments::table
            .filter(assessments::org_id.eq(org_id))
            .filter(assessments::second_opinion_id.eq(opinion_id)),
        assessments::created_at,
        assessments::id,
        after,
        limit
    )
    .select(AssessmentRow::as_select())
    .load(conn)
    .await
}

pub async fn supersede(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    old: Uuid,
    new: Uuid,
) -> QueryResult<()> {
    diesel::update(
        assessments::table
            .filter(assessments::org_id.eq(org_id))
            .filter(assessments::id.eq(old)),
    )
    .set((
        assessments::current.eq(false),
        assessments::superseded_by.eq(Some(new)),
    ))
    .execute(conn)
    .await?;
    Ok(())
}

/// Updates the effective result columns after an override.
pub async fn set_effective(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    id: Uuid,
    effective: Option<serde_json::Value>,
    outcome: &str,
    primary: &str,
    urgency: &str,
) -> QueryResult<()> {
    diesel::update(
        assessments::table
            .filter(assessments::org_id.eq(org_id))
            .filter(assessments::id.eq(id)),
    )
    .set((
        assessments::effective.eq(effective),
        assessments::outcome.eq(outcome),
        assessments::primary_scenario.eq(primary),
        assessments::urgency.eq(urgency),
    ))
    .execute(conn)
    .await?;
    Ok(())
}

/// Holds or releases an assessment (a sign-off given, or voided by an override).
pub async fn set_released(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    id: Uuid,
    released: bool,
) -> QueryResult<()> {
    diesel::update(
        assessments::table
            .filter(assessments::org_id.eq(org_id))
            .filter(assessments::id.eq(id)),
    )
    .set(assessments::released.eq(released))
    .execute(conn)
    .await?;
    Ok(())
}

/// Locks an assessment's row until commit: sign-offs and overrides of one assessment queue
/// behind each other, so a sign-off never approves a result an override is changing.
pub async fn lock_assessment(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<AssessmentRow>> {
    assessments::table
        .filter(assessments::org_id.eq(org_id))
        .filter(assessments::id.eq(id))
        .select(AssessmentRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = assessment_overrides)]
pub struct OverrideRow {
    pub org_id: Uuid,
    pub id: Uuid,
    pub assessment_id: Uuid,
    pub outcome: Option<String>,
    pub primary_scenario: Option<String>,
    pub reason: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

pub async fn insert_override(
    conn: &mut AsyncPgConnection,
    row: &OverrideRow,
) -> QueryResult<OverrideRow> {
    diesel::insert_into(assessment_overrides::table)
        .values(row.clone())
        .returning(OverrideRow::as_returning())
        .get_result(conn)
        .await
}

/// Overrides of these assessments, oldest first.
pub async fn overrides_for(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    assessment_ids: &[Uuid],
) -> QueryResult<Vec<OverrideRow>> {
    assessment_overrides::table
        .filter(assessment_overrides::org_id.eq(org_id))
        .filter(assessment_overrides::assessment_id.eq_any(assessment_ids))
        .order((
            assessment_overrides::created_at.asc(),
            assessment_overrides::id.asc(),
        ))
        .select(OverrideRow::as_select())
        .load(conn)
        .await
}

/// Opinions (of any organisation) still answered whose current assessment another ruleset
/// made, in (organisation, opinion) order after `after`: what an upgrade reassesses.
pub async fn outdated(
    conn: &mut AsyncPgConnection,
    running: &str,
    after: Option<(Uuid, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<(Uuid, Uuid)>> {
    let (after_org, after_opinion) = after.unwrap_or((Uuid::nil(), Uuid::nil()));
    assessments::table
        .inner_join(
            second_opinions::table.on(second_opinions::org_id
                .eq(assessments::org_id)
                .and(second_opinions::id.eq(assessments::second_opinion_id))),
        )
        .filter(assessments::current.eq(true))
        .filter(assessments::ruleset_version.ne(running))
        .filter(second_opinions::status.eq("received"))
        .filter(
            assessments::org_id.gt(after_org).or(assessments::org_id
                .eq(after_org)
                .and(assessments::second_opinion_id.gt(after_opinion))),
        )
        .order((assessments::org_id, assessments::second_opinion_id))
        .select((assessments::org_id, assessments::second_opinion_id))
        .limit(limit)
        .load(conn)
        .await
}
