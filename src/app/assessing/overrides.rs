//! A clinician's override of an assessment: append-only; the result in force drives actions,
//! tasks and summaries, and the computed result stays visible.

use chrono::Utc;
use uuid::Uuid;

use super::{
    AssessmentWithOverrides, Comparison, OverrideRecord, classification_input, code, parse,
    parse_code, staff_assessment, sync_tasks,
};
use crate::app::{AppError, AppResult, Tx};
use crate::db::cases;
use crate::db::opinions as stored;
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
    let row = staff_assessment(stored::find_assessment(tx.conn, tx.org, id).await?)?;
    if !row.current {
        return Err(AppError::conflict(
            "only the current assessment can be overridden",
        ));
    }
    let case = cases::lock(tx.conn, tx.org, row.case_id)
        .await?
        .ok_or(AppError::NotFound("case"))?;
    let opinion = stored::find(tx.conn, tx.org, row.second_opinion_id)
        .await?
        .ok_or(AppError::NotFound("second opinion"))?;
    let plan = cases::plan_version(tx.conn, tx.org, case.id, row.plan_version)
        .await?
        .ok_or(AppError::NotFound("plan version"))?;
    let comparison = Comparison {
        case: &case,
        plan: &plan,
        opinion: &opinion,
    };
    let mut input = classification_input(tx.conn, &comparison, Utc::now().date_naive()).await?;
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
    stored::insert_override(
        tx.conn,
        &OverrideRecord {
            org_id: tx.org,
            id: Uuid::now_v7(),
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
    let row = staff_assessment(stored::find_assessment(tx.conn, tx.org, id).await?)?;
    sync_tasks(tx, &case, &row, &effective, Some(row.id)).await?;
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
    let overrides = stored::overrides_for(tx.conn, tx.org, &[row.id]).await?;
    Ok((row, overrides))
}
