//! Cases: a patient's cancer question, the treating oncologist, treatment status and the next
//! irreversible step, and where the case stands in its workflow.

use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::precondition::{Precondition, case_tag};
use super::{Actor, AppError, AppResult, Reader, Tx, access};
use crate::auth::policy::CaseAccess;
use crate::auth::{Principal, Role};
use crate::db::cases::{self, CaseChanges, CaseFilter, NewCaseRow, step_code, treatment_code};
use crate::db::{documents, patients};
use crate::domain::case_status::CaseStatus;
use crate::domain::discordance::{NextStep, TreatmentStatus};
use crate::domain::picture::Picture;
use crate::domain::records::{self, DocumentKind, RecordsChecklist};
use crate::domain::vocabulary::Vocabulary;
use crate::events::Event;
use crate::events::catalogue::CaseState;

pub use crate::db::cases::CaseRow as CaseRecord;

/// The treating oncologist.
#[derive(Debug, Clone, PartialEq)]
pub struct Oncologist {
    pub name: String,
    pub institution: Option<String>,
    pub country: Option<String>,
}

/// A case as a coordinator opens it.
#[derive(Debug, Clone)]
pub struct NewCase {
    pub patient_id: Uuid,
    pub oncologist: Option<Oncologist>,
    pub cancer_summary: Option<String>,
    pub treatment_status: Option<TreatmentStatus>,
    pub next_step: Option<NextStep>,
    pub assigned_coordinator: Option<String>,
}

/// Changes to a case: `None` leaves a field, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct CaseChange {
    pub assigned_coordinator: Option<Option<String>>,
    pub oncologist: Option<Option<Oncologist>>,
    pub cancer_summary: Option<Option<String>>,
    pub treatment_status: Option<TreatmentStatus>,
    pub next_step: Option<Option<NextStep>>,
}

/// The case as its events report it.
pub fn state(row: &CaseRecord) -> CaseState {
    CaseState {
        case_id: row.id,
        status: row.status.clone(),
        treatment_status: row.treatment_status.clone(),
    }
}

pub async fn open(tx: &mut Tx<'_>, case: NewCase) -> AppResult<CaseRecord> {
    match patients::find(tx.conn, tx.org, case.patient_id).await? {
        Some(p) if p.erased_at.is_none() => {}
        _ => {
            return Err(AppError::unprocessable_field(
                "patient_id",
                "names no patient of your organisation",
            ));
        }
    }
    let oncologist = case.oncologist.as_ref();
    let row = cases::insert(
        tx.conn,
        NewCaseRow {
            org_id: tx.org,
            id: Uuid::now_v7(),
            patient_id: case.patient_id,
            assigned_coordinator: case.assigned_coordinator.clone(),
            oncologist_name: oncologist.map(|o| o.name.trim().to_string()),
            oncologist_institution: oncologist.and_then(|o| o.institution.clone()),
            oncologist_country: oncologist.and_then(|o| o.country.clone()),
            cancer_summary: case.cancer_summary.clone(),
            treatment_status: treatment_code(
                case.treatment_status.unwrap_or(TreatmentStatus::NotStarted),
            ),
            next_step_kind: case.next_step.as_ref().map(|s| step_code(s.kind)),
            next_step_date: case.next_step.as_ref().and_then(|s| s.date),
            created_by: tx.actor.created_by(),
        },
    )
    .await?;
    tx.audit("case.create", "case", vec![row.id], Some(row.id));
    tx.emit(Event::CaseCreated(state(&row)));
    Ok(row)
}

/// Changes a case under `If-Match`.
pub async fn change(
    tx: &mut Tx<'_>,
    id: Uuid,
    precondition: &Precondition,
    change: CaseChange,
) -> AppResult<CaseRecord> {
    let oncologist = change.oncologist.as_ref();
    let changes = CaseChanges {
        assigned_coordinator: change.assigned_coordinator,
        oncologist_name: oncologist.map(|o| o.as_ref().map(|o| o.name.trim().to_string())),
        oncologist_institution: oncologist.map(|o| o.as_ref().and_then(|o| o.institution.clone())),
        oncologist_country: oncologist.map(|o| o.as_ref().and_then(|o| o.country.clone())),
        cancer_summary: change.cancer_summary,
        treatment_status: change.treatment_status.map(treatment_code),
        next_step_kind: change
            .next_step
            .as_ref()
            .map(|s| s.as_ref().map(|s| step_code(s.kind))),
        next_step_date: change
            .next_step
            .as_ref()
            .map(|s| s.as_ref().and_then(|s| s.date)),
        status: None,
    };
    apply(tx, id, precondition, changes, "case.update").await
}

/// Moves a case's status by hand: one step forward, or to closed (a closed case reopens).
pub async fn move_to(
    tx: &mut Tx<'_>,
    id: Uuid,
    precondition: &Precondition,
    to: CaseStatus,
) -> AppResult<CaseRecord> {
    let changes = CaseChanges {
        status: Some(to.code().to_string()),
        ..Default::default()
    };
    apply(tx, id, precondition, changes, "case.status").await
}

/// Applies a change to the locked case once `If-Match` and the status rules hold.
async fn apply(
    tx: &mut Tx<'_>,
    id: Uuid,
    precondition: &Precondition,
    changes: CaseChanges,
    action: &str,
) -> AppResult<CaseRecord> {
    access::case(tx.conn, tx.actor, id).await?;
    let current = cases::lock(tx.conn, tx.org, id)
        .await?
        .ok_or(AppError::NotFound("case"))?;
    precondition.check(Some(&case_tag(current.revision)))?;
    if let Some(to) = changes.status.as_deref() {
        let from = current.case_status();
        let target = CaseStatus::parse(to).unwrap_or(CaseStatus::Intake);
        if !from.can_move_to(target) {
            let allowed: Vec<String> = from
                .allowed_next()
                .iter()
                .map(|s| s.code().to_string())
                .collect();
            return Err(AppError::InvalidTransition {
                detail: format!(
                    "a case in {} cannot move to {}; allowed: {}",
                    from.code(),
                    target.code(),
                    allowed.join(", ")
                )
                .into(),
                allowed,
            });
        }
    }
    if changes.is_empty() {
        return Ok(current);
    }
    let row = cases::update(tx.conn, tx.org, id, Some(current.revision), changes)
        .await?
        .ok_or(AppError::NotFound("case"))?;
    tx.audit(action, "case", vec![id], Some(id));
    tx.emit(Event::CaseUpdated(state(&row)));
    Ok(row)
}

/// Moves the case forward to `to`, never back (a referral, an opinion, a summary, a share
/// move it on by themselves); subscribers hear of it when it moved.
pub async fn advance(tx: &mut Tx<'_>, case_id: Uuid, to: CaseStatus) -> AppResult<()> {
    if let Some(after) = cases::advance_status(tx.conn, tx.org, case_id, to).await? {
        tx.emit(Event::CaseUpdated(state(&after)));
    }
    Ok(())
}

/// `advance` for a case this transaction holds locked: its row says whether it moves, so a
/// case already there costs no statement (issue 19: statements per ingestion).
pub async fn advance_locked(tx: &mut Tx<'_>, locked: &CaseRecord, to: CaseStatus) -> AppResult<()> {
    let moves = CaseStatus::parse(&locked.status)
        .is_some_and(|from| to.moved_forward_from().contains(&from));
    if !moves {
        return Ok(());
    }
    advance(tx, locked.id, to).await
}

/// The case if the actor can see `part` of it (not found otherwise), and how it reaches it.
pub async fn visible(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    case_id: Uuid,
    part: &'static str,
) -> AppResult<(CaseRecord, CaseAccess)> {
    let access = access::case_part(conn, actor, case_id, part).await?;
    let row = cases::find(conn, actor.org_id(), case_id)
        .await?
        .ok_or(AppError::NotFound("case"))?;
    Ok((row, access))
}

pub async fn get(q: &mut Reader<'_>, id: Uuid) -> AppResult<CaseRecord> {
    let (row, _) = visible(q.conn, q.actor, id, "case").await?;
    q.audit("case.read", "case", vec![row.id], Some(row.id));
    Ok(row)
}

/// The filters of the case list.
#[derive(Debug, Clone, Default)]
pub struct CaseQuery {
    pub status: Option<CaseStatus>,
    pub coordinator: Option<String>,
    pub patient_id: Option<Uuid>,
    pub next_step_before: Option<NaiveDate>,
    pub updated_since: Option<DateTime<Utc>>,
}

/// A page of the cases the actor can see, newest first: staff see their organisation's, a
/// patient their own, an advocate the granted ones.
pub async fn list(
    q: &mut Reader<'_>,
    query: CaseQuery,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> AppResult<Vec<CaseRecord>> {
    let mut filter = CaseFilter {
        status: query.status.map(|s| s.code().to_string()),
        coordinator: query.coordinator,
        patient_id: query.patient_id,
        next_step_before: query.next_step_before,
        updated_since: query.updated_since,
        after,
        limit,
        ..Default::default()
    };
    match &q.actor.principal {
        Principal::User {
            role: Role::Patient,
            subject,
            ..
        } => filter.patient_login = Some(subject.clone()),
        Principal::User {
            role: Role::Advocate,
            subject,
            ..
        } => filter.member_subject = Some(subject.clone()),
        _ => {}
    }
    let rows = cases::list(q.conn, q.org, &filter).await?;
    q.audit(
        "case.list",
        "case",
        rows.iter().map(|r| r.id).collect(),
        None,
    );
    Ok(rows)
}

/// Which records a structured case review needs, and which are on file.
pub async fn records_checklist(q: &mut Reader<'_>, id: Uuid) -> AppResult<RecordsChecklist> {
    let (case, _) = visible(q.conn, q.actor, id, "documents").await?;
    let plan = cases::current_plan(q.conn, q.org, id).await?;
    let picture: Option<Picture> = plan.and_then(|p| serde_json::from_value(p.picture).ok());
    let present: Vec<DocumentKind> = documents::kinds_present(q.conn, q.org, id)
        .await?
        .iter()
        .filter_map(|k| DocumentKind::parse(k))
        .collect();
    q.audit("records_checklist.read", "case", vec![id], Some(id));
    Ok(records::checklist(
        picture.as_ref(),
        case.treatment(),
        &present,
        Vocabulary::standard(),
    ))
}
