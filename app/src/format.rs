//! Formatting for display. Components call these; they are unit-tested here.

use chrono::{DateTime, Utc};

/// `24 Nov 2026`
pub fn date(at: DateTime<Utc>) -> String {
    at.format("%-d %b %Y").to_string()
}

/// `every 6 hours`, `every 45 minutes`, `every day`
pub fn interval(minutes: i32) -> String {
    match minutes {
        m if m <= 0 => "paused".to_owned(),
        1440 => "every day".to_owned(),
        m if m % 1440 == 0 => format!("every {} days", m / 1440),
        60 => "every hour".to_owned(),
        m if m % 60 == 0 => format!("every {} hours", m / 60),
        1 => "every minute".to_owned(),
        m => format!("every {m} minutes"),
    }
}

/// The initials shown in the user menu button: `ada@example.com` → `A`.
pub fn avatar_letter(email: &str) -> String {
    email
        .chars()
        .find(|c| c.is_alphanumeric())
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_else(|| "?".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn dates_are_day_month_year() {
        let at = Utc.with_ymd_and_hms(2026, 11, 4, 13, 0, 0).unwrap();
        assert_eq!(date(at), "4 Nov 2026");
    }

    #[test]
    fn intervals_read_naturally() {
        assert_eq!(interval(360), "every 6 hours");
        assert_eq!(interval(60), "every hour");
        assert_eq!(interval(1440), "every day");
        assert_eq!(interval(2880), "every 2 days");
        assert_eq!(interval(45), "every 45 minutes");
        assert_eq!(interval(0), "paused");
    }

    #[test]
    fn avatar_letter_skips_symbols() {
        assert_eq!(avatar_letter("ada@example.com"), "A");
        assert_eq!(avatar_letter("_bob@example.com"), "B");
        assert_eq!(avatar_letter(""), "?");
    }
}
