//! Patients: registered and kept by coordinators, read by the patient themself and by
//! advocates they granted a case, erased by admins.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{AppError, AppResult, Reader, Tx};
use crate::auth::{Principal, Role};
use crate::db::cases::{self, CaseFilter};
use crate::db::error::unique_violation;
use crate::db::patients::{self, NewPatientRow, PatientFilter};
use crate::events::Event;

pub use crate::db::patients::{PatientChanges as PatientChange, PatientRow as PatientRecord};

/// A patient as a coordinator registers them.
#[derive(Debug, Clone)]
pub struct Registration {
    pub display_name: String,
    pub birth_year: Option<i16>,
    pub preferred_language: Option<String>,
    pub country: Option<String>,
    pub login_sub: Option<String>,
}

/// One login, one patient: the unique index says so, and the caller hears it as a conflict.
fn login_taken(error: diesel::result::Error) -> AppError {
    if unique_violation(&error, "patients_login") {
        AppError::conflict("login_sub is already linked to another patient of this organisation")
    } else {
        error.into()
    }
}

pub async fn register(tx: &mut Tx<'_>, patient: Registration) -> AppResult<PatientRecord> {
    let row = patients::insert(
        tx.conn,
        NewPatientRow {
            org_id: tx.org,
            id: Uuid::now_v7(),
            display_name: Some(patient.display_name),
            birth_year: patient.birth_year,
            preferred_language: patient.preferred_language,
            country: patient.country,
            login_sub: patient.login_sub,
            created_by: tx.actor.created_by(),
        },
    )
    .await
    .map_err(login_taken)?;
    tx.audit("patient.create", "patient", vec![row.id], None);
    Ok(row)
}

/// A page of the organisation's patients, newest first.
pub async fn list(
    q: &mut Reader<'_>,
    login_sub: Option<String>,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> AppResult<Vec<PatientRecord>> {
    let filter = PatientFilter {
        login_sub,
        after,
        limit,
    };
    let rows = patients::list(q.conn, q.org, &filter).await?;
    q.audit(
        "patient.list",
        "patient",
        rows.iter().map(|r| r.id).collect(),
        None,
    );
    Ok(rows)
}

/// Whether the actor may see this patient record: staff of the organisation, the patient
/// themself, or an advocate with a live grant on one of the patient's cases.
async fn visible(
    conn: &mut diesel_async::AsyncPgConnection,
    principal: &Principal,
    row: &PatientRecord,
) -> AppResult<bool> {
    Ok(match principal {
        Principal::User { role, .. } if role.is_staff() => true,
        Principal::User {
            role: Role::Patient,
            subject,
            ..
        } => row.login_sub.as_deref() == Some(subject.as_str()),
        Principal::User {
            role: Role::Advocate,
            subject,
            ..
        } => {
            // One query: any of the patient's cases with a live grant to this advocate.
            let filter = CaseFilter {
                patient_id: Some(row.id),
                member_subject: Some(subject.clone()),
                limit: 1,
                ..Default::default()
            };
            !cases::list(conn, row.org_id, &filter).await?.is_empty()
        }
        _ => false,
    })
}

pub async fn get(q: &mut Reader<'_>, id: Uuid) -> AppResult<PatientRecord> {
    let row = match patients::find(q.conn, q.org, id).await? {
        Some(row) if visible(q.conn, q.actor, &row).await? => row,
        _ => return Err(AppError::NotFound("patient")),
    };
    q.audit("patient.read", "patient", vec![row.id], None);
    Ok(row)
}

pub async fn update(tx: &mut Tx<'_>, id: Uuid, change: PatientChange) -> AppResult<PatientRecord> {
    let row = patients::update(tx.conn, tx.org, id, change)
        .await
        .map_err(login_taken)?
        .ok_or(AppError::NotFound("patient"))?;
    tx.audit("patient.update", "patient", vec![id], None);
    Ok(row)
}

/// Erases a patient's health data: their cases with everything in them go, the record stays
/// as an id-only tombstone, and each case's subscribers hear it was erased.
pub async fn erase(tx: &mut Tx<'_>, id: Uuid) -> AppResult<()> {
    let row = patients::find(tx.conn, tx.org, id)
        .await?
        .ok_or(AppError::NotFound("patient"))?;
    let case_ids = patients::erase(tx.conn, tx.org, id).await?;
    let mut ids = vec![row.id];
    ids.extend(&case_ids);
    tx.audit("patient.erase", "patient", ids, None);
    for case_id in case_ids {
        tx.emit(Event::CaseErased { case_id });
    }
    Ok(())
}
