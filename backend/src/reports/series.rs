//! Bucketing a daily series into weeks. A week is an ISO week (Monday to
//! Sunday) labelled by its Monday; its value depends on what the metric
//! is: a follower total is the last day's total, a rate is the mean of
//! its days, and everything else (views, engagements, gains, …) adds up.

use chrono::{Datelike, Duration, NaiveDate};
use shared::domain::{Granularity, Metric};

/// How a metric's days combine into a longer bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Combine {
    Last,
    Mean,
    Sum,
}

pub fn combine_for(metric: Metric) -> Combine {
    match metric {
        Metric::Followers => Combine::Last,
        Metric::EngagementRate => Combine::Mean,
        _ => Combine::Sum,
    }
}

/// The Monday of `day`'s ISO week.
pub fn week_of(day: NaiveDate) -> NaiveDate {
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

/// `days` (sorted by day, one value per day) bucketed by `granularity`.
pub fn bucket(
    days: &[(NaiveDate, f64)],
    metric: Metric,
    granularity: Granularity,
) -> Vec<(NaiveDate, f64)> {
    if granularity == Granularity::Day {
        return days.to_vec();
    }
    let how = combine_for(metric);
    let mut out: Vec<(NaiveDate, f64, u32)> = Vec::new();
    for &(day, value) in days {
        let week = week_of(day);
        match out.last_mut() {
            Some((w, acc, n)) if *w == week => {
                *acc = match how {
                    Combine::Last => value,
                    Combine::Mean | Combine::Sum => *acc + value,
                };
                *n += 1;
            }
            _ => out.push((week, value, 1)),
        }
    }
    out.into_iter()
        .map(|(week, acc, n)| match how {
            Combine::Mean => (week, acc / f64::from(n)),
            Combine::Last | Combine::Sum => (week, acc),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// 2026-11-26 (Thursday) to 2026-12-08 (Tuesday): parts of three weeks.
    fn series() -> Vec<(NaiveDate, f64)> {
        (0..13)
            .map(|i| (day("2026-11-26") + Duration::days(i), (i + 1) as f64))
            .collect()
    }

    #[test]
    fn weeks_start_on_monday() {
        assert_eq!(week_of(day("2026-12-03")), day("2026-11-30"));
        assert_eq!(week_of(day("2026-11-30")), day("2026-11-30"));
        assert_eq!(week_of(day("2026-12-06")), day("2026-11-30"));
    }

    #[test]
    fn counts_add_up_over_a_week() {
        let weeks = bucket(&series(), Metric::Views, Granularity::Week);
        assert_eq!(
            weeks,
            vec![
                (day("2026-11-23"), 1.0 + 2.0 + 3.0 + 4.0),
                (day("2026-11-30"), (5..=11).sum::<i32>() as f64),
                (day("2026-12-07"), 12.0 + 13.0),
            ]
        );
    }

    #[test]
    fn a_follower_total_is_the_weeks_last_day_and_a_rate_its_mean() {
        let last = bucket(&series(), Metric::Followers, Granularity::Week);
        assert_eq!(last[0], (day("2026-11-23"), 4.0));
        assert_eq!(last[1], (day("2026-11-30"), 11.0));
        let mean = bucket(&series(), Metric::EngagementRate, Granularity::Week);
        assert_eq!(mean[1], (day("2026-11-30"), 8.0));
        assert_eq!(mean[2], (day("2026-12-07"), 12.5));
    }

    #[test]
    fn days_are_returned_as_they_are() {
        assert_eq!(bucket(&series(), Metric::Views, Granularity::Day), series());
        assert!(bucket(&[], Metric::Views, Granularity::Week).is_empty());
    }
}
