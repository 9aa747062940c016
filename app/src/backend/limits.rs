//! Rate limits for the endpoints people brute-force: login and signup.
//!
//! Counters live in each web process (GCRA, via governor). With N web
//! processes the effective limit is N times the configured one; that is the
//! accepted trade for not writing to the database on every attempt.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::AppError;

#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct RateLimitConfig {
    /// Attempts per minute for one (address, email) pair; an address gets three times that.
    pub login_per_minute: u32,
    /// Accounts created per hour from one address.
    pub signup_per_hour: u32,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            login_per_minute: 10,
            signup_per_hour: 20,
        }
    }
}

pub struct RateLimits {
    connect_user: DefaultKeyedRateLimiter<uuid::Uuid>,
    callback_ip: DefaultKeyedRateLimiter<IpAddr>,
    login_pair: DefaultKeyedRateLimiter<(IpAddr, String)>,
    login_ip: DefaultKeyedRateLimiter<IpAddr>,
    signup_ip: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
}

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).expect("max(1) is non-zero")
}

impl RateLimits {
    pub fn new(cfg: &RateLimitConfig) -> Self {
        Self {
            // Connect flows are rare; these stop loops and floods, not people.
            connect_user: RateLimiter::keyed(Quota::per_minute(nonzero(20))),
            callback_ip: RateLimiter::keyed(Quota::per_minute(nonzero(60))),
            login_pair: RateLimiter::keyed(Quota::per_minute(nonzero(cfg.login_per_minute))),
            login_ip: RateLimiter::keyed(Quota::per_minute(nonzero(
                cfg.login_per_minute.saturating_mul(3),
            ))),
            signup_ip: RateLimiter::keyed(Quota::per_hour(nonzero(cfg.signup_per_hour))),
            clock: DefaultClock::default(),
        }
    }

    pub fn check_login(&self, ip: IpAddr, email: &str) -> Result<(), AppError> {
        self.check(&self.login_ip, ip)?;
        self.check(&self.login_pair, (ip, email.to_owned()))
    }

    pub fn check_connect(&self, user: uuid::Uuid) -> Result<(), AppError> {
        self.check(&self.connect_user, user)
    }

    pub fn check_callback(&self, ip: IpAddr) -> Result<(), AppError> {
        self.check(&self.callback_ip, ip)
    }

    pub fn check_signup(&self, ip: IpAddr) -> Result<(), AppError> {
        self.check(&self.signup_ip, ip)
    }

    fn check<K>(&self, limiter: &DefaultKeyedRateLimiter<K>, key: K) -> Result<(), AppError>
    where
        K: std::hash::Hash + Eq + Clone,
    {
        if limiter.len() > 100_000 {
            limiter.retain_recent();
        }
        limiter.check_key(&key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            AppError::RateLimited {
                retry_after_secs: wait.as_secs().max(1),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_is_limited_per_address_and_email() {
        let limits = RateLimits::new(&RateLimitConfig {
            login_per_minute: 3,
            signup_per_hour: 1,
        });
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..3 {
            limits.check_login(ip, "a@example.com").unwrap();
        }
        let err = limits.check_login(ip, "a@example.com").unwrap_err();
        assert!(matches!(err, AppError::RateLimited { retry_after_secs } if retry_after_secs >= 1));
        // Another email from the same address still has room (up to 3x).
        limits.check_login(ip, "b@example.com").unwrap();
    }

    #[test]
    fn signup_is_limited_per_address() {
        let limits = RateLimits::new(&RateLimitConfig {
            login_per_minute: 3,
            signup_per_hour: 1,
        });
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        limits.check_signup(ip).unwrap();
        assert!(limits.check_signup(ip).is_err());
        limits.check_signup("192.0.2.2".parse().unwrap()).unwrap();
    }
}
