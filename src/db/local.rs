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
            ServerSource::Configured => format!(
                "the PostgreSQL at {} (DATABASE_URL)",
                endpoint(&self.base_url)
            ),
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

/// `host:port` of a connection URL, for messages: never the user or the password. A Unix
/// socket is shown as its folder (`/var/run/postgresql:5432`); a `host=` query parameter, as
/// libpq and tokio-postgres read it, wins over the URL's host.
pub fn endpoint(url: &str) -> String {
    let Ok(parsed) = url::Url::parse(url) else {
        return "the server in DATABASE_URL (not a URL)".into();
    };
    let query = |key: &str| {
        parsed
            .query_pairs()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    };
    let host = query("host")
        .or_else(|| {
            parsed.host_str().map(|h| {
                url::form_urlencoded::parse(format!("h={h}").as_bytes())
                    .next()
                    .map_or_else(|| h.to_string(), |(_, v)| v.into_owned())
            })
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into());
    let port = query("port")
        .or_else(|| parsed.port().map(|p| p.to_string()))
        .unwrap_or_else(|| "5432".into());
    format!("{host}:{port}")
}

/// A failed attempt to connect: where to, why, and whether waiting may help.
#[derive(Debug)]
pub struct ConnectError {
    pub endpoint: String,
    pub reason: String,
    /// The server may come (it refused, stayed silent, or said it is starting up); false when
    /// it answered with something waiting will not change (a wrong password, no such database).
    pub transient: bool,
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot connect to PostgreSQL at {}: {}",
            self.endpoint, self.reason
        )
    }
}

impl std::error::Error for ConnectError {}

/// One attempt to connect, bounded by `timeout` (a server that accepts TCP and never answers
/// would otherwise hold it for ever).
pub async fn connect(url: &str, timeout: Duration) -> Result<AsyncPgConnection, ConnectError> {
    let endpoint = endpoint(url);
    match tokio::time::timeout(timeout, AsyncPgConnection::establish(url)).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => {
            let (mut reason, transient) = classify(&e);
            if reason == "error connecting to server" {
                // tokio-postgres's own error drops the cause (refused? no such host?) on its way
                // through diesel; one plain connection to the same place finds it again.
                if let Some(cause) = network_cause(url, timeout).await {
                    reason = format!("{reason}: {cause}");
                }
            }
            Err(ConnectError {
                endpoint,
                reason,
                transient,
            })
        }
        Err(_) => Err(ConnectError {
            endpoint,
            reason: format!(
                "no answer within {} s (DATABASE_CONNECT_TIMEOUT_SECONDS)",
                timeout.as_secs_f32()
            ),
            transient: true,
        }),
    }
}

/// The reason to show and whether it is worth waiting. What diesel-async hands back keeps the
/// server's message for an answer from the server and only tokio-postgres's kind of error
/// (`error connecting to server`, `connection closed` ...) for anything else.
fn classify(error: &diesel::ConnectionError) -> (String, bool) {
    use diesel::result::{DatabaseErrorKind, Error};
    /// Said while the server starts, stops or is full (SQLSTATE 57P03 and 53300, in English).
    const WAIT: [&str; 6] = [
        "starting up",
        "shutting down",
        "in recovery mode",
        "not yet accepting connections",
        "too many clients",
        "connection slots are reserved",
    ];
    /// tokio-postgres's errors that no retry will mend: the URL or TLS settings are wrong.
    const FINAL: [&str; 4] = [
        "invalid configuration",
        "invalid connection string",
        "error performing TLS handshake",
        "authentication error",
    ];
    match error {
        diesel::ConnectionError::CouldntSetupConfiguration(Error::DatabaseError(
            DatabaseErrorKind::UnableToSendCommand,
            info,
        )) => {
            let reason = info.message().to_string();
            let transient = !FINAL.iter().any(|f| reason.starts_with(f));
            (reason, transient)
        }
        diesel::ConnectionError::CouldntSetupConfiguration(Error::DatabaseError(_, info)) => {
            let reason = format!("the server answered: {}", info.message());
            let transient = WAIT.iter().any(|w| reason.contains(w));
            (reason, transient)
        }
        other => (other.to_string(), false),
    }
}

/// Why a plain connection to the URL's host and port fails (`Connection refused`, a name not
/// found ...), or None when it succeeds.
async fn network_cause(url: &str, timeout: Duration) -> Option<String> {
    let address = endpoint(url);
    let attempt = async {
        if address.starts_with('/') {
            let (dir, port) = address.rsplit_once(':')?;
            let socket = format!("{dir}/.s.PGSQL.{port}");
            tokio::net::UnixStream::connect(socket).await.err()
        } else {
            tokio::net::TcpStream::connect(address.as_str()).await.err()
        }
    };
    match tokio::time::timeout(timeout, attempt).await {
        Ok(cause) => cause.map(|e| e.to_string()),
        Err(_) => Some(format!(
            "no TCP connection within {} s",
            timeout.as_secs_f32()
        )),
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

/// Creates `database` (a name, perhaps followed by `?parameters`) through `conn`, a connection
/// to another database on the same server, unless it exists.
pub async fn ensure_database(conn: &mut AsyncPgConnection, database: &str) -> anyhow::Result<()> {
    let name = database.split('?').next().unwrap_or(database);
    let found: Exists =
        diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
            .bind::<diesel::sql_types::Text, _>(name)
            .get_result(conn)
            .await?;
    if !found.exists {
        let create = format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\""));
        if let Err(e) = diesel::sql_query(create).execute(conn).await {
            // Another replica or test may have created it meanwhile.
            let again: Exists = diesel::sql_query(
                "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists",
            )
            .bind::<diesel::sql_types::Text, _>(name)
            .get_result(conn)
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

    #[test]
    fn endpoints_name_host_and_port_and_never_the_password() {
        assert_eq!(endpoint("postgres://u:secret@db:5433/concord"), "db:5433");
        assert_eq!(endpoint("postgres://u:secret@db/concord"), "db:5432");
        assert_eq!(
            endpoint("postgres://postgres@%2Fvar%2Frun%2Fpostgresql"),
            "/var/run/postgresql:5432"
        );
        assert_eq!(
            endpoint("postgres:///concord?host=/run/pg&port=6543&user=u"),
            "/run/pg:6543"
        );
        assert!(!endpoint("not a url with secret").contains("secret"));
    }
}
