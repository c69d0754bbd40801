//! Assessments: an opinion classified against a plan version of its case. Made when an
//! opinion arrives, again for every new plan version and on request; a clinician may override
//! the result. Each keeps the case's tasks in step with the actions in force.

use chrono::{NaiveDate, Utc};
use uuid::Uuid;

use super::{AppError, AppResult, Tx, tasks};
use crate::db::cases::{AssessmentReads, CaseRow, PlanVersionRow};
use crate::db::error::unique_violation;
use crate::db::opinions::{self as stored, OpinionRow};
use crate::db::sign_offs::{self, SignOffRow};
use crate::db::tasks as task_rows;
use crate::domain::discordance::{
    Classification, ClassificationInput, Context, classify, clinician_review_reasons,
};
use crate::domain::tasks::{
    CLINICIAN_REVIEW, CLINICIAN_REVIEW_TITLE, OpenTask, due_date, plan_sync, task_title,
};
use crate::events::Event;
use crate::events::catalogue::TaskCause;

mod imported;
mod overrides;
mod reading;
mod reassess;

pub use crate::db::opinions::{AssessmentRow as AssessmentRecord, OverrideRow as OverrideRecord};
pub use overrides::{NewOverride, override_assessment};
use reading::staff_assessment;
pub use reading::{Annotations, AssessmentWithOverrides, get, of_opinion};
pub use reassess::{reassess, reassess_case};

/// An enum value as its code (`"refines"`, `"different_treatment"`).
pub fn code<T: serde::Serialize>(value: T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A code back into its enum, if it is one.
pub(super) fn parse_code<T: serde::de::DeserializeOwned>(code: Option<&str>) -> Option<T> {
    code.and_then(|c| serde_json::from_value(serde_json::Value::from(c)).ok())
}

/// Stored JSON read back into its type.
pub fn parse<T: serde::de::DeserializeOwned>(
    what: &str,
    value: &serde_json::Value,
) -> AppResult<T> {
    serde_json::from_value(value.clone()).map_err(|e| AppError::corrupt(what, e))
}

/// The result in force: the override, else the computed one.
pub fn effective(row: &AssessmentRecord) -> AppResult<Classification> {
    parse("assessment", row.effective())
}

/// What an assessment compares: an opinion with a plan version of its case, and what it
/// read of the case (`db::cases::assessment_reads`, after the case's lock).
pub struct Comparison<'a> {
    pub case: &'a CaseRow,
    pub plan: &'a PlanVersionRow,
    pub opinion: &'a OpinionRow,
    pub reads: &'a AssessmentReads,
    /// The opinion has just arrived and is not written yet: it goes in with its assessment,
    /// in the assessment's statement.
    pub opinion_unsaved: bool,
}

/// The classification input for an opinion against a plan version, with the case's context.
fn classification_input(
    Comparison {
        case,
        plan,
        opinion,
        reads,
        ..
    }: &Comparison<'_>,
    as_of: NaiveDate,
) -> AppResult<ClassificationInput> {
    Ok(ClassificationInput {
        current: parse("plan version", &plan.picture)?,
        opinion: parse("opinion", &opinion.picture)?,
        context: Context {
            as_of: Some(as_of),
            treatment_status: Some(case.treatment()),
            next_irreversible_step: case.next_step(),
            patient_country: reads.patient_country.clone(),
        },
    })
}

/// The previous assessment's valid sign-off, when it still stands for a reassessment: the same
/// opinion (an amendment is new text for a clinician to read), plan version and ruleset, and an
/// identical result (api.md, "Clinician sign-off").
async fn sign_off_carried_over(
    tx: &mut Tx<'_>,
    previous: Option<&AssessmentRecord>,
    opinion_id: Uuid,
    plan_version: i32,
    computed: &serde_json::Value,
    ruleset_version: &str,
) -> AppResult<Option<SignOffRow>> {
    let Some(previous) = previous else {
        return Ok(None);
    };
    if previous.second_opinion_id != opinion_id
        || previous.plan_version != plan_version
        || previous.ruleset_version != ruleset_version
        || previous.effective() != computed
    {
        return Ok(None);
    }
    Ok(sign_offs::valid_for(tx.conn, tx.org, &[previous.id])
        .await?
        .into_iter()
        .next())
}

/// Assesses the opinion against the plan, superseding `previous`; holds the result for a
/// clinician when the release gate says so; opens the tasks its actions (and a hold) call
/// for; announces `assessment.created`.
pub async fn assess(
    tx: &mut Tx<'_>,
    comparison: Comparison<'_>,
    previous: Option<&AssessmentRecord>,
) -> AppResult<AssessmentRecord> {
    let today = Utc::now().date_naive();
    let input = classification_input(&comparison, today)?;
    let mut computed = classify(&input, today);
    imported::hold_lossy_imports(&mut computed, comparison.plan, comparison.opinion);
    let computed_json = serde_json::to_value(&computed)?;
    let Comparison {
        case,
        plan,
        opinion,
        reads,
        opinion_unsaved,
    } = comparison;
    let id = Uuid::now_v7();
    let review: Vec<String> = clinician_review_reasons(&computed)
        .into_iter()
        .map(|r| r.code().to_string())
        .collect();
    let carried = if review.is_empty() {
        None
    } else {
        sign_off_carried_over(
            tx,
            previous,
            opinion.id,
            plan.version,
            &computed_json,
            &computed.ruleset_version,
        )
        .await?
    };
    // The old assessment stops being current before the new one is: one current per opinion.
    if let Some(previous) = previous {
        stored::supersede(tx.conn, case.org_id, previous.id, id).await?;
    }
    let record = AssessmentRecord {
        org_id: case.org_id,
        id,
        second_opinion_id: opinion.id,
        case_id: case.id,
        plan_version: plan.version,
        context: serde_json::to_value(&input.context)?,
        effective: None,
        computed: computed_json,
        ruleset_version: computed.ruleset_version.clone(),
        outcome: code(computed.outcome),
        primary_scenario: code(computed.primary_scenario),
        urgency: code(computed.urgency),
        current: true,
        superseded_by: None,
        created_by: tx.created_by(),
        created_at: Utc::now(),
        needs_clinician_review: !review.is_empty(),
        released: review.is_empty() || carried.is_some(),
        clinician_review_reasons: review,
    };
    let written = if opinion_unsaved {
        stored::insert_with_assessment(tx.conn, opinion, &record).await
    } else {
        stored::insert_assessment(tx.conn, &record).await
    };
    let row = written.map_err(|e| {
        // Two reassessments of one opinion at once: the "one current" index refuses the second.
        if unique_violation(&e, "assessments_one_current") {
            AppError::conflict(
                "this opinion is being reassessed already; read its assessments again",
            )
        } else {
            e.into()
        }
    })?;
    if let Some(old) = carried {
        sign_offs::insert(
            tx.conn,
            &SignOffRow {
                id: Uuid::now_v7(),
                assessment_id: row.id,
                carried_from: Some(old.id),
                created_at: Utc::now(),
                ..old
            },
        )
        .await?;
    }
    let superseded = previous.map(|p| p.id);
    sync_tasks(tx, case, &reads.open_tasks, &row, &computed, superseded).await?;
    tx.emit(Event::AssessmentCreated {
        case_id: case.id,
        assessment_id: row.id,
        second_opinion_id: opinion.id,
        plan_version: plan.version,
        outcome: row.outcome.clone(),
        primary_scenario: row.primary_scenario.clone(),
        urgency: row.urgency.clone(),
        released: row.released,
    });
    Ok(row)
}

/// Keeps the case's open tasks in step with the assessment's actions in force, and its review
/// task with its hold (`domain::tasks::plan_sync` decides; this carries it out).
async fn sync_tasks(
    tx: &mut Tx<'_>,
    case: &CaseRow,
    open: &[OpenTask],
    assessment: &AssessmentRecord,
    effective: &Classification,
    superseded: Option<Uuid>,
) -> AppResult<()> {
    let today = Utc::now().date_naive();
    let held = !assessment.released;
    let sync = plan_sync(open, assessment.id, superseded, &effective.actions, held);
    for id in sync.cancel {
        task_rows::cancel(tx.conn, case.org_id, id).await?;
    }
    for id in sync.repoint {
        task_rows::repoint(tx.conn, case.org_id, id, assessment.id).await?;
    }
    for action in sync.open {
        let task = tasks::NewTask {
            case_id: case.id,
            kind: action.code().to_string(),
            title: task_title(action).unwrap_or_default().to_string(),
            assignee: case.assigned_coordinator.clone(),
            due_date: Some(due_date(effective.urgency, today, case.next_step_date)),
        };
        tasks::add(tx, task, TaskCause::Assessment(assessment.id)).await?;
    }
    if sync.open_review {
        let due = tx
            .review_deadlines
            .due(effective.urgency, assessment.created_at);
        let task = tasks::NewTask {
            case_id: case.id,
            kind: CLINICIAN_REVIEW.to_string(),
            title: CLINICIAN_REVIEW_TITLE.to_string(),
            // For the clinicians: whoever signs it off.
            assignee: None,
            due_date: Some(due.date_naive()),
        };
        tasks::add(tx, task, TaskCause::Assessment(assessment.id)).await?;
    }
    Ok(())
}
