//! One middleware for what every request needs: a request id (taken from `X-Request-Id`
//! when sane), a tracing span and a completion log line (route template, never the raw
//! path, which may hold a share token), Prometheus metrics, and the guarantee that every
//! error body is problem+json.

use std::sync::OnceLock;
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing::Instrument;

use super::problem::{ApiError, ProblemKind, REQUEST_ID};
use crate::app::audit::Outcome;
use crate::auth::rate_limit::Standing;
use crate::domain::validation::FieldError;

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");
/// The limit a response counts against and where the caller stands against it
/// (draft-ietf-httpapi-ratelimit-headers, named-policy syntax).
const RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
const RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");

static PROMETHEUS: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide Prometheus recorder once (several apps share it in tests).
pub fn install_metrics_recorder() -> &'static PrometheusHandle {
    PROMETHEUS.get_or_init(|| {
        PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("http_request_duration_seconds".into()),
                &[
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                ],
            )
            .expect("bucket list is not empty")
            .install_recorder()
            .expect("no other metrics recorder is installed")
    })
}

pub fn prometheus() -> &'static PrometheusHandle {
    install_metrics_recorder()
}

/// A client-supplied id is kept when it is short and plain; otherwise a UUIDv7 is made.
fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get(&REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 128
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string())
}

fn is_problem_or_page(res: &ServiceResponse<BoxBody>) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.starts_with("application/problem+json")
                || ct.starts_with("text/html")
                // An OperationOutcome: the FHIR form of a problem (`fhir.md` 9.9).
                || ct.starts_with(crate::domain::fhir::FHIR_JSON)
        })
}

fn kind_for(status: actix_web::http::StatusCode) -> ProblemKind {
    ProblemKind::ALL
        .into_iter()
        .find(|k| k.status() == status)
        .unwrap_or(if status.is_server_error() {
            ProblemKind::Internal
        } else {
            ProblemKind::BadRequest
        })
}

/// Replaces a non-problem error body with the problem of its status.
fn as_problem(res: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let status = res.status();
    let kind = kind_for(status);
    let mut problem = ApiError::new(kind, kind.description());
    if kind == ProblemKind::MethodNotAllowed
        && let Some(allow) = res
            .headers()
            .get(header::ALLOW)
            .and_then(|v| v.to_str().ok())
    {
        problem = problem.with_allow_methods(allow.to_string());
    }
    let (request, original) = res.into_parts();
    let mut response = actix_web::ResponseError::error_response(&problem);
    *response.status_mut() = status;
    // What other middleware said of the answer stays (CORS, Vary).
    for (name, value) in original.headers() {
        if name.as_str().starts_with("access-control-") || name == header::VARY {
            response.headers_mut().append(name.clone(), value.clone());
        }
    }
    ServiceResponse::new(request, response)
}

/// An authenticated request refused with 403 or 404 leaves an audit row too (ids only); if
/// that row cannot be written, the request fails.
async fn audit_refusal(res: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let caller = res
        .request()
        .extensions()
        .get::<super::caller::Caller>()
        .cloned();
    let state = res
        .request()
        .app_data::<actix_web::web::Data<super::AppState>>()
        .cloned();
    let (Some(caller), Some(state)) = (caller, state) else {
        return res;
    };
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".into());
    let ids: Vec<uuid::Uuid> = res
        .request()
        .match_info()
        .iter()
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let outcome = if res.status().as_u16() == 403 {
        Outcome::Denied
    } else {
        Outcome::NotFound
    };
    let action = format!("{} {route}", res.request().method());
    match state
        .app
        .audit_refusal(&caller, &action, ids, outcome)
        .await
    {
        Ok(()) => res,
        Err(e) => {
            let (request, _) = res.into_parts();
            let response = REQUEST_ID.sync_scope(caller.request_id.clone(), || {
                actix_web::ResponseError::error_response(&ApiError::from(e))
            });
            ServiceResponse::new(request, response)
        }
    }
}

/// PostgreSQL text cannot hold NUL, and no query parameter means one: refuse it up front,
/// naming the parameter, for every route alike.
fn nul_in_query(req: &ServiceRequest) -> Option<ApiError> {
    let errors: Vec<FieldError> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .filter(|(name, value)| name.contains('\0') || value.contains('\0'))
        .map(|(name, _)| FieldError {
            field: name.replace('\0', ""),
            message: "must not contain a NUL character".into(),
        })
        .collect();
    (!errors.is_empty()).then(|| ApiError::validation(errors))
}

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let id = request_id(&req);
    let method = req.method().to_string();
    let span = tracing::info_span!("request", request_id = %id, method = %method);
    let started = Instant::now();

    let handled = REQUEST_ID
        .scope(id.clone(), async move {
            // Handlers' and extractors' errors arrive here as responses already; a middleware
            // error inside the app (none today) would pass through unchanged.
            if let Some(refused) = nul_in_query(&req) {
                let response = refused.error_response();
                return Ok(req.into_response(response));
            }
            let mut res = next.call(req).await?.map_into_boxed_body();
            // Errors raised outside our handlers (actix's own) become problem+json too.
            let failed = res.status().is_client_error() || res.status().is_server_error();
            if failed && !is_problem_or_page(&res) {
                res = as_problem(res);
            }
            Ok::<_, actix_web::Error>(res)
        })
        .instrument(span.clone())
        .await;

    let mut res = handled?;
    if matches!(res.status().as_u16(), 403 | 404) {
        res = audit_refusal(res).await;
    }
    res.headers_mut().insert(
        REQUEST_ID_HEADER,
        HeaderValue::from_str(&id).expect("request id is a valid header value"),
    );
    let standing = res.request().extensions().get::<Standing>().copied();
    if let Some(standing) = standing {
        for (name, value) in [
            (&RATELIMIT_POLICY, standing.policy_field()),
            (&RATELIMIT, standing.field()),
        ] {
            if let Ok(value) = HeaderValue::from_str(&value) {
                res.headers_mut().insert(name.clone(), value);
            }
        }
    }
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".into());
    let status = res.status().as_u16();
    let elapsed = started.elapsed();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status.to_string()).increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method.clone(), "route" => route.clone(), "status" => status.to_string())
        .record(elapsed.as_secs_f64());
    span.in_scope(|| {
        tracing::info!(route = %route, status, latency_ms = elapsed.as_secs_f64() * 1000.0, "request completed");
    });
    Ok(res)
}
