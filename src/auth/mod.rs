//! Who is calling: a JWT (frontends and coordinator tools) or a partner API key, resolved
//! to a `Principal`; rate limits per key, per subject and per IP; and the per-object
//! access policy (`policy`).

pub mod api_key;
pub mod jwt;
pub mod policy;
pub mod rate_limit;

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures_util::future::LocalBoxFuture;
use uuid::Uuid;

pub use jwt::Role;

use crate::http::AppState;
use crate::http::problem::ApiError;

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A person, through a JWT: patient, advocate or navigator staff.
    User {
        subject: String,
        role: Role,
        org_id: Uuid,
    },
    /// A partner hospital's system, through an API key.
    Partner {
        key_id: Uuid,
        partner_id: Uuid,
        org_id: Uuid,
    },
}

impl Principal {
    /// The navigator tenant the caller belongs to.
    pub fn org_id(&self) -> Uuid {
        match self {
            Principal::User { org_id, .. } | Principal::Partner { org_id, .. } => *org_id,
        }
    }

    pub fn role(&self) -> Option<Role> {
        match self {
            Principal::User { role, .. } => Some(*role),
            Principal::Partner { .. } => None,
        }
    }

    pub fn is_staff(&self) -> bool {
        self.role().is_some_and(Role::is_staff)
    }

    /// "user" or "api_key", as audit rows name the actor kind.
    pub fn actor_kind(&self) -> &'static str {
        match self {
            Principal::User { .. } => "user",
            Principal::Partner { .. } => "api_key",
        }
    }

    /// The subject, or the key id.
    pub fn actor_id(&self) -> String {
        match self {
            Principal::User { subject, .. } => subject.clone(),
            Principal::Partner { key_id, .. } => key_id.to_string(),
        }
    }

    /// Who created something, as stored in `created_by` columns.
    pub fn created_by(&self) -> String {
        match self {
            Principal::User { subject, .. } => subject.clone(),
            Principal::Partner { key_id, .. } => format!("api_key:{key_id}"),
        }
    }

    /// The key an idempotency record or a rate limit is kept under: the partner (not the
    /// key, so a retry through a rotated key still replays) or the subject.
    pub fn caller_key(&self) -> String {
        match self {
            Principal::User { subject, .. } => format!("sub:{subject}"),
            Principal::Partner { partner_id, .. } => format!("partner:{partner_id}"),
        }
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
                Credential::ApiKey(key) => {
                    crate::db::api_keys::authenticate(&state.db, key).await?
                }
            };
            state.rate_limits.check_principal(&principal)?;
            Ok(principal)
        })
    }
}
