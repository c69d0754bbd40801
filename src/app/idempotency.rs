//! `Idempotency-Key` on creating requests: scoped to the organisation, the caller (partner or
//! subject), the method and the path; the first answer is replayed for the same canonical
//! JSON body, another body is refused (`KeyReused`), and a request still in flight with the
//! key is refused (`KeyInUse`). The remembered answer commits in the creation's transaction,
//! so a crash leaves neither; a transaction-scoped advisory lock (tried, never waited for)
//! makes concurrent retries create nothing twice and park no connection.

use chrono::{Duration, Utc};
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::error::{AppError, AppResult};
use super::tx::Tx;
use crate::auth::Principal;
use crate::db::idempotency::{self, Claim, KeyScope, Remembered};

/// How long a key is kept.
pub const KEEP_FOR_HOURS: i64 = 48;

/// An Idempotency-Key in the scope it lives in, with the hash of the request's body.
#[derive(Debug, Clone)]
pub struct Once {
    org_id: Uuid,
    caller: String,
    method: String,
    path: String,
    key: String,
    request_hash: Vec<u8>,
}

impl Once {
    /// `body` is hashed in canonical form (keys sorted), so formatting differences replay.
    pub fn new(principal: &Principal, method: &str, path: &str, key: String, body: &[u8]) -> Once {
        let canonical = serde_json::from_slice::<Value>(body)
            .map(|v| v.to_string().into_bytes())
            .unwrap_or_else(|_| body.to_vec());
        Once {
            org_id: principal.org_id(),
            caller: principal.caller_key(),
            method: method.to_string(),
            path: path.to_string(),
            key,
            request_hash: Sha256::digest(&canonical).to_vec(),
        }
    }

    fn lock_key(&self) -> i64 {
        let digest = Sha256::digest(format!(
            "{}|{}|{}|{}|{}",
            self.org_id, self.caller, self.method, self.path, self.key
        ));
        i64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
    }

    fn scope(&self) -> KeyScope<'_> {
        KeyScope {
            org_id: self.org_id,
            caller: &self.caller,
            method: &self.method,
            path: &self.path,
            key: &self.key,
        }
    }
}

/// What a creating request answers, storable for replay: a status, a JSON body, and the
/// `Location` and `ETag` that go with it.
#[derive(Debug, Clone)]
pub struct Creation {
    pub status: u16,
    pub body: Value,
    pub location: Option<String>,
    pub etag: Option<String>,
    /// A replay of the first answer to this Idempotency-Key.
    pub replayed: bool,
    /// Body fields shown once (a new secret): remembered as null for a replay.
    pub shown_once: Vec<&'static str>,
}

impl Creation {
    pub fn new(status: u16, body: impl Serialize) -> Creation {
        Creation {
            status,
            body: serde_json::to_value(body).unwrap_or(Value::Null),
            location: None,
            etag: None,
            replayed: false,
            shown_once: Vec::new(),
        }
    }

    /// A 201 with its body.
    pub fn created(body: impl Serialize) -> Creation {
        Creation::new(201, body)
    }

    /// Marks a body field as a secret shown only in this first answer.
    pub fn shown_once(mut self, field: &'static str) -> Creation {
        self.shown_once.push(field);
        self
    }

    pub fn at(mut self, location: String) -> Creation {
        self.location = Some(location);
        self
    }

    pub fn with_etag(mut self, etag: String) -> Creation {
        self.etag = Some(etag);
        self
    }
}

/// Checks the key inside the creation's transaction: Some(the remembered answer), an error (in
/// flight, reused with another body), or None to go on and create.
pub(super) async fn replay(
    conn: &mut AsyncPgConnection,
    once: &Once,
) -> AppResult<Option<Creation>> {
    let stored = match idempotency::claim(conn, once.lock_key(), &once.scope()).await? {
        Claim::InUse => return Err(AppError::KeyInUse),
        Claim::Ours(None) => return Ok(None),
        Claim::Ours(Some(stored)) => stored,
    };
    if stored.request_hash != once.request_hash {
        return Err(AppError::KeyReused);
    }
    let mut body: Value = serde_json::from_slice(&stored.body)?;
    // The ETag travels inside the stored body (a format records written before kept).
    let etag = body
        .as_object_mut()
        .and_then(|map| map.remove("__etag"))
        .and_then(|v| v.as_str().map(str::to_owned));
    Ok(Some(Creation {
        status: u16::try_from(stored.status).unwrap_or(200),
        body,
        location: stored.location,
        etag,
        replayed: true,
        shown_once: Vec::new(),
    }))
}

/// Remembers the answer for replay: queued in the creation's unit of work, written with it.
pub(super) fn remember(tx: &mut Tx<'_>, once: &Once, creation: &Creation) -> AppResult<()> {
    let mut stored = creation.body.clone();
    for field in &creation.shown_once {
        stored[*field] = Value::Null;
    }
    if let (Some(etag), Some(map)) = (&creation.etag, stored.as_object_mut()) {
        map.insert("__etag".into(), Value::from(etag.clone()));
    }
    tx.remember(Remembered {
        org_id: once.org_id,
        caller: once.caller.clone(),
        method: once.method.clone(),
        path: once.path.clone(),
        key: once.key.clone(),
        request_hash: hex::encode(&once.request_hash),
        response_status: creation.status as i16,
        response_body: serde_json::to_string(&stored)?,
        location: creation.location.clone(),
        expires_at: Utc::now() + Duration::hours(KEEP_FOR_HOURS),
    });
    Ok(())
}
