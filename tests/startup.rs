//! Start-up against a database that is not there yet, the real binary in a real process:
//!
//! - a server that accepts TCP and never answers: every attempt is logged with its host and
//!   port, each is cut off by DATABASE_CONNECT_TIMEOUT_SECONDS, and SIGTERM ends the process
//!   at once;
//! - a refused port: SIGTERM during the back-off between attempts ends it at once too;
//! - SIGTERM while another replica holds the migration lock ends it at once;
//! - PostgreSQL that comes up seconds later (a TCP proxy to the real one that starts
//!   forwarding late): the service waits, then starts and answers /readyz;
//! - in all of them, the password in DATABASE_URL never reaches the log.
//!
//! The PostgreSQL these use is at 127.0.0.1:5432 with trust authentication (the machines'
//! own; STARTUP_TEST_PG=host:port names another). Timings are printed and bounded generously.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::Value;

const JWT_SECRET: &str = "test-secret-of-at-least-thirty-two-bytes-long";
/// In every DATABASE_URL below; must never be logged.
const PASSWORD: &str = "pw-must-not-leak-7f3a9c";
/// How soon after SIGTERM the process must be gone (it takes milliseconds).
const PROMPT: Duration = Duration::from_secs(2);

fn postgres() -> String {
    std::env::var("STARTUP_TEST_PG").unwrap_or_else(|_| "127.0.0.1:5432".into())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("address")
        .port()
}

/// `concord serve` with its log (JSON lines on stderr) collected as it comes.
struct Service {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    port: u16,
}

impl Service {
    fn start(database_url: &str, extra: &[(&str, &str)]) -> Service {
        let port = free_port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_concord"));
        command
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("BIND", format!("127.0.0.1:{port}"))
            .env("JWT_SECRET", JWT_SECRET)
            .env("LOG_FORMAT", "json")
            .env("RUST_LOG", "info")
            .env("WEBHOOK_DELIVERY", "false")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in extra {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("start concord serve");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().expect("stderr");
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Service { child, lines, port }
    }

    fn log(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// The log's JSON records (lines that are not JSON, such as the final error, are skipped).
    fn records(&self) -> Vec<Value> {
        self.log()
            .iter()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// Waits until a log record satisfies `matches`, and returns it.
    async fn wait_for(
        &self,
        what: &str,
        timeout: Duration,
        matches: impl Fn(&Value) -> bool,
    ) -> Value {
        let started = Instant::now();
        loop {
            if let Some(found) = self.records().into_iter().find(&matches) {
                return found;
            }
            assert!(
                started.elapsed() < timeout,
                "no log record {what} within {timeout:?}; log:\n{}",
                self.log().join("\n")
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Sends SIGTERM and returns how long the process took to exit, and how it exited.
    async fn terminate(&mut self) -> (Duration, std::process::ExitStatus) {
        let sent = Instant::now();
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success(), "kill -TERM failed");
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return (sent.elapsed(), status);
            }
            assert!(
                sent.elapsed() < Duration::from_secs(20),
                "still running 20 s after SIGTERM; log:\n{}",
                self.log().join("\n")
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    fn assert_no_password(&self) {
        let log = self.log().join("\n");
        assert!(!log.is_empty(), "the service logged nothing");
        assert!(
            !log.contains(PASSWORD),
            "the password is in the log:\n{log}"
        );
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn attempt_on(record: &Value, server: &str, message: &str) -> bool {
    record["message"] == message && record["server"] == server
}

/// A TCP server that accepts connections and never says a word.
fn silent_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    address
}

#[tokio::test]
async fn a_silent_database_is_logged_with_its_address_and_sigterm_stops_start_up_at_once() {
    let address = silent_server();
    let server = address.to_string();
    let url = format!("postgres://concord:{PASSWORD}@{server}/concord");
    let mut service = Service::start(&url, &[("DATABASE_CONNECT_TIMEOUT_SECONDS", "1")]);

    // Attempt 1 is logged at once, names host and port, and is cut off after 1 s.
    service
        .wait_for("of attempt 1", Duration::from_secs(10), |r| {
            attempt_on(r, &server, "connecting to PostgreSQL") && r["attempt"] == 1
        })
        .await;
    let failed = service
        .wait_for("of attempt 1 failing", Duration::from_secs(10), |r| {
            attempt_on(r, &server, "PostgreSQL is not reachable yet") && r["attempt"] == 1
        })
        .await;
    assert!(
        failed["error"]
            .as_str()
            .unwrap_or("")
            .contains("no answer within 1 s"),
        "{failed}"
    );
    // SIGTERM while attempt 2 waits on the silent server.
    service
        .wait_for("of attempt 2", Duration::from_secs(10), |r| {
            attempt_on(r, &server, "connecting to PostgreSQL") && r["attempt"] == 2
        })
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (took, status) = service.terminate().await;
    eprintln!("silent database: exited {took:?} after SIGTERM, mid-attempt ({status})");
    assert!(took < PROMPT, "took {took:?} to stop after SIGTERM");
    assert!(status.success(), "exit status {status}");
    service.assert_no_password();
}

#[tokio::test]
async fn a_refused_port_is_retried_with_back_off_and_sigterm_stops_the_wait_at_once() {
    let server = format!("127.0.0.1:{}", free_port());
    let url = format!("postgres://concord:{PASSWORD}@{server}/concord");
    let mut service = Service::start(&url, &[]);
    let failed = service
        .wait_for("of attempt 3 failing", Duration::from_secs(20), |r| {
            attempt_on(r, &server, "PostgreSQL is not reachable yet") && r["attempt"] == 3
        })
        .await;
    assert!(
        failed["error"].as_str().unwrap_or("").contains("refused"),
        "the log names the cause: {failed}"
    );
    // The waits grow: attempt n waits 0.5..1 x 250 ms x 2^(n-1).
    let waits: Vec<u64> = service
        .records()
        .iter()
        .filter(|r| r["message"] == "PostgreSQL is not reachable yet")
        .filter_map(|r| r["retry_in_ms"].as_u64())
        .collect();
    assert!(
        waits.len() >= 3 && waits[2] >= 500 && waits[0] <= 250,
        "{waits:?}"
    );
    // SIGTERM during the wait after attempt 3 (0.5 to 1 s long).
    let (took, status) = service.terminate().await;
    eprintln!(
        "refused port: waits {waits:?} ms; exited {took:?} after SIGTERM, mid-wait ({status})"
    );
    assert!(took < PROMPT, "took {took:?} to stop after SIGTERM");
    assert!(status.success(), "exit status {status}");
    service.assert_no_password();
}

/// A database on the test PostgreSQL, dropped at the end.
struct ScratchDatabase {
    name: String,
}

impl ScratchDatabase {
    fn new(tag: &str) -> ScratchDatabase {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        ScratchDatabase {
            name: format!("concord_startup_{tag}_{}_{nanos}", std::process::id()),
        }
    }

    fn admin_url(&self) -> String {
        format!("postgres://postgres@{}/postgres", postgres())
    }

    async fn drop_it(&self) {
        let mut conn = AsyncPgConnection::establish(&self.admin_url())
            .await
            .expect("connect to drop the scratch database");
        diesel::sql_query(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ))
        .execute(&mut conn)
        .await
        .expect("drop the scratch database");
    }
}

#[tokio::test]
async fn sigterm_while_another_replica_holds_the_migration_lock_stops_at_once() {
    let scratch = ScratchDatabase::new("lock");
    let mut admin = AsyncPgConnection::establish(&scratch.admin_url())
        .await
        .unwrap_or_else(|e| {
            panic!(
                "these tests need PostgreSQL at {} (STARTUP_TEST_PG): {e}",
                postgres()
            )
        });
    diesel::sql_query(format!("CREATE DATABASE {}", scratch.name))
        .execute(&mut admin)
        .await
        .expect("create");
    // The lock is per database: hold it there, as a replica migrating would.
    let mut holder = AsyncPgConnection::establish(&format!(
        "postgres://postgres@{}/{}",
        postgres(),
        scratch.name
    ))
    .await
    .expect("connect");
    // The key is "concord1" in ASCII (db::MIGRATION_LOCK).
    let key = i64::from_be_bytes(*b"concord1");
    diesel::sql_query(format!("SELECT pg_advisory_lock({key})"))
        .execute(&mut holder)
        .await
        .expect("lock");

    let url = format!(
        "postgres://postgres:{PASSWORD}@{}/{}",
        postgres(),
        scratch.name
    );
    let mut service = Service::start(&url, &[]);
    #[derive(diesel::QueryableByName)]
    struct Waiting {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let started = Instant::now();
    loop {
        let waiting: Waiting = diesel::sql_query(
            "SELECT count(*) AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database \
             WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = $1",
        )
        .bind::<diesel::sql_types::Text, _>(&scratch.name)
        .get_result(&mut admin)
        .await
        .expect("pg_locks");
        if waiting.n > 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the service never waited for the migration lock; log:\n{}",
            service.log().join("\n")
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (took, status) = service.terminate().await;
    eprintln!("migration lock: exited {took:?} after SIGTERM, waiting for the lock ({status})");
    drop(holder);
    scratch.drop_it().await;
    assert!(took < PROMPT, "took {took:?} to stop after SIGTERM");
    assert!(status.success(), "exit status {status}");
    service.assert_no_password();
}

/// Forwards `port` to PostgreSQL, but only from `after` on: before that nothing listens, as
/// when PostgreSQL is still initialising.
fn late_proxy(port: u16, after: Duration) {
    std::thread::spawn(move || {
        std::thread::sleep(after);
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind the proxy's port");
        for client in listener.incoming().map_while(Result::ok) {
            let upstream = TcpStream::connect(postgres()).expect("reach PostgreSQL");
            let (mut c_read, mut u_write) =
                (client.try_clone().unwrap(), upstream.try_clone().unwrap());
            let (mut u_read, mut c_write) = (upstream, client);
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut c_read, &mut u_write);
                let _ = u_write.shutdown(std::net::Shutdown::Write);
            });
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut u_read, &mut c_write);
                let _ = c_write.shutdown(std::net::Shutdown::Write);
            });
        }
    });
}

#[tokio::test]
async fn a_database_that_comes_up_seconds_later_is_waited_for_and_the_service_becomes_ready() {
    if let Err(e) = TcpStream::connect(postgres()) {
        panic!(
            "these tests need PostgreSQL at {} (STARTUP_TEST_PG): {e}",
            postgres()
        );
    }
    let scratch = ScratchDatabase::new("late");
    let port = free_port();
    let server = format!("127.0.0.1:{port}");
    let url = format!("postgres://postgres:{PASSWORD}@{server}/{}", scratch.name);
    let up_after = Duration::from_secs(3);
    let started = Instant::now();
    late_proxy(port, up_after);
    let mut service = Service::start(&url, &[]);

    let client = reqwest::Client::new();
    let ready_after = loop {
        let ready = client
            .get(format!("http://127.0.0.1:{}/readyz", service.port))
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200);
        if ready {
            break started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "not ready 60 s after start; log:\n{}",
            service.log().join("\n")
        );
        if let Some(status) = service.child.try_wait().expect("wait") {
            panic!(
                "the service exited ({status}); log:\n{}",
                service.log().join("\n")
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let records = service.records();
    let refused = records
        .iter()
        .filter(|r| attempt_on(r, &server, "PostgreSQL is not reachable yet"))
        .count();
    let answered = records
        .iter()
        .find(|r| attempt_on(r, &server, "PostgreSQL answered"))
        .cloned();
    eprintln!(
        "late database: up after {up_after:?}, service ready after {ready_after:?}, {refused} refused attempts, then {answered:?}"
    );
    assert!(
        refused >= 2,
        "expected attempts refused before the proxy listened"
    );
    assert!(answered.is_some(), "no 'PostgreSQL answered' record");
    assert!(ready_after >= up_after, "ready before the database was up?");

    let (took, status) = service.terminate().await;
    eprintln!("late database: graceful stop took {took:?} ({status})");
    assert!(status.success(), "exit status {status}");
    service.assert_no_password();
    scratch.drop_it().await;
}
