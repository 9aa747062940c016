//! The sandbox LinkedIn organization's data, deterministic per UTC day:
//! follower gains, share statistics and page views that are higher on
//! weekdays, and a post every weekday at 15:00 UTC (every third one a
//! `ugcPost`) with lifetime statistics.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use serde_json::{Value, json};

/// The organization the sandbox member administers.
pub const ORGANIZATION: &str = "urn:li:organization:10101010";
/// How far back the organization has posted.
pub const HISTORY_DAYS: i64 = 400;

pub(super) fn n_of(day: NaiveDate) -> u64 {
    u64::try_from(day.num_days_from_ce()).unwrap_or(0)
}

pub(super) fn weekday(day: NaiveDate) -> bool {
    day.weekday().number_from_monday() <= 5
}

/// Organic and paid follower gains on `day`.
pub fn follower_gains(day: NaiveDate) -> (u64, u64) {
    let n = n_of(day);
    (2 + n % 5 + if weekday(day) { 3 } else { 0 }, n % 2)
}

/// The follower total at `now`.
pub fn followers(now: DateTime<Utc>) -> u64 {
    let start = NaiveDate::from_ymd_opt(2026, 1, 1).expect("a real date");
    4200 + 4 * u64::try_from((now.date_naive() - start).num_days()).unwrap_or(0)
}

/// One day's (or one post's) share statistics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shares {
    pub impressions: u64,
    pub unique_impressions: u64,
    pub clicks: u64,
    pub likes: u64,
    pub comments: u64,
    pub shares: u64,
}

impl Shares {
    /// LinkedIn's `engagement`: interactions per impression.
    pub fn engagement(&self) -> f64 {
        (self.clicks + self.likes + self.comments + self.shares) as f64 / self.impressions as f64
    }

    pub(super) fn json(&self) -> Value {
        json!({
            "impressionCount": self.impressions, "uniqueImpressionsCount": self.unique_impressions,
            "clickCount": self.clicks, "likeCount": self.likes, "commentCount": self.comments,
            "shareCount": self.shares, "engagement": self.engagement(),
        })
    }
}

/// The organization's share statistics on `day`.
pub fn shares_on(day: NaiveDate) -> Shares {
    let n = n_of(day);
    let boost = if weekday(day) { 150 } else { 0 };
    let impressions = 300 + (n * 37) % 200 + boost;
    Shares {
        impressions,
        unique_impressions: impressions * 6 / 10,
        clicks: 5 + n % 11,
        likes: 10 + (n * 7) % 17,
        comments: 1 + n % 4,
        shares: n % 3,
    }
}

/// Page views on `day`.
pub fn page_views(day: NaiveDate) -> u64 {
    40 + (n_of(day) * 13) % 30 + if weekday(day) { 20 } else { 0 }
}

/// One post of the organization.
#[derive(Debug, Clone, PartialEq)]
pub struct Post {
    pub urn: String,
    pub text: String,
    pub published_at: DateTime<Utc>,
    pub stats: Shares,
}

pub(super) fn post_on(day: NaiveDate) -> Post {
    let n = n_of(day);
    let kind = if n.is_multiple_of(3) {
        "ugcPost"
    } else {
        "share"
    };
    Post {
        urn: format!("urn:li:{kind}:{}", 7_000_000_000_000_000_000u64 + n),
        text: format!("Sandbox company update for {day}: hiring, shipping, learning."),
        published_at: Utc.from_utc_datetime(&day.and_hms_opt(15, 0, 0).expect("a real time")),
        stats: Shares {
            impressions: 800 + (n * 53) % 500,
            unique_impressions: 500 + (n * 29) % 300,
            clicks: 12 + n % 20,
            likes: 20 + (n * 11) % 40,
            comments: 2 + n % 7,
            shares: 1 + n % 5,
        },
    }
}

/// The organization's posts up to `now`, newest first (as last modified).
pub fn posts(now: DateTime<Utc>) -> Vec<Post> {
    (0..HISTORY_DAYS)
        .map(|back| now.date_naive() - Duration::days(back))
        .filter(|d| weekday(*d))
        .map(post_on)
        .filter(|p| p.published_at <= now)
        .collect()
}
