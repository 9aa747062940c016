//! Validated domain values. Parse once at the boundary; never re-validate.
//!
//! The pure checks compile for the browser too, so forms can show the same
//! message inline before a request is made.

use serde::{Deserialize, Serialize};

/// Why a value was rejected, phrased for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub &'static str);

/// A syntactically valid, lower-cased email address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err(Invalid("Enter your email address."));
        }
        if email.len() > 254 {
            return Err(Invalid("That email address is too long."));
        }
        let Some((local, domain)) = email.split_once('@') else {
            return Err(Invalid("Enter an email address like name@example.com."));
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..");
        if local.is_empty()
            || !domain_ok
            || domain.contains('@')
            || email.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(Invalid("Enter an email address like name@example.com."));
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password that meets the length policy (NIST 800-63B: length, not composition).
/// Deliberately neither `Serialize` nor `Debug`-printable.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub const MIN_LEN: usize = 10;
    pub const MAX_LEN: usize = 256;

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let chars = raw.chars().count();
        if chars < Self::MIN_LEN {
            return Err(Invalid("Use at least 10 characters."));
        }
        if chars > Self::MAX_LEN {
            return Err(Invalid("Use at most 256 characters."));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// A business name: trimmed, 1–100 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessName(String);

impl BusinessName {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(Invalid("Give the business a name."));
        }
        if name.chars().count() > 100 {
            return Err(Invalid("Use at most 100 characters."));
        }
        if name.chars().any(char::is_control) {
            return Err(Invalid(
                "The name contains characters that are not allowed.",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// An IANA time zone name such as `Europe/Berlin`. Checked against the tz
/// database on the server only (it is too large to ship to the browser).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timezone(String);

impl Timezone {
    #[cfg(feature = "tz")]
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(Invalid("Choose a time zone."));
        }
        raw.parse::<chrono_tz::Tz>()
            .map(|tz| Self(tz.name().to_owned()))
            .map_err(|_| Invalid("Choose a time zone from the list, e.g. Europe/Berlin."))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub use crate::kinds::{
    AccountKind, AuditKind, ConnectionStatus, Granularity, Metric, OAuthOutcome, Platform, Role,
    SyncStatus, SyncTrigger,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_trimmed_and_lowercased() {
        assert_eq!(
            Email::parse("  Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
    }

    #[test]
    fn email_rejects_malformed_addresses() {
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "ada@example",
            "ada@.example.com",
            "ada@example..com",
            "a b@example.com",
            "ada@exa@mple.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(250))).is_err());
    }

    #[test]
    fn password_length_policy() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("exactly10c").is_ok());
        assert!(Password::parse(&"x".repeat(257)).is_err());
        // Length counts characters, not bytes.
        assert!(Password::parse("ééééééééé").is_err());
    }

    #[test]
    fn password_debug_is_redacted() {
        let p = Password::parse("correct horse battery").unwrap();
        assert!(!format!("{p:?}").contains("horse"));
    }

    #[test]
    fn business_name_is_trimmed_and_bounded() {
        assert_eq!(BusinessName::parse("  Acme ").unwrap().as_str(), "Acme");
        assert!(BusinessName::parse("   ").is_err());
        assert!(BusinessName::parse(&"x".repeat(101)).is_err());
        assert!(BusinessName::parse("tab\tname").is_err());
    }

    #[cfg(feature = "tz")]
    #[test]
    fn timezone_accepts_iana_names_only() {
        assert_eq!(
            Timezone::parse("Europe/Berlin").unwrap().as_str(),
            "Europe/Berlin"
        );
        assert!(Timezone::parse("UTC").is_ok());
        assert!(Timezone::parse("Mars/Olympus").is_err());
        assert!(Timezone::parse("").is_err());
    }
}
