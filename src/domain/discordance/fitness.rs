//! Ruleset 3, section 4: performance status (a diagnosis dimension) and the fitness flag
//! against an intensive plan.

use std::collections::BTreeSet;

use serde_json::json;

use super::review::ReviewCode;
use super::{
    Cancer, Change, ClassificationInput, Dimension, Finding, PlanVerdict, ReviewReasons, Scope,
    Severity, TreatmentScope,
};
use crate::domain::picture::{Intent, PerformanceScale, PerformanceStatus, Plan};
use crate::domain::vocabulary::{RegimenMeaning, Vocabulary};
use crate::domain::vocabulary_r3::Tables;

/// Fit: ECOG 0-2 or Karnofsky >= 60.
pub fn fit(ps: PerformanceStatus) -> bool {
    match ps.scale {
        PerformanceScale::Ecog => ps.value <= 2,
        PerformanceScale::Karnofsky => ps.value >= 60,
    }
}

/// The row of the commonly printed side-by-side table (display and cross-scale comparison only).
pub(super) fn row(ps: PerformanceStatus) -> i64 {
    match ps.scale {
        PerformanceScale::Ecog => ps.value,
        PerformanceScale::Karnofsky => match ps.value {
            90..=100 => 0,
            70..=80 => 1,
            50..=60 => 2,
            30..=40 => 3,
            _ => 4,
        },
    }
}

/// 0: no flag; 1: ECOG >= 2 (Karnofsky <= 60); 2: ECOG >= 3 (Karnofsky <= 50).
pub(super) fn tier(ps: PerformanceStatus) -> u8 {
    match ps.scale {
        PerformanceScale::Ecog if ps.value >= 3 => 2,
        PerformanceScale::Ecog if ps.value >= 2 => 1,
        PerformanceScale::Karnofsky if ps.value <= 50 => 2,
        PerformanceScale::Karnofsky if ps.value <= 60 => 1,
        _ => 0,
    }
}

pub(super) fn words(ps: PerformanceStatus) -> String {
    match ps.scale {
        PerformanceScale::Ecog => format!("ECOG {}", ps.value),
        PerformanceScale::Karnofsky => format!("Karnofsky {}", ps.value),
    }
}

fn value(ps: PerformanceStatus) -> serde_json::Value {
    json!({ "scale": ps.scale, "value": ps.value, "fit": fit(ps) })
}

pub(super) fn performance_status(
    input: &ClassificationInput,
    scope: &Scope,
    verdict: &PlanVerdict,
) -> Option<Finding> {
    if !scope.performance_status {
        return None;
    }
    let (cur, op) = (
        input.current.performance_status?,
        input.opinion.performance_status?,
    );
    let same = if cur.scale == op.scale {
        cur.value == op.value
    } else {
        row(cur) == row(op) && fit(cur) == fit(op)
    };
    if same {
        return Some(Finding::new(
            Dimension::PerformanceStatus,
            Change::Same,
            Severity::None,
            Some(value(cur)),
            Some(value(op)),
            format!(
                "Both describe how much the patient can do day to day alike ({} and {}).",
                words(cur),
                words(op)
            ),
        ));
    }
    let split = fit(cur) != fit(op);
    let major = split && (verdict.plans_differ || verdict.opinion_gives_no_plan);
    let fitness = |ps| {
        if fit(ps) {
            "fit for most treatments"
        } else {
            "too unwell for most anticancer treatment"
        }
    };
    Some(Finding::new(
        Dimension::PerformanceStatus,
        Change::Different,
        if major {
            Severity::Major
        } else {
            Severity::Minor
        },
        Some(value(cur)),
        Some(value(op)),
        format!(
            "The second opinion rates how much the patient can do day to day as {} ({}) where the current picture says {} ({}).",
            words(op),
            fitness(op),
            words(cur),
            fitness(cur)
        ),
    ))
}

/// The plan's anticancer drugs with their ATC codes (unknown names left out).
fn drugs(plan: &Plan, cancer: &Cancer, vocab: &Vocabulary) -> BTreeSet<(String, Option<String>)> {
    let mut out = BTreeSet::new();
    let mut add = |name: &str| {
        if let Some(d) = vocab.drug(name)
            && d.is_anticancer(cancer.haematologic)
        {
            out.insert((d.name.clone(), d.atc.clone()));
        }
    };
    for line in plan.systemic_therapy.iter().flatten() {
        for written in line.regimen.iter().chain(line.drugs.iter().flatten()) {
            match vocab.regimen(written, cancer.site_category()) {
                Some(RegimenMeaning::Drugs { drugs, .. }) if vocab.drug(written).is_none() => {
                    for d in drugs {
                        add(d);
                    }
                }
                _ => add(written),
            }
        }
    }
    out
}

/// What makes a plan intensive for a tier, in words; `None` when it is not.
fn intensive(plan: &Plan, tier: u8, cancer: &Cancer, vocab: &Vocabulary) -> Option<String> {
    let tables = Tables::standard();
    let cytotoxic: Vec<String> = drugs(plan, cancer, vocab)
        .into_iter()
        .filter(|(_, atc)| tables.is_cytotoxic(atc.as_deref()))
        .map(|(n, _)| n)
        .collect();
    if plan.transplant.is_some() {
        return Some("a stem cell transplant".into());
    }
    if plan.cellular_therapy.is_some() {
        return Some("a cellular therapy (tested at ECOG 0-1, e.g. ZUMA-1)".into());
    }
    if cytotoxic.len() >= 3 {
        return Some(format!(
            "three or more chemotherapy drugs ({}; tested at ECOG 0-1, e.g. PRODIGE 4)",
            cytotoxic.join(", ")
        ));
    }
    if tier < 2 {
        return None;
    }
    if cytotoxic.len() == 2 {
        return Some(format!("a chemotherapy doublet ({})", cytotoxic.join(", ")));
    }
    if plan.radiotherapy.is_some() && !cytotoxic.is_empty() {
        return Some(format!(
            "chemoradiotherapy (radiotherapy with {})",
            cytotoxic.join(", ")
        ));
    }
    if plan.intent == Some(Intent::Curative)
        && let Some(surgery) = &plan.surgery
        && let Some(p) = vocab.procedure(&surgery.procedure)
        && tables.is_major_surgery(&p.organ, &p.extent)
    {
        return Some(format!("curative major surgery ({})", p.name));
    }
    None
}

/// The fitness flag: the worst status against the current plan and the opinion's (when its
/// scope includes treatment). Adds the review reason; the caller adds the action.
pub(super) fn flag(
    input: &ClassificationInput,
    scope: &Scope,
    cancer: &Cancer,
    vocab: &Vocabulary,
    review: &mut ReviewReasons,
) -> bool {
    let statuses: Vec<PerformanceStatus> = input
        .current
        .performance_status
        .into_iter()
        .chain(
            input
                .opinion
                .performance_status
                .filter(|_| scope.performance_status),
        )
        .collect();
    let Some(worst) = statuses.into_iter().max_by_key(|ps| (tier(*ps), row(*ps))) else {
        return false;
    };
    let t = tier(worst);
    if t == 0 {
        return false;
    }
    let mut hits = Vec::new();
    if let Some(plan) = &input.current.plan
        && let Some(what) = intensive(plan, t, cancer, vocab)
    {
        hits.push(format!("the current plan gives {what}"));
    }
    if !matches!(scope.treatment, TreatmentScope::None)
        && let Some(plan) = &input.opinion.plan
        && let Some(what) = intensive(plan, t, cancer, vocab)
    {
        hits.push(format!("the second opinion gives {what}"));
    }
    if hits.is_empty() {
        return false;
    }
    review.add(
        ReviewCode::PerformanceStatusVsIntensivePlan,
        format!(
            "Performance status {} against an intensive plan: {}. Check fitness for treatment first.",
            words(worst),
            hits.join("; ")
        ),
    );
    true
}
