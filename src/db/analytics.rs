//! Concordance analytics in one statement: every answered referral of the tenant through its
//! latest opinion's current assessment (whose outcome and scenario are the effective ones),
//! counted by every attribute at once, and each partner's turnaround beside the counts.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Double, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// What to count.
#[derive(Debug, Clone)]
pub struct ConcordanceQuery {
    pub org_id: Uuid,
    /// Opinions that arrived on or after this day, in `time_zone`.
    pub from: Option<NaiveDate>,
    /// ... and on or before this day.
    pub to: Option<NaiveDate>,
    /// An IANA time zone name PostgreSQL knows (`UTC`, `Asia/Kolkata`).
    pub time_zone: String,
    /// `month` or `quarter`.
    pub period: &'static str,
    pub partner_id: Option<Uuid>,
    /// The ruleset's revision (`2`, `3`), without the vocabulary hash.
    pub ruleset: Option<String>,
}

/// A row of the answer: `kind` `cell` (a count of alike referrals), `partner` (one
/// partner's name, referral count and days from referral to first opinion) or `zone` (today
/// in the asked time zone, as `period`).
#[derive(Debug, Clone, QueryableByName)]
pub struct ConcordanceRow {
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = SqlUuid)]
    pub partner_id: Uuid,
    #[diesel(sql_type = Nullable<Text>)]
    pub partner_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub site: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub scenario: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub period: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub outcome: Option<String>,
    #[diesel(sql_type = Nullable<Bool>)]
    pub needed_review: Option<bool>,
    #[diesel(sql_type = Nullable<Text>)]
    pub conversation: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub referrals: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub median_days: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub p90_days: Option<f64>,
}

const CONCORDANCE: &str = r#"
WITH units AS MATERIALIZED (
    SELECT DISTINCT ON (r.id)
           r.partner_id,
           left(pv.picture #>> '{diagnosis,primary_site}', 3) AS site,
           a.primary_scenario AS scenario,
           CASE WHEN $5 = 'quarter'
                THEN to_char(date_trunc('quarter', o.received_at AT TIME ZONE $4), 'YYYY-"Q"Q')
                ELSE to_char(date_trunc('month', o.received_at AT TIME ZONE $4), 'YYYY-MM')
           END AS period,
           a.outcome,
           a.needs_clinician_review AS needed_review,
           extract(epoch FROM (SELECT min(f.received_at) FROM second_opinions f
                                WHERE f.org_id = r.org_id AND f.referral_id = r.id)
                              - r.created_at) / 86400.0 AS days,
           (SELECT c.response FROM conversations c
             WHERE c.org_id = r.org_id AND c.case_id = r.case_id
               AND c.held_on >= (o.received_at AT TIME ZONE $4)::date
             ORDER BY c.held_on DESC, c.created_at DESC
             LIMIT 1) AS conversation
      FROM second_opinions o
      JOIN referrals r ON r.org_id = o.org_id AND r.id = o.referral_id
      JOIN assessments a ON a.org_id = o.org_id AND a.second_opinion_id = o.id AND a.current
      JOIN plan_versions pv
        ON pv.org_id = a.org_id AND pv.case_id = a.case_id AND pv.version = a.plan_version
     WHERE o.org_id = $1
       AND o.status = 'received'
       AND o.referral_id IS NOT NULL
       AND ($2::date IS NULL OR o.received_at >= ($2::date::timestamp AT TIME ZONE $4))
       AND ($3::date IS NULL OR o.received_at < (($3::date + 1)::timestamp AT TIME ZONE $4))
       AND ($6::uuid IS NULL OR r.partner_id = $6)
       AND ($7::text IS NULL OR split_part(a.ruleset_version, '+', 1) = $7)
     ORDER BY r.id, o.received_at DESC, o.id DESC
)
SELECT 'cell' AS kind, u.partner_id, NULL::text AS partner_name, u.site, u.scenario, u.period,
       u.outcome, u.needed_review, u.conversation, count(*) AS referrals,
       NULL::float8 AS median_days, NULL::float8 AS p90_days
  FROM units u
 GROUP BY u.partner_id, u.site, u.scenario, u.period, u.outcome, u.needed_review, u.conversation
UNION ALL
SELECT 'partner', u.partner_id, p.name, NULL, NULL, NULL, NULL, NULL, NULL, count(*),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY u.days),
       percentile_cont(0.9) WITHIN GROUP (ORDER BY u.days)
  FROM units u
  JOIN organizations p ON p.org_id = $1 AND p.id = u.partner_id
 GROUP BY u.partner_id, p.name
UNION ALL
-- Always evaluated, so an unknown time zone is refused even when nothing is counted.
SELECT 'zone', $1, NULL, NULL, NULL, to_char(now() AT TIME ZONE $4, 'YYYY-MM-DD'), NULL, NULL,
       NULL, 0, NULL, NULL
"#;

/// The counted cells and each partner's row, in one round trip.
pub async fn concordance(
    conn: &mut AsyncPgConnection,
    query: &ConcordanceQuery,
) -> QueryResult<Vec<ConcordanceRow>> {
    diesel::sql_query(CONCORDANCE)
        .bind::<SqlUuid, _>(query.org_id)
        .bind::<Nullable<Date>, _>(query.from)
        .bind::<Nullable<Date>, _>(query.to)
        .bind::<Text, _>(&query.time_zone)
        .bind::<Text, _>(query.period)
        .bind::<Nullable<SqlUuid>, _>(query.partner_id)
        .bind::<Nullable<Text>, _>(query.ruleset.as_deref())
        .load(conn)
        .await
}
