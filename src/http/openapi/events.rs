//! The events in the document: one schema per event's `data`, the feed's `Event` as a union
//! over its `type`, and the OpenAPI 3.1 `webhooks` section with every event's delivery (the
//! Standard Webhooks envelope and headers). A test renders every event the catalogue can emit
//! and validates it against these schemas, so the two cannot drift apart.

use serde_json::{Map, Value, json};

use super::rules::schema_ref;
use crate::events::catalogue::EVENT_TYPES;

/// Each event type and the schemas its `data` may take (two where one type says two things:
/// a case erased, a referral answered without a link of its own).
const EVENTS: [(&str, &[&str]); 16] = [
    ("case.created", &["CaseEventData"]),
    ("case.updated", &["CaseEventData", "CaseErasedEventData"]),
    ("plan.revised", &["PlanRevisedEventData"]),
    ("referral.created", &["ReferralEventData"]),
    ("referral.updated", &["ReferralEventData"]),
    (
        "second_opinion.received",
        &["SecondOpinionReceivedEventData"],
    ),
    ("assessment.created", &["AssessmentCreatedEventData"]),
    ("assessment.overridden", &["AssessmentOverriddenEventData"]),
    ("summary.generated", &["SummaryGeneratedEventData"]),
    ("share_link.opened", &["ShareLinkOpenedEventData"]),
    ("conversation.recorded", &["ConversationRecordedEventData"]),
    ("task.created", &["TaskCreatedEventData"]),
    ("task.completed", &["TaskCompletedEventData"]),
    ("assessment.signed_off", &["AssessmentSignedOffEventData"]),
    ("summary.released", &["SummaryReleasedEventData"]),
    (
        "second_opinion.withdrawn",
        &["SecondOpinionWithdrawnEventData"],
    ),
];

/// `assessment.signed_off` -> `AssessmentSignedOff`, the stem of its schemas' names.
fn title(event_type: &str) -> String {
    event_type
        .split(['.', '_'])
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A `data` object: `case_id`, `links` (the case's, and `own_links` where the event has them),
/// and the event's own fields, all present (nullable ones may be null; see `optional`).
fn data(description: &str, fields: Value, own_links: &[&str]) -> Value {
    let mut properties = Map::new();
    properties.insert("case_id".into(), uuid());
    let mut links = Map::new();
    for name in std::iter::once("case").chain(own_links.iter().copied()) {
        links.insert(name.into(), json!({"type": "string", "format": "uri"}));
    }
    properties.insert(
        "links".into(),
        json!({"type": "object", "description": "Absolute links (from PUBLIC_BASE_URL) to what the event is about.",
               "required": ["case"], "properties": links, "additionalProperties": false}),
    );
    let mut required = vec![json!("case_id"), json!("links")];
    for (name, field) in fields.as_object().cloned().unwrap_or_default() {
        required.push(json!(name));
        properties.insert(name, field);
    }
    json!({"type": "object", "description": description, "required": required,
           "properties": properties, "additionalProperties": false})
}

/// `data` with `fields` no longer required: present only for some causes of the event.
fn optional(mut data: Value, fields: &[&str]) -> Value {
    if let Some(required) = data["required"].as_array_mut() {
        required.retain(|name| !fields.iter().any(|f| name == f));
    }
    data
}

fn uuid() -> Value {
    json!({"type": "string", "format": "uuid"})
}

fn date_or_null() -> Value {
    json!({"type": ["string", "null"], "format": "date"})
}

fn uuid_or_null() -> Value {
    json!({"type": ["string", "null"], "format": "uuid"})
}

pub(super) fn events(doc: &mut Value) {
    let schemas = &mut doc["components"]["schemas"];
    schemas["EventType"] = json!({
        "type": "string",
        "description": "What happened; webhook subscriptions and the feed's `type` filter name these.",
        "enum": EVENT_TYPES,
    });
    let task = |extra: Value| {
        let mut fields = json!({"task_id": uuid(), "kind": {"type": "string"}, "status": schema_ref("TaskStatus")});
        for (k, v) in extra.as_object().cloned().unwrap_or_default() {
            fields[k] = v;
        }
        fields
    };
    let definitions = [
        (
            "CaseEventData",
            data(
                "A case opened or changed: its status and treatment status.",
                json!({"status": schema_ref("CaseStatus"), "treatment_status": schema_ref("TreatmentStatus")}),
                &[],
            ),
        ),
        (
            "CaseErasedEventData",
            data(
                "The patient was erased: the case keeps its ids only.",
                json!({"erased": {"type": "boolean", "const": true}}),
                &[],
            ),
        ),
        (
            "PlanRevisedEventData",
            data(
                "A new version of the current plan.",
                json!({"plan_version": {"type": "integer", "format": "int32", "minimum": 1}}),
                &[],
            ),
        ),
        (
            "ReferralEventData",
            data(
                "A referral sent, accepted, declined, withdrawn or answered; an answered one has no link of its own.",
                json!({"referral_id": uuid(), "partner_id": uuid(), "status": schema_ref("ReferralStatus")}),
                &["referral"],
            ),
        ),
        (
            "SecondOpinionReceivedEventData",
            data(
                "A partner's opinion (or one recorded by staff) was received; `supersedes` names the opinion it replaces.",
                json!({"second_opinion_id": uuid(), "referral_id": uuid_or_null(), "supersedes": uuid_or_null()}),
                &["second_opinion"],
            ),
        ),
        (
            "SecondOpinionWithdrawnEventData",
            data(
                "A partner withdrew an opinion (a FHIR document entered in error).",
                json!({"second_opinion_id": uuid(), "referral_id": uuid_or_null(), "status": {"type": "string", "const": "withdrawn"}}),
                &["second_opinion"],
            ),
        ),
        (
            "AssessmentCreatedEventData",
            data(
                "An opinion was classified against the current plan; `released` is false while the result waits for a clinician's sign-off.",
                json!({"assessment_id": uuid(), "second_opinion_id": uuid(), "plan_version": {"type": "integer", "format": "int32"},
                   "outcome": schema_ref("Outcome"), "primary_scenario": schema_ref("Scenario"), "urgency": schema_ref("Urgency"), "released": {"type": "boolean"}}),
                &["assessment"],
            ),
        ),
        (
            "AssessmentOverriddenEventData",
            data(
                "A clinician overrode the result; the computed one stays beside it.",
                json!({"assessment_id": uuid(), "outcome": schema_ref("Outcome"), "primary_scenario": schema_ref("Scenario"), "urgency": schema_ref("Urgency"),
                   "computed_outcome": schema_ref("Outcome"), "computed_primary_scenario": schema_ref("Scenario")}),
                &[],
            ),
        ),
        (
            "SummaryGeneratedEventData",
            data(
                "A patient summary was written; `released` is false while it is held back from the patient.",
                json!({"summary_id": uuid(), "assessment_id": uuid(), "language": {"type": "string", "examples": ["en"]}, "released": {"type": "boolean"}}),
                &["summary"],
            ),
        ),
        (
            "AssessmentSignedOffEventData",
            data(
                "A clinician signed off a held result (the reason is never carried).",
                json!({"assessment_id": uuid(), "sign_off_id": uuid(), "released": {"type": "boolean"}, "outcome": schema_ref("Outcome"), "primary_scenario": schema_ref("Scenario")}),
                &["assessment"],
            ),
        ),
        (
            "SummaryReleasedEventData",
            data(
                "A sign-off released a summary to the patient.",
                json!({"summary_id": uuid(), "assessment_id": uuid()}),
                &["summary"],
            ),
        ),
        (
            "ShareLinkOpenedEventData",
            data(
                "The treating oncologist (or whoever holds the link) opened a shared summary.",
                json!({"share_link_id": uuid(), "summary_id": uuid(), "format": {"type": "string", "enum": ["html", "pdf"]}}),
                &[],
            ),
        ),
        (
            "ConversationRecordedEventData",
            data(
                "The conversation with the oncologist was recorded, with the follow-up tasks it opened.",
                json!({"conversation_id": uuid(), "response": schema_ref("OncologistResponse"), "follow_up_task_ids": {"type": "array", "items": uuid()}}),
                &[],
            ),
        ),
        (
            "TaskCreatedEventData",
            optional(
                data(
                    "A task was opened: by hand, by an assessment's action (`assessment_id`), or as a conversation's follow-up (`conversation_id`, no due date and no link).",
                    task(
                        json!({"due_date": date_or_null(), "assessment_id": uuid(), "conversation_id": uuid()}),
                    ),
                    &["task"],
                ),
                &["due_date", "assessment_id", "conversation_id"],
            ),
        ),
        (
            "TaskCompletedEventData",
            data(
                "A task was completed.",
                task(json!({"due_date": date_or_null()})),
                &["task"],
            ),
        ),
    ];
    for (name, definition) in definitions {
        schemas[name] = definition;
    }

    // One envelope per event type: the feed's event (with its id) and the webhook body
    // (the id travels as the `webhook-id` header).
    let mut feed_variants = Vec::new();
    let mut webhooks = Map::new();
    for (event_type, data_schemas) in EVENTS {
        let data = match data_schemas {
            [one] => schema_ref(one),
            many => json!({"oneOf": many.iter().map(|s| schema_ref(s)).collect::<Vec<_>>()}),
        };
        let title = title(event_type);
        let body = format!("{title}Webhook");
        let event = format!("{title}Event");
        let envelope = |with_id: bool| {
            let mut properties = json!({
                "type": {"type": "string", "const": event_type},
                "timestamp": {"type": "string", "format": "date-time"},
                "data": data.clone(),
            });
            let mut required = vec!["type", "timestamp", "data"];
            if with_id {
                properties["id"] = json!({"type": "string", "format": "uuid", "description": "Also the `webhook-id` of its deliveries."});
                required.insert(0, "id");
            }
            json!({"type": "object", "required": required, "properties": properties, "additionalProperties": false})
        };
        schemas[&body] = envelope(false);
        schemas[&event] = envelope(true);
        feed_variants.push(schema_ref(&event));
        webhooks.insert(event_type.to_string(), json!({"post": {
            "operationId": format!("webhook_{}", event_type.replace('.', "_")),
            "summary": format!("`{event_type}`, delivered to a subscription that names it"),
            "description": "The Standard Webhooks envelope, signed: verify `webhook-signature` (space-separated `v1,<base64 HMAC-SHA256>` over `webhook-id.webhook-timestamp.body`, keyed with the base64-decoded part of the `whsec_` secret; during a rotation every secret still in its overlap signs). Answer 2xx within 10 s; anything else is retried with back-off, and every attempt is kept.",
            "tags": ["webhooks"],
            "security": [{}],
            "parameters": [
                {"name": "webhook-id", "in": "header", "required": true, "description": "The event's id: the same on every retry, so a receiver can drop a duplicate.", "schema": {"type": "string", "format": "uuid"}},
                {"name": "webhook-timestamp", "in": "header", "required": true, "description": "Unix seconds when this attempt was signed; refuse one far from now.", "schema": {"type": "string", "pattern": "^[0-9]+$"}},
                {"name": "webhook-signature", "in": "header", "required": true, "description": "One `v1,<signature>` per signing secret, space-separated.", "schema": {"type": "string", "pattern": "^v1,[A-Za-z0-9+/=]+( v1,[A-Za-z0-9+/=]+)*$"}}
            ],
            "requestBody": {"required": true, "content": {"application/json": {"schema": schema_ref(&body)}}},
            "responses": {
                "200": {"description": "Received; any 2xx will do."},
                "400": {"description": "Refused (a bad signature, say): the delivery is retried with back-off until it gives up."}
            }
        }}));
    }
    schemas["Event"] = json!({
        "description": "An event as the feed carries it; the webhook body is the same without `id`.",
        "oneOf": feed_variants,
        "discriminator": {"propertyName": "type", "mapping": EVENTS.iter().map(|(t, _)| {
            ((*t).to_string(), json!(format!("#/components/schemas/{}Event", title(t))))
        }).collect::<Map<String, Value>>()}
    });
    doc["webhooks"] = Value::Object(webhooks);
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use chrono::NaiveDate;
    use serde_json::json;
    use uuid::Uuid;

    use super::title;
    use crate::events::catalogue::{CaseState, EVENT_TYPES, ReferralState, TaskCause, TaskState};
    use crate::events::{Event, Links};
    use crate::http::json::schema_errors;

    /// One of every event the catalogue can emit, each kind of cause and state included.
    fn every_event() -> Vec<Event> {
        let (case_id, id) = (Uuid::now_v7(), Uuid::now_v7);
        let case = CaseState {
            case_id,
            status: "opinion_received".into(),
            treatment_status: "not_started".into(),
        };
        let referral = ReferralState {
            case_id,
            referral_id: id(),
            partner_id: id(),
            status: "answered".into(),
        };
        let task = |due| TaskState {
            case_id,
            task_id: id(),
            kind: "check_trial_eligibility".into(),
            status: "open".into(),
            due_date: due,
        };
        let due = NaiveDate::from_ymd_opt(2026, 12, 20);
        vec![
            Event::CaseCreated(case.clone()),
            Event::CaseUpdated(case),
            Event::CaseErased { case_id },
            Event::PlanRevised {
                case_id,
                plan_version: 2,
            },
            Event::ReferralCreated(referral.clone()),
            Event::ReferralMoved(referral.clone()),
            Event::ReferralAnswered(referral),
            Event::SecondOpinionReceived {
                case_id,
                second_opinion_id: id(),
                referral_id: Some(id()),
                supersedes: None,
            },
            Event::SecondOpinionReceived {
                case_id,
                second_opinion_id: id(),
                referral_id: None,
                supersedes: Some(id()),
            },
            Event::SecondOpinionWithdrawn {
                case_id,
                second_opinion_id: id(),
                referral_id: Some(id()),
            },
            Event::AssessmentCreated {
                case_id,
                assessment_id: id(),
                second_opinion_id: id(),
                plan_version: 1,
                outcome: "contradicts".into(),
                primary_scenario: "different_treatment".into(),
                urgency: "before_next_decision".into(),
                released: false,
            },
            Event::AssessmentOverridden {
                case_id,
                assessment_id: id(),
                outcome: "refines".into(),
                primary_scenario: "diagnosis_refined".into(),
                urgency: "routine".into(),
                computed_outcome: "contradicts".into(),
                computed_primary_scenario: "diagnosis_discordance".into(),
            },
            Event::SummaryGenerated {
                case_id,
                summary_id: id(),
                assessment_id: id(),
                language: "es".into(),
                released: true,
            },
            Event::AssessmentSignedOff {
                case_id,
                assessment_id: id(),
                sign_off_id: id(),
                released: true,
                outcome: "confirms".into(),
                primary_scenario: "confirms_plan".into(),
            },
            Event::SummaryReleased {
                case_id,
                summary_id: id(),
                assessment_id: id(),
            },
            Event::ShareLinkOpened {
                case_id,
                share_link_id: id(),
                summary_id: id(),
                format: "pdf",
            },
            Event::ConversationRecorded {
                case_id,
                conversation_id: id(),
                response: "plan_changed".into(),
                follow_up_task_ids: vec![id()],
            },
            Event::TaskCreated {
                task: task(due),
                cause: TaskCause::Request,
            },
            Event::TaskCreated {
                task: task(None),
                cause: TaskCause::Assessment(id()),
            },
            Event::TaskCreated {
                task: task(None),
                cause: TaskCause::Conversation(id()),
            },
            Event::TaskCompleted(task(due)),
        ]
    }

    #[test]
    fn every_event_the_catalogue_emits_is_what_its_schemas_say() {
        let links = Links::new(url::Url::parse("https://concord.test/api/").expect("url"));
        let mut seen = BTreeSet::new();
        for event in every_event() {
            let event_type = event.event_type();
            seen.insert(event_type);
            let body = json!({"type": event_type, "timestamp": "2026-12-07T10:00:00.000Z", "data": event.data(&links)});
            let webhook = format!("{}Webhook", title(event_type));
            let errors = schema_errors(&webhook, &body);
            assert!(
                errors.is_empty(),
                "{event_type} as {webhook}: {errors:?}\n{body}"
            );
            let mut fed = body;
            fed["id"] = json!(Uuid::now_v7());
            let errors = schema_errors("Event", &fed);
            assert!(
                errors.is_empty(),
                "{event_type} in the feed: {errors:?}\n{fed}"
            );
        }
        assert_eq!(
            seen,
            EVENT_TYPES.into_iter().collect(),
            "an event type has no sample"
        );
    }

    #[test]
    fn a_payload_off_its_schema_is_caught() {
        let links = Links::new(url::Url::parse("https://concord.test/").expect("url"));
        let mut data = Event::PlanRevised {
            case_id: Uuid::now_v7(),
            plan_version: 2,
        }
        .data(&links);
        data["patient_name"] = json!("Ana");
        let body =
            json!({"type": "plan.revised", "timestamp": "2026-12-07T10:00:00.000Z", "data": data});
        assert!(!schema_errors("PlanRevisedWebhook", &body).is_empty());
        let wrong_type = json!({"type": "case.created", "timestamp": "2026-12-07T10:00:00.000Z", "data": body["data"]});
        assert!(!schema_errors("PlanRevisedWebhook", &wrong_type).is_empty());
    }
}
