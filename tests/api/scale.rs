//! The list queries at size: a navigator with years of history (scripts/sql/seed-scale.sql at a
//! tenth of the benchmark's scale: 10,000 cases, 100,000 audit rows, 50,000 events, 20,000
//! assessments) is read through every list the routes offer, page 1 and a page deep in the
//! list, by the same `db` functions the routes call. None may scan a large table, and a plain
//! or indexed list may read no more than two pages' worth of rows, however deep the page.
//!
//! What the plans did is read from PostgreSQL's own counters for the transaction
//! (`pg_stat_xact_user_tables`): they are the plan the executor ran for the exact SQL Diesel
//! built, where an EXPLAIN would need a copy of that SQL kept in step with the code. Two
//! controls show each check can fail: a filter on the audit trail no index serves (a sequential
//! scan) and the keyset condition written as `t < x OR (t = x AND id < y)` (an index walk from
//! the top).

use std::collections::HashMap;
use std::process::Command;

use chrono::{DateTime, Duration, Utc};
use concord::db::{audit, cases, referrals, tasks, webhooks};
use diesel::QueryResult;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::helpers::spawn_app;

const LIMIT: i64 = 50;
/// Page 100's cursor: the last row of page 99.
const DEEP: usize = 99 * LIMIT as usize;
/// A table with more rows than this is large: reading it whole is what the check forbids.
const LARGE: f32 = 5_000.0;

/// Seeds `org` in the database at `url` with the benchmark's seed, scaled by `scale`.
fn seed(url: &str, org: Uuid, scale: f64) {
    let n = |count: f64| ((count * scale).round() as i64).to_string();
    let output = Command::new("psql")
        .arg("--no-psqlrc")
        .arg("--quiet")
        .arg(url)
        .args(["-v", &format!("org={org}"), "-v", "tag=scale"])
        .args(["-v", &format!("cases={}", n(100_000.0))])
        .args(["-v", &format!("audit={}", n(1_000_000.0))])
        .args(["-v", &format!("events={}", n(500_000.0))])
        .args(["-v", &format!("assessments={}", n(200_000.0))])
        .args(["-f", "scripts/sql/seed-scale.sql"])
        .output()
        .expect("psql (PostgreSQL's client) runs the seed");
    assert!(
        output.status.success(),
        "seed failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[derive(QueryableByName, Debug, Clone, Copy, Default, PartialEq)]
struct Counters {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    seq_scan: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    rows_read: i64,
}

#[derive(QueryableByName)]
struct TableCounters {
    #[diesel(sql_type = diesel::sql_types::Text)]
    relname: String,
    #[diesel(embed)]
    counters: Counters,
}

/// Reads inside one transaction and keeps what each read cost, by table.
struct Probe {
    conn: AsyncPgConnection,
    large: Vec<String>,
    /// What went wrong, by read: the test reports them all at once.
    faults: Vec<String>,
}

impl Probe {
    async fn begin(mut conn: AsyncPgConnection) -> Probe {
        #[derive(QueryableByName)]
        struct Name {
            #[diesel(sql_type = diesel::sql_types::Text)]
            relname: String,
        }
        let large: Vec<Name> = diesel::sql_query(format!(
            "SELECT relname::text FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace \
             AND reltuples > {LARGE} ORDER BY relname"
        ))
        .load(&mut conn)
        .await
        .expect("large tables");
        diesel::sql_query("BEGIN")
            .execute(&mut conn)
            .await
            .expect("begin");
        Probe {
            conn,
            large: large.into_iter().map(|n| n.relname).collect(),
            faults: Vec::new(),
        }
    }

    /// This transaction's scans so far, by table. Rows read: those fetched through indexes
    /// (heap fetches and index-only returns) plus those sequential scans read.
    async fn counters(&mut self) -> HashMap<String, Counters> {
        let rows: Vec<TableCounters> = diesel::sql_query(
            "SELECT relname::text, seq_scan, coalesce(idx_tup_fetch, 0) + seq_tup_read AS rows_read \
             FROM pg_stat_xact_user_tables",
        )
        .load(&mut self.conn)
        .await
        .expect("counters");
        rows.into_iter().map(|r| (r.relname, r.counters)).collect()
    }

    /// Runs `read` and records a fault for a sequential scan of a large table and, when
    /// `flat`, for more than two pages' worth of rows read. Returns the rows.
    async fn read<T>(
        &mut self,
        name: &str,
        flat: bool,
        read: impl AsyncFnOnce(&mut AsyncPgConnection) -> QueryResult<Vec<T>>,
    ) -> Vec<T> {
        self.read_within(name, flat.then_some(2 * LIMIT), read)
            .await
    }

    /// As `read`, with the most rows the read may take (`None`: any number).
    async fn read_within<T>(
        &mut self,
        name: &str,
        most: Option<i64>,
        read: impl AsyncFnOnce(&mut AsyncPgConnection) -> QueryResult<Vec<T>>,
    ) -> Vec<T> {
        let before = self.counters().await;
        let rows = read(&mut self.conn).await.expect(name);
        let after = self.counters().await;
        let mut rows_read = 0;
        for (table, now) in &after {
            let was = before.get(table).copied().unwrap_or_default();
            rows_read += now.rows_read - was.rows_read;
            if now.seq_scan > was.seq_scan && self.large.contains(table) {
                self.faults
                    .push(format!("{name}: a sequential scan of {table}"));
            }
        }
        if most.is_some_and(|most| rows_read > most) {
            self.faults.push(format!(
                "{name}: {rows_read} rows read for a page of {LIMIT}"
            ));
        }
        rows
    }

    /// The faults recorded since the last call.
    fn take_faults(&mut self) -> Vec<String> {
        std::mem::take(&mut self.faults)
    }
}

/// The cursor of page 100's start, or of the last full page when the list is shorter.
fn deep_cursor<T, C>(rows: &[T], key: impl Fn(&T) -> C) -> C {
    assert!(rows.len() > 2 * LIMIT as usize, "a list too short to page");
    let at = (DEEP - 1).min(rows.len() - LIMIT as usize - 1);
    key(&rows[at])
}

/// Page 1 of a list and, when it has more than two pages, page 100 (or its last full page),
/// each read through the probe. `list(conn, limit, after)` reads a page after a cursor,
/// `cursor` gives a row's.
async fn page_1_and_100<R, C: Copy>(
    probe: &mut Probe,
    helper: &mut AsyncPgConnection,
    name: &str,
    flat: bool,
    list: impl AsyncFn(&mut AsyncPgConnection, i64, Option<C>) -> QueryResult<Vec<R>>,
    cursor: impl Fn(&R) -> C,
) {
    probe
        .read(name, flat, async |c| list(c, LIMIT, None).await)
        .await;
    let long = list(helper, DEEP as i64 + LIMIT, None).await.expect(name);
    if long.len() <= 2 * LIMIT as usize {
        return;
    }
    let after = deep_cursor(&long, cursor);
    let page = probe
        .read(&format!("{name}, page 100"), flat, async |c| {
            list(c, LIMIT, Some(after)).await
        })
        .await;
    assert_eq!(page.len(), LIMIT as usize, "{name}: a full deep page");
}

#[tokio::test]
async fn every_list_reads_through_an_index_and_page_100_costs_what_page_1_costs() {
    let app = spawn_app().await;
    seed(&app.db_url, app.org_id, 0.1);
    let org = app.org_id;
    let mut helper = app.sql().await;
    let busiest_case: Uuid = diesel::sql_query(
        "SELECT case_id AS id FROM audit_events WHERE case_id IS NOT NULL \
         GROUP BY case_id ORDER BY count(*) DESC LIMIT 1",
    )
    .get_result::<IdRow>(&mut helper)
    .await
    .expect("busiest case")
    .id;
    let partner: Uuid = diesel::sql_query(
        "SELECT partner_id AS id FROM referrals GROUP BY partner_id ORDER BY count(*) DESC LIMIT 1",
    )
    .get_result::<IdRow>(&mut helper)
    .await
    .expect("partner")
    .id;
    let patient: Uuid = diesel::sql_query("SELECT patient_id AS id FROM cases LIMIT 1")
        .get_result::<IdRow>(&mut helper)
        .await
        .expect("patient")
        .id;
    let mut probe = Probe::begin(AsyncPgConnection::establish(&app.db_url).await.unwrap()).await;
    assert!(
        [
            "cases",
            "audit_events",
            "events",
            "tasks",
            "assessments",
            "referrals"
        ]
        .iter()
        .all(|t| probe.large.iter().any(|l| l == t)),
        "the seed made these tables large: {:?}",
        probe.large
    );

    // The controls: each check sees what it is for.
    probe
        .read("control: a filter no index serves", false, async |c| {
            diesel::sql_query("SELECT id FROM audit_events WHERE request_id = 'none' LIMIT 1")
                .load::<IdRow>(c)
                .await
        })
        .await;
    let all = cases::CaseFilter {
        limit: DEEP as i64 + LIMIT,
        ..Default::default()
    };
    let all = cases::list(&mut helper, org, &all).await.expect("cases");
    let (t, id) = deep_cursor(&all, |r| (r.created_at, r.id));
    probe
        .read("control: the keyset as an OR", true, async |c| {
            use concord::db::schema::cases::dsl;
            dsl::cases
                .filter(dsl::org_id.eq(org))
                .filter(
                    dsl::created_at
                        .lt(t)
                        .or(dsl::created_at.eq(t).and(dsl::id.lt(id))),
                )
                .order((dsl::created_at.desc(), dsl::id.desc()))
                .select((dsl::created_at, dsl::id))
                .limit(LIMIT)
                .load::<(DateTime<Utc>, Uuid)>(c)
                .await
        })
        .await;
    let controls = probe.take_faults();
    assert!(
        controls
            .iter()
            .any(|f| f.contains("sequential scan of audit_events"))
            && controls
                .iter()
                .any(|f| f.contains("the keyset as an OR") && f.contains("rows read")),
        "the checks did not see what the controls do: {controls:?}"
    );

    // Cases: by status, by coordinator (one with cases, one without), by patient, by next
    // step, updated lately; each page 1 and page 100.
    let since = Utc::now() - Duration::days(90);
    let case_filters: Vec<(&str, bool, cases::CaseFilter)> = vec![
        ("cases", true, cases::CaseFilter::default()),
        (
            "cases?status=referred",
            true,
            cases::CaseFilter {
                status: Some("referred".into()),
                ..Default::default()
            },
        ),
        (
            "cases?status=closed",
            true,
            cases::CaseFilter {
                status: Some("closed".into()),
                ..Default::default()
            },
        ),
        (
            "cases?coordinator=coordinator-2",
            true,
            cases::CaseFilter {
                coordinator: Some("coordinator-2".into()),
                ..Default::default()
            },
        ),
        (
            "cases?coordinator=nobody",
            true,
            cases::CaseFilter {
                coordinator: Some("nobody".into()),
                ..Default::default()
            },
        ),
        (
            "cases?patient_id",
            true,
            cases::CaseFilter {
                patient_id: Some(patient),
                ..Default::default()
            },
        ),
        (
            "cases?updated_since",
            false,
            cases::CaseFilter {
                updated_since: Some(since),
                ..Default::default()
            },
        ),
        (
            "cases?next_step_before",
            false,
            cases::CaseFilter {
                next_step_before: Some(Utc::now().date_naive()),
                ..Default::default()
            },
        ),
    ];
    for (name, flat, filter) in case_filters {
        let list = async |c: &mut AsyncPgConnection, limit, after| {
            cases::list(
                c,
                org,
                &cases::CaseFilter {
                    limit,
                    after,
                    ..filter.clone()
                },
            )
            .await
        };
        page_1_and_100(&mut probe, &mut helper, name, flat, list, |r| {
            (r.created_at, r.id)
        })
        .await;
    }

    // Tasks: the queue, open ones, a coordinator's open ones, a case's.
    let task_filters: Vec<(&str, bool, tasks::TaskFilter)> = vec![
        ("tasks", true, tasks::TaskFilter::default()),
        (
            "tasks?status=open",
            true,
            tasks::TaskFilter {
                status: Some("open".into()),
                ..Default::default()
            },
        ),
        (
            "tasks?status=open&assignee=coordinator-2",
            true,
            tasks::TaskFilter {
                status: Some("open".into()),
                assignee: Some("coordinator-2".into()),
                ..Default::default()
            },
        ),
        (
            "tasks?kind=clinician_review",
            false,
            tasks::TaskFilter {
                kind: Some("clinician_review".into()),
                ..Default::default()
            },
        ),
    ];
    for (name, flat, filter) in task_filters {
        let list = async |c: &mut AsyncPgConnection, limit, after| {
            tasks::list(
                c,
                org,
                &tasks::TaskFilter {
                    limit,
                    after,
                    ..filter.clone()
                },
            )
            .await
        };
        page_1_and_100(&mut probe, &mut helper, name, flat, list, |r| {
            (r.created_at, r.id)
        })
        .await;
    }

    // The audit trail: whole, a case's (the busiest), an actor's, an object's, an action.
    let audit_filters: Vec<(&str, bool, audit::AuditFilter)> = vec![
        ("audit-events", true, audit::AuditFilter::default()),
        (
            "audit-events?until",
            true,
            audit::AuditFilter {
                until: Some(Utc::now() - Duration::days(30)),
                ..Default::default()
            },
        ),
        (
            "audit-events?case_id",
            true,
            audit::AuditFilter {
                case_id: Some(busiest_case),
                ..Default::default()
            },
        ),
        (
            "audit-events?actor_id=clinician-2",
            true,
            audit::AuditFilter {
                actor_id: Some("clinician-2".into()),
                ..Default::default()
            },
        ),
        (
            "audit-events?object_id",
            false,
            audit::AuditFilter {
                object_id: Some(busiest_case),
                ..Default::default()
            },
        ),
        (
            "audit-events?action=nothing.done",
            true,
            audit::AuditFilter {
                action: Some("nothing.done".into()),
                ..Default::default()
            },
        ),
        (
            "audit-events?action=case.read",
            true,
            audit::AuditFilter {
                action: Some("case.read".into()),
                ..Default::default()
            },
        ),
        (
            "audit-events?object_type=summary",
            true,
            audit::AuditFilter {
                object_type: Some("summary".into()),
                ..Default::default()
            },
        ),
        (
            "audit-events?object_type=nothing",
            true,
            audit::AuditFilter {
                object_type: Some("nothing".into()),
                ..Default::default()
            },
        ),
    ];
    for (name, flat, filter) in audit_filters {
        let list = async |c: &mut AsyncPgConnection, limit, after| {
            audit::list(
                c,
                org,
                &audit::AuditFilter {
                    limit,
                    after,
                    ..filter.clone()
                },
            )
            .await
        };
        page_1_and_100(&mut probe, &mut helper, name, flat, list, |r| {
            (r.occurred_at, r.id)
        })
        .await;
    }

    // The event feed: from the start, after an event deep in it, one type, a type never sent.
    let feed: Vec<(&str, bool, Option<Vec<String>>)> = vec![
        ("events", true, None),
        (
            "events?type=assessment.created",
            false,
            Some(vec!["assessment.created".into()]),
        ),
        (
            "events?type=partner.key_rotated",
            true,
            Some(vec!["partner.key_rotated".into()]),
        ),
    ];
    for (name, flat, types) in feed {
        let list = async |c: &mut AsyncPgConnection, limit, after| {
            webhooks::events_after(c, org, after, types.as_deref(), limit).await
        };
        page_1_and_100(&mut probe, &mut helper, name, flat, list, |r| r.id).await;
    }

    // A partner's inbox: everything sent to it, and by status.
    let inbox: Vec<(&str, referrals::ReferralFilter)> = vec![
        (
            "partner inbox",
            referrals::ReferralFilter {
                partner_id: Some(partner),
                ..Default::default()
            },
        ),
        (
            "partner inbox?status=answered",
            referrals::ReferralFilter {
                partner_id: Some(partner),
                status: Some("answered".into()),
                ..Default::default()
            },
        ),
        (
            "partner inbox?status=sent",
            referrals::ReferralFilter {
                partner_id: Some(partner),
                status: Some("sent".into()),
                ..Default::default()
            },
        ),
    ];
    for (name, filter) in inbox {
        let list = async |c: &mut AsyncPgConnection, limit, after| {
            referrals::list(
                c,
                org,
                &referrals::ReferralFilter {
                    limit,
                    after,
                    ..filter.clone()
                },
            )
            .await
        };
        page_1_and_100(&mut probe, &mut helper, name, true, list, |r| {
            (r.created_at, r.id)
        })
        .await;
    }

    // The packets of the inbox's first page: its cases with their patients and current plans,
    // in one statement: a row of each of the three tables a case (the newest plan version
    // only), never a scan of them.
    let page = referrals::list(
        &mut helper,
        org,
        &referrals::ReferralFilter {
            partner_id: Some(partner),
            limit: LIMIT,
            ..Default::default()
        },
    )
    .await
    .expect("inbox");
    let case_ids: Vec<Uuid> = page.iter().map(|r| r.case_id).collect();
    let parts = probe
        .read_within("partner inbox packets", Some(3 * LIMIT), async |c| {
            referrals::packet_cases(c, org, &case_ids).await
        })
        .await;
    let cases: std::collections::BTreeSet<Uuid> = case_ids.iter().copied().collect();
    assert_eq!(parts.len(), cases.len(), "one packet part per case");
    assert!(
        parts
            .iter()
            .any(|p| p.plan.is_some() && p.plan_version.is_some()),
        "no packet on the page carries a plan"
    );

    let faults = probe.take_faults();
    assert!(
        faults.is_empty(),
        "lists that do not stay flat:\n{}",
        faults.join("\n")
    );
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
}
