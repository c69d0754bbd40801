//! Cursor pagination: newest first by (created_at, id); the cursor is opaque and bound to the
//! filters it came with (another filter set makes it a 400).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::problem::{ApiError, ApiResult};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct CursorData {
    t: DateTime<Utc>,
    id: Uuid,
    f: String,
    /// The rank before time, for a list ordered by a flag first (the review queue: urgent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    r: Option<bool>,
}

/// A validated page request: how many, and after which (created_at, id).
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub limit: i64,
    pub after: Option<(DateTime<Utc>, Uuid)>,
    /// The rank of the last item seen, for a ranked list ([`PageRequest::page_ranked`]).
    pub after_rank: Option<bool>,
    fingerprint: String,
}

/// A short fingerprint of the filters (serialised without limit and cursor, which a query's
/// struct declares beside its filters, or inside a tuple's first part).
fn fingerprint(filters: &impl Serialize) -> String {
    let mut value = serde_json::to_value(filters).unwrap_or_default();
    let mut strip = |v: &mut serde_json::Value| {
        if let Some(map) = v.as_object_mut() {
            map.remove("limit");
            map.remove("cursor");
        }
    };
    strip(&mut value);
    if let Some(parts) = value.as_array_mut() {
        parts.iter_mut().for_each(&mut strip);
    }
    let text = value.to_string();
    hex::encode(&Sha256::digest(text.as_bytes())[..6])
}

impl PageRequest {
    pub fn new(
        limit: Option<i64>,
        cursor: Option<&str>,
        filters: &impl Serialize,
    ) -> ApiResult<PageRequest> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::field(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        let fingerprint = fingerprint(filters);
        // An empty cursor is no cursor: the first page.
        let mut after_rank = None;
        let after = match cursor.filter(|c| !c.is_empty()) {
            None => None,
            Some(text) => {
                let data: CursorData = URL_SAFE_NO_PAD
                    .decode(text)
                    .ok()
                    .and_then(|bytes| serde_json::from_slice(&bytes).ok())
                    .ok_or_else(|| {
                        ApiError::field("cursor", "is not a cursor this list gave out")
                    })?;
                if data.f != fingerprint {
                    return Err(ApiError::field(
                        "cursor",
                        "belongs to another set of filters",
                    ));
                }
                after_rank = data.r;
                Some((data.t, data.id))
            }
        };
        Ok(PageRequest {
            limit,
            after,
            after_rank,
            fingerprint,
        })
    }

    /// How many rows to fetch: one more than the limit tells whether a next page exists.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }

    /// Cuts the fetched rows to a page.
    pub fn page<R, T>(
        &self,
        rows: Vec<R>,
        key: impl Fn(&R) -> (DateTime<Utc>, Uuid),
        item: impl Fn(R) -> T,
    ) -> Page<T> {
        self.page_with(
            rows,
            |r| {
                let (t, id) = key(r);
                (None, t, id)
            },
            item,
        )
    }

    /// A page of a list ordered by a flag, then time and id (the review queue).
    pub fn page_ranked<R, T>(
        &self,
        rows: Vec<R>,
        key: impl Fn(&R) -> (bool, DateTime<Utc>, Uuid),
        item: impl Fn(R) -> T,
    ) -> Page<T> {
        self.page_with(
            rows,
            |r| {
                let (rank, t, id) = key(r);
                (Some(rank), t, id)
            },
            item,
        )
    }

    fn page_with<R, T>(
        &self,
        mut rows: Vec<R>,
        key: impl Fn(&R) -> (Option<bool>, DateTime<Utc>, Uuid),
        item: impl Fn(R) -> T,
    ) -> Page<T> {
        let more = rows.len() as i64 > self.limit;
        rows.truncate(self.limit as usize);
        let next_cursor = if more {
            rows.last().map(|last| {
                let (r, t, id) = key(last);
                URL_SAFE_NO_PAD.encode(
                    serde_json::to_vec(&CursorData {
                        t,
                        id,
                        f: self.fingerprint.clone(),
                        r,
                    })
                    .expect("serialises"),
                )
            })
        } else {
            None
        };
        Page {
            items: rows.into_iter().map(item).collect(),
            next_cursor,
        }
    }
}

/// The query of a list with no filters of its own: only the page.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}
