//! A referral's status, the moves between statuses, and when a referral takes a submission.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReferralStatus {
    Sent,
    Accepted,
    Declined,
    Answered,
    Withdrawn,
}

/// Why a referral takes no submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closed(pub String);

impl ReferralStatus {
    pub fn code(self) -> &'static str {
        match self {
            ReferralStatus::Sent => "sent",
            ReferralStatus::Accepted => "accepted",
            ReferralStatus::Declined => "declined",
            ReferralStatus::Answered => "answered",
            ReferralStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(code: &str) -> ReferralStatus {
        serde_json::from_value(serde_json::Value::from(code)).unwrap_or(ReferralStatus::Sent)
    }

    /// A partner may still read the packet and its documents.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ReferralStatus::Sent | ReferralStatus::Accepted | ReferralStatus::Answered
        )
    }

    /// Whether a partner's submission is taken: an open referral takes one; an answered one
    /// only an amendment of its opinion; a declined or withdrawn one none.
    pub fn takes_submission(self, amends: bool) -> Result<(), Closed> {
        match self {
            ReferralStatus::Declined | ReferralStatus::Withdrawn => {
                Err(Closed(format!("the referral was {}", self.code())))
            }
            ReferralStatus::Answered if !amends => Err(Closed(
                "the referral is answered; to amend the opinion, send it again with supersedes naming the earlier one".into(),
            )),
            _ => Ok(()),
        }
    }

    /// The statuses a referral may move to `to` from by hand: a partner accepts a sent one,
    /// declines or the navigator withdraws one not yet answered; answering is the opinion's.
    pub fn moves_to(to: ReferralStatus) -> &'static [ReferralStatus] {
        use ReferralStatus::*;
        match to {
            Accepted => &[Sent],
            Declined | Withdrawn => &[Sent, Accepted],
            Sent | Answered => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ReferralStatus::*;
    use super::*;

    #[test]
    fn an_answered_referral_takes_only_an_amendment() {
        assert!(Sent.takes_submission(false).is_ok());
        assert!(Accepted.takes_submission(true).is_ok());
        assert!(Answered.takes_submission(false).is_err());
        assert!(Answered.takes_submission(true).is_ok());
        assert_eq!(
            Declined.takes_submission(true),
            Err(Closed("the referral was declined".into()))
        );
        assert!(Withdrawn.takes_submission(false).is_err());
    }

    #[test]
    fn moves_by_hand_start_from_open_statuses() {
        assert_eq!(ReferralStatus::moves_to(Accepted), &[Sent]);
        assert_eq!(ReferralStatus::moves_to(Withdrawn), &[Sent, Accepted]);
        assert!(ReferralStatus::moves_to(Answered).is_empty());
        assert_eq!(ReferralStatus::parse("answered"), Answered);
    }
}
