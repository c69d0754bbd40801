//! The audit trail's storage: rows of ids only, never health data.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use super::newest_first;
use super::schema::audit_events;

#[derive(Debug, Clone, Serialize)]
pub struct AuditRow {
    pub org_id: Uuid,
    pub id: Uuid,
    pub actor_kind: &'static str,
    pub actor_id: String,
    pub actor_role: Option<String>,
    pub action: String,
    pub object_type: &'static str,
    pub object_ids: Vec<Uuid>,
    pub case_id: Option<Uuid>,
    pub request_id: String,
    pub outcome: &'static str,
    pub client_ip: Option<String>,
}

/// Writes the rows in one statement (the unit of work's, with no events).
pub async fn insert(conn: &mut AsyncPgConnection, rows: &[AuditRow]) -> QueryResult<()> {
    match rows.first() {
        Some(first) => super::unit::write(conn, first.org_id, rows, &[], None, &[]).await,
        None => Ok(()),
    }
}

/// An audit row as read back.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditEventRow {
    pub id: Uuid,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    pub actor_kind: String,
    pub actor_id: String,
    pub actor_role: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_ids: Vec<Uuid>,
    pub case_id: Option<Uuid>,
    pub request_id: String,
    pub outcome: String,
    pub client_ip: Option<String>,
}

/// Filters of the audit trail.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub case_id: Option<Uuid>,
    pub actor_id: Option<String>,
    pub action: Option<String>,
    pub object_type: Option<String>,
    /// Rows naming this object.
    pub object_id: Option<Uuid>,
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    pub until: Option<chrono::DateTime<chrono::Utc>>,
    pub after: Option<(chrono::DateTime<chrono::Utc>, Uuid)>,
    pub limit: i64,
}

/// The organisation's audit rows, newest first.
pub async fn list(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    f: &AuditFilter,
) -> QueryResult<Vec<AuditEventRow>> {
    let mut q = newest_first!(
        audit_events::table.filter(audit_events::org_id.eq(org_id)),
        audit_events::occurred_at,
        audit_events::id,
        f.after,
        f.limit
    );
    if let Some(c) = f.case_id {
        q = q.filter(audit_events::case_id.eq(c));
    }
    if let Some(a) = &f.actor_id {
        q = q.filter(audit_events::actor_id.eq(a.clone()));
    }
    if let Some(a) = &f.action {
        q = q.filter(audit_events::action.eq(a.clone()));
    }
    if let Some(t) = &f.object_type {
        q = q.filter(audit_events::object_type.eq(t.clone()));
    }
    if let Some(o) = f.object_id {
        q = q.filter(audit_events::object_ids.contains(vec![o]));
    }
    if let Some(s) = f.since {
        q = q.filter(audit_events::occurred_at.ge(s));
    }
    if let Some(u) = f.until {
        q = q.filter(audit_events::occurred_at.lt(u));
    }
    q.select(AuditEventRow::as_select()).load(conn).await
}
