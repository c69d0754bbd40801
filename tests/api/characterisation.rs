//! Characterisation of the whole workflow: one scripted flow through every kind of write (and
//! the reads that audit), then a snapshot of the event feed and of the audit trail. Written
//! before the handlers' workflows moved into use cases, so that the move is held to the events
//! and audit rows the service wrote before it, not only to the few fields other tests check.
//!
//! Ids are replaced by `<idN>` in order of first appearance (so relations between rows stay
//! visible), dates and times by `<date>` / `<time>`, and the server's address by `<base>`.

use std::collections::HashMap;

use concord::auth::Role;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

/// Replaces ids, dates and the base address inside JSON values and strings.
pub struct Redactor {
    base: String,
    ids: HashMap<String, usize>,
}

impl Redactor {
    pub fn new(base: &str) -> Redactor {
        Redactor {
            base: base.to_string(),
            ids: HashMap::new(),
        }
    }

    pub fn id(&mut self, id: &str) -> String {
        let next = self.ids.len() + 1;
        format!("<id{}>", self.ids.entry(id.to_string()).or_insert(next))
    }

    /// A string with every UUID, date and time in it replaced, in order of appearance.
    pub fn text(&mut self, text: &str) -> String {
        let text = text.replace(&self.base, "<base>");
        let mut out = String::new();
        let mut rest = text.as_str();
        while !rest.is_empty() {
            if let Some(candidate) = rest.get(..36)
                && Uuid::parse_str(candidate).is_ok()
            {
                out.push_str(&self.id(candidate));
                rest = &rest[36..];
            } else if let Some(len) = date_time_len(rest) {
                out.push_str(if len == 10 { "<date>" } else { "<time>" });
                rest = &rest[len..];
            } else {
                let c = rest.chars().next().expect("not empty");
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
        out
    }

    pub fn value(&mut self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.text(s)),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.value(v)).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.value(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

/// The length of an ISO date (`2026-12-06`) or date-time (`2026-12-06T04:09:33.123456Z`,
/// any fraction and offset) at the start of `text`.
fn date_time_len(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| r.clone().all(|i| b.get(i).is_some_and(u8::is_ascii_digit));
    if !(digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10))
    {
        return None;
    }
    if b.get(10) != Some(&b'T') {
        return Some(10);
    }
    let end = text[11..]
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, ':' | '.' | '+' | '-' | 'Z')))
        .map_or(text.len(), |i| i + 11);
    Some(end)
}

fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("id").to_string()
}

/// Every kind of write the service has, as the roles that make them, with the reads that
/// leave an audit row. Returns nothing: the snapshots below are what it is judged by.
async fn scripted_flow(app: &TestApp) {
    let coord = app.coordinator();
    let admin = app.admin();
    let clinician = app.clinician();

    // Organisation set-up: a subscription (its deliveries are not snapshotted), a partner.
    let webhook = app
        .post(
            "/v1/webhooks",
            &admin,
            &json!({"url": "https://crm.example/hooks", "events": ["case.created", "assessment.created"]}),
        )
        .await
        .ok(201);
    app.patch(
        &format!("/v1/webhooks/{}", id_of(&webhook)),
        &admin,
        &json!({"enabled": false}),
    )
    .await
    .ok(200);
    app.post(
        &format!("/v1/webhooks/{}/rotate-secret", id_of(&webhook)),
        &admin,
        &json!({"overlap_hours": 1}),
    )
    .await
    .ok(200);
    let (partner, partner_key) = app.create_partner("Tata Memorial").await;
    app.patch(
        &format!("/v1/organizations/{partner}"),
        &admin,
        &json!({"name": "Tata Memorial Centre"}),
    )
    .await
    .ok(200);
    let spare = app.issue_api_key(partner, "spare").await;
    app.delete(
        &format!("/v1/organizations/{partner}/api-keys/{}", id_of(&spare)),
        &admin,
    )
    .await
    .ok(204);

    // Patient and case.
    let patient = app.create_patient(Some("patient-asha")).await;
    app.patch(
        &format!("/v1/patients/{patient}"),
        &coord,
        &json!({"preferred_language": "es"}),
    )
    .await
    .ok(200);
    app.get(&format!("/v1/patients/{patient}"), &coord)
        .await
        .ok(200);
    let case = app
        .create_case(
            patient,
            &json!({"next_irreversible_step": {"kind": "surgery", "date": "2099-01-15"}}),
        )
        .await;
    app.patch(
        &format!("/v1/cases/{case}"),
        &coord,
        &json!({"treatment_status": "not_started"}),
    )
    .await
    .ok(200);
    app.post(
        &format!("/v1/cases/{case}/status"),
        &coord,
        &json!({"status": "records_collecting"}),
    )
    .await
    .ok(200);
    let member = app
        .post(
            &format!("/v1/cases/{case}/members"),
            &coord,
            &json!({"subject": "advocate-7", "scope": ["case"]}),
        )
        .await
        .ok(201);
    app.delete(
        &format!("/v1/cases/{case}/members/{}", id_of(&member)),
        &coord,
    )
    .await
    .ok(200);
    app.upload_document(
        case,
        "kind=pathology_report&title=Biopsy",
        "text/plain",
        b"biopsy".to_vec(),
    )
    .await
    .ok(201);
    app.record_plan(case, &example_picture()).await.ok(201);
    app.get(&format!("/v1/cases/{case}"), &coord).await.ok(200);

    // Referrals: one declined, one answered by the partner and then amended.
    let declined = app.refer(case, partner).await;
    app.post(
        &format!("/v1/referrals/{declined}/decline"),
        &partner_key,
        &json!({"reason": "No capacity"}),
    )
    .await
    .ok(200);
    let referral = app.refer(case, partner).await;
    app.post(
        &format!("/v1/referrals/{referral}/accept"),
        &partner_key,
        &json!({}),
    )
    .await
    .ok(200);
    let mut body = opinion_body(&capox());
    body["external_id"] = json!("TMC-1");
    body["attachments"] = json!([{"kind": "pathology_report", "title": "Review", "content_type": "text/plain", "content_base64": "cmV2aWV3"}]);
    let first = app
        .submit_opinion(referral, &partner_key, &body)
        .await
        .ok(201);
    let mut amended = opinion_body(&example_picture());
    amended["supersedes"] = json!(id_of(&first));
    let opinion = app
        .submit_opinion(referral, &partner_key, &amended)
        .await
        .ok(201);
    app.get(&format!("/v1/second-opinions/{}", id_of(&opinion)), &coord)
        .await
        .ok(200);

    // A new plan reassesses; an explicit reassessment; an override by a clinician.
    let mut revised = example_picture();
    revised["plan"]["systemic_therapy"] = json!([{"regimen": "CAPOX"}]);
    app.record_plan(case, &revised).await.ok(200);
    let reassessed = app
        .post(
            &format!("/v1/second-opinions/{}/assessments", id_of(&opinion)),
            &coord,
            &json!({}),
        )
        .await
        .ok(201);
    let assessment = id_of(&reassessed);
    app.post(
        &format!("/v1/assessments/{assessment}/overrides"),
        &clinician,
        &json!({"outcome": "refines", "primary_scenario": "different_treatment", "reason": "The plans differ in one drug."}),
    )
    .await
    .ok(201);
    app.get(&format!("/v1/assessments/{assessment}"), &coord)
        .await
        .ok(200);

    // The summary, shared and opened by the oncologist, then the conversation.
    let summary = app
        .generate_summary(&assessment, &json!({"language": "en"}))
        .await
        .ok(201);
    app.get(&format!("/v1/summaries/{}", id_of(&summary)), &coord)
        .await
        .ok(200);
    let link = app
        .post(
            &format!("/v1/summaries/{}/share-links", id_of(&summary)),
            &coord,
            &json!({}),
        )
        .await
        .ok(201);
    let token = share_token(&link);
    let opened = app.get(&format!("/v1/shared/{token}"), &Auth::None).await;
    assert_eq!(opened.status, 200, "{}", opened.text());
    app.delete(&format!("/v1/share-links/{}", id_of(&link)), &coord)
        .await
        .ok(204);
    let ended = app.get(&format!("/v1/shared/{token}"), &Auth::None).await;
    assert_eq!(ended.status, 410, "{}", ended.text());
    app.post(
        &format!("/v1/cases/{case}/conversations"),
        &coord,
        &json!({"held_on": "2026-01-05", "summary_id": id_of(&summary), "attendees": [{"role": "patient"}],
                "response": "dismissed_without_reasons"}),
    )
    .await
    .ok(201);

    // Tasks by hand.
    let task = app
        .post(
            "/v1/tasks",
            &coord,
            &json!({"case_id": case, "kind": "collect_records", "title": "Collect the scans"}),
        )
        .await
        .ok(201);
    app.patch(
        &format!("/v1/tasks/{}", id_of(&task)),
        &coord,
        &json!({"assignee": "coord-2"}),
    )
    .await
    .ok(200);
    app.post(
        &format!("/v1/tasks/{}/complete", id_of(&task)),
        &coord,
        &json!({}),
    )
    .await
    .ok(200);

    // Refused requests leave a trace too; then an erasure of another patient with a case.
    app.get(
        &format!("/v1/cases/{case}"),
        &app.token(Role::Patient, "someone-else"),
    )
    .await
    .problem(404, "not-found");
    let other = app.create_patient(Some("patient-other")).await;
    app.create_case(other, &json!({})).await;
    app.send(
        Method::DELETE,
        &format!("/v1/patients/{other}"),
        &admin,
        None,
        &[],
    )
    .await
    .ok(204);
    app.delete(&format!("/v1/webhooks/{}", id_of(&webhook)), &admin)
        .await
        .ok(204);
}

#[tokio::test]
async fn the_event_feed_and_the_audit_trail_of_one_whole_flow() {
    let app = spawn_app().await;
    scripted_flow(&app).await;

    let events = app.scalar("SELECT count(*) AS n FROM events").await as usize;
    let feed = app
        .feed_when("/v1/events?limit=200", &app.admin(), |page| {
            items(page).len() == events
        })
        .await;
    assert_eq!(
        items(&feed).len(),
        events,
        "the feed shows every committed event"
    );
    let mut redact = Redactor::new(&app.address);
    let feed: Vec<Value> = items(&feed)
        .iter()
        .map(|e| json!({"type": e["type"], "data": redact.value(&e["data"])}))
        .collect();
    insta::assert_json_snapshot!("event_feed", feed);

    let mut conn = app.sql().await;
    let trail = audit_trail(&mut conn).await;
    let trail: Vec<String> = trail
        .into_iter()
        .map(|row| {
            let case = row
                .case_id
                .map(|c| redact.id(&c.to_string()))
                .unwrap_or_else(|| "-".into());
            format!(
                "{} {} {} {} ids={} case={} {}",
                row.actor_kind,
                row.actor_role.unwrap_or_else(|| "-".into()),
                row.action,
                row.object_type,
                row.object_ids,
                case,
                row.outcome
            )
        })
        .collect();
    insta::assert_snapshot!("audit_trail", trail.join("\n"));
}

/// An audit row as the snapshot shows it: who, what, how many ids, which case, the outcome.
#[derive(diesel::QueryableByName)]
struct AuditLine {
    #[diesel(sql_type = diesel::sql_types::Text)]
    actor_kind: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    actor_role: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    action: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    object_type: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    object_ids: i32,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
    case_id: Option<Uuid>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    outcome: String,
}

/// The audit trail in the order it was written.
async fn audit_trail(conn: &mut diesel_async::AsyncPgConnection) -> Vec<AuditLine> {
    use diesel_async::RunQueryDsl;
    diesel::sql_query(
        "SELECT actor_kind, actor_role, action, object_type, cardinality(object_ids) AS object_ids, case_id, outcome \
         FROM audit_events ORDER BY id",
    )
    .load(conn)
    .await
    .expect("audit trail")
}
