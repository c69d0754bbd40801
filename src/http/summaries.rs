//! Patient summaries: built from an assessment's effective result and stored as a snapshot;
//! served as JSON, Markdown, HTML or a one-page PDF; and a stateless preview.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::State;
use super::caller::Caller;
use super::cases::{next_step, treatment_status};
use super::idempotency::{self, Created, IdempotencyKey};
use super::json::{RequestBody, ValidJson};
use super::negotiate::{self, Format};
use super::pagination::{Page, PageRequest};
use super::problem::{ApiError, ApiResult, ProblemKind};
use super::referrals::advance_case;
use crate::audit;
use crate::auth::policy::{self, Op, Resource};
use crate::db::schema::summaries;
use crate::db::{cases, opinions, patients};
use crate::domain::case_status::CaseStatus;
use crate::domain::discordance::{Classification, ClassificationInput, classify};
use crate::domain::summary::{self as summary, Summary, SummaryError, SummaryRequest};
use crate::domain::validation::FieldErrors;
use crate::events::outbox::{self, Outbox};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_summary)
        .service(list_case_summaries)
        .service(get_summary)
        .service(get_summary_pdf)
        .service(preview);
}

/// The HTML pages' policy: inline styles, nothing else, nothing from outside.
pub const HTML_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'";

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = summaries)]
pub struct SummaryRow {
    pub org_id: Uuid,
    pub id: Uuid,
    pub assessment_id: Uuid,
    pub case_id: Uuid,
    pub plan_version: i32,
    pub language: String,
    pub options: serde_json::Value,
    pub content: serde_json::Value,
    pub created_by: String,
    pub generated_at: DateTime<Utc>,
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

fn stored(row: &SummaryRow) -> ApiResult<StoredSummary> {
    Ok(StoredSummary {
        id: row.id,
        assessment_id: row.assessment_id,
        case_id: row.case_id,
        plan_version: row.plan_version,
        generated_at: row.generated_at,
        created_by: row.created_by.clone(),
        content: serde_json::from_value(row.content.clone())
            .map_err(|e| ApiError::internal(anyhow::anyhow!("stored summary: {e}")))?,
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

fn language_error(e: SummaryError) -> ApiError {
    match e {
        SummaryError::UnsupportedLanguage(lang) => ApiError::new(
            ProblemKind::UnsupportedLanguage,
            format!(
                "no summary templates for '{lang}'; supported: {}",
                summary::supported_languages().join(", ")
            ),
        ),
        SummaryError::Render(why) => {
            ApiError::internal(anyhow::anyhow!("summary rendering failed: {why}"))
        }
    }
}

/// Renders a summary in the chosen format; PDF under the concurrency cap.
pub async fn render(
    slots: &Arc<Semaphore>,
    format: Format,
    json: impl Serialize,
    content: &Summary,
) -> ApiResult<HttpResponse> {
    let mut response = HttpResponse::Ok();
    response
        .insert_header(("Vary", "Accept"))
        .content_type(format.media_type());
    Ok(match format {
        Format::Json => response.json(json),
        Format::Markdown => response.body(summary::to_markdown(content)),
        Format::Html => response
            .insert_header(("Content-Security-Policy", HTML_CSP))
            .body(summary::to_html(content)),
        Format::Pdf => {
            let _permit = slots.clone().try_acquire_owned().map_err(|_| {
                ApiError::unavailable("the PDF renderer is busy; retry in a moment", 1)
            })?;
            let content = content.clone();
            let bytes = tokio::task::spawn_blocking(move || summary::to_pdf(&content))
                .await
                .map_err(anyhow::Error::from)?
                .map_err(language_error)?;
            response.body(bytes)
        }
    })
}

/// The first word of a display name, for "Asha, ...".
fn first_name(display_name: Option<&str>) -> Option<String> {
    display_name
        .and_then(|n| n.split_whitespace().next())
        .map(|n| n.trim_end_matches(['.', ',']).to_string())
        .filter(|n| !n.is_empty())
}

/// Write the patient summary of an assessment (its effective result) and store it.
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
#[post("/assessments/{id}/summaries")]
pub async fn create_summary(
    state: State,
    caller: Caller,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    body: ValidJson<NewSummary>,
) -> ApiResult<HttpResponse> {
    policy::require(&caller, Resource::Summary, Op::Create)?;
    let scope = idempotency::Scope::new(&caller, &req, &key, &body.raw);
    let assessment_id = *id;
    let request = body.into_inner();
    let mut conn = state.db.get().await?;
    let created = idempotency::create_once(&mut conn, scope.as_ref(), async |conn| {
            let assessment = opinions::find_assessment(conn, caller.org_id(), assessment_id).await?.ok_or_else(|| ApiError::not_found("assessment"))?;
            let case = cases::find(conn, caller.org_id(), assessment.case_id).await?.ok_or_else(|| ApiError::not_found("assessment"))?;
            let patient = patients::find(conn, caller.org_id(), case.patient_id).await?;
            let language = request.language.clone().or_else(|| patient.as_ref().and_then(|p| p.preferred_language.clone())).unwrap_or_else(|| "en".into());
            let effective: Classification = serde_json::from_value(assessment.effective().clone()).map_err(anyhow::Error::from)?;
            let content = summary::build(&SummaryRequest {
                classification: &effective,
                patient_first_name: request.patient_first_name.clone().or_else(|| first_name(patient.as_ref().and_then(|p| p.display_name.as_deref()))),
                oncologist_name: request.oncologist_name.clone().or(case.oncologist_name.clone()),
                language: language.clone(),
                next_step: next_step(&case),
                treatment_status: Some(treatment_status(&case.treatment_status)),
            })
            .map_err(language_error)?;
            let row: SummaryRow = diesel::insert_into(summaries::table)
                .values(SummaryRow {
                    org_id: caller.org_id(),
                    id: Uuid::now_v7(),
                    assessment_id,
                    case_id: case.id,
                    plan_version: assessment.plan_version,
                    language,
                    options: serde_json::json!({"patient_first_name": request.patient_first_name, "oncologist_name": request.oncologist_name}),
                    content: serde_json::to_value(&content).map_err(anyhow::Error::from)?,
                    created_by: caller.created_by(),
                    generated_at: Utc::now(),
                })
                .returning(SummaryRow::as_returning())
                .get_result(conn)
                .await?;
            audit::write(conn, caller.audit("summary.create", "summary", vec![row.id, assessment_id], Some(case.id))).await?;
            let base = &state.config.public_base_url;
            let data = outbox::case_data(
                base,
                case.id,
                serde_json::json!({"summary_id": row.id, "assessment_id": assessment_id, "language": row.language,
                                   "links": {"summary": outbox::link(base, &format!("/v1/summaries/{}", row.id))}}),
            );
            let mut outbox = Outbox::new(caller.org_id());
            outbox.add("summary.generated", data);
            advance_case(conn, &state, &mut outbox, caller.org_id(), case.id, CaseStatus::SummaryReady).await?;
            outbox.write(conn).await?;
            let created = Created::new(StatusCode::CREATED, stored(&row)?).at(format!("/v1/summaries/{}", row.id));
            Ok(created)
        })
        .await?;
    Ok(created.response())
}

/// A summary the caller may read: staff, the patient, or an advocate granted summaries.
pub async fn readable_summary(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
) -> ApiResult<SummaryRow> {
    let row: SummaryRow = summaries::table
        .filter(summaries::org_id.eq(caller.org_id()))
        .filter(summaries::id.eq(id))
        .select(SummaryRow::as_select())
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| ApiError::not_found("summary"))?;
    policy::case_part_access(conn, caller, row.case_id, "summaries")
        .await
        .map_err(|_| ApiError::not_found("summary"))?;
    Ok(row)
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
#[get("/summaries/{id}")]
pub async fn get_summary(
    state: State,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    query: web::Query<FormatQuery>,
) -> ApiResult<HttpResponse> {
    policy::require(&caller, Resource::Summary, Op::Read)?;
    let format = negotiate::choose(&req, query.format)?;
    read_summary(&state, &caller, *id, format).await
}

/// A stored summary as its one-page PDF (the same as `GET /v1/summaries/{id}` with
/// `Accept: application/pdf`, for clients that want one response type per operation).
#[utoipa::path(
    tag = "summaries",
    params(("id" = Uuid, Path)),
    responses((status = 200, description = "The one-page PDF", content_type = "application/pdf", body = Vec<u8>)),
    security(("jwt" = [])),
)]
#[get("/summaries/{id}/pdf")]
pub async fn get_summary_pdf(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    policy::require(&caller, Resource::Summary, Op::Read)?;
    read_summary(&state, &caller, *id, Format::Pdf).await
}

/// Reads a stored summary this caller may see, audits the read, and renders it.
async fn read_summary(
    state: &State,
    caller: &Caller,
    id: Uuid,
    format: Format,
) -> ApiResult<HttpResponse> {
    let mut conn = state.db.get().await?;
    let row = readable_summary(&mut conn, caller, id).await?;
    let view = stored(&row)?;
    audit::write(
        &mut conn,
        caller.audit("summary.read", "summary", vec![row.id], Some(row.case_id)),
    )
    .await?;
    // The connection goes back to the pool before the (slow) PDF rendering.
    drop(conn);
    let content = view.content.clone();
    render(&state.pdf_slots, format, view, &content).await
}

/// A case's summaries, newest first.
#[utoipa::path(tag = "summaries", params(("id" = Uuid, Path), super::pagination::PageQuery), responses((status = 200, description = "A page of summaries", body = Page<StoredSummary>)), security(("jwt" = [])))]
#[get("/cases/{id}/summaries")]
pub async fn list_case_summaries(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<super::pagination::PageQuery>,
) -> ApiResult<web::Json<Page<StoredSummary>>> {
    policy::require(&caller, Resource::Summary, Op::Read)?;
    let page = PageRequest::new(query.limit, query.cursor.as_deref(), &*id)?;
    let mut conn = state.db.get().await?;
    policy::case_part_access(&mut conn, &caller, *id, "summaries").await?;
    let mut q = summaries::table
        .filter(summaries::org_id.eq(caller.org_id()))
        .filter(summaries::case_id.eq(*id))
        .into_boxed();
    if let Some((t, after)) = page.after {
        q = q.filter(
            summaries::generated_at
                .lt(t)
                .or(summaries::generated_at.eq(t).and(summaries::id.lt(after))),
        );
    }
    let rows: Vec<SummaryRow> = q
        .order((summaries::generated_at.desc(), summaries::id.desc()))
        .limit(page.fetch())
        .select(SummaryRow::as_select())
        .load(&mut conn)
        .await?;
    audit::write(
        &mut conn,
        caller.audit(
            "summary.list",
            "summary",
            rows.iter().map(|r| r.id).collect(),
            Some(*id),
        ),
    )
    .await?;
    let items = rows.iter().map(stored).collect::<ApiResult<Vec<_>>>()?;
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
#[post("/summaries/preview")]
pub async fn preview(
    state: State,
    caller: Caller,
    req: HttpRequest,
    query: web::Query<FormatQuery>,
    body: ValidJson<SummaryPreview>,
) -> ApiResult<HttpResponse> {
    policy::require_staff(&caller)?;
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
    let content = summary::build(&SummaryRequest {
        classification: &classification,
        patient_first_name: patient.first_name,
        oncologist_name: p.oncologist.and_then(|o| o.name),
        language: patient.language.unwrap_or_else(|| "en".into()),
        next_step: input.context.next_irreversible_step.clone(),
        treatment_status: input.context.treatment_status,
    })
    .map_err(language_error)?;
    render(&state.pdf_slots, format, &content, &content).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn first_names_come_from_the_display_name() {
        assert_eq!(super::first_name(Some("Asha K.")), Some("Asha".into()));
        assert_eq!(super::first_name(Some("  ")), None);
        assert_eq!(super::first_name(None), None);
    }
}
