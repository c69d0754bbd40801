//! Start-up shared by the commands: find (or start) PostgreSQL, create the database, migrate.
//!
//! A database that is still starting is waited for: each connection attempt is bounded by
//! DATABASE_CONNECT_TIMEOUT_SECONDS, and attempts go on with exponential back-off and jitter
//! until DATABASE_STARTUP_TIMEOUT_SECONDS, each logged with the server's host and port (never
//! the password). `serve` stops at SIGTERM or Ctrl-C at any moment of this.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use diesel_async::AsyncPgConnection;
use rand::RngExt as _;

use crate::config::Config;
use crate::db::{self, local};

/// The database the service uses, ready and migrated.
pub struct Database {
    pub url: String,
    pub description: String,
}

/// The wait before the second attempt; it doubles after each failure, up to [`MAX_DELAY`].
const FIRST_DELAY: Duration = Duration::from_millis(250);
const MAX_DELAY: Duration = Duration::from_secs(5);

/// Finds the server, creates the database if it is missing, and runs pending migrations.
pub async fn prepare_database(config: &Config) -> anyhow::Result<Database> {
    let server = local::find_server(config.database_url.as_deref(), &config.data_dir).await?;
    let database = match config.database_url.as_deref() {
        Some(url) => local::split_database_url(url)?.1,
        None => "concord".to_string(),
    };
    let deadline = Instant::now() + config.database_startup_timeout;
    let mut admin = connect_with_retry(&server.database_url("postgres"), config, deadline).await?;
    local::ensure_database(&mut admin, &database).await?;
    drop(admin);
    let url = server.database_url(&database);
    let conn = connect_with_retry(&url, config, deadline).await?;
    let applied = db::migrate_on(conn)
        .await
        .context("migrations failed; the service does not start on a partial schema")?;
    let name = database.split('?').next().unwrap_or(&database).to_string();
    let description = format!("database {name} on {}", server.describe());
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "applied migrations");
    }
    Ok(Database { url, description })
}

/// Connects to `url`, trying again after each failure that waiting may mend (refused, no
/// answer, "the database system is starting up") until `deadline`. A failure that waiting will
/// not mend (a wrong password, no such database) ends it at once.
pub async fn connect_with_retry(
    url: &str,
    config: &Config,
    deadline: Instant,
) -> anyhow::Result<AsyncPgConnection> {
    let started = Instant::now();
    let mut delay = FIRST_DELAY;
    let mut attempt = 1u32;
    let server = local::endpoint(url);
    let database = url::Url::parse(url)
        .map(|u| u.path().trim_start_matches('/').to_string())
        .unwrap_or_default();
    loop {
        tracing::info!(attempt, %server, database, "connecting to PostgreSQL");
        let error = match local::connect(url, config.database_connect_timeout).await {
            Ok(conn) => {
                if attempt > 1 {
                    tracing::info!(attempt, %server, waited_ms = started.elapsed().as_millis() as u64, "PostgreSQL answered");
                }
                return Ok(conn);
            }
            Err(error) => error,
        };
        if !error.transient {
            return Err(error.into());
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(anyhow::Error::new(error).context(format!(
                "PostgreSQL did not accept a connection within {:.1} s ({attempt} attempts; DATABASE_STARTUP_TIMEOUT_SECONDS)",
                started.elapsed().as_secs_f32(),
            )));
        }
        // The last wait ends at the deadline, where one more attempt is made.
        let wait = delay
            .mul_f64(rand::rng().random_range(0.5..=1.0))
            .min(deadline - now);
        tracing::warn!(attempt, %server, error = %error.reason, retry_in_ms = wait.as_millis() as u64, "PostgreSQL is not reachable yet");
        tokio::time::sleep(wait).await;
        delay = (delay * 2).min(MAX_DELAY);
        attempt += 1;
    }
}

/// Start-up was stopped by a signal before the service served anything.
#[derive(Debug, thiserror::Error)]
#[error("stopped by {0} during start-up")]
pub struct Interrupted(pub &'static str);

/// Resolves at the first SIGTERM or SIGINT (Ctrl-C), naming it. The handlers are installed when
/// this is called, not when it is first awaited, so a signal in between is not lost; and in a
/// container, where concord is PID 1, the kernel would otherwise ignore SIGTERM altogether.
pub fn shutdown_signal() -> anyhow::Result<impl Future<Output = &'static str> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        }
    })
}

/// [`prepare_database`], unless a signal comes first: then [`Interrupted`]. Work left on a
/// blocking thread (a migration) is abandoned with the process; PostgreSQL rolls back the
/// migration in progress when its connection closes.
pub async fn prepare_database_or_stop(config: &Config) -> anyhow::Result<Database> {
    let stop = shutdown_signal()?;
    tokio::select! {
        database = prepare_database(config) => database,
        signal = stop => Err(Interrupted(signal).into()),
    }
}

/// Runs the HTTP server (and the webhook worker) until SIGTERM or Ctrl-C, which are honoured
/// from the first moment: while the database is awaited and migrated too.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let mut stop = Box::pin(shutdown_signal()?);
    let database = tokio::select! {
        database = prepare_database(&config) => database?,
        signal = &mut stop => return Err(Interrupted(signal).into()),
    };
    tracing::info!("using {}", database.description);
    let config = Arc::new(config);
    let pool = database_pool(&database.url, &config)?;
    spawn_worker(&config, pool.clone());
    let state = crate::http::AppState::new(application(pool, &config), config.clone())?;
    let listener = std::net::TcpListener::bind(config.bind)
        .with_context(|| format!("cannot listen on {} (BIND)", config.bind))?;
    let app = crate::http::Application::build(state, listener)?;
    // actix-web listens for signals itself, but only from its first poll: a signal caught by our
    // handler before then would otherwise be lost. Graceful either way (requests in flight end).
    let handle = app.server.handle();
    tokio::spawn(async move {
        let signal = stop.await;
        tracing::info!(signal, "stopping");
        handle.stop(true).await;
    });
    tracing::info!(address = %app.address, docs = %format!("http://{}/docs/", app.address), "Concord is listening");
    app.server.await?;
    tracing::info!("stopped");
    Ok(())
}

/// The service's connections: DATABASE_POOL_SIZE shared evenly by the HTTP workers, each with a
/// pool of its own (`db::pool` says why); the background work has a pool of one worker's share.
pub fn database_pool(database_url: &str, config: &Config) -> anyhow::Result<db::DbPool> {
    db::pool(database_url, config.pool_size.div_ceil(config.workers))
}

/// The application over the pool: links from PUBLIC_BASE_URL, document bytes in PostgreSQL.
pub fn application(pool: db::DbPool, config: &Config) -> crate::app::App {
    crate::app::App::new(
        pool,
        crate::events::Links::new(config.public_base_url.clone()),
        Arc::new(db::documents::PostgresStore),
    )
    .with_review_deadlines(config.review_deadlines)
}

/// Starts the webhook delivery worker beside the server, unless this process is told not to
/// deliver (WEBHOOK_DELIVERY=false: another replica does).
pub fn spawn_worker(config: &Config, pool: db::DbPool) {
    if config.deliver_webhooks {
        tokio::spawn(crate::events::worker::Deliverer::new(pool, config).run());
    }
}
