//! Referrals of a case to a partner hospital.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::cases::CaseRow;
use super::newest_first;
use super::schema::{cases, referrals};

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
    conn: &mut AsyncPgConnection,
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
        .first(conn)
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
