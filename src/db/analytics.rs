//! Concordance analytics in one statement over `concordance_units`: one row per answered
//! referral (its latest opinion's current assessment, whose outcome and scenario are the
//! effective ones), which the database keeps as opinions, assessments and conversations change
//! (migration 000014), counted by every attribute at once, each partner's turnaround beside.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Double, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::domain::analytics::GroupBy;

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
    /// The dimensions counted apart; the others are summed in the database, so a narrower
    /// grouping builds a smaller table and skips their per-row work.
    pub by: Dimensions,
}

/// Which of partner, site, scenario and period the cells keep apart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dimensions {
    pub partner: bool,
    pub site: bool,
    pub scenario: bool,
    pub period: bool,
}

impl Dimensions {
    /// The dimensions a report grouped by `group_by` needs apart.
    pub fn of(group_by: &[GroupBy]) -> Dimensions {
        Dimensions {
            partner: group_by.contains(&GroupBy::Partner),
            site: group_by.contains(&GroupBy::Site),
            scenario: group_by.contains(&GroupBy::Scenario),
            period: group_by.contains(&GroupBy::Period),
        }
    }
}

/// A row of the answer: `kind` `cell` (a count of alike referrals), `partner` (one
/// partner's name, referral count and days from referral to first opinion) or `zone` (today
/// in the asked time zone, as `period`).
#[derive(Debug, Clone, QueryableByName)]
pub struct ConcordanceRow {
    #[diesel(sql_type = Text)]
    pub kind: String,
    /// Absent on a cell that does not keep partners apart.
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub partner_id: Option<Uuid>,
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

/// Public so that the EXPLAIN test plans the very statement the service runs.
pub const CONCORDANCE: &str = r#"
-- Where each period starts, as instants: a referral's period is found by binary search among
-- them instead of converting every arrival into the asked time zone.
WITH periods AS MATERIALIZED (
    SELECT array_agg(start AT TIME ZONE $4 ORDER BY start) AS starts
      FROM generate_series(timestamp '1970-01-01', (now() AT TIME ZONE $4) + interval '1 year',
                           CASE WHEN $5 = 'quarter' THEN interval '3 months'
                                ELSE interval '1 month' END) AS start
),
-- Inlined into both reads below: two scans of narrow rows cost less than one materialised.
-- A dimension not kept apart ($8 partner, $9 site, $10 scenario, $11 period) is NULL in every
-- cell, so it costs neither hashing nor, for the period, a search per row.
units AS NOT MATERIALIZED (
    SELECT u.partner_id, CASE WHEN $8 THEN u.partner_id END AS cell_partner,
           CASE WHEN $9 THEN u.site END AS site, CASE WHEN $10 THEN u.scenario END AS scenario,
           CASE WHEN $11 THEN width_bucket(u.received_at, (SELECT starts FROM periods))
           END AS period_n,
           u.outcome, u.needed_review, u.days,
           -- The case's latest conversation counts when it is on or after the opinion's day.
           CASE WHEN u.conversation_on IS NULL THEN NULL
                WHEN u.conversation_on >= (u.received_at AT TIME ZONE $4)::date
                THEN u.conversation END AS conversation
      FROM concordance_units u
     WHERE u.org_id = $1
       AND ($2::date IS NULL OR u.received_at >= ($2::date::timestamp AT TIME ZONE $4))
       AND ($3::date IS NULL OR u.received_at < (($3::date + 1)::timestamp AT TIME ZONE $4))
       AND ($6::uuid IS NULL OR u.partner_id = $6)
       AND ($7::text IS NULL OR u.ruleset = $7)
)
SELECT 'cell' AS kind, u.cell_partner AS partner_id, NULL::text AS partner_name, u.site, u.scenario,
       -- Named once per group, not once per referral.
       to_char((SELECT starts FROM periods)[u.period_n] AT TIME ZONE $4,
               CASE WHEN $5 = 'quarter' THEN 'YYYY-"Q"Q' ELSE 'YYYY-MM' END) AS period,
       u.outcome, u.needed_review, u.conversation, count(*) AS referrals,
       NULL::float8 AS median_days, NULL::float8 AS p90_days
  FROM units u
 GROUP BY u.cell_partner, u.site, u.scenario, u.period_n, u.outcome, u.needed_review, u.conversation
UNION ALL
SELECT 'partner', t.partner_id, p.name, NULL, NULL, NULL, NULL, NULL, NULL, t.referrals,
       t.median_days, t.p90_days
  FROM (SELECT u.partner_id, count(*) AS referrals,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY u.days) AS median_days,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY u.days) AS p90_days
          FROM units u
         GROUP BY u.partner_id) t
  JOIN organizations p ON p.org_id = $1 AND p.id = t.partner_id
UNION ALL
-- Always evaluated, so an unknown time zone is refused even when nothing is counted.
SELECT 'zone', $1, NULL, NULL, NULL, to_char(now() AT TIME ZONE $4, 'YYYY-MM-DD'), NULL, NULL,
       NULL, 0, NULL, NULL
"#;

/// The counted cells and each partner's row, in one statement.
pub async fn concordance(
    conn: &mut AsyncPgConnection,
    query: &ConcordanceQuery,
) -> QueryResult<Vec<ConcordanceRow>> {
    // A large tenant's grouping fits in memory at 32 MB, hashed instead of sorted on disk
    // (about 2x faster at 100,000 referrals); SET LOCAL ends with this transaction, so the
    // pooled connection keeps the server's setting.
    conn.transaction::<_, diesel::result::Error, _>(async |conn| {
        diesel::sql_query("SET LOCAL work_mem = '32MB'")
            .execute(conn)
            .await?;
        diesel::sql_query(CONCORDANCE)
            .bind::<SqlUuid, _>(query.org_id)
            .bind::<Nullable<Date>, _>(query.from)
            .bind::<Nullable<Date>, _>(query.to)
            .bind::<Text, _>(&query.time_zone)
            .bind::<Text, _>(query.period)
            .bind::<Nullable<SqlUuid>, _>(query.partner_id)
            .bind::<Nullable<Text>, _>(query.ruleset.as_deref())
            .bind::<Bool, _>(query.by.partner)
            .bind::<Bool, _>(query.by.site)
            .bind::<Bool, _>(query.by.scenario)
            .bind::<Bool, _>(query.by.period)
            .load(conn)
            .await
    })
    .await
}
