//! A navigator's partner hospitals and the API keys they submit opinions with.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{AppError, AppResult, Reader, Tx};
use crate::auth::api_key::NewApiKey;
use crate::db::{api_keys, organizations};

pub use crate::db::api_keys::ApiKeyRow as ApiKeyRecord;
pub use crate::db::organizations::OrganizationRow as OrganizationRecord;

/// A partner hospital of the actor's navigator.
pub async fn create_partner(tx: &mut Tx<'_>, name: &str) -> AppResult<OrganizationRecord> {
    let row = organizations::create_partner(tx.conn, tx.org, name).await?;
    tx.audit("organization.create", "organization", vec![row.id], None);
    Ok(row)
}

/// A page of the navigator and its partners, newest first.
pub async fn list(
    q: &mut Reader<'_>,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> AppResult<Vec<OrganizationRecord>> {
    Ok(organizations::list(q.conn, q.org, after, limit).await?)
}

pub async fn get(q: &mut Reader<'_>, id: Uuid) -> AppResult<OrganizationRecord> {
    organizations::find(q.conn, q.org, id)
        .await?
        .ok_or(AppError::NotFound("organization"))
}

pub async fn rename(tx: &mut Tx<'_>, id: Uuid, name: &str) -> AppResult<OrganizationRecord> {
    let row = organizations::rename(tx.conn, tx.org, id, name)
        .await?
        .ok_or(AppError::NotFound("organization"))?;
    tx.audit("organization.update", "organization", vec![id], None);
    Ok(row)
}

/// The partner `id` of the actor's navigator (404 for anything else).
async fn partner(
    conn: &mut diesel_async::AsyncPgConnection,
    org: Uuid,
    id: Uuid,
) -> AppResult<OrganizationRecord> {
    organizations::find_partner(conn, org, id)
        .await?
        .ok_or(AppError::NotFound("partner organization"))
}

/// A new key for a partner: the record, and the key itself, which exists only in this answer
/// (storage keeps its hash).
pub async fn issue_api_key(
    tx: &mut Tx<'_>,
    partner_id: Uuid,
    name: &str,
    expires_at: Option<DateTime<Utc>>,
) -> AppResult<(ApiKeyRecord, String)> {
    partner(tx.conn, tx.org, partner_id).await?;
    let key = NewApiKey::generate();
    let created_by = tx.created_by();
    let row = api_keys::create(
        tx.conn,
        tx.org,
        partner_id,
        name,
        key.stored(),
        expires_at,
        &created_by,
    )
    .await?;
    tx.audit("api_key.create", "api_key", vec![row.id, partner_id], None);
    Ok((row, key.full))
}

/// A page of a partner's keys, newest first (metadata only).
pub async fn api_keys(
    q: &mut Reader<'_>,
    partner_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> AppResult<Vec<ApiKeyRecord>> {
    partner(q.conn, q.org, partner_id).await?;
    let rows = api_keys::list(q.conn, q.org, partner_id, after, limit).await?;
    q.audit("api_key.list", "api_key", vec![partner_id], None);
    Ok(rows)
}

/// Revokes a key at once.
pub async fn revoke_api_key(tx: &mut Tx<'_>, partner_id: Uuid, key_id: Uuid) -> AppResult<()> {
    if !api_keys::revoke(tx.conn, tx.org, partner_id, key_id).await? {
        return Err(AppError::NotFound("api key"));
    }
    tx.audit("api_key.revoke", "api_key", vec![key_id, partner_id], None);
    Ok(())
}
