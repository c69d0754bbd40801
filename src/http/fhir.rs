//! `POST /v1/fhir/picture`: a FHIR R4 Bundle (or one resource) read into a picture with its
//! import report, for integrators testing their mapping; nothing is stored (`fhir.md` 9).

use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::Utc;

use super::State;
use super::json::fhir::{read_fhir, speaks_fhir};
use super::problem::{ApiError, ApiResult};
use crate::auth::{Principal, policy};
use crate::domain::fhir::{ImportContext, import_picture};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(picture);
}

/// Read a FHIR Bundle or resource into a picture.
///
/// Takes `application/fhir+json` (or `application/json`): a Bundle (collection, transaction,
/// batch, searchset or document) or one resource of a type a picture is made of, at most
/// 5 MiB and 2,000 entries. Answers the picture as `PUT /v1/cases/{id}/plan` would record it,
/// and the `report` of everything not carried over as sent (resource, FHIRPath, code and
/// system, why; `clinical` entries would hold an assessment for a clinician's review).
/// Nothing is stored. Errors are an OperationOutcome when the request is FHIR or `Accept`
/// prefers `application/fhir+json`, problem+json otherwise.
#[utoipa::path(
    tag = "fhir",
    request_body(
        description = "A FHIR R4 Bundle or resource",
        content((serde_json::Value = "application/fhir+json"), (serde_json::Value = "application/json")),
    ),
    responses(
        (status = 200, description = "The picture and the import report", body = crate::domain::fhir::Imported),
        (status = 400, description = "Not JSON, no resourceType, or a resource type not read", content((super::problem::Problem = "application/problem+json"), (crate::domain::fhir::OperationOutcome = "application/fhir+json"))),
        (status = 413, description = "Above 5 MiB or 2,000 entries", content((super::problem::Problem = "application/problem+json"), (crate::domain::fhir::OperationOutcome = "application/fhir+json"))),
        (status = 415, description = "Neither FHIR nor JSON, or not FHIR R4 (`fhirVersion`)", content((super::problem::Problem = "application/problem+json"), (crate::domain::fhir::OperationOutcome = "application/fhir+json"))),
        (status = 422, description = "Two patients, a transaction deleting, a Bundle type not read", content((super::problem::Problem = "application/problem+json"), (crate::domain::fhir::OperationOutcome = "application/fhir+json"))),
    ),
    security(("jwt" = [])),
)]
#[post("/picture")]
pub async fn picture(
    state: State,
    principal: Principal,
    req: HttpRequest,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let fhir = speaks_fhir(&req);
    let base = &state.config.public_base_url;
    policy::require_staff(&principal).map_err(|e| ApiError::from(e).for_fhir(fhir, base))?;
    let body = read_fhir(&req, payload.into_inner(), true)
        .await
        .map_err(|e| e.for_fhir(fhir, base))?;
    let imported = import_picture(&body, &ImportContext::new(Utc::now()))
        .map_err(|e| ApiError::from_fhir(e).for_fhir(fhir, base))?;
    Ok(HttpResponse::Ok().json(imported))
}
