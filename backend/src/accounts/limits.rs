//! Rate limits for the endpoints people brute-force: login and signup.
//!
//! Counters live in each web process (GCRA, via governor). With N web
//! processes the effective limit is N times the configured one; that is the
//! accepted trade for not writing to the database on every attempt.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::Error;
use shared::domain::Email;

#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct RateLimitConfig {
    /// Attempts per minute for one (address, email) pair; an address gets three times that.
    pub login_per_minute: u32,
    /// Accounts created per hour from one address.
    pub signup_per_hour: u32,
    /// Attempts per hour on one account from all addresses together (a
    /// password guessed from many addresses).
    pub login_per_account_per_hour: u32,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            login_per_minute: 10,
            signup_per_hour: 20,
            login_per_account_per_hour: 60,
        }
    }
}

pub struct RateLimits {
    connect_user: DefaultKeyedRateLimiter<uuid::Uuid>,
    callback_ip: DefaultKeyedRateLimiter<IpAddr>,
    login_pair: DefaultKeyedRateLimiter<(IpAddr, Email)>,
    login_account: DefaultKeyedRateLimiter<Email>,
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
            login_account: RateLimiter::keyed(Quota::per_hour(nonzero(
                cfg.login_per_account_per_hour,
            ))),
            login_ip: RateLimiter::keyed(Quota::per_minute(nonzero(
                cfg.login_per_minute.saturating_mul(3),
            ))),
            signup_ip: RateLimiter::keyed(Quota::per_hour(nonzero(cfg.signup_per_hour))),
            clock: DefaultClock::default(),
        }
    }

    /// Per address, per (address, account) and per account. Only a valid,
    /// normalised email becomes a key (bounded in size, one spelling per
    /// account); anything else is limited by address alone.
    pub fn check_login(&self, ip: IpAddr, email: Option<&Email>) -> Result<(), Error> {
        self.check(&self.login_ip, ip)?;
        let Some(email) = email else { return Ok(()) };
        self.check(&self.login_pair, (ip, email.clone()))?;
        self.check(&self.login_account, email.clone())
    }

    pub fn check_connect(&self, user: uuid::Uuid) -> Result<(), Error> {
        self.check(&self.connect_user, user)
    }

    pub fn check_callback(&self, ip: IpAddr) -> Result<(), Error> {
        self.check(&self.callback_ip, ip)
    }

    pub fn check_signup(&self, ip: IpAddr) -> Result<(), Error> {
        self.check(&self.signup_ip, ip)
    }

    fn check<K>(&self, limiter: &DefaultKeyedRateLimiter<K>, key: K) -> Result<(), Error>
    where
        K: std::hash::Hash + Eq + Clone,
    {
        if limiter.len() > 100_000 {
            limiter.retain_recent();
        }
        limiter.check_key(&key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            Error::RateLimited {
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
            login_per_account_per_hour: 100,
        });
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let a = Email::parse("a@example.com").unwrap();
        for _ in 0..3 {
            limits.check_login(ip, Some(&a)).unwrap();
        }
        let err = limits.check_login(ip, Some(&a)).unwrap_err();
        assert!(matches!(err, Error::RateLimited { retry_after_secs } if retry_after_secs >= 1));
        // The same account however it is spelled.
        let shouted = Email::parse("  A@Example.COM ").unwrap();
        assert!(limits.check_login(ip, Some(&shouted)).is_err());
        // Another email from the same address still has room (up to 3x).
        let b = Email::parse("b@example.com").unwrap();
        limits.check_login(ip, Some(&b)).unwrap();
    }

    #[test]
    fn login_is_limited_per_account_across_addresses() {
        let limits = RateLimits::new(&RateLimitConfig {
            login_per_minute: 100,
            signup_per_hour: 1,
            login_per_account_per_hour: 5,
        });
        let victim = Email::parse("victim@example.com").unwrap();
        for i in 0..5u8 {
            let ip = IpAddr::from([198, 51, 100, i]);
            limits.check_login(ip, Some(&victim)).unwrap();
        }
        assert!(
            limits
                .check_login(IpAddr::from([198, 51, 100, 99]), Some(&victim))
                .is_err(),
            "a sixth address gets no more guesses at the same account"
        );
        let other = Email::parse("other@example.com").unwrap();
        limits
            .check_login(IpAddr::from([198, 51, 100, 99]), Some(&other))
            .unwrap();
    }

    #[test]
    fn signup_is_limited_per_address() {
        let limits = RateLimits::new(&RateLimitConfig {
            login_per_minute: 3,
            signup_per_hour: 1,
            login_per_account_per_hour: 60,
        });
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        limits.check_signup(ip).unwrap();
        assert!(limits.check_signup(ip).is_err());
        limits.check_signup("192.0.2.2".parse().unwrap()).unwrap();
    }
}
