//! Liveness, readiness (the database answers) and Prometheus metrics.

use actix_web::{HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::State;
use super::problem::{ApiError, ApiResult};

#[derive(Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
}

/// The query of an operation that takes no parameters: anything sent is a 400 naming it, as on
/// every other operation, so a mistyped parameter is never silently ignored.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParameters {}

/// Liveness: the process serves requests.
///
/// Public: no credential needed. Answers 200 with `status` `ok` whenever the process can serve a
/// request; it does not touch the database (that is `/readyz`).
#[utoipa::path(tag = "operations", responses((status = 200, description = "The process is alive", body = Health), (status = 400, description = "A query parameter: these operations take none", body = super::problem::Problem, content_type = "application/problem+json")))]
#[get("/healthz")]
pub async fn healthz(_: web::Query<NoParameters>) -> web::Json<Health> {
    web::Json(Health {
        status: "ok".into(),
    })
}

/// Readiness: the database answers.
///
/// Public: no credential needed. Takes a pooled connection and pings the database: 200 with
/// `status` `ok`, or a 503 problem with `Retry-After: 5` when the database does not answer within 3
/// seconds.
#[utoipa::path(tag = "operations", responses(
    (status = 200, description = "Ready to serve", body = Health),
    (status = 400, description = "A query parameter: these operations take none", body = super::problem::Problem, content_type = "application/problem+json"),
    (status = 503, description = "The database does not answer", body = super::problem::Problem, content_type = "application/problem+json"),
))]
#[get("/readyz")]
pub async fn readyz(state: State, _: web::Query<NoParameters>) -> ApiResult<web::Json<Health>> {
    match tokio::time::timeout(std::time::Duration::from_secs(3), state.app.ready()).await {
        Ok(Ok(_)) => Ok(web::Json(Health {
            status: "ok".into(),
        })),
        _ => Err(ApiError::unavailable("the database does not answer", 5)),
    }
}

/// Prometheus text format: request counts and latency histograms by route and status, pool stats.
///
/// Public: no credential needed. Answers `http_requests_total` and `http_request_duration_seconds`
/// by method, route and status, and the database pools' maximum, open and idle connections and
/// waiting requests, in the Prometheus text format 0.0.4.
#[utoipa::path(tag = "operations", responses((status = 200, description = "Metrics in the Prometheus text format", body = String, content_type = "text/plain"), (status = 400, description = "A query parameter: these operations take none", body = super::problem::Problem, content_type = "application/problem+json")))]
#[get("/metrics")]
pub async fn metrics(state: State, _: web::Query<NoParameters>) -> HttpResponse {
    let status = state.app.pool_status();
    ::metrics::gauge!("db_pool_connections_max").set(status.max_size as f64);
    ::metrics::gauge!("db_pool_connections_open").set(status.size as f64);
    ::metrics::gauge!("db_pool_connections_idle").set(status.available as f64);
    ::metrics::gauge!("db_pool_waiting_requests").set(status.waiting as f64);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(super::observe::prometheus().render())
}
