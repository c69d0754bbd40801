//! Second opinions: taken in by `ingest`, read by staff (with their current assessment) and by
//! the partner that sent them.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::assessing::{self, AssessmentRecord};
use super::{Actor, AppError, AppResult, Reader, access};
use crate::auth::Principal;
use crate::auth::policy::{self, Op, Resource};
use crate::db::opinions::{self as stored};
use crate::db::referrals;

mod fhir;
mod ingest;

pub use crate::db::opinions::OpinionRow as OpinionRecord;
pub use fhir::{FhirIngested, ingest_document};
pub use ingest::{Ingested, Source, Submission, ingest};

/// An opinion the actor may read: staff of the tenant (not found before forbidden), or the
/// partner whose referral it answers.
pub async fn readable(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    id: Uuid,
) -> AppResult<OpinionRecord> {
    let row = stored::find(conn, actor.org_id(), id)
        .await?
        .ok_or(AppError::NotFound("second opinion"))?;
    match &actor.principal {
        Principal::User { .. } => {
            policy::require(actor, Resource::SecondOpinion, Op::Read)?;
            Ok(row)
        }
        Principal::Partner { partner_id, .. } => {
            let referral = match row.referral_id {
                Some(r) => referrals::find(conn, actor.org_id(), r).await?,
                None => None,
            };
            match referral {
                Some(r) if r.partner_id == *partner_id => Ok(row),
                _ => Err(AppError::NotFound("second opinion")),
            }
        }
        Principal::ShareLink { .. } => Err(AppError::NotFound("second opinion")),
    }
}

/// A page of a case's opinions, newest first, with their current assessments and those
/// assessments' overrides.
pub async fn of_case(
    q: &mut Reader<'_>,
    case_id: Uuid,
    after: Option<(chrono::DateTime<chrono::Utc>, Uuid)>,
    limit: i64,
) -> AppResult<(
    Vec<OpinionRecord>,
    Vec<AssessmentRecord>,
    assessing::Annotations,
)> {
    access::case(q.conn, q.actor, case_id).await?;
    let rows = stored::list_for_case(q.conn, q.org, case_id, after, limit).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let current = stored::current_assessments(q.conn, q.org, &ids).await?;
    let assessment_ids: Vec<Uuid> = current.iter().map(|a| a.id).collect();
    let annotations = assessing::Annotations::of(q.conn, q.org, &assessment_ids).await?;
    q.audit("second_opinion.list", "second_opinion", ids, Some(case_id));
    Ok((rows, current, annotations))
}

/// An opinion; staff also get its current assessment (with overrides), partners never.
pub async fn get(
    q: &mut Reader<'_>,
    id: Uuid,
) -> AppResult<(OpinionRecord, Option<assessing::AssessmentWithOverrides>)> {
    let row = readable(q.conn, q.actor, id).await?;
    let current = if q.actor.is_staff() {
        match stored::current_assessment(q.conn, q.org, row.id).await? {
            Some(a) => {
                let annotations = assessing::Annotations::of(q.conn, q.org, &[a.id]).await?;
                Some((a, annotations))
            }
            None => None,
        }
    } else {
        None
    };
    q.audit(
        "second_opinion.read",
        "second_opinion",
        vec![row.id],
        Some(row.case_id),
    );
    Ok((row, current))
}

/// The submission exactly as received.
pub async fn submission(q: &mut Reader<'_>, id: Uuid) -> AppResult<OpinionRecord> {
    let row = readable(q.conn, q.actor, id).await?;
    q.audit(
        "second_opinion.read_submission",
        "second_opinion",
        vec![row.id],
        Some(row.case_id),
    );
    Ok(row)
}
