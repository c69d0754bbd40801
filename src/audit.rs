//! Audit events: one per request that reads or writes health data and per admin action.
//! Ids only, never health data. Written in the request's transaction for writes (so the
//! change and its trace commit together) and before the response for reads; a failed audit
//! write fails the request.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::audit_events;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Denied,
    NotFound,
    Failure,
}

impl Outcome {
    fn code(self) -> &'static str {
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

pub async fn write(conn: &mut AsyncPgConnection, record: AuditRecord) -> QueryResult<()> {
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::org_id.eq(record.org_id),
            audit_events::id.eq(Uuid::now_v7()),
            audit_events::actor_kind.eq(record.actor.kind),
            audit_events::actor_id.eq(record.actor.id),
            audit_events::actor_role.eq(record.actor.role),
            audit_events::action.eq(record.action),
            audit_events::object_type.eq(record.object_type),
            audit_events::object_ids.eq(record.object_ids),
            audit_events::case_id.eq(record.case_id),
            audit_events::request_id.eq(record.request_id),
            audit_events::outcome.eq(record.outcome.code()),
            audit_events::client_ip.eq(record.client_ip),
        ))
        .execute(conn)
        .await?;
    Ok(())
}
