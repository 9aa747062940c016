//! The sandbox Meta nodes' data: deterministic per Pacific day and node —
//! weekday-heavy views, steady follower growth, a Page post a day at 17:00
//! UTC and an Instagram media every other day at 18:00 UTC (every third a
//! reel; every fifth has too few viewers for insights) — and the Graph
//! API's Pacific day boundaries.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::America::Los_Angeles;
use serde_json::{Value, json};

pub const PAGES: [&str; 2] = ["sbx-page-1", "sbx-page-2"];
pub const INSTAGRAM: &str = "sbx-ig-1";
/// Days of Page posts; Instagram media go back as far, every other day.
pub const HISTORY_DAYS: i64 = 200;

/// Metrics a Page's insights serve today.
pub(super) const PAGE_METRICS: &[&str] = &[
    "page_media_view",
    "page_total_media_view_unique",
    "page_post_engagements",
    "page_follows",
    "page_daily_follows_unique",
    "page_daily_follows",
    "page_views_total",
    "page_total_actions",
];
pub(super) const IG_SERIES: &[&str] = &["reach", "follower_count"];
pub(super) const IG_TOTALS: &[&str] = &[
    "views",
    "reach",
    "accounts_engaged",
    "total_interactions",
    "likes",
    "comments",
    "shares",
    "saves",
    "replies",
    "profile_links_taps",
    "follows_and_unfollows",
];

pub(super) fn seed(day: NaiveDate, node: &str) -> u64 {
    let salt: u64 = node.bytes().map(u64::from).sum::<u64>() % 7;
    u64::try_from(day.num_days_from_ce()).unwrap_or(0) + salt
}

pub(super) fn weekday(day: NaiveDate) -> bool {
    day.weekday().number_from_monday() <= 5
}

pub(super) fn days_since_2026(day: NaiveDate) -> u64 {
    let start = NaiveDate::from_ymd_opt(2026, 1, 1).expect("a real date");
    u64::try_from((day - start).num_days()).unwrap_or(0)
}

/// A Page's value of `metric` on Pacific day `day` (`None`: not a metric).
pub fn page_value(node: &str, metric: &str, day: NaiveDate) -> Option<Value> {
    let n = seed(day, node);
    let views = 900 + (n * 41) % 400 + if weekday(day) { 300 } else { 0 };
    Some(match metric {
        "page_media_view" => json!(views),
        "page_total_media_view_unique" => json!(views * 55 / 100),
        "page_post_engagements" => json!(60 + (n * 17) % 50),
        "page_follows" => json!(2400 + 5 * days_since_2026(day)),
        "page_daily_follows_unique" | "page_daily_follows" => json!(3 + n % 6),
        "page_views_total" => json!(120 + (n * 23) % 80),
        // A breakdown, as Meta sends some metrics.
        "page_total_actions" => json!({ "website": 4 + n % 3, "call": n % 2 }),
        _ => return None,
    })
}

/// The Instagram account's daily value of `metric` on Pacific day `day`.
pub fn instagram_value(metric: &str, day: NaiveDate) -> Option<u64> {
    let n = seed(day, INSTAGRAM);
    let likes = 120 + (n * 7) % 60;
    let comments = 10 + n % 9;
    let shares = 5 + n % 6;
    let saves = 8 + n % 5;
    Some(match metric {
        "reach" => 700 + (n * 31) % 300,
        "follower_count" => 4 + n % 7,
        "views" => 1500 + (n * 43) % 600,
        "accounts_engaged" => 80 + n % 40,
        "likes" => likes,
        "comments" => comments,
        "shares" => shares,
        "saves" => saves,
        "total_interactions" => likes + comments + shares + saves,
        "replies" => n % 4,
        "profile_links_taps" => 6 + n % 5,
        "follows_and_unfollows" => 4 + n % 7,
        _ => return None,
    })
}

/// Follower totals today.
pub fn page_followers(node: &str, now: DateTime<Utc>) -> u64 {
    page_value(node, "page_follows", pacific_day(now))
        .and_then(|v| v.as_u64())
        .unwrap_or(0)
}

pub fn instagram_followers(now: DateTime<Utc>) -> u64 {
    3100 + 6 * days_since_2026(pacific_day(now))
}

/// A Page post or an Instagram media, with its lifetime insights.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub id: String,
    pub text: String,
    pub at: DateTime<Utc>,
    /// `FEED` or `REELS` (Instagram only).
    pub product: &'static str,
    /// Too few viewers for insights.
    pub quiet: bool,
    pub insights: Vec<(&'static str, Value)>,
}

/// The Page's posts up to `now`, newest first.
pub fn page_posts(node: &str, now: DateTime<Utc>) -> Vec<Item> {
    (0..HISTORY_DAYS)
        .map(|back| now.date_naive() - Duration::days(back))
        .map(|day| {
            let n = seed(day, node);
            let views = 400 + (n * 37) % 300;
            Item {
                id: format!("{node}_{}", 100_000 + n),
                text: format!("Sandbox Page post for {day}: fresh from the roastery."),
                at: Utc.from_utc_datetime(&day.and_hms_opt(17, 0, 0).expect("a real time")),
                product: "FEED",
                quiet: false,
                insights: vec![
                    ("post_media_view", json!(views)),
                    ("post_total_media_view_unique", json!(views * 7 / 10)),
                    ("post_clicks", json!(15 + n % 25)),
                    (
                        "post_clicks_by_type",
                        json!({ "link clicks": 5 + n % 5, "other clicks": 10 + n % 20 }),
                    ),
                    (
                        "post_reactions_by_type_total",
                        json!({ "like": 30 + n % 20, "love": n % 6 }),
                    ),
                ],
            }
        })
        .filter(|p| p.at <= now)
        .collect()
}

/// The Instagram account's media up to `now`, newest first.
pub fn media(now: DateTime<Utc>) -> Vec<Item> {
    (0..HISTORY_DAYS)
        .map(|back| now.date_naive() - Duration::days(back))
        .filter(|day| day.num_days_from_ce() % 2 == 0)
        .map(|day| {
            let n = seed(day, INSTAGRAM);
            let reel = n.is_multiple_of(3);
            let views = 2000 + (n * 59) % 1500;
            let (likes, comments, shares, saved) =
                (150 + n % 90, 12 + n % 15, 4 + n % 9, 9 + n % 11);
            let mut insights = vec![
                ("views", json!(views)),
                ("reach", json!(views * 6 / 10)),
                ("saved", json!(saved)),
                ("likes", json!(likes)),
                ("comments", json!(comments)),
                ("shares", json!(shares)),
                (
                    "total_interactions",
                    json!(likes + comments + shares + saved),
                ),
            ];
            if reel {
                insights.push(("ig_reels_avg_watch_time", json!(4200 + n % 900)));
                insights.push(("ig_reels_video_view_total_time", json!(views * 3900)));
            } else {
                insights.push(("profile_visits", json!(20 + n % 30)));
                insights.push(("follows", json!(n % 5)));
                insights.push(("profile_activity", json!(25 + n % 30)));
            }
            Item {
                id: format!("sbx-igm-{}", 180_000 + n),
                text: format!("Sandbox media for {day} #coffee"),
                at: Utc.from_utc_datetime(&day.and_hms_opt(18, 0, 0).expect("a real time")),
                product: if reel { "REELS" } else { "FEED" },
                quiet: n.is_multiple_of(5),
                insights,
            }
        })
        .filter(|m| m.at <= now)
        .collect()
}

pub(super) fn pacific_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&Los_Angeles).date_naive()
}

pub(super) fn pacific_midnight(day: NaiveDate) -> DateTime<Utc> {
    Los_Angeles
        .from_local_datetime(&day.and_time(NaiveTime::MIN))
        .earliest()
        .expect("Pacific midnight exists")
        .with_timezone(&Utc)
}

pub(super) fn graph_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S+0000").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daily_values_end_at_pacific_midnight_across_dst() {
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(
            graph_time(pacific_midnight(day("2026-09-02"))),
            "2026-09-02T07:00:00+0000"
        );
        assert_eq!(
            graph_time(pacific_midnight(day("2026-11-03"))),
            "2026-11-03T08:00:00+0000"
        );
    }

    #[test]
    fn the_data_is_deterministic() {
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 20, 0, 0).unwrap();
        assert_eq!(page_posts(PAGES[0], now), page_posts(PAGES[0], now));
        let m = media(now);
        assert!(m.iter().any(|i| i.product == "REELS"));
        assert!(m.iter().any(|i| i.quiet));
        assert!(m.windows(2).all(|w| w[0].at > w[1].at));
    }
}
