//! Partner API keys: lookup by prefix, creation, listing, revocation (auth checks the secret).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::newest_first;
use super::schema::api_keys;

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

/// The key with this lookup prefix, whatever its state: the caller checks the secret,
/// expiry and revocation.
pub async fn find_by_prefix(
    conn: &mut AsyncPgConnection,
    prefix: &str,
) -> QueryResult<Option<ApiKeyRow>> {
    api_keys::table
        .filter(api_keys::prefix.eq(prefix))
        .select(ApiKeyRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Records that the key was used now.
pub async fn touch_last_used(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(
        api_keys::table
            .filter(api_keys::org_id.eq(org_id))
            .filter(api_keys::id.eq(id)),
    )
    .set(api_keys::last_used_at.eq(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// A key's stored form: its lookup prefix and the SHA-256 of its secret.
pub struct StoredKey<'a> {
    pub prefix: &'a str,
    pub secret_sha256: &'a [u8],
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    partner_id: Uuid,
    name: &str,
    key: StoredKey<'_>,
    expires_at: Option<DateTime<Utc>>,
    created_by: &str,
) -> QueryResult<ApiKeyRow> {
    diesel::insert_into(api_keys::table)
        .values((
            api_keys::org_id.eq(org_id),
            api_keys::id.eq(Uuid::now_v7()),
            api_keys::partner_id.eq(partner_id),
            api_keys::name.eq(name),
            api_keys::prefix.eq(key.prefix),
            api_keys::secret_sha256.eq(key.secret_sha256),
            api_keys::expires_at.eq(expires_at),
            api_keys::created_by.eq(created_by),
        ))
        .returning(ApiKeyRow::as_returning())
        .get_result(conn)
        .await
}

/// A partner's keys, newest first.
pub async fn list(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    partner_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<ApiKeyRow>> {
    newest_first!(
        api_keys::table
            .filter(api_keys::org_id.eq(org_id))
            .filter(api_keys::partner_id.eq(partner_id)),
        api_keys::created_at,
        api_keys::id,
        after,
        limit
    )
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
