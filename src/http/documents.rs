//! Documents: uploaded as the raw body (metadata in the query) or as multipart; SHA-256
//! kept and checked against `Content-Digest`; the same bytes twice on a case return the
//! first document; always downloaded as an attachment with `nosniff`.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use base64::Engine as _;
use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::State;
use super::caller::Caller;
use super::cases::visible_case;
use super::json::read_limited;
use super::pagination::{Page, PageRequest};
use super::problem::{ApiError, ApiResult, ProblemKind};
use crate::audit;
use crate::auth::api_key::sha256;
use crate::auth::policy::{self, Op, Resource};
use crate::db::documents::{self, DocumentRow, DocumentStore};
use crate::domain::records::DocumentKind;
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

impl From<DocumentRow> for Document {
    fn from(r: DocumentRow) -> Document {
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

/// `type/subtype` only; anything else is stored as application/octet-stream.
pub(super) fn clean_content_type(raw: Option<&str>) -> String {
    let essence = raw
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
    };
    match essence.split_once('/') {
        // A multipart type means nothing without the boundary it was sent with.
        Some(("multipart", _)) => "application/octet-stream".into(),
        Some((t, s)) if token(t) && token(s) => essence,
        _ => "application/octet-stream".into(),
    }
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
    policy::require(&caller, Resource::Document, Op::Create)?;
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
    let digest = sha256(&upload.bytes);
    check_digest(&req, &digest)?;

    let case_id = *id;
    let title = upload
        .meta
        .title
        .clone()
        .or(upload.file_name.clone())
        .unwrap_or_else(|| kind.code().replace('_', " "));
    let store = state.documents.clone();
    let mut conn = state.db.get().await?;
    let (row, fresh) = conn
        .transaction::<_, ApiError, _>(async |conn| {
            policy::case_access(conn, &caller, case_id).await?;
            if let Some(existing) =
                documents::find_by_hash(conn, caller.org_id(), case_id, &digest).await?
            {
                audit::write(
                    conn,
                    caller.audit(
                        "document.create",
                        "document",
                        vec![existing.id],
                        Some(case_id),
                    ),
                )
                .await?;
                return Ok((existing, false));
            }
            let row = documents::insert(
                conn,
                &DocumentRow {
                    org_id: caller.org_id(),
                    id: Uuid::now_v7(),
                    case_id,
                    kind: kind.code().to_string(),
                    title: title.trim().to_string(),
                    document_date: upload.meta.date,
                    source_institution: upload.meta.source_institution.clone(),
                    language: upload.meta.language.clone(),
                    content_type: upload.content_type.clone(),
                    size_bytes: upload.bytes.len() as i64,
                    sha256: digest.to_vec(),
                    uploaded_by: caller.created_by(),
                    created_at: Utc::now(),
                },
            )
            .await?;
            store
                .put(conn, caller.org_id(), row.id, &upload.bytes)
                .await?;
            audit::write(
                conn,
                caller.audit("document.create", "document", vec![row.id], Some(case_id)),
            )
            .await?;
            Ok((row, true))
        })
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
    policy::require(&caller, Resource::Document, Op::Read)?;
    let page = PageRequest::new(query.limit, query.cursor.as_deref(), &*id)?;
    let mut conn = state.db.get().await?;
    visible_case(&mut conn, &caller, *id, "documents").await?;
    let rows = documents::list(&mut conn, caller.org_id(), *id, page.after, page.fetch()).await?;
    audit::write(
        &mut conn,
        caller.audit(
            "document.list",
            "document",
            rows.iter().map(|r| r.id).collect(),
            Some(*id),
        ),
    )
    .await?;
    Ok(web::Json(page.page(
        rows,
        |r| (r.created_at, r.id),
        Document::from,
    )))
}

/// A document the caller may read: 404 for anything else.
async fn readable(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
) -> ApiResult<DocumentRow> {
    let row = documents::find(conn, caller.org_id(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("document"))?;
    policy::case_part_access(conn, caller, row.case_id, "documents")
        .await
        .map_err(|_| ApiError::not_found("document"))?;
    Ok(row)
}

/// A document's metadata.
#[utoipa::path(tag = "documents", params(("id" = Uuid, Path)), responses((status = 200, description = "The document", body = Document)), security(("jwt" = [])))]
#[get("/documents/{id}")]
pub async fn get_document(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Document>> {
    policy::require(&caller, Resource::Document, Op::Read)?;
    let mut conn = state.db.get().await?;
    let row = readable(&mut conn, &caller, *id).await?;
    audit::write(
        &mut conn,
        caller.audit("document.read", "document", vec![row.id], Some(row.case_id)),
    )
    .await?;
    Ok(web::Json(row.into()))
}

/// The exact bytes as an attachment, with a `Content-Disposition` file name and `nosniff`.
pub async fn attachment(
    conn: &mut AsyncPgConnection,
    store: &dyn DocumentStore,
    row: &DocumentRow,
) -> ApiResult<HttpResponse> {
    let bytes = store
        .get(conn, row.org_id, row.id)
        .await?
        .ok_or_else(|| ApiError::not_found("document content"))?;
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
    Ok(HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            // Cleaned again: rows stored before types were cleaned on every path.
            HeaderValue::from_str(&clean_content_type(Some(&row.content_type)))
                .unwrap_or(HeaderValue::from_static("application/octet-stream")),
        ))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", safe_name.trim()),
        ))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header(("Content-Digest", format!("sha-256=:{digest}:")))
        .body(bytes))
}

/// Download a document's bytes.
#[utoipa::path(tag = "documents", params(("id" = Uuid, Path)), responses((status = 200, description = "The bytes, as an attachment, with the media type they were uploaded with", content_type = "*/*", body = Vec<u8>)), security(("jwt" = [])))]
#[get("/documents/{id}/content")]
pub async fn download(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    policy::require(&caller, Resource::Document, Op::Read)?;
    let mut conn = state.db.get().await?;
    let row = readable(&mut conn, &caller, *id).await?;
    let response = attachment(&mut conn, state.documents.as_ref(), &row).await?;
    audit::write(
        &mut conn,
        caller.audit(
            "document.download",
            "document",
            vec![row.id],
            Some(row.case_id),
        ),
    )
    .await?;
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::clean_content_type;

    #[test]
    fn content_types_are_reduced_to_their_essence() {
        assert_eq!(
            clean_content_type(Some("application/pdf; charset=binary")),
            "application/pdf"
        );
        assert_eq!(clean_content_type(Some("Image/PNG")), "image/png");
        assert_eq!(
            clean_content_type(Some("text/html\r\nX: y")),
            "application/octet-stream"
        );
        assert_eq!(clean_content_type(None), "application/octet-stream");
        assert_eq!(
            clean_content_type(Some("multipart/mixed")),
            "application/octet-stream"
        );
    }
}
