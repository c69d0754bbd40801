//! Conversations: the appointment where the opinion was shared, how the oncologist answered,
//! and the follow-up work an answer calls for.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::tasks::{NewTask, add};
use super::{AppError, AppResult, Reader, Tx, access, cases};
use crate::db::{conversations, opinions, summaries, tasks};
use crate::domain::case_status::CaseStatus;
use crate::domain::discordance::{Classification, Scenario};
use crate::domain::tasks::{OncologistResponse, conversation_follow_ups};
use crate::events::Event;
use crate::events::catalogue::TaskCause;

pub use crate::db::conversations::ConversationRow as ConversationRecord;

/// A conversation as a coordinator records it; `attendees` are kept as sent.
#[derive(Debug, Clone)]
pub struct NewConversation {
    pub held_on: NaiveDate,
    pub summary_id: Option<Uuid>,
    pub attendees: serde_json::Value,
    pub response: OncologistResponse,
    pub notes: Option<String>,
}

/// Records the conversation; follow-up tasks open for an answer that calls for them (a
/// dismissal of a diagnosis discordance, a changed plan); the case moves to
/// `shared_with_oncologist`. Returns the record and the follow-up tasks' ids.
pub async fn record(
    tx: &mut Tx<'_>,
    case_id: Uuid,
    new: NewConversation,
) -> AppResult<(ConversationRecord, Vec<Uuid>)> {
    access::case(tx.conn, tx.actor, case_id).await?;
    if let Some(summary) = new.summary_id
        && !summaries::of_case_exists(tx.conn, tx.org, case_id, summary).await?
    {
        return Err(AppError::unprocessable_field(
            "summary_id",
            "names no summary of this case",
        ));
    }
    let row = conversations::insert(
        tx.conn,
        &ConversationRecord {
            org_id: tx.org,
            id: Uuid::now_v7(),
            case_id,
            summary_id: new.summary_id,
            held_on: new.held_on,
            attendees: new.attendees,
            response: super::assessing::code(new.response),
            notes: new.notes,
            created_by: tx.created_by(),
            created_at: Utc::now(),
        },
    )
    .await?;
    let scenarios: Vec<Scenario> = opinions::current_results_for_case(tx.conn, tx.org, case_id)
        .await?
        .into_iter()
        .filter_map(|result| serde_json::from_value::<Classification>(result).ok())
        .flat_map(|c| c.scenarios)
        .collect();
    let open: Vec<String> = tasks::open_for_case(tx.conn, tx.org, case_id)
        .await?
        .into_iter()
        .map(|t| t.kind)
        .collect();
    let mut follow_ups = Vec::new();
    for (kind, title) in conversation_follow_ups(new.response, &scenarios) {
        if open.iter().any(|k| k == kind) {
            continue;
        }
        let task = NewTask {
            case_id,
            kind: kind.into(),
            title: title.into(),
            assignee: None,
            due_date: Some(Utc::now().date_naive() + chrono::Days::new(7)),
        };
        let task = add(tx, task, TaskCause::Conversation(row.id)).await?;
        follow_ups.push(task.id);
    }
    tx.audit(
        "conversation.create",
        "conversation",
        vec![row.id],
        Some(case_id),
    );
    tx.emit(Event::ConversationRecorded {
        case_id,
        conversation_id: row.id,
        response: row.response.clone(),
        follow_up_task_ids: follow_ups.clone(),
    });
    cases::advance(tx, case_id, CaseStatus::SharedWithOncologist).await?;
    Ok((row, follow_ups))
}

/// A page of a case's conversations, newest first.
pub async fn of_case(
    q: &mut Reader<'_>,
    case_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> AppResult<Vec<ConversationRecord>> {
    access::case(q.conn, q.actor, case_id).await?;
    let rows = conversations::of_case(q.conn, q.org, case_id, after, limit).await?;
    q.audit(
        "conversation.list",
        "conversation",
        rows.iter().map(|r| r.id).collect(),
        Some(case_id),
    );
    Ok(rows)
}
