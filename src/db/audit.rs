//! The audit trail's storage: rows of ids only, never health data.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::audit_events;

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_events)]
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

/// Writes the rows in one statement.
pub async fn insert(conn: &mut AsyncPgConnection, rows: &[AuditRow]) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    diesel::insert_into(audit_events::table)
        .values(rows)
        .execute(conn)
        .await?;
    Ok(())
}
