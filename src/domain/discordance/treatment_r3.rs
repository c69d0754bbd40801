//! Ruleset 3 plan dimensions: line of therapy (section 3), radiotherapy target (section 7) and
//! observation after treatment (section 9).

use std::collections::BTreeSet;

use serde_json::json;

use super::phrases::{modality_name, schedule};
use super::plan::{Sides, radiotherapy_value};
use super::review::ReviewCode;
use super::{Cancer, Change, Dimension, Finding, ReviewReasons, Severity, TreatmentScope};
use crate::domain::picture::{Line, Modality, Plan, Radiotherapy, TargetExtent};

fn line_words(line: Line) -> &'static str {
    match line {
        Line::First => "first-line",
        Line::Second => "second-line",
        Line::ThirdOrLater => "third-line or later",
        Line::Maintenance => "maintenance",
    }
}

/// The line finding, and whether the opinion's line is later than the current's.
pub(super) fn line(
    sides: &Sides,
    current: &Plan,
    opinion: &Plan,
    treatment: &TreatmentScope,
    systemic_differs: bool,
) -> Option<(Finding, bool)> {
    let (cur, op) = (current.line?, opinion.line?);
    let in_scope = !matches!(treatment, TreatmentScope::None)
        && sides
            .current_modalities
            .contains(&Modality::SystemicTherapy)
        && sides
            .opinion_modalities
            .contains(&Modality::SystemicTherapy);
    if !in_scope {
        return None;
    }
    let value = |l: Line| json!({ "line": l.code() });
    if cur == op {
        return Some((
            Finding::same(
                Dimension::Line,
                value(cur),
                format!("Both plans are {} therapy.", line_words(cur)),
            ),
            false,
        ));
    }
    let label_only = matches!(
        (cur, op),
        (Line::First, Line::Maintenance) | (Line::Maintenance, Line::First)
    ) && sides.current_systemic.anticancer()
        == sides.opinion_systemic.anticancer();
    let major = systemic_differs && !label_only;
    let later = op.rank() > cur.rank();
    let mut explanation = format!(
        "The second opinion calls its plan {} therapy where the current plan is {}",
        line_words(op),
        line_words(cur)
    );
    if later {
        explanation
            .push_str(": it reads the disease as having progressed, a question for the scans");
    } else if label_only {
        explanation
            .push_str(", with the same medicines: maintenance is a phase of first-line therapy");
    }
    explanation.push('.');
    Some((
        Finding::new(
            Dimension::Line,
            Change::Different,
            if major {
                Severity::Major
            } else {
                Severity::Minor
            },
            Some(value(cur)),
            Some(value(op)),
            explanation,
        ),
        later,
    ))
}

/// Section 7: both plans state a target extent and they differ.
pub(super) fn target(
    current: &Radiotherapy,
    opinion: &Radiotherapy,
    cancer: &Cancer,
    review: &mut ReviewReasons,
) -> Option<Finding> {
    use TargetExtent::{Focal, PartialOrgan, WholeOrgan};
    let (cur, op) = (current.target_extent?, opinion.target_extent?);
    if cur == op {
        return None;
    }
    let words = |e: TargetExtent| match e {
        WholeOrgan => "the whole organ",
        PartialOrgan => "part of the organ",
        Focal => "a focal target",
    };
    let major = matches!((cur, op), (WholeOrgan, Focal) | (Focal, WholeOrgan));
    let mut explanation = format!(
        "The second opinion treats {} with {} instead of {} with {}",
        words(op),
        schedule(opinion.total_dose_gy, opinion.fractions),
        words(cur),
        schedule(current.total_dose_gy, current.fractions)
    );
    if major {
        explanation.push_str(": adding whole-organ to focal treatment changes outcomes (in brain metastases, N0574, Brown JAMA 2016: better intracranial control with whole-brain radiotherapy, but cognitive deterioration at 3 months in 91.7 % against 63.5 % with radiosurgery alone, and no better survival)");
    }
    let breast = cancer.site_category() == Some("C50")
        && matches!(
            (cur, op),
            (WholeOrgan, PartialOrgan) | (PartialOrgan, WholeOrgan)
        );
    if breast {
        explanation.push_str(": partial-breast radiotherapy was non-inferior for low-risk patients only (IMPORT LOW, Coles Lancet 2017)");
        review.add(
            ReviewCode::PartialBreastCriteria,
            format!(
                "Whole-breast ({}) against partial-breast radiotherapy ({}): check the partial-breast eligibility criteria.",
                if cur == WholeOrgan { schedule(current.total_dose_gy, current.fractions) } else { schedule(opinion.total_dose_gy, opinion.fractions) },
                if cur == PartialOrgan { schedule(current.total_dose_gy, current.fractions) } else { schedule(opinion.total_dose_gy, opinion.fractions) },
            ),
        );
    }
    explanation.push('.');
    Some(Finding::new(
        Dimension::Radiotherapy,
        Change::Different,
        if major {
            Severity::Major
        } else {
            Severity::Minor
        },
        Some(radiotherapy_value(current)),
        Some(radiotherapy_value(opinion)),
        explanation,
    ))
}

/// Section 9: watch and wait after treatment, judged when both plans treat and the opinion's
/// scope is the whole treatment or includes the replaced modality.
pub(super) fn watch_and_wait(
    current: &Plan,
    opinion: &Plan,
    treatment: &TreatmentScope,
    current_modalities: &BTreeSet<Modality>,
    opinion_modalities: &BTreeSet<Modality>,
) -> Option<Finding> {
    if current_modalities.is_empty() || opinion_modalities.is_empty() {
        return None;
    }
    let (cur, op) = (
        current.observation_after_treatment,
        opinion.observation_after_treatment,
    );
    let replaced = op.or(cur)?.replaces;
    let in_scope = match treatment {
        TreatmentScope::All => true,
        TreatmentScope::Only(set) => {
            set.contains(&replaced) || cur.is_some_and(|c| set.contains(&c.replaces))
        }
        TreatmentScope::None => false,
    };
    if !in_scope {
        return None;
    }
    let value =
        |r: Modality| json!({ "condition": "clinical_complete_response", "replaces": r.code() });
    let ww = "watch and wait (close follow-up instead of";
    Some(match (cur, op) {
        (None, Some(o)) => Finding::new(
            Dimension::ObservationAfterTreatment,
            Change::Added,
            Severity::Major,
            None,
            Some(value(o.replaces)),
            format!(
                "After the first treatments, the second opinion would {ww} {} if the response is clinically complete), giving {} only without a complete response or at regrowth (OPRA, Garcia-Aguilar JCO 2022: the organ was preserved in about half of patients).",
                modality_name(o.replaces),
                modality_name(o.replaces)
            ),
        ),
        (Some(c), None) => Finding::new(
            Dimension::ObservationAfterTreatment,
            Change::Removed,
            Severity::Major,
            Some(value(c.replaces)),
            None,
            format!(
                "The second opinion gives {} after the first treatments whatever the response, where the current plan would {ww} it) after a clinically complete response.",
                modality_name(c.replaces)
            ),
        ),
        (Some(c), Some(o)) if c.replaces == o.replaces => Finding::same(
            Dimension::ObservationAfterTreatment,
            value(c.replaces),
            format!(
                "Both would {ww} {}) after a clinically complete response.",
                modality_name(c.replaces)
            ),
        ),
        (Some(c), Some(o)) => Finding::new(
            Dimension::ObservationAfterTreatment,
            Change::Different,
            Severity::Minor,
            Some(value(c.replaces)),
            Some(value(o.replaces)),
            format!(
                "Both would watch and wait after a clinically complete response, the second opinion instead of {} and the current plan instead of {}.",
                modality_name(o.replaces),
                modality_name(c.replaces)
            ),
        ),
        (None, None) => return None,
    })
}
