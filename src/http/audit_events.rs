//! `GET /v1/audit-events`: the organisation's audit trail, for administrators.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::State;
use super::caller::Caller;
use super::pagination::{Page, PageRequest};
use super::problem::ApiResult;
use crate::audit;
use crate::auth::policy::{self, Op, Resource};
use crate::db::schema::audit_events;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_audit_events);
}

#[derive(Debug, Serialize, ToSchema, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    /// user, api_key, share_link, operator or system.
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

#[derive(Debug, Deserialize, Serialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    pub case_id: Option<Uuid>,
    pub actor_id: Option<String>,
    pub action: Option<String>,
    pub object_type: Option<String>,
    /// Events of one object.
    pub object_id: Option<Uuid>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    #[serde(skip_serializing)]
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[serde(skip_serializing)]
    pub cursor: Option<String>,
}

/// The organisation's audit events, newest first (administrators).
#[utoipa::path(tag = "audit", params(AuditQuery), responses((status = 200, description = "A page of audit events", body = Page<AuditEvent>)), security(("jwt" = [])))]
#[get("/audit-events")]
pub async fn list_audit_events(
    state: State,
    caller: Caller,
    query: web::Query<AuditQuery>,
) -> ApiResult<web::Json<Page<AuditEvent>>> {
    policy::require(&caller, Resource::AuditEvent, Op::Read)?;
    let page = PageRequest::new(query.limit, query.cursor.as_deref(), &*query)?;
    let mut q = audit_events::table
        .filter(audit_events::org_id.eq(caller.org_id()))
        .into_boxed();
    if let Some(c) = query.case_id {
        q = q.filter(audit_events::case_id.eq(c));
    }
    if let Some(a) = &query.actor_id {
        q = q.filter(audit_events::actor_id.eq(a.clone()));
    }
    if let Some(a) = &query.action {
        q = q.filter(audit_events::action.eq(a.clone()));
    }
    if let Some(t) = &query.object_type {
        q = q.filter(audit_events::object_type.eq(t.clone()));
    }
    if let Some(o) = query.object_id {
        q = q.filter(audit_events::object_ids.contains(vec![o]));
    }
    if let Some(s) = query.since {
        q = q.filter(audit_events::occurred_at.ge(s));
    }
    if let Some(u) = query.until {
        q = q.filter(audit_events::occurred_at.lt(u));
    }
    if let Some((t, id)) = page.after {
        q = q.filter(
            audit_events::occurred_at
                .lt(t)
                .or(audit_events::occurred_at.eq(t).and(audit_events::id.lt(id))),
        );
    }
    let mut conn = state.db.get().await?;
    let rows: Vec<AuditEvent> = q
        .order((audit_events::occurred_at.desc(), audit_events::id.desc()))
        .limit(page.fetch())
        .select(AuditEvent::as_select())
        .load(&mut conn)
        .await?;
    // Reading the audit trail is an admin action, and is audited too.
    audit::write(
        &mut conn,
        caller.audit("audit_event.list", "audit_event", vec![], query.case_id),
    )
    .await?;
    Ok(web::Json(page.page(rows, |r| (r.occurred_at, r.id), |r| r)))
}
