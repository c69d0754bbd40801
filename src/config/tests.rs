use super::*;
use std::collections::HashMap;

fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::from_lookup(&|k| map.get(k).cloned())
}

#[test]
fn defaults_need_no_variables() {
    let c = config(&[]).expect("defaults");
    assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
    assert_eq!(c.json_limit, 1 << 20);
    assert_eq!(c.upload_limit, 25 << 20);
    assert!(matches!(c.jwt.keys, JwtKeySource::DevelopmentSecret(_)));
    assert_eq!(c.database_connect_timeout, Duration::from_secs(5));
    assert_eq!(c.database_startup_timeout, Duration::from_secs(60));
}

#[test]
fn cors_origins_are_exact_origins() {
    let c = config(&[(
        "CORS_ALLOWED_ORIGINS",
        "https://app.example, http://localhost:5173/",
    )])
    .expect("valid");
    assert_eq!(
        c.cors_allowed_origins,
        ["https://app.example", "http://localhost:5173"]
    );
    assert!(
        config(&[])
            .expect("defaults")
            .cors_allowed_origins
            .is_empty()
    );
    assert!(config(&[("CORS_ALLOWED_ORIGINS", "*")]).is_err());
}

#[test]
fn every_bad_variable_is_named() {
    let err = config(&[
        ("BIND", "nowhere"),
        ("LOG_FORMAT", "xml"),
        ("JWT_SECRET", "short"),
        ("DATABASE_POOL_SIZE", "0"),
        ("DATABASE_CONNECT_TIMEOUT_SECONDS", "0"),
        ("DATABASE_STARTUP_TIMEOUT_SECONDS", "soon"),
        ("PUBLIC_BASE_URL", "ftp://x"),
        ("WEBHOOK_ALLOWED_CIDRS", "10.0.0.0/8,banana"),
        (
            "CORS_ALLOWED_ORIGINS",
            "https://app.example, https://app.example/path",
        ),
    ])
    .expect_err("invalid");
    let vars: Vec<&str> = err.0.iter().map(|(v, _)| v.as_str()).collect();
    for var in [
        "BIND",
        "LOG_FORMAT",
        "JWT_SECRET",
        "DATABASE_POOL_SIZE",
        "DATABASE_CONNECT_TIMEOUT_SECONDS",
        "DATABASE_STARTUP_TIMEOUT_SECONDS",
        "PUBLIC_BASE_URL",
        "WEBHOOK_ALLOWED_CIDRS",
        "CORS_ALLOWED_ORIGINS",
    ] {
        assert!(vars.contains(&var), "{var} not named in {err}");
    }
}
