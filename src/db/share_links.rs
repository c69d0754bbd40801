//! Share links: only the token's hash is kept.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::newest_first;
use super::schema::share_links;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = share_links)]
pub struct ShareLinkRow {
    pub org_id: Uuid,
    pub id: Uuid,
    pub summary_id: Uuid,
    pub case_id: Uuid,
    pub token_sha256: Vec<u8>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub opened_count: i32,
    pub last_opened_at: Option<DateTime<Utc>>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// A new link to a summary, by the hash of its token.
pub struct NewShareLink<'a> {
    pub org_id: Uuid,
    pub id: Uuid,
    pub summary_id: Uuid,
    pub case_id: Uuid,
    pub token_sha256: &'a [u8],
    pub expires_at: DateTime<Utc>,
    pub created_by: &'a str,
}

pub async fn insert(conn: &mut AsyncPgConnection, link: NewShareLink<'_>) -> QueryResult<()> {
    diesel::insert_into(share_links::table)
        .values((
            share_links::org_id.eq(link.org_id),
            share_links::id.eq(link.id),
            share_links::summary_id.eq(link.summary_id),
            share_links::case_id.eq(link.case_id),
            share_links::token_sha256.eq(link.token_sha256),
            share_links::expires_at.eq(link.expires_at),
            share_links::created_by.eq(link.created_by),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// The link whose token hashes to `token_sha256`, in whichever organisation.
pub async fn find_by_token(
    conn: &mut AsyncPgConnection,
    token_sha256: &[u8],
) -> QueryResult<Option<ShareLinkRow>> {
    share_links::table
        .filter(share_links::token_sha256.eq(token_sha256))
        .select(ShareLinkRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<ShareLinkRow>> {
    share_links::table
        .filter(share_links::org_id.eq(org_id))
        .filter(share_links::id.eq(id))
        .select(ShareLinkRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// A summary's links, newest first.
pub async fn of_summary(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    summary_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<ShareLinkRow>> {
    newest_first!(
        share_links::table
            .filter(share_links::org_id.eq(org_id))
            .filter(share_links::summary_id.eq(summary_id)),
        share_links::created_at,
        share_links::id,
        after,
        limit
    )
    .select(ShareLinkRow::as_select())
    .load(conn)
    .await
}

/// Revokes the link (once; a second revocation keeps the first time): its case, or None.
pub async fn revoke(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<Uuid>> {
    diesel::update(
        share_links::table
            .filter(share_links::org_id.eq(org_id))
            .filter(share_links::id.eq(id)),
    )
    .set(share_links::revoked_at.eq(diesel::dsl::sql::<
        diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>,
    >("coalesce(revoked_at, now())")))
    .returning(share_links::case_id)
    .get_result(conn)
    .await
    .optional()
}

/// Counts an opening.
pub async fn opened(conn: &mut AsyncPgConnection, org_id: Uuid, id: Uuid) -> QueryResult<()> {
    diesel::update(
        share_links::table
            .filter(share_links::org_id.eq(org_id))
            .filter(share_links::id.eq(id)),
    )
    .set((
        share_links::opened_count.eq(share_links::opened_count + 1),
        share_links::last_opened_at.eq(Utc::now()),
    ))
    .execute(conn)
    .await?;
    Ok(())
}
