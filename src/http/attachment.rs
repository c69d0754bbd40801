//! A stored document as a download: always an attachment, with `nosniff`, its digest, and
//! a file name that cannot break the header.

use actix_web::HttpResponse;
use actix_web::http::header::{self, HeaderValue};
use base64::Engine as _;

use crate::app::documents::DocumentRecord;
use crate::domain::records::content_type;

/// The exact bytes as an attachment, with a `Content-Disposition` file name and `nosniff`.
pub fn attachment(row: &DocumentRecord, bytes: Vec<u8>) -> HttpResponse {
    let safe_name: String = row
        .title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_. ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let digest = base64::engine::general_purpose::STANDARD.encode(&row.sha256);
    HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            // Cleaned again: rows stored before types were cleaned on every path.
            HeaderValue::from_str(&content_type(Some(&row.content_type)))
                .unwrap_or(HeaderValue::from_static("application/octet-stream")),
        ))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", safe_name.trim()),
        ))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header(("Content-Digest", format!("sha-256=:{digest}:")))
        .body(bytes)
}
