//! Concordance analytics (issue 21): what the organisation's second opinions changed, by
//! partner, site, scenario and period. One statement reads the counted cells; the domain rolls
//! them up, puts a Wilson interval on every share and hides small groups.

use std::collections::BTreeMap;

use uuid::Uuid;

use super::{AppError, AppResult, Reader};
use crate::db::analytics as stored;
use crate::db::error::unknown_time_zone;
use crate::domain::analytics::{self, Cell, Count, GroupBy, GroupFigures, suppressed};
use crate::domain::summary::site_name;

pub use crate::db::analytics::{ConcordanceQuery as ConcordanceFilter, Dimensions};

/// What the caller asked for, parsed.
#[derive(Debug, Clone)]
pub struct ConcordanceRequest {
    pub group_by: Vec<GroupBy>,
    pub filter: ConcordanceFilter,
}

/// One partner's turnaround: days from referral to its first opinion.
#[derive(Debug, Clone, PartialEq)]
pub struct Turnaround {
    pub partner_id: Uuid,
    pub name: String,
    pub referrals: Count,
    pub median_days: Option<f64>,
    pub p90_days: Option<f64>,
}

/// The figures: the whole programme, the asked groups, each partner's turnaround, and the
/// names behind the keys (partner names, sites' plain and formal names).
#[derive(Debug, Clone)]
pub struct Concordance {
    pub total: GroupFigures,
    pub groups: Vec<GroupFigures>,
    pub partners: Vec<Turnaround>,
    pub partner_names: BTreeMap<String, String>,
    pub site_names: BTreeMap<String, (String, Option<String>)>,
}

pub async fn concordance(
    q: &mut Reader<'_>,
    request: ConcordanceRequest,
) -> AppResult<Concordance> {
    let rows = stored::concordance(q.conn, &request.filter).await.map_err(|e| {
        if unknown_time_zone(&e) {
            AppError::field(
                "tz",
                "not a time zone name the database knows (UTC, Europe/Madrid, Asia/Kolkata ...)",
            )
        } else {
            e.into()
        }
    })?;
    q.audit("analytics.concordance", "organization", vec![q.org], None);
    let mut cells = Vec::new();
    let mut partner_rows = Vec::new();
    for row in rows {
        match row.kind.as_str() {
            "partner" => {
                // Every partner row names its partner (the statement joins on it).
                if let Some(id) = row.partner_id {
                    partner_rows.push((id, row));
                }
                continue;
            }
            "zone" => continue,
            _ => {}
        }
        cells.push(Cell {
            partner: row.partner_id.map(|p| p.to_string()).unwrap_or_default(),
            site: row.site,
            scenario: row.scenario.unwrap_or_default(),
            period: row.period.unwrap_or_default(),
            outcome: row.outcome.unwrap_or_default(),
            needed_review: row.needed_review.unwrap_or(false),
            conversation: row.conversation,
            referrals: row.referrals,
        });
    }
    partner_rows.sort_by(|(_, a), (_, b)| a.partner_name.cmp(&b.partner_name));
    let totals: Vec<i64> = partner_rows.iter().map(|(_, r)| r.referrals).collect();
    let hidden = suppressed(&totals);
    let partners = partner_rows
        .iter()
        .zip(hidden)
        .map(|((id, r), hide)| Turnaround {
            partner_id: *id,
            name: r.partner_name.clone().unwrap_or_default(),
            referrals: if hide {
                Count::hidden()
            } else {
                Count::Shown(r.referrals)
            },
            median_days: (!hide).then_some(r.median_days).flatten().map(round1),
            p90_days: (!hide).then_some(r.p90_days).flatten().map(round1),
        })
        .collect();
    let partner_names = partner_rows
        .iter()
        .map(|(id, r)| (id.to_string(), r.partner_name.clone().unwrap_or_default()))
        .collect();
    let site_names = cells
        .iter()
        .filter_map(|c| c.site.clone())
        .filter_map(|code| site_name(&code, "en").map(|n| (code, n)))
        .collect();
    // No answered referral yet is a shown zero: there is no one to protect.
    let total = analytics::groups(&cells, &[])
        .into_iter()
        .next()
        .unwrap_or_else(empty);
    Ok(Concordance {
        total,
        groups: analytics::groups(&cells, &request.group_by),
        partners,
        partner_names,
        site_names,
    })
}

fn empty() -> GroupFigures {
    GroupFigures {
        key: BTreeMap::new(),
        referrals: Count::Shown(0),
        outcomes: BTreeMap::new(),
        needed_clinician_review: None,
        conversations: BTreeMap::new(),
    }
}

fn round1(days: f64) -> f64 {
    (days * 10.0).round() / 10.0
}
