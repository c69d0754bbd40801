//! Assessments: an opinion classified against a plan version of its case. Made when an
//! opinion arrives, again for every new plan version and on request; a clinician may override
//! the result. Each keeps the case's tasks in step with the actions in force.

use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::{AppError, AppResult, Reader, Tx, opinions, tasks};
use crate::db::cases::{self, CaseRow, PlanVersionRow};
use crate::db::error::unique_violation;
use crate::db::opinions::{self as stored, OpinionRow};
use crate::db::sign_offs::{self, SignOffRow};
use crate::db::{patients, tasks as task_rows};
use crate::domain::discordance::{
    Classification, ClassificationInput, Context, classify, clinician_review_reasons,
};
use crate::domain::tasks::{
    CLINICIAN_REVIEW, CLINICIAN_REVIEW_TITLE, OpenTask, due_date, plan_sync, task_title,
};
use crate::events::Event;
use crate::events::catalogue::TaskCause;

mod overrides;

pub use crate::db::opinions::{AssessmentRow as AssessmentRecord, OverrideRow as OverrideRecord};
pub use overrides::{NewOverride, override_assessment};

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

/// What an assessment compares: an opinion with a plan version of its case.
pub struct Comparison<'a> {
    pub case: &'a CaseRow,
    pub plan: &'a PlanVersionRow,
    pub opinion: &'a OpinionRow,
}

/// The classification input for an opinion against a plan version, with the case's context.
async fn classification_input(
    conn: &mut AsyncPgConnection,
    Comparison {
        case,
        plan,
        opinion,
    }: &Comparison<'_>,
    as_of: NaiveDate,
) -> AppResult<ClassificationInput> {
    let patient = patients::find(conn, case.org_id, case.patient_id).await?;
    Ok(ClassificationInput {
        current: parse("plan version", &plan.picture)?,
        opinion: parse("opinion", &opinion.picture)?,
        context: Context {
            as_of: Some(as_of),
            treatment_status: Some(case.treatment()),
            next_irreversible_step: case.next_step(),
            patient_country: patient.and_then(|p| p.country),
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
    let input = classification_input(tx.conn, &comparison, today).await?;
    let computed = classify(&input, today);
    let computed_json = serde_json::to_value(&computed)?;
    let Comparison {
        case,
        plan,
        opinion,
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
    let row = stored::insert_assessment(
        tx.conn,
        &AssessmentRecord {
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
        },
    )
    .await
    .map_err(|e| {
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
    sync_tasks(tx, case, &row, &computed, previous.map(|p| p.id)).await?;
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
    assessment: &AssessmentRecord,
    effective: &Classification,
    superseded: Option<Uuid>,
) -> AppResult<()> {
    let today = Utc::now().date_naive();
    let open: Vec<OpenTask> = task_rows::open_for_case(tx.conn, case.org_id, case.id)
        .await?
        .into_iter()
        .map(|t| OpenTask {
            id: t.id,
            kind: t.kind,
            assessment_id: t.assessment_id,
        })
        .collect();
    let held = !assessment.released;
    let sync = plan_sync(&open, assessment.id, superseded, &effective.actions, held);
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

/// Reassesses every active opinion of a case against a new plan version: the new assessment
/// is current, the old one records `superseded_by`.
pub async fn reassess_case(
    tx: &mut Tx<'_>,
    case: &CaseRow,
    plan: &PlanVersionRow,
) -> AppResult<()> {
    let active = stored::active_for_case(tx.conn, case.org_id, case.id).await?;
    let ids: Vec<Uuid> = active.iter().map(|o| o.id).collect();
    let mut current = stored::current_assessments(tx.conn, case.org_id, &ids).await?;
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
            tx,
            Comparison {
                case,
                plan,
                opinion: &opinion,
            },
            previous.as_ref(),
        )
        .await?;
        tx.audit(
            "assessment.create",
            "assessment",
            vec![row.id, opinion.id],
            Some(case.id),
        );
    }
    Ok(())
}

/// Assesses an opinion again against the case's current plan and context (after the
/// treatment status changed, say); the new assessment is current.
pub async fn reassess(tx: &mut Tx<'_>, opinion_id: Uuid) -> AppResult<AssessmentWithOverrides> {
    let opinion = opinions::readable(tx.conn, tx.actor, opinion_id).await?;
    if opinion.status != "received" {
        return Err(AppError::conflict(
            "this opinion was superseded by an amendment; assess the amendment",
        ));
    }
    let case = cases::lock(tx.conn, tx.org, opinion.case_id)
        .await?
        .ok_or(AppError::NotFound("case"))?;
    let plan = cases::current_plan(tx.conn, tx.org, case.id)
        .await?
        .ok_or_else(|| {
            AppError::conflict(
                "the case has no plan yet: the assessment is made when the first plan version arrives",
            )
        })?;
    let previous = stored::current_assessment(tx.conn, tx.org, opinion.id).await?;
    let comparison = Comparison {
        case: &case,
        plan: &plan,
        opinion: &opinion,
    };
    let row = assess(tx, comparison, previous.as_ref()).await?;
    tx.audit(
        "assessment.create",
        "assessment",
        vec![row.id, opinion.id],
        Some(case.id),
    );
    let annotations = Annotations::of(tx.conn, tx.org, &[row.id]).await?;
    Ok((row, annotations))
}

/// What an assessment is shown with: its overrides (oldest first) and its valid sign-off.
#[derive(Debug, Default)]
pub struct Annotations {
    pub overrides: Vec<OverrideRecord>,
    pub sign_offs: Vec<SignOffRow>,
}

impl Annotations {
    /// The overrides and sign-off of these assessments, two reads.
    pub async fn of(
        conn: &mut AsyncPgConnection,
        org: Uuid,
        ids: &[Uuid],
    ) -> AppResult<Annotations> {
        Ok(Annotations {
            overrides: stored::overrides_for(conn, org, ids).await?,
            sign_offs: sign_offs::valid_for(conn, org, ids).await?,
        })
    }

    pub fn overrides_of(&self, id: Uuid) -> Vec<&OverrideRecord> {
        self.overrides
            .iter()
            .filter(|o| o.assessment_id == id)
            .collect()
    }

    pub fn sign_off_of(&self, id: Uuid) -> Option<&SignOffRow> {
        self.sign_offs.iter().find(|s| s.assessment_id == id)
    }
}

/// An assessment with its overrides and sign-off.
pub type AssessmentWithOverrides = (AssessmentRecord, Annotations);

fn staff_assessment(row: Option<AssessmentRecord>) -> AppResult<AssessmentRecord> {
    row.ok_or(AppError::NotFound("assessment"))
}

/// An assessment with its overrides and sign-off.
pub async fn get(q: &mut Reader<'_>, id: Uuid) -> AppResult<AssessmentWithOverrides> {
    let row = staff_assessment(stored::find_assessment(q.conn, q.org, id).await?)?;
    let annotations = Annotations::of(q.conn, q.org, &[row.id]).await?;
    q.audit(
        "assessment.read",
        "assessment",
        vec![row.id],
        Some(row.case_id),
    );
    Ok((row, annotations))
}

/// A page of an opinion's assessments, newest (the current one) first, with their overrides
/// and sign-offs.
pub async fn of_opinion(
    q: &mut Reader<'_>,
    opinion_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> AppResult<(Vec<AssessmentRecord>, Annotations)> {
    let opinion = opinions::readable(q.conn, q.actor, opinion_id).await?;
    let rows = stored::assessments_for(q.conn, q.org, opinion.id, after, limit).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let annotations = Annotations::of(q.conn, q.org, &ids).await?;
    q.audit("assessment.list", "assessment", ids, Some(opinion.case_id));
    Ok((rows, annotations))
}
