//! The release gate (discordance.md, "10. Release gate"): which results a clinician must look
//! at before the patient may see them, and why, in the order the spec gives.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Classification, Outcome, Scenario};

/// Why a result is held for a clinician's review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClinicianReviewReason {
    /// The opinion contradicts the plan.
    Contradicts,
    /// The opinion changes the diagnosis.
    DiagnosisDiscordance,
    /// A change the patient was born with, which can concern the family.
    GermlineFinding,
    /// The engine itself could not compare something (`review_reasons` is not empty).
    ReviewReasons,
}

impl ClinicianReviewReason {
    pub fn code(self) -> &'static str {
        match self {
            ClinicianReviewReason::Contradicts => "contradicts",
            ClinicianReviewReason::DiagnosisDiscordance => "diagnosis_discordance",
            ClinicianReviewReason::GermlineFinding => "germline_finding",
            ClinicianReviewReason::ReviewReasons => "review_reasons",
        }
    }

    pub fn parse(code: &str) -> Option<ClinicianReviewReason> {
        [
            ClinicianReviewReason::Contradicts,
            ClinicianReviewReason::DiagnosisDiscordance,
            ClinicianReviewReason::GermlineFinding,
            ClinicianReviewReason::ReviewReasons,
        ]
        .into_iter()
        .find(|r| r.code() == code)
    }
}

/// The reasons a computed result is held, in the spec's order; empty when it may go straight
/// to the patient. Judged on the computed result: a clinician's override does not sign off.
pub fn clinician_review_reasons(computed: &Classification) -> Vec<ClinicianReviewReason> {
    let germline = computed
        .actions
        .iter()
        .any(|a| a.code() == "refer_to_genetic_counselling");
    [
        (
            ClinicianReviewReason::Contradicts,
            computed.outcome == Outcome::Contradicts,
        ),
        (
            ClinicianReviewReason::DiagnosisDiscordance,
            computed.scenarios.contains(&Scenario::DiagnosisDiscordance),
        ),
        (ClinicianReviewReason::GermlineFinding, germline),
        (
            ClinicianReviewReason::ReviewReasons,
            !computed.review_reasons.is_empty(),
        ),
    ]
    .into_iter()
    .filter_map(|(reason, applies)| applies.then_some(reason))
    .collect()
}

#[cfg(test)]
mod gate_tests {
    use super::*;
    use crate::domain::discordance::{Action, Urgency};

    fn result(outcome: Outcome, scenarios: Vec<Scenario>, review: Vec<String>) -> Classification {
        Classification {
            outcome,
            primary_scenario: scenarios
                .first()
                .copied()
                .unwrap_or(Scenario::DifferentTreatment),
            scenarios,
            actions: vec![Action::ProceedWithPlan],
            urgency: Urgency::Routine,
            findings: vec![],
            review_reasons: review,
            review_items: vec![],
            ruleset_version: "2".into(),
            explanation: String::new(),
        }
    }

    #[test]
    fn a_confirming_result_with_nothing_to_review_goes_straight_through() {
        assert!(clinician_review_reasons(&result(Outcome::Confirms, vec![], vec![])).is_empty());
    }

    #[test]
    fn reasons_come_in_the_spec_order() {
        let held = result(
            Outcome::Contradicts,
            vec![Scenario::DifferentTreatment, Scenario::DiagnosisDiscordance],
            vec!["stages in different systems".into()],
        );
        assert_eq!(
            clinician_review_reasons(&held),
            vec![
                ClinicianReviewReason::Contradicts,
                ClinicianReviewReason::DiagnosisDiscordance,
                ClinicianReviewReason::ReviewReasons
            ]
        );
    }

    #[test]
    fn a_refining_result_is_held_only_for_what_the_engine_could_not_compare() {
        let refines = result(Outcome::Refines, vec![Scenario::DifferentTreatment], vec![]);
        assert!(clinician_review_reasons(&refines).is_empty());
        let unsure = result(
            Outcome::Refines,
            vec![Scenario::DifferentTreatment],
            vec!["unknown drug".into()],
        );
        assert_eq!(
            clinician_review_reasons(&unsure),
            vec![ClinicianReviewReason::ReviewReasons]
        );
    }

    #[test]
    fn every_code_reads_back() {
        for r in [
            ClinicianReviewReason::Contradicts,
            ClinicianReviewReason::DiagnosisDiscordance,
            ClinicianReviewReason::GermlineFinding,
            ClinicianReviewReason::ReviewReasons,
        ] {
            assert_eq!(ClinicianReviewReason::parse(r.code()), Some(r));
            assert_eq!(serde_json::to_value(r).unwrap(), r.code());
        }
    }
}
