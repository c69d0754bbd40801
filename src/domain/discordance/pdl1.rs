//! Ruleset 3, section 1: PD-L1 scores. Systems are not interchangeable; a score's band is the
//! number of the site's label cut-offs it reaches.

use serde_json::json;

use super::diagnosis::{Marker, compare_marker};
use super::phrases::number;
use super::review::ReviewCode;
use super::{Cancer, Change, Dimension, Finding, PlanVerdict, ReviewReasons, Severity};
use crate::domain::picture::{Pdl1Score, ScoreSystem};
use crate::domain::vocabulary_r3::{Cutoff, Tables};

pub(super) enum Pairing {
    Found(Box<Finding>),
    /// The current side has only scores in other systems.
    NotCompared,
    /// Compare by result, the ruleset-2 way (derived results included); with the current's
    /// unscored PD-L1 entries only when the opinion's entry is scored.
    ByResult {
        unscored_only: bool,
    },
}

/// Whether two systems are compared: the same, or TPS and TC in lung.
pub(super) fn comparable(a: ScoreSystem, b: ScoreSystem, site: Option<&str>) -> bool {
    a == b || (site == Some("C34") && a.is_tumour_cell() && b.is_tumour_cell())
}

/// The number of cut-offs the value reaches.
pub(super) fn band(value: f64, cutoffs: &[&Cutoff]) -> usize {
    cutoffs.iter().filter(|c| value >= c.value).count()
}

fn score_words(score: &Pdl1Score) -> String {
    let mut words = format!("{} {}", score.system.code(), number(score.value));
    if matches!(
        score.system,
        ScoreSystem::Tps | ScoreSystem::Tc | ScoreSystem::Ic | ScoreSystem::Tap
    ) {
        words.push_str(" %");
    }
    if let Some(assay) = &score.assay {
        words.push_str(&format!(" ({assay})"));
    }
    words
}

fn is_sp142(score: &Pdl1Score) -> bool {
    score
        .assay
        .as_deref()
        .is_some_and(|a| crate::domain::vocabulary::fold(a) == "sp142")
}

pub(super) fn compare(
    current: &[Marker],
    op: &Marker,
    cancer: &Cancer,
    verdict: &PlanVerdict,
    review: &mut ReviewReasons,
) -> Pairing {
    let site = cancer.site_category();
    let pdl1: Vec<&Marker> = current.iter().filter(|c| c.gene == op.gene).collect();
    let Some(op_score) = &op.source.score else {
        return Pairing::ByResult {
            unscored_only: false,
        };
    };
    let scored: Vec<(&Marker, &Pdl1Score)> = pdl1
        .iter()
        .filter_map(|c| c.source.score.as_ref().map(|s| (*c, s)))
        .collect();
    let same: Option<(&Marker, &Pdl1Score)> = scored
        .iter()
        .filter(|(_, s)| comparable(s.system, op_score.system, site))
        .min_by_key(|(_, s)| s.system != op_score.system)
        .copied();
    let Some((cur, cur_score)) = same else {
        let unscored = pdl1.iter().any(|c| c.source.score.is_none());
        if unscored || scored.is_empty() {
            return Pairing::ByResult {
                unscored_only: unscored,
            };
        }
        review.add(
            ReviewCode::Pdl1NotComparable,
            format!(
                "PD-L1 {} against {}: scores in systems that are not compared.",
                score_words(op_score),
                scored
                    .iter()
                    .map(|(_, s)| score_words(s))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
        return Pairing::NotCompared;
    };
    if cur_score.system.is_tumour_cell()
        && op_score.system.is_tumour_cell()
        && is_sp142(cur_score) != is_sp142(op_score)
    {
        review.add(
            ReviewCode::Pdl1AssayDiffers,
            format!(
                "PD-L1 {} against {}: SP142 stains fewer tumour cells than the other assays.",
                score_words(cur_score),
                score_words(op_score)
            ),
        );
    }
    let cutoffs = Tables::standard().cutoffs(site, op_score.system);
    let (cb, ob) = (
        band(cur_score.value, &cutoffs),
        band(op_score.value, &cutoffs),
    );
    let value = |m: &Marker| m.value();
    let finding = if cb == ob {
        let reached = if ob == 0 {
            format!("both below {}", number(cutoffs[0].value))
        } else {
            format!("both >= {}", number(cutoffs[ob - 1].value))
        };
        Finding::new(
            Dimension::Biomarkers,
            Change::Same,
            Severity::None,
            Some(value(cur)),
            Some(value(op)),
            format!(
                "PD-L1 {} vs {}, {reached}: the same band of label cut-offs.",
                score_words(cur_score),
                score_words(op_score)
            ),
        )
    } else {
        let (lo, hi) = (cb.min(ob), cb.max(ob));
        let crossed: Vec<String> = cutoffs[lo..hi]
            .iter()
            .map(|c| {
                format!(
                    "{} at {} ({}; {})",
                    c.behind,
                    number(c.value),
                    c.jurisdiction,
                    op_score.system.code()
                )
            })
            .collect();
        let major = verdict.plans_differ || verdict.opinion_gives_no_plan;
        let mut v = value(op);
        v["band"] = json!(ob);
        let mut cv = value(cur);
        cv["band"] = json!(cb);
        Finding::new(
            Dimension::Biomarkers,
            Change::Different,
            if major {
                Severity::Major
            } else {
                Severity::Minor
            },
            Some(cv),
            Some(v),
            format!(
                "PD-L1 {} vs {}: the second opinion's score is {} the cut-off where {} becomes an option{}.",
                score_words(cur_score),
                score_words(op_score),
                if ob > cb { "above" } else { "below" },
                crossed.join("; "),
                if major {
                    ""
                } else {
                    "; both plans give the same treatment"
                }
            ),
        )
    };
    let _ = compare_marker;
    Pairing::Found(Box::new(finding))
}

/// "CPS 5, below the breast cut-off of 10 (pembrolizumab + chemo, metastatic TNBC (KEYNOTE-355))".
pub(super) fn band_words(score: &Pdl1Score, site: Option<&str>) -> String {
    let cutoffs = Tables::standard().cutoffs(site, score.system);
    let reached = band(score.value, &cutoffs);
    let head = format!("{} {}", score.system.code(), number(score.value));
    match (
        reached.checked_sub(1).map(|i| cutoffs[i]),
        cutoffs.get(reached),
    ) {
        (_, Some(next)) => format!(
            "{head}, below the cut-off of {} ({})",
            number(next.value),
            next.behind
        ),
        (Some(last), None) => format!(
            "{head}, at or above the cut-off of {} ({})",
            number(last.value),
            last.behind
        ),
        (None, None) => head,
    }
}

/// Names the band of each scored entry beside a result compared by result (section 1: the band
/// is reported, never folded into the result).
pub(super) fn name_bands(finding: &mut Finding, markers: &[&Marker], cancer: &Cancer) {
    let bands: Vec<String> = markers
        .iter()
        .filter_map(|m| m.source.score.as_ref())
        .map(|s| band_words(s, cancer.site_category()))
        .collect();
    if bands.is_empty() {
        return;
    }
    let text = finding.explanation.trim_end_matches('.').to_string();
    finding.explanation = format!("{text} ({}).", bands.join("; "));
}
