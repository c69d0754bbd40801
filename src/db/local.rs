//! Finding a PostgreSQL when `DATABASE_URL` is unset: a local server reachable with default
//! settings, else a private cluster started from the installed binaries in the data folder.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use diesel::{QueryableByName, sql_types::Bool};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

/// How the database server was found, for the start-up message.
#[derive(Debug, Clone)]
pub enum ServerSource {
    Configured,
    LocalServer,
    PrivateCluster { data_dir: PathBuf },
}

/// A server URL (no database name) and how it was found.
#[derive(Debug, Clone)]
pub struct Server {
    /// `postgres://user@host:port` without a path.
    pub base_url: String,
    pub source: ServerSource,
}

impl Server {
    pub fn database_url(&self, database: &str) -> String {
        format!("{}/{database}", self.base_url)
    }

    pub fn describe(&self) -> String {
        match &self.source {
            ServerSource::Configured => "the PostgreSQL named by DATABASE_URL".into(),
            ServerSource::LocalServer => {
                format!("the local PostgreSQL at {}", redact(&self.base_url))
            }
            ServerSource::PrivateCluster { data_dir } => {
                format!(
                    "a private PostgreSQL cluster in {} (started from the installed binaries)",
                    data_dir.display()
                )
            }
        }
    }
}

/// The URL without its password.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

/// Socket first (trust auth on Debian's default), then TCP.
const LOCAL_CANDIDATES: [&str; 4] = [
    "postgres://postgres@%2Fvar%2Frun%2Fpostgresql",
    "postgres://postgres@127.0.0.1:5432",
    "postgres://postgres@%2Ftmp",
    "postgres://postgres@localhost:5432",
];

async fn reachable(base_url: &str) -> bool {
    let url = format!("{base_url}/postgres");
    matches!(
        tokio::time::timeout(Duration::from_secs(3), AsyncPgConnection::establish(&url)).await,
        Ok(Ok(_))
    )
}

/// Splits a configured URL into the server part and the database name.
pub fn split_database_url(url: &str) -> anyhow::Result<(String, String)> {
    let parsed = url::Url::parse(url).map_err(|e| anyhow!("DATABASE_URL is not a URL: {e}"))?;
    let database = parsed.path().trim_start_matches('/').to_string();
    if database.is_empty() {
        bail!("DATABASE_URL names no database (postgres://user@host:port/DATABASE)");
    }
    let mut server = parsed.clone();
    server.set_path("");
    let query = parsed.query().map(|q| format!("?{q}")).unwrap_or_default();
    server.set_query(None);
    let base = server.to_string().trim_end_matches('/').to_string();
    // Query parameters (sslmode, host=...) belong after the database name.
    Ok((base, format!("{database}{query}")))
}

/// Finds a server: the configured URL's, else a local one, else a private cluster.
pub async fn find_server(configured: Option<&str>, data_dir: &Path) -> anyhow::Result<Server> {
    if let Some(url) = configured {
        let (base_url, _) = split_database_url(url)?;
        return Ok(Server {
            base_url,
            source: ServerSource::Configured,
        });
    }
    for candidate in LOCAL_CANDIDATES {
        if reachable(candidate).await {
            return Ok(Server {
                base_url: candidate.to_string(),
                source: ServerSource::LocalServer,
            });
        }
    }
    let data_dir = std::path::absolute(data_dir.join("pgdata")).context("data folder path")?;
    let base_url = tokio::task::spawn_blocking({
        let data_dir = data_dir.clone();
        move || start_private_cluster(&data_dir)
    })
    .await??;
    Ok(Server {
        base_url,
        source: ServerSource::PrivateCluster { data_dir },
    })
}

#[derive(QueryableByName)]
struct Exists {
    #[diesel(sql_type = Bool)]
    exists: bool,
}

/// Creates `database` on the server unless it exists.
pub async fn ensure_database(server: &Server, database: &str) -> anyhow::Result<()> {
    let name = database.split('?').next().unwrap_or(database);
    let mut conn = AsyncPgConnection::establish(&server.database_url("postgres"))
        .await
        .with_context(|| format!("cannot connect to {}", server.describe()))?;
    let found: Exists =
        diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
            .bind::<diesel::sql_types::Text, _>(name)
            .get_result(&mut conn)
            .await?;
    if !found.exists {
        let create = format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\""));
        if let Err(e) = diesel::sql_query(create).execute(&mut conn).await {
            // Another replica or test may have created it meanwhile.
            let again: Exists = diesel::sql_query(
                "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists",
            )
            .bind::<diesel::sql_types::Text, _>(name)
            .get_result(&mut conn)
            .await?;
            if !again.exists {
                return Err(e).context(format!("cannot create database {name}"));
            }
        }
    }
    Ok(())
}

/// The port of the private cluster's Unix socket.
fn private_port() -> u16 {
    std::env::var("CONCORD_LOCAL_PG_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(54329)
}

fn pg_bindir() -> anyhow::Result<PathBuf> {
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.join("initdb").is_file() {
            return Ok(dir);
        }
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path().join("bin"))
                .filter(|p| p.join("initdb").is_file())
                .collect()
        })
        .unwrap_or_default();
    versions.sort();
    versions.pop().ok_or_else(|| {
        anyhow!(
            "no PostgreSQL found: set DATABASE_URL, start a local PostgreSQL (socket /var/run/postgresql or 127.0.0.1:5432, user postgres), or install the PostgreSQL server binaries (initdb, pg_ctl)"
        )
    })
}

fn is_root() -> bool {
    // SAFETY-free check: root's home-independent uid via `id -u`.
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Runs a PostgreSQL tool, as the `postgres` user when we are root (initdb refuses root).
fn run_tool(bindir: &Path, tool: &str, args: &[&str]) -> anyhow::Result<std::process::Output> {
    let program = bindir.join(tool);
    let output = if is_root() {
        Command::new("runuser")
            .arg("-u")
            .arg("postgres")
            .arg("--")
            .arg(&program)
            .args(args)
            .output()
    } else {
        Command::new(&program).args(args).output()
    }
    .with_context(|| format!("cannot run {}", program.display()))?;
    Ok(output)
}

fn start_private_cluster(data_dir: &Path) -> anyhow::Result<String> {
    let bindir = pg_bindir()?;
    let data = data_dir.to_string_lossy().to_string();
    let port = private_port();
    if !data_dir.join("PG_VERSION").is_file() {
        std::fs::create_dir_all(data_dir).with_context(|| format!("cannot create {data}"))?;
        if is_root() {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres", &data])
                .status()?;
            if !status.success() {
                bail!("cannot hand {data} to the postgres user");
            }
        }
        let out = run_tool(
            &bindir,
            "initdb",
            &["-D", &data, "-U", "postgres", "--auth=trust", "-E", "UTF8"],
        )?;
        if !out.status.success() {
            bail!(
                "initdb failed in {data}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    let status = run_tool(&bindir, "pg_ctl", &["-D", &data, "status"])?;
    if !status.status.success() {
        let options = format!("-p {port} -k {data} -c listen_addresses=''");
        let log = format!("{data}/server.log");
        let out = run_tool(
            &bindir,
            "pg_ctl",
            &["-D", &data, "-l", &log, "-o", &options, "-w", "start"],
        )?;
        if !out.status.success() {
            bail!(
                "pg_ctl start failed (see {log}): {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    let encoded: String = url::form_urlencoded::byte_serialize(data.as_bytes()).collect();
    Ok(format!("postgres://postgres@{encoded}:{port}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configured_urls_split_into_server_and_database() {
        let (base, db) =
            split_database_url("postgres://u:p@db.example:5433/concord?sslmode=require")
                .expect("split");
        assert_eq!(base, "postgres://u:p@db.example:5433");
        assert_eq!(db, "concord?sslmode=require");
        assert!(split_database_url("postgres://u@h:5432").is_err());
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
    }
}
