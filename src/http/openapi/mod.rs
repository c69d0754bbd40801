//! The OpenAPI 3.1 document, generated from the same route registration the server uses;
//! the Swagger UI (vendored, nothing fetched at run time); the problem type pages; and the
//! route table that tells 404 from 405.

mod conditions;
mod events;
mod findings;
mod links;
mod media;
mod rules;

use std::sync::LazyLock;

use actix_web::middleware::DefaultHeaders;
use actix_web::{App, HttpResponse, get, web};
use regex::Regex;
use serde_json::Value;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::server::Server;
use utoipa::openapi::{Content, OpenApi as Document, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use super::problem::{ApiError, ProblemKind};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Concord API",
        contact(name = "Concord maintainers"),
        description = "Concord keeps cancer cases and the treating oncologist's current plan, takes in second opinions from partner hospitals, classifies how each opinion differs from the plan, and writes the one-page summary a patient shares with the oncologist.",
    ),
    components(schemas(super::problem::Problem, crate::domain::validation::FieldError)),
    tags(
        (name = "operations", description = "Health, readiness, metrics and this document"),
        (name = "discordance", description = "Stateless classification of a second opinion against the current plan"),
        (name = "fhir", description = "FHIR R4 / mCODE: a Bundle read into a picture, with the report of what was not carried over"),
        (name = "organizations", description = "Organisations (the navigator's partner hospitals) and their partner API keys"),
        (name = "patients", description = "Patients, kept by coordinators, read by the patient themself and erased by admins"),
        (name = "cases", description = "One patient's cancer question: the treating oncologist, the treatment status, the next irreversible step, the records a review needs, and advocates' grants on the case"),
        (name = "plans", description = "The treating oncologist's current plan, versioned; every change keeps the version before it"),
        (name = "documents", description = "Records attached to a case, kept with their SHA-256 and always downloaded as an attachment"),
        (name = "referrals", description = "A case sent to a partner hospital for a second opinion, and the partner's inbox"),
        (name = "second-opinions", description = "Partner hospitals' reports, kept verbatim beside their parsed form"),
        (name = "assessments", description = "Each opinion classified against the current plan (confirms, refines or contradicts), with clinicians' overrides and sign-off"),
        (name = "summaries", description = "The patient's one-page summary and the oncologist's table, in HTML, PDF or JSON"),
        (name = "share-links", description = "Links that let the treating oncologist open one summary without an account; they expire and can be revoked"),
        (name = "conversations", description = "The appointment where an opinion was shared with the oncologist, and what the oncologist said"),
        (name = "tasks", description = "Coordinators' tasks, opened by an assessment's actions or by hand"),
        (name = "webhooks", description = "Subscriptions that receive the organisation's events, signed, with their deliveries"),
        (name = "audit", description = "Who read or changed what: the organisation's audit trail"),
        (name = "analytics", description = "Concordance between second opinions and current plans, by partner, cancer type and scenario"),
    ),
)]
struct BaseDocument;

/// Applies the conventions every operation shares: security schemes, the standard error
/// responses, and the list of problem types.
struct Conventions;

fn problem_response(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            Content::new(Some(Ref::from_schema_name("Problem"))),
        )
        .build()
        .into()
}

fn add_error(op: &mut Operation, status: u16, description: &str) {
    op.responses
        .responses
        .entry(status.to_string())
        .or_insert_with(|| problem_response(description));
}

impl Modify for Conventions {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "jwt",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("A JWT with sub, role, org and exp claims"))
                    .build(),
            ),
        );
        // Keys travel as bearer tokens; X-API-Key is accepted too (said in prose: a request
        // carrying both headers is a 400, which an apiKey scheme beside bearer would invite).
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("cnc_<prefix>_<secret>")
                    .description(Some("A partner API key as Authorization: Bearer cnc_<prefix>_<secret>. The same key is also accepted as X-API-Key: <key>; a request carrying both is a 400."))
                    .build(),
            ),
        );

        let table: String = ProblemKind::ALL
            .iter()
            .map(|k| {
                format!(
                    "| `{}` | {} | {} |\n",
                    k.type_uri(),
                    k.status().as_u16(),
                    k.description()
                )
            })
            .collect();
        let description = doc.info.description.get_or_insert_with(String::new);
        description.push_str(&format!(
            "\n\nErrors are RFC 9457 `application/problem+json`. Problem types (`type`):\n\n| type | status | meaning |\n|---|---|---|\n{table}"
        ));

        for (path, item) in doc.paths.paths.iter_mut() {
            let has_path_params = path.contains('{');
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let has_body = op.request_body.is_some();
                let has_query = op.parameters.iter().flatten().any(|p| {
                    serde_json::to_value(p)
                        .ok()
                        .and_then(|v| v.get("in").cloned())
                        == Some(Value::from("query"))
                });
                if has_body {
                    add_error(
                        op,
                        400,
                        "Invalid fields, malformed JSON or a malformed request",
                    );
                    add_error(op, 413, "The body is too large");
                    add_error(
                        op,
                        422,
                        "Well-formed, but naming an object that does not exist, or a date or state that cannot be now",
                    );
                    add_error(op, 415, "The body is not JSON");
                } else if has_query || secured || has_path_params {
                    add_error(
                        op,
                        400,
                        "A malformed request (bad query parameter, two credentials)",
                    );
                }
                if secured {
                    add_error(
                        op,
                        401,
                        "No credential, or an invalid, expired or revoked one",
                    );
                    add_error(op, 403, "The caller's role may not do this");
                    add_error(op, 429, "Rate limit exceeded; see Retry-After");
                }
                if has_path_params {
                    add_error(op, 404, "No such resource, or one the caller may not see");
                }
                add_error(op, 500, "Internal error; quote the request id");
                add_error(
                    op,
                    503,
                    "The database is unavailable or saturated; retry later",
                );
                // Public on purpose (health, metrics, the document, problem pages, share
                // links): say so, rather than leave the requirement unstated.
                if !secured {
                    op.security = Some(vec![SecurityRequirement::default()]);
                }
            }
        }
        // Relative to wherever the document was fetched from.
        doc.servers = Some(vec![Server::new("/")]);
    }
}

/// The document as utoipa collects it from the routes; dropped once it is JSON (the typed
/// one took 6.6 MiB for the life of the process, and nothing read it again).
fn collect() -> Document {
    let (_, mut doc) = App::new()
        .into_utoipa_app()
        .openapi(BaseDocument::openapi())
        .configure(super::routes)
        .split_for_parts();
    // After collection, so the route-derived operations get the conventions too.
    Conventions.modify(&mut doc);
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    doc
}

static DOCUMENT_JSON: LazyLock<Value> = LazyLock::new(|| {
    let mut doc = serde_json::to_value(collect()).expect("the OpenAPI document serialises");
    rules::refine(&mut doc);
    doc
});

/// The OpenAPI document the service publishes.
pub fn document_json() -> &'static Value {
    &DOCUMENT_JSON
}

/// Pretty JSON, as committed at `openapi/openapi.json`.
pub fn document_pretty() -> String {
    let mut text = serde_json::to_string_pretty(document_json()).expect("serialises");
    text.push('\n');
    text
}

/// The OpenAPI 3.1 document of this API.
///
/// Public: no credential needed. Answers this document as pretty-printed JSON, generated from the
/// routes the server registers; it is the same text as `openapi/openapi.json` in the repository.
#[utoipa::path(tag = "operations", responses((status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object), (status = 400, description = "A query parameter: this operation takes none", body = super::problem::Problem, content_type = "application/problem+json")))]
#[get("/openapi.json")]
pub async fn openapi_json(_: web::Query<super::health::NoParameters>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document_pretty())
}

/// What a problem type means.
///
/// Public: no credential needed. The `type` URI of every problem+json error resolves here: an HTML
/// page with the problem type's title, its HTTP status and when it happens. An unknown slug is
/// a 404.
#[utoipa::path(
    tag = "operations",
    params(("slug" = String, Path, description = "The problem type's slug, e.g. validation-error")),
    responses((status = 200, description = "A short page on the problem type", content_type = "text/html", body = String))
)]
#[get("/problems/{slug}")]
pub async fn problem_type(slug: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let kind = ProblemKind::from_slug(&slug).ok_or_else(|| ApiError::not_found("problem type"))?;
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head><body><h1>{title}</h1><p>HTTP {status}. {description}</p></body></html>",
        title = kind.title(),
        status = kind.status().as_u16(),
        description = kind.description()
    );
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'",
        ))
        .body(page))
}

/// Swagger UI's own page, with a viewport so that a phone shows it at the phone's width.
const DOCS_PAGE: &str = include_str!("docs.html");

/// Everything the docs load comes from this service, under whatever host name it is served:
/// a browser refuses any other request (Swagger UI's outside validator badge is off as well).
pub const DOCS_CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
     script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Swagger UI at `/docs/`, its assets compiled into the binary.
pub fn swagger_ui() -> impl actix_web::dev::HttpServiceFactory {
    async fn page() -> HttpResponse {
        HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(DOCS_PAGE)
    }
    web::scope("/docs")
        .wrap(DefaultHeaders::new().add(("Content-Security-Policy", DOCS_CSP)))
        .route(
            "",
            web::get().to(|| async {
                HttpResponse::PermanentRedirect()
                    .insert_header(("Location", "/docs/"))
                    .finish()
            }),
        )
        .route("/", web::get().to(page))
        .route("/index.html", web::get().to(page))
        .service(
            SwaggerUi::new("/{_:.*}")
                .config(utoipa_swagger_ui::Config::from("/openapi.json").validator_url("none")),
        )
}

struct RouteTemplate {
    pattern: Regex,
    methods: Vec<String>,
    /// No `{param}`: `/v1/summaries/preview` names itself, not a summary called "preview".
    literal: bool,
}

static ROUTES: LazyLock<Vec<RouteTemplate>> = LazyLock::new(|| {
    let mut routes: Vec<RouteTemplate> = document_json()["paths"]
        .as_object()
        .map(|paths| {
            paths
                .iter()
                .map(|(template, item)| {
                    let regex = regex::escape(template);
                    let regex = Regex::new(r"\\\{[^}]+\\\}")
                        .expect("valid")
                        .replace_all(&regex, "[^/]+")
                        .to_string();
                    let methods = ["get", "put", "post", "delete", "patch"]
                        .iter()
                        .filter(|m| item.get(**m).is_some())
                        .map(|m| m.to_uppercase())
                        .collect();
                    RouteTemplate {
                        pattern: Regex::new(&format!("^{regex}$")).expect("valid route regex"),
                        methods,
                        literal: !template.contains('{'),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    routes.push(RouteTemplate {
        pattern: Regex::new("^/docs(/.*)?$").expect("valid"),
        methods: vec!["GET".into()],
        literal: true,
    });
    routes
});

/// The methods a known path takes, for 405 `Allow`; None for an unknown path.
pub fn allowed_methods(path: &str) -> Option<String> {
    let matching: Vec<&RouteTemplate> =
        ROUTES.iter().filter(|r| r.pattern.is_match(path)).collect();
    let literal = matching.iter().any(|r| r.literal);
    let methods: Vec<&str> = matching
        .into_iter()
        .filter(|r| r.literal || !literal)
        .flat_map(|r| r.methods.iter().map(String::as_str))
        .collect();
    (!methods.is_empty()).then(|| methods.join(", "))
}
