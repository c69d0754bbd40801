//! The clinician release gate (api.md, "Clinician sign-off"): a result the engine holds for
//! review reaches the patient only after a clinician signs it off. A sign-off records the
//! result it approved, releases the summaries that say that result, and completes the review
//! task; the queue lists what still waits, urgent first.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::error::GateRefusal;
use super::precondition::Precondition;
use super::{AppError, AppResult, Reader, Tx, assessing, cases, tasks};
use crate::db::cases as case_rows;
use crate::db::error::unique_violation;
use crate::db::opinions::{self as stored, AssessmentRow, OverrideRow};
use crate::db::sign_offs::{self, QueuePosition, SignOffRow};
use crate::db::summaries;
use crate::domain::case_status::CaseStatus;
use crate::domain::discordance::Urgency;
use crate::events::Event;

pub use crate::db::sign_offs::SignOffRow as SignOffRecord;

/// An assessment's version for `If-Match`: it changes with every override and sign-off, and
/// when the assessment stops being current.
pub fn assessment_tag(
    row: &AssessmentRow,
    overrides: &[OverrideRow],
    sign_off: Option<&SignOffRow>,
) -> String {
    let overridden = overrides
        .iter()
        .filter(|o| o.assessment_id == row.id)
        .count();
    let signed = sign_off.map_or_else(|| "0".to_string(), |s| s.id.simple().to_string());
    let state = if row.current { "c" } else { "s" };
    format!("\"assessment-{overridden}-{signed}-{state}\"")
}

/// A clinician signs off a held assessment's result in force: it is released to the patient
/// with the summaries that say it; the review task is done.
pub async fn sign_off(
    tx: &mut Tx<'_>,
    assessment_id: Uuid,
    reason: String,
    precondition: &Precondition,
) -> AppResult<(SignOffRecord, AssessmentRow)> {
    let found = stored::find_assessment(tx.conn, tx.org, assessment_id)
        .await?
        .ok_or(AppError::NotFound("assessment"))?;
    // The case, then the assessment, as overrides take them: one of the two waits.
    case_rows::lock(tx.conn, tx.org, found.case_id)
        .await?
        .ok_or(AppError::NotFound("assessment"))?;
    let row = stored::lock_assessment(tx.conn, tx.org, assessment_id)
        .await?
        .ok_or(AppError::NotFound("assessment"))?;
    let overrides = stored::overrides_for(tx.conn, tx.org, &[row.id]).await?;
    let existing = sign_offs::valid_for(tx.conn, tx.org, &[row.id])
        .await?
        .into_iter()
        .next();
    precondition.check(Some(&assessment_tag(&row, &overrides, existing.as_ref())))?;
    let opinion_current = stored::find(tx.conn, tx.org, row.second_opinion_id)
        .await?
        .is_some_and(|o| o.status == "received");
    if !row.current || !opinion_current {
        return Err(AppError::gate(
            GateRefusal::AssessmentSuperseded,
            "this assessment was replaced by a reassessment or an amended opinion; sign off the current one",
        ));
    }
    if !row.needs_clinician_review {
        return Err(AppError::gate(
            GateRefusal::NoReviewNeeded,
            "the release gate did not hold this result; it needs no sign-off",
        ));
    }
    if existing.is_some() {
        return Err(AppError::gate(
            GateRefusal::AlreadySignedOff,
            "a clinician has signed off this assessment already",
        ));
    }
    let record = sign_offs::insert(
        tx.conn,
        &SignOffRow {
            org_id: tx.org,
            id: Uuid::now_v7(),
            assessment_id: row.id,
            signed_by: tx.actor.actor_id(),
            reason,
            approved_outcome: row.outcome.clone(),
            approved_primary_scenario: row.primary_scenario.clone(),
            approved_override_id: overrides.last().map(|o| o.id),
            carried_from: None,
            voided_by_override: None,
            voided_at: None,
            created_at: Utc::now(),
        },
    )
    .await
    .map_err(|e| {
        if unique_violation(&e, "assessment_sign_offs_one_valid") {
            AppError::gate(
                GateRefusal::AlreadySignedOff,
                "a clinician has signed off this assessment already",
            )
        } else {
            e.into()
        }
    })?;
    stored::set_released(tx.conn, tx.org, row.id, true).await?;
    tasks::finish_review(tx, row.case_id, row.id).await?;
    tx.audit(
        "assessment.sign_off",
        "assessment",
        vec![row.id, record.id],
        Some(row.case_id),
    );
    tx.emit(Event::AssessmentSignedOff {
        case_id: row.case_id,
        assessment_id: row.id,
        sign_off_id: record.id,
        released: true,
        outcome: record.approved_outcome.clone(),
        primary_scenario: record.approved_primary_scenario.clone(),
    });
    release_summaries(tx, &row, &record).await?;
    let row = stored::find_assessment(tx.conn, tx.org, row.id)
        .await?
        .ok_or(AppError::NotFound("assessment"))?;
    Ok((record, row))
}

/// Releases the held summaries that say the approved result; the case is ready for the
/// patient once one is.
async fn release_summaries(
    tx: &mut Tx<'_>,
    assessment: &AssessmentRow,
    approved: &SignOffRow,
) -> AppResult<()> {
    let released = summaries::release(
        tx.conn,
        tx.org,
        assessment.id,
        &approved.approved_outcome,
        &approved.approved_primary_scenario,
    )
    .await?;
    for summary in &released {
        tx.audit(
            "summary.release",
            "summary",
            vec![summary.id, assessment.id],
            Some(summary.case_id),
        );
        tx.emit(Event::SummaryReleased {
            case_id: summary.case_id,
            summary_id: summary.id,
            assessment_id: assessment.id,
        });
    }
    if !released.is_empty() {
        cases::advance(tx, assessment.case_id, CaseStatus::SummaryReady).await?;
    }
    Ok(())
}

/// A held assessment in the queue: how long it has waited and whether that is too long.
pub struct Waiting {
    pub assessment: AssessmentRow,
    pub due_at: DateTime<Utc>,
    pub overdue: bool,
}

/// Where the queue goes on from, for the next page.
pub fn position(row: &AssessmentRow) -> QueuePosition {
    (row.urgency == "urgent", row.created_at, row.id)
}

/// The review queue: current held assessments, urgent first, then oldest first.
pub async fn queue(
    q: &mut Reader<'_>,
    after: Option<QueuePosition>,
    limit: i64,
) -> AppResult<Vec<Waiting>> {
    let rows = sign_offs::queue(q.conn, q.org, after, limit).await?;
    let now = Utc::now();
    let deadlines = q.review_deadlines;
    let waiting = rows
        .into_iter()
        .map(|row| {
            let urgency: Urgency =
                assessing::parse_code(Some(&row.urgency)).unwrap_or(Urgency::BeforeNextDecision);
            let due_at = deadlines.due(urgency, row.created_at);
            Waiting {
                overdue: due_at <= now,
                due_at,
                assessment: row,
            }
        })
        .collect::<Vec<_>>();
    q.audit(
        "assessment.review_queue",
        "assessment",
        waiting.iter().map(|w| w.assessment.id).collect(),
        None,
    );
    Ok(waiting)
}
