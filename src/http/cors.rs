//! Cross-origin calls from the browser frontends named in CORS_ALLOWED_ORIGINS (none by
//! default). Bearer tokens travel in a header, never a cookie, so credentials are not
//! allowed (no `Access-Control-Allow-Credentials`); every header a script sends or reads is
//! named, since a `*` never covers `Authorization`. Another origin's request is served as
//! any other, without `Access-Control-Allow-Origin`: its browser keeps the answer from its
//! script.

use actix_cors::Cors;
use actix_web::http::header;

/// Headers a frontend's script may send.
const REQUEST_HEADERS: [&str; 5] = [
    "authorization",
    "content-type",
    "idempotency-key",
    "if-match",
    "content-digest",
];

/// Headers a frontend's script may read.
const RESPONSE_HEADERS: [&str; 9] = [
    "etag",
    "location",
    "x-request-id",
    "idempotent-replayed",
    "retry-after",
    "ratelimit-policy",
    "ratelimit",
    "content-digest",
    "content-disposition",
];

/// The CORS middleware for `origins`.
pub fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers(REQUEST_HEADERS.map(header::HeaderName::from_static))
        .expose_headers(RESPONSE_HEADERS.map(header::HeaderName::from_static))
        .max_age(600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}
