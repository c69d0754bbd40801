//! The treating oncologist's current plan, versioned: every new version reassesses the case's
//! second opinions against it.

use uuid::Uuid;

use super::precondition::{Precondition, plan_tag};
use super::{AppError, AppResult, Reader, Tx, access, assessing, cases};
use crate::db::cases as stored;
use crate::db::patients;
use crate::domain::fhir::{
    Author, ImportContext, PlanExport, PlanKind, Report, export_plan, import_plan, stable_id,
};
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
    record(tx, case_id, precondition, picture, None).await
}

/// Records the plan a FHIR R4 Bundle holds (`fhir.md` 9): read with `import_plan` against the
/// case's patient's birth year, then recorded exactly as a JSON picture, with the import
/// report stored beside the version. Answers the revision and this import's report.
pub async fn revise_from_fhir(
    tx: &mut Tx<'_>,
    case_id: Uuid,
    precondition: &Precondition,
    body: &[u8],
) -> AppResult<(Revision, Report)> {
    access::case(tx.conn, tx.actor, case_id).await?;
    let case = stored::find(tx.conn, tx.org, case_id)
        .await?
        .ok_or(AppError::NotFound("case"))?;
    let birth_year = patients::find(tx.conn, tx.org, case.patient_id)
        .await?
        .and_then(|p| p.birth_year)
        .map(i32::from);
    let imported = import_plan(
        body,
        &ImportContext::new(chrono::Utc::now()).with_birth_year(birth_year),
    )?;
    let report = imported.report;
    let stored_report = serde_json::to_value(&report)?;
    let revision = record(
        tx,
        case_id,
        precondition,
        imported.picture,
        Some(stored_report),
    )
    .await?;
    Ok((revision, report))
}

async fn record(
    tx: &mut Tx<'_>,
    case_id: Uuid,
    precondition: &Precondition,
    picture: Picture,
    fhir_report: Option<serde_json::Value>,
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
    let row = stored::insert_plan(
        tx.conn,
        tx.org,
        case_id,
        version,
        picture,
        &created_by,
        fhir_report,
    )
    .await?;
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

/// A plan version (`n`, else the current one) as the FHIR R4 collection Bundle an EHR can file
/// (`fhir.md` 9.8): stable ids, Provenance naming who entered it, the treating oncologist as
/// author. The patient's name is never exported (Concord holds a display name, not a legal one).
pub async fn fhir_export(
    q: &mut Reader<'_>,
    case_id: Uuid,
    n: Option<i32>,
) -> AppResult<(PlanVersionRecord, serde_json::Value)> {
    let row = match n {
        Some(n) => version(q, case_id, n).await?,
        None => current(q, case_id).await?,
    };
    let case = stored::find(q.conn, q.org, case_id)
        .await?
        .ok_or(AppError::NotFound("case"))?;
    let birth_year = patients::find(q.conn, q.org, case.patient_id)
        .await?
        .and_then(|p| p.birth_year)
        .map(i32::from);
    let organization_name = crate::db::organizations::find(q.conn, q.org, q.org)
        .await?
        .map_or_else(|| "Concord".to_string(), |o| o.name);
    let picture: Picture = assessing::parse("plan version", &row.picture)?;
    let version = i64::from(row.version);
    let bundle = export_plan(&PlanExport {
        picture: &picture,
        kind: PlanKind::CurrentPlan,
        case_id,
        version,
        version_id: stable_id(case_id, version, "plan-version"),
        recorded_at: row.created_at,
        patient_id: case.patient_id,
        patient_birth_year: birth_year,
        patient_name: None,
        author: case.oncologist_name.clone().map(|name| Author {
            name,
            institution: case.oncologist_institution.clone(),
            specialty: None,
        }),
        entered_by: Some(row.created_by.clone()),
        organization_id: q.org,
        organization_name,
    });
    Ok((row, bundle))
}
