//! Documents: uploaded as the raw body (metadata in the query) or as multipart; SHA-256
//! kept and checked against `Content-Digest`; the same bytes twice on a case return the
//! first document; always downloaded as an attachment with `nosniff`.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

mod received;

use self::received::{Upload, check_digest, check_meta, read_multipart, too_large};
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

/// Under `/v1/cases`.
pub fn case_routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(upload).service(list_documents);
}

/// Under `/v1/documents`.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_document).service(download);
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

/// Upload a document to a case: the file as the raw body (its Content-Type, metadata in the
/// query), or multipart/form-data with a `file` part. The same bytes twice return the
/// first document (200).
///
/// Coordinators and clinicians, on a case of their organisation. A body over the upload limit is a
/// 413, an empty one a 400, and a `Content-Digest` that does not match the bytes received a 422.
/// Audited; no event is sent and the case's status does not change.
#[utoipa::path(
    tag = "documents",
    params(("id" = Uuid, Path), DocumentMeta, ("Content-Digest" = Option<String>, Header, description = "sha-256=:<base64>: of the bytes, checked when sent")),
    request_body(content(
        (Vec<u8> = "application/octet-stream"),
        (UploadForm = "multipart/form-data"),
    )),
    responses(
        (status = 201, description = "Stored", body = Document, headers(("Location" = String))),
        (status = 200, description = "These bytes are already on the case: the existing document", body = Document, headers(("Location" = String, description = "The existing document"))),
    ),
    security(("jwt" = [])),
)]
#[post("/{id}/documents")]
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
///
/// Staff, the case's patient, and an advocate whose grant covers documents; any other case is
/// a 404. Metadata only (the bytes are at `/v1/documents/{id}/content`). Paged with `limit` and
/// `cursor`: pass back `next_cursor` until it is null. The read is audited.
#[utoipa::path(tag = "documents", params(("id" = Uuid, Path), super::pagination::PageQuery), responses((status = 200, description = "A page of documents", body = Page<Document>)), security(("jwt" = [])))]
#[get("/{id}/documents")]
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
///
/// Staff, the case's patient, and an advocate whose grant covers documents; any other document is
/// a 404. The read is audited.
#[utoipa::path(tag = "documents", params(("id" = Uuid, Path)), responses((status = 200, description = "The document", body = Document)), security(("jwt" = [])))]
#[get("/{id}")]
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
///
/// Readable by the same callers as the document's metadata; anyone else gets a 404. Answers the
/// exact bytes uploaded, with their media type, a `Content-Digest` (sha-256),
/// `X-Content-Type-Options: nosniff` and `Cache-Control: private, no-store`. The download is
/// audited.
#[utoipa::path(tag = "documents", params(("id" = Uuid, Path)), responses((status = 200, description = "The bytes, as an attachment, with the media type they were uploaded with", content_type = "*/*", body = Vec<u8>)), security(("jwt" = [])))]
#[get("/{id}/content")]
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
