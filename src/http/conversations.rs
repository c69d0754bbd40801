//! Conversations: the appointment where the opinion was shared, and what the oncologist said.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::State;
use super::caller::Caller;
use super::idempotency::{IdempotencyKey, respond};
use super::json::{RequestBody, ValidJson};
use super::pagination::{Page, PageQuery, PageRequest};
use super::problem::ApiResult;
use crate::app::Creation;
use crate::app::conversations::{self, ConversationRecord};
use crate::auth::policy::{Op, Permission, Resource};
use crate::domain::tasks::OncologistResponse;
use crate::domain::validation::{FieldErrors, check_text};

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

fn view(row: ConversationRecord, follow_ups: Vec<Uuid>) -> Conversation {
    Conversation {
        id: row.id,
        case_id: row.case_id,
        summary_id: row.summary_id,
        held_on: row.held_on,
        attendees: serde_json::from_value(row.attendees).unwrap_or_default(),
        response: serde_json::from_value(serde_json::Value::from(row.response))
            .unwrap_or(OncologistResponse::Agreed),
        notes: row.notes,
        follow_up_task_ids: follow_ups,
        created_by: row.created_by,
        created_at: row.created_at,
    }
}

/// Record the appointment where the opinion was shared and how the oncologist answered.
///
/// Coordinators and clinicians, on a case of their organisation; a `summary_id`, when given, must
/// name a summary of this case (422). An answer that calls for follow-up opens those tasks, due in
/// 7 days, unless a task of that kind is open. Sends `conversation.recorded`, moves the case on to
/// `shared_with_oncologist`, audited; Idempotency-Key retries replay.
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
#[post("/{id}/conversations")]
pub async fn record_conversation(
    state: State,
    caller: Caller,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    body: ValidJson<NewConversation>,
) -> ApiResult<HttpResponse> {
    let permit = caller.permit(Permission::Role(Resource::Conversation, Op::Create))?;
    let once = key.once(&caller, &req, &body.raw);
    let case_id = *id;
    let c = body.into_inner();
    let new = conversations::NewConversation {
        held_on: c.held_on,
        summary_id: c.summary_id,
        attendees: serde_json::to_value(&c.attendees).unwrap_or_default(),
        response: c.response,
        notes: c.notes,
    };
    let creation = state
        .app
        .create_once(permit, once.as_ref(), async |tx| {
            let (row, follow_ups) = conversations::record(tx, case_id, new).await?;
            let location = format!("/v1/cases/{case_id}/conversations");
            Ok(Creation::created(view(row, follow_ups)).at(location))
        })
        .await?;
    Ok(respond(creation))
}

/// A case's conversations, newest first.
///
/// For coordinators, clinicians and admins, on a case of their organisation (else a 404). Paged
/// with `limit` and `cursor`: pass back `next_cursor` until it is null. The read is audited.
#[utoipa::path(tag = "conversations", params(("id" = Uuid, Path), PageQuery), responses((status = 200, description = "Conversations", body = ConversationList)), security(("jwt" = [])))]
#[get("/{id}/conversations")]
pub async fn list_conversations(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<ConversationList>> {
    let permit = caller.permit(Permission::Role(Resource::Conversation, Op::Read))?;
    let page = PageRequest::new(query.limit, query.cursor.as_deref(), &*id)?;
    let rows = state
        .app
        .read(permit, async |q| {
            conversations::of_case(q, *id, page.after, page.fetch()).await
        })
        .await?;
    let Page { items, next_cursor } =
        page.page(rows, |r| (r.created_at, r.id), |r| view(r, Vec::new()));
    Ok(web::Json(ConversationList { items, next_cursor }))
}
