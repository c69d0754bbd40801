//! Documents of a case: metadata in rows, bytes behind the document store; the same bytes
//! twice on a case are the first document.

use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::{Actor, AppError, AppResult, Reader, Tx, access, cases};
use crate::auth::api_key::sha256;
use crate::db::documents;
use crate::domain::records::DocumentKind;

pub use crate::db::documents::DocumentRow as DocumentRecord;

/// A file to keep on a case, with what is known of it.
#[derive(Debug, Clone)]
pub struct NewDocument {
    pub kind: DocumentKind,
    pub title: String,
    pub date: Option<NaiveDate>,
    pub source_institution: Option<String>,
    pub language: Option<String>,
    /// `type/subtype` (`domain::records::content_type` cleans what was sent).
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Keeps the file on the case: the document, and whether it is new (the same bytes on the
/// case already are that document). A new one is audited.
pub async fn store(
    tx: &mut Tx<'_>,
    case_id: Uuid,
    file: &NewDocument,
) -> AppResult<(DocumentRecord, bool)> {
    let digest = sha256(&file.bytes);
    if let Some(existing) = documents::find_by_hash(tx.conn, tx.org, case_id, &digest).await? {
        return Ok((existing, false));
    }
    let row = documents::insert(
        tx.conn,
        &DocumentRecord {
            org_id: tx.org,
            id: Uuid::now_v7(),
            case_id,
            kind: file.kind.code().to_string(),
            title: file.title.trim().to_string(),
            document_date: file.date,
            source_institution: file.source_institution.clone(),
            language: file.language.clone(),
            content_type: file.content_type.clone(),
            size_bytes: file.bytes.len() as i64,
            sha256: digest.to_vec(),
            uploaded_by: tx.created_by(),
            created_at: Utc::now(),
        },
    )
    .await?;
    tx.documents
        .put(tx.conn, tx.org, row.id, &file.bytes)
        .await?;
    tx.audit("document.create", "document", vec![row.id], Some(case_id));
    Ok((row, true))
}

/// An upload to a case the actor can see: the document, and whether it is new.
pub async fn upload(
    tx: &mut Tx<'_>,
    case_id: Uuid,
    file: NewDocument,
) -> AppResult<(DocumentRecord, bool)> {
    access::case(tx.conn, tx.actor, case_id).await?;
    let (row, fresh) = store(tx, case_id, &file).await?;
    if !fresh {
        tx.audit("document.create", "document", vec![row.id], Some(case_id));
    }
    Ok((row, fresh))
}

/// A page of the case's documents, newest first.
pub async fn list(
    q: &mut Reader<'_>,
    case_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> AppResult<Vec<DocumentRecord>> {
    cases::visible(q.conn, q.actor, case_id, "documents").await?;
    let rows = documents::list(q.conn, q.org, case_id, after, limit).await?;
    q.audit(
        "document.list",
        "document",
        rows.iter().map(|r| r.id).collect(),
        Some(case_id),
    );
    Ok(rows)
}

/// A document the actor may read (its case's documents part); not found for anything else.
async fn readable(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    id: Uuid,
) -> AppResult<DocumentRecord> {
    let row = documents::find(conn, actor.org_id(), id)
        .await?
        .ok_or(AppError::NotFound("document"))?;
    access::case_part(conn, actor, row.case_id, "documents")
        .await
        .map_err(|_| AppError::NotFound("document"))?;
    Ok(row)
}

pub async fn get(q: &mut Reader<'_>, id: Uuid) -> AppResult<DocumentRecord> {
    let row = readable(q.conn, q.actor, id).await?;
    q.audit("document.read", "document", vec![row.id], Some(row.case_id));
    Ok(row)
}

/// The document's bytes, as stored.
pub async fn bytes(
    conn: &mut AsyncPgConnection,
    store: &dyn documents::DocumentStore,
    row: &DocumentRecord,
) -> AppResult<Vec<u8>> {
    store
        .get(conn, row.org_id, row.id)
        .await?
        .ok_or(AppError::NotFound("document content"))
}

/// A document and its bytes, for download.
pub async fn download(q: &mut Reader<'_>, id: Uuid) -> AppResult<(DocumentRecord, Vec<u8>)> {
    let row = readable(q.conn, q.actor, id).await?;
    let bytes = bytes(q.conn, q.documents, &row).await?;
    q.audit(
        "document.download",
        "document",
        vec![row.id],
        Some(row.case_id),
    );
    Ok((row, bytes))
}
