//! A partner's second opinion as a FHIR document Bundle (`fhir.md` 9.5): read, stored and
//! assessed by `opinions::ingest_document`, once per Idempotency-Key.

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use uuid::Uuid;

use super::submission::Receipt;
use crate::app::opinions::{self, FhirIngested, Ingested};
use crate::app::{Creation, Permit};
use crate::domain::fhir::{FHIR_JSON, OperationOutcome, Report};
use crate::http::State;
use crate::http::caller::Caller;
use crate::http::idempotency::{IdempotencyKey, respond};
use crate::http::json::fhir::{prefers_fhir, read_fhir};
use crate::http::problem::{ApiResult, current_request_id};

pub(super) async fn submit(
    state: &State,
    permit: Permit<'_>,
    caller: &Caller,
    req: &HttpRequest,
    key: &IdempotencyKey,
    referral: Uuid,
    payload: Payload,
) -> ApiResult<HttpResponse> {
    let raw = read_fhir(req, payload, false).await?;
    let once = key.once(caller, req, &raw);
    let creation = state
        .app
        .create_once(permit, once.as_ref(), async |tx| {
            let (status, opinion, report) =
                match opinions::ingest_document(tx, referral, &raw).await? {
                    FhirIngested::Ingested(Ingested::New(opinion), report) => {
                        (201, opinion, Some(report))
                    }
                    FhirIngested::Ingested(Ingested::Again(opinion), report) => {
                        (200, opinion, Some(report))
                    }
                    FhirIngested::Withdrawn(opinion) => (200, opinion, None),
                };
            let receipt = Receipt {
                id: opinion.id,
                status: opinion.status,
                received_at: opinion.received_at,
                report,
            };
            Ok(Creation::new(status, receipt).at(format!("/v1/second-opinions/{}", opinion.id)))
        })
        .await?;
    let report = creation
        .body
        .get("report")
        .and_then(|r| serde_json::from_value::<Report>(r.clone()).ok());
    match report {
        Some(report) if prefers_fhir(req) => {
            let mut response = HttpResponse::build(
                StatusCode::from_u16(creation.status).unwrap_or(StatusCode::OK),
            );
            if let Some(location) = &creation.location {
                response.insert_header(("Location", location.as_str()));
            }
            if creation.replayed {
                response.insert_header(("Idempotent-Replayed", "true"));
            }
            Ok(response
                .content_type(FHIR_JSON)
                .json(OperationOutcome::from_report(
                    &report,
                    Some(&current_request_id()),
                )))
        }
        _ => Ok(respond(creation)),
    }
}
