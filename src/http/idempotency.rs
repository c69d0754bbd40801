//! `Idempotency-Key` on creating POSTs: scoped to the organisation, the caller (partner or
//! subject), the method and the path; the first response is replayed for the same canonical
//! JSON body (`Idempotent-Replayed: true`), another body is a 422, and a request still in
//! flight with the key is a 409. The record commits in the same transaction as the creation,
//! so a crash leaves neither; a transaction-scoped advisory lock makes concurrent retries
//! wait for nothing and create nothing twice.

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload};
use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures_util::future::{Ready, ready};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::problem::{ApiError, ApiResult, ProblemKind};
use crate::app::{Creation, Once};
use crate::auth::Principal;
use crate::db::schema::idempotency_keys;

/// How long a key is kept.
const KEEP_FOR_HOURS: i64 = 48;

/// The `Idempotency-Key` header, if sent.
#[derive(Debug, Clone)]
pub struct IdempotencyKey(pub Option<String>);

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = match req.headers().get("idempotency-key") {
            None => Ok(None),
            Some(v) => match v.to_str() {
                Ok(k)
                    if (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()) =>
                {
                    Ok(Some(k.to_string()))
                }
                _ => Err(ApiError::bad_request(
                    "Idempotency-Key must be 1 to 255 visible ASCII characters",
                )),
            },
        };
        ready(key.map(IdempotencyKey))
    }
}

impl IdempotencyKey {
    /// The key in its scope (caller, method, path) with the request body's hash, if one was sent.
    pub fn once(&self, principal: &Principal, req: &HttpRequest, body: &[u8]) -> Option<Once> {
        let key = self.0.clone()?;
        Some(Once::new(
            principal,
            req.method().as_str(),
            req.path(),
            key,
            body,
        ))
    }
}

/// A creation's answer: its status, `Location`, `ETag`, and `Idempotent-Replayed` on a replay.
pub fn respond(creation: Creation) -> HttpResponse {
    let mut response =
        HttpResponse::build(StatusCode::from_u16(creation.status).unwrap_or(StatusCode::OK));
    if let Some(location) = &creation.location {
        response.insert_header(("Location", location.as_str()));
    }
    if let Some(etag) = &creation.etag {
        response.insert_header(("ETag", etag.as_str()));
    }
    if creation.replayed {
        response.insert_header(("Idempotent-Replayed", "true"));
    }
    response.json(&creation.body)
}

/// What a creation answers, storable for replay.
#[derive(Debug, Clone)]
pub struct Created {
    pub status: StatusCode,
    pub body: Value,
    pub location: Option<String>,
    pub etag: Option<String>,
    /// A replay of the first response to this Idempotency-Key.
    pub replayed: bool,
    /// Body fields shown once (a new secret): kept as null for a replay.
    pub shown_once: Vec<&'static str>,
}

impl Created {
    pub fn new(status: StatusCode, body: impl serde::Serialize) -> Created {
        Created {
            status,
            body: serde_json::to_value(body).unwrap_or(Value::Null),
            location: None,
            etag: None,
            replayed: false,
            shown_once: Vec::new(),
        }
    }

    /// Marks a body field as a secret shown only in this first answer.
    pub fn shown_once(mut self, field: &'static str) -> Created {
        self.shown_once.push(field);
        self
    }

    pub fn at(mut self, location: String) -> Created {
        self.location = Some(location);
        self
    }

    pub fn with_etag(mut self, etag: String) -> Created {
        self.etag = Some(etag);
        self
    }

    pub fn response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if let Some(location) = &self.location {
            response.insert_header(("Location", location.as_str()));
        }
        if let Some(etag) = &self.etag {
            response.insert_header(("ETag", etag.as_str()));
        }
        if self.replayed {
            response.insert_header(("Idempotent-Replayed", "true"));
        }
        response.json(&self.body)
    }
}

/// The scope a key lives in.
pub struct Scope {
    org_id: uuid::Uuid,
    caller: String,
    method: String,
    path: String,
    key: String,
    request_hash: Vec<u8>,
}

impl Scope {
    /// `body` is hashed in canonical form (keys sorted), so formatting differences replay.
    pub fn new(
        principal: &Principal,
        req: &HttpRequest,
        key: &IdempotencyKey,
        body: &[u8],
    ) -> Option<Scope> {
        let key = key.0.clone()?;
        let canonical = serde_json::from_slice::<Value>(body)
            .map(|v| v.to_string().into_bytes())
            .unwrap_or_else(|_| body.to_vec());
        Some(Scope {
            org_id: principal.org_id(),
            caller: principal.caller_key(),
            method: req.method().to_string(),
            path: req.path().to_string(),
            key,
            request_hash: Sha256::digest(&canonical).to_vec(),
        })
    }

    fn lock_key(&self) -> i64 {
        let digest = Sha256::digest(format!(
            "{}|{}|{}|{}|{}",
            self.org_id, self.caller, self.method, self.path, self.key
        ));
        i64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
    }
}

/// (request hash, status, body, location) of a remembered response.
type StoredResponse = (Vec<u8>, i16, Vec<u8>, Option<String>);

diesel::define_sql_function! {
    /// Through the query builder, not `sql_query`, so the statement is prepared once per
    /// connection and not on every request.
    fn pg_try_advisory_xact_lock(key: BigInt) -> Bool;
}

/// Checks the key inside the creation's transaction: Some(replay), an error (in flight,
/// reused with another body), or None to go on and create.
async fn replay(conn: &mut AsyncPgConnection, scope: Option<&Scope>) -> ApiResult<Option<Created>> {
    let Some(scope) = scope else { return Ok(None) };
    let locked: bool = diesel::select(pg_try_advisory_xact_lock(scope.lock_key()))
        .get_result(conn)
        .await?;
    if !locked {
        return Err(ApiError::conflict(
            ProblemKind::IdempotencyKeyInUse,
            "a request with this Idempotency-Key is still in flight; retry shortly",
        ));
    }
    let stored: Option<StoredResponse> = idempotency_keys::table
        .filter(idempotency_keys::org_id.eq(scope.org_id))
        .filter(idempotency_keys::caller.eq(&scope.caller))
        .filter(idempotency_keys::method.eq(&scope.method))
        .filter(idempotency_keys::path.eq(&scope.path))
        .filter(idempotency_keys::key.eq(&scope.key))
        .filter(idempotency_keys::expires_at.gt(Utc::now()))
        .select((
            idempotency_keys::request_hash,
            idempotency_keys::response_status,
            idempotency_keys::response_body,
            idempotency_keys::location,
        ))
        .first(conn)
        .await
        .optional()?;
    match stored {
        None => Ok(None),
        Some((hash, _, _, _)) if hash != scope.request_hash => Err(ApiError::new(
            ProblemKind::IdempotencyKeyReused,
            "this Idempotency-Key was used with another body; use a new key for a new request",
        )),
        Some((_, status, body, location)) => {
            let body: Value = serde_json::from_slice(&body).map_err(anyhow::Error::from)?;
            let etag = body
                .get("__etag")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let mut body = body;
            if let Some(map) = body.as_object_mut() {
                map.remove("__etag");
            }
            Ok(Some(Created {
                status: StatusCode::from_u16(status as u16).unwrap_or(StatusCode::OK),
                body,
                location,
                etag,
                replayed: true,
                shown_once: Vec::new(),
            }))
        }
    }
}

/// A creation's body, as diesel-async's `transaction` takes it: an async closure over the
/// connection whose future is `Send` (its bound names a private trait, so it is restated here).
pub trait OldCreation<'r>:
    AsyncFnOnce(&'r mut AsyncPgConnection) -> ApiResult<Created>
    + FnOnce(&'r mut AsyncPgConnection) -> <Self as OldCreation<'r>>::Fut
{
    type Fut: std::future::Future<Output = ApiResult<Created>> + Send;
}

impl<'r, F, Fut> OldCreation<'r> for F
where
    F: AsyncFnOnce(&'r mut AsyncPgConnection) -> ApiResult<Created>
        + FnOnce(&'r mut AsyncPgConnection) -> Fut,
    Fut: std::future::Future<Output = ApiResult<Created>> + Send,
{
    type Fut = Fut;
}

/// Runs a creation once per Idempotency-Key, in one transaction: a retry gets the first
/// answer replayed; otherwise `create` runs and its answer is remembered before commit.
pub async fn create_once<F>(
    conn: &mut AsyncPgConnection,
    scope: Option<&Scope>,
    create: F,
) -> ApiResult<Created>
where
    F: for<'r> OldCreation<'r> + Send,
{
    use diesel_async::AsyncConnection;
    conn.transaction::<_, ApiError, _>(async |conn| {
        if let Some(replay) = replay(conn, scope).await? {
            return Ok(replay);
        }
        let created = create(conn).await?;
        remember(conn, scope, &created).await?;
        Ok(created)
    })
    .await
}

/// Stores the response for replay, in the creation's transaction.
async fn remember(
    conn: &mut AsyncPgConnection,
    scope: Option<&Scope>,
    created: &Created,
) -> ApiResult<()> {
    let Some(scope) = scope else { return Ok(()) };
    let mut stored = created.body.clone();
    for field in &created.shown_once {
        stored[*field] = Value::Null;
    }
    if let (Some(etag), Some(map)) = (&created.etag, stored.as_object_mut()) {
        map.insert("__etag".into(), Value::from(etag.clone()));
    }
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::org_id.eq(scope.org_id),
            idempotency_keys::caller.eq(&scope.caller),
            idempotency_keys::method.eq(&scope.method),
            idempotency_keys::path.eq(&scope.path),
            idempotency_keys::key.eq(&scope.key),
            idempotency_keys::request_hash.eq(&scope.request_hash),
            idempotency_keys::response_status.eq(created.status.as_u16() as i16),
            idempotency_keys::response_body
                .eq(serde_json::to_vec(&stored).map_err(anyhow::Error::from)?),
            idempotency_keys::location.eq(&created.location),
            idempotency_keys::expires_at.eq(Utc::now() + Duration::hours(KEEP_FOR_HOURS)),
        ))
        .on_conflict((
            idempotency_keys::org_id,
            idempotency_keys::caller,
            idempotency_keys::method,
            idempotency_keys::path,
            idempotency_keys::key,
        ))
        .do_update()
        .set((
            idempotency_keys::request_hash.eq(&scope.request_hash),
            idempotency_keys::response_status.eq(created.status.as_u16() as i16),
            idempotency_keys::response_body
                .eq(serde_json::to_vec(&stored).map_err(anyhow::Error::from)?),
            idempotency_keys::location.eq(&created.location),
            idempotency_keys::created_at.eq(Utc::now()),
            idempotency_keys::expires_at.eq(Utc::now() + Duration::hours(KEEP_FOR_HOURS)),
        ))
        .execute(conn)
        .await?;
    Ok(())
}
