//! Audit events: one per request that reads or writes health data and per admin action.
//! Ids only, never health data. Written in the request's transaction for writes (so the
//! change and its trace commit together) and before the response for reads; a failed audit
//! write fails the request.

use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::{AppResult, Reader};
use crate::db::audit::AuditRow;

pub use crate::db::audit::{AuditEventRow as AuditEventRecord, AuditFilter};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Denied,
    NotFound,
    Failure,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Denied => "denied",
            Outcome::NotFound => "not_found",
            Outcome::Failure => "failure",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Actor {
    /// user | api_key | share_link | operator | system
    pub kind: &'static str,
    pub id: String,
    pub role: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AuditRecord {
    pub org_id: Uuid,
    pub actor: Actor,
    pub action: String,
    pub object_type: &'static str,
    pub object_ids: Vec<Uuid>,
    pub case_id: Option<Uuid>,
    pub outcome: Outcome,
    pub request_id: String,
    pub client_ip: Option<String>,
}

impl AuditRecord {
    pub fn with_outcome(mut self, outcome: Outcome) -> AuditRecord {
        self.outcome = outcome;
        self
    }
}

impl AuditRecord {
    /// The row as stored, with a time-ordered id taken now: rows keep the order they were made in.
    pub fn into_row(self) -> AuditRow {
        AuditRow {
            org_id: self.org_id,
            id: Uuid::now_v7(),
            actor_kind: self.actor.kind,
            actor_id: self.actor.id,
            actor_role: self.actor.role,
            action: self.action,
            object_type: self.object_type,
            object_ids: self.object_ids,
            case_id: self.case_id,
            request_id: self.request_id,
            outcome: self.outcome.code(),
            client_ip: self.client_ip,
        }
    }
}

pub async fn write(conn: &mut AsyncPgConnection, record: AuditRecord) -> QueryResult<()> {
    crate::db::audit::insert(conn, &[record.into_row()]).await
}

/// A page of the organisation's audit trail, newest first. Reading it is an admin action,
/// and is audited too.
pub async fn trail(q: &mut Reader<'_>, filter: AuditFilter) -> AppResult<Vec<AuditEventRecord>> {
    let rows = crate::db::audit::list(q.conn, q.org, &filter).await?;
    q.audit("audit_event.list", "audit_event", vec![], filter.case_id);
    Ok(rows)
}
