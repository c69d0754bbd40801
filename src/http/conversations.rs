//! Conversations: the appointment where the opinion was shared, and what the oncologist
//! answered. A dismissal of a diagnosis discordance or a trial not offered opens a follow-up
//! task; a changed plan prompts a new plan version.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::State;
use super::caller::Caller;
use super::idempotency::{self, Created, IdempotencyKey};
use super::json::{RequestBody, ValidJson};
use super::problem::{ApiError, ApiResult};
use super::referrals::advance_case;
use crate::audit;
use crate::auth::policy::{self, Op, Resource};
use crate::db::schema::{assessments, conversations, summaries};
use crate::db::tasks::{self, TaskRow};
use crate::domain::case_status::CaseStatus;
use crate::domain::discordance::{Classification, Scenario};
use crate::domain::tasks::{OncologistResponse, conversation_follow_ups};
use crate::domain::validation::{FieldErrors, check_text};
use crate::events::outbox::{self, Outbox};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(record_conversation).service(list_conversations);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttendeeRole {
    Patient,
    FamilyMember,
    Advocate,
    Coordinator,
    Interpreter,
    Oncologist,
    Other,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Attendee {
    pub role: AttendeeRole,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub name: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"held_on": "2026-12-01", "attendees": [{"role": "patient"}, {"role": "family_member"}],
                          "response": "kept_plan_with_reasons", "notes": "Oncologist explained why FOLFOX suits this patient."}))]
pub struct NewConversation {
    #[schema(value_type = String, format = Date)]
    pub held_on: NaiveDate,
    /// The summary shared at the appointment, if any.
    #[serde(default)]
    pub summary_id: Option<Uuid>,
    #[serde(default)]
    #[schema(max_items = 20)]
    pub attendees: Vec<Attendee>,
    pub response: OncologistResponse,
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub notes: Option<String>,
}

impl RequestBody for NewConversation {
    fn check_state(&self, errors: &mut FieldErrors) {
        if self.held_on > Utc::now().date_naive() {
            errors.add(
                "held_on",
                "is in the future: record a conversation once it took place",
            );
        }
    }

    fn check(&self, errors: &mut FieldErrors) {
        check_text(self.notes.as_deref(), 10_000, "notes".into(), errors);
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Conversation {
    pub id: Uuid,
    pub case_id: Uuid,
    pub summary_id: Option<Uuid>,
    #[schema(value_type = String, format = Date)]
    pub held_on: NaiveDate,
    pub attendees: Vec<Attendee>,
    pub response: OncologistResponse,
    pub notes: Option<String>,
    /// The follow-up tasks this conversation opened.
    pub follow_up_task_ids: Vec<Uuid>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationList {
    pub items: Vec<Conversation>,
    pub next_cursor: Option<String>,
}

type ConversationRow = (
    Uuid,
    Uuid,
    Option<Uuid>,
    NaiveDate,
    serde_json::Value,
    String,
    Option<String>,
    String,
    DateTime<Utc>,
);

fn view(row: ConversationRow, follow_ups: Vec<Uuid>) -> Conversation {
    let (id, case_id, summary_id, held_on, attendees, response, notes, created_by, created_at) =
        row;
    Conversation {
        id,
        case_id,
        summary_id,
        held_on,
        attendees: serde_json::from_value(attendees).unwrap_or_default(),
        response: serde_json::from_value(serde_json::Value::from(response))
            .unwrap_or(OncologistResponse::Agreed),
        notes,
        follow_up_task_ids: follow_ups,
        created_by,
        created_at,
    }
}

/// Record the appointment where the opinion was shared and how the oncologist answered.
#[utoipa::path(
    tag = "conversations",
    params(("id" = Uuid, Path, description = "The case"), ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a retry with the same body")),
    request_body = NewConversation,
    responses(
        (status = 201, description = "Recorded", body = Conversation, headers(("Location" = String))),
        (status = 409, description = "The Idempotency-Key is in flight", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The Idempotency-Key was used with another body", body = super::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("jwt" = [])),
)]
#[post("/cases/{id}/conversations")]
pub async fn record_conversation(
    state: State,
    caller: Caller,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    body: ValidJson<NewConversation>,
) -> ApiResult<HttpResponse> {
    policy::require(&caller, Resource::Conversation, Op::Create)?;
    let scope = idempotency::Scope::new(&caller, &req, &key, &body.raw);
    let case_id = *id;
    let c = body.into_inner();
    let mut conn = state.db.get().await?;
    let created = idempotency::create_once(&mut conn, scope.as_ref(), async |conn| {
            policy::case_access(conn, &caller, case_id).await?;
            let org = caller.org_id();
            if let Some(summary) = c.summary_id {
                let on_case: bool = diesel::select(diesel::dsl::exists(
                    summaries::table.filter(summaries::org_id.eq(org)).filter(summaries::id.eq(summary)).filter(summaries::case_id.eq(case_id)),
                ))
                .get_result(conn)
                .await?;
                if !on_case {
                    return Err(ApiError::unprocessable_field("summary_id", "names no summary of this case"));
                }
            }
            let id = Uuid::now_v7();
            let row: ConversationRow = diesel::insert_into(conversations::table)
                .values((
                    conversations::org_id.eq(org),
                    conversations::id.eq(id),
                    conversations::case_id.eq(case_id),
                    conversations::summary_id.eq(c.summary_id),
                    conversations::held_on.eq(c.held_on),
                    conversations::attendees.eq(serde_json::to_value(&c.attendees).map_err(anyhow::Error::from)?),
                    conversations::response.eq(serde_json::to_value(c.response).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()),
                    conversations::notes.eq(&c.notes),
                    conversations::created_by.eq(caller.created_by()),
                ))
                .returning((
                    conversations::id,
                    conversations::case_id,
                    conversations::summary_id,
                    conversations::held_on,
                    conversations::attendees,
                    conversations::response,
                    conversations::notes,
                    conversations::created_by,
                    conversations::created_at,
                ))
                .get_result(conn)
                .await?;
            let effective: Vec<(Option<serde_json::Value>, serde_json::Value)> = assessments::table
                .filter(assessments::org_id.eq(org))
                .filter(assessments::case_id.eq(case_id))
                .filter(assessments::current.eq(true))
                .select((assessments::effective, assessments::computed))
                .load(conn)
                .await?;
            let scenarios: Vec<Scenario> = effective.into_iter().filter_map(|(overridden, computed)| serde_json::from_value::<Classification>(overridden.unwrap_or(computed)).ok()).flat_map(|c| c.scenarios).collect();
            let base = &state.config.public_base_url;
            let mut follow_ups = Vec::new();
            let mut outbox = Outbox::new(org);
            let open: Vec<String> = tasks::open_for_case(conn, org, case_id).await?.into_iter().map(|t| t.kind).collect();
            for (kind, title) in conversation_follow_ups(c.response, &scenarios) {
                if open.iter().any(|k| k == kind) {
                    continue;
                }
                let now = Utc::now();
                let task = tasks::insert(
                    conn,
                    &TaskRow { org_id: org, id: Uuid::now_v7(), case_id, assessment_id: None, kind: kind.into(), title: title.into(), status: "open".into(), assignee: None, due_date: Some(now.date_naive() + chrono::Days::new(7)), completed_by: None, completed_at: None, created_at: now, updated_at: now },
                )
                .await?;
                outbox.add("task.created", outbox::case_data(base, case_id, serde_json::json!({"task_id": task.id, "kind": task.kind, "status": task.status, "conversation_id": id})));
                follow_ups.push(task.id);
            }
            audit::write(conn, caller.audit("conversation.create", "conversation", vec![id], Some(case_id))).await?;
            outbox.add("conversation.recorded", outbox::case_data(base, case_id, serde_json::json!({"conversation_id": id, "response": row.5, "follow_up_task_ids": follow_ups})));
            advance_case(conn, &state, &mut outbox, org, case_id, CaseStatus::SharedWithOncologist).await?;
            outbox.write(conn).await?;
            let created = Created::new(StatusCode::CREATED, view(row, follow_ups)).at(format!("/v1/cases/{case_id}/conversations"));
            Ok(created)
        })
        .await?;
    Ok(created.response())
}

/// A case's conversations, newest first.
#[utoipa::path(tag = "conversations", params(("id" = Uuid, Path)), responses((status = 200, description = "Conversations", body = ConversationList)), security(("jwt" = [])))]
#[get("/cases/{id}/conversations")]
pub async fn list_conversations(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ConversationList>> {
    policy::require(&caller, Resource::Conversation, Op::Read)?;
    let mut conn = state.db.get().await?;
    policy::case_access(&mut conn, &caller, *id).await?;
    let rows: Vec<ConversationRow> = conversations::table
        .filter(conversations::org_id.eq(caller.org_id()))
        .filter(conversations::case_id.eq(*id))
        .order((conversations::created_at.desc(), conversations::id.desc()))
        .limit(200)
        .select((
            conversations::id,
            conversations::case_id,
            conversations::summary_id,
            conversations::held_on,
            conversations::attendees,
            conversations::response,
            conversations::notes,
            conversations::created_by,
            conversations::created_at,
        ))
        .load(&mut conn)
        .await?;
    audit::write(
        &mut conn,
        caller.audit(
            "conversation.list",
            "conversation",
            rows.iter().map(|r| r.0).collect(),
            Some(*id),
        ),
    )
    .await?;
    Ok(web::Json(ConversationList {
        items: rows.into_iter().map(|r| view(r, Vec::new())).collect(),
        next_cursor: None,
    }))
}
