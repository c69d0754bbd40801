//! Assessing again: every opinion of a case when its plan is revised, or one opinion on
//! request (after the treatment status changed, say).

use uuid::Uuid;

use super::{Annotations, AssessmentWithOverrides, Comparison, assess};
use crate::app::{AppError, AppResult, Tx, opinions};
use crate::db::cases::{self, CaseRow, PlanVersionRow};
use crate::db::opinions as stored;

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
        // Read again for each opinion: the one before may have opened tasks.
        let reads = cases::assessment_reads(tx.conn, tx.org, case).await?;
        let comparison = Comparison {
            case,
            plan,
            opinion: &opinion,
            reads: &reads,
            opinion_unsaved: false,
        };
        let row = assess(tx, comparison, previous.as_ref()).await?;
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
    let reads = cases::assessment_reads(tx.conn, tx.org, &case).await?;
    let plan = reads.plan.clone().ok_or_else(|| {
        AppError::conflict(
            "the case has no plan yet: the assessment is made when the first plan version arrives",
        )
    })?;
    let previous = stored::current_assessment(tx.conn, tx.org, opinion.id).await?;
    let comparison = Comparison {
        case: &case,
        plan: &plan,
        opinion: &opinion,
        reads: &reads,
        opinion_unsaved: false,
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
