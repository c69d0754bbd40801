//! Partner API keys: authentication by prefix and hash, creation, listing, revocation.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::DbPool;
use super::schema::api_keys;
use crate::auth::Principal;
use crate::auth::api_key::{NewApiKey, PresentedKey};
use crate::http::problem::ApiError;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_keys)]
pub struct ApiKeyRow {
    pub org_id: Uuid,
    pub id: Uuid,
    pub partner_id: Uuid,
    pub name: String,
    pub prefix: String,
    pub secret_sha256: Vec<u8>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

fn refused() -> ApiError {
    ApiError::unauthorized("the API key is invalid, expired or revoked")
}

/// Resolves a presented key to its partner, refusing unknown, wrong, expired and revoked keys.
pub async fn authenticate(pool: &DbPool, key: &str) -> Result<Principal, ApiError> {
    let presented = PresentedKey::parse(key).ok_or_else(refused)?;
    let mut conn = pool.get().await?;
    let row: Option<ApiKeyRow> = api_keys::table
        .filter(api_keys::prefix.eq(presented.prefix))
        .select(ApiKeyRow::as_select())
        .first(&mut conn)
        .await
        .optional()?;
    let row = row.ok_or_else(refused)?;
    let now = Utc::now();
    if !presented.matches(&row.secret_sha256)
        || row.revoked_at.is_some()
        || row.expires_at.is_some_and(|e| e <= now)
    {
        return Err(refused());
    }
    // Kept to the minute: one write per key per minute, not per request.
    if row
        .last_used_at
        .is_none_or(|t| now - t > chrono::Duration::seconds(60))
    {
        diesel::update(
            api_keys::table
                .filter(api_keys::org_id.eq(row.org_id))
                .filter(api_keys::id.eq(row.id)),
        )
        .set(api_keys::last_used_at.eq(now))
        .execute(&mut conn)
        .await?;
    }
    Ok(Principal::Partner {
        key_id: row.id,
        partner_id: row.partner_id,
        org_id: row.org_id,
    })
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    partner_id: Uuid,
    name: &str,
    expires_at: Option<DateTime<Utc>>,
    created_by: &str,
) -> QueryResult<(ApiKeyRow, NewApiKey)> {
    let key = NewApiKey::generate();
    let row = diesel::insert_into(api_keys::table)
        .values((
            api_keys::org_id.eq(org_id),
            api_keys::id.eq(Uuid::now_v7()),
            api_keys::partner_id.eq(partner_id),
            api_keys::name.eq(name),
            api_keys::prefix.eq(&key.prefix),
            api_keys::secret_sha256.eq(key.secret_sha256.to_vec()),
            api_keys::expires_at.eq(expires_at),
            api_keys::created_by.eq(created_by),
        ))
        .returning(ApiKeyRow::as_returning())
        .get_result(conn)
        .await?;
    Ok((row, key))
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    partner_id: Uuid,
) -> QueryResult<Vec<ApiKeyRow>> {
    api_keys::table
        .filter(api_keys::org_id.eq(org_id))
        .filter(api_keys::partner_id.eq(partner_id))
        .order((api_keys::created_at.desc(), api_keys::id.desc()))
        .select(ApiKeyRow::as_select())
        .load(conn)
        .await
}

/// Revokes a key at once; true when a key of this partner was found.
pub async fn revoke(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    partner_id: Uuid,
    key_id: Uuid,
) -> QueryResult<bool> {
    let changed = diesel::update(
        api_keys::table
            .filter(api_keys::org_id.eq(org_id))
            .filter(api_keys::partner_id.eq(partner_id))
            .filter(api_keys::id.eq(key_id)),
    )
    .set(api_keys::revoked_at.eq(diesel::dsl::sql::<
        diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>,
    >("coalesce(revoked_at, now())")))
    .execute(conn)
    .await?;
    Ok(changed == 1)
}
