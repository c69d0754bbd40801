//! Grants: a patient (or a case worker) lets an advocate, a family member, see parts of a case.

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::{Actor, AppError, AppResult, Reader, Tx, access};
use crate::auth::policy::CaseAccess;
use crate::db::members;

pub use crate::db::members::MemberRow as MemberRecord;

/// The case's patient and its case workers manage its grants; an advocate cannot.
async fn may_manage(conn: &mut AsyncPgConnection, actor: &Actor, case_id: Uuid) -> AppResult<()> {
    match access::case(conn, actor, case_id).await? {
        CaseAccess::Staff | CaseAccess::Patient => Ok(()),
        CaseAccess::Advocate { .. } => Err(AppError::forbidden("advocates cannot manage grants")),
    }
}

/// Grants `subject` the parts in `scope` (sorted, once each) until `expires_at`.
pub async fn grant(
    tx: &mut Tx<'_>,
    case_id: Uuid,
    subject: &str,
    scope: Vec<String>,
    expires_at: Option<DateTime<Utc>>,
) -> AppResult<MemberRecord> {
    may_manage(tx.conn, tx.actor, case_id).await?;
    let created_by = tx.created_by();
    let row = members::insert(
        tx.conn,
        tx.org,
        case_id,
        subject,
        scope,
        expires_at,
        &created_by,
    )
    .await?;
    tx.audit(
        "case_member.create",
        "case_member",
        vec![row.id],
        Some(case_id),
    );
    Ok(row)
}

/// A page of the case's grants, newest first.
pub async fn list(
    q: &mut Reader<'_>,
    case_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> AppResult<Vec<MemberRecord>> {
    may_manage(q.conn, q.actor, case_id).await?;
    let rows = members::list(q.conn, q.org, case_id, after, limit).await?;
    q.audit(
        "case_member.list",
        "case_member",
        rows.iter().map(|r| r.id).collect(),
        Some(case_id),
    );
    Ok(rows)
}

/// Revokes a grant at once.
pub async fn revoke(tx: &mut Tx<'_>, case_id: Uuid, member_id: Uuid) -> AppResult<MemberRecord> {
    may_manage(tx.conn, tx.actor, case_id).await?;
    let row = members::revoke(tx.conn, tx.org, case_id, member_id)
        .await?
        .ok_or(AppError::NotFound("grant"))?;
    tx.audit(
        "case_member.revoke",
        "case_member",
        vec![member_id],
        Some(case_id),
    );
    Ok(row)
}
