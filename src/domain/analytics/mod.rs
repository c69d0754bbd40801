//! Concordance analytics: how often second opinions confirm, refine or contradict the plan,
//! grouped as a programme manager asks, with a 95 % Wilson interval on every share and small
//! groups suppressed so that no patient can be picked out. Pure: storage hands in counted
//! cells, this rolls them up.

use std::collections::BTreeMap;

mod chart;
mod reference;
pub use chart::stacked_bars;
pub use reference::{ReferenceStudy, ReviewMeasure, reference_studies};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Below this many referrals a group shows no count and no share.
pub const SMALLEST_SHOWN: i64 = 5;
/// The outcomes counted, in the order they are shown.
pub const OUTCOMES: [&str; 3] = ["confirms", "refines", "contradicts"];

/// What the figures may be grouped by.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// The partner hospital that answered.
    Partner,
    /// The cancer site: ICD-O-3 3-character category of the plan's primary site.
    Site,
    /// The effective primary scenario.
    Scenario,
    /// Month or quarter of the opinion's arrival, in the asked time zone.
    Period,
}

impl GroupBy {
    pub fn parse(word: &str) -> Option<GroupBy> {
        match word {
            "partner" => Some(GroupBy::Partner),
            "site" => Some(GroupBy::Site),
            "scenario" => Some(GroupBy::Scenario),
            "period" => Some(GroupBy::Period),
            _ => None,
        }
    }
}

/// Answered referrals that share every attribute: the unit storage counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub partner: String,
    pub site: Option<String>,
    pub scenario: String,
    pub period: String,
    /// The effective outcome (a clinician's override where there is one).
    pub outcome: String,
    pub needed_review: bool,
    /// The latest conversation with the oncologist after the opinion, if any.
    pub conversation: Option<String>,
    pub referrals: i64,
}

/// A count that is shown, or hidden because it is small or would reveal a small one.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Count {
    Shown(i64),
    /// Always the text "< 5".
    Suppressed(String),
}

impl Count {
    /// A count too small to show, or one that would reveal one.
    pub fn hidden() -> Count {
        Count::Suppressed(format!("< {SMALLEST_SHOWN}"))
    }
}

/// A share of a group with its 95 % Wilson score interval.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Share {
    pub count: i64,
    pub share: f64,
    pub ci95_low: f64,
    pub ci95_high: f64,
}

impl Share {
    fn of(count: i64, total: i64) -> Share {
        let (low, high) = wilson(count, total);
        Share {
            count,
            share: round4(count as f64 / total as f64),
            ci95_low: round4(low),
            ci95_high: round4(high),
        }
    }
}

/// One group's figures. A suppressed group has its count as "< 5" and no shares.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GroupFigures {
    /// The group's value of each asked dimension (`partner`, `site`, `scenario`, `period`).
    pub key: BTreeMap<GroupBy, String>,
    pub referrals: Count,
    /// Per outcome (`confirms`, `refines`, `contradicts`); empty when suppressed.
    pub outcomes: BTreeMap<String, Share>,
    /// Results a clinician had to sign off before the patient saw them.
    pub needed_clinician_review: Option<Share>,
    /// Per outcome, how the conversations with the oncologist ended (`agreed`,
    /// `plan_changed`, ...; `none_recorded` when there was none yet).
    pub conversations: BTreeMap<String, BTreeMap<String, i64>>,
}

/// The Wilson score interval for `successes` of `n` at 95 % (z = 1.959964); (0, 0) for n = 0.
pub fn wilson(successes: i64, n: i64) -> (f64, f64) {
    if n <= 0 {
        return (0.0, 0.0);
    }
    let z = 1.959_963_984_540_054_f64;
    let n = n as f64;
    let p = successes as f64 / n;
    let z2 = z * z;
    let centre = p + z2 / (2.0 * n);
    let margin = z * ((p * (1.0 - p) + z2 / (4.0 * n)) / n).sqrt();
    let denominator = 1.0 + z2 / n;
    (
        ((centre - margin) / denominator).max(0.0),
        ((centre + margin) / denominator).min(1.0),
    )
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn key_of(cell: &Cell, by: &[GroupBy]) -> BTreeMap<GroupBy, String> {
    by.iter()
        .map(|d| {
            let value = match d {
                GroupBy::Partner => cell.partner.clone(),
                GroupBy::Site => cell.site.clone().unwrap_or_else(|| "unknown".into()),
                GroupBy::Scenario => cell.scenario.clone(),
                GroupBy::Period => cell.period.clone(),
            };
            (*d, value)
        })
        .collect()
}

/// The cells rolled up into one group per value of `by` (one group, the whole, when `by` is
/// empty), in key order, with small groups suppressed: a group under five, and when exactly
/// one group is suppressed, the next smallest too, so no hidden count follows from the total
/// by subtraction.
pub fn groups(cells: &[Cell], by: &[GroupBy]) -> Vec<GroupFigures> {
    let mut rolled: BTreeMap<BTreeMap<GroupBy, String>, Vec<&Cell>> = BTreeMap::new();
    for cell in cells {
        rolled.entry(key_of(cell, by)).or_default().push(cell);
    }
    let totals: Vec<i64> = rolled
        .values()
        .map(|cs| cs.iter().map(|c| c.referrals).sum())
        .collect();
    let hidden = suppressed(&totals);
    rolled
        .into_iter()
        .zip(hidden)
        .map(|((key, cells), hide)| figures(key, &cells, hide))
        .collect()
}

/// Which of these group totals are hidden: each under five, plus the smallest other one when
/// only one would be hidden and there are others to subtract from the total.
pub fn suppressed(totals: &[i64]) -> Vec<bool> {
    let mut hide: Vec<bool> = totals.iter().map(|&n| n < SMALLEST_SHOWN).collect();
    if hide.iter().filter(|&&h| h).count() == 1
        && totals.len() > 1
        && let Some((i, _)) = totals
            .iter()
            .enumerate()
            .filter(|(i, _)| !hide[*i])
            .min_by_key(|(_, n)| **n)
    {
        hide[i] = true;
    }
    hide
}

fn figures(key: BTreeMap<GroupBy, String>, cells: &[&Cell], hide: bool) -> GroupFigures {
    let total: i64 = cells.iter().map(|c| c.referrals).sum();
    if hide {
        return GroupFigures {
            key,
            referrals: Count::hidden(),
            outcomes: BTreeMap::new(),
            needed_clinician_review: None,
            conversations: BTreeMap::new(),
        };
    }
    let count = |keep: &dyn Fn(&Cell) -> bool| -> i64 {
        cells.iter().filter(|c| keep(c)).map(|c| c.referrals).sum()
    };
    let outcomes = OUTCOMES
        .iter()
        .map(|o| (o.to_string(), Share::of(count(&|c| c.outcome == *o), total)))
        .collect();
    let reviewed = count(&|c| c.needed_review);
    let mut conversations: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for cell in cells {
        let ended = cell.conversation.as_deref().unwrap_or("none_recorded");
        *conversations
            .entry(cell.outcome.clone())
            .or_default()
            .entry(ended.to_string())
            .or_default() += cell.referrals;
    }
    GroupFigures {
        key,
        referrals: Count::Shown(total),
        outcomes,
        needed_clinician_review: Some(Share::of(reviewed, total)),
        conversations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(partner: &str, outcome: &str, n: i64) -> Cell {
        Cell {
            partner: partner.into(),
            site: Some("C34".into()),
            scenario: "different_treatment".into(),
            period: "2026-11".into(),
            outcome: outcome.into(),
            needed_review: outcome == "contradicts",
            conversation: None,
            referrals: n,
        }
    }

    #[test]
    fn wilson_matches_hand_computation() {
        // 8 of 10: p = 0.8, z = 1.96: (0.4902, 0.9433) by the textbook formula.
        let (low, high) = wilson(8, 10);
        assert!((low - 0.4902).abs() < 1e-4, "{low}");
        assert!((high - 0.9433).abs() < 1e-4, "{high}");
        // None of 20: the interval still admits some (0, 0.1611).
        let (low, high) = wilson(0, 20);
        assert_eq!(low, 0.0);
        assert!((high - 0.1611).abs() < 1e-4, "{high}");
        assert_eq!(wilson(3, 0), (0.0, 0.0));
    }

    #[test]
    fn groups_count_each_outcome_and_review() {
        let cells = [
            cell("A", "confirms", 6),
            cell("A", "contradicts", 2),
            cell("A", "refines", 2),
        ];
        let g = groups(&cells, &[GroupBy::Partner]);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].referrals, Count::Shown(10));
        assert_eq!(g[0].outcomes["confirms"].count, 6);
        assert_eq!(g[0].outcomes["confirms"].share, 0.6);
        assert_eq!(g[0].outcomes["contradicts"].count, 2);
        let review = g[0].needed_clinician_review.as_ref().expect("review");
        assert_eq!((review.count, review.share), (2, 0.2));
        assert_eq!(g[0].conversations["confirms"]["none_recorded"], 6);
    }

    #[test]
    fn a_small_group_and_the_one_that_would_reveal_it_are_hidden() {
        let cells = [
            cell("A", "confirms", 20),
            cell("B", "confirms", 7),
            cell("C", "refines", 3),
        ];
        let g = groups(&cells, &[GroupBy::Partner]);
        let shown: Vec<bool> = g
            .iter()
            .map(|g| matches!(g.referrals, Count::Shown(_)))
            .collect();
        assert_eq!(shown, [true, false, false], "C is small; B would reveal it");
        assert!(g[2].outcomes.is_empty() && g[2].needed_clinician_review.is_none());
        assert_eq!(
            serde_json::to_value(&g[2].referrals).expect("json"),
            serde_json::json!("< 5")
        );
        // Two small groups already hide each other; nothing more is hidden.
        assert_eq!(suppressed(&[20, 3, 4]), [false, true, true]);
        // The whole alone is never paired with anything.
        assert_eq!(suppressed(&[3]), [true]);
    }

    #[test]
    fn no_dimension_is_the_whole_programme() {
        let cells = [cell("A", "confirms", 4), cell("B", "refines", 4)];
        let g = groups(&cells, &[]);
        assert_eq!(g.len(), 1);
        assert!(g[0].key.is_empty());
        assert_eq!(g[0].referrals, Count::Shown(8));
    }
}
