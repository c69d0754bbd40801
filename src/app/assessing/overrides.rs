//! A clinician's override of an assessment: append-only; the result in force drives actions,
//! tasks and summaries, and the computed result stays visible.

use chrono::Utc;
use uuid::Uuid;

use super::{
    Annotations, AssessmentWithOverrides, Comparison, OverrideRecord, classification_input, code,
    parse, parse_code, staff_assessment, sync_tasks,
};
use crate::app::{AppError, AppResult, Tx};
use crate::db::opinions as stored;
use crate::db::{cases, sign_offs, summaries};
use crate::domain::discordance::{Classification, Outcome, Override, Scenario, apply_overrides};
use crate::events::Event;

/// A clinician's override of an assessment's outcome and/or primary scenario.
#[derive(Debug, Clone)]
pub struct NewOverride {
    pub outcome: Option<Outcome>,
    pub primary_scenario: Option<Scenario>,
    pub reason: String,
}

/// Overrides the current assessment (append-only): the effective result drives actions,
/// tasks and summaries; the computed result stays visible.
pub async fn override_assessment(
    tx: &mut Tx<'_>,
    id: Uuid,
    new: NewOverride,
) -> AppResult<AssessmentWithOverrides> {
    let found = staff_assessment(stored::find_assessment(tx.conn, tx.org, id).await?)?;
    // The case, then the assessment: the order every writer of both takes, so an override
    // and a sign-off of one assessment queue behind each other and never deadlock.
    let case = cases::lock(tx.conn, tx.org, found.case_id)
        .await?
        .ok_or(AppError::NotFound("case"))?;
    let row = staff_assessment(stored::lock_assessment(tx.conn, tx.org, id).await?)?;
    if !row.current {
        return Err(AppError::conflict(
            "only the current assessment can be overridden",
        ));
    }
    let opinion = stored::find(tx.conn, tx.org, row.second_opinion_id)
        .await?
        .ok_or(AppError::NotFound("second opinion"))?;
    let plan = cases::plan_version(tx.conn, tx.org, case.id, row.plan_version)
        .await?
        .ok_or(AppError::NotFound("plan version"))?;
    let reads = cases::assessment_reads(tx.conn, tx.org, &case).await?;
    let comparison = Comparison {
        case: &case,
        plan: &plan,
        opinion: &opinion,
        reads: &reads,
        opinion_unsaved: false,
    };
    // The context the assessment was made in, not today's.
    let mut input = classification_input(&comparison, Utc::now().date_naive())?;
    input.context = parse("assessment context", &row.context)?;
    let computed: Classification = parse("assessment", &row.computed)?;
    let mut history: Vec<Override> = stored::overrides_for(tx.conn, tx.org, &[row.id])
        .await?
        .iter()
        .map(|r| Override {
            outcome: parse_code(r.outcome.as_deref()),
            primary_scenario: parse_code(r.primary_scenario.as_deref()),
        })
        .collect();
    history.push(Override {
        outcome: new.outcome,
        primary_scenario: new.primary_scenario,
    });
    let effective = apply_overrides(&input, &computed, &history).map_err(AppError::Invalid)?;
    let override_id = Uuid::now_v7();
    stored::insert_override(
        tx.conn,
        &OverrideRecord {
            org_id: tx.org,
            id: override_id,
            assessment_id: row.id,
            outcome: new.outcome.map(code),
            primary_scenario: new.primary_scenario.map(code),
            reason: new.reason,
            created_by: tx.created_by(),
            created_at: Utc::now(),
        },
    )
    .await?;
    stored::set_effective(
        tx.conn,
        tx.org,
        row.id,
        Some(serde_json::to_value(&effective)?),
        &code(effective.outcome),
        &code(effective.primary_scenario),
        &code(effective.urgency),
    )
    .await?;
    // A sign-off approved the result before this override: it no longer stands, and what it
    // released waits for the next one (share links already sent keep what they showed).
    if sign_offs::void(tx.conn, tx.org, row.id, override_id).await? {
        stored::set_released(tx.conn, tx.org, row.id, false).await?;
        summaries::withhold(tx.conn, tx.org, row.id).await?;
    }
    let row = staff_assessment(stored::find_assessment(tx.conn, tx.org, id).await?)?;
    sync_tasks(tx, &case, &reads.open_tasks, &row, &effective, Some(row.id)).await?;
    tx.audit(
        "assessment.override",
        "assessment",
        vec![row.id],
        Some(case.id),
    );
    tx.emit(Event::AssessmentOverridden {
        case_id: case.id,
        assessment_id: row.id,
        outcome: row.outcome.clone(),
        primary_scenario: row.primary_scenario.clone(),
        urgency: row.urgency.clone(),
        computed_outcome: code(computed.outcome),
        computed_primary_scenario: code(computed.primary_scenario),
    });
    let annotations = Annotations::of(tx.conn, tx.org, &[row.id]).await?;
    Ok((row, annotations))
}
