//! Concordance analytics over a seeded mix of outcomes, an amendment, an override and a
//! reassessment, every figure checked against a hand computation; small groups hidden; other
//! organisations and the wrong roles see nothing.

use std::collections::BTreeSet;

use concord::auth::Role;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

/// The rectal worked example: its opinion contradicts its plan.
fn rectal() -> (Value, Value) {
    worked_example_pictures("rectal-curative-vs-palliative")
}

/// One answered referral: a new case with `plan`, referred to `partner`, answered with
/// `opinion`; (case, opinion id).
async fn answered(
    app: &TestApp,
    partner: (Uuid, &Auth),
    plan: &Value,
    opinion: &Value,
) -> (Uuid, String) {
    let patient = app.create_patient(None).await;
    let case = app.create_case(patient, &json!({})).await;
    app.record_plan(case, plan).await.ok(201);
    let referral = app.refer(case, partner.0).await;
    let submitted = app
        .submit_opinion(referral, partner.1, &opinion_body(opinion))
        .await
        .ok(201);
    let id = submitted["id"].as_str().expect("id").to_string();
    (case, id)
}

async fn figures(app: &TestApp, query: &str) -> Value {
    app.get(
        &format!("/v1/analytics/concordance{query}"),
        &app.coordinator(),
    )
    .await
    .ok(200)
}

#[track_caller]
fn share(group: &Value, outcome: &str) -> (i64, f64, f64, f64) {
    let s = &group["outcomes"][outcome];
    (
        s["count"].as_i64().expect("count"),
        s["share"].as_f64().expect("share"),
        s["ci95_low"].as_f64().expect("low"),
        s["ci95_high"].as_f64().expect("high"),
    )
}

#[tokio::test]
async fn each_answered_referral_counts_once_by_its_effective_result() {
    let app = spawn_app().await;
    let (a, a_key) = app.create_partner("Tata Memorial").await;
    let (b, b_key) = app.create_partner("=Other Hospital").await;
    let colon = example_picture();
    let (rectal_plan, rectal_opinion) = rectal();

    // Partner A: four confirm, one refines, one contradicted then amended to confirm, one
    // contradicts but a clinician overrides it to refines; one confirming opinion reassessed.
    let mut reassess_me = None;
    for _ in 0..4 {
        let (_, opinion) = answered(&app, (a, &a_key), &colon, &colon).await;
        reassess_me.get_or_insert(opinion);
    }
    answered(&app, (a, &a_key), &colon, &capox()).await;
    let (_, first) = answered(&app, (a, &a_key), &rectal_plan, &rectal_opinion).await;
    let referral_of_first = app
        .get(&format!("/v1/second-opinions/{first}"), &app.coordinator())
        .await
        .ok(200)["referral_id"]
        .as_str()
        .expect("referral")
        .to_string();
    // The partner corrects its report: it now agrees with the plan.
    let mut body = opinion_body(&rectal_plan);
    body["supersedes"] = json!(first);
    app.submit_opinion(referral_of_first.parse().expect("uuid"), &a_key, &body)
        .await
        .ok(201);
    let (overridden_case, _) = answered(&app, (a, &a_key), &rectal_plan, &rectal_opinion).await;
    let held = app.newest_assessment(overridden_case).await;
    app.post(
        &format!("/v1/assessments/{held}/overrides"),
        &app.clinician(),
        &json!({"outcome": "refines", "reason": "The team sees a refinement."}),
    )
    .await
    .ok(201);
    app.post(
        &format!(
            "/v1/second-opinions/{}/assessments",
            reassess_me.expect("one")
        ),
        &app.coordinator(),
        &json!({}),
    )
    .await
    .ok(201);
    // Partner B: two confirm.
    for _ in 0..2 {
        answered(&app, (b, &b_key), &colon, &colon).await;
    }

    let whole = figures(&app, "").await;
    assert_eq!(whole["total"]["referrals"], 9, "{whole}");
    assert_eq!(whole["time_zone"], "UTC");
    let amended = &whole["total"];
    // 7 confirm (4 + the amendment + B's 2), 2 refine (1 + the override), none contradicts.
    assert_eq!(share(amended, "confirms").0, 7);
    assert_eq!(share(amended, "refines").0, 2);
    assert_eq!(share(amended, "contradicts").0, 0);

    // Partner A alone, by hand: 5 of 7 confirm, Wilson 95 % (0.3589, 0.9178); 2 of 7 refine
    // (0.0822, 0.6411); the override's computed contradiction needed a clinician: 1 of 7.
    let a_only = figures(&app, &format!("?partner_id={a}&group_by=partner")).await;
    let group = &a_only["groups"][0];
    assert_eq!(group["referrals"], 7);
    assert_eq!(group["labels"]["partner_name"], "Tata Memorial");
    assert_eq!(share(group, "confirms"), (5, 0.7143, 0.3589, 0.9178));
    assert_eq!(share(group, "refines"), (2, 0.2857, 0.0822, 0.6411));
    assert_eq!(share(group, "contradicts"), (0, 0.0, 0.0, 0.3543));
    assert_eq!(group["needed_clinician_review"]["count"], 1);
    assert_eq!(
        group["conversations"]["confirms"]["none_recorded"], 5,
        "{group}"
    );

    // By partner: B has 2, so it is hidden, and A with it (A = total - B otherwise).
    let by_partner = figures(&app, "?group_by=partner").await;
    let groups = by_partner["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 2);
    for g in groups {
        assert_eq!(g["referrals"], "< 5", "{g}");
        assert_eq!(g["outcomes"], json!({}));
    }
    // Each partner's turnaround, hidden for the small one too.
    let partners = by_partner["partners"].as_array().expect("partners");
    assert_eq!(partners.len(), 2);
    assert!(partners.iter().all(|p| p["median_days"].is_null()));

    // By site: the colon (C18, 7) and the rectum (C20, 2), named in plain words.
    let by_site = figures(&app, "?group_by=site").await;
    let sites: Vec<(String, Value)> = by_site["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| {
            (
                g["key"]["site"].as_str().expect("site").to_string(),
                g["referrals"].clone(),
            )
        })
        .collect();
    assert_eq!(sites.len(), 2, "{by_site}");
    assert_eq!(sites[0].0, "C18");
    assert!(by_site["groups"][0]["labels"]["site_name"].is_string());

    // By period: everything arrived this month, in the asked time zone.
    let by_month = figures(&app, "?group_by=period&tz=Asia/Kolkata").await;
    assert_eq!(by_month["groups"].as_array().expect("groups").len(), 1);
    assert_eq!(by_month["groups"][0]["referrals"], 9);
    assert_eq!(by_month["time_zone"], "Asia/Kolkata");
    let quarter = figures(&app, "?group_by=period&period=quarter").await;
    assert!(
        quarter["groups"][0]["key"]["period"]
            .as_str()
            .expect("period")
            .contains("-Q"),
        "{quarter}"
    );
    // Nothing arrived before 2020; the ruleset filter keeps only its own results.
    let old = figures(&app, "?to=2019-12-31").await;
    assert_eq!(old["total"]["referrals"], 0);
    let other_rules = figures(&app, "?ruleset_version=1").await;
    assert_eq!(other_rules["total"]["referrals"], 0);

    // A spreadsheet: the partner's name cannot start a formula.
    let csv = app
        .send(
            Method::GET,
            "/v1/analytics/concordance?group_by=partner&format=csv",
            &app.coordinator(),
            None,
            &[],
        )
        .await;
    assert!(
        csv.content_type().starts_with("text/csv"),
        "{}",
        csv.content_type()
    );
    let text = csv.text();
    assert!(
        text.starts_with("partner,label,referrals,confirms_count"),
        "{text}"
    );
    assert!(text.contains("'=Other Hospital"), "{text}");
    assert!(!text.contains(",=Other"), "{text}");

    // A chart drawn on the server: each row with its counts, the hidden ones said so.
    let chart = app
        .send(
            Method::GET,
            &format!("/v1/analytics/concordance?group_by=partner&partner_id={a}"),
            &app.coordinator(),
            None,
            &[("accept", "image/svg+xml")],
        )
        .await;
    assert!(chart.content_type().starts_with("image/svg+xml"));
    let svg = chart.text();
    assert!(
        svg.starts_with("<svg") && svg.contains("Tata Memorial"),
        "{svg}"
    );
    assert!(
        svg.contains("confirms: 5 of 7") && svg.contains("n = 7"),
        "{svg}"
    );
    let hidden = app
        .get(
            "/v1/analytics/concordance?group_by=partner&format=svg",
            &app.coordinator(),
        )
        .await
        .text();
    assert_eq!(hidden.matches("hidden to protect patients").count(), 2);

    // Another organisation's coordinator sees none of this.
    let other = app.other_navigator().await;
    let theirs = app
        .get(
            "/v1/analytics/concordance",
            &app.token_for(Role::Coordinator, "coord-x", other),
        )
        .await
        .ok(200);
    assert_eq!(theirs["total"]["referrals"], 0);
    // Published series come beside the figures as context, each under its own measure and
    // definition, and never into the totals (this organisation has none).
    let reference = theirs["reference_rates"]
        .as_array()
        .expect("reference rates");
    let measures: BTreeSet<&str> = reference
        .iter()
        .filter_map(|s| s["measure"].as_str())
        .collect();
    assert!(measures.contains("treatment_plan") && measures.contains("diagnosis"));
    assert!(
        reference
            .iter()
            .all(|s| s["agreement_definition"].is_string()
                && s["source_seen"].is_string()
                && s["n"].as_i64() > Some(0))
    );
}

#[tokio::test]
async fn bad_parameters_are_named_and_the_wrong_roles_refused() {
    let app = spawn_app().await;
    let bad = app
        .get(
            "/v1/analytics/concordance?group_by=partner,colour&tz=Mars%20Base&from=2026-12-01&to=2026-11-01&ruleset_version=three",
            &app.coordinator(),
        )
        .await;
    assert_names_all(
        &bad.invalid_fields(),
        &["group_by", "tz", "to", "ruleset_version"],
    );
    app.get("/v1/analytics/concordance?tz=Mars/Base", &app.coordinator())
        .await
        .problem(400, "validation-error");
    app.send(
        Method::GET,
        "/v1/analytics/concordance",
        &app.coordinator(),
        None,
        &[("accept", "application/pdf")],
    )
    .await
    .problem(406, "not-acceptable");
    for role in [Role::Patient, Role::Advocate] {
        app.get("/v1/analytics/concordance", &app.token(role, "someone"))
            .await
            .problem(403, "forbidden");
    }
    for role in [Role::Clinician, Role::Admin] {
        app.get("/v1/analytics/concordance", &app.token(role, "staff"))
            .await
            .ok(200);
    }
}

/// Seeds `n` answered referrals of navigator `org` (two partners of its own) with the same
/// script the benchmark runs (`scripts/sql/seed-answered-referrals.sql`).
async fn seed_answered(conn: &mut diesel_async::AsyncPgConnection, org: Uuid, n: usize, tag: &str) {
    use diesel_async::SimpleAsyncConnection;
    conn.batch_execute(&format!(
        "INSERT INTO organizations (id, org_id, kind, name) VALUES \
         ('{}', '{org}', 'partner', 'First {tag}'), ('{}', '{org}', 'partner', 'Second {tag}')",
        Uuid::now_v7(),
        Uuid::now_v7()
    ))
    .await
    .expect("partners");
    let script = std::fs::read_to_string("scripts/sql/seed-answered-referrals.sql")
        .expect("seed script")
        .lines()
        .filter(|line| !line.starts_with('\\'))
        .collect::<Vec<_>>()
        .join("\n")
        .replace(":'org'", &format!("'{org}'"))
        .replace(":'tag'", &format!("'{tag}'"))
        .replace(":n", &n.to_string());
    conn.batch_execute(&script).await.expect("seed");
}

/// Every relation a plan node reads with a sequential scan.
fn sequential_scans(plan: &Value, found: &mut Vec<String>) {
    if plan["Node Type"] == "Seq Scan" {
        found.push(plan["Relation Name"].as_str().unwrap_or("?").to_string());
    }
    for child in plan["Plans"].as_array().into_iter().flatten() {
        sequential_scans(child, found);
    }
}

#[tokio::test]
async fn the_figures_are_read_through_an_index_never_by_scanning_every_tenant() {
    use diesel::sql_types::{Date, Nullable, Text, Uuid as SqlUuid};
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Plan {
        #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
        plan: String,
    }
    let app = spawn_app().await;
    let other = app.other_navigator().await;
    let mut conn = app.sql().await;
    seed_answered(&mut conn, app.org_id, 600, "ours").await;
    seed_answered(&mut conn, other, 12_000, "theirs").await;

    // The seeded referrals count once each, amended and reassessed ones included.
    let ours = figures(&app, "").await;
    assert_eq!(ours["total"]["referrals"], 600);
    assert_eq!(ours["total"]["outcomes"]["contradicts"]["count"], 100);

    let explained: Plan = diesel::sql_query(format!(
        "EXPLAIN (FORMAT JSON, COSTS OFF) {}",
        concord::db::analytics::CONCORDANCE
    ))
    .bind::<SqlUuid, _>(app.org_id)
    .bind::<Nullable<Date>, _>(None::<chrono::NaiveDate>)
    .bind::<Nullable<Date>, _>(None::<chrono::NaiveDate>)
    .bind::<Text, _>("Europe/Madrid")
    .bind::<Text, _>("month")
    .bind::<Nullable<SqlUuid>, _>(None::<Uuid>)
    .bind::<Nullable<Text>, _>(None::<String>)
    .bind::<diesel::sql_types::Bool, _>(true)
    .bind::<diesel::sql_types::Bool, _>(true)
    .bind::<diesel::sql_types::Bool, _>(true)
    .bind::<diesel::sql_types::Bool, _>(true)
    .get_result(&mut conn)
    .await
    .expect("explain");
    let plan: Value = serde_json::from_str(&explained.plan).expect("json plan");
    let mut scanned = Vec::new();
    sequential_scans(&plan[0]["Plan"], &mut scanned);
    // Only the tenant's handful of organisations may be scanned whole.
    scanned.retain(|relation| relation != "organizations");
    assert!(
        scanned.is_empty(),
        "sequential scans of {scanned:?}: {plan:#}"
    );
    // ... and the tenant's units are found through one of their indexes.
    assert!(
        explained
            .plan
            .contains("\"Index Name\": \"concordance_units_"),
        "{plan:#}"
    );
}
