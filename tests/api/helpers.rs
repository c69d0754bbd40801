//! The test harness: a real PostgreSQL (found as the service finds it, or named by
//! TEST_DATABASE_URL / DATABASE_URL), a template database migrated once per run, a fresh
//! database per test copied from it, and the real app on a loopback port, spoken to over HTTP.

#![allow(dead_code)]

use std::collections::HashMap;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use concord::auth::Role;
use concord::config::Config;
use concord::db::local::{self, Server};
use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use reqwest::multipart::Form;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;
use uuid::Uuid;

pub const JWT_SECRET: &str = "test-secret-of-at-least-thirty-two-bytes-long";

struct Harness {
    server: Server,
    template: String,
}

static HARNESS: OnceCell<Harness> = OnceCell::const_new();

/// Statements this process's connections sent, by database: each test has a database of its
/// own, so a test can count the round trips of one request (issue 19).
static STATEMENTS: LazyLock<Mutex<HashMap<String, u64>>> = LazyLock::new(Default::default);

/// Diesel's instrumentation for every new connection: counts the statements it sends, except
/// those a connection sends while it is being set up (a pool may open one mid-request).
fn count_statements() -> Option<Box<dyn Instrumentation>> {
    let mut database = None;
    let mut establishing = false;
    Some(Box::new(
        move |event: InstrumentationEvent<'_>| match event {
            InstrumentationEvent::StartEstablishConnection { url, .. } => {
                database = Some(database_name(url).to_string());
                establishing = true;
            }
            InstrumentationEvent::FinishEstablishConnection { .. } => establishing = false,
            InstrumentationEvent::StartQuery { .. } if !establishing => {
                if let Some(database) = &database {
                    let mut sent = STATEMENTS.lock().unwrap_or_else(|p| p.into_inner());
                    *sent.entry(database.clone()).or_default() += 1;
                }
            }
            _ => {}
        },
    ))
}

/// `postgres://user@host:5432/name?options` -> `name`.
fn database_name(url: &str) -> &str {
    let path = url.rsplit('/').next().unwrap_or_default();
    path.split('?').next().unwrap_or_default()
}

/// The server tests use, and a template database migrated once per run of this binary.
async fn harness() -> &'static Harness {
    HARNESS
        .get_or_init(|| async {
            let configured = std::env::var("TEST_DATABASE_URL").ok().or_else(|| std::env::var("DATABASE_URL").ok());
            let data_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".concord");
            let server = local::find_server(configured.as_deref(), &data_dir).await.unwrap_or_else(|e| {
                panic!("tests need PostgreSQL and found none ({}): {e:#}", configured.as_deref().map(local::redact).unwrap_or_else(|| "DATABASE_URL unset; tried the local socket, 127.0.0.1:5432 and a private cluster".into()))
            });
            eprintln!("tests use {}", server.describe());
            diesel::connection::set_default_instrumentation(count_statements)
                .expect("install the statement counter");
            let template = build_template(&server).await;
            sweep_leftovers(&server).await;
            Harness { server, template }
        })
        .await
}

/// The migrations' content decides the template's name, so a changed migration gets a new one.
fn migrations_hash() -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<_> = walk(&dir);
    files.sort();
    let mut hasher = Sha256::new();
    for file in files {
        hasher.update(file.to_string_lossy().as_bytes());
        hasher.update(std::fs::read(&file).expect("read migration"));
    }
    hex::encode(&hasher.finalize()[..6])
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("migrations dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

async fn admin_connection(server: &Server) -> AsyncPgConnection {
    AsyncPgConnection::establish(&server.database_url("postgres"))
        .await
        .expect("connect to the postgres database")
}

async fn database_exists(conn: &mut AsyncPgConnection, name: &str) -> bool {
    #[derive(diesel::QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        found: bool,
    }
    let row: Found =
        diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS found")
            .bind::<diesel::sql_types::Text, _>(name)
            .get_result(conn)
            .await
            .expect("query pg_database");
    row.found
}

/// Creates `concord_tmpl_<hash>` once; concurrent test processes wait on an advisory lock.
async fn build_template(server: &Server) -> String {
    let template = format!("concord_tmpl_{}", migrations_hash());
    let mut conn = admin_connection(server).await;
    diesel::sql_query("SELECT pg_advisory_lock(4242424242)")
        .execute(&mut conn)
        .await
        .expect("lock");
    if !database_exists(&mut conn, &template).await {
        let building = format!("{template}_building");
        diesel::sql_query(format!("DROP DATABASE IF EXISTS {building}"))
            .execute(&mut conn)
            .await
            .expect("drop");
        diesel::sql_query(format!("CREATE DATABASE {building}"))
            .execute(&mut conn)
            .await
            .expect("create template");
        concord::db::migrate(&server.database_url(&building))
            .await
            .expect("migrate the template");
        // Renamed only when complete: no test ever copies a half-migrated template.
        diesel::sql_query(format!("ALTER DATABASE {building} RENAME TO {template}"))
            .execute(&mut conn)
            .await
            .expect("rename");
    }
    diesel::sql_query("SELECT pg_advisory_unlock(4242424242)")
        .execute(&mut conn)
        .await
        .expect("unlock");
    template
}

/// Drops test databases left by earlier runs whose process is gone (a panic before cleanup).
async fn sweep_leftovers(server: &Server) {
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        datname: String,
    }
    let mut conn = admin_connection(server).await;
    let names: Vec<Name> =
        diesel::sql_query("SELECT datname FROM pg_database WHERE datname LIKE 'concord_test_%'")
            .load(&mut conn)
            .await
            .expect("list test databases");
    for Name { datname } in names {
        let pid: Option<u32> = datname.split('_').nth(2).and_then(|p| p.parse().ok());
        let alive = pid.is_some_and(|p| std::path::Path::new(&format!("/proc/{p}")).exists());
        if !alive {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {datname} WITH (FORCE)"))
                .execute(&mut conn)
                .await;
        }
    }
}

/// A database of this test's own, dropped when the test ends.
pub struct TestDatabase {
    pub name: String,
    pub url: String,
    admin_url: String,
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop runs outside any async context we can use: a short-lived thread and runtime.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                if let Ok(mut conn) = AsyncPgConnection::establish(&admin_url).await {
                    let _ =
                        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .execute(&mut conn)
                            .await;
                }
            });
        })
        .join();
    }
}

pub async fn test_database() -> TestDatabase {
    let harness = harness().await;
    let name = format!(
        "concord_test_{}_{}",
        std::process::id(),
        Uuid::now_v7().simple()
    );
    let mut conn = admin_connection(&harness.server).await;
    // CREATE DATABASE from a template fails while another session copies it; retry briefly.
    let mut attempt = 0;
    loop {
        match diesel::sql_query(format!(
            "CREATE DATABASE {name} TEMPLATE {}",
            harness.template
        ))
        .execute(&mut conn)
        .await
        {
            Ok(_) => break,
            Err(e) if attempt < 50 => {
                attempt += 1;
                if !e.to_string().contains("being accessed by other users") {
                    panic!("cannot create test database: {e}");
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(e) => panic!("cannot create test database: {e}"),
        }
    }
    TestDatabase {
        url: harness.server.database_url(&name),
        admin_url: harness.server.database_url("postgres"),
        name,
    }
}

/// Configuration for a test app; `overrides` replace defaults.
pub fn test_config(database_url: &str, overrides: &[(&str, &str)]) -> Config {
    let mut vars: HashMap<String, String> = [
        ("DATABASE_URL", database_url),
        ("JWT_SECRET", JWT_SECRET),
        ("BIND", "127.0.0.1:0"),
        ("PUBLIC_BASE_URL", "https://concord.test"),
        ("HTTP_WORKERS", "2"),
        ("DATABASE_POOL_SIZE", "8"),
        ("RATE_LIMIT_PER_KEY_PER_MINUTE", "100000"),
        ("RATE_LIMIT_PER_SUBJECT_PER_MINUTE", "100000"),
        ("RATE_LIMIT_PER_IP_PER_MINUTE", "100000"),
        ("WEBHOOK_ALLOWED_CIDRS", "127.0.0.0/8"),
        // Webhook tests turn the worker on; elsewhere it would only poll.
        ("WEBHOOK_DELIVERY", "false"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in overrides {
        vars.insert(k.to_string(), v.to_string());
    }
    Config::from_lookup(&|k| vars.get(k).cloned()).expect("test configuration is valid")
}

/// The real app on a loopback port with a fresh database, and a navigator organisation.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    /// None for a replica started against another test's database.
    pub db: Option<TestDatabase>,
    pub db_url: String,
    pub org_id: Uuid,
    pub state_config: Arc<Config>,
    server: actix_web::dev::ServerHandle,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop the server without waiting: its workers hold pool connections to our database.
        std::mem::drop(self.server.stop(false));
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

pub async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestApp {
    let db = test_database().await;
    let mut app = start_server(&db.url, overrides).await;
    let mut conn = AsyncPgConnection::establish(&db.url)
        .await
        .expect("connect");
    app.org_id = concord::db::organizations::create_navigator(&mut conn, "Asha Navigation")
        .await
        .expect("navigator")
        .id;
    app.db = Some(db);
    app
}

/// Starts another app process-in-process against an existing database (replicas).
pub async fn start_server(database_url: &str, overrides: &[(&str, &str)]) -> TestApp {
    let config = Arc::new(test_config(database_url, overrides));
    let pool = concord::startup::database_pool(database_url, &config).expect("pool");
    concord::startup::spawn_worker(&config, pool.clone());
    let app = concord::startup::application(pool, &config);
    let state = concord::http::AppState::new(app, config.clone()).expect("state");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let app = concord::http::Application::build(state, listener).expect("build app");
    let handle = app.server.handle();
    tokio::spawn(app.server);
    TestApp {
        address: format!("http://{}", app.address),
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        db: None,
        db_url: database_url.to_string(),
        org_id: Uuid::nil(),
        state_config: config,
        server: handle,
    }
}

/// A free loopback port, for a server a test runs as a child process.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// `concord serve` of the real binary on `port`, quiet; a test adds the settings it is about.
/// A child process, unlike `start_server`, can be killed -9 and has a log of its own.
pub fn serve_command(database_url: &str, port: u16) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_concord"));
    command
        .arg("serve")
        .env("DATABASE_URL", database_url)
        .env("BIND", format!("127.0.0.1:{port}"))
        .env("JWT_SECRET", JWT_SECRET)
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// Waits until the server on `port` answers /readyz: it migrates the database first.
pub async fn wait_ready(port: u16) {
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(r) = client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            && r.status() == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server on port {port} did not become ready");
}

/// A response read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub bytes: Vec<u8>,
}

impl Reply {
    /// Sends `request` and reads the response whole.
    /// Every answer is also held to the document: a header it carries that its operation
    /// does not declare fails the test that read it.
    pub async fn read(request: RequestBuilder) -> Reply {
        let (client, request) = request.build_split();
        let request = request.expect("request built");
        let (method, path) = (request.method().clone(), request.url().path().to_owned());
        let response = reqwest::Client::execute(&client, request)
            .await
            .expect("request sent");
        let undeclared = super::declared::undeclared(
            &method,
            &path,
            response.status().as_u16(),
            response.headers(),
        );
        assert!(
            undeclared.is_empty(),
            "{method} {path} answered {} with headers the document does not declare: {undeclared:?}",
            response.status()
        );
        Reply {
            status: response.status(),
            headers: response.headers().clone(),
            bytes: response.bytes().await.expect("body").to_vec(),
        }
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.bytes)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    pub fn content_type(&self) -> String {
        self.header("content-type").unwrap_or_default()
    }

    /// Whether the body is declared problem+json, as every error answer must be.
    pub fn is_problem(&self) -> bool {
        self.content_type().starts_with("application/problem+json")
    }

    /// Asserts a problem+json body of `status` whose `type` ends with `slug`, and returns it.
    #[track_caller]
    pub fn problem(&self, status: u16, slug: &str) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "status; body: {}",
            self.text()
        );
        assert!(
            self.is_problem(),
            "content type {} for {}",
            self.content_type(),
            self.text()
        );
        let body = self.json();
        assert_eq!(body["type"], format!("/problems/{slug}"), "{body}");
        assert_eq!(body["status"], status, "{body}");
        assert!(
            body["title"].as_str().is_some_and(|t| !t.is_empty()),
            "{body}"
        );
        assert!(body["detail"].as_str().is_some(), "{body}");
        assert!(
            body["request_id"].as_str().is_some_and(|r| !r.is_empty()),
            "{body}"
        );
        body
    }

    /// The `field`s of a validation problem.
    #[track_caller]
    pub fn invalid_fields(&self) -> Vec<String> {
        self.fields_of(400, "validation-error")
    }

    /// The `field`s of a 422: well-formed, but naming what does not exist or cannot be now.
    #[track_caller]
    pub fn unprocessable_fields(&self) -> Vec<String> {
        self.fields_of(422, "unprocessable")
    }

    #[track_caller]
    fn fields_of(&self, status: u16, slug: &str) -> Vec<String> {
        let body = self.problem(status, slug);
        body["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| e["field"].as_str().expect("field").to_string())
            .collect()
    }

    #[track_caller]
    pub fn ok(&self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text());
        if self.bytes.is_empty() {
            Value::Null
        } else {
            self.json()
        }
    }
}

/// A credential for requests.
#[derive(Clone, Debug)]
pub enum Auth {
    None,
    Bearer(String),
    ApiKeyHeader(String),
}

impl Auth {
    /// Puts the credential on `request` where the service looks for it.
    pub fn apply(&self, request: RequestBuilder) -> RequestBuilder {
        match self {
            Auth::None => request,
            Auth::Bearer(t) => request.bearer_auth(t),
            Auth::ApiKeyHeader(k) => request.header("X-API-Key", k),
        }
    }
}

impl TestApp {
    pub fn token(&self, role: Role, subject: &str) -> Auth {
        self.token_for(role, subject, self.org_id)
    }

    pub fn token_for(&self, role: Role, subject: &str, org: Uuid) -> Auth {
        let verifier =
            concord::auth::jwt::JwtVerifier::from_config(&self.state_config.jwt).expect("verifier");
        Auth::Bearer(
            verifier
                .mint(subject, role, Some(org), Duration::from_secs(600))
                .expect("mint"),
        )
    }

    pub fn coordinator(&self) -> Auth {
        self.token(Role::Coordinator, "coord-1")
    }

    pub fn clinician(&self) -> Auth {
        self.token(Role::Clinician, "clin-1")
    }

    pub fn admin(&self) -> Auth {
        self.token(Role::Admin, "admin-1")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// A request to `path` carrying `auth`; `send`, `raw` and `send_multipart` start here, and a
    /// test that needs a body none of them builds adds it and hands the builder to `Reply::read`.
    pub fn request(&self, method: Method, path: &str, auth: &Auth) -> RequestBuilder {
        auth.apply(self.client.request(method, self.url(path)))
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        auth: &Auth,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = self.request(method, path, auth);
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(serde_json::to_vec(body).expect("json"));
        }
        Reply::read(request).await
    }

    pub async fn get(&self, path: &str, auth: &Auth) -> Reply {
        self.send(Method::GET, path, auth, None, &[]).await
    }

    /// The event feed page at `path` once `ready` holds for it, or as it is after 10 s. The
    /// feed shows an event once no older transaction on the server is open, and tests beside
    /// this one keep transactions open for moments.
    pub async fn feed_when(
        &self,
        path: &str,
        auth: &Auth,
        ready: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let page = self.get(path, auth).await.ok(200);
            if ready(&page) || std::time::Instant::now() > deadline {
                return page;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn post(&self, path: &str, auth: &Auth, body: &Value) -> Reply {
        self.send(Method::POST, path, auth, Some(body), &[]).await
    }

    pub async fn put(&self, path: &str, auth: &Auth, body: &Value) -> Reply {
        self.send(Method::PUT, path, auth, Some(body), &[]).await
    }

    pub async fn patch(&self, path: &str, auth: &Auth, body: &Value) -> Reply {
        self.send(Method::PATCH, path, auth, Some(body), &[]).await
    }

    pub async fn delete(&self, path: &str, auth: &Auth) -> Reply {
        self.send(Method::DELETE, path, auth, None, &[]).await
    }

    /// `body` sent as it is, under `content_type`: uploads, and bodies that are not JSON.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        auth: &Auth,
        content_type: &str,
        body: Vec<u8>,
    ) -> Reply {
        let request = self
            .request(method, path, auth)
            .header("content-type", content_type)
            .body(body);
        Reply::read(request).await
    }

    /// A multipart/form-data POST, as a browser uploads a file with its fields.
    pub async fn send_multipart(&self, path: &str, auth: &Auth, form: Form) -> Reply {
        Reply::read(self.request(Method::POST, path, auth).multipart(form)).await
    }

    /// A direct connection to this test's database (for checks the API does not expose).
    pub async fn sql(&self) -> AsyncPgConnection {
        AsyncPgConnection::establish(&self.db_url)
            .await
            .expect("connect")
    }

    /// A number `sql` computes as `n` in this test's database, for what the API does not show.
    /// Statements the app's connections (and the test's own) have sent to this test's database.
    pub fn statements_sent(&self) -> u64 {
        let sent = STATEMENTS.lock().unwrap_or_else(|p| p.into_inner());
        sent.get(database_name(&self.db_url)).copied().unwrap_or(0)
    }

    pub async fn scalar(&self, sql: &str) -> i64 {
        scalar(&mut self.sql().await, sql).await
    }

    /// Another navigator (tenant) in the same database.
    pub async fn other_navigator(&self) -> Uuid {
        let mut conn = self.sql().await;
        concord::db::organizations::create_navigator(&mut conn, "Other Navigation")
            .await
            .expect("navigator")
            .id
    }
}

/// The worked examples (ruleset 3), read from the repository's copy.
pub fn worked_examples() -> Vec<(String, Value)> {
    examples_in("tests/fixtures/cases")
}

/// The ruleset-2 worked examples: the summary layer is not extended to ruleset 3's fields yet.
pub fn ruleset2_examples() -> Vec<(String, Value)> {
    examples_in("tests/fixtures/cases-ruleset2")
}

fn examples_in(fixtures: &str) -> Vec<(String, Value)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(fixtures);
    let mut cases: Vec<(String, Value)> = std::fs::read_dir(dir)
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let name = p.file_stem().expect("stem").to_string_lossy().into_owned();
            (
                name,
                serde_json::from_str(&std::fs::read_to_string(&p).expect("read")).expect("json"),
            )
        })
        .collect();
    cases.sort_by(|a, b| a.0.cmp(&b.0));
    cases
}

/// The current plan and the opinion of the worked example `name`.
pub fn worked_example_pictures(name: &str) -> (Value, Value) {
    let (_, case) = worked_examples()
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no worked example {name}"));
    (
        case["input"]["current"].clone(),
        case["input"]["opinion"].clone(),
    )
}

pub fn set(value: &Value) -> std::collections::BTreeSet<String> {
    value
        .as_array()
        .expect("array")
        .iter()
        .map(|v| v.as_str().expect("string").to_string())
        .collect()
}

pub fn json_body(value: Value) -> Value {
    value
}

pub fn example_picture() -> Value {
    json!({
        "diagnosis": {"primary_site": "C18.7", "histology": "8140/3", "grade": 2,
                      "stage": {"system": "AJCC8", "group": "IIIB", "t": "T3", "n": "N1", "m": "M0"}},
        "plan": {"intent": "curative", "systemic_therapy": [{"regimen": "FOLFOX"}]}
    })
}

/// The example picture with CAPOX for FOLFOX: as an opinion, it refines the example plan.
pub fn capox() -> Value {
    let mut picture = example_picture();
    picture["plan"]["systemic_therapy"] = json!([{"regimen": "CAPOX"}]);
    picture
}

/// The `items` of a list page.
#[track_caller]
pub fn items(page: &Value) -> &[Value] {
    page["items"].as_array().expect("items")
}

/// The item of a list page with this id; panics when the page has none.
#[track_caller]
pub fn item_with_id(page: &Value, id: Uuid) -> &Value {
    items(page)
        .iter()
        .find(|item| item["id"] == id.to_string())
        .unwrap_or_else(|| panic!("{id} is not on the page"))
}

/// Asserts each of `expected` is among the named `fields`; others may be named too.
#[track_caller]
pub fn assert_names_all(fields: &[String], expected: &[&str]) {
    for field in expected {
        assert!(
            fields.iter().any(|f| f == field),
            "{field} not in {fields:?}"
        );
    }
}

/// A navigator with a partner hospital, its API key, a patient and a case: the usual start.
pub struct Setup {
    pub partner_id: Uuid,
    pub partner_key: Auth,
    pub patient_id: Uuid,
    pub case_id: Uuid,
}

impl TestApp {
    pub async fn create_partner(&self, name: &str) -> (Uuid, Auth) {
        let partner = self
            .post(
                "/v1/organizations",
                &self.admin(),
                &json!({"name": name, "kind": "partner"}),
            )
            .await
            .ok(201);
        let partner_id: Uuid = partner["id"].as_str().expect("id").parse().expect("uuid");
        let key = self.issue_api_key(partner_id, "production").await;
        (
            partner_id,
            Auth::Bearer(key["key"].as_str().expect("key").to_string()),
        )
    }

    /// A new API key for the partner, as the admin issues it: the only answer that shows `key`.
    pub async fn issue_api_key(&self, partner_id: Uuid, name: &str) -> Value {
        self.post(
            &format!("/v1/organizations/{partner_id}/api-keys"),
            &self.admin(),
            &json!({"name": name}),
        )
        .await
        .ok(201)
    }

    pub async fn create_patient(&self, login_sub: Option<&str>) -> Uuid {
        let mut body = json!({"display_name": "Asha K.", "birth_year": 1968, "preferred_language": "en", "country": "IN"});
        if let Some(sub) = login_sub {
            body["login_sub"] = json!(sub);
        }
        let patient = self
            .post("/v1/patients", &self.coordinator(), &body)
            .await
            .ok(201);
        patient["id"].as_str().expect("id").parse().expect("uuid")
    }

    pub async fn create_case(&self, patient_id: Uuid, context: &Value) -> Uuid {
        let mut body = json!({
            "patient_id": patient_id,
            "treating_oncologist": {"name": "Dr. R. Mehta", "institution": "City Cancer Hospital", "country": "IN"},
            "treatment_status": context.get("treatment_status").cloned().unwrap_or(json!("not_started")),
        });
        if let Some(step) = context.get("next_irreversible_step") {
            body["next_irreversible_step"] = step.clone();
        }
        let case = self
            .post("/v1/cases", &self.coordinator(), &body)
            .await
            .ok(201);
        case["id"].as_str().expect("id").parse().expect("uuid")
    }

    pub async fn setup(&self) -> Setup {
        let (partner_id, partner_key) = self.create_partner("Tata Memorial").await;
        let patient_id = self.create_patient(Some("patient-asha")).await;
        let case_id = self.create_case(patient_id, &json!({})).await;
        Setup {
            partner_id,
            partner_key,
            patient_id,
            case_id,
        }
    }

    pub async fn refer(&self, case_id: Uuid, partner_id: Uuid) -> Uuid {
        let referral = self
            .post(&format!("/v1/cases/{case_id}/referrals"), &self.coordinator(), &json!({"partner_id": partner_id, "questions": ["Is this the best plan?"], "due_date": "2026-12-10"}))
            .await
            .ok(201);
        referral["id"].as_str().expect("id").parse().expect("uuid")
    }
}

/// Steps of the case workflow many tests take, as the coordinator unless a caller is passed.
/// Writes return the reply for the test to judge; reads assert only that they succeeded.
impl TestApp {
    /// Records `picture` as the case's plan: 201 for its first version, 200 after.
    pub async fn record_plan(&self, case_id: Uuid, picture: &Value) -> Reply {
        self.put(
            &format!("/v1/cases/{case_id}/plan"),
            &self.coordinator(),
            picture,
        )
        .await
    }

    /// Where the case stands in its workflow.
    pub async fn case_status(&self, case_id: Uuid) -> Value {
        self.get(&format!("/v1/cases/{case_id}"), &self.coordinator())
            .await
            .ok(200)["status"]
            .clone()
    }

    /// The case's second opinions, each with its current assessment.
    pub async fn second_opinions(&self, case_id: Uuid) -> Value {
        self.get(
            &format!("/v1/cases/{case_id}/second-opinions"),
            &self.coordinator(),
        )
        .await
        .ok(200)
    }

    /// The id of the current assessment of the case's newest second opinion.
    pub async fn newest_assessment(&self, case_id: Uuid) -> String {
        self.second_opinions(case_id).await["items"][0]["current_assessment"]["id"]
            .as_str()
            .expect("an assessed opinion")
            .to_string()
    }

    /// Generates the patient's summary of `assessment` in English; its id.
    pub async fn summary_id(&self, assessment: &str) -> String {
        self.generate_summary(assessment, &json!({"language": "en"}))
            .await
            .ok(201)["id"]
            .as_str()
            .expect("id")
            .to_string()
    }

    /// Uploads `bytes` as a document of the case, its metadata (`kind=...`) in `query`.
    pub async fn upload_document(
        &self,
        case_id: Uuid,
        query: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Reply {
        let mut path = format!("/v1/cases/{case_id}/documents");
        if !query.is_empty() {
            path = format!("{path}?{query}");
        }
        self.raw(
            Method::POST,
            &path,
            &self.coordinator(),
            content_type,
            bytes,
        )
        .await
    }

    /// The case's documents.
    pub async fn case_documents(&self, case_id: Uuid) -> Value {
        self.get(
            &format!("/v1/cases/{case_id}/documents"),
            &self.coordinator(),
        )
        .await
        .ok(200)
    }

    /// The case's tasks, narrowed by `filter`: more query, such as `status=open`, or "" for all.
    pub async fn case_tasks(&self, case_id: Uuid, filter: &str) -> Value {
        let mut path = format!("/v1/tasks?case_id={case_id}");
        if !filter.is_empty() {
            path = format!("{path}&{filter}");
        }
        self.get(&path, &self.coordinator()).await.ok(200)
    }

    /// A partner's second opinion on a referral it was sent.
    pub async fn submit_opinion(&self, referral: Uuid, partner_key: &Auth, body: &Value) -> Reply {
        self.post(
            &format!("/v1/referrals/{referral}/second-opinions"),
            partner_key,
            body,
        )
        .await
    }

    /// A case with a plan (FOLFOX), a partner's opinion (CAPOX) and its assessment: the setup,
    /// the opinion's id and the assessment's id.
    pub async fn answered_case(&self) -> (Setup, String, String) {
        let s = self.setup().await;
        self.record_plan(s.case_id, &example_picture())
            .await
            .ok(201);
        let referral = self.refer(s.case_id, s.partner_id).await;
        let receipt = self
            .submit_opinion(referral, &s.partner_key, &opinion_body(&capox()))
            .await
            .ok(201);
        let opinion = receipt["id"].as_str().expect("id").to_string();
        let assessment = self.newest_assessment(s.case_id).await;
        (s, opinion, assessment)
    }

    /// The patient's summary of an assessment, generated and stored.
    pub async fn generate_summary(&self, assessment: &str, body: &Value) -> Reply {
        self.post(
            &format!("/v1/assessments/{assessment}/summaries"),
            &self.coordinator(),
            body,
        )
        .await
    }
}

/// The token of a share link, from the `url` its creation answered with.
pub fn share_token(link: &Value) -> String {
    link["url"]
        .as_str()
        .expect("url")
        .rsplit('/')
        .next()
        .expect("token")
        .to_string()
}

/// A number `sql` computes as `n`.
pub async fn scalar(conn: &mut AsyncPgConnection, sql: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Scalar {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let row: Scalar = diesel::sql_query(sql)
        .get_result(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    row.n
}

pub fn opinion_body(picture: &Value) -> Value {
    json!({"reviewer": {"name": "Dr. S. Banerjee", "specialty": "medical oncology", "institution": "Tata Memorial Centre"},
           "narrative": "Reviewed slides and scans.", "picture": picture})
}
