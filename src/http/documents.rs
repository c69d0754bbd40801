//! Documents: uploaded as the raw body (metadata in the query) or as multipart; SHA-256
//! kept and checked against `Content-Digest`; the same bytes twice on a case return the
//! first document; always downloaded as an attachment with `nosniff`.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use base64::Engine as _;
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::State;
use super::attachment::attachment;
use super::caller::Caller;
use super::json::read_limited;
use super::pagination::{Page, PageRequest};
use super::problem::{ApiError, ApiResult, ProblemKind};
use crate::app::documents::{self, DocumentRecord, NewDocument};
use crate::auth::api_key::sha256;
use crate::auth::policy::{Op, Permission, Resource};
use crate::domain::records::{DocumentKind, content_type as clean_content_type};
use crate::domain::validation::FieldErrors;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(upload)
        .service(list_documents)
        .service(get_document)
        .service(download);
}

/// Document metadata.
#[derive(Debug, Serialize, ToSchema)]
pub struct Document {
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: DocumentKind,
    pub title: String,
    #[schema(value_type = Option<String>, format = Date)]
    pub date: Option<NaiveDate>,
    pub source_institution: Option<String>,
    pub language: Option<String>,
    pub content_type: String,
    pub size_bytes: i64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    pub uploaded_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<DocumentRecord> for Document {
    fn from(r: DocumentRecord) -> Document {
        Document {
            id: r.id,
            case_id: r.case_id,
            kind: DocumentKind::parse(&r.kind).unwrap_or(DocumentKind::Other),
            title: r.title,
            date: r.document_date,
            source_institution: r.source_institution,
            language: r.language,
            content_type: r.content_type,
            size_bytes: r.size_bytes,
            sha256: hex::encode(&r.sha256),
            uploaded_by: r.uploaded_by,
            created_at: r.created_at,
        }
    }
}

/// Metadata for a raw-body upload, as query parameters (multipart sends them as fields).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DocumentMeta {
    /// `other` when not given.
    pub kind: Option<DocumentKind>,
    /// Defaults to the file name (multipart) or the kind.
    #[param(pattern = r"\S", max_length = 500)]
    pub title: Option<String>,
    /// The document's own date, ISO 8601.
    pub date: Option<NaiveDate>,
    #[param(max_length = 200)]
    pub source_institution: Option<String>,
    /// A language tag: en, es ...
    #[param(max_length = 200)]
    pub language: Option<String>,
}

/// The multipart form: a `file` part and the metadata as text parts.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// `other` when not given.
    #[schema(value_type = DocumentKind, required = false)]
    pub kind: Option<DocumentKind>,
    // Optional but never null: a form has no null, only absent parts.
    #[schema(value_type = String, required = false, pattern = r"\S", max_length = 500)]
    pub title: Option<String>,
    #[schema(value_type = String, required = false, format = Date)]
    pub date: Option<String>,
    #[schema(value_type = String, required = false, max_length = 200)]
    pub source_institution: Option<String>,
    #[schema(value_type = String, required = false, max_length = 200)]
    pub language: Option<String>,
}

/// A received file, before it is stored.
struct Upload {
    meta: DocumentMeta,
    file_name: Option<String>,
    content_type: String,
    bytes: Vec<u8>,
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        ProblemKind::PayloadTooLarge,
        format!("the document exceeds the upload limit of {limit} bytes"),
    )
}

async fn read_multipart(
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
fn check_digest(req: &HttpRequest, digest: &[u8; 32]) -> ApiResult<()> {
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

fn check_meta(meta: &DocumentMeta) -> ApiResult<DocumentKind> {
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

/// Upload a document to a case: the file as the raw body (its Content-Type, metadata in the
/// query), or multipart/form-data with a `file` part. The same bytes twice return the
/// first document (200).
#[utoipa::path(
    tag = "documents",
    params(("id" = Uuid, Path), DocumentMeta, ("Content-Digest" = Option<String>, Header, description = "sha-256=:<base64>: of the bytes, checked when sent")),
    request_body(content(
        (Vec<u8> = "application/octet-stream"),
        (UploadForm = "multipart/form-data"),
    )),
    responses(
        (status = 201, description = "Stored", body = Document, headers(("Location" = String))),
        (status = 200, description = "These bytes are already on the case: the existing document", body = Document),
    ),
    security(("jwt" = [])),
)]
#[post("/cases/{id}/documents")]
pub async fn upload(
    state: State,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    // Before reading up to the upload limit: a role that may not upload hears so first.
    let permit = caller.permit(Permission::Role(Resource::Document, Op::Create))?;
    let limit = state.config.upload_limit;
    if req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|n| n > limit + 64 * 1024)
    {
        return Err(too_large(limit));
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let upload = if content_type
        .as_deref()
        .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("multipart/form-data"))
    {
        read_multipart(&req, payload, limit).await?
    } else {
        let meta = web::Query::<DocumentMeta>::from_query(req.query_string())
            .map_err(|e| {
                ApiError::bad_request(format!("invalid document metadata in the query: {e}"))
            })?
            .into_inner();
        let bytes = read_limited(payload.into_inner(), limit)
            .await
            .map_err(|e| {
                if e.kind == ProblemKind::PayloadTooLarge {
                    too_large(limit)
                } else {
                    e
                }
            })?;
        Upload {
            meta,
            file_name: None,
            content_type: clean_content_type(content_type.as_deref()),
            bytes: bytes.to_vec(),
        }
    };
    if upload.bytes.is_empty() {
        return Err(ApiError::field("file", "is empty: no bytes were received"));
    }
    let kind = check_meta(&upload.meta)?;
    check_digest(&req, &sha256(&upload.bytes))?;

    let file = NewDocument {
        title: upload
            .meta
            .title
            .clone()
            .or(upload.file_name.clone())
            .unwrap_or_else(|| kind.code().replace('_', " ")),
        kind,
        date: upload.meta.date,
        source_institution: upload.meta.source_institution,
        language: upload.meta.language,
        content_type: upload.content_type,
        bytes: upload.bytes,
    };
    let (row, fresh) = state
        .app
        .write(permit, async |tx| documents::upload(tx, *id, file).await)
        .await?;
    let location = format!("/v1/documents/{}", row.id);
    let mut response = HttpResponse::build(if fresh {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    });
    response.insert_header((header::LOCATION, location));
    Ok(response.json(Document::from(row)))
}

/// The case's documents, newest first.
#[utoipa::path(tag = "documents", params(("id" = Uuid, Path), super::pagination::PageQuery), responses((status = 200, description = "A page of documents", body = Page<Document>)), security(("jwt" = [])))]
#[get("/cases/{id}/documents")]
pub async fn list_documents(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<super::pagination::PageQuery>,
) -> ApiResult<web::Json<Page<Document>>> {
    let permit = caller.permit(Permission::Role(Resource::Document, Op::Read))?;
    let page = PageRequest::new(query.limit, query.cursor.as_deref(), &*id)?;
    let rows = state
        .app
        .read(permit, async |q| {
            documents::list(q, *id, page.after, page.fetch()).await
        })
        .await?;
    Ok(web::Json(page.page(
        rows,
        |r| (r.created_at, r.id),
        Document::from,
    )))
}

/// A document's metadata.
#[utoipa::path(tag = "documents", params(("id" = Uuid, Path)), responses((status = 200, description = "The document", body = Document)), security(("jwt" = [])))]
#[get("/documents/{id}")]
pub async fn get_document(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Document>> {
    let permit = caller.permit(Permission::Role(Resource::Document, Op::Read))?;
    let row = state
        .app
        .read(permit, async |q| documents::get(q, *id).await)
        .await?;
    Ok(web::Json(row.into()))
}

/// Download a document's bytes.
#[utoipa::path(tag = "documents", params(("id" = Uuid, Path)), responses((status = 200, description = "The bytes, as an attachment, with the media type they were uploaded with", content_type = "*/*", body = Vec<u8>)), security(("jwt" = [])))]
#[get("/documents/{id}/content")]
pub async fn download(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let permit = caller.permit(Permission::Role(Resource::Document, Op::Read))?;
    let (row, bytes) = state
        .app
        .read(permit, async |q| documents::download(q, *id).await)
        .await?;
    Ok(attachment(&row, bytes))
}
