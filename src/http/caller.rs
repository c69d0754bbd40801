//! Who is calling: the credential a request carries (a JWT or a partner API key) resolved to a
//! `Principal` and rate-limited, and the `Caller` with what its audit rows need: request id
//! and client address.

use std::ops::Deref;

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures_util::future::LocalBoxFuture;

use super::AppState;
use super::problem::{ApiError, current_request_id};
use crate::app::Actor;
use crate::app::audit::AuditRecord;
use crate::auth::rate_limit::Standing;
use crate::auth::{Principal, api_key};

/// The caller of a request: the application's `Actor` (principal, request id, client address).
#[derive(Debug, Clone)]
pub struct Caller {
    pub actor: Actor,
}

impl Deref for Caller {
    type Target = Actor;
    fn deref(&self) -> &Actor {
        &self.actor
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let principal = Principal::from_request(req, payload);
        // The socket's peer, not X-Forwarded-For: a client cannot choose what is audited.
        let client_ip = req.peer_addr().map(|a| a.ip().to_string());
        let req = req.clone();
        Box::pin(async move {
            let caller = Caller {
                actor: Actor {
                    principal: principal.await?,
                    request_id: current_request_id(),
                    client_ip,
                },
            };
            // Kept for the middleware, which audits refused requests (403, 404) too.
            actix_web::HttpMessage::extensions_mut(&req).insert(caller.clone());
            Ok(caller)
        })
    }
}

impl Caller {
    /// An audit row of this request in the caller's organisation.
    pub fn audit(
        &self,
        action: &str,
        object_type: &'static str,
        object_ids: Vec<uuid::Uuid>,
        case_id: Option<uuid::Uuid>,
    ) -> AuditRecord {
        self.actor
            .record(self.org_id(), action, object_type, object_ids, case_id)
    }
}

/// The credential a request carries.
enum Credential<'a> {
    Jwt(&'a str),
    ApiKey(&'a str),
}

fn credential(req: &HttpRequest) -> Result<Credential<'_>, ApiError> {
    let authorization = req.headers().get(header::AUTHORIZATION);
    let api_key = req.headers().get("x-api-key");
    if authorization.is_some() && api_key.is_some() {
        return Err(ApiError::bad_request(
            "send one credential: Authorization or X-API-Key, not both",
        ));
    }
    if let Some(value) = api_key {
        let key = value
            .to_str()
            .map_err(|_| ApiError::unauthorized("the API key is not valid"))?;
        return Ok(Credential::ApiKey(key.trim()));
    }
    let Some(value) = authorization else {
        return Err(ApiError::unauthorized(
            "this operation needs a bearer token or an API key",
        ));
    };
    let text = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("the Authorization header is not valid"))?;
    let (scheme, token) = text
        .trim()
        .split_once(' ')
        .ok_or_else(|| ApiError::unauthorized("use Authorization: Bearer <token>"))?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::unauthorized("use Authorization: Bearer <token>"));
    }
    let token = token.trim();
    // The service tells a key from a JWT by the `cnc_` prefix.
    Ok(if token.starts_with("cnc_") {
        Credential::ApiKey(token)
    } else {
        Credential::Jwt(token)
    })
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .expect("app state is registered")
                .clone();
            let principal = match credential(&req)? {
                Credential::Jwt(token) => {
                    let verified = state.jwt.verify(token).map_err(|e| {
                        tracing::debug!(error = %e, "JWT refused");
                        ApiError::unauthorized("the token is invalid or expired")
                    })?;
                    Principal::User {
                        subject: verified.subject,
                        role: verified.role,
                        org_id: verified.org_id,
                    }
                }
                Credential::ApiKey(key) => api_key::authenticate(state.app.pool(), key).await?,
            };
            counted(&req, state.rate_limits.check_principal(&principal))?;
            Ok(principal)
        })
    }
}

/// Keeps where the caller stands against its rate limit for the response's `RateLimit`
/// fields (`observe` writes them), and refuses the request when the limit is spent.
pub fn counted(
    req: &HttpRequest,
    check: Result<Standing, (Standing, crate::auth::AuthError)>,
) -> Result<(), ApiError> {
    let (standing, refused) = match check {
        Ok(standing) => (standing, None),
        Err((standing, error)) => (standing, Some(error)),
    };
    actix_web::HttpMessage::extensions_mut(req).insert(standing);
    refused.map_or(Ok(()), |error| Err(error.into()))
}
