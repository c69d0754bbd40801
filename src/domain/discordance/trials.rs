//! Ruleset 3, section 8: trial requirements read against the tested markers of both pictures.

use super::ReviewReasons;
use super::diagnosis::{Marker, resolve};
use super::review::ReviewCode;
use super::{Cancer, ClassificationInput};
use crate::domain::picture::{BiomarkerOrigin, ClinicalTrial, RequiredBiomarker, RequiredResult};
use crate::domain::vocabulary::{ResultClass, Vocabulary, fold};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Reading {
    Untested,
    Met,
    NotMet,
}

fn is_low(class: &ResultClass) -> bool {
    matches!(class, ResultClass::Other(t) if ["low", "1+", "2+"].contains(&t.as_str()))
}

fn untested_class(class: &ResultClass) -> bool {
    matches!(class, ResultClass::Other(t) if t == "equivocal" || t == "uncertain significance" || t == "vus")
}

/// One relevant result read against the requirement.
pub(super) fn read(marker: &Marker, required: &RequiredBiomarker, site: Option<&str>) -> Reading {
    use ResultClass::{Negative, Positive};
    if untested_class(&marker.class) {
        return Reading::Untested;
    }
    if let Some(min) = &required.min_score {
        if marker.class == Negative && marker.source.score.is_none() {
            return Reading::NotMet;
        }
        return match &marker.source.score {
            Some(s) if super::pdl1::comparable(s.system, min.system, site) => {
                if s.value >= min.value {
                    Reading::Met
                } else {
                    Reading::NotMet
                }
            }
            _ if marker.class == Negative => Reading::NotMet,
            _ => Reading::Untested,
        };
    }
    let wanted = required.variant.as_deref().map(fold);
    let variant_reading = || match (&wanted, &marker.variant) {
        (None, _) => None,
        (Some(w), Some(v)) if w == v => None,
        (Some(_), Some(_)) => Some(Reading::NotMet),
        (Some(_), None) => Some(Reading::Untested),
    };
    match required.result.unwrap_or(RequiredResult::Positive) {
        RequiredResult::Positive => match &marker.class {
            Positive => variant_reading().unwrap_or(Reading::Met),
            Negative => match (&wanted, &marker.variant) {
                (Some(w), Some(v)) if w != v => Reading::Untested,
                _ => Reading::NotMet,
            },
            _ => Reading::NotMet,
        },
        RequiredResult::Negative => match &marker.class {
            Negative => match (&wanted, &marker.variant) {
                (Some(w), Some(v)) if w != v => Reading::Untested,
                _ => Reading::Met,
            },
            Positive => match variant_reading() {
                Some(Reading::NotMet) => Reading::Untested,
                Some(r) => r,
                None => Reading::NotMet,
            },
            _ => Reading::NotMet,
        },
        RequiredResult::Low => {
            if is_low(&marker.class) {
                Reading::Met
            } else {
                Reading::NotMet
            }
        }
    }
}

fn requirement_words(r: &RequiredBiomarker) -> String {
    let mut words = r.name.trim().to_string();
    if let Some(v) = &r.variant {
        words.push_str(&format!(" {v}"));
    }
    match r.result.unwrap_or(RequiredResult::Positive) {
        RequiredResult::Positive => words.push_str(" positive"),
        RequiredResult::Negative => words.push_str(" negative"),
        RequiredResult::Low => words.push_str(" low"),
    }
    if let Some(m) = &r.min_score {
        words.push_str(&format!(
            " ({} >= {})",
            m.system.code(),
            super::phrases::number(m.value)
        ));
    }
    if r.origin == Some(BiomarkerOrigin::Germline) {
        words.push_str(" (germline)");
    }
    words
}

/// Adds `trial_biomarker_not_met` or `trial_biomarker_untested` for every trial of either plan
/// that states a requirement, whatever the scope.
pub(super) fn check(
    input: &ClassificationInput,
    cancer: &Cancer,
    vocab: &Vocabulary,
    review: &mut ReviewReasons,
) {
    let trials: Vec<&ClinicalTrial> = [&input.current, &input.opinion]
        .iter()
        .filter_map(|p| p.plan.as_ref()?.clinical_trials.as_ref())
        .flatten()
        .collect();
    let biomarkers: Vec<_> = [&input.current, &input.opinion]
        .iter()
        .filter_map(|p| p.diagnosis.as_ref()?.biomarkers.as_ref())
        .flatten()
        .collect();
    let mut scratch = ReviewReasons::default();
    let markers: Vec<Marker> = biomarkers
        .iter()
        .map(|b| resolve(b, cancer, vocab, &mut scratch))
        .collect();
    for trial in trials {
        let Some(required) = &trial.required_biomarker else {
            continue;
        };
        let gene = vocab
            .gene(&required.name, required.variant.is_some())
            .map(str::to_string)
            .unwrap_or_else(|| required.name.trim().to_uppercase());
        let relevant: Vec<&Marker> = markers
            .iter()
            .filter(|m| m.gene == gene)
            .filter(|m| match required.origin {
                Some(BiomarkerOrigin::Germline) => {
                    m.source.origin == Some(BiomarkerOrigin::Germline)
                }
                Some(BiomarkerOrigin::Somatic) => {
                    m.source.origin != Some(BiomarkerOrigin::Germline)
                }
                None => true,
            })
            .collect();
        let need = requirement_words(required);
        if relevant.is_empty() {
            review.add(
                ReviewCode::TrialBiomarkerUntested,
                format!(
                    "Trial {} requires {need}: no such result is reported.",
                    trial.registry_id
                ),
            );
            continue;
        }
        let readings: Vec<(Reading, String)> = relevant
            .iter()
            .map(|m| (read(m, required, cancer.site_category()), m.words()))
            .collect();
        let not_met: Vec<&String> = readings
            .iter()
            .filter(|(r, _)| *r == Reading::NotMet)
            .map(|(_, w)| w)
            .collect();
        if !not_met.is_empty() {
            review.add(
                ReviewCode::TrialBiomarkerNotMet,
                format!(
                    "Trial {} requires {need}, but the reported result ({}) does not meet it.",
                    trial.registry_id,
                    not_met
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        } else if !readings.iter().any(|(r, _)| *r == Reading::Met) {
            review.add(
                ReviewCode::TrialBiomarkerUntested,
                format!(
                    "Trial {} requires {need}: the reported result ({}) does not tell (e.g. variant not reported).",
                    trial.registry_id,
                    readings.iter().map(|(_, w)| w.as_str()).collect::<Vec<_>>().join(", ")
                ),
            );
        }
    }
}
