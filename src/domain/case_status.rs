//! A case's status and the moves allowed between statuses.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// From first contact to the conversation with the oncologist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Intake,
    RecordsCollecting,
    Referred,
    OpinionReceived,
    SummaryReady,
    SharedWithOncologist,
    Closed,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 7] = [
        CaseStatus::Intake,
        CaseStatus::RecordsCollecting,
        CaseStatus::Referred,
        CaseStatus::OpinionReceived,
        CaseStatus::SummaryReady,
        CaseStatus::SharedWithOncologist,
        CaseStatus::Closed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            CaseStatus::Intake => "intake",
            CaseStatus::RecordsCollecting => "records_collecting",
            CaseStatus::Referred => "referred",
            CaseStatus::OpinionReceived => "opinion_received",
            CaseStatus::SummaryReady => "summary_ready",
            CaseStatus::SharedWithOncologist => "shared_with_oncologist",
            CaseStatus::Closed => "closed",
        }
    }

    pub fn parse(code: &str) -> Option<CaseStatus> {
        CaseStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Position in the lifecycle, for forward-only automatic moves.
    pub fn order(code: &str) -> Option<usize> {
        CaseStatus::ALL.iter().position(|s| s.code() == code)
    }

    /// The statuses an automatic move to `self` leaves: the earlier ones. A closed case stays
    /// closed, and a case already further on is not moved back.
    pub fn moved_forward_from(self) -> Vec<CaseStatus> {
        CaseStatus::ALL
            .into_iter()
            .take_while(|s| *s != self)
            .filter(|s| *s != CaseStatus::Closed)
            .collect()
    }

    /// Where a coordinator may move the case by hand: the next step, or closed. A closed
    /// case may be reopened to intake.
    pub fn allowed_next(self) -> Vec<CaseStatus> {
        match self {
            CaseStatus::Closed => vec![CaseStatus::Intake],
            CaseStatus::SharedWithOncologist => vec![CaseStatus::Closed],
            other => {
                let next = CaseStatus::ALL[other as usize + 1];
                vec![next, CaseStatus::Closed]
            }
        }
    }

    pub fn can_move_to(self, to: CaseStatus) -> bool {
        self.allowed_next().contains(&to)
    }
}

#[cfg(test)]
mod tests {
    use super::CaseStatus::*;

    #[test]
    fn moves_go_one_step_forward_or_to_closed() {
        assert!(Intake.can_move_to(RecordsCollecting));
        assert!(Intake.can_move_to(Closed));
        assert!(!Intake.can_move_to(Referred));
        assert!(!Referred.can_move_to(Intake));
        assert!(SharedWithOncologist.can_move_to(Closed));
        assert!(Closed.can_move_to(Intake));
        assert!(!Closed.can_move_to(Referred));
    }

    #[test]
    fn automatic_moves_only_go_forward_and_never_reopen() {
        assert_eq!(
            Referred.moved_forward_from(),
            vec![Intake, RecordsCollecting]
        );
        assert!(Intake.moved_forward_from().is_empty());
        assert!(!SharedWithOncologist.moved_forward_from().contains(&Closed));
        assert!(!OpinionReceived.moved_forward_from().contains(&SummaryReady));
    }
}
