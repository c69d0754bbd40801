//! `GET /v1/audit-events`: the organisation's audit trail, for administrators.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::State;
use super::caller::Caller;
use super::pagination::{Page, PageRequest};
use super::problem::ApiResult;
use crate::app::audit::{self, AuditEventRecord, AuditFilter};
use crate::auth::policy::{Op, Permission, Resource};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_audit_events);
}

#[derive(Debug, Serialize, ToSchema)]
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

impl From<AuditEventRecord> for AuditEvent {
    fn from(r: AuditEventRecord) -> AuditEvent {
        AuditEvent {
            id: r.id,
            occurred_at: r.occurred_at,
            actor_kind: r.actor_kind,
            actor_id: r.actor_id,
            actor_role: r.actor_role,
            action: r.action,
            object_type: r.object_type,
            object_ids: r.object_ids,
            case_id: r.case_id,
            request_id: r.request_id,
            outcome: r.outcome,
            client_ip: r.client_ip,
        }
    }
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
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// The organisation's audit events, newest first (administrators).
///
/// Filter by `case_id`, `actor_id`, `action`, `object_type`, `object_id`, `since` or `until`. Paged
/// with `limit` and `cursor`: pass back `next_cursor` until it is null. Reading the trail is itself
/// audited.
#[utoipa::path(tag = "audit", params(AuditQuery), responses((status = 200, description = "A page of audit events", body = Page<AuditEvent>)), security(("jwt" = [])))]
#[get("")]
pub async fn list_audit_events(
    state: State,
    caller: Caller,
    query: web::Query<AuditQuery>,
) -> ApiResult<web::Json<Page<AuditEvent>>> {
    let permit = caller.permit(Permission::Role(Resource::AuditEvent, Op::Read))?;
    let page = PageRequest::new(query.limit, query.cursor.as_deref(), &*query)?;
    let filter = AuditFilter {
        case_id: query.case_id,
        actor_id: query.actor_id.clone(),
        action: query.action.clone(),
        object_type: query.object_type.clone(),
        object_id: query.object_id,
        since: query.since,
        until: query.until,
        after: page.after,
        limit: page.fetch(),
    };
    let rows = state
        .app
        .read(permit, async |q| audit::trail(q, filter).await)
        .await?;
    Ok(web::Json(page.page(
        rows,
        |r| (r.occurred_at, r.id),
        AuditEvent::from,
    )))
}
