//! Partner API keys: `cnc_<8-char prefix>_<secret>`, a 256-bit base62 secret stored only as
//! SHA-256 (a random 256-bit secret needs no slow hash), compared in constant time.

use chrono::Utc;
use rand::RngExt as _;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{AuthError, Principal};
use crate::db::DbPool;
use crate::db::api_keys::{self, StoredKey};

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// 43 base62 characters carry 256 bits (62^43 > 2^256).
const SECRET_LEN: usize = 43;
const PREFIX_LEN: usize = 8;

/// A key as shown once to the admin who creates it. `Debug` never prints the secret.
pub struct NewApiKey {
    pub prefix: String,
    pub secret_sha256: [u8; 32],
    pub full: String,
}

impl std::fmt::Debug for NewApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NewApiKey(cnc_{}_<redacted>)", self.prefix)
    }
}

fn random_base62(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| BASE62[rng.random_range(0..BASE62.len())] as char)
        .collect()
}

pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

impl NewApiKey {
    /// The form storage keeps: prefix and hash, never the secret.
    pub fn stored(&self) -> StoredKey<'_> {
        StoredKey {
            prefix: &self.prefix,
            secret_sha256: &self.secret_sha256,
        }
    }

    pub fn generate() -> NewApiKey {
        let prefix = random_base62(PREFIX_LEN);
        let secret = random_base62(SECRET_LEN);
        NewApiKey {
            secret_sha256: sha256(secret.as_bytes()),
            full: format!("cnc_{prefix}_{secret}"),
            prefix,
        }
    }
}

/// A presented key split into its lookup prefix and its secret.
pub struct PresentedKey<'a> {
    pub prefix: &'a str,
    secret: &'a str,
}

impl<'a> PresentedKey<'a> {
    pub fn parse(text: &'a str) -> Option<PresentedKey<'a>> {
        let rest = text.strip_prefix("cnc_")?;
        let (prefix, secret) = rest.split_once('_')?;
        let base62 = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric());
        (prefix.len() == PREFIX_LEN
            && secret.len() == SECRET_LEN
            && base62(prefix)
            && base62(secret))
        .then_some(PresentedKey { prefix, secret })
    }

    /// Whether the secret hashes to the stored digest (constant time).
    pub fn matches(&self, stored: &[u8]) -> bool {
        sha256(self.secret.as_bytes()).ct_eq(stored).into()
    }
}

fn refused() -> AuthError {
    AuthError::Unauthenticated("the API key is invalid, expired or revoked".into())
}

/// Resolves a presented key to its partner, refusing unknown, wrong, expired and revoked keys.
pub async fn authenticate(pool: &DbPool, key: &str) -> Result<Principal, AuthError> {
    let presented = PresentedKey::parse(key).ok_or_else(refused)?;
    let mut conn = pool.get().await.map_err(crate::db::error::DbError::from)?;
    let row = api_keys::find_by_prefix(&mut conn, presented.prefix)
        .await?
        .ok_or_else(refused)?;
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
        api_keys::touch_last_used(&mut conn, row.org_id, row.id, now).await?;
    }
    Ok(Principal::Partner {
        key_id: row.id,
        partner_id: row.partner_id,
        org_id: row.org_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_parse_and_match_only_their_own_hash() {
        let key = NewApiKey::generate();
        assert!(key.full.starts_with("cnc_"));
        assert_eq!(key.full.len(), 4 + 8 + 1 + 43);
        let presented = PresentedKey::parse(&key.full).expect("parses");
        assert_eq!(presented.prefix, key.prefix);
        assert!(presented.matches(&key.secret_sha256));
        let other = NewApiKey::generate();
        assert!(!presented.matches(&other.secret_sha256));
        assert!(!format!("{key:?}").contains(&key.full[13..]));
    }

    #[test]
    fn malformed_keys_do_not_parse() {
        for bad in [
            "cnc_short_x",
            "cnc_ABCDEFGH",
            "abc_ABCDEFGH_0000000000000000000000000000000000000000000",
            "cnc_ABCDEFG!_0000000000000000000000000000000000000000000",
        ] {
            assert!(PresentedKey::parse(bad).is_none(), "{bad}");
        }
    }
}
