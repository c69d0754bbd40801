//! Opaque quoted ETags and `If-Match` (412 when stale).

use actix_web::{FromRequest, HttpRequest, dev::Payload};
use futures_util::future::{Ready, ready};

use super::problem::{ApiError, ProblemKind};

/// A case's ETag from its revision.
pub fn case_etag(revision: i32) -> String {
    format!("\"case-{revision}\"")
}

/// A plan's ETag from its version.
pub fn plan_etag(version: i32) -> String {
    format!("\"plan-{version}\"")
}

/// The `If-Match` header: None when absent.
#[derive(Debug, Clone)]
pub struct IfMatch(pub Option<Vec<String>>);

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let tags = req.headers().get("if-match").map(|v| {
            v.to_str()
                .unwrap_or("")
                .split(',')
                .map(|t| t.trim().trim_start_matches("W/").to_string())
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
        });
        ready(Ok(IfMatch(tags)))
    }
}

impl IfMatch {
    /// Ok when no `If-Match` was sent or it names the current tag (or `*`).
    pub fn check(&self, current: Option<&str>) -> Result<(), ApiError> {
        let Some(tags) = &self.0 else { return Ok(()) };
        let matches = tags
            .iter()
            .any(|t| (t == "*" && current.is_some()) || Some(t.as_str()) == current);
        if matches {
            Ok(())
        } else {
            Err(ApiError::new(
                ProblemKind::PreconditionFailed,
                format!(
                    "If-Match names {}, but the current version is {}; read it again and retry",
                    tags.join(", "),
                    current.unwrap_or("absent")
                ),
            ))
        }
    }
}
