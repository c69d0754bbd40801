//! Documents of a case: metadata here, bytes behind the `DocumentStore` seam.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures_util::future::BoxFuture;
use uuid::Uuid;

use super::newest_first;
use super::schema::{document_blobs, documents};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = documents)]
pub struct DocumentRow {
    pub org_id: Uuid,
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: String,
    pub title: String,
    pub document_date: Option<NaiveDate>,
    pub source_institution: Option<String>,
    pub language: Option<String>,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: Vec<u8>,
    pub uploaded_by: String,
    pub created_at: DateTime<Utc>,
}

/// Where document bytes live. PostgreSQL by default (in the upload's transaction); an object
/// store can implement the same two calls.
pub trait DocumentStore: Send + Sync {
    fn put<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        org_id: Uuid,
        id: Uuid,
        bytes: &'a [u8],
    ) -> BoxFuture<'a, QueryResult<()>>;
    fn get<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        org_id: Uuid,
        id: Uuid,
    ) -> BoxFuture<'a, QueryResult<Option<Vec<u8>>>>;
}

/// Bytes in the `document_blobs` table.
pub struct PostgresStore;

impl DocumentStore for PostgresStore {
    fn put<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        org_id: Uuid,
        id: Uuid,
        bytes: &'a [u8],
    ) -> BoxFuture<'a, QueryResult<()>> {
        Box::pin(async move {
            diesel::insert_into(document_blobs::table)
                .values((
                    document_blobs::org_id.eq(org_id),
                    document_blobs::document_id.eq(id),
                    document_blobs::bytes.eq(bytes),
                ))
                .execute(conn)
                .await?;
            Ok(())
        })
    }

    fn get<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        org_id: Uuid,
        id: Uuid,
    ) -> BoxFuture<'a, QueryResult<Option<Vec<u8>>>> {
        Box::pin(async move {
            document_blobs::table
                .filter(document_blobs::org_id.eq(org_id))
                .filter(document_blobs::document_id.eq(id))
                .select(document_blobs::bytes)
                .first(conn)
                .await
                .optional()
        })
    }
}

pub async fn insert(conn: &mut AsyncPgConnection, row: &DocumentRow) -> QueryResult<DocumentRow> {
    diesel::insert_into(documents::table)
        .values(row.clone())
        .returning(DocumentRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<DocumentRow>> {
    documents::table
        .filter(documents::org_id.eq(org_id))
        .filter(documents::id.eq(id))
        .select(DocumentRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The document with these bytes on this case, if any.
pub async fn find_by_hash(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    case_id: Uuid,
    sha256: &[u8],
) -> QueryResult<Option<DocumentRow>> {
    documents::table
        .filter(documents::org_id.eq(org_id))
        .filter(documents::case_id.eq(case_id))
        .filter(documents::sha256.eq(sha256))
        .select(DocumentRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    case_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<DocumentRow>> {
    newest_first!(
        documents::table
            .filter(documents::org_id.eq(org_id))
            .filter(documents::case_id.eq(case_id)),
        documents::created_at,
        documents::id,
        after,
        limit
    )
    .select(DocumentRow::as_select())
    .load(conn)
    .await
}

/// Every document of these cases, newest first.
pub async fn of_cases(
    mut conn: &AsyncPgConnection,
    org_id: Uuid,
    case_ids: &[Uuid],
) -> QueryResult<Vec<DocumentRow>> {
    documents::table
        .filter(documents::org_id.eq(org_id))
        .filter(documents::case_id.eq_any(case_ids))
        .order((documents::created_at.desc(), documents::id.desc()))
        .select(DocumentRow::as_select())
        .load(&mut conn)
        .await
}

pub async fn kinds_present(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    case_id: Uuid,
) -> QueryResult<Vec<String>> {
    documents::table
        .filter(documents::org_id.eq(org_id))
        .filter(documents::case_id.eq(case_id))
        .select(documents::kind)
        .distinct()
        .load(conn)
        .await
}
