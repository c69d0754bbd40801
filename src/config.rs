//! Typed configuration from environment variables, validated once at start-up. Every bad
//! value is reported together, each naming its variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use ipnet::IpNet;
use url::Url;

use crate::domain::tasks::ReviewDeadlines;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Where JWT verification keys come from.
#[derive(Clone)]
pub enum JwtKeySource {
    /// HS256 shared secret (at least 32 bytes).
    Secret(Vec<u8>),
    /// RS256 / ES256 / EdDSA public key in PEM.
    PublicKeyPem(Vec<u8>),
    /// A JWKS file with one or more keys chosen by `kid`.
    JwksFile(PathBuf),
    /// No key configured: a development secret kept in the data folder.
    DevelopmentSecret(PathBuf),
}

impl std::fmt::Debug for JwtKeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JwtKeySource::Secret(_) => f.write_str("Secret(<redacted>)"),
            JwtKeySource::PublicKeyPem(_) => f.write_str("PublicKeyPem"),
            JwtKeySource::JwksFile(p) => write!(f, "JwksFile({})", p.display()),
            JwtKeySource::DevelopmentSecret(p) => write!(f, "DevelopmentSecret({})", p.display()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct JwtConfig {
    pub keys: JwtKeySource,
    /// Algorithm for a PEM key: RS256, ES256 or EdDSA (HS256 for secrets).
    pub algorithm: Option<String>,
    pub issuer: Option<String>,
    pub audience: Option<String>,
    pub leeway: Duration,
}

#[derive(Debug, Clone)]
pub struct RateLimits {
    /// Requests per minute for each API key.
    pub per_key: u32,
    /// Requests per minute for each JWT subject.
    pub per_subject: u32,
    /// Requests per minute for each client IP (share links, unauthenticated calls).
    pub per_ip: u32,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: Option<String>,
    /// The limit on each attempt to connect to PostgreSQL at start-up.
    pub database_connect_timeout: Duration,
    /// How long start-up keeps retrying PostgreSQL before giving up (zero: one attempt).
    pub database_startup_timeout: Duration,
    pub bind: SocketAddr,
    pub jwt: JwtConfig,
    pub log_format: LogFormat,
    pub pool_size: usize,
    pub json_limit: usize,
    pub upload_limit: usize,
    pub public_base_url: Url,
    /// Browser origins (`https://app.example`) whose scripts may call the API; none by default.
    pub cors_allowed_origins: Vec<String>,
    pub data_dir: PathBuf,
    pub webhook_allowed_cidrs: Vec<IpNet>,
    pub webhook_timeout: Duration,
    pub webhook_retry_horizon: Duration,
    pub rate_limits: RateLimits,
    pub pdf_concurrency: usize,
    /// SIGN_OFF_DUE_HOURS (default 72) and SIGN_OFF_DUE_HOURS_URGENT (default 24): when a
    /// result held for a clinician's sign-off is overdue.
    pub review_deadlines: ReviewDeadlines,
    pub workers: usize,
    /// Whether this instance runs the webhook delivery worker.
    pub deliver_webhooks: bool,
    /// How often an idle worker looks for due deliveries.
    pub webhook_poll: Duration,
    /// The first retry's delay; each later one doubles it (with jitter).
    pub webhook_backoff_base: Duration,
    /// How long a claimed delivery stays another replica's to leave alone.
    pub webhook_lease: Duration,
}

/// Every invalid variable, each with why.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration:\n{}", .0.iter().map(|(var, msg)| format!("  {var}: {msg}")).collect::<Vec<_>>().join("\n"))]
pub struct ConfigError(pub Vec<(String, String)>);

struct Reader<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    errors: Vec<(String, String)>,
}

impl Reader<'_> {
    fn text(&self, var: &str) -> Option<String> {
        (self.lookup)(var)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    fn parse<T: std::str::FromStr>(&mut self, var: &str, default: T, what: &str) -> T {
        match self.text(var) {
            None => default,
            Some(raw) => raw.parse().unwrap_or_else(|_| {
                self.errors
                    .push((var.into(), format!("'{raw}' is not {what}")));
                default
            }),
        }
    }

    fn bounded(&mut self, var: &str, default: u64, min: u64, max: u64, what: &str) -> u64 {
        let value = self.parse(var, default, what);
        if !(min..=max).contains(&value) {
            self.errors
                .push((var.into(), format!("{value} is outside {min}..={max}")));
            return default;
        }
        value
    }

    fn flag(&mut self, var: &str, default: bool) -> bool {
        match self
            .text(var)
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None => default,
            Some("1" | "true" | "yes" | "on") => true,
            Some("0" | "false" | "no" | "off") => false,
            Some(other) => {
                self.errors
                    .push((var.into(), format!("'{other}' is not true or false")));
                default
            }
        }
    }
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(&|var| std::env::var(var).ok())
    }

    /// Reads configuration through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let mut r = Reader {
            lookup,
            errors: Vec::new(),
        };

        let bind = r.parse(
            "BIND",
            SocketAddr::from(([127, 0, 0, 1], 8080)),
            "a socket address like 127.0.0.1:8080",
        );
        let data_dir = PathBuf::from(
            r.text("CONCORD_DATA_DIR")
                .unwrap_or_else(|| ".concord".into()),
        );

        let log_format = match r.text("LOG_FORMAT").as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                r.errors.push((
                    "LOG_FORMAT".into(),
                    format!("'{other}' is not json or pretty"),
                ));
                LogFormat::Pretty
            }
        };

        let keys = match (
            r.text("JWT_SECRET"),
            r.text("JWT_PUBLIC_KEY_FILE"),
            r.text("JWT_JWKS_FILE"),
        ) {
            (Some(secret), None, None) => {
                if secret.len() < 32 {
                    r.errors
                        .push(("JWT_SECRET".into(), "must be at least 32 bytes".into()));
                }
                JwtKeySource::Secret(secret.into_bytes())
            }
            (None, Some(path), None) => match std::fs::read(&path) {
                Ok(pem) => JwtKeySource::PublicKeyPem(pem),
                Err(e) => {
                    r.errors.push((
                        "JWT_PUBLIC_KEY_FILE".into(),
                        format!("cannot read {path}: {e}"),
                    ));
                    JwtKeySource::PublicKeyPem(Vec::new())
                }
            },
            (None, None, Some(path)) => {
                if !std::path::Path::new(&path).is_file() {
                    r.errors.push((
                        "JWT_JWKS_FILE".into(),
                        format!("{path} is not a readable file"),
                    ));
                }
                JwtKeySource::JwksFile(PathBuf::from(path))
            }
            (None, None, None) => JwtKeySource::DevelopmentSecret(data_dir.join("jwt-secret")),
            _ => {
                r.errors.push((
                    "JWT_SECRET".into(),
                    "set only one of JWT_SECRET, JWT_PUBLIC_KEY_FILE and JWT_JWKS_FILE".into(),
                ));
                JwtKeySource::DevelopmentSecret(data_dir.join("jwt-secret"))
            }
        };
        let algorithm = r.text("JWT_ALGORITHM");
        if let Some(alg) = &algorithm
            && !["HS256", "RS256", "ES256", "EdDSA"].contains(&alg.as_str())
        {
            r.errors.push((
                "JWT_ALGORITHM".into(),
                format!("'{alg}' is not HS256, RS256, ES256 or EdDSA"),
            ));
        }
        if matches!(keys, JwtKeySource::PublicKeyPem(_)) && algorithm.is_none() {
            r.errors.push((
                "JWT_ALGORITHM".into(),
                "is required with JWT_PUBLIC_KEY_FILE (RS256, ES256 or EdDSA)".into(),
            ));
        }
        let leeway =
            Duration::from_secs(r.bounded("JWT_LEEWAY_SECONDS", 30, 0, 300, "a number of seconds"));
        let jwt = JwtConfig {
            keys,
            algorithm,
            issuer: r.text("JWT_ISSUER"),
            audience: r.text("JWT_AUDIENCE"),
            leeway,
        };

        let public_base_url = match r.text("PUBLIC_BASE_URL") {
            None => Url::parse(&format!("http://{bind}")).expect("socket address makes a URL"),
            Some(raw) => match Url::parse(&raw) {
                Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => url,
                _ => {
                    r.errors.push((
                        "PUBLIC_BASE_URL".into(),
                        format!("'{raw}' is not an http(s) URL"),
                    ));
                    Url::parse("http://127.0.0.1:8080").expect("static url")
                }
            },
        };

        let mut cors_allowed_origins = Vec::new();
        if let Some(list) = r.text("CORS_ALLOWED_ORIGINS") {
            for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                // An origin is scheme, host and port: anything more would never match.
                match Url::parse(item) {
                    Ok(url)
                        if matches!(url.scheme(), "http" | "https")
                            && url.host().is_some()
                            && url.path() == "/"
                            && url.query().is_none()
                            && url.fragment().is_none()
                            && url.username().is_empty() =>
                    {
                        cors_allowed_origins.push(url.origin().ascii_serialization())
                    }
                    _ => r.errors.push((
                        "CORS_ALLOWED_ORIGINS".into(),
                        format!("'{item}' is not an origin like https://app.example"),
                    )),
                }
            }
        }

        let mut webhook_allowed_cidrs = Vec::new();
        if let Some(list) = r.text("WEBHOOK_ALLOWED_CIDRS") {
            for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                match item.parse::<IpNet>() {
                    Ok(net) => webhook_allowed_cidrs.push(net),
                    Err(_) => r.errors.push((
                        "WEBHOOK_ALLOWED_CIDRS".into(),
                        format!("'{item}' is not a CIDR range"),
                    )),
                }
            }
        }

        let config = Config {
            database_url: r.text("DATABASE_URL"),
            database_connect_timeout: Duration::from_secs(r.bounded(
                "DATABASE_CONNECT_TIMEOUT_SECONDS",
                5,
                1,
                300,
                "a number of seconds",
            )),
            database_startup_timeout: Duration::from_secs(r.bounded(
                "DATABASE_STARTUP_TIMEOUT_SECONDS",
                60,
                0,
                86_400,
                "a number of seconds",
            )),
            bind,
            jwt,
            log_format,
            pool_size: r.bounded("DATABASE_POOL_SIZE", 16, 1, 1000, "a number") as usize,
            json_limit: r.bounded(
                "JSON_BODY_LIMIT_BYTES",
                1 << 20,
                1024,
                64 << 20,
                "a number of bytes",
            ) as usize,
            upload_limit: r.bounded(
                "UPLOAD_LIMIT_BYTES",
                25 << 20,
                1024,
                1 << 30,
                "a number of bytes",
            ) as usize,
            public_base_url,
            cors_allowed_origins,
            data_dir,
            webhook_allowed_cidrs,
            webhook_timeout: Duration::from_secs(r.bounded(
                "WEBHOOK_TIMEOUT_SECONDS",
                10,
                1,
                120,
                "a number of seconds",
            )),
            webhook_retry_horizon: Duration::from_secs(r.bounded(
                "WEBHOOK_RETRY_HORIZON_SECONDS",
                3 * 24 * 3600,
                1,
                30 * 24 * 3600,
                "a number of seconds",
            )),
            rate_limits: RateLimits {
                per_key: r.bounded(
                    "RATE_LIMIT_PER_KEY_PER_MINUTE",
                    600,
                    1,
                    1_000_000,
                    "a number",
                ) as u32,
                per_subject: r.bounded(
                    "RATE_LIMIT_PER_SUBJECT_PER_MINUTE",
                    600,
                    1,
                    1_000_000,
                    "a number",
                ) as u32,
                per_ip: r.bounded(
                    "RATE_LIMIT_PER_IP_PER_MINUTE",
                    120,
                    1,
                    1_000_000,
                    "a number",
                ) as u32,
            },
            pdf_concurrency: r.bounded("PDF_CONCURRENCY", 4, 1, 256, "a number") as usize,
            review_deadlines: ReviewDeadlines {
                hours: r.bounded("SIGN_OFF_DUE_HOURS", 72, 1, 8760, "a number of hours") as u32,
                urgent_hours: r.bounded(
                    "SIGN_OFF_DUE_HOURS_URGENT",
                    24,
                    1,
                    8760,
                    "a number of hours",
                ) as u32,
            },
            workers: r.bounded(
                "HTTP_WORKERS",
                std::thread::available_parallelism().map_or(2, |n| n.get()) as u64,
                1,
                256,
                "a number",
            ) as usize,
            deliver_webhooks: r.flag("WEBHOOK_DELIVERY", true),
            webhook_poll: Duration::from_millis(r.bounded(
                "WEBHOOK_POLL_MS",
                500,
                10,
                60_000,
                "a number of milliseconds",
            )),
            webhook_backoff_base: Duration::from_millis(r.bounded(
                "WEBHOOK_BACKOFF_BASE_MS",
                10_000,
                10,
                3_600_000,
                "a number of milliseconds",
            )),
            webhook_lease: Duration::from_secs(r.bounded(
                "WEBHOOK_LEASE_SECONDS",
                60,
                1,
                3600,
                "a number of seconds",
            )),
        };
        if config.webhook_lease <= config.webhook_timeout {
            r.errors.push(("WEBHOOK_LEASE_SECONDS".into(), "must be longer than WEBHOOK_TIMEOUT_SECONDS, or two replicas could deliver one message at once".into()));
        }
        if r.errors.is_empty() {
            Ok(config)
        } else {
            Err(ConfigError(r.errors))
        }
    }
}

#[cfg(test)]
mod tests;
