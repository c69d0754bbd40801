//! Grants that let an advocate (a family member) see a case.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::newest_first;
use super::schema::case_members;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = case_members)]
pub struct MemberRow {
    pub org_id: Uuid,
    pub id: Uuid,
    pub case_id: Uuid,
    pub subject: String,
    pub scope: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    case_id: Uuid,
    subject: &str,
    scope: Vec<String>,
    expires_at: Option<DateTime<Utc>>,
    created_by: &str,
) -> QueryResult<MemberRow> {
    diesel::insert_into(case_members::table)
        .values((
            case_members::org_id.eq(org_id),
            case_members::id.eq(Uuid::now_v7()),
            case_members::case_id.eq(case_id),
            case_members::subject.eq(subject),
            case_members::scope.eq(scope),
            case_members::expires_at.eq(expires_at),
            case_members::created_by.eq(created_by),
        ))
        .returning(MemberRow::as_returning())
        .get_result(conn)
        .await
}

/// The case's grants, newest first.
pub async fn list(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    case_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<MemberRow>> {
    newest_first!(
        case_members::table
            .filter(case_members::org_id.eq(org_id))
            .filter(case_members::case_id.eq(case_id)),
        case_members::created_at,
        case_members::id,
        after,
        limit
    )
    .select(MemberRow::as_select())
    .load(conn)
    .await
}

/// Revokes a grant at once; the revocation time is kept when it was revoked already.
pub async fn revoke(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    case_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<MemberRow>> {
    diesel::update(
        case_members::table
            .filter(case_members::org_id.eq(org_id))
            .filter(case_members::case_id.eq(case_id))
            .filter(case_members::id.eq(id)),
    )
    .set(case_members::revoked_at.eq(diesel::dsl::sql::<
        diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>,
    >("coalesce(revoked_at, now())")))
    .returning(MemberRow::as_returning())
    .get_result(conn)
    .await
    .optional()
}
