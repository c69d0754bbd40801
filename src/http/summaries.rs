//! Patient summaries: built from an assessment's effective result and stored as a snapshot;
//! served as JSON, Markdown, HTML or a one-page PDF; and a stateless preview.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::State;
use super::caller::Caller;
use super::idempotency::{IdempotencyKey, respond};
use super::json::{RequestBody, ValidJson};
use super::negotiate::{self, Format, render};
use super::pagination::{Page, PageRequest};
use super::problem::ApiResult;
use crate::app::summaries::{self, SummaryOptions, SummaryRecord};
use crate::app::{AppError, Creation};
use crate::auth::policy::{Op, Permission, Resource};
use crate::domain::discordance::{ClassificationInput, classify};
use crate::domain::summary::{Summary, SummaryRequest};
use crate::domain::validation::FieldErrors;

/// Under `/v1/assessments`.
pub fn assessment_routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_summary);
}

/// Under `/v1/cases`.
pub fn case_routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_case_summaries);
}

/// Under `/v1/summaries`.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_summary)
        .service(get_summary_pdf)
        .service(preview);
}

/// A stored summary: which assessment and plan version it describes, and its content.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoredSummary {
    pub id: Uuid,
    pub assessment_id: Uuid,
    pub case_id: Uuid,
    pub plan_version: i32,
    pub generated_at: DateTime<Utc>,
    pub created_by: String,
    #[serde(flatten)]
    pub content: Summary,
}

fn stored(row: &SummaryRecord) -> Result<StoredSummary, AppError> {
    Ok(StoredSummary {
        id: row.id,
        assessment_id: row.assessment_id,
        case_id: row.case_id,
        plan_version: row.plan_version,
        generated_at: row.generated_at,
        created_by: row.created_by.clone(),
        content: summaries::content(row)?,
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"language": "en"}))]
pub struct NewSummary {
    /// A supported template language (en, es); default: the patient's preferred language.
    #[serde(default)]
    #[schema(pattern = "^[a-z]{2,3}$")]
    pub language: Option<String>,
    /// Default: the first word of the patient's display name.
    #[serde(default)]
    #[schema(pattern = r"\S", max_length = 100)]
    pub patient_first_name: Option<String>,
    /// Default: the treating oncologist on the case.
    #[serde(default)]
    #[schema(pattern = r"\S", max_length = 200)]
    pub oncologist_name: Option<String>,
}

impl RequestBody for NewSummary {}

/// Write the patient summary of an assessment (its effective result) and store it.
///
/// Coordinators and clinicians. Written in `language`, else the patient's preferred one, else
/// English (no templates: 422). A summary of a result held for a clinician's sign-off is held too:
/// only staff read it until the sign-off. Sends `summary.generated`; a released one moves the case
/// on to `summary_ready`. Audited; Idempotency-Key retries replay.
#[utoipa::path(
    tag = "summaries",
    params(("id" = Uuid, Path, description = "The assessment"), ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a retry with the same body")),
    request_body = NewSummary,
    responses(
        (status = 201, description = "The stored summary", body = StoredSummary, headers(("Location" = String))),
        (status = 409, description = "The Idempotency-Key is in flight", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No templates for the language, or the Idempotency-Key was used with another body", body = super::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("jwt" = [])),
)]
#[post("/{id}/summaries")]
pub async fn create_summary(
    state: State,
    caller: Caller,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    body: ValidJson<NewSummary>,
) -> ApiResult<HttpResponse> {
    let permit = caller.permit(Permission::Role(Resource::Summary, Op::Create))?;
    let once = key.once(&caller, &req, &body.raw);
    let request = body.into_inner();
    let options = SummaryOptions {
        language: request.language,
        patient_first_name: request.patient_first_name,
        oncologist_name: request.oncologist_name,
    };
    let creation = state
        .app
        .create_once(permit, once.as_ref(), async |tx| {
            let row = summaries::write(tx, *id, options).await?;
            let location = format!("/v1/summaries/{}", row.id);
            Ok(Creation::created(stored(&row)?).at(location))
        })
        .await?;
    Ok(respond(creation))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FormatQuery {
    /// Overrides Accept: json, md (Markdown), html or pdf.
    #[param(inline)]
    pub format: Option<negotiate::FormatParam>,
}

/// A stored summary in the format `Accept` (or `?format=`) asks for.
///
/// Staff read any summary of their organisation; the patient and an advocate granted summaries read
/// it once released (a held one is a 404 to them). JSON by default, or Markdown, HTML or PDF by
/// `?format=` or `Accept` (406 when none fits; 503 when the PDF renderer is busy). `Vary: Accept`;
/// the read is audited.
#[utoipa::path(
    tag = "summaries",
    params(("id" = Uuid, Path), FormatQuery),
    responses(
        (status = 200, description = "The summary", content(
            (StoredSummary = "application/json"),
            (String = "text/markdown"),
            (String = "text/html"),
            (Vec<u8> = "application/pdf"),
        )),
        (status = 406, description = "None of the accepted types is offered", body = super::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("jwt" = [])),
)]
#[get("/{id}")]
pub async fn get_summary(
    state: State,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    query: web::Query<FormatQuery>,
) -> ApiResult<HttpResponse> {
    let permit = caller.permit(Permission::Role(Resource::Summary, Op::Read))?;
    let format = negotiate::choose(&req, query.format)?;
    read_summary(&state, permit, *id, format).await
}

/// A stored summary as its one-page PDF (the same as `GET /v1/summaries/{id}` with
/// `Accept: application/pdf`, for clients that want one response type per operation).
///
/// Readable by the same callers as `GET /v1/summaries/{id}`: staff, and once released the patient
/// and an advocate granted summaries; anyone else gets a 404. A busy PDF renderer answers 503 with
/// `Retry-After`. The read is audited.
#[utoipa::path(
    tag = "summaries",
    params(("id" = Uuid, Path)),
    responses((status = 200, description = "The one-page PDF", content_type = "application/pdf", body = Vec<u8>)),
    security(("jwt" = [])),
)]
#[get("/{id}/pdf")]
pub async fn get_summary_pdf(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let permit = caller.permit(Permission::Role(Resource::Summary, Op::Read))?;
    read_summary(&state, permit, *id, Format::Pdf).await
}

/// Reads a stored summary this caller may see (the read is audited) and renders it; the
/// connection goes back to the pool before the (slow) PDF rendering.
async fn read_summary(
    state: &State,
    permit: crate::app::Permit<'_>,
    id: Uuid,
    format: Format,
) -> ApiResult<HttpResponse> {
    let row = state
        .app
        .read(permit, async |q| summaries::get(q, id).await)
        .await?;
    let view = stored(&row)?;
    let content = view.content.clone();
    render(&state.pdf_slots, format, view, &content).await
}

/// A case's summaries, newest first.
///
/// Staff see all of the case's summaries; the patient and an advocate granted summaries see only
/// released ones; any other case is a 404. Paged with `limit` and `cursor`: pass back `next_cursor`
/// until it is null. The read is audited.
#[utoipa::path(tag = "summaries", params(("id" = Uuid, Path), super::pagination::PageQuery), responses((status = 200, description = "A page of summaries", body = Page<StoredSummary>)), security(("jwt" = [])))]
#[get("/{id}/summaries")]
pub async fn list_case_summaries(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<super::pagination::PageQuery>,
) -> ApiResult<web::Json<Page<StoredSummary>>> {
    let permit = caller.permit(Permission::Role(Resource::Summary, Op::Read))?;
    let page = PageRequest::new(query.limit, query.cursor.as_deref(), &*id)?;
    let rows = state
        .app
        .read(permit, async |q| {
            summaries::of_case(q, *id, page.after, page.fetch()).await
        })
        .await?;
    let items = rows
        .iter()
        .take(page.limit as usize)
        .map(stored)
        .collect::<Result<Vec<_>, _>>()?;
    let next = page
        .page(rows, |r| (r.generated_at, r.id), |r| r)
        .next_cursor;
    Ok(web::Json(Page {
        items,
        next_cursor: next,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewPatient {
    #[serde(default)]
    #[schema(pattern = r"\S", max_length = 100)]
    pub first_name: Option<String>,
    #[serde(default)]
    #[schema(pattern = "^[a-z]{2,3}$")]
    pub language: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewOncologist {
    #[serde(default)]
    #[schema(pattern = r"\S", max_length = 200)]
    pub name: Option<String>,
}

/// A classification input plus the patient and oncologist a summary speaks of.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "current": {"plan": {"intent": "curative", "systemic_therapy": [{"regimen": "FOLFOX"}]}},
    "opinion": {"plan": {"intent": "curative", "systemic_therapy": [{"regimen": "CAPOX"}]}},
    "context": {"as_of": "2026-11-25", "treatment_status": "not_started"},
    "patient": {"first_name": "Asha", "language": "en"},
    "oncologist": {"name": "Dr. Mehta"}
}))]
pub struct SummaryPreview {
    pub current: crate::domain::picture::Picture,
    pub opinion: crate::domain::picture::Picture,
    #[serde(default)]
    pub context: crate::domain::discordance::Context,
    #[serde(default)]
    pub patient: Option<PreviewPatient>,
    #[serde(default)]
    pub oncologist: Option<PreviewOncologist>,
}

impl RequestBody for SummaryPreview {
    fn check_parts(pruned: &serde_json::Value, errors: &mut FieldErrors) {
        <ClassificationInput as RequestBody>::check_parts(pruned, errors);
    }

    fn check(&self, errors: &mut FieldErrors) {
        self.current.check("current", errors);
        self.opinion.check("opinion", errors);
        crate::domain::validation::check_country(
            self.context.patient_country.as_deref(),
            "context.patient_country".into(),
            errors,
        );
    }
}

/// A summary of a classification that nothing stores, in the format `Accept` asks for.
///
/// Coordinators, clinicians and admins. Classifies the two pictures as
/// `POST /v1/discordance/classify` does and writes the summary in `patient.language` (default `en`;
/// no templates: 422). JSON by default, or Markdown, HTML or PDF by `?format=` or `Accept` (406
/// when none fits; 503 when the PDF renderer is busy). Nothing is stored.
#[utoipa::path(
    tag = "summaries",
    params(FormatQuery),
    request_body = SummaryPreview,
    responses(
        (status = 200, description = "The summary", content(
            (Summary = "application/json"),
            (String = "text/markdown"),
            (String = "text/html"),
            (Vec<u8> = "application/pdf"),
        )),
        (status = 406, description = "None of the accepted types is offered", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No templates for the language", body = super::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("jwt" = [])),
)]
#[post("/preview")]
pub async fn preview(
    state: State,
    caller: Caller,
    req: HttpRequest,
    query: web::Query<FormatQuery>,
    body: ValidJson<SummaryPreview>,
) -> ApiResult<HttpResponse> {
    caller.permit(Permission::Staff)?;
    let format = negotiate::choose(&req, query.format)?;
    let p = body.into_inner();
    let input = ClassificationInput {
        current: p.current,
        opinion: p.opinion,
        context: p.context,
    }
    .normalised();
    let classification = classify(&input, Utc::now().date_naive());
    let patient = p.patient.unwrap_or(PreviewPatient {
        first_name: None,
        language: None,
    });
    let content: Summary = summaries::build(&SummaryRequest {
        classification: &classification,
        patient_first_name: patient.first_name,
        oncologist_name: p.oncologist.and_then(|o| o.name),
        language: patient.language.unwrap_or_else(|| "en".into()),
        next_step: input.context.next_irreversible_step.clone(),
        treatment_status: input.context.treatment_status,
        source: None,
    })?;
    render(&state.pdf_slots, format, &content, &content).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn first_names_come_from_the_display_name() {
        use crate::app::summaries::first_name;
        assert_eq!(first_name(Some("Asha K.")), Some("Asha".into()));
        assert_eq!(first_name(Some("  ")), None);
        assert_eq!(first_name(None), None);
    }
}
