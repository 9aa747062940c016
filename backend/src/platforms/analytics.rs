//! What a platform's fetcher returns: daily points and posts in the
//! normalised vocabulary (the native names kept), the metrics the platform
//! refused, and how many calls it took.

use chrono::{DateTime, NaiveDate, Utc};
use shared::domain::{AccountKind, Metric};

use super::ProviderError;

/// One value of one metric on one of the platform's reporting days.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub metric: Metric,
    pub day: NaiveDate,
    pub value: f64,
    /// What the platform calls it.
    pub native: String,
}

/// A post and its metrics as the platform reported them.
#[derive(Debug, Clone, PartialEq)]
pub struct PostRecord {
    pub external_id: String,
    pub published_at: DateTime<Utc>,
    pub excerpt: String,
    pub url: Option<String>,
    pub metrics: Vec<(Metric, f64)>,
}

/// The days to fetch: from `since` (inclusive) until `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub since: DateTime<Utc>,
    pub now: DateTime<Utc>,
}

/// One connection's fetch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fetched {
    pub points: Vec<Point>,
    pub posts: Vec<PostRecord>,
    /// Native metrics the platform refused, with its message.
    pub refused: Vec<(String, String)>,
    /// HTTP calls made (X bills per read).
    pub calls: u32,
}

/// The account a fetch is for, as the connection stores it.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub external_id: &'a str,
    /// Meta's Pages and Instagram accounts share one adapter.
    pub kind: AccountKind,
}

/// Why one call of a fetch failed: the platform refused that metric group
/// alone (the rest of the fetch goes on), or the whole fetch must stop.
#[derive(Debug)]
pub(crate) enum CallError {
    /// The platform's message: remembered as unavailable for the connection.
    Refused(String),
    Fatal(ProviderError),
}

impl From<ProviderError> for CallError {
    fn from(e: ProviderError) -> Self {
        CallError::Fatal(e)
    }
}

impl Fetched {
    /// A metric group's result: its data, or `None` with the refusal
    /// recorded under `group`; a fatal error ends the fetch.
    pub(crate) fn group<T>(
        &mut self,
        group: &str,
        result: Result<T, CallError>,
    ) -> Result<Option<T>, ProviderError> {
        match result {
            Ok(v) => Ok(Some(v)),
            Err(CallError::Refused(message)) => {
                if !self.refused.iter().any(|(g, _)| g == group) {
                    self.refused.push((group.to_owned(), message));
                }
                Ok(None)
            }
            Err(CallError::Fatal(e)) => Err(e),
        }
    }

    /// Appends `metric` on `day` under its native name.
    pub(crate) fn point(&mut self, metric: Metric, day: NaiveDate, value: f64, native: &str) {
        self.points.push(Point {
            metric,
            day,
            value,
            native: native.to_owned(),
        });
    }
}

/// Posts published per day, the day as `day_of` says (the platform's own).
pub(crate) fn posts_per_day(
    posts: &[PostRecord],
    native: &str,
    day_of: impl Fn(DateTime<Utc>) -> NaiveDate,
) -> Vec<Point> {
    let mut days: std::collections::BTreeMap<NaiveDate, f64> = Default::default();
    for p in posts {
        *days.entry(day_of(p.published_at)).or_default() += 1.0;
    }
    days.into_iter()
        .map(|(day, n)| Point {
            metric: Metric::PostsPublished,
            day,
            value: n,
            native: native.to_owned(),
        })
        .collect()
}

/// A post's text shortened for a table cell, on a character boundary.
pub fn excerpt(text: &str) -> String {
    const MAX: usize = 140;
    let mut out: String = text.chars().take(MAX).collect();
    if text.chars().count() > MAX {
        out.push('…');
    }
    out
}
