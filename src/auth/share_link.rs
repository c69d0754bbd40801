//! Share links: the token in the link's URL is the credential (256 random bits, base64url,
//! stored only as SHA-256); it resolves to the link, whatever state the link is in.

use super::api_key::sha256;
use super::{AuthError, Principal};
use crate::db::DbPool;
use crate::db::error::DbError;

/// Whether `token` could be a link's token at all (43 base64url characters): anything else
/// is not looked up.
pub fn plausible(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The link the token opens, or None for a token no link has.
pub async fn authenticate(pool: &DbPool, token: &str) -> Result<Option<Principal>, AuthError> {
    if !plausible(token) {
        return Ok(None);
    }
    let mut conn = pool.get().await.map_err(DbError::from)?;
    let link = crate::db::share_links::find_by_token(&mut conn, &sha256(token.as_bytes())).await?;
    Ok(link.map(|l| Principal::ShareLink {
        link_id: l.id,
        org_id: l.org_id,
    }))
}
