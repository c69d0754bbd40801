//! From findings to outcome, scenarios, actions and urgency.

use chrono::NaiveDate;

use super::{
    Action, ClassificationInput, Dimension, Finding, Outcome, PlanVerdict, Scenario, Scope,
    Severity, TreatmentStatus, Urgency,
};

/// Ruleset-3 facts beyond the findings that add actions.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Extra {
    /// Section 4: the worst performance status against an intensive plan.
    pub fitness: bool,
    /// Section 3: the opinion's line is later than the current's.
    pub later_line: bool,
    /// Section 5: refer_to_genetic_counselling and discuss_germline_treatment_implications.
    pub germline: super::germline::GermlineActions,
}

impl Extra {
    /// The same facts, read back from a computed result (for overrides).
    pub fn of_computed(computed: &super::Classification) -> Extra {
        let later_line = computed.findings.iter().any(|f| {
            let rank = |v: &Option<serde_json::Value>| {
                v.as_ref()
                    .and_then(|v| v.get("line"))
                    .and_then(|l| {
                        serde_json::from_value::<crate::domain::picture::Line>(l.clone()).ok()
                    })
                    .map(crate::domain::picture::Line::rank)
            };
            f.dimension == Dimension::Line && rank(&f.opinion) > rank(&f.current)
        });
        Extra {
            fitness: computed
                .actions
                .contains(&Action::AssessFitnessForTreatment),
            later_line,
            germline: super::germline::actions(&computed.findings),
        }
    }
}

pub(super) struct Conclusion {
    pub outcome: Outcome,
    pub scenarios: Vec<Scenario>,
    pub actions: Vec<Action>,
    pub urgency: Urgency,
    pub explanation: String,
}

/// Days before the next irreversible step within which a difference is urgent.
const URGENT_WITHIN_DAYS: i64 = 14;

pub(super) fn conclude(
    findings: &[Finding],
    scope: &Scope,
    verdict: &PlanVerdict,
    input: &ClassificationInput,
    as_of: NaiveDate,
    extra: &Extra,
) -> Conclusion {
    let outcome = if findings.iter().any(Finding::is_major) {
        Outcome::Contradicts
    } else if findings.iter().any(Finding::differs) {
        Outcome::Refines
    } else {
        Outcome::Confirms
    };
    let completed = input.context.treatment_status == Some(TreatmentStatus::Completed);
    let scenarios = scenarios(findings, outcome, verdict);
    let actions = actions(findings, &scenarios, outcome, completed, input, extra);
    let urgency = urgency(findings, outcome, completed, input, as_of);
    let explanation = explain(findings, outcome, &scenarios, scope);
    Conclusion {
        outcome,
        scenarios,
        actions,
        urgency,
        explanation,
    }
}

fn differs_in(findings: &[Finding], dimensions: &[Dimension]) -> bool {
    findings
        .iter()
        .any(|f| f.differs() && dimensions.contains(&f.dimension))
}

fn scenarios(findings: &[Finding], outcome: Outcome, verdict: &PlanVerdict) -> Vec<Scenario> {
    use Dimension as D;
    let major_diagnosis = findings
        .iter()
        .any(|f| f.is_major() && f.dimension.is_diagnosis());
    let minor_diagnosis = findings
        .iter()
        .any(|f| f.severity == Severity::Minor && f.dimension.is_diagnosis());
    let applies = [
        (Scenario::DiagnosisDiscordance, major_diagnosis),
        (
            Scenario::ObservationVsTreatment,
            differs_in(findings, &[D::Observation, D::ObservationAfterTreatment]),
        ),
        (
            Scenario::GoalsOfCare,
            differs_in(findings, &[D::SupportiveCare]),
        ),
        (
            Scenario::ClinicalTrialNotOffered,
            differs_in(findings, &[D::ClinicalTrials]),
        ),
        (
            Scenario::DifferentTreatment,
            differs_in(
                findings,
                &[
                    D::Intent,
                    D::Sequence,
                    D::SystemicTherapy,
                    D::Radiotherapy,
                    D::Surgery,
                    D::Transplant,
                    D::CellularTherapy,
                    D::ModalitySwap,
                    D::Line,
                ],
            ),
        ),
        (
            Scenario::AdditionalTestsRecommended,
            differs_in(findings, &[D::Workup]),
        ),
        (
            Scenario::TreatmentAbroad,
            differs_in(findings, &[D::Location]),
        ),
        (Scenario::DiagnosisRefined, minor_diagnosis),
    ];
    if outcome == Outcome::Confirms {
        return vec![if verdict.whole_plan_reviewed {
            Scenario::ConfirmsPlan
        } else {
            Scenario::ConfirmsReviewedParts
        }];
    }
    applies
        .into_iter()
        .filter(|(_, on)| *on)
        .map(|(s, _)| s)
        .collect()
}

pub(super) fn actions(
    findings: &[Finding],
    scenarios: &[Scenario],
    outcome: Outcome,
    completed: bool,
    input: &ClassificationInput,
    extra: &Extra,
) -> Vec<Action> {
    let mut actions = Vec::new();
    let mut push = |a: Action| {
        if !actions.contains(&a) {
            actions.push(a);
        }
    };
    let major_in = |dims: &[Dimension]| {
        findings
            .iter()
            .any(|f| f.is_major() && dims.contains(&f.dimension))
    };
    let later_line = extra.later_line && !completed;
    if later_line && !scenarios.contains(&Scenario::DiagnosisDiscordance) {
        push(Action::RequestImagingReview);
    }
    for scenario in scenarios {
        match scenario {
            Scenario::ConfirmsPlan => push(Action::ProceedWithPlan),
            Scenario::ConfirmsReviewedParts => push(Action::PlanNotFullyReviewed),
            Scenario::DiagnosisDiscordance => {
                if major_in(&[
                    Dimension::Histology,
                    Dimension::Grade,
                    Dimension::PrimarySite,
                ]) {
                    push(Action::RequestTiebreakPathologyReview);
                }
                if major_in(&[Dimension::Stage]) || later_line {
                    push(Action::RequestImagingReview);
                }
                if major_in(&[Dimension::Biomarkers]) {
                    push(Action::RepeatBiomarkerTest);
                }
                if major_in(&[Dimension::Germline]) {
                    push(Action::RepeatGermlineTest);
                }
                if major_in(&[Dimension::PerformanceStatus]) {
                    push(Action::ReassessPerformanceStatus);
                }
            }
            Scenario::ObservationVsTreatment => {
                if differs_in(findings, &[Dimension::Observation]) {
                    push(Action::DiscussObservationVsTreatment);
                }
                if differs_in(findings, &[Dimension::ObservationAfterTreatment]) {
                    push(Action::DiscussWatchAndWait);
                }
            }
            Scenario::GoalsOfCare => push(Action::DiscussGoalsOfCare),
            Scenario::ClinicalTrialNotOffered => {
                push(Action::CheckTrialEligibility);
                if trial_abroad(findings, input) {
                    push(Action::ReferToEnrollingCentre);
                }
            }
            Scenario::DifferentTreatment => {
                push(if completed {
                    Action::ForInformationNoAction
                } else {
                    Action::DiscussEvidenceForAlternative
                });
                if !completed && differs_in(findings, &[Dimension::Line]) {
                    push(Action::ReviewPriorTreatment);
                }
            }
            Scenario::AdditionalTestsRecommended => push(Action::AskAboutRecommendedTests),
            Scenario::TreatmentAbroad => push(Action::AskOncologistToCoordinateAbroad),
            Scenario::DiagnosisRefined => push(Action::DiscussNewFinding),
        }
    }
    if extra.germline.counselling {
        push(Action::ReferToGeneticCounselling);
    }
    if extra.germline.implications {
        push(Action::DiscussGermlineTreatmentImplications);
    }
    if extra.fitness {
        push(Action::AssessFitnessForTreatment);
    }
    if outcome == Outcome::Contradicts && !completed {
        push(Action::ConsiderThirdOpinion);
    }
    actions
}

/// A newly named trial enrols in another country than where the current plan is delivered
/// (else the patient's country).
fn trial_abroad(findings: &[Finding], input: &ClassificationInput) -> bool {
    let home = input
        .current
        .plan
        .as_ref()
        .and_then(|p| p.location.as_ref())
        .and_then(|l| l.country.as_deref())
        .or(input.context.patient_country.as_deref());
    let Some(home) = home else { return false };
    findings
        .iter()
        .filter(|f| f.dimension == Dimension::ClinicalTrials && f.differs())
        .filter_map(|f| f.opinion.as_ref()?.get("trials")?.as_array())
        .flatten()
        .filter_map(|t| t.get("country")?.as_str())
        .any(|country| country != home)
}

fn urgency(
    findings: &[Finding],
    outcome: Outcome,
    completed: bool,
    input: &ClassificationInput,
    as_of: NaiveDate,
) -> Urgency {
    let major_diagnosis = findings
        .iter()
        .any(|f| f.is_major() && f.dimension.is_diagnosis());
    if outcome == Outcome::Confirms || (completed && !major_diagnosis) {
        return Urgency::Routine;
    }
    let step_close = input
        .context
        .next_irreversible_step
        .as_ref()
        .and_then(|s| s.date)
        .is_some_and(|date| (date - as_of).num_days() <= URGENT_WITHIN_DAYS);
    let plan_differs = findings.iter().any(|f| {
        f.differs()
            && (f.dimension.is_plan_choice()
                || matches!(f.dimension, Dimension::Workup | Dimension::ClinicalTrials))
    });
    let matters = findings.iter().any(Finding::is_major) || plan_differs;
    if !completed && step_close && matters {
        Urgency::Urgent
    } else {
        Urgency::BeforeNextDecision
    }
}

fn explain(
    findings: &[Finding],
    outcome: Outcome,
    scenarios: &[Scenario],
    scope: &Scope,
) -> String {
    match outcome {
        Outcome::Confirms if scenarios.first() == Some(&Scenario::ConfirmsPlan) => {
            "The second opinion confirms the current diagnosis and plan as far as it states them."
                .into()
        }
        Outcome::Confirms => format!(
            "The second opinion agrees with what it reviewed ({}) and did not review the rest of the plan.",
            super::phrases::list(&scope.reviewed_parts())
        ),
        Outcome::Refines | Outcome::Contradicts => {
            let verb = if outcome == Outcome::Contradicts {
                "contradicts"
            } else {
                "refines"
            };
            // Major differences first, then minor, each in contract order.
            let mut differing: Vec<&Finding> = findings.iter().filter(|f| f.differs()).collect();
            differing.sort_by_key(|f| (std::cmp::Reverse(f.severity), f.dimension));
            let what: Vec<String> = differing
                .iter()
                .map(|f| f.explanation.trim_end_matches('.').to_string())
                .collect();
            format!(
                "The second opinion {verb} the current plan: {}.",
                what.join("; ")
            )
        }
    }
}
