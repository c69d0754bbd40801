//! Cases and their versioned plans.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment};
use diesel::sql_types::{Array, Integer, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::newest_first;
use super::schema::{case_members, cases, patients, plan_versions};
use crate::domain::case_status::CaseStatus;
use crate::domain::discordance::{NextStep, StepKind, TreatmentStatus};
use crate::domain::tasks::OpenTask;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cases)]
pub struct CaseRow {
    pub org_id: Uuid,
    pub id: Uuid,
    pub patient_id: Uuid,
    pub status: String,
    pub assigned_coordinator: Option<String>,
    pub oncologist_name: Option<String>,
    pub oncologist_institution: Option<String>,
    pub oncologist_country: Option<String>,
    pub cancer_summary: Option<String>,
    pub treatment_status: String,
    pub next_step_kind: Option<String>,
    pub next_step_date: Option<NaiveDate>,
    pub revision: i32,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl CaseRow {
    /// Where the case stands in its workflow.
    pub fn case_status(&self) -> CaseStatus {
        CaseStatus::parse(&self.status).unwrap_or(CaseStatus::Intake)
    }

    pub fn treatment(&self) -> TreatmentStatus {
        treatment_of(&self.treatment_status)
    }

    /// The case's next irreversible step, as the discordance context wants it.
    pub fn next_step(&self) -> Option<NextStep> {
        next_step_of(self.next_step_kind.as_deref(), self.next_step_date)
    }
}

/// A stored treatment status; an unknown code reads as not started.
pub fn treatment_of(code: &str) -> TreatmentStatus {
    serde_json::from_value(serde_json::Value::from(code)).unwrap_or(TreatmentStatus::NotStarted)
}

/// A stored next irreversible step; an unknown kind reads as other.
pub fn next_step_of(kind: Option<&str>, date: Option<NaiveDate>) -> Option<NextStep> {
    kind.map(|kind| NextStep {
        kind: serde_json::from_value(serde_json::Value::from(kind)).unwrap_or(StepKind::Other),
        date,
    })
}

/// How a treatment status is stored.
pub fn treatment_code(status: TreatmentStatus) -> String {
    code_of(status).unwrap_or_else(|| "not_started".into())
}

/// How a step kind is stored.
pub fn step_code(kind: StepKind) -> String {
    code_of(kind).unwrap_or_else(|| "other".into())
}

fn code_of(value: impl serde::Serialize) -> Option<String> {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = cases)]
pub struct NewCaseRow {
    pub org_id: Uuid,
    pub id: Uuid,
    pub patient_id: Uuid,
    pub assigned_coordinator: Option<String>,
    pub oncologist_name: Option<String>,
    pub oncologist_institution: Option<String>,
    pub oncologist_country: Option<String>,
    pub cancer_summary: Option<String>,
    pub treatment_status: String,
    pub next_step_kind: Option<String>,
    pub next_step_date: Option<NaiveDate>,
    pub created_by: String,
}

/// Changes to a case; `None` leaves a field, `Some(None)` clears it.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = cases)]
pub struct CaseChanges {
    pub assigned_coordinator: Option<Option<String>>,
    pub oncologist_name: Option<Option<String>>,
    pub oncologist_institution: Option<Option<String>>,
    pub oncologist_country: Option<Option<String>>,
    pub cancer_summary: Option<Option<String>>,
    pub treatment_status: Option<String>,
    pub next_step_kind: Option<Option<String>>,
    pub next_step_date: Option<Option<NaiveDate>>,
    pub status: Option<String>,
}

impl CaseChanges {
    pub fn is_empty(&self) -> bool {
        self.assigned_coordinator.is_none()
            && self.oncologist_name.is_none()
            && self.oncologist_institution.is_none()
            && self.oncologist_country.is_none()
            && self.cancer_summary.is_none()
            && self.treatment_status.is_none()
            && self.next_step_kind.is_none()
            && self.next_step_date.is_none()
            && self.status.is_none()
    }
}

pub async fn insert(conn: &mut AsyncPgConnection, row: NewCaseRow) -> QueryResult<CaseRow> {
    diesel::insert_into(cases::table)
        .values(row)
        .returning(CaseRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<CaseRow>> {
    cases::table
        .filter(cases::org_id.eq(org_id))
        .filter(cases::id.eq(id))
        .select(CaseRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The case, locked for the rest of the transaction (serialises plan versions and status).
pub async fn lock(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<CaseRow>> {
    cases::table
        .filter(cases::org_id.eq(org_id))
        .filter(cases::id.eq(id))
        .for_update()
        .select(CaseRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Applies changes when the revision still is `expected` (any when None); bumps the revision.
/// `Ok(None)` when the case changed meanwhile (or is gone).
pub async fn update(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    id: Uuid,
    expected: Option<i32>,
    changes: CaseChanges,
) -> QueryResult<Option<CaseRow>> {
    let mut query = diesel::update(cases::table)
        .filter(cases::org_id.eq(org_id))
        .filter(cases::id.eq(id))
        .into_boxed();
    if let Some(revision) = expected {
        query = query.filter(cases::revision.eq(revision));
    }
    query
        .set((
            changes,
            cases::revision.eq(cases::revision + 1),
            cases::updated_at.eq(Utc::now()),
        ))
        .returning(CaseRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Moves the status forward only (automatic moves: a referral, an opinion, a summary), in one
/// statement. `Some(case)` when it moved; `None` when the case was already there or further on.
pub async fn advance_status(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    id: Uuid,
    to: CaseStatus,
) -> QueryResult<Option<CaseRow>> {
    let from: Vec<&str> = to
        .moved_forward_from()
        .into_iter()
        .map(CaseStatus::code)
        .collect();
    diesel::update(cases::table)
        .filter(cases::org_id.eq(org_id))
        .filter(cases::id.eq(id))
        .filter(cases::status.eq_any(from))
        .set((
            cases::status.eq(to.code()),
            cases::revision.eq(cases::revision + 1),
            cases::updated_at.eq(Utc::now()),
        ))
        .returning(CaseRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Filters for the case list.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub status: Option<String>,
    pub coordinator: Option<String>,
    pub patient_id: Option<Uuid>,
    pub next_step_before: Option<NaiveDate>,
    pub updated_since: Option<DateTime<Utc>>,
    /// Patient role: only cases of the patient with this login.
    pub patient_login: Option<String>,
    /// Advocate role: only cases granted to this subject.
    pub member_subject: Option<String>,
    pub after: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    filter: &CaseFilter,
) -> QueryResult<Vec<CaseRow>> {
    let mut query = newest_first!(
        cases::table.filter(cases::org_id.eq(org_id)),
        cases::created_at,
        cases::id,
        filter.after,
        filter.limit
    );
    if let Some(status) = &filter.status {
        query = query.filter(cases::status.eq(status));
    }
    if let Some(coordinator) = &filter.coordinator {
        query = query.filter(cases::assigned_coordinator.eq(coordinator));
    }
    if let Some(patient_id) = filter.patient_id {
        query = query.filter(cases::patient_id.eq(patient_id));
    }
    if let Some(date) = filter.next_step_before {
        query = query.filter(cases::next_step_date.lt(date));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(cases::updated_at.ge(since));
    }
    if let Some(login) = &filter.patient_login {
        let own = patients::table
            .filter(patients::org_id.eq(org_id))
            .filter(patients::login_sub.eq(login.clone()))
            .filter(patients::erased_at.is_null())
            .select(patients::id);
        query = query.filter(cases::patient_id.eq_any(own));
    }
    if let Some(subject) = &filter.member_subject {
        let granted = case_members::table
            .filter(case_members::org_id.eq(org_id))
            .filter(case_members::subject.eq(subject.clone()))
            .filter(case_members::revoked_at.is_null())
            .filter(
                case_members::expires_at
                    .is_null()
                    .or(case_members::expires_at.gt(Utc::now())),
            )
            .select(case_members::case_id);
        query = query.filter(cases::id.eq_any(granted));
    }
    query.select(CaseRow::as_select()).load(conn).await
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = plan_versions)]
pub struct PlanVersionRow {
    pub org_id: Uuid,
    pub case_id: Uuid,
    pub version: i32,
    pub picture: serde_json::Value,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// The FHIR import report, for a version read from a FHIR Bundle.
    pub fhir_report: Option<serde_json::Value>,
}

pub async fn current_plan(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    case_id: Uuid,
) -> QueryResult<Option<PlanVersionRow>> {
    plan_versions::table
        .filter(plan_versions::org_id.eq(org_id))
        .filter(plan_versions::case_id.eq(case_id))
        .order(plan_versions::version.desc())
        .select(PlanVersionRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn plan_version(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    case_id: Uuid,
    version: i32,
) -> QueryResult<Option<PlanVersionRow>> {
    plan_versions::table
        .filter(plan_versions::org_id.eq(org_id))
        .filter(plan_versions::case_id.eq(case_id))
        .filter(plan_versions::version.eq(version))
        .select(PlanVersionRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Versions newest first, after (created_at, version) when paging.
pub async fn plan_versions(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    case_id: Uuid,
    before_version: Option<i32>,
    limit: i64,
) -> QueryResult<Vec<PlanVersionRow>> {
    let mut query = plan_versions::table
        .filter(plan_versions::org_id.eq(org_id))
        .filter(plan_versions::case_id.eq(case_id))
        .into_boxed();
    if let Some(v) = before_version {
        query = query.filter(plan_versions::version.lt(v));
    }
    query
        .order(plan_versions::version.desc())
        .limit(limit)
        .select(PlanVersionRow::as_select())
        .load(conn)
        .await
}

pub async fn insert_plan(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    case_id: Uuid,
    version: i32,
    picture: serde_json::Value,
    created_by: &str,
    fhir_report: Option<serde_json::Value>,
) -> QueryResult<PlanVersionRow> {
    diesel::insert_into(plan_versions::table)
        .values((
            plan_versions::org_id.eq(org_id),
            plan_versions::case_id.eq(case_id),
            plan_versions::version.eq(version),
            plan_versions::picture.eq(picture),
            plan_versions::created_by.eq(created_by),
            plan_versions::fhir_report.eq(fhir_report),
        ))
        .returning(PlanVersionRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn touch(conn: &mut AsyncPgConnection, org_id: Uuid, id: Uuid) -> QueryResult<()> {
    diesel::update(
        cases::table
            .filter(cases::org_id.eq(org_id))
            .filter(cases::id.eq(id)),
    )
    .set(cases::updated_at.eq(Utc::now()))
    .execute(conn)
    .await?;
    Ok(())
}

/// What an assessment reads of its case besides the case row: the current plan version, the
/// patient's country (part of the context the rules see) and the open tasks (kept in step with
/// the result).
#[derive(Debug, Clone)]
pub struct AssessmentReads {
    pub plan: Option<PlanVersionRow>,
    pub patient_country: Option<String>,
    pub open_tasks: Vec<OpenTask>,
    /// For an ingestion with an external id: the referral's opinion that already has it.
    pub external_id_taken_by: Option<Uuid>,
}

/// The reads of `AssessmentReads` in one statement (issue 19: an ingestion made four round
/// trips of them). Made after the case's lock, so they see what committed before it.
pub async fn assessment_reads(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    case: &CaseRow,
) -> QueryResult<AssessmentReads> {
    let row: ReadsRow = ReadsQuery {
        org_id,
        case_id: case.id,
        patient_id: case.patient_id,
    }
    .get_result(conn)
    .await?;
    Ok(reads_of(org_id, row))
}

/// The same reads for a referral's case, found from the referral in SQL, so that they can go
/// out in one round trip with the statement that locks the referral and its case (pipelined on
/// `conn`, sent after it): PostgreSQL runs a connection's statements in order, and each one
/// sees what committed before it began, so these still see everything committed before the
/// lock. None when the referral does not exist.
pub async fn referral_assessment_reads(
    mut conn: &AsyncPgConnection,
    org_id: Uuid,
    referral_id: Uuid,
    external_id: Option<&str>,
) -> QueryResult<Option<AssessmentReads>> {
    let row: Option<ReadsRow> = ReferralReadsQuery {
        org_id,
        referral_id,
        external_id,
    }
    .get_result(&mut conn)
    .await
    .optional()?;
    Ok(row.map(|row| reads_of(org_id, row)))
}

fn reads_of(org_id: Uuid, row: ReadsRow) -> AssessmentReads {
    let plan = match (
        row.plan_version,
        row.plan_picture,
        row.plan_created_by,
        row.plan_created_at,
    ) {
        (Some(version), Some(picture), Some(created_by), Some(created_at)) => {
            Some(PlanVersionRow {
                org_id,
                case_id: row.case_id,
                version,
                picture,
                created_by,
                created_at,
                fhir_report: row.plan_fhir_report,
            })
        }
        _ => None,
    };
    let open_tasks = row
        .task_ids
        .into_iter()
        .zip(row.task_kinds)
        .zip(row.task_assessments)
        .map(|((id, kind), assessment_id)| OpenTask {
            id,
            kind,
            assessment_id,
        })
        .collect();
    AssessmentReads {
        plan,
        patient_country: row.patient_country,
        open_tasks,
        external_id_taken_by: row.external_id_taken_by,
    }
}

struct ReadsQuery {
    org_id: Uuid,
    case_id: Uuid,
    patient_id: Uuid,
}

// The plan is LEFT JOINed (a case may have none yet); the open tasks come as three arrays in one
// order (a CTE read more than once is materialised once). `k` names the case: given, or the
// referral's (then no row when the referral does not exist).
macro_rules! reads_sql {
    ($k:literal) => {
        concat!(
            "WITH k AS (",
            $k,
            "),
plan AS (
    SELECT p.version, p.picture, p.created_by, p.created_at, p.fhir_report
      FROM plan_versions p, k
     WHERE p.org_id = k.org_id AND p.case_id = k.case_id
     ORDER BY p.version DESC LIMIT 1
), open AS (
    SELECT t.id, t.kind, t.assessment_id
      FROM tasks t, k
     WHERE t.org_id = k.org_id AND t.case_id = k.case_id AND t.status = 'open'
     ORDER BY t.created_at, t.id
)
SELECT k.case_id, plan.version AS plan_version, plan.picture AS plan_picture,
       plan.created_by AS plan_created_by, plan.created_at AS plan_created_at,
       plan.fhir_report AS plan_fhir_report,
       (SELECT pt.country FROM patients pt
         WHERE pt.org_id = k.org_id AND pt.id = k.patient_id) AS patient_country,
       ARRAY(SELECT id FROM open) AS task_ids,
       ARRAY(SELECT kind FROM open) AS task_kinds,
       ARRAY(SELECT assessment_id FROM open) AS task_assessments,
       (SELECT o.id FROM second_opinions o
         WHERE o.org_id = k.org_id AND o.referral_id = k.referral_id
           AND o.external_id = k.external_id) AS external_id_taken_by
  FROM k LEFT JOIN plan ON true"
        )
    };
}

const READS_SQL: &str = reads_sql!(
    "SELECT $1::uuid AS org_id, $2::uuid AS case_id, $3::uuid AS patient_id,
            NULL::uuid AS referral_id, NULL::text AS external_id"
);

const REFERRAL_READS_SQL: &str = reads_sql!(
    "SELECT r.org_id, r.case_id, c.patient_id, r.id AS referral_id, $1::text AS external_id
       FROM referrals r JOIN cases c ON c.org_id = r.org_id AND c.id = r.case_id
      WHERE r.org_id = $2 AND r.id = $3"
);

#[derive(QueryableByName)]
struct ReadsRow {
    #[diesel(sql_type = SqlUuid)]
    case_id: Uuid,
    #[diesel(sql_type = Nullable<Integer>)]
    plan_version: Option<i32>,
    #[diesel(sql_type = Nullable<Jsonb>)]
    plan_picture: Option<serde_json::Value>,
    #[diesel(sql_type = Nullable<Text>)]
    plan_created_by: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    plan_created_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Jsonb>)]
    plan_fhir_report: Option<serde_json::Value>,
    #[diesel(sql_type = Nullable<Text>)]
    patient_country: Option<String>,
    #[diesel(sql_type = Array<SqlUuid>)]
    task_ids: Vec<Uuid>,
    #[diesel(sql_type = Array<Text>)]
    task_kinds: Vec<String>,
    #[diesel(sql_type = Array<Nullable<SqlUuid>>)]
    task_assessments: Vec<Option<Uuid>>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    external_id_taken_by: Option<Uuid>,
}

impl QueryFragment<Pg> for ReadsQuery {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        super::prepared::walk(READS_SQL, &mut out, |n, out| match n {
            '1' => out.push_bind_param::<SqlUuid, _>(&self.org_id),
            '2' => out.push_bind_param::<SqlUuid, _>(&self.case_id),
            _ => out.push_bind_param::<SqlUuid, _>(&self.patient_id),
        })
    }
}

super::prepared::prepared_once!(owned ReadsQuery);

struct ReferralReadsQuery<'a> {
    org_id: Uuid,
    referral_id: Uuid,
    external_id: Option<&'a str>,
}

impl QueryFragment<Pg> for ReferralReadsQuery<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        super::prepared::walk(REFERRAL_READS_SQL, &mut out, |n, out| match n {
            '1' => out.push_bind_param::<Nullable<Text>, _>(&self.external_id),
            '2' => out.push_bind_param::<SqlUuid, _>(&self.org_id),
            _ => out.push_bind_param::<SqlUuid, _>(&self.referral_id),
        })
    }
}

super::prepared::prepared_once!(ReferralReadsQuery);
