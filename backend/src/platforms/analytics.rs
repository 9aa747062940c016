//! What a platform's fetcher returns: daily points and posts in the
//! normalised vocabulary (the native names kept), the metrics the platform
//! refused, and how many calls it took.

use chrono::{DateTime, NaiveDate, Utc};
use shared::domain::Metric;

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
