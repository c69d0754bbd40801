//! Rate limits per API key, per JWT subject and per client IP (GCRA through `governor`).

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use super::{AuthError, Principal};
use crate::config::RateLimits as Limits;

pub struct RateLimits {
    per_key: DefaultKeyedRateLimiter<String>,
    per_subject: DefaultKeyedRateLimiter<String>,
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n.max(1)).expect("at least one"))
}

fn refuse(not_until: governor::NotUntil<<DefaultClock as Clock>::Instant>) -> AuthError {
    let wait = not_until.wait_time_from(DefaultClock::default().now());
    // Round up: a Retry-After of 0 would invite an immediate, refused retry.
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    AuthError::RateLimited {
        retry_after: seconds.max(1),
    }
}

impl RateLimits {
    pub fn new(limits: &Limits) -> RateLimits {
        RateLimits {
            per_key: DefaultKeyedRateLimiter::keyed(per_minute(limits.per_key)),
            per_subject: DefaultKeyedRateLimiter::keyed(per_minute(limits.per_subject)),
            per_ip: DefaultKeyedRateLimiter::keyed(per_minute(limits.per_ip)),
        }
    }

    pub fn check_principal(&self, principal: &Principal) -> Result<(), AuthError> {
        match principal {
            Principal::Partner { key_id, .. } => {
                self.per_key.check_key(&key_id.to_string()).map_err(refuse)
            }
            Principal::User {
                subject, org_id, ..
            } => self
                .per_subject
                .check_key(&format!("{org_id}/{subject}"))
                .map_err(refuse),
            // A share link is limited per client address where it is opened (`check_ip`).
            Principal::ShareLink { .. } => Ok(()),
        }
    }

    pub fn check_ip(&self, ip: IpAddr) -> Result<(), AuthError> {
        self.per_ip.check_key(&ip).map_err(refuse)
    }

    /// Drops idle keys so the maps do not grow without bound.
    pub fn retain_recent(&self) {
        self.per_key.retain_recent();
        self.per_subject.retain_recent();
        self.per_ip.retain_recent();
    }
}
