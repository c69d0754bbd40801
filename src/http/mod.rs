//! The actix-web shell: one module per resource (handlers, request and response types,
//! OpenAPI annotations), the error mapping, extractors and middleware.

pub mod analytics;
pub mod attachment;
pub mod audit_events;
pub mod caller;
pub mod cases;
pub mod conversations;
pub mod cors;
pub mod discordance;
pub mod documents;
pub mod etag;
pub mod events;
pub mod fhir;
pub mod health;
pub mod idempotency;
pub mod json;
pub mod members;
pub mod negotiate;
pub mod observe;
pub mod openapi;
pub mod opinions;
pub mod organizations;
pub mod pagination;
pub mod patients;
pub mod plans;
pub mod problem;
pub mod referrals;
pub mod share_links;
pub mod summaries;
pub mod tasks;
pub mod webhooks;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{HttpRequest, HttpServer, web};
use anyhow::Context;
use tokio::sync::Semaphore;
use utoipa_actix_web::AppExt;

use crate::app::App;
use crate::auth::jwt::JwtVerifier;
use crate::auth::rate_limit::RateLimits;
use crate::config::Config;
use problem::{ApiError, ProblemKind};

/// Everything a handler may need, shared by all workers: the use cases, and what only HTTP
/// needs (token verification, rate limits, the PDF renderer's slots).
pub struct AppState {
    pub app: App,
    pub config: Arc<Config>,
    pub jwt: JwtVerifier,
    pub rate_limits: RateLimits,
    /// Caps concurrent PDF renders; a full cap answers 503.
    pub pdf_slots: Arc<Semaphore>,
}

pub type State = web::Data<AppState>;

impl AppState {
    pub fn new(app: App, config: Arc<Config>) -> anyhow::Result<AppState> {
        Ok(AppState {
            app,
            jwt: JwtVerifier::from_config(&config.jwt).context("JWT configuration")?,
            rate_limits: RateLimits::new(&config.rate_limits),
            pdf_slots: Arc::new(Semaphore::new(config.pdf_concurrency)),
            config,
        })
    }
}

/// The API's routes, registered once for both the server and the OpenAPI document.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(health::metrics)
        .service(openapi::openapi_json)
        .service(openapi::problem_type)
        .service(utoipa_actix_web::scope("/v1").configure(v1));
}

/// The `/v1` routes in one scope per first path segment. actix tries a scope's routes one
/// pattern at a time, in order: flat, a request was matched against every route registered
/// before its own (a partner's ingestion against some sixty patterns, 6.8 % of its CPU).
fn v1(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    use utoipa_actix_web::scope;
    cfg.service(scope("/discordance").configure(discordance::routes))
        .service(
            scope("/referrals")
                .configure(opinions::referral_routes)
                .configure(referrals::routes),
        )
        .service(
            scope("/cases")
                .configure(cases::routes)
                .configure(plans::routes)
                .configure(members::routes)
                .configure(documents::case_routes)
                .configure(referrals::case_routes)
                .configure(opinions::case_routes)
                .configure(summaries::case_routes)
                .configure(conversations::routes),
        )
        .service(scope("/second-opinions").configure(opinions::routes))
        .service(
            scope("/assessments")
                .configure(opinions::assessment_routes)
                .configure(summaries::assessment_routes),
        )
        .service(
            scope("/summaries")
                .configure(summaries::routes)
                .configure(share_links::summary_routes),
        )
        .service(scope("/share-links").configure(share_links::routes))
        .service(scope("/shared").configure(share_links::shared_routes))
        .service(scope("/documents").configure(documents::routes))
        .service(scope("/tasks").configure(tasks::routes))
        .service(scope("/events").configure(events::routes))
        .service(scope("/audit-events").configure(audit_events::routes))
        .service(
            scope("/webhooks")
                .configure(webhooks::routes)
                .configure(events::webhook_routes),
        )
        .service(scope("/webhook-deliveries").configure(events::delivery_routes))
        .service(scope("/patients").configure(patients::routes))
        .service(scope("/organizations").configure(organizations::routes))
        .service(scope("/analytics").configure(analytics::routes))
        .service(scope("/fhir").configure(fhir::routes));
}

/// Path and query extraction failures as problem+json naming each bad parameter.
fn extractor_config(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PathConfig::default().error_handler(|err, req| {
        // `GET /v1/summaries/preview` reaches `/v1/summaries/{id}`; the path is known, the method not.
        match openapi::allowed_methods(req.path()) {
            Some(allow) if !allow.split(", ").any(|m| m == req.method().as_str()) => ApiError::new(
                ProblemKind::MethodNotAllowed,
                format!("{} is not allowed here; allowed: {allow}", req.method()),
            )
            .with_allow_methods(allow)
            .into(),
            _ => {
                let sent: Vec<(String, String)> = req
                    .match_info()
                    .iter()
                    .map(|(name, value)| (name.to_string(), value.to_string()))
                    .collect();
                parameter_problem(req, "path", &sent, || format!("invalid path: {err}"))
            }
        }
    }))
    .app_data(web::QueryConfig::default().error_handler(|err, req| {
        let sent: Vec<(String, String)> =
            url::form_urlencoded::parse(req.query_string().as_bytes())
                .map(|(name, value)| (name.into_owned(), value.into_owned()))
                .collect();
        parameter_problem(req, "query", &sent, || {
            format!("invalid query parameters: {err}")
        })
    }));
}

/// A 400 naming every parameter in `location` that the operation does not declare or whose
/// value does not fit its schema; the extractor's own words when none can be named.
fn parameter_problem(
    req: &HttpRequest,
    location: &str,
    sent: &[(String, String)],
    otherwise: impl FnOnce() -> String,
) -> actix_web::Error {
    let errors = req
        .match_pattern()
        .map(|pattern| json::parameter_errors(&pattern, req.method().as_str(), location, sent))
        .unwrap_or_default();
    if errors.is_empty() {
        ApiError::bad_request(otherwise()).into()
    } else {
        ApiError::validation(errors).into()
    }
}

/// Unknown path: 404; known path with another method: 405 with `Allow`.
async fn fallback(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(match openapi::allowed_methods(req.path()) {
        Some(allow) => ApiError::new(
            ProblemKind::MethodNotAllowed,
            format!("{} is not allowed here; allowed: {allow}", req.method()),
        )
        .with_allow_methods(allow),
        None => ApiError::new(
            ProblemKind::NotFound,
            format!("no route for {}", req.path()),
        ),
    })
}

/// A running server and the address it listens on.
pub struct Application {
    pub server: Server,
    pub address: std::net::SocketAddr,
}

impl Application {
    /// Binds the listener (port 0 picks a free port) and builds the server; `run` it.
    pub fn build(state: AppState, listener: TcpListener) -> anyhow::Result<Application> {
        let address = listener.local_addr()?;
        let workers = state.config.workers;
        let json_limit = state.config.json_limit;
        let origins = state.config.cors_allowed_origins.clone();
        let state = web::Data::new(state);
        let metrics = observe::install_metrics_recorder();
        // Histogram samples pile up until drained; drain them even when nobody scrapes.
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
            loop {
                tick.tick().await;
                metrics.run_upkeep();
            }
        });
        let server = HttpServer::new(move || {
            let (app, _) = actix_web::App::new()
                .into_utoipa_app()
                .app_data(state.clone())
                .app_data(json::JsonLimit(json_limit))
                .configure(routes)
                .split_for_parts();
            app.configure(extractor_config)
                .service(openapi::swagger_ui())
                .default_service(web::to(fallback))
                // Inside `observe`, so a refused preflight is a problem+json as well.
                .wrap(cors::cors(&origins))
                .wrap(actix_web::middleware::from_fn(observe::observe))
        })
        .workers(workers)
        .shutdown_timeout(20)
        .listen(listener)?
        .run();
        Ok(Application { server, address })
    }
}
