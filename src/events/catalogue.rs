//! Every event the service emits, typed: what happened and the ids, statuses and codes a
//! coordinator tool needs, never names or clinical free text. `data` renders the payload
//! (`case_id` and `links.case` always, plus the event's own fields and links).

use chrono::NaiveDate;
use serde_json::{Value, json};
use uuid::Uuid;

use super::links::Links;

/// Every event type, as `api.md` lists them (webhook subscriptions and the feed filter name these).
pub const EVENT_TYPES: [&str; 16] = [
    "case.created",
    "case.updated",
    "plan.revised",
    "referral.created",
    "referral.updated",
    "second_opinion.received",
    "assessment.created",
    "assessment.overridden",
    "summary.generated",
    "share_link.opened",
    "conversation.recorded",
    "task.created",
    "task.completed",
    "assessment.signed_off",
    "summary.released",
    "second_opinion.withdrawn",
];

/// A case's status as events report it.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseState {
    pub case_id: Uuid,
    pub status: String,
    pub treatment_status: String,
}

/// A referral's status as events report it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferralState {
    pub case_id: Uuid,
    pub referral_id: Uuid,
    pub partner_id: Uuid,
    pub status: String,
}

/// A task as events report it.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskState {
    pub case_id: Uuid,
    pub task_id: Uuid,
    pub kind: String,
    pub status: String,
    pub due_date: Option<NaiveDate>,
}

/// What opened a task.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TaskCause {
    /// Someone opened it by hand.
    Request,
    /// An action of this assessment calls for it.
    Assessment(Uuid),
    /// A conversation's follow-up.
    Conversation(Uuid),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    CaseCreated(CaseState),
    CaseUpdated(CaseState),
    /// The patient was erased: the case keeps its ids only.
    CaseErased {
        case_id: Uuid,
    },
    PlanRevised {
        case_id: Uuid,
        plan_version: i32,
    },
    ReferralCreated(ReferralState),
    /// A referral accepted, declined or withdrawn.
    ReferralMoved(ReferralState),
    /// The partner's opinion answered the referral.
    ReferralAnswered(ReferralState),
    SecondOpinionReceived {
        case_id: Uuid,
        second_opinion_id: Uuid,
        referral_id: Option<Uuid>,
        supersedes: Option<Uuid>,
    },
    /// A partner withdrew an opinion (a FHIR document entered in error).
    SecondOpinionWithdrawn {
        case_id: Uuid,
        second_opinion_id: Uuid,
        referral_id: Option<Uuid>,
    },
    AssessmentCreated {
        case_id: Uuid,
        assessment_id: Uuid,
        second_opinion_id: Uuid,
        plan_version: i32,
        outcome: String,
        primary_scenario: String,
        urgency: String,
        /// False while the result waits for a clinician's sign-off.
        released: bool,
    },
    AssessmentOverridden {
        case_id: Uuid,
        assessment_id: Uuid,
        outcome: String,
        primary_scenario: String,
        urgency: String,
        computed_outcome: String,
        computed_primary_scenario: String,
    },
    SummaryGenerated {
        case_id: Uuid,
        summary_id: Uuid,
        assessment_id: Uuid,
        language: String,
        /// False while the summary is held back from the patient.
        released: bool,
    },
    /// A clinician signed off a held result; never carries the clinician's reason.
    AssessmentSignedOff {
        case_id: Uuid,
        assessment_id: Uuid,
        sign_off_id: Uuid,
        released: bool,
        outcome: String,
        primary_scenario: String,
    },
    /// A sign-off released a summary to the patient.
    SummaryReleased {
        case_id: Uuid,
        summary_id: Uuid,
        assessment_id: Uuid,
    },
    ShareLinkOpened {
        case_id: Uuid,
        share_link_id: Uuid,
        summary_id: Uuid,
        format: &'static str,
    },
    ConversationRecorded {
        case_id: Uuid,
        conversation_id: Uuid,
        response: String,
        follow_up_task_ids: Vec<Uuid>,
    },
    TaskCreated {
        task: TaskState,
        cause: TaskCause,
    },
    TaskCompleted(TaskState),
}

impl Event {
    /// The event's type, as subscriptions and the feed name it.
    pub fn event_type(&self) -> &'static str {
        match self {
            Event::CaseCreated(_) => "case.created",
            Event::CaseUpdated(_) | Event::CaseErased { .. } => "case.updated",
            Event::PlanRevised { .. } => "plan.revised",
            Event::ReferralCreated(_) => "referral.created",
            Event::ReferralMoved(_) | Event::ReferralAnswered(_) => "referral.updated",
            Event::SecondOpinionReceived { .. } => "second_opinion.received",
            Event::SecondOpinionWithdrawn { .. } => "second_opinion.withdrawn",
            Event::AssessmentCreated { .. } => "assessment.created",
            Event::AssessmentOverridden { .. } => "assessment.overridden",
            Event::SummaryGenerated { .. } => "summary.generated",
            Event::AssessmentSignedOff { .. } => "assessment.signed_off",
            Event::SummaryReleased { .. } => "summary.released",
            Event::ShareLinkOpened { .. } => "share_link.opened",
            Event::ConversationRecorded { .. } => "conversation.recorded",
            Event::TaskCreated { .. } => "task.created",
            Event::TaskCompleted(_) => "task.completed",
        }
    }

    pub fn case_id(&self) -> Uuid {
        match self {
            Event::CaseCreated(c) | Event::CaseUpdated(c) => c.case_id,
            Event::ReferralCreated(r) | Event::ReferralMoved(r) | Event::ReferralAnswered(r) => {
                r.case_id
            }
            Event::TaskCreated { task, .. } | Event::TaskCompleted(task) => task.case_id,
            Event::CaseErased { case_id }
            | Event::PlanRevised { case_id, .. }
            | Event::SecondOpinionReceived { case_id, .. }
            | Event::SecondOpinionWithdrawn { case_id, .. }
            | Event::AssessmentCreated { case_id, .. }
            | Event::AssessmentOverridden { case_id, .. }
            | Event::SummaryGenerated { case_id, .. }
            | Event::AssessmentSignedOff { case_id, .. }
            | Event::SummaryReleased { case_id, .. }
            | Event::ShareLinkOpened { case_id, .. }
            | Event::ConversationRecorded { case_id, .. } => *case_id,
        }
    }

    /// The payload: the event's fields, `case_id`, and `links` with the case's link.
    pub fn data(&self, links: &Links) -> Value {
        let (mut data, own_links) = self.fields(links);
        data["case_id"] = json!(self.case_id());
        let mut all_links = own_links;
        all_links["case"] = json!(links.case(self.case_id()));
        data["links"] = all_links;
        data
    }

    /// The event's own fields and links.
    fn fields(&self, links: &Links) -> (Value, Value) {
        let none = json!({});
        match self {
            Event::CaseCreated(c) | Event::CaseUpdated(c) => (
                json!({"status": c.status, "treatment_status": c.treatment_status}),
                none,
            ),
            Event::CaseErased { .. } => (json!({"erased": true}), none),
            Event::PlanRevised { plan_version, .. } => {
                (json!({"plan_version": plan_version}), none)
            }
            Event::ReferralCreated(r) | Event::ReferralMoved(r) => (
                referral(r),
                json!({"referral": links.to(&format!("/v1/referrals/{}", r.referral_id))}),
            ),
            Event::ReferralAnswered(r) => (referral(r), none),
            Event::SecondOpinionReceived {
                second_opinion_id,
                referral_id,
                supersedes,
                ..
            } => (
                json!({"second_opinion_id": second_opinion_id, "referral_id": referral_id, "supersedes": supersedes}),
                json!({"second_opinion": links.to(&format!("/v1/second-opinions/{second_opinion_id}"))}),
            ),
            Event::SecondOpinionWithdrawn {
                second_opinion_id,
                referral_id,
                ..
            } => (
                json!({"second_opinion_id": second_opinion_id, "referral_id": referral_id, "status": "withdrawn"}),
                json!({"second_opinion": links.to(&format!("/v1/second-opinions/{second_opinion_id}"))}),
            ),
            Event::AssessmentCreated {
                assessment_id,
                second_opinion_id,
                plan_version,
                outcome,
                primary_scenario,
                urgency,
                released,
                ..
            } => (
                json!({"assessment_id": assessment_id, "second_opinion_id": second_opinion_id, "plan_version": plan_version,
                       "outcome": outcome, "primary_scenario": primary_scenario, "urgency": urgency, "released": released}),
                json!({"assessment": links.to(&format!("/v1/assessments/{assessment_id}"))}),
            ),
            Event::AssessmentOverridden {
                assessment_id,
                outcome,
                primary_scenario,
                urgency,
                computed_outcome,
                computed_primary_scenario,
                ..
            } => (
                json!({"assessment_id": assessment_id, "outcome": outcome, "primary_scenario": primary_scenario, "urgency": urgency,
                       "computed_outcome": computed_outcome, "computed_primary_scenario": computed_primary_scenario}),
                none,
            ),
            Event::SummaryGenerated {
                summary_id,
                assessment_id,
                language,
                released,
                ..
            } => (
                json!({"summary_id": summary_id, "assessment_id": assessment_id, "language": language, "released": released}),
                json!({"summary": links.to(&format!("/v1/summaries/{summary_id}"))}),
            ),
            Event::AssessmentSignedOff {
                assessment_id,
                sign_off_id,
                released,
                outcome,
                primary_scenario,
                ..
            } => (
                json!({"assessment_id": assessment_id, "sign_off_id": sign_off_id, "released": released,
                       "outcome": outcome, "primary_scenario": primary_scenario}),
                json!({"assessment": links.to(&format!("/v1/assessments/{assessment_id}"))}),
            ),
            Event::SummaryReleased {
                summary_id,
                assessment_id,
                ..
            } => (
                json!({"summary_id": summary_id, "assessment_id": assessment_id}),
                json!({"summary": links.to(&format!("/v1/summaries/{summary_id}"))}),
            ),
            Event::ShareLinkOpened {
                share_link_id,
                summary_id,
                format,
                ..
            } => (
                json!({"share_link_id": share_link_id, "summary_id": summary_id, "format": format}),
                none,
            ),
            Event::ConversationRecorded {
                conversation_id,
                response,
                follow_up_task_ids,
                ..
            } => (
                json!({"conversation_id": conversation_id, "response": response, "follow_up_task_ids": follow_up_task_ids}),
                none,
            ),
            Event::TaskCreated { task, cause } => {
                let mut data =
                    json!({"task_id": task.task_id, "kind": task.kind, "status": task.status});
                let task_link = json!({"task": links.to(&format!("/v1/tasks/{}", task.task_id))});
                match cause {
                    TaskCause::Request => {
                        data["due_date"] = json!(task.due_date);
                        (data, task_link)
                    }
                    TaskCause::Assessment(id) => {
                        data["due_date"] = json!(task.due_date);
                        data["assessment_id"] = json!(id);
                        (data, task_link)
                    }
                    // Follow-ups carry their conversation, not a due date.
                    TaskCause::Conversation(id) => {
                        data["conversation_id"] = json!(id);
                        (data, none)
                    }
                }
            }
            Event::TaskCompleted(task) => (
                json!({"task_id": task.task_id, "kind": task.kind, "status": task.status, "due_date": task.due_date}),
                json!({"task": links.to(&format!("/v1/tasks/{}", task.task_id))}),
            ),
        }
    }
}

fn referral(r: &ReferralState) -> Value {
    json!({"referral_id": r.referral_id, "partner_id": r.partner_id, "status": r.status})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_type_is_in_the_catalogue_and_carries_its_case() {
        let links = Links::new(url::Url::parse("https://concord.test").expect("url"));
        let case_id = Uuid::now_v7();
        let event = Event::PlanRevised {
            case_id,
            plan_version: 2,
        };
        assert!(EVENT_TYPES.contains(&event.event_type()));
        let data = event.data(&links);
        assert_eq!(data["case_id"], json!(case_id));
        assert_eq!(data["links"]["case"], json!(links.case(case_id)));
        assert_eq!(data["plan_version"], 2);
    }
}
