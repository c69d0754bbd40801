//! Partner API keys: `cnc_<8-char prefix>_<secret>`, a 256-bit base62 secret stored only as
//! SHA-256 (a random 256-bit secret needs no slow hash), compared in constant time.

use rand::RngExt as _;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

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
