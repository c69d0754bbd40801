//! Patients: display name, birth year, language, country, optional login subject; erasure.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::newest_first;
use super::schema::{cases, patient_keys, patients};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = patients)]
pub struct PatientRow {
    pub org_id: Uuid,
    pub id: Uuid,
    pub display_name: Option<String>,
    pub birth_year: Option<i16>,
    pub preferred_language: Option<String>,
    pub country: Option<String>,
    pub login_sub: Option<String>,
    pub erased_at: Option<DateTime<Utc>>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = patients)]
pub struct NewPatientRow {
    pub org_id: Uuid,
    pub id: Uuid,
    pub display_name: Option<String>,
    pub birth_year: Option<i16>,
    pub preferred_language: Option<String>,
    pub country: Option<String>,
    pub login_sub: Option<String>,
    pub created_by: String,
}

/// Changes to a patient; `None` leaves a field, `Some(None)` clears it.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = patients)]
pub struct PatientChanges {
    pub display_name: Option<Option<String>>,
    pub birth_year: Option<Option<i16>>,
    pub preferred_language: Option<Option<String>>,
    pub country: Option<Option<String>>,
    pub login_sub: Option<Option<String>>,
    pub updated_at: Option<DateTime<Utc>>,
}

pub async fn insert(conn: &mut AsyncPgConnection, row: NewPatientRow) -> QueryResult<PatientRow> {
    diesel::insert_into(patients::table)
        .values(row)
        .returning(PatientRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<PatientRow>> {
    patients::table
        .filter(patients::org_id.eq(org_id))
        .filter(patients::id.eq(id))
        .select(PatientRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    id: Uuid,
    changes: PatientChanges,
) -> QueryResult<Option<PatientRow>> {
    diesel::update(
        patients::table
            .filter(patients::org_id.eq(org_id))
            .filter(patients::id.eq(id))
            .filter(patients::erased_at.is_null()),
    )
    .set(PatientChanges {
        updated_at: Some(Utc::now()),
        ..changes
    })
    .returning(PatientRow::as_returning())
    .get_result(conn)
    .await
    .optional()
}

/// Filters for the patient list.
#[derive(Debug, Clone, Default)]
pub struct PatientFilter {
    pub login_sub: Option<String>,
    pub after: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    filter: &PatientFilter,
) -> QueryResult<Vec<PatientRow>> {
    let mut query = newest_first!(
        patients::table.filter(patients::org_id.eq(org_id)),
        patients::created_at,
        patients::id,
        filter.after,
        filter.limit
    );
    if let Some(sub) = &filter.login_sub {
        query = query.filter(patients::login_sub.eq(sub));
    }
    query.select(PatientRow::as_select()).load(conn).await
}

/// The patient record of a login subject, for the patient role.
pub async fn find_by_login(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    subject: &str,
) -> QueryResult<Option<PatientRow>> {
    patients::table
        .filter(patients::org_id.eq(org_id))
        .filter(patients::login_sub.eq(subject))
        .filter(patients::erased_at.is_null())
        .select(PatientRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The patient's erasure key; none before the first sealed document, and none after erasure.
pub async fn erasure_key(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    patient_id: Uuid,
) -> QueryResult<Option<Vec<u8>>> {
    patient_keys::table
        .filter(patient_keys::org_id.eq(org_id))
        .filter(patient_keys::patient_id.eq(patient_id))
        .select(patient_keys::key)
        .first(conn)
        .await
        .optional()
}

/// Stores `key` as the patient's erasure key unless one exists; answers the key in force.
pub async fn ensure_erasure_key(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    patient_id: Uuid,
    key: &[u8],
) -> QueryResult<Vec<u8>> {
    diesel::insert_into(patient_keys::table)
        .values((
            patient_keys::org_id.eq(org_id),
            patient_keys::patient_id.eq(patient_id),
            patient_keys::key.eq(key),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    erasure_key(conn, org_id, patient_id)
        .await?
        .ok_or(diesel::result::Error::NotFound)
}

/// Erases a patient's health data: their cases go (and with them plans, documents, raw
/// submissions, assessments, summaries and share links, by cascade); the patient row stays
/// as an id-only tombstone. Returns the erased case ids.
pub async fn erase(conn: &mut AsyncPgConnection, org_id: Uuid, id: Uuid) -> QueryResult<Vec<Uuid>> {
    // What is sealed under the patient's key can never be read again.
    diesel::delete(
        patient_keys::table
            .filter(patient_keys::org_id.eq(org_id))
            .filter(patient_keys::patient_id.eq(id)),
    )
    .execute(conn)
    .await?;
    let case_ids: Vec<Uuid> = diesel::delete(
        cases::table
            .filter(cases::org_id.eq(org_id))
            .filter(cases::patient_id.eq(id)),
    )
    .returning(cases::id)
    .get_results(conn)
    .await?;
    diesel::update(
        patients::table
            .filter(patients::org_id.eq(org_id))
            .filter(patients::id.eq(id)),
    )
    .set((
        patients::display_name.eq(None::<String>),
        patients::birth_year.eq(None::<i16>),
        patients::preferred_language.eq(None::<String>),
        patients::country.eq(None::<String>),
        patients::login_sub.eq(None::<String>),
        patients::erased_at.eq(Utc::now()),
        patients::updated_at.eq(Utc::now()),
    ))
    .execute(conn)
    .await?;
    Ok(case_ids)
}
