//! Patients: created and kept by coordinators; read by the patient themself; erased by admins.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::State;
use super::caller::Caller;
use super::idempotency::{IdempotencyKey, respond};
use super::json::{RequestBody, ValidJson, patch_field};
use super::pagination::{Page, PageRequest};
use super::problem::{ApiError, ApiResult};
use crate::app::Creation;
use crate::app::patients::{self, PatientChange, PatientRecord, Registration};
use crate::auth::policy::{Op, Permission, Resource};
use crate::domain::validation::{FieldErrors, check_country, check_text};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_patient)
        .service(list_patients)
        .service(get_patient)
        .service(update_patient)
        .service(erase_patient);
}

const LANGUAGE_PATTERN: &str = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$";

fn check_language(value: Option<&str>, errors: &mut FieldErrors) {
    if let Some(lang) = value
        && !regex::Regex::new(LANGUAGE_PATTERN)
            .expect("valid")
            .is_match(lang)
    {
        errors.add(
            "preferred_language",
            "must be a language tag like en, es or pt-BR",
        );
    }
}

fn check_birth_year(value: Option<i32>, errors: &mut FieldErrors) {
    if let Some(year) = value
        && !(1900..=Utc::now().year()).contains(&year)
    {
        errors.add(
            "birth_year",
            format!("must be between 1900 and {}", Utc::now().year()),
        );
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"display_name": "Asha K.", "birth_year": 1968, "preferred_language": "en", "country": "IN"}))]
pub struct NewPatient {
    #[schema(pattern = r"\S", min_length = 1, max_length = 200)]
    pub display_name: String,
    #[serde(default)]
    #[schema(minimum = 1900, maximum = 2100)]
    pub birth_year: Option<i32>,
    /// A language tag: en, es, pt-BR ...
    #[serde(default)]
    #[schema(pattern = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", max_length = 35)]
    pub preferred_language: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[serde(default)]
    #[schema(pattern = "^[A-Z]{2}$")]
    pub country: Option<String>,
    /// The `sub` of the patient's own login, if they have one.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 255)]
    pub login_sub: Option<String>,
}

impl RequestBody for NewPatient {
    fn check_state(&self, errors: &mut FieldErrors) {
        check_birth_year(self.birth_year, errors);
    }

    fn check(&self, errors: &mut FieldErrors) {
        if self.display_name.trim().is_empty() {
            errors.add("display_name", "must not be blank");
        }
        check_language(self.preferred_language.as_deref(), errors);
        check_country(self.country.as_deref(), "country".into(), errors);
        check_text(
            self.display_name.as_str().into(),
            200,
            "display_name".into(),
            errors,
        );
    }
}

/// Changes to a patient (JSON merge patch: a field set to null is cleared).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"preferred_language": "hi"}))]
pub struct PatientPatch {
    #[serde(default)]
    #[schema(pattern = r"\S", min_length = 1, max_length = 200)]
    pub display_name: Option<String>,
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<i32>, minimum = 1900, maximum = 2100)]
    pub birth_year: Option<Option<i32>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<String>, pattern = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", max_length = 35)]
    pub preferred_language: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<String>, pattern = "^[A-Z]{2}$")]
    pub country: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 255)]
    pub login_sub: Option<Option<String>>,
}

impl RequestBody for PatientPatch {
    fn check_state(&self, errors: &mut FieldErrors) {
        check_birth_year(self.birth_year.flatten(), errors);
    }

    fn check(&self, errors: &mut FieldErrors) {
        if self
            .display_name
            .as_deref()
            .is_some_and(|n| n.trim().is_empty())
        {
            errors.add("display_name", "must not be blank");
        }
        check_language(self.preferred_language.clone().flatten().as_deref(), errors);
        check_country(
            self.country.clone().flatten().as_deref(),
            "country".into(),
            errors,
        );
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Patient {
    pub id: Uuid,
    /// Null once the patient's data was erased.
    pub display_name: Option<String>,
    pub birth_year: Option<i32>,
    pub preferred_language: Option<String>,
    pub country: Option<String>,
    pub login_sub: Option<String>,
    pub erased: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<PatientRecord> for Patient {
    fn from(row: PatientRecord) -> Patient {
        Patient {
            id: row.id,
            display_name: row.display_name,
            birth_year: row.birth_year.map(i32::from),
            preferred_language: row.preferred_language,
            country: row.country,
            login_sub: row.login_sub,
            erased: row.erased_at.is_some(),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// Register a patient.
///
/// Coordinators and clinicians register a patient in their organisation. `login_sub` links the
/// patient's own login, and one login names one patient (a second is a 409). Audited; no event is
/// sent. A retry with the same `Idempotency-Key` and body replays the first answer.
#[utoipa::path(
    tag = "patients",
    request_body = NewPatient,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a retry with the same body")),
    responses(
        (status = 201, description = "Created", body = Patient, headers(("Location" = String))),
        (status = 409, description = "The Idempotency-Key is in flight, or login_sub is already linked to another patient", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The Idempotency-Key was used with another body", body = super::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("jwt" = [])),
)]
#[post("")]
pub async fn create_patient(
    state: State,
    caller: Caller,
    req: HttpRequest,
    key: IdempotencyKey,
    body: ValidJson<NewPatient>,
) -> ApiResult<HttpResponse> {
    let permit = caller.permit(Permission::Role(Resource::PatientRecord, Op::Create))?;
    let once = key.once(&caller, &req, &body.raw);
    let p = body.into_inner();
    let patient = Registration {
        display_name: p.display_name.trim().to_string(),
        birth_year: p.birth_year.map(|y| y as i16),
        preferred_language: p.preferred_language,
        country: p.country,
        login_sub: p.login_sub,
    };
    let creation = state
        .app
        .create_once(permit, once.as_ref(), async |tx| {
            let row = patients::register(tx, patient).await?;
            let location = format!("/v1/patients/{}", row.id);
            Ok(Creation::created(Patient::from(row)).at(location))
        })
        .await?;
    Ok(respond(creation))
}

#[derive(Debug, Deserialize, Serialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PatientQuery {
    /// Only the patient with this login subject.
    pub login_sub: Option<String>,
    /// Page size, 1-200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// From a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// The organisation's patients, newest first.
///
/// For coordinators, clinicians and admins (patients and advocates get a 403 and read a record by
/// id). `login_sub` finds the patient with that login; erased patients appear as tombstones with
/// `erased` true. Paged with `limit` and `cursor`: pass back `next_cursor` until it is null. The
/// read is audited.
#[utoipa::path(tag = "patients", params(PatientQuery), responses((status = 200, description = "A page of patients", body = Page<Patient>)), security(("jwt" = [])))]
#[get("")]
pub async fn list_patients(
    state: State,
    caller: Caller,
    query: web::Query<PatientQuery>,
) -> ApiResult<web::Json<Page<Patient>>> {
    let permit = caller.permit(Permission::Role(Resource::PatientRecord, Op::Read))?;
    if !caller.is_staff() {
        return Err(ApiError::forbidden(
            "patients and advocates read a patient record by id",
        ));
    }
    let page = PageRequest::new(query.limit, query.cursor.as_deref(), &*query)?;
    let rows = state
        .app
        .read(permit, async |q| {
            patients::list(q, query.login_sub.clone(), page.after, page.fetch()).await
        })
        .await?;
    Ok(web::Json(page.page(
        rows,
        |r| (r.created_at, r.id),
        Patient::from,
    )))
}

/// A patient record.
///
/// Staff read any patient of their organisation, a patient their own record, an advocate the
/// patient of a case they hold a live grant on; anyone else gets a 404. The read is audited.
#[utoipa::path(tag = "patients", params(("id" = Uuid, Path)), responses((status = 200, description = "The patient", body = Patient)), security(("jwt" = [])))]
#[get("/{id}")]
pub async fn get_patient(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Patient>> {
    let permit = caller.permit(Permission::Role(Resource::PatientRecord, Op::Read))?;
    let row = state
        .app
        .read(permit, async |q| patients::get(q, *id).await)
        .await?;
    Ok(web::Json(row.into()))
}

/// Change a patient record (merge patch).
///
/// Coordinators and clinicians; absent fields stay as they are, `null` clears an optional one. A
/// `login_sub` already linked to another patient is a 409, and an erased patient is a 404. The
/// change is audited and sends no event.
#[utoipa::path(tag = "patients", params(("id" = Uuid, Path)), request_body = PatientPatch, responses((status = 200, description = "Updated", body = Patient), (status = 409, description = "login_sub is already linked to another patient", body = super::problem::Problem, content_type = "application/problem+json")), security(("jwt" = [])))]
#[patch("/{id}")]
pub async fn update_patient(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<PatientPatch>,
) -> ApiResult<web::Json<Patient>> {
    let permit = caller.permit(Permission::Role(Resource::PatientRecord, Op::Update))?;
    let p = body.into_inner();
    let change = PatientChange {
        display_name: p.display_name.map(|n| Some(n.trim().to_string())),
        birth_year: p.birth_year.map(|y| y.map(|y| y as i16)),
        preferred_language: p.preferred_language,
        country: p.country,
        login_sub: p.login_sub,
        updated_at: None,
    };
    let row = state
        .app
        .write(permit, async |tx| patients::update(tx, *id, change).await)
        .await?;
    Ok(web::Json(row.into()))
}

/// Erase a patient's health data.
///
/// Deletes the patient's cases with their plans, documents, raw submissions, assessments,
/// summaries and share links (which stop working at once); the patient record stays as an
/// id-only tombstone, and the id-only audit trail remains.
#[utoipa::path(tag = "patients", params(("id" = Uuid, Path)), responses((status = 204, description = "Erased")), security(("jwt" = [])))]
#[delete("/{id}")]
pub async fn erase_patient(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let permit = caller.permit(Permission::Role(Resource::PatientRecord, Op::Delete))?;
    state
        .app
        .write(permit, async |tx| patients::erase(tx, *id).await)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_and_birth_years_are_checked() {
        let mut errors = FieldErrors::new();
        check_language(Some("pt-BR"), &mut errors);
        check_language(Some("en"), &mut errors);
        check_birth_year(Some(1968), &mut errors);
        assert!(errors.is_empty());
        check_language(Some("English"), &mut errors);
        check_birth_year(Some(1800), &mut errors);
        assert_eq!(errors.into_vec().len(), 2);
    }
}
