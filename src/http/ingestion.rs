//! Second-opinion ingestion and assessments.
//!
//! A submission is stored verbatim beside its parsed form; in the same transaction it is
//! assessed against the case's current plan version, the tasks its actions open are created,
//! the referral and case move on, and the audit row and outbox events are written. Either all
//! of it commits or none. Without a plan the assessment waits for the first plan version;
//! every new plan version reassesses the case's opinions.

use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use base64::Engine as _;
use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::State;
use super::caller::Caller;
use super::cases::{next_step, treatment_status};
use super::idempotency::{self, Created, IdempotencyKey};
use super::json::{RequestBody, ValidJson};
use super::pagination::{Page, PageRequest};
use super::problem::{ApiError, ApiResult, ProblemKind};
use super::referrals::{ReferralStatus, advance_case};
use crate::audit;
use crate::auth::Principal;
use crate::auth::api_key::sha256;
use crate::auth::policy::{self, Op, Resource};
use crate::db::cases::{self, CaseRow, PlanVersionRow};
use crate::db::documents::{self, DocumentRow};
use crate::db::opinions::{self, AssessmentRow, OpinionRow, OverrideRow};
use crate::db::referrals::{self, ReferralRow};
use crate::db::{patients, tasks};
use crate::domain::case_status::CaseStatus;
use crate::domain::discordance::{
    Action, Classification, ClassificationInput, Context, Finding, Outcome, Override, Scenario,
    Urgency, apply_overrides, classify,
};
use crate::domain::picture::Picture;
use crate::domain::records::DocumentKind;
use crate::domain::tasks::{due_date, task_title};
use crate::domain::validation::{FieldErrors, check_text};
use crate::events::outbox::{self, Outbox};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(submit_to_referral)
        .service(enter_for_case)
        .service(list_case_opinions)
        .service(get_opinion)
        .service(get_submission)
        .service(list_assessments)
        .service(reassess)
        .service(get_assessment)
        .service(override_assessment);
}

/// Who wrote the opinion.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reviewer {
    #[schema(
        pattern = r"\S",
        min_length = 1,
        max_length = 200,
        example = "Dr. S. Banerjee"
    )]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200, example = "medical oncology")]
    pub specialty: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200, example = "Tata Memorial Centre")]
    pub institution: Option<String>,
}

/// The answer to one of the referral's questions.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// The question, as asked (or its position in the referral's list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 10000)]
    pub question: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 49)]
    pub question_index: Option<i32>,
    #[schema(pattern = r"\S", min_length = 1, max_length = 10000)]
    pub answer: String,
}

/// A report attached to the opinion, stored as a document of the case.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    pub kind: DocumentKind,
    #[schema(pattern = r"\S", min_length = 1, max_length = 500)]
    pub title: String,
    #[schema(example = "application/pdf", max_length = 200)]
    pub content_type: String,
    /// The file, base64 (standard alphabet).
    pub content_base64: String,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub date: Option<NaiveDate>,
}

/// A second opinion as a partner (or a coordinator) submits it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "reviewer": {"name": "Dr. S. Banerjee", "specialty": "medical oncology", "institution": "Tata Memorial Centre"},
    "narrative": "Stage III colon cancer; CAPOX is preferred for its shorter course.",
    "picture": {"diagnosis": {"primary_site": "C18.7", "histology": "8140/3"},
                "plan": {"intent": "curative", "systemic_therapy": [{"regimen": "CAPOX"}]}},
    "external_id": "TMC-2026-00042"
}))]
pub struct OpinionSubmission {
    pub reviewer: Reviewer,
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub narrative: Option<String>,
    /// The opinion's diagnosis and recommended plan.
    pub picture: Picture,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub answers: Option<Vec<Answer>>,
    /// The partner's own id for this opinion: the same id again is the same opinion.
    #[serde(default)]
    #[schema(pattern = r"\S", min_length = 1, max_length = 200)]
    pub external_id: Option<String>,
    /// An amendment: the earlier opinion (on the same referral) this one replaces.
    #[serde(default)]
    pub supersedes: Option<Uuid>,
    #[serde(default)]
    #[schema(max_items = 10)]
    pub attachments: Option<Vec<Attachment>>,
}

impl RequestBody for OpinionSubmission {
    fn check_parts(pruned: &serde_json::Value, errors: &mut FieldErrors) {
        if let Ok(picture) = serde_json::from_value::<Picture>(pruned["picture"].clone()) {
            picture.check("picture", errors);
        }
    }

    fn check(&self, errors: &mut FieldErrors) {
        if self.reviewer.name.trim().is_empty() {
            errors.add("reviewer.name", "must not be blank");
        }
        self.picture.check("picture", errors);
        check_text(
            self.narrative.as_deref(),
            10_000,
            "narrative".into(),
            errors,
        );
        for (i, a) in self.answers.iter().flatten().enumerate() {
            if a.answer.trim().is_empty() {
                errors.add(format!("answers.{i}.answer"), "must not be blank");
            }
        }
        if self
            .external_id
            .as_deref()
            .is_some_and(|e| e.trim().is_empty())
        {
            errors.add("external_id", "must not be blank");
        }
        for (i, a) in self.attachments.iter().flatten().enumerate() {
            if base64::engine::general_purpose::STANDARD
                .decode(a.content_base64.as_bytes())
                .is_err()
            {
                errors.add(
                    format!("attachments.{i}.content_base64"),
                    "is not valid base64",
                );
            }
            if a.title.trim().is_empty() {
                errors.add(format!("attachments.{i}.title"), "must not be blank");
            }
        }
    }
}

/// The partner's receipt.
#[derive(Debug, Serialize, ToSchema)]
pub struct Receipt {
    pub id: Uuid,
    #[schema(example = "received")]
    pub status: String,
    pub received_at: DateTime<Utc>,
}

/// An override as recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverrideRecord {
    pub id: Uuid,
    pub outcome: Option<Outcome>,
    pub primary_scenario: Option<Scenario>,
    pub reason: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// An assessment: the effective result (override if any, else computed) at the top level,
/// the engine's result in `computed`, and the overrides that lead from one to the other.
#[derive(Debug, Serialize, ToSchema)]
pub struct Assessment {
    pub id: Uuid,
    pub second_opinion_id: Uuid,
    pub case_id: Uuid,
    pub plan_version: i32,
    pub context: Context,
    pub current: bool,
    pub superseded_by: Option<Uuid>,
    pub outcome: Outcome,
    pub primary_scenario: Scenario,
    pub scenarios: Vec<Scenario>,
    pub actions: Vec<Action>,
    pub urgency: Urgency,
    pub findings: Vec<Finding>,
    pub review_reasons: Vec<String>,
    pub explanation: String,
    pub ruleset_version: String,
    pub computed: Classification,
    pub overrides: Vec<OverrideRecord>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

fn parse_json<T: serde::de::DeserializeOwned>(value: &serde_json::Value) -> ApiResult<T> {
    serde_json::from_value(value.clone())
        .map_err(|e| ApiError::internal(anyhow::anyhow!("stored JSON does not parse: {e}")))
}

fn assessment_view(row: &AssessmentRow, overrides: &[OverrideRow]) -> ApiResult<Assessment> {
    let effective: Classification = parse_json(row.effective())?;
    Ok(Assessment {
        id: row.id,
        second_opinion_id: row.second_opinion_id,
        case_id: row.case_id,
        plan_version: row.plan_version,
        context: parse_json(&row.context)?,
        current: row.current,
        superseded_by: row.superseded_by,
        outcome: effective.outcome,
        primary_scenario: effective.primary_scenario,
        scenarios: effective.scenarios,
        actions: effective.actions,
        urgency: effective.urgency,
        findings: effective.findings,
        review_reasons: effective.review_reasons,
        explanation: effective.explanation,
        ruleset_version: row.ruleset_version.clone(),
        computed: parse_json(&row.computed)?,
        overrides: overrides
            .iter()
            .filter(|o| o.assessment_id == row.id)
            .map(|o| OverrideRecord {
                id: o.id,
                outcome: o
                    .outcome
                    .as_deref()
                    .and_then(|x| serde_json::from_value(serde_json::Value::from(x)).ok()),
                primary_scenario: o
                    .primary_scenario
                    .as_deref()
                    .and_then(|x| serde_json::from_value(serde_json::Value::from(x)).ok()),
                reason: o.reason.clone(),
                created_by: o.created_by.clone(),
                created_at: o.created_at,
            })
            .collect(),
        created_by: row.created_by.clone(),
        created_at: row.created_at,
    })
}

/// Assessment views for rows, with their overrides in one query.
async fn assessment_views(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    rows: &[AssessmentRow],
) -> ApiResult<Vec<Assessment>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let overrides = opinions::overrides_for(conn, org_id, &ids).await?;
    rows.iter()
        .map(|r| assessment_view(r, &overrides))
        .collect()
}

fn code<T: Serialize>(value: T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The classification input for an opinion against a plan version, with the case's context.
async fn classification_input(
    conn: &mut AsyncPgConnection,
    case: &CaseRow,
    plan: &PlanVersionRow,
    opinion: &OpinionRow,
    as_of: NaiveDate,
) -> ApiResult<ClassificationInput> {
    let patient = patients::find(conn, case.org_id, case.patient_id).await?;
    Ok(ClassificationInput {
        current: parse_json(&plan.picture)?,
        opinion: parse_json(&opinion.picture)?,
        context: Context {
            as_of: Some(as_of),
            treatment_status: Some(treatment_status(&case.treatment_status)),
            next_irreversible_step: next_step(case),
            patient_country: patient.and_then(|p| p.country),
        },
    })
}

/// What an assessment compares: an opinion with a plan version of its case.
pub struct Comparison<'a> {
    pub case: &'a CaseRow,
    pub plan: &'a PlanVersionRow,
    pub opinion: &'a OpinionRow,
}

/// Assesses the opinion against the plan, superseding `previous`; opens the tasks its actions
/// call for; queues `assessment.created`. Runs inside the caller's transaction.
pub async fn assess(
    conn: &mut AsyncPgConnection,
    state: &State,
    outbox: &mut Outbox,
    created_by: &str,
    Comparison {
        case,
        plan,
        opinion,
    }: Comparison<'_>,
    previous: Option<&AssessmentRow>,
) -> ApiResult<AssessmentRow> {
    let today = Utc::now().date_naive();
    let input = classification_input(conn, case, plan, opinion, today).await?;
    let computed = classify(&input, today);
    let computed_json = serde_json::to_value(&computed).map_err(anyhow::Error::from)?;
    let id = Uuid::now_v7();
    // The old assessment stops being current before the new one is: one current per opinion.
    if let Some(previous) = previous {
        opinions::supersede(conn, case.org_id, previous.id, id).await?;
    }
    let row = opinions::insert_assessment(
        conn,
        &AssessmentRow {
            org_id: case.org_id,
            id,
            second_opinion_id: opinion.id,
            case_id: case.id,
            plan_version: plan.version,
            context: serde_json::to_value(&input.context).map_err(anyhow::Error::from)?,
            effective: None,
            computed: computed_json,
            ruleset_version: computed.ruleset_version.clone(),
            outcome: code(computed.outcome),
            primary_scenario: code(computed.primary_scenario),
            urgency: code(computed.urgency),
            current: true,
            superseded_by: None,
            created_by: created_by.to_string(),
            created_at: Utc::now(),
        },
    )
    .await
    .map_err(|e| match e {
        // Two reassessments of one opinion at once: the unique "one current" index refuses the second.
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => ApiError::conflict(
            ProblemKind::Conflict,
            "this opinion is being reassessed already; read its assessments again",
        ),
        other => other.into(),
    })?;
    sync_tasks(
        conn,
        state,
        outbox,
        case,
        &row,
        &computed,
        previous.map(|p| p.id),
    )
    .await?;
    let data = outbox::case_data(
        &state.config.public_base_url,
        case.id,
        serde_json::json!({
            "assessment_id": row.id, "second_opinion_id": opinion.id, "plan_version": plan.version,
            "outcome": row.outcome, "primary_scenario": row.primary_scenario, "urgency": row.urgency,
            "links": {"assessment": outbox::link(&state.config.public_base_url, &format!("/v1/assessments/{}", row.id))}
        }),
    );
    outbox.add("assessment.created", data);
    Ok(row)
}

/// Opens a task for each action that calls for one and is not open on the case yet; moves
/// kept tasks of the superseded assessment to the new one and cancels those it no longer wants.
async fn sync_tasks(
    conn: &mut AsyncPgConnection,
    state: &State,
    outbox: &mut Outbox,
    case: &CaseRow,
    assessment: &AssessmentRow,
    effective: &Classification,
    superseded: Option<Uuid>,
) -> ApiResult<()> {
    let today = Utc::now().date_naive();
    let open = tasks::open_for_case(conn, case.org_id, case.id).await?;
    let wanted: Vec<Action> = effective
        .actions
        .iter()
        .copied()
        .filter(|a| task_title(*a).is_some())
        .collect();
    let mut open_kinds = std::collections::BTreeSet::new();
    for task in &open {
        let ours = task.assessment_id == Some(assessment.id)
            || (superseded.is_some() && task.assessment_id == superseded);
        let still_wanted = wanted.iter().any(|a| a.code() == task.kind);
        if ours && !still_wanted {
            tasks::cancel(conn, case.org_id, task.id).await?;
            continue;
        }
        if ours && task.assessment_id != Some(assessment.id) {
            tasks::repoint(conn, case.org_id, task.id, assessment.id).await?;
        }
        open_kinds.insert(task.kind.clone());
    }
    for action in wanted {
        if open_kinds.contains(action.code()) {
            continue;
        }
        let now = Utc::now();
        let task = tasks::insert(
            conn,
            &tasks::TaskRow {
                org_id: case.org_id,
                id: Uuid::now_v7(),
                case_id: case.id,
                assessment_id: Some(assessment.id),
                kind: action.code().to_string(),
                title: task_title(action).unwrap_or_default().to_string(),
                status: "open".into(),
                assignee: case.assigned_coordinator.clone(),
                due_date: Some(due_date(effective.urgency, today, case.next_step_date)),
                completed_by: None,
                completed_at: None,
                created_at: now,
                updated_at: now,
            },
        )
        .await?;
        let data = outbox::case_data(
            &state.config.public_base_url,
            case.id,
            serde_json::json!({"task_id": task.id, "kind": task.kind, "status": task.status, "due_date": task.due_date, "assessment_id": assessment.id,
                               "links": {"task": outbox::link(&state.config.public_base_url, &format!("/v1/tasks/{}", task.id))}}),
        );
        outbox.add("task.created", data);
    }
    Ok(())
}

/// Reassesses every active opinion of a case against a new plan version (inside the plan's
/// transaction): the new assessment is current, the old one records `superseded_by`.
pub async fn reassess_case(
    conn: &mut AsyncPgConnection,
    state: &State,
    outbox: &mut Outbox,
    caller: &Caller,
    case: &CaseRow,
    plan: &PlanVersionRow,
) -> ApiResult<()> {
    let active = opinions::active_for_case(conn, case.org_id, case.id).await?;
    let ids: Vec<Uuid> = active.iter().map(|o| o.id).collect();
    let mut current = opinions::current_assessments(conn, case.org_id, &ids).await?;
    for opinion in active {
        let previous = current
            .iter()
            .position(|a| a.second_opinion_id == opinion.id)
            .map(|i| current.swap_remove(i));
        if previous
            .as_ref()
            .is_some_and(|p| p.plan_version == plan.version)
        {
            continue;
        }
        let row = assess(
            conn,
            state,
            outbox,
            &caller.created_by(),
            Comparison {
                case,
                plan,
                opinion: &opinion,
            },
            previous.as_ref(),
        )
        .await?;
        audit::write(
            conn,
            caller.audit(
                "assessment.create",
                "assessment",
                vec![row.id, opinion.id],
                Some(case.id),
            ),
        )
        .await?;
    }
    Ok(())
}

/// Where a submission comes from.
enum Source {
    Referral(Uuid),
    Case(Uuid),
}

fn decode_attachments(submission: &OpinionSubmission) -> Vec<(Attachment, Vec<u8>)> {
    submission
        .attachments
        .iter()
        .flatten()
        .map(|a| {
            (
                a.clone(),
                base64::engine::general_purpose::STANDARD
                    .decode(a.content_base64.as_bytes())
                    .unwrap_or_default(),
            )
        })
        .collect()
}

/// Stores one submission and everything that follows from it, in one transaction.
async fn ingest(
    state: &State,
    caller: &Caller,
    scope: Option<idempotency::Scope>,
    source: Source,
    submission: OpinionSubmission,
    raw: Bytes,
) -> ApiResult<HttpResponse> {
    let org_id = caller.org_id();
    let raw_sha = sha256(&raw);
    let attachments = decode_attachments(&submission);
    let picture = serde_json::to_value(submission.picture.clone().normalised())
        .map_err(anyhow::Error::from)?;
    let mut conn = state.db.get().await?;
    let created = idempotency::create_once(&mut conn, scope.as_ref(), async |conn| {
            let mut outbox = Outbox::new(org_id);
            let (case_id, referral): (Uuid, Option<ReferralRow>) = match source {
                Source::Referral(id) => {
                    let referral = referrals::lock(conn, org_id, id).await?.filter(|r| policy::sees_referral(caller, r.partner_id)).ok_or_else(|| ApiError::not_found("referral"))?;
                    (referral.case_id, Some(referral))
                }
                Source::Case(id) => {
                    policy::case_access(conn, caller, id).await?;
                    (id, None)
                }
            };
            if let (Some(referral), Some(external_id)) = (&referral, &submission.external_id)
                && let Some(existing) = opinions::find_by_external_id(conn, org_id, referral.id, external_id.trim()).await?
            {
                // The same opinion again: answer as the first time; another body: 409 naming it.
                return if existing.raw_sha256 == raw_sha {
                    Ok(Created::new(StatusCode::OK, Receipt { id: existing.id, status: existing.status.clone(), received_at: existing.received_at })
                        .at(format!("/v1/second-opinions/{}", existing.id)))
                } else {
                    Err(ApiError::conflict(ProblemKind::DuplicateExternalId, format!("external_id {external_id} already names opinion {} with another body", existing.id))
                        .with_existing(existing.id))
                };
            }
            if let Some(referral) = &referral {
                check_referral_open(conn, org_id, referral, submission.supersedes).await?;
            } else if submission.supersedes.is_some() {
                check_supersedes_in_case(conn, org_id, case_id, submission.supersedes).await?;
            }
            let case = cases::lock(conn, org_id, case_id).await?.ok_or_else(|| ApiError::not_found("case"))?;
            for (attachment, bytes) in &attachments {
                store_attachment(conn, state, caller, case_id, attachment, bytes).await?;
            }
            let opinion = opinions::insert(
                conn,
                &OpinionRow {
                    org_id,
                    id: Uuid::now_v7(),
                    case_id,
                    referral_id: referral.as_ref().map(|r| r.id),
                    submitted_by_kind: if matches!(caller.principal, Principal::Partner { .. }) { "partner".into() } else { "staff".into() },
                    submitted_by: caller.created_by(),
                    reviewer: serde_json::to_value(&submission.reviewer).map_err(anyhow::Error::from)?,
                    narrative: submission.narrative.clone().unwrap_or_default(),
                    picture: picture.clone(),
                    answers: serde_json::to_value(submission.answers.clone().unwrap_or_default()).map_err(anyhow::Error::from)?,
                    external_id: submission.external_id.as_deref().map(|e| e.trim().to_string()),
                    supersedes: submission.supersedes,
                    raw_body: raw.to_vec(),
                    raw_sha256: raw_sha.to_vec(),
                    status: "received".into(),
                    received_at: Utc::now(),
                },
            )
            .await?;
            if let Some(old) = submission.supersedes {
                opinions::mark_superseded(conn, org_id, old).await?;
            }
            audit::write(conn, caller.audit("second_opinion.create", "second_opinion", vec![opinion.id], Some(case_id))).await?;
            let base = &state.config.public_base_url;
            let data = outbox::case_data(
                base,
                case_id,
                serde_json::json!({"second_opinion_id": opinion.id, "referral_id": opinion.referral_id, "supersedes": opinion.supersedes,
                                   "links": {"second_opinion": outbox::link(base, &format!("/v1/second-opinions/{}", opinion.id))}}),
            );
            outbox.add("second_opinion.received", data);
            if let Some(plan) = cases::current_plan(conn, org_id, case_id).await? {
                let previous = match submission.supersedes {
                    Some(old) => opinions::current_assessment(conn, org_id, old).await?,
                    None => None,
                };
                let row = assess(conn, state, &mut outbox, &caller.created_by(), Comparison { case: &case, plan: &plan, opinion: &opinion }, None).await?;
                if let Some(previous) = previous {
                    // The amendment's assessment replaces the superseded opinion's open work.
                    for task in tasks::open_for_case(conn, org_id, case_id).await? {
                        if task.assessment_id == Some(previous.id) && !row_wants(&row, &task.kind)? {
                            tasks::cancel(conn, org_id, task.id).await?;
                        }
                    }
                }
                audit::write(conn, caller.audit("assessment.create", "assessment", vec![row.id, opinion.id], Some(case_id))).await?;
            }
            if let Some(referral) = &referral
                && ReferralStatus::parse(&referral.status) != ReferralStatus::Answered
            {
                let row = referrals::set_status(conn, org_id, referral.id, "answered", None).await?;
                let data = outbox::case_data(base, case_id, serde_json::json!({"referral_id": row.id, "partner_id": row.partner_id, "status": row.status}));
                outbox.add("referral.updated", data);
            }
            advance_case(conn, state, &mut outbox, org_id, case_id, CaseStatus::OpinionReceived).await?;
            outbox.write(conn).await?;
            let created = Created::new(StatusCode::CREATED, Receipt { id: opinion.id, status: opinion.status, received_at: opinion.received_at })
                .at(format!("/v1/second-opinions/{}", opinion.id));
            Ok(created)
        })
        .await?;
    Ok(created.response())
}

fn row_wants(row: &AssessmentRow, kind: &str) -> ApiResult<bool> {
    let effective: Classification = parse_json(row.effective())?;
    Ok(effective.actions.iter().any(|a| a.code() == kind))
}

/// A submission needs an open referral; an answered one takes only an amendment of its own opinion.
async fn check_referral_open(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    referral: &ReferralRow,
    supersedes: Option<Uuid>,
) -> ApiResult<()> {
    let status = ReferralStatus::parse(&referral.status);
    let closed = |why: &str| ApiError::conflict(ProblemKind::ReferralClosed, why.to_string());
    match status {
        ReferralStatus::Declined | ReferralStatus::Withdrawn => {
            Err(closed(&format!("the referral was {}", status.code())))
        }
        ReferralStatus::Answered if supersedes.is_none() => Err(closed(
            "the referral is answered; to amend the opinion, send it again with supersedes naming the earlier one",
        )),
        _ => match supersedes {
            None => Ok(()),
            Some(old) => match opinions::find(conn, org_id, old).await? {
                Some(o) if o.referral_id == Some(referral.id) && o.status == "received" => Ok(()),
                _ => Err(ApiError::unprocessable_field(
                    "supersedes",
                    "names no current opinion of this referral",
                )),
            },
        },
    }
}

async fn check_supersedes_in_case(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    case_id: Uuid,
    supersedes: Option<Uuid>,
) -> ApiResult<()> {
    let Some(old) = supersedes else { return Ok(()) };
    match opinions::find(conn, org_id, old).await? {
        Some(o) if o.case_id == case_id && o.status == "received" => Ok(()),
        _ => Err(ApiError::unprocessable_field(
            "supersedes",
            "names no current opinion of this case",
        )),
    }
}

async fn store_attachment(
    conn: &mut AsyncPgConnection,
    state: &State,
    caller: &Caller,
    case_id: Uuid,
    a: &Attachment,
    bytes: &[u8],
) -> ApiResult<()> {
    let digest = sha256(bytes);
    if documents::find_by_hash(conn, caller.org_id(), case_id, &digest)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let row = documents::insert(
        conn,
        &DocumentRow {
            org_id: caller.org_id(),
            id: Uuid::now_v7(),
            case_id,
            kind: a.kind.code().to_string(),
            title: a.title.trim().to_string(),
            document_date: a.date,
            source_institution: None,
            language: None,
            content_type: super::documents::clean_content_type(Some(&a.content_type)),
            size_bytes: bytes.len() as i64,
            sha256: digest.to_vec(),
            uploaded_by: caller.created_by(),
            created_at: Utc::now(),
        },
    )
    .await?;
    state
        .documents
        .put(conn, caller.org_id(), row.id, bytes)
        .await?;
    audit::write(
        conn,
        caller.audit("document.create", "document", vec![row.id], Some(case_id)),
    )
    .await?;
    Ok(())
}

/// Submit a second opinion against a referral (partner API key).
///
/// Stored verbatim beside its parsed form and assessed at once against the case's current
/// plan. The same `external_id` again is the same opinion (identical body) or a 409 naming it.
#[utoipa::path(
    tag = "second-opinions",
    params(("id" = Uuid, Path, description = "The referral"), ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a retry with the same body; concurrent retries create one opinion")),
    request_body = OpinionSubmission,
    responses(
        (status = 201, description = "Received", body = Receipt, headers(("Location" = String))),
        (status = 200, description = "This external_id was received before with this body", body = Receipt),
        (status = 409, description = "The referral is closed, the external_id names another opinion, or the Idempotency-Key is in flight", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The Idempotency-Key was used with another body", body = super::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = [])),
)]
#[post("/referrals/{id}/second-opinions")]
pub async fn submit_to_referral(
    state: State,
    caller: Caller,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    body: ValidJson<OpinionSubmission>,
) -> ApiResult<HttpResponse> {
    policy::require_partner(&caller)?;
    let scope = idempotency::Scope::new(&caller, &req, &key, &body.raw);
    let raw = body.raw.clone();
    ingest(
        &state,
        &caller,
        scope,
        Source::Referral(*id),
        body.into_inner(),
        raw,
    )
    .await
}

/// Enter a second opinion received another way (coordinator).
#[utoipa::path(
    tag = "second-opinions",
    params(("id" = Uuid, Path, description = "The case"), ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a retry with the same body")),
    request_body = OpinionSubmission,
    responses(
        (status = 201, description = "Received", body = Receipt, headers(("Location" = String))),
        (status = 409, description = "The Idempotency-Key is in flight", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The Idempotency-Key was used with another body", body = super::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("jwt" = [])),
)]
#[post("/cases/{id}/second-opinions")]
pub async fn enter_for_case(
    state: State,
    caller: Caller,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    body: ValidJson<OpinionSubmission>,
) -> ApiResult<HttpResponse> {
    policy::require(&caller, Resource::SecondOpinion, Op::Create)?;
    let scope = idempotency::Scope::new(&caller, &req, &key, &body.raw);
    let raw = body.raw.clone();
    ingest(
        &state,
        &caller,
        scope,
        Source::Case(*id),
        body.into_inner(),
        raw,
    )
    .await
}

/// A second opinion as stored (parsed form), with its current assessment for staff.
#[derive(Debug, Serialize, ToSchema)]
pub struct SecondOpinion {
    pub id: Uuid,
    pub case_id: Uuid,
    pub referral_id: Option<Uuid>,
    /// received, or superseded by an amendment.
    pub status: String,
    pub received_at: DateTime<Utc>,
    pub reviewer: Reviewer,
    pub narrative: String,
    pub picture: Picture,
    pub answers: Vec<Answer>,
    pub external_id: Option<String>,
    pub supersedes: Option<Uuid>,
    /// Null while the case has no plan to assess against (and always for partners).
    pub current_assessment: Option<Assessment>,
}

fn opinion_view(row: OpinionRow, current: Option<Assessment>) -> ApiResult<SecondOpinion> {
    Ok(SecondOpinion {
        id: row.id,
        case_id: row.case_id,
        referral_id: row.referral_id,
        status: row.status,
        received_at: row.received_at,
        reviewer: parse_json(&row.reviewer)?,
        narrative: row.narrative,
        picture: parse_json(&row.picture)?,
        answers: parse_json(&row.answers)?,
        external_id: row.external_id,
        supersedes: row.supersedes,
        current_assessment: current,
    })
}

/// A case's second opinions with their current assessments, newest first.
#[utoipa::path(tag = "second-opinions", params(("id" = Uuid, Path), super::pagination::PageQuery), responses((status = 200, description = "A page of opinions", body = Page<SecondOpinion>)), security(("jwt" = [])))]
#[get("/cases/{id}/second-opinions")]
pub async fn list_case_opinions(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<super::pagination::PageQuery>,
) -> ApiResult<web::Json<Page<SecondOpinion>>> {
    policy::require(&caller, Resource::SecondOpinion, Op::Read)?;
    let page = PageRequest::new(query.limit, query.cursor.as_deref(), &*id)?;
    let mut conn = state.db.get().await?;
    policy::case_access(&mut conn, &caller, *id).await?;
    let rows =
        opinions::list_for_case(&mut conn, caller.org_id(), *id, page.after, page.fetch()).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let current = opinions::current_assessments(&mut conn, caller.org_id(), &ids).await?;
    let mut views = assessment_views(&mut conn, caller.org_id(), &current).await?;
    audit::write(
        &mut conn,
        caller.audit("second_opinion.list", "second_opinion", ids, Some(*id)),
    )
    .await?;
    let page = page.page(rows, |r| (r.received_at, r.id), |r| r);
    let mut items = Vec::with_capacity(page.items.len());
    for row in page.items {
        let position = views.iter().position(|v| v.second_opinion_id == row.id);
        items.push(opinion_view(row, position.map(|p| views.remove(p)))?);
    }
    Ok(web::Json(Page {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// An opinion the caller may read: staff of the tenant, or the partner that submitted it.
async fn readable_opinion(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
) -> ApiResult<OpinionRow> {
    let row = opinions::find(conn, caller.org_id(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("second opinion"))?;
    match &caller.principal {
        Principal::User { .. } => {
            policy::require(caller, Resource::SecondOpinion, Op::Read)?;
            Ok(row)
        }
        Principal::Partner { partner_id, .. } => {
            let referral = match row.referral_id {
                Some(r) => referrals::find(conn, caller.org_id(), r).await?,
                None => None,
            };
            match referral {
                Some(r) if r.partner_id == *partner_id => Ok(row),
                _ => Err(ApiError::not_found("second opinion")),
            }
        }
    }
}

/// A second opinion: staff see its current assessment; a partner sees what it submitted.
#[utoipa::path(tag = "second-opinions", params(("id" = Uuid, Path)), responses((status = 200, description = "The opinion", body = SecondOpinion)), security(("jwt" = []), ("api_key" = [])))]
#[get("/second-opinions/{id}")]
pub async fn get_opinion(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<SecondOpinion>> {
    let mut conn = state.db.get().await?;
    let row = readable_opinion(&mut conn, &caller, *id).await?;
    let current = if caller.is_staff() {
        match opinions::current_assessment(&mut conn, caller.org_id(), row.id).await? {
            Some(a) => assessment_views(&mut conn, caller.org_id(), &[a])
                .await?
                .pop(),
            None => None,
        }
    } else {
        None
    };
    audit::write(
        &mut conn,
        caller.audit(
            "second_opinion.read",
            "second_opinion",
            vec![row.id],
            Some(row.case_id),
        ),
    )
    .await?;
    Ok(web::Json(opinion_view(row, current)?))
}

/// The submission exactly as received (the verbatim JSON bytes).
#[utoipa::path(tag = "second-opinions", params(("id" = Uuid, Path)), responses((status = 200, description = "The bytes received", content_type = "application/json", body = Object)), security(("jwt" = []), ("api_key" = [])))]
#[get("/second-opinions/{id}/submission")]
pub async fn get_submission(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.db.get().await?;
    let row = readable_opinion(&mut conn, &caller, *id).await?;
    audit::write(
        &mut conn,
        caller.audit(
            "second_opinion.read_submission",
            "second_opinion",
            vec![row.id],
            Some(row.case_id),
        ),
    )
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            "Content-Digest",
            format!(
                "sha-256=:{}:",
                base64::engine::general_purpose::STANDARD.encode(&row.raw_sha256)
            ),
        ))
        .body(row.raw_body))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentList {
    /// The current assessment first, then the superseded ones, newest first.
    pub items: Vec<Assessment>,
    pub next_cursor: Option<String>,
}

/// An opinion's assessments, the current one first.
#[utoipa::path(tag = "assessments", params(("id" = Uuid, Path, description = "The second opinion")), responses((status = 200, description = "Assessments", body = AssessmentList)), security(("jwt" = [])))]
#[get("/second-opinions/{id}/assessments")]
pub async fn list_assessments(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<AssessmentList>> {
    policy::require(&caller, Resource::Assessment, Op::Read)?;
    let mut conn = state.db.get().await?;
    let opinion = readable_opinion(&mut conn, &caller, *id).await?;
    let rows = opinions::assessments_for(&mut conn, caller.org_id(), opinion.id).await?;
    let items = assessment_views(&mut conn, caller.org_id(), &rows).await?;
    audit::write(
        &mut conn,
        caller.audit(
            "assessment.list",
            "assessment",
            rows.iter().map(|r| r.id).collect(),
            Some(opinion.case_id),
        ),
    )
    .await?;
    Ok(web::Json(AssessmentList {
        items,
        next_cursor: None,
    }))
}

/// Assess the opinion again against the case's current plan and context (e.g. after the
/// treatment status changed); the new assessment is current.
#[utoipa::path(
    tag = "assessments",
    params(("id" = Uuid, Path, description = "The second opinion")),
    responses(
        (status = 201, description = "The new current assessment", body = Assessment, headers(("Location" = String))),
        (status = 409, description = "The case has no plan yet, or the opinion was superseded", body = super::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("jwt" = [])),
)]
#[post("/second-opinions/{id}/assessments")]
pub async fn reassess(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    policy::require(&caller, Resource::Assessment, Op::Reassess)?;
    let id = *id;
    let mut conn = state.db.get().await?;
    let view = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let opinion = readable_opinion(conn, &caller, id).await?;
            if opinion.status != "received" {
                return Err(ApiError::conflict(ProblemKind::Conflict, "this opinion was superseded by an amendment; assess the amendment"));
            }
            let case = cases::lock(conn, caller.org_id(), opinion.case_id).await?.ok_or_else(|| ApiError::not_found("case"))?;
            let plan = cases::current_plan(conn, caller.org_id(), case.id).await?.ok_or_else(|| {
                ApiError::conflict(ProblemKind::Conflict, "the case has no plan yet: the assessment is made when the first plan version arrives")
            })?;
            let previous = opinions::current_assessment(conn, caller.org_id(), opinion.id).await?;
            let mut outbox = Outbox::new(caller.org_id());
            let row = assess(conn, &state, &mut outbox, &caller.created_by(), Comparison { case: &case, plan: &plan, opinion: &opinion }, previous.as_ref()).await?;
            audit::write(conn, caller.audit("assessment.create", "assessment", vec![row.id, opinion.id], Some(case.id))).await?;
            outbox.write(conn).await?;
            assessment_view(&row, &[])
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/v1/assessments/{}", view.id)))
        .json(view))
}

async fn staff_assessment(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
) -> ApiResult<AssessmentRow> {
    opinions::find_assessment(conn, caller.org_id(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("assessment"))
}

/// An assessment.
#[utoipa::path(tag = "assessments", params(("id" = Uuid, Path)), responses((status = 200, description = "The assessment", body = Assessment)), security(("jwt" = [])))]
#[get("/assessments/{id}")]
pub async fn get_assessment(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Assessment>> {
    policy::require(&caller, Resource::Assessment, Op::Read)?;
    let mut conn = state.db.get().await?;
    let row = staff_assessment(&mut conn, &caller, *id).await?;
    let view = assessment_views(&mut conn, caller.org_id(), std::slice::from_ref(&row))
        .await?
        .remove(0);
    audit::write(
        &mut conn,
        caller.audit(
            "assessment.read",
            "assessment",
            vec![row.id],
            Some(row.case_id),
        ),
    )
    .await?;
    Ok(web::Json(view))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"outcome": "refines", "reason": "The grade difference is within inter-observer variation; the plan stands."}))]
pub struct NewOverride {
    #[serde(default)]
    pub outcome: Option<Outcome>,
    #[serde(default)]
    pub primary_scenario: Option<Scenario>,
    #[schema(pattern = r"\S", min_length = 1, max_length = 10000)]
    pub reason: String,
}

impl RequestBody for NewOverride {
    fn check(&self, errors: &mut FieldErrors) {
        if self.reason.trim().is_empty() {
            errors.add("reason", "must not be blank");
        }
        if self.outcome.is_none() && self.primary_scenario.is_none() {
            errors.add("outcome", "give an outcome, a primary_scenario, or both");
        }
    }
}

/// Override an assessment's outcome and/or primary scenario, with a reason (clinician).
/// Overrides are append-only; the effective result drives actions, tasks and summaries, and
/// the computed result stays visible.
#[utoipa::path(
    tag = "assessments",
    params(("id" = Uuid, Path)),
    request_body = NewOverride,
    responses(
        (status = 201, description = "The assessment with the override applied", body = Assessment),
        (status = 409, description = "The assessment is no longer current", body = super::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("jwt" = [])),
)]
#[post("/assessments/{id}/overrides")]
pub async fn override_assessment(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<NewOverride>,
) -> ApiResult<HttpResponse> {
    policy::require(&caller, Resource::Assessment, Op::Override)?;
    let id = *id;
    let o = body.into_inner();
    let mut conn = state.db.get().await?;
    let view = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let row = staff_assessment(conn, &caller, id).await?;
            if !row.current {
                return Err(ApiError::conflict(ProblemKind::Conflict, "only the current assessment can be overridden"));
            }
            let case = cases::lock(conn, caller.org_id(), row.case_id).await?.ok_or_else(|| ApiError::not_found("case"))?;
            let opinion = opinions::find(conn, caller.org_id(), row.second_opinion_id).await?.ok_or_else(|| ApiError::not_found("second opinion"))?;
            let plan = cases::plan_version(conn, caller.org_id(), case.id, row.plan_version).await?.ok_or_else(|| ApiError::not_found("plan version"))?;
            let mut input = classification_input(conn, &case, &plan, &opinion, Utc::now().date_naive()).await?;
            input.context = parse_json(&row.context)?;
            let computed: Classification = parse_json(&row.computed)?;
            let mut history: Vec<Override> = opinions::overrides_for(conn, caller.org_id(), &[row.id])
                .await?
                .iter()
                .map(|r| Override {
                    outcome: r.outcome.as_deref().and_then(|x| serde_json::from_value(serde_json::Value::from(x)).ok()),
                    primary_scenario: r.primary_scenario.as_deref().and_then(|x| serde_json::from_value(serde_json::Value::from(x)).ok()),
                })
                .collect();
            history.push(Override { outcome: o.outcome, primary_scenario: o.primary_scenario });
            let effective = apply_overrides(&input, &computed, &history).map_err(ApiError::validation)?;
            opinions::insert_override(
                conn,
                &OverrideRow {
                    org_id: caller.org_id(),
                    id: Uuid::now_v7(),
                    assessment_id: row.id,
                    outcome: o.outcome.map(code),
                    primary_scenario: o.primary_scenario.map(code),
                    reason: o.reason.trim().to_string(),
                    created_by: caller.created_by(),
                    created_at: Utc::now(),
                },
            )
            .await?;
            let effective_json = serde_json::to_value(&effective).map_err(anyhow::Error::from)?;
            opinions::set_effective(conn, caller.org_id(), row.id, Some(effective_json), &code(effective.outcome), &code(effective.primary_scenario), &code(effective.urgency)).await?;
            let row = staff_assessment(conn, &caller, id).await?;
            let mut outbox = Outbox::new(caller.org_id());
            sync_tasks(conn, &state, &mut outbox, &case, &row, &effective, Some(row.id)).await?;
            audit::write(conn, caller.audit("assessment.override", "assessment", vec![row.id], Some(case.id))).await?;
            let data = outbox::case_data(
                &state.config.public_base_url,
                case.id,
                serde_json::json!({"assessment_id": row.id, "outcome": row.outcome, "primary_scenario": row.primary_scenario, "urgency": row.urgency,
                                   "computed_outcome": computed.outcome, "computed_primary_scenario": computed.primary_scenario}),
            );
            outbox.add("assessment.overridden", data);
            outbox.write(conn).await?;
            Ok(assessment_views(conn, caller.org_id(), std::slice::from_ref(&row)).await?.remove(0))
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}
