//! Ruleset 3, section 6: treatment length, schedule and dose intensity, compared only when
//! the anticancer drug sets are equal.

use std::collections::BTreeSet;

use super::review::ReviewCode;
use super::{Change, ClassificationInput, ReviewReasons, Severity};
use crate::domain::codes::StageGroup;
use crate::domain::picture::{Intent, SystemicTherapy};
use crate::domain::vocabulary::fold;

/// r = longer / shorter at or above which lengths differ.
const LENGTH_RATIO: f64 = 1.25;
/// r at or above which a curative plan's length difference is major.
const MAJOR_RATIO: f64 = 2.0;
/// Dose difference (percentage points) that counts, and the relative dose-intensity threshold.
const DOSE_POINTS: f64 = 10.0;
const DOSE_THRESHOLD: f64 = 85.0;

type Line = (BTreeSet<String>, SystemicTherapy);

/// The worst difference among the paired lines, `None` when none differs.
pub(super) fn compare(
    current: &[Line],
    opinion: &[Line],
    input: &ClassificationInput,
    review: &mut ReviewReasons,
) -> Option<(Change, Severity, String)> {
    let curative = input.opinion.plan.as_ref().and_then(|p| p.intent).or(input
        .current
        .plan
        .as_ref()
        .and_then(|p| p.intent))
        == Some(Intent::Curative);
    let once = |lines: &[Line], set: &BTreeSet<String>| {
        lines.iter().filter(|(s, _)| s == set).count() == 1
    };
    let mut worst: Option<(Change, Severity, String)> = None;
    for (set, cur) in current {
        if set.is_empty() || !once(current, set) || !once(opinion, set) {
            continue;
        }
        let op = &opinion.iter().find(|(s, _)| s == set).expect("paired").1;
        let names = set.iter().cloned().collect::<Vec<_>>().join(", ");
        for found in pair(&names, set, cur, op, curative, input, review) {
            let rank = |f: &(Change, Severity, String)| (f.0 == Change::Different, f.1);
            if worst.as_ref().is_none_or(|w| rank(&found) > rank(w)) {
                worst = Some(found);
            }
        }
    }
    worst
}

fn length_words(line: &SystemicTherapy) -> String {
    match (line.cycles, line.cycle_length_days, line.duration_months) {
        (Some(c), Some(d), _) => format!("{c} cycles of {d} days"),
        (Some(c), None, _) => format!("{c} cycles"),
        (None, _, Some(m)) => format!("{} months", super::phrases::number(m)),
        _ => "an unstated length".into(),
    }
}

fn days(line: &SystemicTherapy) -> Option<f64> {
    match (line.cycles, line.cycle_length_days, line.duration_months) {
        (Some(c), Some(d), _) => Some((c * d) as f64),
        (None, _, Some(m)) => Some(m * 30.0),
        _ => None,
    }
}

/// Low-risk stage III colon cancer (IDEA): colon C18-C19, the current stage (else the
/// opinion's) in group III with T stated and not T4, and N1.
fn idea_low_risk(input: &ClassificationInput) -> bool {
    let site = [&input.current, &input.opinion]
        .iter()
        .find_map(|p| p.diagnosis.as_ref()?.primary_site.clone());
    let colon = site.is_some_and(|s| s.starts_with("C18") || s.starts_with("C19"));
    let stage = [&input.current, &input.opinion]
        .iter()
        .find_map(|p| p.diagnosis.as_ref()?.stage.clone());
    let Some(stage) = stage else { return false };
    let group_iii = stage
        .group
        .as_deref()
        .and_then(StageGroup::parse)
        .is_some_and(|g| g.numeral == 3);
    let core = |v: &Option<String>| {
        v.as_deref().map(|t| {
            fold(t)
                .trim_start_matches(['c', 'p', 'y', 'r', 'a'])
                .to_string()
        })
    };
    let t_ok = core(&stage.t)
        .is_some_and(|t| t.starts_with('t') && !t.starts_with("t4") && !t.starts_with("tx"));
    let n1 = core(&stage.n).is_some_and(|n| n.starts_with("n1"));
    colon && group_iii && t_ok && n1
}

fn pair(
    names: &str,
    set: &BTreeSet<String>,
    cur: &SystemicTherapy,
    op: &SystemicTherapy,
    curative: bool,
    input: &ClassificationInput,
    review: &mut ReviewReasons,
) -> Vec<(Change, Severity, String)> {
    let mut found = Vec::new();
    let (cw, ow) = (length_words(cur), length_words(op));
    // Length.
    let schedule_differs =
        matches!((cur.cycle_length_days, op.cycle_length_days), (Some(a), Some(b)) if a != b);
    let lengths: Option<(f64, f64)> = match (cur.cycles, op.cycles) {
        (Some(a), Some(b)) if !schedule_differs => Some((a as f64, b as f64)),
        _ => match (days(cur), days(op)) {
            (Some(a), Some(b)) => Some((a, b)),
            _ => {
                let states =
                    |l: &SystemicTherapy| l.cycles.is_some() || l.duration_months.is_some();
                if states(cur) && states(op) {
                    review.add(
                        ReviewCode::TreatmentLengthNotComparable,
                        format!("The length of {names} is given as {cw} against {ow}: units that cannot be converted, so the lengths were not compared."),
                    );
                }
                None
            }
        },
    };
    if let Some((a, b)) = lengths
        && a > 0.0
        && b > 0.0
    {
        let r = a.max(b) / a.min(b);
        let doublet =
            |drugs: &[&str]| set.len() == drugs.len() && drugs.iter().all(|d| set.contains(*d));
        let months = |l: &SystemicTherapy, cycles: i64, len: i64| {
            l.cycles == Some(cycles) && l.cycle_length_days.is_none_or(|d| d == len)
        };
        let three_six = |short: i64, long: i64, len: i64| {
            let by_cycles = (months(cur, short, len) && months(op, long, len))
                || (months(cur, long, len) && months(op, short, len));
            let by_months = matches!((cur.duration_months, op.duration_months), (Some(x), Some(y)) if (x == 3.0 && y == 6.0) || (x == 6.0 && y == 3.0));
            by_cycles || by_months
        };
        let idea = idea_low_risk(input);
        if idea && doublet(&["capecitabine", "oxaliplatin"]) && three_six(4, 8, 21) {
            found.push((
                Change::EquivalentAlternative,
                Severity::Minor,
                format!("{names} for {ow} instead of {cw}: in low-risk stage III colon cancer 3 months of CAPOX was non-inferior to 6 (IDEA, Grothey NEJM 2018; ASCO, Lieu JCO 2019)"),
            ));
        } else if idea && doublet(&["fluorouracil", "oxaliplatin"]) && three_six(6, 12, 14) {
            found.push((
                Change::Different,
                Severity::Minor,
                format!("{names} for {ow} instead of {cw}: in IDEA 3 months of FOLFOX was inferior overall (disease-free survival HR 1.16, 95 % CI 1.06-1.26) with far less neuropathy (grade >= 2: 16.6 vs 47.7 %), and in the low-risk group as a whole 3 months was non-inferior (HR 1.01, 0.90-1.12); ASCO allows 3 or 6 months"),
            ));
        } else if r >= LENGTH_RATIO {
            let major = r >= MAJOR_RATIO && curative;
            found.push((
                Change::Different,
                if major {
                    Severity::Major
                } else {
                    Severity::Minor
                },
                format!("{names} for {ow} instead of {cw} ({:.2} times as long)", r),
            ));
        } else if schedule_differs {
            found.push((
                Change::Different,
                Severity::Minor,
                format!("{names} on another schedule: {ow} instead of {cw}"),
            ));
        }
    }
    // Dose.
    if let (Some(a), Some(b)) = (cur.dose_percent, op.dose_percent)
        && (a - b).abs() >= DOSE_POINTS
    {
        let crosses = (a < DOSE_THRESHOLD) != (b < DOSE_THRESHOLD);
        let major = curative && crosses;
        found.push((
            Change::Different,
            if major {
                Severity::Major
            } else {
                Severity::Minor
            },
            format!(
                "{names} at {} % of the standard dose instead of {} %{}",
                super::phrases::number(b),
                super::phrases::number(a),
                if major {
                    ", across the conventional 85 % relative dose-intensity threshold"
                } else {
                    ""
                }
            ),
        ));
    }
    found
}
