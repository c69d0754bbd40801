//! Referrals of a case to a partner hospital.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment};
use diesel::sql_types::{Array, Date, Integer, Jsonb, Nullable, SmallInt, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Deserialize;
use serde_json::value::RawValue;
use uuid::Uuid;

use super::cases::{CaseRow, next_step_of, treatment_of};
use super::jsonb::Typed;
use super::newest_first;
use super::schema::{cases, referrals};
use crate::domain::discordance::{NextStep, TreatmentStatus};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = referrals)]
pub struct ReferralRow {
    pub org_id: Uuid,
    pub id: Uuid,
    pub case_id: Uuid,
    pub partner_id: Uuid,
    pub status: String,
    pub questions: serde_json::Value,
    pub due_date: Option<NaiveDate>,
    pub decline_reason: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut AsyncPgConnection, row: &ReferralRow) -> QueryResult<ReferralRow> {
    diesel::insert_into(referrals::table)
        .values(row.clone())
        .returning(ReferralRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<ReferralRow>> {
    referrals::table
        .filter(referrals::org_id.eq(org_id))
        .filter(referrals::id.eq(id))
        .select(ReferralRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The referral, locked for the transaction (a submission and a status change serialise).
pub async fn lock(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<ReferralRow>> {
    referrals::table
        .filter(referrals::org_id.eq(org_id))
        .filter(referrals::id.eq(id))
        .for_update()
        .select(ReferralRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The referral and its case, both locked FOR UPDATE by one statement (one round trip where
/// an ingestion took two).
pub async fn lock_with_case(
    mut conn: &AsyncPgConnection,
    org_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<(ReferralRow, CaseRow)>> {
    referrals::table
        .inner_join(
            cases::table.on(cases::org_id
                .eq(referrals::org_id)
                .and(cases::id.eq(referrals::case_id))),
        )
        .filter(referrals::org_id.eq(org_id))
        .filter(referrals::id.eq(id))
        .for_update()
        .select((ReferralRow::as_select(), CaseRow::as_select()))
        .first(&mut conn)
        .await
        .optional()
}

pub async fn set_status(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    id: Uuid,
    status: &str,
    decline_reason: Option<String>,
) -> QueryResult<ReferralRow> {
    diesel::update(
        referrals::table
            .filter(referrals::org_id.eq(org_id))
            .filter(referrals::id.eq(id)),
    )
    .set((
        referrals::status.eq(status),
        referrals::decline_reason.eq(decline_reason),
        referrals::updated_at.eq(Utc::now()),
    ))
    .returning(ReferralRow::as_returning())
    .get_result(conn)
    .await
}

#[derive(Debug, Clone, Default)]
pub struct ReferralFilter {
    pub case_id: Option<Uuid>,
    pub partner_id: Option<Uuid>,
    pub status: Option<String>,
    pub after: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    f: &ReferralFilter,
) -> QueryResult<Vec<ReferralRow>> {
    let mut q = newest_first!(
        referrals::table.filter(referrals::org_id.eq(org_id)),
        referrals::created_at,
        referrals::id,
        f.after,
        f.limit
    );
    if let Some(c) = f.case_id {
        q = q.filter(referrals::case_id.eq(c));
    }
    if let Some(p) = f.partner_id {
        q = q.filter(referrals::partner_id.eq(p));
    }
    if let Some(s) = &f.status {
        q = q.filter(referrals::status.eq(s));
    }
    q.select(ReferralRow::as_select()).load(conn).await
}

/// What a partner's packet shows of a referred case: its treatment status and next step, of
/// the patient the birth year and country, and the current plan.
#[derive(Debug, Clone)]
pub struct PacketCase {
    pub case_id: Uuid,
    pub treatment: TreatmentStatus,
    pub next_step: Option<NextStep>,
    pub birth_year: Option<i16>,
    pub country: Option<String>,
    pub plan_version: Option<i32>,
    /// The current plan's diagnosis and plan as stored: the service's own serialisation of a
    /// validated picture (`app::plans` records nothing else), passed on as it is rather than
    /// decoded into a `Picture` and encoded again for each packet.
    pub diagnosis: Option<Box<RawValue>>,
    pub plan: Option<Box<RawValue>>,
}

/// The packet parts of these cases (a page of referrals' worth), in no particular order: one
/// statement where a page took three (cases, patients, current plans).
pub async fn packet_cases(
    mut conn: &AsyncPgConnection,
    org_id: Uuid,
    case_ids: &[Uuid],
) -> QueryResult<Vec<PacketCase>> {
    let rows: Vec<PacketCaseRow> = PacketCasesQuery { org_id, case_ids }
        .load(&mut conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let parts = r.plan_picture.and_then(|p| p.0);
            let (diagnosis, plan) = parts.map_or((None, None), |p| (p.diagnosis, p.plan));
            PacketCase {
                case_id: r.case_id,
                treatment: treatment_of(&r.treatment_status),
                next_step: next_step_of(r.next_step_kind.as_deref(), r.next_step_date),
                birth_year: r.birth_year,
                country: r.country,
                plan_version: r.plan_version,
                diagnosis,
                plan,
            }
        })
        .collect())
}

struct PacketCasesQuery<'a> {
    org_id: Uuid,
    case_ids: &'a [Uuid],
}

// Each case's current plan is its highest version, found through plan_versions' primary key
// (org_id, case_id, version) one case at a time.
const PACKET_CASES_SQL: &str = "\
SELECT c.id AS case_id, c.treatment_status, c.next_step_kind, c.next_step_date,
       pt.birth_year, pt.country, plan.version AS plan_version, plan.picture AS plan_picture
  FROM cases c
  LEFT JOIN patients pt ON pt.org_id = c.org_id AND pt.id = c.patient_id
  LEFT JOIN LATERAL (
        SELECT p.version, p.picture FROM plan_versions p
         WHERE p.org_id = c.org_id AND p.case_id = c.id
         ORDER BY p.version DESC LIMIT 1) plan ON true
 WHERE c.org_id = $1 AND c.id = ANY($2)";

#[derive(QueryableByName)]
struct PacketCaseRow {
    #[diesel(sql_type = SqlUuid)]
    case_id: Uuid,
    #[diesel(sql_type = Text)]
    treatment_status: String,
    #[diesel(sql_type = Nullable<Text>)]
    next_step_kind: Option<String>,
    #[diesel(sql_type = Nullable<Date>)]
    next_step_date: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<SmallInt>)]
    birth_year: Option<i16>,
    #[diesel(sql_type = Nullable<Text>)]
    country: Option<String>,
    #[diesel(sql_type = Nullable<Integer>)]
    plan_version: Option<i32>,
    #[diesel(sql_type = Nullable<Jsonb>)]
    plan_picture: Option<Typed<PictureParts>>,
}

/// The parts of a stored picture a packet shows, kept as their JSON text; the rest of the
/// picture is skipped over unread. (Cut out in SQL instead, `picture -> 'plan'`, the work
/// moved into PostgreSQL: its CPU per page was higher in each of three alternated rounds.)
#[derive(Deserialize)]
struct PictureParts {
    diagnosis: Option<Box<RawValue>>,
    plan: Option<Box<RawValue>>,
}

impl QueryFragment<Pg> for PacketCasesQuery<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        super::prepared::walk(PACKET_CASES_SQL, &mut out, |n, out| match n {
            '1' => out.push_bind_param::<SqlUuid, _>(&self.org_id),
            _ => out.push_bind_param::<Array<SqlUuid>, _>(self.case_ids),
        })
    }
}

super::prepared::prepared_once!(PacketCasesQuery);
