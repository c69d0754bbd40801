//! PostgreSQL through Diesel: the async pools, embedded migrations, schema and one module per
//! aggregate with its queries.

pub mod access;
pub mod analytics;
pub mod api_keys;
pub mod audit;
pub mod cases;
pub mod conversations;
pub mod documents;
pub mod error;
pub mod events;
pub mod idempotency;
mod jsonb;
pub mod local;
pub mod members;
pub mod opinions;
pub mod organizations;
pub mod patients;
mod pool;
mod prepared;
pub mod referrals;
pub mod schema;
pub mod share_links;
pub mod sign_offs;
pub mod summaries;
pub mod tasks;
pub mod unit;
pub mod webhooks;

use std::time::Duration;

use anyhow::Context;
use diesel::prelude::*;
use diesel::sql_types::Timestamptz;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub use self::pool::{DbConn, DbPool, pool};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Advisory lock key that serialises migrations across replicas ("concord1" in ASCII).
const MIGRATION_LOCK: i64 = 0x636f_6e63_6f72_6431;

type Time = chrono::DateTime<chrono::Utc>;

/// Newest-first keyset paging: the rows after `last` (the previous page's last row) in the
/// order `(time DESC, id DESC)`, so rows sharing a timestamp are neither skipped nor repeated.
///
/// Written as the row comparison `(time, id) < (t, last)` rather than its expansion
/// `time < t OR (time = t AND id < last)`: PostgreSQL seeks an index on `(.., time, id)` to a
/// row comparison, where the `OR` is only a filter, so page 100 read and threw away the 4,950
/// rows before it (on 100,000 cases by status, page 1 answered 2.8 times as many requests a
/// second; issue 19, scripts/load-scale.sh).
pub fn older_than<T, I>(time: T, id: I, (last_time, last_id): (Time, uuid::Uuid)) -> OlderThan<T, I>
where
    T: Expression<SqlType = Timestamptz>,
    I: Expression<SqlType = diesel::sql_types::Uuid>,
{
    OlderThan {
        time,
        id,
        last_time,
        last_id,
    }
}

/// `(time, id) < (last_time, last_id)`: see [`older_than`]. Diesel has no row values, hence
/// this one expression.
#[derive(Debug, Clone, Copy)]
pub struct OlderThan<T, I> {
    time: T,
    id: I,
    last_time: Time,
    last_id: uuid::Uuid,
}

impl<T, I> Expression for OlderThan<T, I> {
    type SqlType = diesel::sql_types::Bool;
}

impl<T, I, GB> diesel::expression::ValidGrouping<GB> for OlderThan<T, I> {
    type IsAggregate = diesel::expression::is_aggregate::No;
}

impl<T, I, QS> AppearsOnTable<QS> for OlderThan<T, I>
where
    T: AppearsOnTable<QS>,
    I: AppearsOnTable<QS>,
{
}

impl<T, I, QS> SelectableExpression<QS> for OlderThan<T, I>
where
    T: SelectableExpression<QS>,
    I: SelectableExpression<QS>,
{
}

impl<T, I> diesel::query_builder::QueryId for OlderThan<T, I> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<T, I> diesel::query_builder::QueryFragment<diesel::pg::Pg> for OlderThan<T, I>
where
    T: diesel::query_builder::QueryFragment<diesel::pg::Pg>,
    I: diesel::query_builder::QueryFragment<diesel::pg::Pg>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        out.push_sql("(");
        self.time.walk_ast(out.reborrow())?;
        out.push_sql(", ");
        self.id.walk_ast(out.reborrow())?;
        out.push_sql(") < (");
        out.push_bind_param::<Timestamptz, _>(&self.last_time)?;
        out.push_sql(", ");
        out.push_bind_param::<diesel::sql_types::Uuid, _>(&self.last_id)?;
        out.push_sql(")");
        Ok(())
    }
}

/// `query` newest first by `(time, id)`, the page after `after` (the previous page's last
/// row, by `older_than`), at most `limit` rows: every list is paged this one way.
macro_rules! newest_first {
    ($query:expr, $time:expr, $id:expr, $after:expr, $limit:expr) => {{
        let mut query = $query.into_boxed();
        if let Some(last) = $after {
            query = query.filter($crate::db::older_than($time, $id, last));
        }
        query.order(($time.desc(), $id.desc())).limit($limit)
    }};
}
pub(crate) use newest_first;

/// A time as PostgreSQL's `timestamptz` keeps it (microseconds), for rows returned as sent.
pub fn stored_time(t: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    use chrono::DurationRound;
    t.duration_trunc(chrono::TimeDelta::microseconds(1))
        .unwrap_or(t)
}

/// One round trip: whether the database answers.
pub async fn ping(conn: &mut AsyncPgConnection) -> QueryResult<()> {
    diesel_async::RunQueryDsl::execute(diesel::sql_query("SELECT 1"), conn).await?;
    Ok(())
}

/// The limit on connecting for [`migrate`] when the caller gives none (start-up passes its own
/// connection, made under DATABASE_CONNECT_TIMEOUT_SECONDS).
const MIGRATION_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Connects (within 10 s) and runs pending migrations: see [`migrate_on`].
pub async fn migrate(database_url: &str) -> anyhow::Result<Vec<String>> {
    let conn = local::connect(database_url, MIGRATION_CONNECT_TIMEOUT)
        .await
        .context("cannot connect to run migrations")?;
    migrate_on(conn).await
}

/// Runs pending migrations on `conn` under an advisory lock so replicas starting together
/// don't race. Returns the versions applied.
///
/// Waiting for the lock (another replica migrating) is async, so a caller can give up on it
/// (start-up does, on SIGTERM); the migrations themselves run on a blocking thread through
/// diesel's synchronous harness (diesel-async's own one needs a multi-threaded runtime).
pub async fn migrate_on(mut conn: AsyncPgConnection) -> anyhow::Result<Vec<String>> {
    let lock = diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"));
    diesel_async::RunQueryDsl::execute(lock, &mut conn)
        .await
        .context("cannot take the migration lock")?;
    let (mut conn, applied) = tokio::task::spawn_blocking(move || {
        let mut wrapper = AsyncConnectionWrapper::<AsyncPgConnection>::from(conn);
        let applied = wrapper
            .run_pending_migrations(MIGRATIONS)
            .map(|versions| versions.iter().map(|v| v.to_string()).collect::<Vec<_>>())
            .map_err(|e| anyhow::anyhow!("migration failed: {e}"));
        (wrapper.into_inner(), applied)
    })
    .await
    .context("migration task panicked")?;
    let unlock = diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"));
    diesel_async::RunQueryDsl::execute(unlock, &mut conn)
        .await
        .context("cannot release the migration lock")?;
    applied
}
