//! Start-up shared by the commands: find (or start) PostgreSQL, create the database, migrate.

use std::sync::Arc;

use anyhow::Context;

use crate::config::Config;
use crate::db::{self, local};

/// The database the service uses, ready and migrated.
pub struct Database {
    pub url: String,
    pub description: String,
}

/// Finds the server, creates the database if it is missing, and runs pending migrations.
pub async fn prepare_database(config: &Config) -> anyhow::Result<Database> {
    let server = local::find_server(config.database_url.as_deref(), &config.data_dir).await?;
    let database = match config.database_url.as_deref() {
        Some(url) => local::split_database_url(url)?.1,
        None => "concord".to_string(),
    };
    local::ensure_database(&server, &database).await?;
    let url = server.database_url(&database);
    let applied = db::migrate(&url)
        .await
        .context("migrations failed; the service does not start on a partial schema")?;
    let name = database.split('?').next().unwrap_or(&database).to_string();
    let description = format!("database {name} on {}", server.describe());
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "applied migrations");
    }
    Ok(Database { url, description })
}

/// Runs the HTTP server (and the webhook worker) until SIGTERM or Ctrl-C.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let database = prepare_database(&config).await?;
    tracing::info!("using {}", database.description);
    let config = Arc::new(config);
    let pool = db::pool(&database.url, config.pool_size)?;
    spawn_worker(&config, pool.clone());
    let state = crate::http::AppState::new(application(pool, &config), config.clone())?;
    let listener = std::net::TcpListener::bind(config.bind)
        .with_context(|| format!("cannot listen on {} (BIND)", config.bind))?;
    let app = crate::http::Application::build(state, listener)?;
    tracing::info!(address = %app.address, docs = %format!("http://{}/docs/", app.address), "Concord is listening");
    app.server.await?;
    tracing::info!("stopped");
    Ok(())
}

/// The application over the pool: links from PUBLIC_BASE_URL, document bytes in PostgreSQL.
pub fn application(pool: db::DbPool, config: &Config) -> crate::app::App {
    crate::app::App::new(
        pool,
        crate::events::Links::new(config.public_base_url.clone()),
        Arc::new(db::documents::PostgresStore),
    )
}

/// Starts the webhook delivery worker beside the server, unless this process is told not to
/// deliver (WEBHOOK_DELIVERY=false: another replica does).
pub fn spawn_worker(config: &Config, pool: db::DbPool) {
    if config.deliver_webhooks {
        tokio::spawn(crate::events::worker::Deliverer::new(pool, config).run());
    }
}
