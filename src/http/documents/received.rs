//! Reading an upload: a multipart form or the raw body, within the size limit; its metadata
//! and `Content-Digest` checked before anything is stored.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, web};
use base64::Engine as _;
use futures_util::StreamExt;

use super::DocumentMeta;
use crate::domain::records::{DocumentKind, content_type as clean_content_type};
use crate::domain::validation::FieldErrors;
use crate::http::problem::{ApiError, ApiResult, ProblemKind};

/// A received file, before it is stored.
pub(super) struct Upload {
    pub meta: DocumentMeta,
    pub file_name: Option<String>,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

pub(super) fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        ProblemKind::PayloadTooLarge,
        format!("the document exceeds the upload limit of {limit} bytes"),
    )
}

pub(super) async fn read_multipart(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> ApiResult<Upload> {
    let mut form = Multipart::new(req.headers(), payload);
    let mut meta = DocumentMeta::default();
    let mut file: Option<(Option<String>, String, Vec<u8>)> = None;
    let mut errors = FieldErrors::new();
    while let Some(field) = form.next().await {
        let mut field = field
            .map_err(|e| ApiError::bad_request(format!("the multipart body is malformed: {e}")))?;
        let name = field
            .content_disposition()
            .and_then(|d| d.get_name())
            .unwrap_or("")
            .to_string();
        let file_name = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_owned);
        let content_type = field.content_type().map(|m| m.essence_str().to_string());
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| {
                ApiError::bad_request(format!("the multipart body is malformed: {e}"))
            })?;
            if bytes.len() + chunk.len() > limit {
                return Err(too_large(limit));
            }
            bytes.extend_from_slice(&chunk);
        }
        if name == "file" {
            file = Some((
                file_name,
                clean_content_type(content_type.as_deref()),
                bytes,
            ));
            continue;
        }
        let value = match String::from_utf8(bytes) {
            Ok(value) if value.contains('\0') => {
                errors.add(name, "must not contain a NUL character");
                continue;
            }
            Ok(value) => value,
            Err(_) => {
                errors.add(name, "must be UTF-8 text");
                continue;
            }
        };
        let text = || value.clone();
        match name.as_str() {
            "kind" => match DocumentKind::parse(text().trim()) {
                Some(kind) => meta.kind = Some(kind),
                None => errors.add("kind", "must be one of pathology_report, imaging_report, biomarker_report, treatment_history, clinical_notes, other"),
            },
            "title" => meta.title = Some(text()),
            "date" => match text().trim().parse() {
                Ok(date) => meta.date = Some(date),
                Err(_) => errors.add("date", "must be an ISO 8601 date (YYYY-MM-DD)"),
            },
            "source_institution" => meta.source_institution = Some(text()),
            "language" => meta.language = Some(text()),
            other => errors.add(other, "is not a known field"),
        }
    }
    let Some((file_name, content_type, bytes)) = file else {
        errors.add(
            "file",
            "is required: send the document as a part named file",
        );
        return Err(ApiError::validation(errors.into_vec()));
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors.into_vec()));
    }
    Ok(Upload {
        meta,
        file_name,
        content_type,
        bytes,
    })
}

/// Checks `Content-Digest: sha-256=:<base64>:` (RFC 9530) when sent.
pub(super) fn check_digest(req: &HttpRequest, digest: &[u8; 32]) -> ApiResult<()> {
    let Some(header) = req.headers().get("content-digest") else {
        return Ok(());
    };
    let Ok(header) = header.to_str() else {
        return Err(ApiError::field("Content-Digest", "must be ASCII"));
    };
    if header.trim_matches([' ', '\t']).is_empty() {
        return Ok(());
    }
    let sent = header.split(',').map(str::trim).find_map(|item| {
        let value = item.strip_prefix("sha-256=")?;
        base64::engine::general_purpose::STANDARD
            .decode(value.trim_matches(':'))
            .ok()
    });
    match sent {
        Some(bytes) if bytes == digest => Ok(()),
        // Well-formed but another digest: the bytes were damaged on the way.
        Some(_) => Err(ApiError::unprocessable_field(
            "Content-Digest",
            "the sha-256 digest does not match the body received",
        )),
        None => Err(ApiError::field(
            "Content-Digest",
            "must carry a sha-256 digest: sha-256=:<base64>:",
        )),
    }
}

pub(super) fn check_meta(meta: &DocumentMeta) -> ApiResult<DocumentKind> {
    let mut errors = FieldErrors::new();
    if meta
        .title
        .as_deref()
        .is_some_and(|t| t.trim().is_empty() || t.chars().count() > 500)
    {
        errors.add("title", "must be 1 to 500 characters");
    }
    for (field, value) in [
        ("source_institution", &meta.source_institution),
        ("language", &meta.language),
    ] {
        if value.as_deref().is_some_and(|v| v.chars().count() > 200) {
            errors.add(field, "must be at most 200 characters");
        }
    }
    errors.finish(()).map_err(ApiError::validation)?;
    Ok(meta.kind.unwrap_or(DocumentKind::Other))
}
