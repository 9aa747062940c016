//! A business's time zone as the browser needs it: its UTC offsets and
//! abbreviations over the years around now, so every time on a business's
//! pages reads in its zone (`3 Dec 2026, 14:05 CET`) without shipping the tz
//! database to the browser. The server builds it from the tz database
//! (`LocalZone::around`, feature `tz`); both sides format with the same
//! plain functions, so the server's first paint and the hydrated page agree.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

/// One stretch of time with a single offset: from `from` (UTC) until the
/// next span's `from`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub from: DateTime<Utc>,
    /// Seconds east of UTC.
    pub offset: i32,
    /// `CET`, `PDT`; zones without letters get the offset (`-03`).
    pub abbreviation: String,
}

/// An IANA zone's offsets over a window of years. Times before the window
/// use its first span, times after it its last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalZone {
    pub name: String,
    /// Ordered by `from`; never empty.
    pub spans: Vec<Span>,
}

impl Default for LocalZone {
    fn default() -> Self {
        LocalZone::utc()
    }
}

impl LocalZone {
    pub fn utc() -> Self {
        LocalZone {
            name: "UTC".to_owned(),
            spans: vec![Span {
                from: DateTime::<Utc>::MIN_UTC,
                offset: 0,
                abbreviation: "UTC".to_owned(),
            }],
        }
    }

    /// The span in force at `at`.
    fn span(&self, at: DateTime<Utc>) -> &Span {
        let i = self.spans.partition_point(|s| s.from <= at);
        &self.spans[i.saturating_sub(1)]
    }

    /// `at` on this zone's wall clock, and the zone's abbreviation then.
    pub fn local(&self, at: DateTime<Utc>) -> (DateTime<FixedOffset>, &str) {
        let span = self.span(at);
        let offset =
            FixedOffset::east_opt(span.offset).unwrap_or(FixedOffset::east_opt(0).expect("zero"));
        (at.with_timezone(&offset), &span.abbreviation)
    }

    /// `24 Nov 2026, 14:05 CET`
    pub fn datetime(&self, at: DateTime<Utc>) -> String {
        let (local, abbreviation) = self.local(at);
        format!("{} {abbreviation}", local.format("%-d %b %Y, %H:%M"))
    }

    /// `14:05 CET`
    pub fn time(&self, at: DateTime<Utc>) -> String {
        let (local, abbreviation) = self.local(at);
        format!("{} {abbreviation}", local.format("%H:%M"))
    }

    /// `24 Nov 2026`, the local day.
    pub fn date(&self, at: DateTime<Utc>) -> String {
        self.local(at).0.format("%-d %b %Y").to_string()
    }
}

/// What a change of zone did, for its toast: the schedule keeps its local
/// times, so its next slot moves with the zone.
pub fn moved_message(b: &crate::dto::BusinessView, zone: &LocalZone) -> String {
    let cadence = crate::format::schedule(
        b.sync_interval_minutes,
        b.sync_daily_at_minute,
        b.sync_paused,
    );
    match b.next_sync_at {
        Some(next) if !b.sync_paused => format!(
            "Time zone set to {}. The schedule keeps its local times ({cadence}), now in this zone: the next sync is {}.",
            b.timezone,
            zone.datetime(next)
        ),
        _ => format!(
            "Time zone set to {}: times and the schedule ({cadence}) now follow it.",
            b.timezone
        ),
    }
}

#[cfg(feature = "tz")]
mod build {
    use chrono::{Duration, Offset, TimeZone, Utc};
    use chrono_tz::{OffsetName, Tz};

    use super::{DateTime, LocalZone, Span};

    /// Sampled weekly: no zone has changed its offset twice within a week.
    const STEP: i64 = 7 * 24 * 3600;

    fn at(zone: Tz, t: DateTime<Utc>) -> (i32, String) {
        let o = zone.offset_from_utc_datetime(&t.naive_utc());
        let seconds = o.fix().local_minus_utc();
        let abbreviation = match o.abbreviation() {
            Some(a) => a.to_owned(),
            None => numeric(seconds),
        };
        (seconds, abbreviation)
    }

    /// `+0530`-style names for zones without letters, as tzdb writes them (`-03`).
    fn numeric(seconds: i32) -> String {
        let sign = if seconds < 0 { '-' } else { '+' };
        let (h, m) = (seconds.abs() / 3600, seconds.abs() % 3600 / 60);
        if m == 0 {
            format!("{sign}{h:02}")
        } else {
            format!("{sign}{h:02}{m:02}")
        }
    }

    impl LocalZone {
        /// `zone`'s spans from `years_back` years before `now` to
        /// `years_ahead` after it, each change found to the second.
        pub fn around(zone: Tz, now: DateTime<Utc>, years_back: i64, years_ahead: i64) -> Self {
            // Whole seconds: tzdb changes fall on them.
            let second = |t: i64| DateTime::<Utc>::from_timestamp(t, 0).expect("in range");
            let start = (now - Duration::days(366 * years_back)).timestamp();
            let end = (now + Duration::days(366 * years_ahead)).timestamp();
            let (offset, abbreviation) = at(zone, second(start));
            let mut spans = vec![Span {
                from: DateTime::<Utc>::MIN_UTC,
                offset,
                abbreviation,
            }];
            let mut before = start;
            while before < end {
                let after = before + STEP;
                let last = spans.last().expect("never empty");
                let current = (last.offset, last.abbreviation.clone());
                if at(zone, second(after)) != current {
                    // The change lies in (before, after]: bisect to the second.
                    let (mut lo, mut hi) = (before, after);
                    while hi - lo > 1 {
                        let mid = lo + (hi - lo) / 2;
                        if at(zone, second(mid)) == current {
                            lo = mid;
                        } else {
                            hi = mid;
                        }
                    }
                    let (offset, abbreviation) = at(zone, second(hi));
                    spans.push(Span {
                        from: second(hi),
                        offset,
                        abbreviation,
                    });
                }
                before = after;
            }
            LocalZone {
                name: zone.name().to_owned(),
                spans,
            }
        }

        /// The zone a business's pages use: three years back (history),
        /// two ahead (schedules, expiry dates). An unknown name reads as UTC.
        pub fn for_business(name: &str, now: DateTime<Utc>) -> Self {
            match name.parse::<Tz>() {
                Ok(zone) => Self::around(zone, now, 3, 2),
                Err(_) => Self::utc(),
            }
        }
    }
}

#[cfg(all(test, feature = "tz"))]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn now() -> DateTime<Utc> {
        utc(2026, 12, 3, 12, 0)
    }

    #[test]
    fn berlin_across_both_changes_of_2026() {
        let z = LocalZone::for_business("Europe/Berlin", now());
        // Summer time starts 29 Mar 2026 at 01:00 UTC (02:00 CET → 03:00 CEST).
        assert_eq!(
            z.datetime(utc(2026, 3, 29, 0, 59)),
            "29 Mar 2026, 01:59 CET"
        );
        assert_eq!(
            z.datetime(utc(2026, 3, 29, 1, 0)),
            "29 Mar 2026, 03:00 CEST"
        );
        // It ends 25 Oct 2026 at 01:00 UTC (03:00 CEST → 02:00 CET): 02:30
        // happens twice, told apart by the abbreviation.
        assert_eq!(
            z.datetime(utc(2026, 10, 25, 0, 30)),
            "25 Oct 2026, 02:30 CEST"
        );
        assert_eq!(
            z.datetime(utc(2026, 10, 25, 1, 30)),
            "25 Oct 2026, 02:30 CET"
        );
        assert_eq!(z.time(utc(2026, 7, 1, 12, 0)), "14:00 CEST");
    }

    #[test]
    fn los_angeles_across_both_changes_of_2026() {
        let z = LocalZone::for_business("America/Los_Angeles", now());
        // 8 Mar 2026: 02:00 PST (10:00 UTC) jumps to 03:00 PDT.
        assert_eq!(z.datetime(utc(2026, 3, 8, 9, 59)), "8 Mar 2026, 01:59 PST");
        assert_eq!(z.datetime(utc(2026, 3, 8, 10, 0)), "8 Mar 2026, 03:00 PDT");
        // 1 Nov 2026: 02:00 PDT (09:00 UTC) falls back to 01:00 PST.
        assert_eq!(z.datetime(utc(2026, 11, 1, 8, 30)), "1 Nov 2026, 01:30 PDT");
        assert_eq!(z.datetime(utc(2026, 11, 1, 9, 30)), "1 Nov 2026, 01:30 PST");
        // The local day, not UTC's: 03:00 UTC on 3 Dec is the evening of 2 Dec.
        assert_eq!(z.date(utc(2026, 12, 3, 3, 0)), "2 Dec 2026");
    }

    #[test]
    fn zones_without_letters_and_without_changes() {
        let sao_paulo = LocalZone::for_business("America/Sao_Paulo", now());
        assert_eq!(sao_paulo.time(utc(2026, 1, 1, 12, 0)), "09:00 -03");
        let kolkata = LocalZone::for_business("Asia/Kolkata", now());
        assert_eq!(
            kolkata.spans.len(),
            1,
            "India has had one offset since 1945"
        );
        assert_eq!(kolkata.time(utc(2026, 1, 1, 12, 0)), "17:30 IST");
        assert_eq!(
            LocalZone::for_business("UTC", now()).time(now()),
            "12:00 UTC"
        );
    }

    #[test]
    fn a_move_says_where_the_next_sync_went() {
        let zone = LocalZone::for_business("America/Los_Angeles", now());
        let mut b = crate::dto::BusinessView {
            id: uuid::Uuid::nil(),
            name: "Northwind".into(),
            timezone: "America/Los_Angeles".into(),
            role: crate::domain::Role::Owner,
            sync_interval_minutes: 360,
            sync_daily_at_minute: Some(7 * 60 + 30),
            sync_paused: false,
            next_sync_at: Some(utc(2026, 12, 3, 15, 30)),
            created_at: now(),
        };
        assert_eq!(
            moved_message(&b, &zone),
            "Time zone set to America/Los_Angeles. The schedule keeps its local times (daily at 07:30), now in this zone: the next sync is 3 Dec 2026, 07:30 PST."
        );
        b.next_sync_at = None;
        assert_eq!(
            moved_message(&b, &zone),
            "Time zone set to America/Los_Angeles: times and the schedule (daily at 07:30) now follow it."
        );
    }

    #[test]
    fn outside_the_window_the_nearest_span_holds() {
        let z = LocalZone::for_business("Europe/Berlin", now());
        assert!(z.spans.len() >= 10, "five years of two changes each");
        // Years beyond the window keep the last span's offset: wrong only
        // for a few months of a far future year, never a panic.
        let far = utc(2040, 1, 1, 0, 0);
        assert!(z.datetime(far).starts_with("1 Jan 2040"));
        assert_eq!(
            LocalZone::for_business("Mars/Olympus", now()),
            LocalZone::utc()
        );
    }
}
