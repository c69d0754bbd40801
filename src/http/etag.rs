//! Opaque quoted ETags and `If-Match`, parsed into the application's `Precondition`.

use actix_web::{FromRequest, HttpRequest, dev::Payload};
use futures_util::future::{Ready, ready};

use super::problem::ApiError;
use crate::app::Precondition;
pub use crate::app::precondition::{case_tag as case_etag, plan_tag as plan_etag};

/// The `If-Match` header.
#[derive(Debug, Clone)]
pub struct IfMatch(pub Precondition);

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // An empty If-Match states no precondition, as if it were not sent.
        let Some(value) = req
            .headers()
            .get("if-match")
            .filter(|v| !v.as_bytes().iter().all(|b| *b == b' ' || *b == b'\t'))
        else {
            return ready(Ok(IfMatch(Precondition::None)));
        };
        // `*` or a list of quoted entity tags (weak ones compare as strong here).
        let tags: Option<Vec<String>> = value.to_str().ok().and_then(|text| {
            text.split(',')
                .map(|t| {
                    let t = t.trim();
                    let opaque = t.strip_prefix("W/").unwrap_or(t);
                    let quoted = opaque.len() >= 2
                        && opaque.starts_with('"')
                        && opaque.ends_with('"')
                        && !opaque[1..opaque.len() - 1].contains('"');
                    (t == "*" || quoted).then(|| opaque.to_string())
                })
                .collect()
        });
        ready(match tags {
            Some(tags) if !tags.is_empty() => Ok(IfMatch(Precondition::Tags(tags))),
            _ => Err(ApiError::bad_request(
                "If-Match must be * or quoted entity tags, as an ETag header gave them",
            )),
        })
    }
}

impl IfMatch {
    /// Ok when no `If-Match` was sent or it names the current tag (or `*`).
    pub fn check(&self, current: Option<&str>) -> Result<(), ApiError> {
        Ok(self.0.check(current)?)
    }
}
