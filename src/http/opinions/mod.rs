//! Second opinions: partner ingestion (and coordinator entry), the opinion and its verbatim
//! submission; their assessments are in `assessments.rs`, the submission's shape in
//! `submission.rs`.

pub mod assessments;
mod fhir_document;
pub mod sign_offs;
pub mod submission;

use actix_web::{FromRequest, HttpRequest, HttpResponse, get, post, web};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use self::assessments::{Assessment, assessment_view};
use self::submission::{Answer, OpinionSubmission, Receipt, Reviewer};
use super::State;
use super::caller::Caller;
use super::idempotency::{IdempotencyKey, respond};
use super::json::ValidJson;
use super::json::fhir::{is_fhir_body, prefers_fhir, speaks_fhir};
use super::pagination::{Page, PageRequest};
use super::problem::{ApiError, ApiResult};
use crate::app::assessing::parse;
use crate::app::opinions::{self, Ingested, OpinionRecord, Source};
use crate::app::{AppError, Creation};
use crate::auth::policy::{Op, Permission, Resource};
use crate::domain::picture::Picture;

/// Under `/v1/referrals`: a partner's ingestion.
pub fn referral_routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(submit_to_referral);
}

/// Under `/v1/cases`.
pub fn case_routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(enter_for_case).service(list_case_opinions);
}

/// Under `/v1/second-opinions`.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_opinion)
        .service(get_submission)
        .service(assessments::list_assessments)
        .service(assessments::reassess);
}

/// Under `/v1/assessments`.
pub fn assessment_routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(assessments::get_assessment)
        .service(assessments::override_assessment)
        .service(sign_offs::sign_off)
        .service(sign_offs::review_queue);
}

/// Stores one submission and everything that follows from it, once per Idempotency-Key.
async fn ingest(
    state: &State,
    permit: crate::app::Permit<'_>,
    once: Option<crate::app::Once>,
    source: Source,
    body: ValidJson<OpinionSubmission>,
) -> ApiResult<HttpResponse> {
    let raw = body.raw.clone();
    let submission = body.into_inner().into_submission();
    let creation = state
        .app
        .create_once(permit, once.as_ref(), async |tx| {
            let (status, opinion) = match opinions::ingest(tx, source, submission, &raw).await? {
                Ingested::New(opinion) => (201, opinion),
                Ingested::Again(opinion) => (200, opinion),
            };
            let receipt = Receipt {
                id: opinion.id,
                status: opinion.status,
                received_at: opinion.received_at,
                report: None,
            };
            Ok(Creation::new(status, receipt).at(format!("/v1/second-opinions/{}", opinion.id)))
        })
        .await?;
    Ok(respond(creation))
}

/// Submit a second opinion against a referral (partner API key).
///
/// Stored verbatim beside its parsed form and assessed at once against the case's current
/// plan. The same `external_id` again is the same opinion (identical body) or a 409 naming it.
///
/// With `Content-Type: application/fhir+json` the body is a FHIR R4 document Bundle
/// (`Bundle.identifier` and `timestamp`, a final or amended consult-note Composition first):
/// `external_id` is `Bundle.identifier` as `system|value`; the reviewer is the legal attester
/// (else the author); the narrative the section texts; the proposals the recommendation. A
/// document that replaces another (`relatesTo replaces`, or amended under the same
/// Composition.identifier) supersedes it; an entered-in-error document withdraws the opinion it
/// names (200, status `withdrawn`). The receipt carries the import `report` (an
/// OperationOutcome when `Accept` prefers `application/fhir+json`); a report with a clinical
/// entry holds the opinion's assessments for a clinician's review. FHIR errors are an
/// OperationOutcome.
#[utoipa::path(
    tag = "second-opinions",
    params(("id" = Uuid, Path, description = "The referral"), ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a retry with the same body; concurrent retries create one opinion")),
    request_body(content((OpinionSubmission = "application/json"), (serde_json::Value = "application/fhir+json"))),
    responses(
        (status = 201, description = "Received", headers(("Location" = String)), content((Receipt = "application/json"), (crate::domain::fhir::OperationOutcome = "application/fhir+json"))),
        (status = 200, description = "This external_id was received before with this body, or a FHIR document withdrew the opinion it names", body = Receipt, headers(("Location" = String, description = "The opinion"))),
        (status = 409, description = "The referral is closed, the external_id names another opinion, or the Idempotency-Key is in flight", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The Idempotency-Key was used with another body, or a FHIR document that cannot be this patient's opinion", content((super::problem::Problem = "application/problem+json"), (crate::domain::fhir::OperationOutcome = "application/fhir+json"))),
    ),
    security(("api_key" = [])),
)]
#[post("/{id}/second-opinions")]
pub async fn submit_to_referral(
    state: State,
    caller: Caller,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let fhir = speaks_fhir(&req);
    let base = &state.config.public_base_url;
    let permit = caller
        .permit(Permission::Partner)
        .map_err(|e| ApiError::from(e).for_fhir(fhir, base))?;
    let mut payload = payload.into_inner();
    if is_fhir_body(&req) {
        return fhir_document::submit(&state, permit, &caller, &req, &key, *id, payload)
            .await
            .map_err(|e| e.for_fhir(fhir, base));
    }
    let body = ValidJson::<OpinionSubmission>::from_request(&req, &mut payload).await?;
    let once = key.once(&caller, &req, &body.raw);
    ingest(&state, permit, once, Source::Referral(*id), body).await
}

/// Enter a second opinion received another way (coordinator).
///
/// Coordinators and clinicians, on a case of their organisation. Stored verbatim beside its parsed
/// form (attachments become case documents), assessed at once against the current plan, or when the
/// first plan arrives; sends `second_opinion.received` and moves the case on to `opinion_received`.
/// `supersedes` must name a current opinion of the case (422). Idempotency-Key retries replay.
#[utoipa::path(
    tag = "second-opinions",
    params(("id" = Uuid, Path, description = "The case"), ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a retry with the same body")),
    request_body = OpinionSubmission,
    responses(
        (status = 201, description = "Received", body = Receipt, headers(("Location" = String))),
        (status = 409, description = "The Idempotency-Key is in flight", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The Idempotency-Key was used with another body", body = super::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("jwt" = [])),
)]
#[post("/{id}/second-opinions")]
pub async fn enter_for_case(
    state: State,
    caller: Caller,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    body: ValidJson<OpinionSubmission>,
) -> ApiResult<HttpResponse> {
    let permit = caller.permit(Permission::Role(Resource::SecondOpinion, Op::Create))?;
    let once = key.once(&caller, &req, &body.raw);
    ingest(&state, permit, once, Source::Case(*id), body).await
}

/// A second opinion as stored (parsed form), with its current assessment for staff.
#[derive(Debug, Serialize, ToSchema)]
pub struct SecondOpinion {
    pub id: Uuid,
    pub case_id: Uuid,
    pub referral_id: Option<Uuid>,
    /// received, superseded by an amendment, or withdrawn (a FHIR document entered in error).
    pub status: String,
    pub received_at: DateTime<Utc>,
    pub reviewer: Reviewer,
    pub narrative: String,
    pub picture: Picture,
    pub answers: Vec<Answer>,
    pub external_id: Option<String>,
    pub supersedes: Option<Uuid>,
    /// Null while the case has no plan to assess against (and always for partners).
    pub current_assessment: Option<Assessment>,
}

/// The opinion as callers see it, with its current assessment (staff only).
fn opinion_view(
    row: OpinionRecord,
    current: Option<Assessment>,
) -> Result<SecondOpinion, AppError> {
    Ok(SecondOpinion {
        id: row.id,
        case_id: row.case_id,
        referral_id: row.referral_id,
        status: row.status,
        received_at: row.received_at,
        reviewer: parse("opinion reviewer", &row.reviewer)?,
        narrative: row.narrative,
        picture: parse("opinion", &row.picture)?,
        answers: parse("opinion answers", &row.answers)?,
        external_id: row.external_id,
        supersedes: row.supersedes,
        current_assessment: current,
    })
}

/// A case's second opinions with their current assessments, newest first.
///
/// For coordinators, clinicians and admins, on a case of their organisation (else a 404).
/// `current_assessment` is null while the case has no plan. Paged with `limit` and `cursor`: pass
/// back `next_cursor` until it is null. The read is audited.
#[utoipa::path(tag = "second-opinions", params(("id" = Uuid, Path), super::pagination::PageQuery), responses((status = 200, description = "A page of opinions", body = Page<SecondOpinion>)), security(("jwt" = [])))]
#[get("/{id}/second-opinions")]
pub async fn list_case_opinions(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<super::pagination::PageQuery>,
) -> ApiResult<web::Json<Page<SecondOpinion>>> {
    let permit = caller.permit(Permission::Role(Resource::SecondOpinion, Op::Read))?;
    let page = PageRequest::new(query.limit, query.cursor.as_deref(), &*id)?;
    let (rows, current, annotations) = state
        .app
        .read(permit, async |q| {
            opinions::of_case(q, *id, page.after, page.fetch()).await
        })
        .await?;
    let page = page.page(rows, |r| (r.received_at, r.id), |r| r);
    let mut items = Vec::with_capacity(page.items.len());
    for row in page.items {
        let assessment = current
            .iter()
            .find(|a| a.second_opinion_id == row.id)
            .map(|a| assessment_view(a, &annotations))
            .transpose()?;
        items.push(opinion_view(row, assessment)?);
    }
    Ok(web::Json(Page {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// A second opinion: staff see its current assessment; a partner sees what it submitted. With
/// `Accept: application/fhir+json`, its recommendation as a FHIR R4 collection Bundle (CarePlan
/// intent `proposal`, the reviewer as author).
///
/// Coordinators, clinicians and admins of the organisation, or the partner key whose referral it
/// answers (without any assessment; its FHIR Bundle names the patient by a pseudonym); patients and
/// advocates get a 403, anyone else a 404. `Vary: Accept`; when FHIR is asked for, errors are an
/// OperationOutcome. The read is audited.
#[utoipa::path(tag = "second-opinions", params(("id" = Uuid, Path)), responses((status = 200, description = "The opinion, or its FHIR Bundle", headers(("Vary" = String)), content((SecondOpinion = "application/json"), (Object = "application/fhir+json")))), security(("jwt" = []), ("api_key" = [])))]
#[get("/{id}")]
pub async fn get_opinion(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let fhir = prefers_fhir(&req);
    let base = &state.config.public_base_url;
    let permit = caller
        .permit(Permission::Checked)
        .map_err(|e| ApiError::from(e).for_fhir(fhir, base))?;
    let vary = (
        actix_web::http::header::VARY,
        actix_web::http::header::HeaderValue::from_static("Accept"),
    );
    if fhir {
        let bundle = state
            .app
            .read(permit, async |q| opinions::fhir_export(q, *id).await)
            .await
            .map_err(|e| ApiError::from(e).for_fhir(fhir, base))?;
        return Ok(HttpResponse::Ok()
            .insert_header(vary)
            .content_type(crate::domain::fhir::FHIR_JSON)
            .json(bundle));
    }
    let (row, current) = state
        .app
        .read(permit, async |q| opinions::get(q, *id).await)
        .await?;
    let assessment = current
        .map(|(a, annotations)| assessment_view(&a, &annotations))
        .transpose()?;
    Ok(HttpResponse::Ok()
        .insert_header(vary)
        .json(opinion_view(row, assessment)?))
}

/// The submission exactly as received (the verbatim bytes): JSON, or the FHIR document as
/// `application/fhir+json`.
///
/// Coordinators, clinicians and admins, or the partner whose referral it answers; answered with a
/// `Content-Digest` (sha-256). A partner's FHIR document is kept sealed under the patient's key:
/// only admins and clinicians read it (403 otherwise), and after the patient's erasure it is a 410.
/// The read is audited.
#[utoipa::path(tag = "second-opinions", params(("id" = Uuid, Path)), responses((status = 200, description = "The bytes received", headers(("Content-Digest" = String, description = "The SHA-256 of the bytes received (RFC 9530)")), content((Object = "application/json"), (Object = "application/fhir+json")))), security(("jwt" = []), ("api_key" = [])))]
#[get("/{id}/submission")]
pub async fn get_submission(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let permit = caller.permit(Permission::Checked)?;
    let row = state
        .app
        .read(permit, async |q| opinions::submission(q, *id).await)
        .await?;
    let media_type = if row.fhir_report.is_some() {
        crate::domain::fhir::FHIR_JSON
    } else {
        "application/json"
    };
    Ok(HttpResponse::Ok()
        .content_type(media_type)
        .insert_header((
            "Content-Digest",
            format!(
                "sha-256=:{}:",
                base64::engine::general_purpose::STANDARD.encode(&row.raw_sha256)
            ),
        ))
        .body(row.raw_body))
}
