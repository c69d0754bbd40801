//! Discordance classification (`discordance.md`): compares a second opinion's picture with the
//! current one and names how they differ. A pure function: same input, same output.

mod diagnosis;
mod drugs;
mod fitness;
mod gate;
mod germline;
mod length;
mod outcome;
mod overrides;
mod pdl1;
mod phrases;
mod plan;
mod review;
mod systemic;
mod treatment_r3;
mod trials;
mod validate;

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::codes::{Morphology, Site, parse_site};
use super::picture::{Modality, Picture, ScopeItem};
use super::vocabulary::Vocabulary;

pub use fitness::fit;
pub use gate::{ClinicianReviewReason, clinician_review_reasons};
pub use overrides::{Override, apply_overrides};
pub use review::{ReviewCode, ReviewItem};
pub use validate::validate_input;

/// Which rules classify: ruleset 3 is the default; ruleset 2 stays reachable (a reassessment
/// needs both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Ruleset {
    Two,
    #[default]
    Three,
}

impl Ruleset {
    pub fn is_three(self) -> bool {
        self == Ruleset::Three
    }
}

/// The body of `POST /v1/discordance/classify`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "current": {"diagnosis": {"primary_site": "C18.7", "histology": "8140/3"},
                "plan": {"intent": "curative", "systemic_therapy": [{"regimen": "FOLFOX"}]}},
    "opinion": {"diagnosis": {"primary_site": "C18.7", "histology": "8140/3"},
                "plan": {"intent": "curative", "systemic_therapy": [{"regimen": "CAPOX"}]}},
    "context": {"as_of": "2026-11-25", "treatment_status": "not_started", "patient_country": "IN"}
}))]
pub struct ClassificationInput {
    /// The treating team's diagnosis and plan.
    pub current: Picture,
    /// The second opinion's diagnosis and recommended plan.
    pub opinion: Picture,
    #[serde(default)]
    pub context: Context,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TreatmentStatus {
    NotStarted,
    InTreatment,
    Completed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    Surgery,
    Transplant,
    RadiotherapyPlanning,
    CellularTherapy,
    Other,
}

/// The next step that cannot be undone (surgery, transplant ...), and when it is planned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NextStep {
    pub kind: StepKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date, example = "2026-12-03")]
    pub date: Option<NaiveDate>,
}

/// Facts about the case that shape urgency and actions; all optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Context {
    /// The day urgency is computed for (default: today, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date, example = "2026-11-25")]
    pub as_of: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub treatment_status: Option<TreatmentStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_irreversible_step: Option<NextStep>,
    /// ISO 3166-1 alpha-2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "IN", pattern = "^[A-Z]{2}$")]
    pub patient_country: Option<String>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Histology,
    PrimarySite,
    Grade,
    Stage,
    Biomarkers,
    Germline,
    PerformanceStatus,
    Intent,
    Observation,
    ObservationAfterTreatment,
    SupportiveCare,
    Sequence,
    Line,
    ModalitySwap,
    SystemicTherapy,
    Radiotherapy,
    Surgery,
    Transplant,
    CellularTherapy,
    Workup,
    ClinicalTrials,
    Location,
}

impl Dimension {
    pub fn is_diagnosis(self) -> bool {
        matches!(
            self,
            Dimension::Histology
                | Dimension::PrimarySite
                | Dimension::Grade
                | Dimension::Stage
                | Dimension::Biomarkers
                | Dimension::Germline
                | Dimension::PerformanceStatus
        )
    }

    /// Dimensions whose difference means "the plans differ".
    pub fn is_plan_choice(self) -> bool {
        matches!(
            self,
            Dimension::Intent
                | Dimension::Observation
                | Dimension::ObservationAfterTreatment
                | Dimension::SupportiveCare
                | Dimension::Sequence
                | Dimension::Line
                | Dimension::ModalitySwap
                | Dimension::SystemicTherapy
                | Dimension::Radiotherapy
                | Dimension::Surgery
                | Dimension::Transplant
                | Dimension::CellularTherapy
        )
    }

    pub fn code(self) -> &'static str {
        match self {
            Dimension::Histology => "histology",
            Dimension::PrimarySite => "primary_site",
            Dimension::Grade => "grade",
            Dimension::Stage => "stage",
            Dimension::Biomarkers => "biomarkers",
            Dimension::Germline => "germline",
            Dimension::PerformanceStatus => "performance_status",
            Dimension::Intent => "intent",
            Dimension::Observation => "observation",
            Dimension::ObservationAfterTreatment => "observation_after_treatment",
            Dimension::SupportiveCare => "supportive_care",
            Dimension::Sequence => "sequence",
            Dimension::Line => "line",
            Dimension::ModalitySwap => "modality_swap",
            Dimension::SystemicTherapy => "systemic_therapy",
            Dimension::Radiotherapy => "radiotherapy",
            Dimension::Surgery => "surgery",
            Dimension::Transplant => "transplant",
            Dimension::CellularTherapy => "cellular_therapy",
            Dimension::Workup => "workup",
            Dimension::ClinicalTrials => "clinical_trials",
            Dimension::Location => "location",
        }
    }

    fn of_modality(modality: Modality) -> Dimension {
        match modality {
            Modality::SystemicTherapy => Dimension::SystemicTherapy,
            Modality::Radiotherapy => Dimension::Radiotherapy,
            Modality::Surgery => Dimension::Surgery,
            Modality::Transplant => Dimension::Transplant,
            Modality::CellularTherapy => Dimension::CellularTherapy,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Same,
    Refined,
    EquivalentAlternative,
    Different,
    Added,
    Removed,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    None,
    Minor,
    Major,
}

/// One dimension judged: both sides state it, or one side adds or drops it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Finding {
    pub dimension: Dimension,
    pub change: Change,
    pub severity: Severity,
    /// The normalised current value compared (absent when the opinion adds it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub current: Option<Value>,
    /// The normalised opinion value compared (absent when the opinion drops it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub opinion: Option<Value>,
    /// One plain-language sentence naming the actual values.
    pub explanation: String,
    /// Ruleset 3: a germline finding that concerns blood relatives too.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub family_implications: bool,
}

impl Finding {
    pub(crate) fn new(
        dimension: Dimension,
        change: Change,
        severity: Severity,
        current: Option<Value>,
        opinion: Option<Value>,
        explanation: String,
    ) -> Finding {
        Finding {
            dimension,
            change,
            severity,
            current,
            opinion,
            explanation,
            family_implications: false,
        }
    }

    /// A dimension both sides state identically.
    pub(crate) fn same(dimension: Dimension, value: Value, explanation: String) -> Finding {
        Finding::new(
            dimension,
            Change::Same,
            Severity::None,
            Some(value.clone()),
            Some(value),
            explanation,
        )
    }

    pub fn differs(&self) -> bool {
        self.change != Change::Same
    }

    pub fn is_major(&self) -> bool {
        self.severity == Severity::Major
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Confirms,
    Refines,
    Contradicts,
}

/// In order of precedence: the primary scenario is the first that applies.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    DiagnosisDiscordance,
    ObservationVsTreatment,
    GoalsOfCare,
    ClinicalTrialNotOffered,
    DifferentTreatment,
    AdditionalTestsRecommended,
    TreatmentAbroad,
    DiagnosisRefined,
    ConfirmsPlan,
    ConfirmsReviewedParts,
}

impl Scenario {
    pub fn code(self) -> &'static str {
        match self {
            Scenario::DiagnosisDiscordance => "diagnosis_discordance",
            Scenario::ObservationVsTreatment => "observation_vs_treatment",
            Scenario::GoalsOfCare => "goals_of_care",
            Scenario::ClinicalTrialNotOffered => "clinical_trial_not_offered",
            Scenario::DifferentTreatment => "different_treatment",
            Scenario::AdditionalTestsRecommended => "additional_tests_recommended",
            Scenario::TreatmentAbroad => "treatment_abroad",
            Scenario::DiagnosisRefined => "diagnosis_refined",
            Scenario::ConfirmsPlan => "confirms_plan",
            Scenario::ConfirmsReviewedParts => "confirms_reviewed_parts",
        }
    }
}

/// Stable action codes that follow from the scenarios.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    ProceedWithPlan,
    PlanNotFullyReviewed,
    RequestTiebreakPathologyReview,
    RequestImagingReview,
    RepeatBiomarkerTest,
    DiscussObservationVsTreatment,
    DiscussGoalsOfCare,
    CheckTrialEligibility,
    ReferToEnrollingCentre,
    DiscussEvidenceForAlternative,
    ForInformationNoAction,
    AskAboutRecommendedTests,
    AskOncologistToCoordinateAbroad,
    DiscussNewFinding,
    ConsiderThirdOpinion,
    RepeatGermlineTest,
    ReassessPerformanceStatus,
    DiscussWatchAndWait,
    ReviewPriorTreatment,
    ReferToGeneticCounselling,
    DiscussGermlineTreatmentImplications,
    AssessFitnessForTreatment,
}

impl Action {
    pub const ALL: [Action; 22] = [
        Action::ProceedWithPlan,
        Action::PlanNotFullyReviewed,
        Action::RequestTiebreakPathologyReview,
        Action::RequestImagingReview,
        Action::RepeatBiomarkerTest,
        Action::DiscussObservationVsTreatment,
        Action::DiscussGoalsOfCare,
        Action::CheckTrialEligibility,
        Action::ReferToEnrollingCentre,
        Action::DiscussEvidenceForAlternative,
        Action::ForInformationNoAction,
        Action::AskAboutRecommendedTests,
        Action::AskOncologistToCoordinateAbroad,
        Action::DiscussNewFinding,
        Action::ConsiderThirdOpinion,
        Action::RepeatGermlineTest,
        Action::ReassessPerformanceStatus,
        Action::DiscussWatchAndWait,
        Action::ReviewPriorTreatment,
        Action::ReferToGeneticCounselling,
        Action::DiscussGermlineTreatmentImplications,
        Action::AssessFitnessForTreatment,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Action::ProceedWithPlan => "proceed_with_plan",
            Action::PlanNotFullyReviewed => "plan_not_fully_reviewed",
            Action::RequestTiebreakPathologyReview => "request_tiebreak_pathology_review",
            Action::RequestImagingReview => "request_imaging_review",
            Action::RepeatBiomarkerTest => "repeat_biomarker_test",
            Action::DiscussObservationVsTreatment => "discuss_observation_vs_treatment",
            Action::DiscussGoalsOfCare => "discuss_goals_of_care",
            Action::CheckTrialEligibility => "check_trial_eligibility",
            Action::ReferToEnrollingCentre => "refer_to_enrolling_centre",
            Action::DiscussEvidenceForAlternative => "discuss_evidence_for_alternative",
            Action::ForInformationNoAction => "for_information_no_action",
            Action::AskAboutRecommendedTests => "ask_about_recommended_tests",
            Action::AskOncologistToCoordinateAbroad => "ask_oncologist_to_coordinate_abroad",
            Action::DiscussNewFinding => "discuss_new_finding",
            Action::ConsiderThirdOpinion => "consider_third_opinion",
            Action::RepeatGermlineTest => "repeat_germline_test",
            Action::ReassessPerformanceStatus => "reassess_performance_status",
            Action::DiscussWatchAndWait => "discuss_watch_and_wait",
            Action::ReviewPriorTreatment => "review_prior_treatment",
            Action::ReferToGeneticCounselling => "refer_to_genetic_counselling",
            Action::DiscussGermlineTreatmentImplications => {
                "discuss_germline_treatment_implications"
            }
            Action::AssessFitnessForTreatment => "assess_fitness_for_treatment",
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    Routine,
    BeforeNextDecision,
    Urgent,
}

/// The classification result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Classification {
    pub outcome: Outcome,
    pub primary_scenario: Scenario,
    pub scenarios: Vec<Scenario>,
    pub actions: Vec<Action>,
    pub urgency: Urgency,
    pub findings: Vec<Finding>,
    /// What a clinician should look at before the patient sees the result.
    pub review_reasons: Vec<String>,
    /// Ruleset 3: the same, as stable codes with texts naming every occurrence (empty in
    /// ruleset-2 results).
    #[serde(default)]
    pub review_items: Vec<ReviewItem>,
    pub ruleset_version: String,
    /// One plain-language sentence on the outcome, naming the actual values.
    pub explanation: String,
}

/// What the opinion's author reviewed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TreatmentScope {
    None,
    All,
    Only(BTreeSet<Modality>),
}

impl TreatmentScope {
    fn includes(&self, modality: Modality) -> bool {
        match self {
            TreatmentScope::None => false,
            TreatmentScope::All => true,
            TreatmentScope::Only(set) => set.contains(&modality),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Scope {
    pub diagnosis: bool,
    pub staging: bool,
    pub biomarkers: bool,
    pub treatment: TreatmentScope,
    /// Ruleset 3: the opinion's performance status is judged.
    pub performance_status: bool,
}

impl Scope {
    /// The explicit scope, or by default the parts the picture states.
    pub fn of(opinion: &Picture) -> Scope {
        match &opinion.scope {
            Some(items) => {
                let has = |item: ScopeItem| items.contains(&item);
                let modalities: BTreeSet<Modality> =
                    items.iter().filter_map(|i| i.modality()).collect();
                let treatment = if has(ScopeItem::Treatment) {
                    TreatmentScope::All
                } else if modalities.is_empty() {
                    TreatmentScope::None
                } else {
                    TreatmentScope::Only(modalities)
                };
                Scope {
                    diagnosis: has(ScopeItem::Diagnosis),
                    staging: has(ScopeItem::Staging),
                    biomarkers: has(ScopeItem::Biomarkers),
                    treatment,
                    performance_status: has(ScopeItem::PerformanceStatus)
                        || has(ScopeItem::Treatment),
                }
            }
            None => {
                let diagnosis = opinion.diagnosis.as_ref();
                Scope {
                    diagnosis: diagnosis.is_some_and(|d| d.states_diagnosis()),
                    staging: diagnosis.is_some_and(|d| d.stage.is_some()),
                    biomarkers: diagnosis.is_some_and(|d| d.biomarkers.is_some()),
                    treatment: if opinion.plan.is_some() {
                        TreatmentScope::All
                    } else {
                        TreatmentScope::None
                    },
                    performance_status: opinion.performance_status.is_some(),
                }
            }
        }
    }

    /// Names of the parts reviewed, for explanations.
    fn reviewed_parts(&self) -> Vec<&'static str> {
        let mut parts = Vec::new();
        if self.diagnosis {
            parts.push("diagnosis");
        }
        if self.staging {
            parts.push("stage");
        }
        if self.biomarkers {
            parts.push("biomarkers");
        }
        match &self.treatment {
            TreatmentScope::None => {}
            TreatmentScope::All => parts.push("treatment plan"),
            TreatmentScope::Only(set) => {
                for modality in set {
                    parts.push(phrases::modality_name(*modality));
                }
            }
        }
        parts
    }
}

/// The cancer the comparison is about: decides site-dependent rules (alpha/beta, regimen
/// acronyms, whether steroids are anticancer).
#[derive(Debug, Clone)]
pub(crate) struct Cancer {
    pub site: Option<Site>,
    pub haematologic: bool,
    /// The rules in force.
    pub ruleset: Ruleset,
    /// Ruleset 3: current histology, else the opinion's.
    pub histology: Option<Morphology>,
}

impl Cancer {
    fn of(input: &ClassificationInput, vocab: &Vocabulary, ruleset: Ruleset) -> Cancer {
        let diagnoses = [
            input.current.diagnosis.as_ref(),
            input.opinion.diagnosis.as_ref(),
        ];
        let site = diagnoses
            .iter()
            .flatten()
            .find_map(|d| d.primary_site.as_deref())
            .map(|code| parse_site(code, &|c| vocab.icd10_topography(c)));
        let haematologic = diagnoses.iter().flatten().any(|d| {
            d.histology
                .as_deref()
                .and_then(|h| Morphology::parse(h).ok())
                .is_some_and(|m| m.is_haematologic())
                || d.primary_site
                    .as_deref()
                    .is_some_and(super::codes::is_haematologic_icd10)
        }) || site
            .as_ref()
            .and_then(Site::category)
            .is_some_and(|c| c == "C42" || c == "C77");
        let histology = diagnoses.iter().flatten().find_map(|d| {
            d.histology
                .as_deref()
                .and_then(|h| Morphology::parse(h).ok())
        });
        // Ruleset 3: glucocorticoids are anticancer in lymphoid and plasma-cell neoplasms, by the
        // current histology (else the opinion's); without one, as in ruleset 2.
        let haematologic = match (ruleset, histology) {
            (Ruleset::Three, Some(m)) => {
                (9590..=9739).contains(&m.code) || (9811..=9837).contains(&m.code)
            }
            _ => haematologic,
        };
        Cancer {
            site,
            haematologic,
            ruleset,
            histology,
        }
    }

    /// Current site's category, else the opinion's (the spec's "current primary site, else the opinion's").
    pub fn is_r3(&self) -> bool {
        self.ruleset.is_three()
    }

    pub fn site_category(&self) -> Option<&str> {
        self.site.as_ref().and_then(Site::category)
    }
}

pub(crate) use review::ReviewReasons;

/// The `ruleset_version` of ruleset-3 results.
pub const RULESET_3_VERSION: &str = "3";

/// Classifies a validated input with ruleset 3. `today` is used when the context gives no `as_of`.
pub fn classify(input: &ClassificationInput, today: NaiveDate) -> Classification {
    classify_with(input, today, Ruleset::Three)
}

/// Classifies a validated input with the given ruleset.
pub fn classify_with(
    input: &ClassificationInput,
    today: NaiveDate,
    ruleset: Ruleset,
) -> Classification {
    let vocab = Vocabulary::standard();
    let scope = Scope::of(&input.opinion);
    let cancer = Cancer::of(input, vocab, ruleset);
    let mut review = ReviewReasons::default();

    let plan = plan::compare(input, &scope, &cancer, vocab, &mut review);
    let mut diagnosis = diagnosis::compare(
        input.current.diagnosis.as_ref(),
        input.opinion.diagnosis.as_ref(),
        &scope,
        &plan.verdict,
        &cancer,
        vocab,
        &mut review,
    );
    let mut extra = outcome::Extra::default();
    if ruleset.is_three() {
        diagnosis.extend(fitness::performance_status(input, &scope, &plan.verdict));
        extra.fitness = fitness::flag(input, &scope, &cancer, vocab, &mut review);
        trials::check(input, &cancer, vocab, &mut review);
    }

    let mut findings = diagnosis;
    findings.extend(plan.findings);
    // Stable order: by dimension in contract order, then as each comparison produced them.
    findings.sort_by_key(|f| f.dimension);
    if ruleset.is_three() {
        extra.later_line = plan.later_line;
        extra.germline = germline::actions(&findings);
    }

    let as_of = input.context.as_of.unwrap_or(today);
    let conclusion = outcome::conclude(&findings, &scope, &plan.verdict, input, as_of, &extra);

    let (review_reasons, review_items) = review.finish(ruleset);
    Classification {
        outcome: conclusion.outcome,
        primary_scenario: conclusion.scenarios[0],
        scenarios: conclusion.scenarios,
        actions: conclusion.actions,
        urgency: conclusion.urgency,
        explanation: conclusion.explanation,
        findings,
        review_reasons,
        review_items,
        ruleset_version: match ruleset {
            Ruleset::Two => vocab.ruleset_version().to_string(),
            Ruleset::Three => RULESET_3_VERSION.to_string(),
        },
    }
}

/// What the plan comparison tells the diagnosis rules and the outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PlanVerdict {
    /// At least one plan-choice finding is not `same`.
    pub plans_differ: bool,
    /// The opinion states no plan within its scope.
    pub opinion_gives_no_plan: bool,
    /// The whole plan was in the opinion's scope and the opinion states one.
    pub whole_plan_reviewed: bool,
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod tests_r3;

#[cfg(test)]
mod tests_prop;
