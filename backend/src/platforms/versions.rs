//! The API versions Pulseboard asks for by default, and when the platforms
//! stop serving each one, as their version pages publish it. An operator
//! is warned 90 days before the end of a configured version: LinkedIn then
//! answers 426 `NONEXISTENT_VERSION`, Meta silently answers with another
//! version (whose metrics may differ).

use chrono::NaiveDate;
use shared::domain::Platform;

/// LinkedIn's latest version confirmed (July 2026); supported for at least
/// 12 months.
pub const LINKEDIN_DEFAULT: &str = "202607";
/// Graph API v25.0 (February 2026), available until 29 July 2028.
pub const META_DEFAULT: &str = "v25.0";

/// How long before a version's end the operator is told.
pub const WARN_DAYS: i64 = 90;

/// Meta's published "available until" dates.
const META_ENDS: &[(&str, (i32, u32, u32))] = &[
    ("v20.0", (2026, 9, 24)),
    ("v21.0", (2027, 1, 21)),
    ("v22.0", (2027, 5, 20)),
    ("v23.0", (2027, 10, 8)),
    ("v24.0", (2028, 2, 18)),
    ("v25.0", (2028, 7, 29)),
];

/// LinkedIn's published sunset dates (there is no 202512).
const LINKEDIN_ENDS: &[(&str, (i32, u32, u32))] = &[
    ("202510", (2026, 10, 15)),
    ("202511", (2026, 11, 16)),
    ("202601", (2027, 1, 15)),
    ("202602", (2027, 2, 15)),
    ("202603", (2027, 3, 16)),
];

/// When `platform` stops serving `version`, and whether the date is
/// published (`true`) or estimated from the platform's policy (`false`).
/// `None`: no end is known (a version newer than the table, or no
/// versions at all).
pub fn end_of(platform: Platform, version: &str) -> Option<(NaiveDate, bool)> {
    let date = |(y, m, d): (i32, u32, u32)| NaiveDate::from_ymd_opt(y, m, d);
    match platform {
        Platform::X => None,
        Platform::Meta => META_ENDS
            .iter()
            .find(|(v, _)| *v == version)
            .and_then(|(_, d)| date(*d))
            .map(|d| (d, true))
            .or_else(|| older_than_table(version).then_some((NaiveDate::MIN, true))),
        Platform::LinkedIn => {
            if let Some((_, d)) = LINKEDIN_ENDS.iter().find(|(v, _)| *v == version) {
                return date(*d).map(|d| (d, true));
            }
            // Each version is served for at least 12 months after its month.
            let y: i32 = version.get(..4)?.parse().ok()?;
            let m: u32 = version.get(4..)?.parse().ok()?;
            NaiveDate::from_ymd_opt(y + 1, m, 15).map(|d| (d, false))
        }
    }
}

/// A Graph version below the table's oldest: long gone.
fn older_than_table(version: &str) -> bool {
    version
        .strip_prefix('v')
        .and_then(|v| v.split('.').next())
        .and_then(|major| major.parse::<u32>().ok())
        .is_some_and(|major| major < 20)
}

/// What to tell the operator about `version` on `today`, if anything.
pub fn warning(platform: Platform, version: &str, today: NaiveDate) -> Option<String> {
    let (end, published) = end_of(platform, version)?;
    let days = (end - today).num_days();
    let name = platform.label();
    if days < 0 {
        Some(format!(
            "{name} API version {version} is no longer served: configure a current one."
        ))
    } else if days <= WARN_DAYS {
        let how = if published { "" } else { " (estimated)" };
        Some(format!(
            "{name} API version {version} stops being served on {end}{how}, in {days} days: configure a newer one."
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_defaults_are_not_near_their_end_today() {
        let today = day("2026-12-03");
        assert_eq!(warning(Platform::Meta, META_DEFAULT, today), None);
        assert_eq!(warning(Platform::LinkedIn, LINKEDIN_DEFAULT, today), None);
    }

    #[test]
    fn graph_v21_is_flagged_ninety_days_before_21_january_2027() {
        assert_eq!(warning(Platform::Meta, "v21.0", day("2026-10-22")), None);
        let w = warning(Platform::Meta, "v21.0", day("2026-12-03")).unwrap();
        assert!(w.contains("2027-01-21") && w.contains("49 days"), "{w}");
        let gone = warning(Platform::Meta, "v21.0", day("2027-01-22")).unwrap();
        assert!(gone.contains("no longer served"), "{gone}");
        assert!(warning(Platform::Meta, "v19.0", day("2026-01-01")).is_some());
    }

    #[test]
    fn linkedin_versions_use_the_published_table_or_twelve_months() {
        assert_eq!(
            end_of(Platform::LinkedIn, "202601"),
            Some((day("2027-01-15"), true))
        );
        assert_eq!(
            end_of(Platform::LinkedIn, "202607"),
            Some((day("2027-07-15"), false))
        );
        assert!(
            warning(Platform::LinkedIn, "202601", day("2026-12-03"))
                .unwrap()
                .contains("43 days")
        );
        assert_eq!(end_of(Platform::LinkedIn, "junk"), None);
    }
}
