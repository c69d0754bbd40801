//! Content negotiation for summaries: JSON by default, Markdown, HTML or PDF by `Accept`;
//! `?format=json|md|html|pdf` overrides it (for links); anything else is 406.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use tokio::sync::Semaphore;

use super::problem::{ApiError, ApiResult, ProblemKind};
use crate::app::summaries::summary_error;
use crate::domain::summary::{self, Summary};

/// The HTML pages' policy: inline styles, nothing else, nothing from outside.
pub const HTML_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Markdown,
    Html,
    Pdf,
}

impl Format {
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Markdown => "text/markdown; charset=utf-8",
            Format::Html => "text/html; charset=utf-8",
            Format::Pdf => "application/pdf",
        }
    }

    fn essence(self) -> &'static str {
        self.media_type().split(';').next().unwrap_or("")
    }
}

/// `?format=`: overrides Accept (for links).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FormatParam {
    Json,
    Md,
    Html,
    Pdf,
}

impl From<FormatParam> for Format {
    fn from(format: FormatParam) -> Format {
        match format {
            FormatParam::Json => Format::Json,
            FormatParam::Md => Format::Markdown,
            FormatParam::Html => Format::Html,
            FormatParam::Pdf => Format::Pdf,
        }
    }
}

/// In order of preference when the client accepts several equally.
const OFFERED: [Format; 4] = [Format::Json, Format::Html, Format::Markdown, Format::Pdf];

fn matches(range: &str, format: Format) -> bool {
    let essence = format.essence();
    range == "*/*"
        || range == essence
        || range
            .strip_suffix("/*")
            .is_some_and(|t| essence.starts_with(&format!("{t}/")))
}

/// The format to answer in.
pub fn choose(req: &HttpRequest, format: Option<FormatParam>) -> ApiResult<Format> {
    if let Some(format) = format {
        return Ok(format.into());
    }
    let Some(accept) = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .filter(|a| !a.trim().is_empty())
    else {
        return Ok(Format::Json);
    };
    let mut ranges: Vec<(String, f32)> = accept
        .split(',')
        .map(|item| {
            let mut parts = item.split(';').map(str::trim);
            let range = parts.next().unwrap_or("").to_ascii_lowercase();
            let q = parts
                .find_map(|p| p.strip_prefix("q="))
                .and_then(|q| q.parse().ok())
                .unwrap_or(1.0);
            (range, q)
        })
        .filter(|(_, q)| *q > 0.0)
        .collect();
    ranges.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal));
    ranges.iter().find_map(|(range, _)| OFFERED.into_iter().find(|f| matches(range, *f))).ok_or_else(|| {
        ApiError::new(ProblemKind::NotAcceptable, "this resource is available as application/json, text/markdown, text/html or application/pdf")
    })
}

/// Renders a summary in the chosen format; PDF under the concurrency cap.
pub async fn render(
    slots: &Arc<Semaphore>,
    format: Format,
    json: impl Serialize,
    content: &Summary,
) -> ApiResult<HttpResponse> {
    let mut response = HttpResponse::Ok();
    response
        .insert_header(("Vary", "Accept"))
        .content_type(format.media_type());
    Ok(match format {
        Format::Json => response.json(json),
        Format::Markdown => response.body(summary::to_markdown(content)),
        Format::Html => response
            .insert_header(("Content-Security-Policy", HTML_CSP))
            .body(summary::to_html(content)),
        Format::Pdf => {
            let _permit = slots.clone().try_acquire_owned().map_err(|_| {
                ApiError::unavailable("the PDF renderer is busy; retry in a moment", 1)
            })?;
            let content = content.clone();
            let bytes = tokio::task::spawn_blocking(move || summary::to_pdf(&content))
                .await
                .map_err(anyhow::Error::from)?
                .map_err(|e| ApiError::from(summary_error(e)))?;
            response.body(bytes)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn pick(accept: Option<&str>, format: Option<FormatParam>) -> Option<Format> {
        let mut req = TestRequest::default();
        if let Some(a) = accept {
            req = req.insert_header((header::ACCEPT, a));
        }
        choose(&req.to_http_request(), format).ok()
    }

    #[test]
    fn accept_and_format_choose_the_representation() {
        assert_eq!(pick(None, None), Some(Format::Json));
        assert_eq!(pick(Some("*/*"), None), Some(Format::Json));
        assert_eq!(pick(Some("application/pdf"), None), Some(Format::Pdf));
        assert_eq!(pick(Some("text/markdown"), None), Some(Format::Markdown));
        assert_eq!(
            pick(Some("text/html;q=0.9, application/pdf"), None),
            Some(Format::Pdf)
        );
        assert_eq!(pick(Some("text/*"), None), Some(Format::Html));
        assert_eq!(pick(Some("image/png"), None), None);
        assert_eq!(
            pick(Some("image/png"), Some(FormatParam::Pdf)),
            Some(Format::Pdf)
        );
    }
}
