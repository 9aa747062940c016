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

/// Names people type for a zone that are not the zone they mean: the
/// abbreviations (tzdb's `EST` is a fixed UTC−5 with no summer time, which is
/// not what someone in New York wants), each refused with the zone to choose.
const ABBREVIATIONS: &[(&[&str], &str)] = &[
    (
        &["EST", "EDT", "ET", "EST5EDT"],
        "That is an abbreviation, not a time zone: for US Eastern time choose America/New_York.",
    ),
    (
        &["CST", "CDT", "CT", "CST6CDT"],
        "That is an abbreviation, not a time zone: for US Central time choose America/Chicago.",
    ),
    (
        &["MST", "MDT", "MT", "MST7MDT"],
        "That is an abbreviation, not a time zone: for US Mountain time choose America/Denver (America/Phoenix for Arizona).",
    ),
    (
        &["PST", "PDT", "PT", "PST8PDT"],
        "That is an abbreviation, not a time zone: for US Pacific time choose America/Los_Angeles.",
    ),
    (
        &["AKST", "AKDT"],
        "That is an abbreviation, not a time zone: for Alaska choose America/Anchorage.",
    ),
    (
        &["HST"],
        "That is an abbreviation, not a time zone: for Hawaii choose Pacific/Honolulu.",
    ),
    (
        &["BST"],
        "That is an abbreviation, not a time zone: for UK time choose Europe/London.",
    ),
    (
        &["CET", "CEST", "MET", "MEST"],
        "That is an abbreviation, not a time zone: choose your city's zone, e.g. Europe/Berlin or Europe/Paris.",
    ),
    (
        &["EET", "EEST"],
        "That is an abbreviation, not a time zone: choose your city's zone, e.g. Europe/Athens or Europe/Helsinki.",
    ),
    (
        &["WET", "WEST"],
        "That is an abbreviation, not a time zone: choose your city's zone, e.g. Europe/Lisbon.",
    ),
    (
        &["IST"],
        "That is an abbreviation, not a time zone: for India choose Asia/Kolkata (Europe/Dublin for Ireland, Asia/Jerusalem for Israel).",
    ),
    (
        &["JST"],
        "That is an abbreviation, not a time zone: for Japan choose Asia/Tokyo.",
    ),
    (
        &["KST"],
        "That is an abbreviation, not a time zone: for Korea choose Asia/Seoul.",
    ),
    (
        &["AEST", "AEDT"],
        "That is an abbreviation, not a time zone: choose your city's zone, e.g. Australia/Sydney or Australia/Melbourne.",
    ),
    (
        &["NZST", "NZDT"],
        "That is an abbreviation, not a time zone: for New Zealand choose Pacific/Auckland.",
    ),
    (
        &["MSK"],
        "That is an abbreviation, not a time zone: for Moscow choose Europe/Moscow.",
    ),
];

/// Other names for UTC, taken as UTC.
#[cfg(feature = "tz")]
const UTC_ALIASES: &[&str] = &[
    "Z",
    "Zulu",
    "GMT",
    "UCT",
    "Universal",
    "Greenwich",
    "GMT0",
    "GMT+0",
    "GMT-0",
    "Etc/UTC",
    "Etc/GMT",
    "Etc/UCT",
    "Etc/Universal",
    "Etc/Zulu",
    "Etc/Greenwich",
    "Etc/GMT0",
    "Etc/GMT+0",
    "Etc/GMT-0",
];

impl Timezone {
    /// Any IANA zone, in any letter case (`europe/berlin` is
    /// `Europe/Berlin`); UTC's other names are UTC; an abbreviation such as
    /// `EST` is refused with the zone to choose instead.
    #[cfg(feature = "tz")]
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(Invalid("Choose a time zone."));
        }
        if let Some(why) = Self::refusal(raw) {
            return Err(Invalid(why));
        }
        if UTC_ALIASES.iter().any(|a| a.eq_ignore_ascii_case(raw)) {
            return Ok(Self("UTC".to_owned()));
        }
        chrono_tz::TZ_VARIANTS
            .iter()
            .find(|tz| tz.name().eq_ignore_ascii_case(raw))
            .map(|tz| Self(tz.name().to_owned()))
            .ok_or(Invalid(
                "Choose a time zone from the list, e.g. Europe/Berlin.",
            ))
    }

    /// Why `raw` is not taken as a zone though the tz database knows it.
    pub fn refusal(raw: &str) -> Option<&'static str> {
        ABBREVIATIONS
            .iter()
            .find(|(names, _)| names.iter().any(|n| n.eq_ignore_ascii_case(raw.trim())))
            .map(|(_, why)| *why)
    }

    /// Every zone a business may choose, for the picker: the tz database's
    /// names without the abbreviations refused above and UTC's aliases.
    #[cfg(feature = "tz")]
    pub fn all() -> Vec<&'static str> {
        chrono_tz::TZ_VARIANTS
            .iter()
            .map(|tz| tz.name())
            .filter(|n| Self::refusal(n).is_none())
            .filter(|n| !UTC_ALIASES.iter().any(|a| a.eq_ignore_ascii_case(n)))
            .collect()
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

    #[cfg(feature = "tz")]
    #[test]
    fn timezone_ignores_letter_case() {
        for typed in ["europe/berlin", "EUROPE/BERLIN", " Europe/berlin "] {
            assert_eq!(Timezone::parse(typed).unwrap().as_str(), "Europe/Berlin");
        }
        assert_eq!(
            Timezone::parse("america/los_angeles").unwrap().as_str(),
            "America/Los_Angeles"
        );
    }

    #[cfg(feature = "tz")]
    #[test]
    fn timezone_refuses_abbreviations_with_the_zone_to_choose() {
        for (typed, suggestion) in [
            ("EST", "America/New_York"),
            ("est", "America/New_York"),
            ("PST", "America/Los_Angeles"),
            ("CET", "Europe/Berlin"),
            ("IST", "Asia/Kolkata"),
            ("PST8PDT", "America/Los_Angeles"),
        ] {
            let why = Timezone::parse(typed).unwrap_err().0;
            assert!(why.contains(suggestion), "{typed}: {why}");
        }
        for utc in ["GMT", "zulu", "Etc/UTC", "utc"] {
            assert_eq!(Timezone::parse(utc).unwrap().as_str(), "UTC", "{utc}");
        }
    }

    #[cfg(feature = "tz")]
    #[test]
    fn the_picker_offers_every_zone_it_accepts() {
        let all = Timezone::all();
        assert!(all.len() > 400, "{} zones", all.len());
        assert!(all.contains(&"America/Los_Angeles") && all.contains(&"UTC"));
        assert!(!all.contains(&"EST") && !all.contains(&"Zulu"));
        for name in all {
            assert_eq!(Timezone::parse(name).unwrap().as_str(), name);
        }
    }
}
