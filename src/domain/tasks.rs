//! The coordinator work an assessment's actions open, and when it is due.

use chrono::{Days, NaiveDate};

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
