//! The sandbox X account's analytics: `GET /2/users/me` with
//! `user.fields=public_metrics`, and `GET /2/users/{id}/tweets` with
//! X's parameters and limits — `max_results` 5–100, `start_time` /
//! `end_time`, `pagination_token` from `meta.next_token`, and private
//! metrics only for posts from the last 30 days (older ones get X's 200
//! with a "Field Authorization Error"). The data is deterministic: one post
//! a day at 12:00 UTC for the last 120 days, metrics varying per post.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Fault, Shared};

/// How far back the sandbox account has posted.
pub const HISTORY_DAYS: i64 = 120;
/// X serves private metrics for posts this recent.
const PRIVATE_DAYS: i64 = 30;

/// One post of the sandbox account, with every metric X could report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    pub id: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub likes: u64,
    pub replies: u64,
    pub retweets: u64,
    pub quotes: u64,
    pub impressions: u64,
    pub link_clicks: u64,
    pub profile_clicks: u64,
    pub engagements: u64,
}

/// The post published on `day` (12:00 UTC), its numbers derived from the day.
pub fn post_on(day: NaiveDate) -> Post {
    let n = u64::try_from(day.num_days_from_ce()).unwrap_or(0);
    // Weekdays do better than weekends.
    let weekday = if day.weekday().number_from_monday() <= 5 {
        2
    } else {
        1
    };
    let likes = (10 + (n * 7) % 23) * weekday;
    let replies = 2 + n % 5;
    let retweets = 1 + n % 4;
    let quotes = n % 3;
    let link_clicks = 5 + n % 9;
    let profile_clicks = 3 + n % 6;
    Post {
        id: format!("18{:017}", n),
        text: format!("Sandbox post for {day}: what we shipped this week."),
        created_at: Utc.from_utc_datetime(&day.and_hms_opt(12, 0, 0).expect("noon exists")),
        likes,
        replies,
        retweets,
        quotes,
        impressions: 500 + (n * 37) % 400 + likes * 10,
        link_clicks,
        profile_clicks,
        engagements: likes + replies + retweets + quotes + link_clicks + profile_clicks,
    }
}

/// The account's posts up to `now`, newest first.
pub fn posts(now: DateTime<Utc>) -> Vec<Post> {
    let today = now.date_naive();
    (0..HISTORY_DAYS)
        .map(|back| post_on(today - Duration::days(back)))
        .filter(|p| p.created_at <= now)
        .collect()
}

/// The account's follower total at `now`: steady growth since 2026.
pub fn followers(now: DateTime<Utc>) -> u64 {
    let start = NaiveDate::from_ymd_opt(2026, 1, 1).expect("a real date");
    1000 + 3 * u64::try_from((now.date_naive() - start).num_days()).unwrap_or(0)
}

#[derive(Deserialize)]
pub(super) struct MeQuery {
    #[serde(rename = "user.fields")]
    user_fields: Option<String>,
}

/// `/2/users/me`: the identity, and `public_metrics` when asked for.
pub(super) fn me_body(id: &str, username: &str, q: &MeQuery, now: DateTime<Utc>) -> Value {
    let mut data = json!({ "id": id, "name": "Pulseboard Demo", "username": username });
    if q.user_fields
        .as_deref()
        .is_some_and(|f| f.split(',').any(|f| f == "public_metrics"))
    {
        data["public_metrics"] = json!({
            "followers_count": followers(now),
            "following_count": 180,
            "tweet_count": posts(now).len(),
            "listed_count": 12,
        });
    }
    json!({ "data": data })
}

#[derive(Deserialize)]
pub(super) struct TimelineQuery {
    max_results: Option<String>,
    start_time: Option<String>,
    end_time: Option<String>,
    pagination_token: Option<String>,
    #[serde(rename = "tweet.fields")]
    tweet_fields: Option<String>,
}

fn problem(status: StatusCode, detail: &str) -> Response {
    (
        status,
        axum::Json(
            json!({ "title": "Invalid Request", "detail": detail, "status": status.as_u16() }),
        ),
    )
        .into_response()
}

/// `GET /2/users/{id}/tweets` for a signed-in caller (`authorized`).
pub(super) fn timeline(
    s: &Shared,
    id: &str,
    own_id: &str,
    q: &TimelineQuery,
    now: DateTime<Utc>,
) -> Response {
    match s.fault("x") {
        Some(Fault::RateLimit) => {
            let reset = (now + Duration::minutes(15)).timestamp();
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [
                    ("x-rate-limit-remaining", "0".to_owned()),
                    ("x-rate-limit-reset", reset.to_string()),
                ],
                axum::Json(json!({ "errors": [{ "code": 88, "message": "Rate limit exceeded" }] })),
            )
                .into_response();
        }
        Some(Fault::ServerError) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
        _ => {}
    }
    if id != own_id {
        return problem(StatusCode::NOT_FOUND, "Could not find user");
    }
    let size = match q.max_results.as_deref().map(str::parse::<usize>) {
        None => 10,
        Some(Ok(n)) if (5..=100).contains(&n) => n,
        _ => {
            return problem(
                StatusCode::BAD_REQUEST,
                "max_results must be between 5 and 100",
            );
        }
    };
    let time = |v: &Option<String>| v.as_deref().map(|t| t.parse::<DateTime<Utc>>());
    let start = match time(&q.start_time) {
        Some(Err(_)) => return problem(StatusCode::BAD_REQUEST, "start_time is not RFC 3339"),
        other => other.and_then(Result::ok),
    };
    let end = match time(&q.end_time) {
        Some(Err(_)) => return problem(StatusCode::BAD_REQUEST, "end_time is not RFC 3339"),
        other => other.and_then(Result::ok),
    };
    let offset = match q.pagination_token.as_deref() {
        None => 0,
        Some(t) => match t.strip_prefix("pg").and_then(|n| n.parse::<usize>().ok()) {
            Some(n) => n,
            None => return problem(StatusCode::BAD_REQUEST, "pagination_token is invalid"),
        },
    };
    let fields: Vec<&str> = q.tweet_fields.as_deref().unwrap_or("").split(',').collect();
    let matching: Vec<Post> = posts(now)
        .into_iter()
        .filter(|p| start.is_none_or(|s| p.created_at >= s) && end.is_none_or(|e| p.created_at < e))
        .collect();
    let page: Vec<&Post> = matching.iter().skip(offset).take(size).collect();
    let private_since = now - Duration::days(PRIVATE_DAYS);
    let wants_private = fields.contains(&"non_public_metrics");
    let mut refused = false;
    let data: Vec<Value> = page
        .iter()
        .map(|p| {
            let mut t = json!({ "id": p.id, "text": p.text });
            if fields.contains(&"created_at") {
                t["created_at"] = json!(p.created_at.format("%Y-%m-%dT%H:%M:%S.000Z").to_string());
            }
            if fields.contains(&"public_metrics") {
                t["public_metrics"] = json!({
                    "retweet_count": p.retweets, "reply_count": p.replies, "like_count": p.likes,
                    "quote_count": p.quotes, "bookmark_count": 0, "impression_count": p.impressions,
                });
            }
            if wants_private {
                if p.created_at >= private_since {
                    t["non_public_metrics"] = json!({
                        "impression_count": p.impressions, "url_link_clicks": p.link_clicks,
                        "user_profile_clicks": p.profile_clicks, "engagements": p.engagements,
                    });
                } else {
                    refused = true;
                }
            }
            t
        })
        .collect();
    let mut meta = json!({ "result_count": data.len() });
    if let (Some(first), Some(last)) = (page.first(), page.last()) {
        meta["newest_id"] = json!(first.id);
        meta["oldest_id"] = json!(last.id);
    }
    if offset + size < matching.len() {
        meta["next_token"] = json!(format!("pg{}", offset + size));
    }
    let mut body = json!({ "data": data, "meta": meta });
    if refused {
        body["errors"] = json!([{
            "title": "Field Authorization Error",
            "type": "https://api.twitter.com/2/problems/not-authorized-for-field",
            "field": "non_public_metrics.impression_count",
            "detail": "Sorry, you are not authorized to access 'non_public_metrics.impression_count' on a Tweet older than 30 days.",
        }]);
    }
    if data.is_empty() {
        body = json!({ "meta": { "result_count": 0 } });
    }
    axum::Json(body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_is_deterministic_and_one_post_a_day() {
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 15, 0, 0).unwrap();
        let a = posts(now);
        assert_eq!(a, posts(now));
        assert_eq!(a.len() as i64, HISTORY_DAYS);
        assert_eq!(
            a[0].created_at,
            Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0).unwrap()
        );
        assert!(
            a.windows(2)
                .all(|w| w[0].created_at - w[1].created_at == Duration::days(1))
        );
        assert_eq!(followers(now), 1000 + 3 * 336);
    }
}
