//! Formatting for display. Components call these; they are unit-tested here.

use chrono::{DateTime, Utc};

/// `24 Nov 2026`
pub fn date(at: DateTime<Utc>) -> String {
    at.format("%-d %b %Y").to_string()
}

/// `24 Nov 2026, 14:05 UTC`
pub fn datetime(at: DateTime<Utc>) -> String {
    at.format("%-d %b %Y, %H:%M UTC").to_string()
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

/// A schedule in words: `every 6 hours`, `daily at 07:30`, or `paused`
/// (then what it would be: `paused (every 6 hours)`).
pub fn schedule(interval_minutes: i32, daily_at_minute: Option<i32>, paused: bool) -> String {
    let cadence = match daily_at_minute {
        Some(m) => format!("daily at {}", clock(m)),
        None => interval(interval_minutes),
    };
    if paused {
        format!("paused ({cadence})")
    } else {
        cadence
    }
}

/// A minute of the day as `HH:MM`.
pub fn clock(minute_of_day: i32) -> String {
    let m = minute_of_day.clamp(0, 24 * 60 - 1);
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// The initials shown in the user menu button: `ada@example.com` → `A`.
pub fn avatar_letter(email: &str) -> String {
    email
        .chars()
        .find(|c| c.is_alphanumeric())
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_else(|| "?".to_owned())
}

/// A connection's status in words: `Connected · Expires in 12 days`,
/// `Needs reconnect: the grant was revoked`, `Rate-limited until 14:05 UTC`.
pub fn connection_status(c: &crate::dto::ConnectionView, now: DateTime<Utc>) -> String {
    connection_status_in(c, now, |t| t.format("%H:%M UTC").to_string())
}

/// [`connection_status`] with times written by `time` (a business's zone).
pub fn connection_status_in(
    c: &crate::dto::ConnectionView,
    now: DateTime<Utc>,
    time: impl Fn(DateTime<Utc>) -> String,
) -> String {
    use crate::domain::ConnectionStatus::*;
    match c.status {
        Connected => match c.access_expires_at {
            // Tokens that refresh themselves (X, LinkedIn with a refresh token) don't expire for the user.
            Some(at) if !c.has_refresh_token => {
                let days = (at - now).num_days();
                if at <= now {
                    "Needs reconnect: access expired".to_owned()
                } else if days >= 1 {
                    format!(
                        "Connected · Expires in {days} day{}",
                        if days == 1 { "" } else { "s" }
                    )
                } else {
                    "Connected · Expires today".to_owned()
                }
            }
            // LinkedIn's refresh token dies 365 days after the first consent.
            _ if c
                .refresh_expires_at
                .is_some_and(|r| r - now <= chrono::Duration::days(14)) =>
            {
                let at = c.refresh_expires_at.unwrap_or(now);
                if at <= now {
                    "Needs reconnect: the yearly authorization ended".to_owned()
                } else {
                    let days = (at - now).num_days();
                    format!(
                        "Connected · Reconnect within {days} day{} (yearly authorization)",
                        if days == 1 { "" } else { "s" }
                    )
                }
            }
            // Meta: no refresh; warn at 14 and 3 days before data access lapses.
            _ => match c.data_access_expires_at {
                Some(at) if at <= now => "Needs reconnect: data access expired".to_owned(),
                Some(at) if at - now <= chrono::Duration::days(14) => {
                    let days = (at - now).num_days();
                    let urgent = if days <= 3 { "soon: " } else { "" };
                    format!(
                        "Connected · Reconnect {urgent}data access ends in {days} day{}",
                        if days == 1 { "" } else { "s" }
                    )
                }
                _ => "Connected".to_owned(),
            },
        },
        NeedsReconnect => format!(
            "Needs reconnect: {}",
            match c.last_error_class.as_deref() {
                Some("invalid_grant") => "the platform no longer accepts this grant",
                Some("revoked") => "access was revoked",
                Some("expired") => "access expired",
                Some("data_access_expired") => "data access expired after 90 days without use",
                Some("refresh_expired") => "the yearly authorization ended",
                Some("token_unreadable") => "its stored sign-in can no longer be read",
                _ => "sign in to the platform again",
            }
        ),
        MissingPermission => {
            "Missing permission: reconnect and allow every requested permission".to_owned()
        }
        RateLimited => match c.rate_limited_until {
            Some(t) if t > now => format!("Rate-limited until {}", time(t)),
            _ => "Connected".to_owned(),
        },
    }
}

/// Text a user typed, set inside a sentence: wrapped in Unicode's
/// first-strong isolate (U+2068 … U+2069), the plain-text `<bdi>`, so
/// right-to-left or bidi control characters in it cannot reorder the
/// words around it.
pub fn isolate(s: &str) -> String {
    format!("\u{2068}{s}\u{2069}")
}

/// Escapes text for HTML element content and quoted attribute values: the
/// one escaper for every page built outside Leptos' views.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_is_isolated_from_the_sentence_around_it() {
        let name = "Acme\u{202E}gnp.exe";
        let sentence = format!("Renamed to {}.", isolate(name));
        assert_eq!(sentence, "Renamed to \u{2068}Acme\u{202E}gnp.exe\u{2069}.");
    }

    #[test]
    fn escape_html_neutralises_markup_and_quotes() {
        assert_eq!(
            escape_html(r#"<a href="x" title='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
    }
    use chrono::TimeZone;

    #[test]
    fn dates_are_day_month_year() {
        let at = Utc.with_ymd_and_hms(2026, 11, 4, 13, 0, 0).unwrap();
        assert_eq!(date(at), "4 Nov 2026");
    }

    #[test]
    fn schedules_read_naturally() {
        assert_eq!(schedule(360, None, false), "every 6 hours");
        assert_eq!(schedule(360, Some(7 * 60 + 30), false), "daily at 07:30");
        assert_eq!(schedule(60, None, true), "paused (every hour)");
        assert_eq!(clock(0), "00:00");
        assert_eq!(clock(23 * 60 + 59), "23:59");
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

    fn conn(status: crate::domain::ConnectionStatus) -> crate::dto::ConnectionView {
        crate::dto::ConnectionView {
            id: uuid::Uuid::nil(),
            platform: "x".into(),
            display_name: "@demo".into(),
            status,
            last_error_class: None,
            access_expires_at: None,
            refresh_expires_at: None,
            data_access_expires_at: None,
            has_refresh_token: false,
            last_refreshed_at: None,
            rate_limited_until: None,
            sandbox: true,
            connected_at: Utc::now(),
            status_text: String::new(),
        }
    }

    #[test]
    fn connection_statuses_in_words() {
        use crate::domain::ConnectionStatus::*;
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        let mut c = conn(Connected);
        assert_eq!(connection_status(&c, now), "Connected");
        c.access_expires_at = Some(now + chrono::Duration::days(12) + chrono::Duration::hours(1));
        assert_eq!(connection_status(&c, now), "Connected · Expires in 12 days");
        c.has_refresh_token = true;
        assert_eq!(
            connection_status(&c, now),
            "Connected",
            "self-refreshing tokens don't nag"
        );
        c.refresh_expires_at = Some(now + chrono::Duration::days(5) + chrono::Duration::hours(1));
        assert_eq!(
            connection_status(&c, now),
            "Connected · Reconnect within 5 days (yearly authorization)"
        );
        let mut meta = conn(Connected);
        meta.data_access_expires_at = Some(now + chrono::Duration::days(30));
        assert_eq!(connection_status(&meta, now), "Connected");
        meta.data_access_expires_at =
            Some(now + chrono::Duration::days(10) + chrono::Duration::hours(1));
        assert_eq!(
            connection_status(&meta, now),
            "Connected · Reconnect data access ends in 10 days"
        );
        meta.data_access_expires_at =
            Some(now + chrono::Duration::days(2) + chrono::Duration::hours(1));
        assert_eq!(
            connection_status(&meta, now),
            "Connected · Reconnect soon: data access ends in 2 days"
        );
        meta.data_access_expires_at = Some(now - chrono::Duration::hours(1));
        assert!(connection_status(&meta, now).starts_with("Needs reconnect"));
        let mut c = conn(NeedsReconnect);
        c.last_error_class = Some("invalid_grant".into());
        assert!(connection_status(&c, now).starts_with("Needs reconnect: "));
        c.last_error_class = Some("data_access_expired".into());
        assert_eq!(
            connection_status(&c, now),
            "Needs reconnect: data access expired after 90 days without use"
        );
        let mut c = conn(RateLimited);
        c.rate_limited_until = Some(now + chrono::Duration::minutes(5));
        assert_eq!(connection_status(&c, now), "Rate-limited until 12:05 UTC");
    }

    #[test]
    fn avatar_letter_skips_symbols() {
        assert_eq!(avatar_letter("ada@example.com"), "A");
        assert_eq!(avatar_letter("_bob@example.com"), "B");
        assert_eq!(avatar_letter(""), "?");
    }
}
