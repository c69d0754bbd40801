//! Who is calling: a JWT (frontends and coordinator tools) or a partner API key, resolved
//! to a `Principal`; rate limits per key, per subject and per IP; and the per-object
//! access policy (`policy`).

pub mod api_key;
pub mod error;
pub mod jwt;
pub mod policy;
pub mod rate_limit;
pub mod share_link;

use uuid::Uuid;

pub use error::AuthError;
pub use jwt::Role;

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A person, through a JWT: patient, advocate or navigator staff.
    User {
        subject: String,
        role: Role,
        org_id: Uuid,
    },
    /// A partner hospital's system, through an API key.
    Partner {
        key_id: Uuid,
        partner_id: Uuid,
        org_id: Uuid,
    },
    /// Whoever holds a share link's token (the treating oncologist, no account): it opens one
    /// summary and nothing else.
    ShareLink { link_id: Uuid, org_id: Uuid },
}

impl Principal {
    /// The navigator tenant the caller belongs to.
    pub fn org_id(&self) -> Uuid {
        match self {
            Principal::User { org_id, .. }
            | Principal::Partner { org_id, .. }
            | Principal::ShareLink { org_id, .. } => *org_id,
        }
    }

    pub fn role(&self) -> Option<Role> {
        match self {
            Principal::User { role, .. } => Some(*role),
            Principal::Partner { .. } | Principal::ShareLink { .. } => None,
        }
    }

    pub fn is_staff(&self) -> bool {
        self.role().is_some_and(Role::is_staff)
    }

    /// "user" or "api_key", as audit rows name the actor kind.
    pub fn actor_kind(&self) -> &'static str {
        match self {
            Principal::User { .. } => "user",
            Principal::Partner { .. } => "api_key",
            Principal::ShareLink { .. } => "share_link",
        }
    }

    /// The subject, or the key id.
    pub fn actor_id(&self) -> String {
        match self {
            Principal::User { subject, .. } => subject.clone(),
            Principal::Partner { key_id, .. } => key_id.to_string(),
            Principal::ShareLink { link_id, .. } => link_id.to_string(),
        }
    }

    /// Who created something, as stored in `created_by` columns.
    pub fn created_by(&self) -> String {
        match self {
            Principal::User { subject, .. } => subject.clone(),
            Principal::Partner { key_id, .. } => format!("api_key:{key_id}"),
            Principal::ShareLink { link_id, .. } => format!("share_link:{link_id}"),
        }
    }

    /// The key an idempotency record or a rate limit is kept under: the partner (not the
    /// key, so a retry through a rotated key still replays) or the subject.
    pub fn caller_key(&self) -> String {
        match self {
            Principal::User { subject, .. } => format!("sub:{subject}"),
            Principal::Partner { partner_id, .. } => format!("partner:{partner_id}"),
            Principal::ShareLink { link_id, .. } => format!("link:{link_id}"),
        }
    }
}
