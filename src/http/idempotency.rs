//! `Idempotency-Key` on creating POSTs, as HTTP carries it: the header, the key's scope for
//! the application (`app::idempotency` locks, replays and remembers in the creation's
//! transaction), and a creation's answer with `Idempotent-Replayed` on a replay.

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload};
use futures_util::future::{Ready, ready};

use super::problem::ApiError;
use crate::app::{Creation, Once};
use crate::auth::Principal;

/// The `Idempotency-Key` header, if sent.
#[derive(Debug, Clone)]
pub struct IdempotencyKey(pub Option<String>);

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = match req.headers().get("idempotency-key") {
            None => Ok(None),
            Some(v) => match v.to_str() {
                Ok(k)
                    if (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()) =>
                {
                    Ok(Some(k.to_string()))
                }
                _ => Err(ApiError::bad_request(
                    "Idempotency-Key must be 1 to 255 visible ASCII characters",
                )),
            },
        };
        ready(key.map(IdempotencyKey))
    }
}

impl IdempotencyKey {
    /// The key in its scope (caller, method, path) with the request body's hash, if one was sent.
    pub fn once(&self, principal: &Principal, req: &HttpRequest, body: &[u8]) -> Option<Once> {
        let key = self.0.clone()?;
        Some(Once::new(
            principal,
            req.method().as_str(),
            req.path(),
            key,
            body,
        ))
    }
}

/// A creation's answer: its status, `Location`, `ETag`, and `Idempotent-Replayed` on a replay.
pub fn respond(creation: Creation) -> HttpResponse {
    let mut response =
        HttpResponse::build(StatusCode::from_u16(creation.status).unwrap_or(StatusCode::OK));
    if let Some(location) = &creation.location {
        response.insert_header(("Location", location.as_str()));
    }
    if let Some(etag) = &creation.etag {
        response.insert_header(("ETag", etag.as_str()));
    }
    if creation.replayed {
        response.insert_header(("Idempotent-Replayed", "true"));
    }
    response.json(&creation.body)
}
