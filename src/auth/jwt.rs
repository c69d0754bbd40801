//! JWT verification with algorithms pinned to the configured key (HS256 secret, RS256 /
//! ES256 / EdDSA PEM key, or a JWKS chosen by `kid`), and HS256 minting for `concord token`.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use base64::Engine as _;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::{JwtConfig, JwtKeySource};

/// Roles a JWT may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Patient,
    Advocate,
    Coordinator,
    Clinician,
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Patient,
        Role::Advocate,
        Role::Coordinator,
        Role::Clinician,
        Role::Admin,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Patient => "patient",
            Role::Advocate => "advocate",
            Role::Coordinator => "coordinator",
            Role::Clinician => "clinician",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == text)
    }

    /// Coordinators, clinicians and admins work for the navigator.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Coordinator | Role::Clinician | Role::Admin)
    }
}

/// The claims `api.md` fixes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    pub exp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
}

/// A verified token's identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    pub subject: String,
    pub role: Role,
    pub org_id: Uuid,
}

/// Why a token was refused; only a generic message reaches the caller.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("token rejected: {0}")]
    Invalid(String),
}

enum Keys {
    Single {
        key: DecodingKey,
        algorithm: Algorithm,
    },
    Jwks(HashMap<String, (DecodingKey, Algorithm)>),
}

pub struct JwtVerifier {
    keys: Keys,
    config: JwtConfig,
    /// Only for HS256: `concord token` signs with the same secret.
    signing: Option<EncodingKey>,
}

/// The HS256 secret kept in the data folder when no key is configured, created on first use.
pub fn development_secret(path: &Path) -> anyhow::Result<Vec<u8>> {
    if let Ok(text) = std::fs::read_to_string(path) {
        let secret = text.trim().as_bytes().to_vec();
        if secret.len() >= 32 {
            return Ok(secret);
        }
    }
    let mut bytes = [0u8; 48];
    rand::fill(&mut bytes);
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(path, &secret).with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    Ok(secret.into_bytes())
}

fn algorithm(name: &str) -> anyhow::Result<Algorithm> {
    Ok(match name {
        "HS256" => Algorithm::HS256,
        "RS256" => Algorithm::RS256,
        "ES256" => Algorithm::ES256,
        "EdDSA" => Algorithm::EdDSA,
        other => bail!("unsupported JWT algorithm {other}"),
    })
}

impl JwtVerifier {
    pub fn from_config(config: &JwtConfig) -> anyhow::Result<JwtVerifier> {
        let (keys, signing) = match &config.keys {
            JwtKeySource::Secret(secret) => (
                Keys::Single {
                    key: DecodingKey::from_secret(secret),
                    algorithm: Algorithm::HS256,
                },
                Some(EncodingKey::from_secret(secret)),
            ),
            JwtKeySource::DevelopmentSecret(path) => {
                let secret = development_secret(path)?;
                (
                    Keys::Single {
                        key: DecodingKey::from_secret(&secret),
                        algorithm: Algorithm::HS256,
                    },
                    Some(EncodingKey::from_secret(&secret)),
                )
            }
            JwtKeySource::PublicKeyPem(pem) => {
                let algorithm = algorithm(config.algorithm.as_deref().unwrap_or("RS256"))?;
                let key = match algorithm {
                    Algorithm::RS256 => DecodingKey::from_rsa_pem(pem),
                    Algorithm::ES256 => DecodingKey::from_ec_pem(pem),
                    Algorithm::EdDSA => DecodingKey::from_ed_pem(pem),
                    _ => bail!("JWT_PUBLIC_KEY_FILE needs RS256, ES256 or EdDSA"),
                }
                .context("JWT_PUBLIC_KEY_FILE is not a PEM public key of that algorithm")?;
                (Keys::Single { key, algorithm }, None)
            }
            JwtKeySource::JwksFile(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                let set: JwkSet =
                    serde_json::from_str(&text).context("JWT_JWKS_FILE is not a JWKS document")?;
                let mut keys = HashMap::new();
                for jwk in &set.keys {
                    let kid = jwk
                        .common
                        .key_id
                        .clone()
                        .context("every JWKS key needs a kid")?;
                    let alg = match &jwk.common.key_algorithm {
                        Some(jsonwebtoken::jwk::KeyAlgorithm::RS256) => Algorithm::RS256,
                        Some(jsonwebtoken::jwk::KeyAlgorithm::ES256) => Algorithm::ES256,
                        Some(jsonwebtoken::jwk::KeyAlgorithm::EdDSA) => Algorithm::EdDSA,
                        Some(other) => bail!(
                            "JWKS key {kid}: algorithm {other:?} is not accepted (RS256, ES256, EdDSA)"
                        ),
                        None => match &jwk.algorithm {
                            jsonwebtoken::jwk::AlgorithmParameters::RSA(_) => Algorithm::RS256,
                            jsonwebtoken::jwk::AlgorithmParameters::EllipticCurve(_) => {
                                Algorithm::ES256
                            }
                            jsonwebtoken::jwk::AlgorithmParameters::OctetKeyPair(_) => {
                                Algorithm::EdDSA
                            }
                            _ => bail!(
                                "JWKS key {kid}: only RSA, EC and OKP public keys are accepted"
                            ),
                        },
                    };
                    if alg == Algorithm::HS256 {
                        bail!("JWKS key {kid}: symmetric keys are not accepted");
                    }
                    let key = DecodingKey::from_jwk(jwk)
                        .with_context(|| format!("JWKS key {kid} is unusable"))?;
                    keys.insert(kid, (key, alg));
                }
                if keys.is_empty() {
                    bail!("JWT_JWKS_FILE has no keys");
                }
                (Keys::Jwks(keys), None)
            }
        };
        Ok(JwtVerifier {
            keys,
            config: config.clone(),
            signing,
        })
    }

    fn validation(&self, algorithm: Algorithm) -> Validation {
        let mut v = Validation::new(algorithm);
        v.leeway = self.config.leeway.as_secs();
        v.validate_nbf = true;
        v.set_required_spec_claims(&["exp", "sub"]);
        match &self.config.audience {
            Some(aud) => {
                v.set_audience(&[aud]);
                v.required_spec_claims.insert("aud".into());
            }
            None => v.validate_aud = false,
        }
        if let Some(iss) = &self.config.issuer {
            v.set_issuer(&[iss]);
            v.required_spec_claims.insert("iss".into());
        }
        v
    }

    pub fn verify(&self, token: &str) -> Result<VerifiedToken, TokenError> {
        let invalid = |why: &str| TokenError::Invalid(why.to_string());
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid("malformed"))?;
        let (key, algorithm) = match &self.keys {
            Keys::Single { key, algorithm } => (key, *algorithm),
            Keys::Jwks(keys) => {
                let kid = header.kid.as_deref().ok_or_else(|| invalid("no kid"))?;
                let (key, alg) = keys.get(kid).ok_or_else(|| invalid("unknown kid"))?;
                (key, *alg)
            }
        };
        // The algorithm is pinned to the key: a token naming another is refused.
        if header.alg != algorithm {
            return Err(invalid("algorithm"));
        }
        let data = jsonwebtoken::decode::<Claims>(token, key, &self.validation(algorithm))
            .map_err(|e| TokenError::Invalid(format!("{:?}", e.kind())))?;
        let claims = data.claims;
        let role = Role::parse(&claims.role).ok_or_else(|| invalid("role"))?;
        let org_id = claims
            .org
            .as_deref()
            .and_then(|o| Uuid::parse_str(o).ok())
            .ok_or_else(|| invalid("org"))?;
        if claims.sub.trim().is_empty() || claims.sub.len() > 255 {
            return Err(invalid("sub"));
        }
        Ok(VerifiedToken {
            subject: claims.sub,
            role,
            org_id,
        })
    }

    /// Signs an HS256 token (operators and tests).
    pub fn mint(
        &self,
        subject: &str,
        role: Role,
        org: Option<Uuid>,
        ttl: Duration,
    ) -> anyhow::Result<String> {
        let key = self.signing.as_ref().context("concord token signs HS256 only: configure JWT_SECRET (or no key, for the development secret)")?;
        let now = jsonwebtoken::get_current_timestamp();
        let claims = Claims {
            sub: subject.to_string(),
            role: role.code().to_string(),
            org: org.map(|o| o.to_string()),
            exp: now + ttl.as_secs(),
            iat: Some(now),
            nbf: None,
            iss: self.config.issuer.clone(),
            aud: self.config.audience.clone(),
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            key,
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(secret: &str) -> JwtConfig {
        JwtConfig {
            keys: JwtKeySource::Secret(secret.as_bytes().to_vec()),
            algorithm: None,
            issuer: None,
            audience: None,
            leeway: Duration::from_secs(0),
        }
    }

    #[test]
    fn minted_tokens_verify_and_foreign_ones_do_not() {
        let org = Uuid::now_v7();
        let ours = JwtVerifier::from_config(&config("a-secret-of-at-least-thirty-two-bytes!"))
            .expect("verifier");
        let token = ours
            .mint(
                "coord-1",
                Role::Coordinator,
                Some(org),
                Duration::from_secs(60),
            )
            .expect("mint");
        assert_eq!(
            ours.verify(&token).expect("valid"),
            VerifiedToken {
                subject: "coord-1".into(),
                role: Role::Coordinator,
                org_id: org
            }
        );
        let theirs = JwtVerifier::from_config(&config("another-secret-of-at-least-32-bytes!!"))
            .expect("verifier");
        assert!(theirs.verify(&token).is_err());
        let no_org = ours
            .mint("x", Role::Admin, None, Duration::from_secs(60))
            .expect("mint");
        assert!(ours.verify(&no_org).is_err());
    }

    #[test]
    fn expired_tokens_are_refused() {
        let v = JwtVerifier::from_config(&config("a-secret-of-at-least-thirty-two-bytes!"))
            .expect("verifier");
        let key = EncodingKey::from_secret(b"a-secret-of-at-least-thirty-two-bytes!");
        let claims = Claims {
            sub: "s".into(),
            role: "admin".into(),
            org: Some(Uuid::now_v7().to_string()),
            exp: jsonwebtoken::get_current_timestamp() - 10,
            iat: None,
            nbf: None,
            iss: None,
            aud: None,
        };
        let token =
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key).expect("encode");
        assert!(v.verify(&token).is_err());
    }
}
