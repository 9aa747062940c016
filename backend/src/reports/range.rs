//! The range of days a report covers: both ends included, `from` ≤ `to`,
//! at most two years; by default the last 30 days up to today in the
//! business's time zone.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::error::Error;

/// Days a default range spans.
pub const DEFAULT_DAYS: i64 = 30;
/// The longest range one request may ask for.
pub const MAX_DAYS: i64 = 731;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Range {
    /// The range asked for, with the defaults filled in; `today` is the
    /// business's local date.
    pub fn new(
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Result<Range, Error> {
        let to = to.unwrap_or(today);
        let from = from.unwrap_or(to - Duration::days(DEFAULT_DAYS - 1));
        if from > to {
            return Err(invalid("from", "The start of the range is after its end."));
        }
        if (to - from).num_days() + 1 > MAX_DAYS {
            return Err(invalid(
                "from",
                &format!("Choose a range of at most {MAX_DAYS} days."),
            ));
        }
        Ok(Range { from, to })
    }
}

/// Today's date in `timezone` (an IANA name; UTC when it is not one).
pub fn local_today(timezone: &str, now: DateTime<Utc>) -> NaiveDate {
    let zone: Tz = timezone.parse().unwrap_or(Tz::UTC);
    now.with_timezone(&zone).date_naive()
}

fn invalid(field: &str, message: &str) -> Error {
    Error::Invalid {
        field: field.to_owned(),
        message: message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_default_is_the_last_thirty_days_including_today() {
        let r = Range::new(None, None, day("2026-12-03")).unwrap();
        assert_eq!((r.from, r.to), (day("2026-11-04"), day("2026-12-03")));
        let r = Range::new(None, Some(day("2026-02-28")), day("2026-12-03")).unwrap();
        assert_eq!(r.from, day("2026-01-30"));
    }

    #[test]
    fn today_is_the_business_s_local_date() {
        let now: DateTime<Utc> = "2026-12-03T02:30:00Z".parse().unwrap();
        assert_eq!(local_today("America/Los_Angeles", now), day("2026-12-02"));
        assert_eq!(local_today("Europe/Berlin", now), day("2026-12-03"));
        assert_eq!(local_today("Not/AZone", now), day("2026-12-03"));
    }

    #[test]
    fn a_reversed_or_overlong_range_is_refused_naming_the_field() {
        let today = day("2026-12-03");
        let e = Range::new(Some(day("2026-12-04")), Some(today), today).unwrap_err();
        assert!(
            matches!(e, Error::Invalid { ref field, .. } if field == "from"),
            "{e}"
        );
        assert!(Range::new(Some(day("2024-12-02")), Some(today), today).is_err());
        assert!(Range::new(Some(day("2024-12-03")), Some(today), today).is_ok());
        assert!(Range::new(Some(today), Some(today), today).is_ok());
    }
}
