//! X analytics on self-serve access: the follower total from
//! `/2/users/me` (X keeps no follower history: the daily value is our own
//! snapshot), and posts from `/2/users/{id}/tweets` with their public
//! metrics — and private ones only for posts inside X's 30-day window,
//! which is asked for separately so older posts never draw a field error.

use chrono::{DateTime, Duration, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use shared::domain::Metric;

use super::super::analytics::{Fetched, Point, PostRecord, Target, Window, excerpt, posts_per_day};
use super::super::client::transport;
use super::super::tokens::classify_error;
use super::super::{ProviderError, ProviderSettings};

/// Private metrics exist for posts created in the last 30 days; an hour of
/// margin keeps a post at the edge out of the private request.
const PRIVATE_WINDOW: Duration = Duration::hours(30 * 24 - 1);
/// X's largest page.
const PAGE_SIZE: &str = "100";
/// X serves a user's 3,200 most recent posts: 32 pages.
const MAX_PAGES: u32 = 32;
const PUBLIC_FIELDS: &str = "created_at,public_metrics";
const PRIVATE_FIELDS: &str = "created_at,public_metrics,non_public_metrics";

pub(super) async fn fetch(
    cfg: &ProviderSettings,
    http: &reqwest::Client,
    token: &SecretString,
    target: Target<'_>,
    window: Window,
) -> Result<Fetched, ProviderError> {
    let mut out = Fetched::default();
    let api = cfg.api_url.trim_end_matches('/');

    let me: Me = get(
        http,
        token,
        &format!("{api}/2/users/me"),
        &[("user.fields", "public_metrics")],
        &mut out.calls,
    )
    .await?;
    out.points.push(Point {
        metric: Metric::Followers,
        day: window.now.date_naive(),
        value: me.data.public_metrics.followers_count as f64,
        native: "followers_count".into(),
    });

    let private_from = window.now - PRIVATE_WINDOW;
    let timeline = format!("{api}/2/users/{}/tweets", target.external_id);
    if window.since < private_from {
        let older = Range {
            start: window.since,
            end: Some(private_from),
            fields: PUBLIC_FIELDS,
        };
        posts(http, token, &timeline, older, &mut out).await?;
    }
    let recent = Range {
        start: window.since.max(private_from),
        end: None,
        fields: PRIVATE_FIELDS,
    };
    posts(http, token, &timeline, recent, &mut out).await?;

    out.points
        .extend(posts_per_day(&out.posts, "tweets", |t| t.date_naive()));
    Ok(out)
}

/// One `start_time`..`end_time` span of the timeline and the fields asked for.
struct Range {
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
    fields: &'static str,
}

async fn posts(
    http: &reqwest::Client,
    token: &SecretString,
    url: &str,
    range: Range,
    out: &mut Fetched,
) -> Result<(), ProviderError> {
    let start = stamp(range.start);
    let end = range.end.map(stamp);
    let mut next: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut query = vec![
            ("max_results", PAGE_SIZE),
            ("exclude", "retweets,replies"),
            ("start_time", start.as_str()),
            ("tweet.fields", range.fields),
        ];
        if let Some(end) = &end {
            query.push(("end_time", end.as_str()));
        }
        if let Some(token) = &next {
            query.push(("pagination_token", token.as_str()));
        }
        let page: Timeline = get(http, token, url, &query, &mut out.calls).await?;
        for e in page.errors.unwrap_or_default() {
            let field = e.field.unwrap_or_else(|| "tweet.fields".into());
            if !out.refused.iter().any(|(f, _)| *f == field) {
                out.refused.push((field, e.title.unwrap_or_default()));
            }
        }
        out.posts
            .extend(page.data.unwrap_or_default().into_iter().map(Tweet::record));
        next = page.meta.and_then(|m| m.next_token);
        if next.is_none() {
            break;
        }
    }
    Ok(())
}

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

async fn get<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    token: &SecretString,
    url: &str,
    query: &[(&str, &str)],
    calls: &mut u32,
) -> Result<T, ProviderError> {
    *calls += 1;
    let res = http
        .get(url)
        .query(query)
        .bearer_auth(token.expose_secret())
        .send()
        .await
        .map_err(|e| ProviderError::Transient(transport(&e)))?;
    let status = res.status().as_u16();
    if status != 200 {
        return Err(refused(status, res.headers()));
    }
    let body = res
        .bytes()
        .await
        .map_err(|e| ProviderError::Transient(transport(&e)))?;
    serde_json::from_slice(&body).map_err(|_| ProviderError::Invalid("unreadable X answer".into()))
}

/// A non-200 answer: X's `x-rate-limit-reset` (Unix seconds) says until when.
fn refused(status: u16, headers: &reqwest::header::HeaderMap) -> ProviderError {
    let now = Utc::now();
    match status {
        401 => ProviderError::NeedsReauth("revoked".into()),
        403 => ProviderError::MissingPermission("tweet.read".into()),
        429 => {
            let reset = headers
                .get("x-rate-limit-reset")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<i64>().ok())
                .and_then(|t| DateTime::from_timestamp(t, 0));
            let retry = headers
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<i64>().ok())
                .map(|s| now + Duration::seconds(s.clamp(1, 86_400)));
            ProviderError::RateLimited {
                until: reset.or(retry).unwrap_or(now + Duration::minutes(15)),
            }
        }
        _ => classify_error(status, None, b"", now),
    }
}

#[derive(Deserialize)]
struct Me {
    data: MeData,
}

#[derive(Deserialize)]
struct MeData {
    public_metrics: UserMetrics,
}

/// The docs and live payloads say `tweet_count`; the OpenAPI spec
/// `post_count`. Either is accepted (neither is needed for a daily point).
#[derive(Deserialize)]
struct UserMetrics {
    followers_count: u64,
    #[allow(dead_code)]
    tweet_count: Option<u64>,
    #[allow(dead_code)]
    post_count: Option<u64>,
}

#[derive(Deserialize)]
struct Timeline {
    data: Option<Vec<Tweet>>,
    meta: Option<TimelineMeta>,
    /// Fields X would not give (HTTP 200 with `errors[]`).
    errors: Option<Vec<FieldError>>,
}

#[derive(Deserialize)]
struct TimelineMeta {
    next_token: Option<String>,
}

#[derive(Deserialize)]
struct FieldError {
    title: Option<String>,
    field: Option<String>,
}

#[derive(Deserialize)]
struct Tweet {
    id: String,
    text: String,
    created_at: DateTime<Utc>,
    public_metrics: Option<PublicMetrics>,
    non_public_metrics: Option<PrivateMetrics>,
}

#[derive(Deserialize, Default)]
struct PublicMetrics {
    #[serde(default)]
    retweet_count: u64,
    #[serde(default)]
    reply_count: u64,
    #[serde(default)]
    like_count: u64,
    #[serde(default)]
    quote_count: u64,
    impression_count: Option<u64>,
}

#[derive(Deserialize)]
struct PrivateMetrics {
    url_link_clicks: Option<u64>,
    user_profile_clicks: Option<u64>,
    engagements: Option<u64>,
}

impl Tweet {
    fn record(self) -> PostRecord {
        let public = self.public_metrics.unwrap_or_default();
        let mut metrics = vec![
            (Metric::Likes, public.like_count as f64),
            (Metric::Comments, public.reply_count as f64),
            (
                Metric::Shares,
                (public.retweet_count + public.quote_count) as f64,
            ),
        ];
        if let Some(views) = public.impression_count {
            metrics.push((Metric::Views, views as f64));
        }
        if let Some(private) = self.non_public_metrics {
            let clicks =
                private.url_link_clicks.unwrap_or(0) + private.user_profile_clicks.unwrap_or(0);
            metrics.push((Metric::Clicks, clicks as f64));
            if let Some(engagements) = private.engagements {
                metrics.push((Metric::Engagements, engagements as f64));
            }
        }
        PostRecord {
            url: None,
            excerpt: excerpt(&self.text),
            published_at: self.created_at,
            external_id: self.id,
            metrics,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_me_accepts_tweet_count_and_post_count() {
        for body in [
            r#"{"data":{"id":"1","username":"a","public_metrics":{"followers_count":507902,"following_count":1863,"tweet_count":3561,"listed_count":1550}}}"#,
            r#"{"data":{"id":"1","username":"a","public_metrics":{"followers_count":507902,"post_count":3561}}}"#,
        ] {
            let me: Me = serde_json::from_str(body).unwrap();
            assert_eq!(me.data.public_metrics.followers_count, 507902);
        }
    }

    #[test]
    fn a_documented_timeline_page_parses_into_normalised_metrics() {
        let body = r#"{"data":[{"id":"1234567890","text":"Hello world!","created_at":"2026-09-01T12:00:00.000Z",
 "public_metrics":{"retweet_count":50,"reply_count":12,"like_count":234,"quote_count":5,"bookmark_count":8,"impression_count":5432},
 "non_public_metrics":{"impression_count":5432,"url_link_clicks":89,"user_profile_clicks":156,"engagements":345},
 "organic_metrics":{"impression_count":5432,"like_count":234,"reply_count":12,"retweet_count":50,"url_link_clicks":89,"user_profile_clicks":156}}],
 "meta":{"result_count":1,"newest_id":"1234567890","oldest_id":"1234567890","next_token":"7140dibdnow9c7btw421dyz6jism75z99gyxd8egarsc4"}}"#;
        let page: Timeline = serde_json::from_str(body).unwrap();
        assert_eq!(
            page.meta.unwrap().next_token.as_deref(),
            Some("7140dibdnow9c7btw421dyz6jism75z99gyxd8egarsc4")
        );
        let post = page.data.unwrap().pop().unwrap().record();
        assert_eq!(post.external_id, "1234567890");
        assert_eq!(post.published_at.to_rfc3339(), "2026-09-01T12:00:00+00:00");
        let m = |k: Metric| post.metrics.iter().find(|(n, _)| *n == k).map(|(_, v)| *v);
        assert_eq!(m(Metric::Likes), Some(234.0));
        assert_eq!(m(Metric::Comments), Some(12.0));
        assert_eq!(m(Metric::Shares), Some(55.0));
        assert_eq!(m(Metric::Views), Some(5432.0));
        assert_eq!(m(Metric::Clicks), Some(245.0));
        assert_eq!(m(Metric::Engagements), Some(345.0));
    }

    #[test]
    fn a_field_authorization_error_is_a_refused_field_not_a_failure() {
        let body = r#"{"data":[{"id":"9","text":"old","created_at":"2026-01-01T00:00:00Z","public_metrics":{"like_count":1}}],
            "errors":[{"title":"Field Authorization Error","type":"https://api.twitter.com/2/problems/not-authorized-for-field","field":"organic_metrics.like_count"}]}"#;
        let page: Timeline = serde_json::from_str(body).unwrap();
        assert_eq!(
            page.errors.unwrap()[0].field.as_deref(),
            Some("organic_metrics.like_count")
        );
        let post = page.data.unwrap().pop().unwrap().record();
        assert!(post.metrics.iter().all(|(m, _)| *m != Metric::Clicks));
    }

    #[test]
    fn posts_are_counted_per_utc_day() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let post = |t: &str| PostRecord {
            external_id: t.into(),
            published_at: at(t),
            excerpt: String::new(),
            url: None,
            metrics: vec![],
        };
        let points = posts_per_day(
            &[
                post("2026-11-01T23:59:59Z"),
                post("2026-11-01T00:00:00Z"),
                post("2026-11-02T00:00:00Z"),
            ],
            "tweets",
            |t| t.date_naive(),
        );
        let days: Vec<(String, f64)> = points
            .iter()
            .map(|p| (p.day.to_string(), p.value))
            .collect();
        assert_eq!(
            days,
            [("2026-11-01".into(), 2.0), ("2026-11-02".into(), 1.0)]
        );
    }
}
