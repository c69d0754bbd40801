//! The coordinator work an assessment's actions open, and when it is due.

use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};
use uuid::Uuid;

use super::discordance::{Action, Urgency};

/// The task an action opens, if any (proceeding and information-only open none).
pub fn task_title(action: Action) -> Option<&'static str> {
    Some(match action {
        Action::ProceedWithPlan | Action::ForInformationNoAction => return None,
        Action::PlanNotFullyReviewed => {
            "Arrange a review of the parts of the plan the opinion did not cover"
        }
        Action::RequestTiebreakPathologyReview => "Request a tie-break pathology review",
        Action::RequestImagingReview => "Request an independent review of the imaging",
        Action::RepeatBiomarkerTest => "Arrange a repeat biomarker test",
        Action::DiscussObservationVsTreatment => {
            "Set up a talk with the oncologist on observation versus treatment now"
        }
        Action::DiscussGoalsOfCare => "Set up a goals-of-care conversation",
        Action::CheckTrialEligibility => "Check eligibility for the recommended clinical trial",
        Action::ReferToEnrollingCentre => "Contact the trial's enrolling centre",
        Action::DiscussEvidenceForAlternative => {
            "Prepare the evidence for the alternative treatment for the oncologist"
        }
        Action::AskAboutRecommendedTests => "Ask the oncologist about the recommended tests",
        Action::AskOncologistToCoordinateAbroad => {
            "Ask the oncologist to coordinate with the centre abroad"
        }
        Action::DiscussNewFinding => "Discuss the new finding with the oncologist",
        Action::ConsiderThirdOpinion => "Consider a third opinion",
        Action::RepeatGermlineTest => "Arrange a repeat germline (inherited) test",
        Action::ReassessPerformanceStatus => {
            "Ask the oncologist to reassess how much the patient can do day to day"
        }
        Action::DiscussWatchAndWait => "Set up a talk with the oncologist on watch and wait",
        Action::ReviewPriorTreatment => "Ask the oncologist to review the treatment so far",
        Action::ReferToGeneticCounselling => "Arrange a genetic counselling referral",
        Action::DiscussGermlineTreatmentImplications => {
            "Discuss what the inherited result means for treatment with the oncologist"
        }
        Action::AssessFitnessForTreatment => "Ask the oncologist to assess fitness for treatment",
    })
}

/// Due date from urgency, never after the day before the next irreversible step (when it is
/// still ahead), never before today.
pub fn due_date(urgency: Urgency, today: NaiveDate, next_step: Option<NaiveDate>) -> NaiveDate {
    let days = match urgency {
        Urgency::Urgent => 1,
        Urgency::BeforeNextDecision => 7,
        Urgency::Routine => 14,
    };
    let by_urgency = today.checked_add_days(Days::new(days)).unwrap_or(today);
    let before_step = next_step
        .filter(|d| *d > today)
        .and_then(|d| d.checked_sub_days(Days::new(1)));
    match before_step {
        Some(limit) if urgency != Urgency::Routine => by_urgency.min(limit).max(today),
        _ => by_urgency,
    }
}

/// The task a held assessment opens for the clinicians: only a sign-off completes it.
pub const CLINICIAN_REVIEW: &str = "clinician_review";
pub const CLINICIAN_REVIEW_TITLE: &str =
    "Sign off the second opinion's result before the patient sees it";

/// How long a held result may wait for a clinician before it is overdue
/// (SIGN_OFF_DUE_HOURS, and the shorter limit for urgent results).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewDeadlines {
    pub hours: u32,
    pub urgent_hours: u32,
}

impl Default for ReviewDeadlines {
    fn default() -> Self {
        ReviewDeadlines {
            hours: 72,
            urgent_hours: 24,
        }
    }
}

impl ReviewDeadlines {
    /// When a result held since `since` is due for its sign-off.
    pub fn due(&self, urgency: Urgency, since: DateTime<Utc>) -> DateTime<Utc> {
        let hours = match urgency {
            Urgency::Urgent => self.urgent_hours.min(self.hours),
            _ => self.hours,
        };
        since + TimeDelta::hours(i64::from(hours))
    }
}

/// An open task of a case, as the sync sees it.
#[derive(Debug, Clone)]
pub struct OpenTask {
    pub id: Uuid,
    pub kind: String,
    pub assessment_id: Option<Uuid>,
}

/// What keeps a case's open tasks in step with an assessment's actions.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct TaskSync {
    /// Tasks of this assessment (or the one it supersedes) that no action wants any more.
    pub cancel: Vec<Uuid>,
    /// Tasks of the superseded assessment that are still wanted: they move to this one.
    pub repoint: Vec<Uuid>,
    /// Actions that call for a task no open task of the case already is.
    pub open: Vec<Action>,
    /// The assessment is held and has no review task of its own yet.
    pub open_review: bool,
}

/// The sync for `assessment` (superseding `superseded`) whose effective actions are
/// `actions`: a task per action that opens one and is not open on the case yet; kept tasks of
/// the superseded assessment move to the new one; those it no longer wants are cancelled.
/// A review task belongs to one assessment: kept while that one is `held`, cancelled when it
/// is superseded (the new assessment opens its own if it is held too).
pub fn plan_sync(
    open: &[OpenTask],
    assessment: Uuid,
    superseded: Option<Uuid>,
    actions: &[Action],
    held: bool,
) -> TaskSync {
    let wanted: Vec<Action> = actions
        .iter()
        .copied()
        .filter(|a| task_title(*a).is_some())
        .collect();
    let mut sync = TaskSync::default();
    let mut open_kinds = std::collections::BTreeSet::new();
    let mut review_open = false;
    for task in open {
        if task.kind == CLINICIAN_REVIEW {
            if held && task.assessment_id == Some(assessment) {
                review_open = true;
            } else if task.assessment_id == Some(assessment)
                || (superseded.is_some() && task.assessment_id == superseded)
            {
                sync.cancel.push(task.id);
            }
            continue;
        }
        let ours = task.assessment_id == Some(assessment)
            || (superseded.is_some() && task.assessment_id == superseded);
        let still_wanted = wanted.iter().any(|a| a.code() == task.kind);
        if ours && !still_wanted {
            sync.cancel.push(task.id);
            continue;
        }
        if ours && task.assessment_id != Some(assessment) {
            sync.repoint.push(task.id);
        }
        open_kinds.insert(task.kind.as_str());
    }
    sync.open = wanted
        .into_iter()
        .filter(|a| !open_kinds.contains(a.code()))
        .collect();
    sync.open_review = held && !review_open;
    sync
}

#[cfg(test)]
mod sync_tests {
    use super::*;

    fn task(kind: &str, assessment: Option<Uuid>) -> OpenTask {
        OpenTask {
            id: Uuid::now_v7(),
            kind: kind.into(),
            assessment_id: assessment,
        }
    }

    #[test]
    fn a_new_assessment_opens_what_is_missing_keeps_what_is_wanted_and_cancels_the_rest() {
        let (old, new) = (Uuid::now_v7(), Uuid::now_v7());
        let kept = task("consider_third_opinion", Some(old));
        let dropped = task("repeat_biomarker_test", Some(old));
        let by_hand = task("collect_records", None);
        let other = task("check_trial_eligibility", Some(Uuid::now_v7()));
        let open = [kept.clone(), dropped.clone(), by_hand, other];
        let actions = [
            Action::ConsiderThirdOpinion,
            Action::CheckTrialEligibility,
            Action::DiscussNewFinding,
            Action::ProceedWithPlan,
        ];
        let sync = plan_sync(&open, new, Some(old), &actions, false);
        assert_eq!(sync.cancel, vec![dropped.id]);
        assert_eq!(sync.repoint, vec![kept.id]);
        // A task of that kind is open already (another assessment's); proceeding opens none.
        assert_eq!(sync.open, vec![Action::DiscussNewFinding]);
    }

    #[test]
    fn without_a_superseded_assessment_only_its_own_tasks_are_touched() {
        let new = Uuid::now_v7();
        let own = task("discuss_new_finding", Some(new));
        let stray = task("repeat_biomarker_test", None);
        let sync = plan_sync(&[own.clone(), stray], new, None, &[], false);
        assert_eq!(sync.cancel, vec![own.id]);
        assert!(sync.repoint.is_empty() && sync.open.is_empty());
    }

    #[test]
    fn a_review_task_stays_with_its_held_assessment_and_goes_when_it_is_superseded() {
        let (old, new) = (Uuid::now_v7(), Uuid::now_v7());
        let old_review = task(CLINICIAN_REVIEW, Some(old));
        // Reassessed and held again: the old review is cancelled and a new one opens.
        let sync = plan_sync(std::slice::from_ref(&old_review), new, Some(old), &[], true);
        assert_eq!(sync.cancel, vec![old_review.id]);
        assert!(sync.open_review && sync.repoint.is_empty());
        // An override of the held assessment keeps its review task and opens no second one.
        let own_review = task(CLINICIAN_REVIEW, Some(new));
        let sync = plan_sync(std::slice::from_ref(&own_review), new, Some(new), &[], true);
        assert!(sync.cancel.is_empty() && !sync.open_review);
        // Released: no review wanted.
        let sync = plan_sync(std::slice::from_ref(&own_review), new, None, &[], false);
        assert_eq!(sync.cancel, vec![own_review.id]);
        assert!(!sync.open_review);
    }

    #[test]
    fn urgent_results_are_due_for_sign_off_sooner() {
        let since: DateTime<Utc> = "2026-12-01T10:00:00Z".parse().expect("time");
        let limits = ReviewDeadlines::default();
        assert_eq!(
            limits.due(Urgency::Routine, since),
            "2026-12-04T10:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(
            limits.due(Urgency::Urgent, since),
            "2026-12-02T10:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn due_dates_follow_urgency_and_the_next_step() {
        assert_eq!(
            due_date(Urgency::Urgent, d("2026-11-25"), None),
            d("2026-11-26")
        );
        assert_eq!(
            due_date(Urgency::BeforeNextDecision, d("2026-11-25"), None),
            d("2026-12-02")
        );
        assert_eq!(
            due_date(
                Urgency::BeforeNextDecision,
                d("2026-11-25"),
                Some(d("2026-11-29"))
            ),
            d("2026-11-28")
        );
        assert_eq!(
            due_date(Urgency::Urgent, d("2026-11-25"), Some(d("2026-11-26"))),
            d("2026-11-25")
        );
        assert_eq!(
            due_date(Urgency::Routine, d("2026-11-25"), Some(d("2026-11-27"))),
            d("2026-12-09")
        );
    }

    #[test]
    fn every_action_but_proceeding_and_information_opens_a_task() {
        let silent: Vec<Action> = Action::ALL
            .into_iter()
            .filter(|a| task_title(*a).is_none())
            .collect();
        assert_eq!(
            silent,
            vec![Action::ProceedWithPlan, Action::ForInformationNoAction]
        );
    }
}

/// How the treating oncologist answered when the opinion was shared.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum OncologistResponse {
    Agreed,
    PlanChanged,
    KeptPlanWithReasons,
    DismissedWithoutReasons,
}

/// The follow-up work a conversation opens: (kind, title). A dismissal without reasons of a
/// diagnosis discordance or a trial not offered calls for a third opinion or another
/// oncologist; a changed plan must be recorded as a new plan version.
pub fn conversation_follow_ups(
    response: OncologistResponse,
    scenarios: &[super::discordance::Scenario],
) -> Vec<(&'static str, &'static str)> {
    use super::discordance::Scenario;
    match response {
        OncologistResponse::DismissedWithoutReasons
            if scenarios.iter().any(|s| {
                matches!(
                    s,
                    Scenario::DiagnosisDiscordance | Scenario::ClinicalTrialNotOffered
                )
            }) =>
        {
            vec![(
                "consider_third_opinion_or_new_oncologist",
                "Discuss a third opinion or another treating oncologist with the patient",
            )]
        }
        OncologistResponse::PlanChanged => vec![(
            "record_new_plan_version",
            "Record the oncologist's changed plan as a new plan version",
        )],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod follow_up_tests {
    use super::*;
    use crate::domain::discordance::Scenario;

    #[test]
    fn dismissals_of_discordance_or_trials_and_plan_changes_open_work() {
        assert_eq!(
            conversation_follow_ups(
                OncologistResponse::DismissedWithoutReasons,
                &[Scenario::ClinicalTrialNotOffered]
            )
            .len(),
            1
        );
        assert!(
            conversation_follow_ups(
                OncologistResponse::DismissedWithoutReasons,
                &[Scenario::DifferentTreatment]
            )
            .is_empty()
        );
        assert_eq!(
            conversation_follow_ups(OncologistResponse::PlanChanged, &[])[0].0,
            "record_new_plan_version"
        );
        assert!(
            conversation_follow_ups(
                OncologistResponse::Agreed,
                &[Scenario::DiagnosisDiscordance]
            )
            .is_empty()
        );
    }
}
