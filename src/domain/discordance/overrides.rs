//! A clinician's override of a computed assessment: the effective result drives actions,
//! tasks and summaries, while the computed one stays visible beside it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::outcome::actions;
use super::{Classification, ClassificationInput, Outcome, Scenario, TreatmentStatus, Urgency};
use crate::domain::validation::FieldError;

/// What a clinician changes: the outcome, the primary scenario, or both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Override {
    pub outcome: Option<Outcome>,
    pub primary_scenario: Option<Scenario>,
}

fn is_confirmation(s: Scenario) -> bool {
    matches!(s, Scenario::ConfirmsPlan | Scenario::ConfirmsReviewedParts)
}

/// The effective classification after `overrides` (later ones win, field by field).
pub fn apply_overrides(
    input: &ClassificationInput,
    computed: &Classification,
    overrides: &[Override],
) -> Result<Classification, Vec<FieldError>> {
    let mut outcome = computed.outcome;
    let mut primary = computed.primary_scenario;
    for o in overrides {
        if let Some(x) = o.outcome {
            outcome = x;
            // An outcome that no longer fits the scenario takes the scenario with it.
            if (x == Outcome::Confirms) != is_confirmation(primary) && o.primary_scenario.is_none()
            {
                primary = if x == Outcome::Confirms {
                    Scenario::ConfirmsReviewedParts
                } else {
                    computed
                        .scenarios
                        .iter()
                        .copied()
                        .find(|s| !is_confirmation(*s))
                        .unwrap_or(Scenario::DifferentTreatment)
                };
            }
        }
        if let Some(s) = o.primary_scenario {
            primary = s;
        }
    }
    if (outcome == Outcome::Confirms) != is_confirmation(primary) {
        return Err(vec![FieldError {
            field: "primary_scenario".into(),
            message: format!(
                "{} does not fit the outcome {}: a confirming outcome needs confirms_plan or confirms_reviewed_parts, and the other outcomes need another scenario",
                primary.code(),
                serde_json::to_value(outcome)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            ),
        }]);
    }
    let scenarios: Vec<Scenario> = if outcome == Outcome::Confirms {
        vec![primary]
    } else {
        std::iter::once(primary)
            .chain(
                computed
                    .scenarios
                    .iter()
                    .copied()
                    .filter(|s| !is_confirmation(*s) && *s != primary),
            )
            .collect()
    };
    let completed = input.context.treatment_status == Some(TreatmentStatus::Completed);
    let mut effective = computed.clone();
    let extra = super::outcome::Extra::of_computed(computed);
    effective.actions = actions(
        &computed.findings,
        &scenarios,
        outcome,
        completed,
        input,
        &extra,
    );
    if outcome == Outcome::Confirms {
        effective.urgency = Urgency::Routine;
    }
    effective.outcome = outcome;
    effective.primary_scenario = primary;
    effective.scenarios = scenarios;
    Ok(effective)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::discordance::{Action, classify, validate_input};
    use chrono::NaiveDate;
    use serde_json::json;

    fn colon() -> (ClassificationInput, Classification) {
        let input: ClassificationInput = serde_json::from_value(json!({
            "current": {"plan": {"systemic_therapy": [{"regimen": "FOLFOX"}], "surgery": {"procedure": "mastectomy"}}},
            "opinion": {"plan": {"systemic_therapy": [{"regimen": "FOLFOX"}], "surgery": {"procedure": "lumpectomy"}}},
            "context": {"treatment_status": "not_started"}
        }))
        .expect("input");
        let input = validate_input(input).expect("valid");
        let computed = classify(&input, NaiveDate::from_ymd_opt(2026, 11, 25).expect("date"));
        (input, computed)
    }

    #[test]
    fn overriding_the_outcome_changes_the_actions_it_drives() {
        let (input, computed) = colon();
        assert_eq!(computed.outcome, Outcome::Contradicts);
        assert!(computed.actions.contains(&Action::ConsiderThirdOpinion));
        let refined = apply_overrides(
            &input,
            &computed,
            &[Override {
                outcome: Some(Outcome::Refines),
                primary_scenario: None,
            }],
        )
        .expect("fits");
        assert_eq!(refined.outcome, Outcome::Refines);
        assert!(!refined.actions.contains(&Action::ConsiderThirdOpinion));
        assert_eq!(refined.findings, computed.findings);
        let confirmed = apply_overrides(
            &input,
            &computed,
            &[Override {
                outcome: Some(Outcome::Confirms),
                primary_scenario: Some(Scenario::ConfirmsPlan),
            }],
        )
        .expect("fits");
        assert_eq!(confirmed.actions, vec![Action::ProceedWithPlan]);
        assert_eq!(confirmed.urgency, Urgency::Routine);
    }

    #[test]
    fn a_scenario_that_does_not_fit_the_outcome_is_refused() {
        let (input, computed) = colon();
        let err = apply_overrides(
            &input,
            &computed,
            &[Override {
                outcome: None,
                primary_scenario: Some(Scenario::ConfirmsPlan),
            }],
        )
        .expect_err("misfit");
        assert_eq!(err[0].field, "primary_scenario");
    }
}
