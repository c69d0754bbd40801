//! Rate limits per API key, per JWT subject and per client IP (GCRA through `governor`), and
//! where the caller stands against its limit, for the `RateLimit-Policy` and `RateLimit`
//! response fields.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::{StateInformationMiddleware, StateSnapshot};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use super::{AuthError, Principal};
use crate::config::RateLimits as Limits;

type Keyed<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, StateInformationMiddleware>;

/// The window every limit is stated over, in seconds.
pub const WINDOW_SECONDS: u64 = 60;

pub struct RateLimits {
    limits: Limits,
    per_key: Keyed<String>,
    per_subject: Keyed<String>,
    per_ip: Keyed<IpAddr>,
}

/// Where a caller stands against one named limit: `limit` requests a window, `remaining` of
/// them left now, all of them back after `reset` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub policy: &'static str,
    pub limit: u32,
    pub remaining: u32,
    pub reset: u64,
}

fn keyed<K: std::hash::Hash + Eq + Clone>(n: u32) -> Keyed<K> {
    RateLimiter::keyed(Quota::per_minute(
        NonZeroU32::new(n.max(1)).expect("at least one"),
    ))
    .with_middleware::<StateInformationMiddleware>()
}

/// Seconds, rounded up: a 0 would invite an immediate, refused retry.
fn seconds_up(wait: std::time::Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

impl RateLimits {
    pub fn new(limits: &Limits) -> RateLimits {
        RateLimits {
            limits: limits.clone(),
            per_key: keyed(limits.per_key),
            per_subject: keyed(limits.per_subject),
            per_ip: keyed(limits.per_ip),
        }
    }

    fn check<K: std::hash::Hash + Eq + Clone>(
        limiter: &Keyed<K>,
        key: &K,
        policy: &'static str,
        limit: u32,
    ) -> Result<Standing, (Standing, AuthError)> {
        match limiter.check_key(key) {
            Ok(snapshot) => Ok(standing(policy, limit, &snapshot)),
            Err(not_until) => {
                // The limiter's own clock: a new `DefaultClock` (quanta) calibrates itself with
                // CPUID, a trap to the hypervisor on a virtual machine, and was 7 % of the CPU
                // of a burst of refused requests in a profile.
                let retry_after = seconds_up(not_until.wait_time_from(limiter.clock().now()));
                let standing = Standing {
                    policy,
                    limit,
                    remaining: 0,
                    reset: retry_after,
                };
                Err((standing, AuthError::RateLimited { retry_after }))
            }
        }
    }

    /// The caller's limit (per partner key or per subject), taken one request from.
    pub fn check_principal(
        &self,
        principal: &Principal,
    ) -> Result<Standing, (Standing, AuthError)> {
        match principal {
            Principal::Partner { key_id, .. } => Self::check(
                &self.per_key,
                &key_id.to_string(),
                "key",
                self.limits.per_key,
            ),
            Principal::User {
                subject, org_id, ..
            } => Self::check(
                &self.per_subject,
                &format!("{org_id}/{subject}"),
                "subject",
                self.limits.per_subject,
            ),
            // A share link is limited per client address where it is opened (`check_ip`).
            Principal::ShareLink { .. } => Ok(Standing {
                policy: "ip",
                limit: self.limits.per_ip,
                remaining: self.limits.per_ip,
                reset: 0,
            }),
        }
    }

    /// The client address's limit on share-link opening, taken one request from.
    pub fn check_ip(&self, ip: IpAddr) -> Result<Standing, (Standing, AuthError)> {
        Self::check(&self.per_ip, &ip, "ip", self.limits.per_ip)
    }

    /// Drops idle keys so the maps do not grow without bound.
    pub fn retain_recent(&self) {
        self.per_key.retain_recent();
        self.per_subject.retain_recent();
        self.per_ip.retain_recent();
    }
}

/// GCRA has no fixed window: the quota comes back one request every window/limit, so all of
/// it is back after the missing requests' share of the window.
fn standing(policy: &'static str, limit: u32, snapshot: &StateSnapshot) -> Standing {
    let remaining = snapshot.remaining_burst_capacity().min(limit);
    let missing = u64::from(limit - remaining);
    Standing {
        policy,
        limit,
        remaining,
        reset: (missing * WINDOW_SECONDS).div_ceil(u64::from(limit.max(1))),
    }
}

impl Standing {
    /// `RateLimit-Policy` (draft-ietf-httpapi-ratelimit-headers, named-policy syntax).
    pub fn policy_field(&self) -> String {
        format!("\"{}\";q={};w={WINDOW_SECONDS}", self.policy, self.limit)
    }

    /// `RateLimit`: what is left of the named policy and when it is all back.
    pub fn field(&self) -> String {
        format!("\"{}\";r={};t={}", self.policy, self.remaining, self.reset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standing_counts_down_and_reports_the_wait_once_spent() {
        let limits = RateLimits::new(&Limits {
            per_key: 3,
            per_subject: 3,
            per_ip: 3,
        });
        let ip: IpAddr = "127.0.0.1".parse().expect("ip");
        let first = limits.check_ip(ip).expect("allowed");
        assert_eq!((first.limit, first.remaining), (3, 2));
        assert_eq!(
            first.reset, 20,
            "one request back every 20 s of a 60 s window"
        );
        assert_eq!(first.policy_field(), "\"ip\";q=3;w=60");
        assert_eq!(first.field(), "\"ip\";r=2;t=20");
        limits.check_ip(ip).expect("allowed");
        limits.check_ip(ip).expect("allowed");
        let (spent, error) = limits.check_ip(ip).expect_err("limited");
        assert_eq!(spent.remaining, 0);
        assert!(
            matches!(error, AuthError::RateLimited { retry_after } if retry_after == spent.reset && retry_after > 0)
        );
    }
}
