//! The treating oncologist's current plan, versioned: every new version reassesses the case's
//! second opinions against it.

use uuid::Uuid;

use super::precondition::{Precondition, plan_tag};
use super::{AppError, AppResult, Reader, Tx, access, assessing, cases};
use crate::db::cases as stored;
use crate::domain::picture::Picture;
use crate::events::Event;

pub use crate::db::cases::PlanVersionRow as PlanVersionRecord;

/// What recording a plan did.
#[derive(Debug)]
pub enum Revision {
    /// The case's first plan version.
    First(PlanVersionRecord),
    /// A new version after earlier ones.
    New(PlanVersionRecord),
    /// The picture equals the current version: nothing was created.
    Unchanged(PlanVersionRecord),
}

impl Revision {
    pub fn version(self) -> PlanVersionRecord {
        match self {
            Revision::First(v) | Revision::New(v) | Revision::Unchanged(v) => v,
        }
    }
}

/// Records `picture` as the case's current plan under `If-Match`, and reassesses every
/// active opinion of the case against the new version.
pub async fn revise(
    tx: &mut Tx<'_>,
    case_id: Uuid,
    precondition: &Precondition,
    picture: Picture,
) -> AppResult<Revision> {
    let picture = serde_json::to_value(picture.normalised())?;
    access::case(tx.conn, tx.actor, case_id).await?;
    let case = stored::lock(tx.conn, tx.org, case_id)
        .await?
        .ok_or(AppError::NotFound("case"))?;
    let current = stored::current_plan(tx.conn, tx.org, case_id).await?;
    precondition.check(current.as_ref().map(|p| plan_tag(p.version)).as_deref())?;
    if let Some(current) = current.as_ref().filter(|p| p.picture == picture) {
        return Ok(Revision::Unchanged(current.clone()));
    }
    let version = current.as_ref().map_or(1, |p| p.version + 1);
    let created_by = tx.created_by();
    let row = stored::insert_plan(tx.conn, tx.org, case_id, version, picture, &created_by).await?;
    stored::touch(tx.conn, tx.org, case_id).await?;
    tx.audit("plan.revise", "plan_version", vec![case_id], Some(case_id));
    tx.emit(Event::PlanRevised {
        case_id,
        plan_version: version,
    });
    assessing::reassess_case(tx, &case, &row).await?;
    Ok(if version == 1 {
        Revision::First(row)
    } else {
        Revision::New(row)
    })
}

/// The current plan version.
pub async fn current(q: &mut Reader<'_>, case_id: Uuid) -> AppResult<PlanVersionRecord> {
    cases::visible(q.conn, q.actor, case_id, "case").await?;
    let row = stored::current_plan(q.conn, q.org, case_id)
        .await?
        .ok_or(AppError::NotFound("plan"))?;
    q.audit("plan.read", "plan_version", vec![case_id], Some(case_id));
    Ok(row)
}

/// A page of the plan's versions, newest first, before version `before`.
pub async fn versions(
    q: &mut Reader<'_>,
    case_id: Uuid,
    before: Option<i32>,
    limit: i64,
) -> AppResult<Vec<PlanVersionRecord>> {
    cases::visible(q.conn, q.actor, case_id, "case").await?;
    let rows = stored::plan_versions(q.conn, q.org, case_id, before, limit).await?;
    q.audit("plan.list", "plan_version", vec![case_id], Some(case_id));
    Ok(rows)
}

/// Version `n` of the plan; versions never change.
pub async fn version(q: &mut Reader<'_>, case_id: Uuid, n: i32) -> AppResult<PlanVersionRecord> {
    cases::visible(q.conn, q.actor, case_id, "case").await?;
    let row = stored::plan_version(q.conn, q.org, case_id, n)
        .await?
        .ok_or(AppError::NotFound("plan version"))?;
    q.audit("plan.read", "plan_version", vec![case_id], Some(case_id));
    Ok(row)
}
