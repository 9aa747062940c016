//! The sandbox Pages' and Instagram account's analytics on the Graph API,
//! validated as Meta does: a Page token derived from a live user token,
//! with its `appsecret_proof`; a version in the path; current metric names
//! only (a retired one fails the whole request with `(#100)`); `period`;
//! `since`/`until` spans of at most 90 days (30 for Instagram's series);
//! `metric_type=total_value` where Instagram requires it; per-media-type
//! metrics. Daily values end at Pacific midnight (`end_time`).
//!
//! The data is deterministic per Pacific day and node: weekday-heavy views,
//! steady follower growth, a Page post a day at 17:00 UTC and an Instagram
//! media every other day at 18:00 UTC (every third a reel; every fifth has
//! too few viewers for insights).

// A refusal is answered at once by the handler that got it: boxing
// the response would buy nothing.
#![allow(clippy::result_large_err)]

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::America::Los_Angeles;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Fault, Shared};
use crate::meta::{graph_error, page_token_owner};

pub const PAGES: [&str; 2] = ["sbx-page-1", "sbx-page-2"];
pub const INSTAGRAM: &str = "sbx-ig-1";
/// Days of Page posts; Instagram media go back as far, every other day.
pub const HISTORY_DAYS: i64 = 200;

/// Metrics a Page's insights serve today.
const PAGE_METRICS: &[&str] = &[
    "page_media_view",
    "page_total_media_view_unique",
    "page_post_engagements",
    "page_follows",
    "page_daily_follows_unique",
    "page_daily_follows",
    "page_views_total",
    "page_total_actions",
];
const IG_SERIES: &[&str] = &["reach", "follower_count"];
const IG_TOTALS: &[&str] = &[
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

fn seed(day: NaiveDate, node: &str) -> u64 {
    let salt: u64 = node.bytes().map(u64::from).sum::<u64>() % 7;
    u64::try_from(day.num_days_from_ce()).unwrap_or(0) + salt
}

fn weekday(day: NaiveDate) -> bool {
    day.weekday().number_from_monday() <= 5
}

fn days_since_2026(day: NaiveDate) -> u64 {
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

fn pacific_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&Los_Angeles).date_naive()
}

fn pacific_midnight(day: NaiveDate) -> DateTime<Utc> {
    Los_Angeles
        .from_local_datetime(&day.and_time(NaiveTime::MIN))
        .earliest()
        .expect("Pacific midnight exists")
        .with_timezone(&Utc)
}

fn graph_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S+0000").to_string()
}

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/sandbox/meta/{version}/{node}", get(node))
        .route("/sandbox/meta/{version}/{node}/insights", get(insights))
        .route("/sandbox/meta/{version}/{node}/posts", get(posts_edge))
        .route("/sandbox/meta/{version}/{node}/media", get(media_edge))
}

fn invalid(message: &str) -> Response {
    graph_error(StatusCode::BAD_REQUEST, 100, message)
}

/// What a call needs first: a served version, a Page token and proof for
/// `node`, and no fault switched on. The Page the token belongs to.
fn admit(
    s: &Shared,
    version: &str,
    headers: &HeaderMap,
    proof: Option<&str>,
    node: &str,
) -> Result<(), Response> {
    let served = version
        .strip_prefix('v')
        .and_then(|v| v.strip_suffix(".0"))
        .and_then(|v| v.parse::<u32>().ok())
        .is_some();
    if !served {
        return Err(graph_error(
            StatusCode::BAD_REQUEST,
            2500,
            "Unknown path components",
        ));
    }
    let page = {
        let m = s.meta.lock().expect("sandbox lock");
        page_token_owner(&m, headers, proof)
    };
    let Some(page) = page.filter(|_| s.fault("meta") != Some(Fault::Revoked)) else {
        return Err(graph_error(
            StatusCode::BAD_REQUEST,
            190,
            "Invalid OAuth access token or appsecret_proof",
        ));
    };
    let owns = node == page
        || node.starts_with(&format!("{page}_"))
        || (page == PAGES[0] && (node == INSTAGRAM || node.starts_with("sbx-igm-")));
    if !owns {
        return Err(graph_error(
            StatusCode::BAD_REQUEST,
            10,
            "(#10) Requires pages_read_engagement permission to access this object",
        ));
    }
    match s.fault("meta") {
        Some(Fault::RateLimit) => {
            let (code, kind) = if node == INSTAGRAM || node.starts_with("sbx-igm-") {
                (80002, "instagram")
            } else {
                (80001, "pages")
            };
            let usage = json!({ node: [{ "type": kind, "call_count": 100, "total_cputime": 12,
                "total_time": 18, "estimated_time_to_regain_access": 30 }] });
            Err((
                StatusCode::BAD_REQUEST,
                [("x-business-use-case-usage", usage.to_string())],
                axum::Json(json!({ "error": { "message": "There have been too many calls to this object", "type": "OAuthException", "code": code } })),
            )
                .into_response())
        }
        Some(Fault::ServerError) => Err((
            StatusCode::INTERNAL_SERVER_ERROR,
            axum::Json(json!({ "error": { "message": "An unexpected error has occurred. Please retry your request later.", "type": "OAuthException", "code": 2, "is_transient": true } })),
        )
            .into_response()),
        _ => {
            s.meta.lock().expect("sandbox lock").reads += 1;
            Ok(())
        }
    }
}

#[derive(Deserialize)]
struct NodeQuery {
    appsecret_proof: Option<String>,
    fields: Option<String>,
}

async fn node(
    State(s): State<Shared>,
    Path((version, node)): Path<(String, String)>,
    headers: HeaderMap,
    Query(q): Query<NodeQuery>,
) -> Response {
    if let Err(r) = admit(&s, &version, &headers, q.appsecret_proof.as_deref(), &node) {
        return r;
    }
    let now = Utc::now();
    let mut body = json!({ "id": node });
    for field in q
        .fields
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|f| !f.is_empty())
    {
        let value = match (node == INSTAGRAM, field) {
            (false, "followers_count") | (false, "fan_count") => json!(page_followers(&node, now)),
            (false, "name") => json!(node),
            (true, "followers_count") => json!(instagram_followers(now)),
            (true, "follows_count") => json!(210),
            (true, "media_count") => json!(media(now).len()),
            _ => {
                return invalid(&format!(
                    "(#100) Tried accessing nonexisting field ({field})"
                ));
            }
        };
        body[field] = value;
    }
    axum::Json(body).into_response()
}

#[derive(Deserialize)]
struct InsightsQuery {
    appsecret_proof: Option<String>,
    metric: Option<String>,
    period: Option<String>,
    since: Option<i64>,
    until: Option<i64>,
    metric_type: Option<String>,
}

async fn insights(
    State(s): State<Shared>,
    Path((version, node)): Path<(String, String)>,
    headers: HeaderMap,
    Query(q): Query<InsightsQuery>,
) -> Response {
    if let Err(r) = admit(&s, &version, &headers, q.appsecret_proof.as_deref(), &node) {
        return r;
    }
    let Some(metric) = q.metric.as_deref().filter(|m| !m.is_empty()) else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({ "error": { "message": "The value must be a valid insights metric", "code": 3001, "error_subcode": 1504028 } })),
        )
            .into_response();
    };
    let metrics: Vec<&str> = metric.split(',').collect();
    let deprecated = s.fault("meta") == Some(Fault::DeprecatedMetric);
    let now = Utc::now();
    if PAGES.contains(&node.as_str()) {
        if let Some(bad) = metrics
            .iter()
            .find(|m| !PAGE_METRICS.contains(m) || (deprecated && **m == "page_views_total"))
        {
            return invalid(&format!(
                "(#100) The value must be a valid insights metric ({bad})"
            ));
        }
        let days = match span(&q, 90) {
            Ok(d) => d,
            Err(r) => return r,
        };
        return daily(&node, &metrics, &days, |m, d| page_value(&node, m, d));
    }
    if node == INSTAGRAM {
        if q.metric_type.as_deref() == Some("total_value") {
            if let Some(bad) = metrics
                .iter()
                .find(|m| !IG_TOTALS.contains(m) || (deprecated && **m == "saves"))
            {
                return invalid(
                    &format!(
                        "(#100) metric[0] must be one of the following values: {}",
                        IG_TOTALS.join(", ")
                    )
                    .replace("[0]", &format!("[{bad}]")),
                );
            }
            let days = match span(&q, 30) {
                Ok(d) => d,
                Err(r) => return r,
            };
            let data: Vec<Value> = metrics
                .iter()
                .map(|m| {
                    let total: u64 = days.iter().filter_map(|d| instagram_value(m, *d)).sum();
                    json!({ "name": m, "period": q.period.as_deref().unwrap_or("day"),
                        "total_value": { "value": total }, "title": m, "id": format!("{node}/insights/{m}/day") })
                })
                .collect();
            return axum::Json(json!({ "data": data })).into_response();
        }
        if let Some(bad) = metrics.iter().find(|m| !IG_SERIES.contains(m)) {
            return invalid(&format!(
                "(#100) {bad} requires metric_type=total_value or is not a valid time series metric"
            ));
        }
        let days = match span(&q, 30) {
            Ok(d) => d,
            Err(r) => return r,
        };
        // follower_count: the last 30 days only; older days have no data.
        let oldest = pacific_day(now) - Duration::days(30);
        return daily(&node, &metrics, &days, |m, d| {
            (m != "follower_count" || d >= oldest)
                .then(|| instagram_value(m, d).map(Value::from))
                .flatten()
        });
    }
    let lifetime = |items: Vec<Item>, per_type: bool| -> Response {
        let Some(item) = items.into_iter().find(|i| i.id == node) else {
            return graph_error(StatusCode::BAD_REQUEST, 100, "(#100) Object does not exist");
        };
        if item.quiet {
            return graph_error(
                StatusCode::BAD_REQUEST,
                10,
                "(#10) Not enough viewers for the media to show insights",
            );
        }
        let mut data = Vec::new();
        for m in &metrics {
            let Some((_, v)) = item.insights.iter().find(|(n, _)| n == m) else {
                let why = if per_type {
                    format!("(#100) The metric {m} is not supported for this media type")
                } else {
                    format!("(#100) The value must be a valid insights metric ({m})")
                };
                return invalid(&why);
            };
            data.push(
                json!({ "name": m, "period": "lifetime", "values": [{ "value": v }],
                "title": m, "id": format!("{node}/insights/{m}/lifetime") }),
            );
        }
        axum::Json(json!({ "data": data })).into_response()
    };
    if node.starts_with("sbx-igm-") {
        return lifetime(media(now), true);
    }
    match PAGES.iter().find(|p| node.starts_with(&format!("{p}_"))) {
        Some(page) => lifetime(page_posts(page, now), false),
        None => graph_error(StatusCode::BAD_REQUEST, 100, "(#100) Object does not exist"),
    }
}

/// The Pacific days `since`..`until` covers (`period=day` required), at
/// most `max_days` apart.
fn span(q: &InsightsQuery, max_days: i64) -> Result<Vec<NaiveDate>, Response> {
    if q.period.as_deref() != Some("day") {
        return Err(invalid(
            "(#100) period must be one of the following values: day, week, days_28, lifetime",
        ));
    }
    let (Some(since), Some(until)) = (q.since, q.until) else {
        return Err(invalid("(#100) since and until are required"));
    };
    if until <= since {
        return Err(invalid("(#100) until must be after since"));
    }
    if until - since > max_days * 86_400 {
        return Err(invalid(&format!(
            "(#100) There cannot be more than {max_days} days ({} s) between since and until",
            max_days * 86_400
        )));
    }
    let at = |t: i64| DateTime::from_timestamp(t, 0).unwrap_or_default();
    let (first, last) = (pacific_day(at(since)), pacific_day(at(until)));
    let mut days = Vec::new();
    let mut day = first;
    while day < last {
        days.push(day);
        day += Duration::days(1);
    }
    Ok(days)
}

/// A daily insights answer: each value stamped with the end of its Pacific day.
fn daily(
    node: &str,
    metrics: &[&str],
    days: &[NaiveDate],
    value: impl Fn(&str, NaiveDate) -> Option<Value>,
) -> Response {
    let data: Vec<Value> = metrics
        .iter()
        .map(|m| {
            let values: Vec<Value> = days
                .iter()
                .filter_map(|d| {
                    let v = value(m, *d)?;
                    let end = pacific_midnight(*d + Duration::days(1));
                    Some(json!({ "value": v, "end_time": graph_time(end) }))
                })
                .collect();
            json!({ "name": m, "period": "day", "values": values, "title": m,
                "description": format!("Daily {m}"), "id": format!("{node}/insights/{m}/day") })
        })
        .collect();
    axum::Json(json!({ "data": data })).into_response()
}

#[derive(Deserialize)]
struct EdgeQuery {
    appsecret_proof: Option<String>,
    fields: Option<String>,
    limit: Option<usize>,
    after: Option<String>,
}

/// One page of an edge, paged by `after` cursors.
fn edge(items: Vec<Value>, q: &EdgeQuery) -> Response {
    let limit = q.limit.unwrap_or(25);
    if !(1..=100).contains(&limit) {
        return invalid("(#100) limit must be between 1 and 100");
    }
    let start = match q
        .after
        .as_deref()
        .map(|a| a.strip_prefix("c").and_then(|n| n.parse::<usize>().ok()))
    {
        None => 0,
        Some(Some(n)) => n,
        Some(None) => return invalid("(#100) Invalid cursor"),
    };
    let page: Vec<Value> = items.iter().skip(start).take(limit).cloned().collect();
    let end = start + page.len();
    let mut paging =
        json!({ "cursors": { "before": format!("c{start}"), "after": format!("c{end}") } });
    if end < items.len() {
        paging["next"] = json!(format!("https://graph.facebook.com/next?after=c{end}"));
    }
    axum::Json(json!({ "data": page, "paging": paging })).into_response()
}

async fn posts_edge(
    State(s): State<Shared>,
    Path((version, node)): Path<(String, String)>,
    headers: HeaderMap,
    Query(q): Query<EdgeQuery>,
) -> Response {
    if let Err(r) = admit(&s, &version, &headers, q.appsecret_proof.as_deref(), &node) {
        return r;
    }
    if !PAGES.contains(&node.as_str()) {
        return invalid("(#100) Tried accessing nonexisting field (posts)");
    }
    let fields = q.fields.clone().unwrap_or_default();
    let has = |f: &str| fields.split(',').any(|x| x == f);
    let items = page_posts(&node, Utc::now())
        .into_iter()
        .map(|p| {
            let mut v = json!({ "id": p.id });
            if has("created_time") {
                v["created_time"] = json!(graph_time(p.at));
            }
            if has("message") {
                v["message"] = json!(p.text);
            }
            if has("permalink_url") {
                v["permalink_url"] = json!(format!(
                    "https://www.facebook.com/{}",
                    p.id.replace('_', "/posts/")
                ));
            }
            if has("status_type") {
                v["status_type"] = json!("mobile_status_update");
            }
            v
        })
        .collect();
    edge(items, &q)
}

async fn media_edge(
    State(s): State<Shared>,
    Path((version, node)): Path<(String, String)>,
    headers: HeaderMap,
    Query(q): Query<EdgeQuery>,
) -> Response {
    if let Err(r) = admit(&s, &version, &headers, q.appsecret_proof.as_deref(), &node) {
        return r;
    }
    if node != INSTAGRAM {
        return invalid("(#100) Tried accessing nonexisting field (media)");
    }
    let fields = q.fields.clone().unwrap_or_default();
    let has = |f: &str| fields.split(',').any(|x| x == f);
    let items = media(Utc::now())
        .into_iter()
        .map(|m| {
            let count = |name: &str| {
                m.insights
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.clone())
            };
            let mut v = json!({ "id": m.id });
            if has("caption") {
                v["caption"] = json!(m.text);
            }
            if has("media_type") {
                v["media_type"] = json!(if m.product == "REELS" {
                    "VIDEO"
                } else {
                    "IMAGE"
                });
            }
            if has("media_product_type") {
                v["media_product_type"] = json!(m.product);
            }
            if has("timestamp") {
                v["timestamp"] = json!(graph_time(m.at));
            }
            if has("permalink") {
                v["permalink"] = json!(format!("https://www.instagram.com/p/{}/", m.id));
            }
            if has("like_count") {
                v["like_count"] = count("likes").unwrap_or_default();
            }
            if has("comments_count") {
                v["comments_count"] = count("comments").unwrap_or_default();
            }
            v
        })
        .collect();
    edge(items, &q)
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
