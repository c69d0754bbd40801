//! FHIR JSON bodies and answers (`fhir.md` 9.9): `application/fhir+json` in, the raw bytes read
//! under the FHIR body limit, R4 only, and whether a client prefers FHIR back.

use actix_web::HttpRequest;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::Bytes;

use super::read_limited;
use crate::domain::fhir::{FHIR_JSON, MAX_BODY_BYTES};
use crate::http::problem::{ApiError, ProblemKind};

fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Whether the request's body is FHIR JSON (`application/fhir+json`).
pub fn is_fhir_body(req: &HttpRequest) -> bool {
    content_type(req).is_some_and(|ct| essence(&ct) == FHIR_JSON)
}

fn content_type(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Whether `Accept` prefers `application/fhir+json` to `application/json`: FHIR named with a
/// quality at least that of JSON named explicitly (wildcards do not outrank a named FHIR).
pub fn prefers_fhir(req: &HttpRequest) -> bool {
    let Some(accept) = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mut fhir = 0.0_f32;
    let mut json = 0.0_f32;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        match media.as_str() {
            FHIR_JSON => fhir = fhir.max(q),
            "application/json" => json = json.max(q),
            _ => {}
        }
    }
    fhir > 0.0 && fhir >= json
}

/// Whether errors go out as an OperationOutcome: the request is FHIR or prefers FHIR back.
pub fn speaks_fhir(req: &HttpRequest) -> bool {
    is_fhir_body(req) || prefers_fhir(req)
}

/// The raw FHIR body: `application/fhir+json` (or, where `json_too`, `application/json`), FHIR
/// R4 (`fhirVersion` 4.0 when named, else 415), at most `MAX_BODY_BYTES` (413).
pub async fn read_fhir(
    req: &HttpRequest,
    payload: Payload,
    json_too: bool,
) -> Result<Bytes, ApiError> {
    let sent = content_type(req);
    let accepted = sent
        .as_deref()
        .map(essence)
        .is_some_and(|e| e == FHIR_JSON || (json_too && e == "application/json"));
    if !accepted {
        return Err(ApiError::new(
            ProblemKind::UnsupportedMediaType,
            format!(
                "this operation takes {FHIR_JSON}{}, not {}",
                if json_too { " or application/json" } else { "" },
                sent.as_deref().unwrap_or("a body without Content-Type")
            ),
        ));
    }
    if let Some(version) = sent.as_deref().and_then(fhir_version)
        && !(version == "4.0" || version.starts_with("4.0."))
    {
        return Err(ApiError::new(
            ProblemKind::UnsupportedMediaType,
            format!("FHIR R4 (fhirVersion=4.0) is read here, not fhirVersion={version}"),
        ));
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(ApiError::new(
            ProblemKind::PayloadTooLarge,
            format!("the body exceeds the limit of {MAX_BODY_BYTES} bytes"),
        ));
    }
    read_limited(payload, MAX_BODY_BYTES).await
}

/// The `fhirVersion` parameter of a media type, if any.
fn fhir_version(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (name, value) = p.split_once('=')?;
        (name.trim().eq_ignore_ascii_case("fhirVersion"))
            .then(|| value.trim().trim_matches('"').to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn accept_prefers_fhir_only_when_named_at_least_as_high_as_json() {
        let prefers = |accept: &str| {
            prefers_fhir(
                &TestRequest::default()
                    .insert_header((header::ACCEPT, accept))
                    .to_http_request(),
            )
        };
        assert!(prefers("application/fhir+json"));
        assert!(prefers("application/fhir+json, */*;q=0.8"));
        assert!(prefers("application/json;q=0.5, application/fhir+json"));
        assert!(!prefers("application/json, application/fhir+json;q=0.9"));
        assert!(!prefers("*/*"));
        assert!(!prefers("application/json"));
    }

    #[test]
    fn fhir_version_is_read_from_the_media_type() {
        assert_eq!(
            fhir_version("application/fhir+json; fhirVersion=5.0").as_deref(),
            Some("5.0")
        );
        assert_eq!(fhir_version("application/fhir+json"), None);
    }
}
