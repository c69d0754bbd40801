//! What a unit of work queued, written in one statement just before it commits: its audit
//! rows, its events, a pending webhook delivery for each subscription that wants each event,
//! the answer its Idempotency-Key remembers, and the new status of each referral it moved. One
//! round trip where there were six (audit insert, events insert, subscriptions read, deliveries
//! insert, idempotency insert, referral update), and one
//! prepared statement whatever the number of rows, since the rows travel as JSON arrays
//! (issue 19: statements per ingestion).

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Array, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use super::audit::AuditRow;
use super::events::NewEvent;
use super::idempotency::Remembered;

/// A referral's new status, queued by a unit that holds the referral locked and reads it no
/// more before commit.
#[derive(Debug, Serialize)]
pub struct ReferralMove {
    pub org_id: Uuid,
    pub id: Uuid,
    pub status: &'static str,
}

/// Writes `audit`, `events` (the events and their deliveries in `org`), the `remembered`
/// answer and the referral `moves`, all or nothing, in the caller's transaction. Disabled
/// subscriptions get their deliveries too: held, not lost, until re-enabled.
pub async fn write(
    conn: &mut AsyncPgConnection,
    org: Uuid,
    audit: &[AuditRow],
    events: &[NewEvent<'_>],
    remembered: Option<&Remembered>,
    moves: &[ReferralMove],
) -> diesel::QueryResult<()> {
    if audit.is_empty() && events.is_empty() && remembered.is_none() && moves.is_empty() {
        return Ok(());
    }
    let statement = Queued {
        audit: to_json(audit)?,
        events: to_json(
            &events
                .iter()
                .map(|e| StoredEvent {
                    org_id: org,
                    id: e.id,
                    event_type: e.event_type,
                    data: &e.data,
                })
                .collect::<Vec<_>>(),
        )?,
        remembered: to_json(remembered.as_slice())?,
        moves: to_json(moves)?,
        org,
        types: events.iter().map(|e| e.event_type).collect(),
    };
    statement.execute(conn).await?;
    Ok(())
}

/// An event as its row, for the statement's JSON.
#[derive(Serialize)]
struct StoredEvent<'a> {
    org_id: Uuid,
    id: Uuid,
    #[serde(rename = "type")]
    event_type: &'a str,
    data: &'a serde_json::Value,
}

fn to_json<T: Serialize>(rows: &[T]) -> diesel::QueryResult<String> {
    serde_json::to_string(rows).map_err(|e| diesel::result::Error::SerializationError(e.into()))
}

/// The statement, with its six parameters.
struct Queued<'a> {
    audit: String,
    events: String,
    remembered: String,
    moves: String,
    org: Uuid,
    types: Vec<&'a str>,
}

// Each parameter appears once, in order ($1 to $6; `prepared::walk`). KEY SHARE holds each
// subscription until the transaction commits: one deleted at the same moment is either skipped
// (deleted first) or waits, instead of failing the deliveries' foreign key and with it the
// whole change that caused the events. Foreign keys are checked at the end of the statement,
// so the deliveries may name the events inserted beside them.
const SQL: &str = "\
WITH audit AS (
    INSERT INTO audit_events (org_id, id, actor_kind, actor_id, actor_role, action, object_type,
                              object_ids, case_id, request_id, outcome, client_ip)
    SELECT org_id, id, actor_kind, actor_id, actor_role, action, object_type,
           object_ids, case_id, request_id, outcome, client_ip
      FROM jsonb_to_recordset($1::jsonb) AS a(org_id uuid, id uuid, actor_kind text, actor_id text,
           actor_role text, action text, object_type text, object_ids uuid[], case_id uuid,
           request_id text, outcome text, client_ip text)
), written AS (
    INSERT INTO events (org_id, id, type, data)
    SELECT org_id, id, type, data
      FROM jsonb_to_recordset($2::jsonb) AS e(org_id uuid, id uuid, type text, data jsonb)
    RETURNING id, type
), remembered AS (
    INSERT INTO idempotency_keys (org_id, caller, method, path, key, request_hash,
                                  response_status, response_body, location, expires_at)
    SELECT org_id, caller, method, path, key, decode(request_hash, 'hex'),
           response_status, convert_to(response_body, 'UTF8'), location, expires_at
      FROM jsonb_to_recordset($3::jsonb) AS k(org_id uuid, caller text, method text, path text,
           key text, request_hash text, response_status smallint, response_body text,
           location text, expires_at timestamptz)
    ON CONFLICT (org_id, caller, method, path, key) DO UPDATE
       SET request_hash = EXCLUDED.request_hash, response_status = EXCLUDED.response_status,
           response_body = EXCLUDED.response_body, location = EXCLUDED.location,
           expires_at = EXCLUDED.expires_at, created_at = now()
), moved AS (
    UPDATE referrals r SET status = m.status, decline_reason = NULL, updated_at = now()
      FROM jsonb_to_recordset($4::jsonb) AS m(org_id uuid, id uuid, status text)
     WHERE r.org_id = m.org_id AND r.id = m.id
), subscribers AS (
    SELECT org_id, id, event_types FROM webhook_subscriptions
     WHERE org_id = $5 AND event_types && $6
       FOR KEY SHARE
)
INSERT INTO webhook_deliveries (org_id, id, subscription_id, event_id)
SELECT s.org_id, concord_uuid_v7(), s.id, e.id
  FROM written e JOIN subscribers s ON e.type = ANY (s.event_types)";

impl QueryFragment<Pg> for Queued<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> diesel::QueryResult<()> {
        super::prepared::walk(SQL, &mut out, |n, out| match n {
            '1' => out.push_bind_param::<Text, _>(&self.audit),
            '2' => out.push_bind_param::<Text, _>(&self.events),
            '3' => out.push_bind_param::<Text, _>(&self.remembered),
            '4' => out.push_bind_param::<Text, _>(&self.moves),
            '5' => out.push_bind_param::<diesel::sql_types::Uuid, _>(&self.org),
            _ => out.push_bind_param::<Array<Text>, _>(&self.types),
        })
    }
}

/// Prepared once per connection: the SQL is the same for every unit of work.
impl QueryId for Queued<'_> {
    type QueryId = Queued<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}
