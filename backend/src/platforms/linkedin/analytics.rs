//! LinkedIn organization page analytics on the versioned `/rest` API:
//! follower gains, share statistics and page views as daily series (UTC
//! days), the follower total from `networkSizes` (our own daily snapshot),
//! and the page's posts with their lifetime statistics.
//!
//! Every call sends `LinkedIn-Version` (from settings) and
//! `X-Restli-Protocol-Version: 2.0.0`. Rest.li 2.0 query values such as
//! `timeIntervals=(timeRange:(start:…,end:…),timeGranularityType:DAY)` and
//! `shares=List(…)` keep their `( ) : ,` literal while the URNs inside are
//! percent-encoded, so those query strings are built here by hand: a
//! generic query builder would encode the parentheses and LinkedIn would
//! answer 400.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use shared::domain::Metric;

use super::super::analytics::{
    CallError, Fetched, PostRecord, Target, Window, excerpt, posts_per_day,
};
use super::super::client::transport;
use super::super::{ProviderError, ProviderSettings};

const RESTLI_PROTOCOL: &str = "2.0.0";
/// LinkedIn's largest page of posts.
const POSTS_PAGE: usize = 100;
/// At most this many pages of posts per sync.
const MAX_POST_PAGES: usize = 10;
/// Posts per statistics call (`shares=List(…)`).
const STATS_BATCH: usize = 20;
/// Share statistics cover a rolling 12 months.
pub const BACKFILL_DAYS: i64 = 364;

/// A URN (or any value) percent-encoded for a Rest.li 2.0 query: every byte
/// outside the unreserved set, so `:` becomes `%3A`.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 2);
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `timeIntervals` for DAY buckets from `start` to `end` (UTC midnights).
pub fn time_intervals(start: DateTime<Utc>, end: DateTime<Utc>) -> String {
    format!(
        "(timeRange:(start:{},end:{}),timeGranularityType:DAY)",
        start.timestamp_millis(),
        end.timestamp_millis()
    )
}

/// `List(urn1,urn2)` with each URN encoded.
pub fn list(urns: &[&str]) -> String {
    let items: Vec<String> = urns.iter().map(|u| encode(u)).collect();
    format!("List({})", items.join(","))
}

/// One authenticated client for one fetch.
struct Api<'a> {
    http: &'a reqwest::Client,
    token: &'a SecretString,
    base: String,
    version: &'a str,
    calls: u32,
}

impl Api<'_> {
    /// `GET {base}{path_and_query}`; the query is already Rest.li-encoded.
    async fn get<T: serde::de::DeserializeOwned>(
        &mut self,
        path_and_query: &str,
        finder: bool,
    ) -> Result<T, CallError> {
        self.calls += 1;
        let mut req = self
            .http
            .get(format!("{}{path_and_query}", self.base))
            .bearer_auth(self.token.expose_secret())
            .header("LinkedIn-Version", self.version)
            .header("X-Restli-Protocol-Version", RESTLI_PROTOCOL);
        if finder {
            req = req.header("X-RestLi-Method", "FINDER");
        }
        let res = req
            .send()
            .await
            .map_err(|e| ProviderError::Transient(transport(&e)))?;
        let status = res.status().as_u16();
        let retry_after = res
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<i64>().ok());
        let body = res
            .bytes()
            .await
            .map_err(|e| ProviderError::Transient(transport(&e)))?;
        if status == 200 {
            return serde_json::from_slice(&body)
                .map_err(|_| ProviderError::Invalid("unreadable LinkedIn answer".into()).into());
        }
        Err(refused(
            status,
            retry_after,
            &body,
            self.version,
            Utc::now(),
        ))
    }
}

#[derive(Deserialize, Default)]
struct RestliError {
    code: Option<String>,
    message: Option<String>,
}

/// A non-200 answer. LinkedIn's 429 carries no header: its limits reset at
/// midnight UTC. A 400 or 403 concerns the one statistics call (the group
/// is refused, the fetch goes on).
fn refused(
    status: u16,
    retry_after: Option<i64>,
    body: &[u8],
    version: &str,
    now: DateTime<Utc>,
) -> CallError {
    let err: RestliError = serde_json::from_slice(body).unwrap_or_default();
    let message = err.message.unwrap_or_else(|| format!("HTTP {status}"));
    CallError::Fatal(match status {
        400 | 403 => return CallError::Refused(message),
        401 => ProviderError::NeedsReauth("revoked".into()),
        426 => ProviderError::VersionRetired(version.to_owned()),
        429 => ProviderError::RateLimited {
            until: match retry_after {
                Some(s) => now + Duration::seconds(s.clamp(1, 86_400)),
                None => next_utc_midnight(now),
            },
        },
        s if s >= 500 => ProviderError::Transient(format!("HTTP {s}")),
        _ => ProviderError::Invalid(match err.code {
            Some(code) => format!("HTTP {status} {code}"),
            None => format!("HTTP {status}"),
        }),
    })
}

fn next_utc_midnight(now: DateTime<Utc>) -> DateTime<Utc> {
    midnight(now.date_naive() + Duration::days(1))
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc()
}

pub(super) async fn fetch(
    cfg: &ProviderSettings,
    http: &reqwest::Client,
    token: &SecretString,
    target: Target<'_>,
    window: Window,
) -> Result<Fetched, ProviderError> {
    let version = cfg
        .api_version
        .as_deref()
        .ok_or_else(|| ProviderError::VersionRetired("(none configured)".into()))?;
    let mut api = Api {
        http,
        token,
        base: format!("{}/rest", cfg.api_url.trim_end_matches('/')),
        version,
        calls: 0,
    };
    let mut out = Fetched::default();
    let result = fetch_into(&mut api, &mut out, target, window).await;
    out.calls = api.calls;
    result.map(|()| out)
}

async fn fetch_into(
    api: &mut Api<'_>,
    out: &mut Fetched,
    target: Target<'_>,
    window: Window,
) -> Result<(), ProviderError> {
    let org = match target.external_id.starts_with("urn:li:organization:") {
        true => target.external_id.to_owned(),
        false => administered_organization(api).await?,
    };
    let org_q = encode(&org);
    let today = window.now.date_naive();

    let size = api
        .get::<NetworkSize>(
            &format!("/networkSizes/{org_q}?edgeType=COMPANY_FOLLOWED_BY_MEMBER"),
            false,
        )
        .await;
    if let Some(size) = out.group("firstDegreeSize", size)? {
        out.point(
            Metric::Followers,
            today,
            size.first_degree_size as f64,
            "firstDegreeSize",
        );
    }

    // Whole UTC days: from the window's midnight to today's (today is not over).
    let (start, end) = (midnight(window.since.date_naive()), midnight(today));
    if start < end {
        let intervals = time_intervals(start, end);
        let gains = api
            .get::<Elements<FollowerDay>>(
                &format!(
                    "/organizationalEntityFollowerStatistics?q=organizationalEntity&organizationalEntity={org_q}&timeIntervals={intervals}"
                ),
                false,
            )
            .await;
        if let Some(gains) = out.group("followerGains", gains)? {
            for e in gains.elements {
                let g = e.follower_gains;
                let v = (g.organic_follower_gain + g.paid_follower_gain) as f64;
                out.point(Metric::FollowerGain, e.time_range.day(), v, "followerGains");
            }
        }
        let shares = api
            .get::<Elements<ShareDay>>(
                &format!(
                    "/organizationalEntityShareStatistics?q=organizationalEntity&organizationalEntity={org_q}&timeIntervals={intervals}"
                ),
                false,
            )
            .await;
        if let Some(shares) = out.group("totalShareStatistics", shares)? {
            for e in shares.elements {
                let day = e.time_range.day();
                for (metric, value, native) in e.total_share_statistics.metrics() {
                    out.point(metric, day, value, native);
                }
            }
        }
        let views = api
            .get::<Elements<PageDay>>(
                &format!(
                    "/organizationPageStatistics?q=organization&organization={org_q}&timeIntervals={intervals}"
                ),
                false,
            )
            .await;
        if let Some(views) = out.group("totalPageStatistics", views)? {
            for e in views.elements {
                let v = e.total_page_statistics.views.all_page_views.page_views as f64;
                out.point(
                    Metric::PageViews,
                    e.time_range.day(),
                    v,
                    "allPageViews.pageViews",
                );
            }
        }
    }

    let posts = recent_posts(api, &org, window.since).await;
    if let Some(mut posts) = out.group("posts", posts)? {
        let stats = post_statistics(api, &org_q, &posts).await;
        if let Some(stats) = out.group("shareStatistics", stats)? {
            for p in &mut posts {
                if let Some(s) = stats.iter().find(|(urn, _)| *urn == p.external_id) {
                    p.metrics = s.1.metrics().map(|(m, v, _)| (m, v)).collect();
                }
            }
        }
        out.points
            .extend(posts_per_day(&posts, "posts", |t| t.date_naive()));
        out.posts = posts;
    }
    Ok(())
}

/// The first organization the member administers (approved ADMINISTRATOR).
async fn administered_organization(api: &mut Api<'_>) -> Result<String, ProviderError> {
    let acls = api
        .get::<Elements<Acl>>(
            "/organizationAcls?q=roleAssignee&role=ADMINISTRATOR&state=APPROVED",
            true,
        )
        .await;
    let acls = match acls {
        Ok(a) => a,
        Err(CallError::Refused(_)) => {
            return Err(ProviderError::MissingPermission(
                "rw_organization_admin".into(),
            ));
        }
        Err(CallError::Fatal(e)) => return Err(e),
    };
    acls.elements
        .into_iter()
        .next()
        .map(|a| a.organization)
        .ok_or_else(|| ProviderError::MissingPermission("rw_organization_admin".into()))
}

/// The page's posts published since `since`. Sorted by last modification,
/// so paging stops at the first post last modified before `since`: every
/// later one was published earlier still.
async fn recent_posts(
    api: &mut Api<'_>,
    org: &str,
    since: DateTime<Utc>,
) -> Result<Vec<PostRecord>, CallError> {
    let mut posts = Vec::new();
    for page in 0..MAX_POST_PAGES {
        let found: Elements<Post> = api
            .get(
                &format!(
                    "/posts?author={}&q=author&count={POSTS_PAGE}&sortBy=LAST_MODIFIED&start={}",
                    encode(org),
                    page * POSTS_PAGE
                ),
                true,
            )
            .await?;
        let n = found.elements.len();
        let mut older = false;
        for p in found.elements {
            older |= p.last_modified_at.unwrap_or(p.published_at.unwrap_or(0))
                < since.timestamp_millis();
            if let Some(record) = p.record().filter(|r| r.published_at >= since) {
                posts.push(record);
            }
        }
        if older || n < POSTS_PAGE {
            break;
        }
    }
    Ok(posts)
}

/// Lifetime statistics per post, `STATS_BATCH` posts a call.
async fn post_statistics(
    api: &mut Api<'_>,
    org_q: &str,
    posts: &[PostRecord],
) -> Result<Vec<(String, ShareStatistics)>, CallError> {
    let mut found = Vec::new();
    for batch in posts.chunks(STATS_BATCH) {
        let (shares, ugc): (Vec<&str>, Vec<&str>) = batch
            .iter()
            .map(|p| p.external_id.as_str())
            .partition(|urn| urn.starts_with("urn:li:share:"));
        let mut path = format!(
            "/organizationalEntityShareStatistics?q=organizationalEntity&organizationalEntity={org_q}"
        );
        if !shares.is_empty() {
            path.push_str(&format!("&shares={}", list(&shares)));
        }
        if !ugc.is_empty() {
            path.push_str(&format!("&ugcPosts={}", list(&ugc)));
        }
        let page: Elements<PostStats> = api.get(&path, false).await?;
        found.extend(page.elements.into_iter().filter_map(|e| {
            e.share
                .or(e.ugc_post)
                .map(|urn| (urn, e.total_share_statistics))
        }));
    }
    Ok(found)
}

#[derive(Deserialize)]
struct Elements<T> {
    #[serde(default = "Vec::new")]
    elements: Vec<T>,
}

#[derive(Deserialize)]
struct Acl {
    organization: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NetworkSize {
    first_degree_size: u64,
}

#[derive(Deserialize)]
struct TimeRange {
    start: i64,
}

impl TimeRange {
    /// The UTC day a DAY bucket starts on.
    fn day(&self) -> NaiveDate {
        DateTime::from_timestamp_millis(self.start)
            .unwrap_or_default()
            .date_naive()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FollowerDay {
    time_range: TimeRange,
    follower_gains: FollowerGains,
}

/// Singular keys, as LinkedIn sends them.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FollowerGains {
    #[serde(default)]
    organic_follower_gain: i64,
    #[serde(default)]
    paid_follower_gain: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ShareDay {
    time_range: TimeRange,
    total_share_statistics: ShareStatistics,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct ShareStatistics {
    impression_count: u64,
    unique_impressions_count: u64,
    click_count: u64,
    like_count: u64,
    comment_count: u64,
    share_count: u64,
    /// A ratio, not a count.
    engagement: f64,
}

impl ShareStatistics {
    fn metrics(&self) -> impl Iterator<Item = (Metric, f64, &'static str)> {
        let engagements =
            self.click_count + self.like_count + self.comment_count + self.share_count;
        [
            (
                Metric::Views,
                self.impression_count as f64,
                "impressionCount",
            ),
            (
                Metric::Reach,
                self.unique_impressions_count as f64,
                "uniqueImpressionsCount",
            ),
            (Metric::Clicks, self.click_count as f64, "clickCount"),
            (Metric::Likes, self.like_count as f64, "likeCount"),
            (Metric::Comments, self.comment_count as f64, "commentCount"),
            (Metric::Shares, self.share_count as f64, "shareCount"),
            (
                Metric::Engagements,
                engagements as f64,
                "clickCount+likeCount+commentCount+shareCount",
            ),
            (Metric::EngagementRate, self.engagement, "engagement"),
        ]
        .into_iter()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageDay {
    time_range: TimeRange,
    total_page_statistics: PageStatistics,
}

#[derive(Deserialize)]
struct PageStatistics {
    views: PageViews,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageViews {
    all_page_views: Count,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Count {
    page_views: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Post {
    id: String,
    #[serde(default)]
    commentary: String,
    published_at: Option<i64>,
    last_modified_at: Option<i64>,
    lifecycle_state: Option<String>,
}

impl Post {
    /// A published post as a record (drafts and deleted posts are not).
    fn record(self) -> Option<PostRecord> {
        if self
            .lifecycle_state
            .as_deref()
            .is_some_and(|s| s != "PUBLISHED")
        {
            return None;
        }
        let published_at = DateTime::from_timestamp_millis(self.published_at?)?;
        Some(PostRecord {
            url: Some(format!("https://www.linkedin.com/feed/update/{}", self.id)),
            excerpt: excerpt(&self.commentary),
            published_at,
            external_id: self.id,
            metrics: Vec::new(),
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PostStats {
    share: Option<String>,
    ugc_post: Option<String>,
    #[serde(default)]
    total_share_statistics: ShareStatistics,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restli_values_keep_their_syntax_and_encode_the_urns() {
        assert_eq!(
            encode("urn:li:organization:2414183"),
            "urn%3Ali%3Aorganization%3A2414183"
        );
        let day = |s: &str| midnight(s.parse().unwrap());
        assert_eq!(
            time_intervals(day("2022-12-11"), day("2022-12-12")),
            "(timeRange:(start:1670716800000,end:1670803200000),timeGranularityType:DAY)"
        );
        assert_eq!(
            list(&["urn:li:share:1", "urn:li:share:2"]),
            "List(urn%3Ali%3Ashare%3A1,urn%3Ali%3Ashare%3A2)"
        );
    }

    #[test]
    fn documented_statistics_parse_into_utc_days() {
        let gains: Elements<FollowerDay> = serde_json::from_str(
            r#"{"paging":{"start":0,"count":10,"links":[]},"elements":[{"organizationalEntity":"urn:li:organization:2414183",
 "timeRange":{"start":1670716800000,"end":1670803200000},
 "followerGains":{"organicFollowerGain":3,"paidFollowerGain":1}}]}"#,
        )
        .unwrap();
        let e = &gains.elements[0];
        assert_eq!(e.time_range.day().to_string(), "2022-12-11");
        assert_eq!(e.follower_gains.organic_follower_gain, 3);
        assert_eq!(e.follower_gains.paid_follower_gain, 1);

        let shares: Elements<ShareDay> = serde_json::from_str(
            r#"{"elements":[{"organizationalEntity":"urn:li:organization:2414183","timeRange":{"start":1670716800000,"end":1670803200000},
 "totalShareStatistics":{"uniqueImpressionsCount":120,"shareCount":2,"engagement":0.031,"clickCount":9,"likeCount":14,"impressionCount":410,"commentCount":1}}]}"#,
        )
        .unwrap();
        let m: Vec<(Metric, f64)> = shares.elements[0]
            .total_share_statistics
            .metrics()
            .map(|(m, v, _)| (m, v))
            .collect();
        assert!(m.contains(&(Metric::Views, 410.0)));
        assert!(m.contains(&(Metric::Reach, 120.0)));
        assert!(m.contains(&(Metric::Engagements, 26.0)));
        assert!(m.contains(&(Metric::EngagementRate, 0.031)));

        let pages: Elements<PageDay> = serde_json::from_str(
            r#"{"elements":[{"organization":"urn:li:organization:2414183","timeRange":{"start":1670716800000,"end":1670803200000},
 "totalPageStatistics":{"views":{"allPageViews":{"pageViews":322},"allDesktopPageViews":{"pageViews":320},
  "allMobilePageViews":{"pageViews":2},"overviewPageViews":{"pageViews":321},"careersPageViews":{"pageViews":1}},
  "clicks":{"careersPageClicks":{"careersPageJobsClicks":0}}}}]}"#,
        )
        .unwrap();
        assert_eq!(
            pages.elements[0]
                .total_page_statistics
                .views
                .all_page_views
                .page_views,
            322
        );
    }

    #[test]
    fn a_header_less_429_waits_for_midnight_utc_and_426_is_a_retired_version() {
        let now: DateTime<Utc> = "2026-12-03T10:30:00Z".parse().unwrap();
        match refused(429, None, b"", "202607", now) {
            CallError::Fatal(ProviderError::RateLimited { until }) => {
                assert_eq!(until.to_rfc3339(), "2026-12-04T00:00:00+00:00")
            }
            other => panic!("{other:?}"),
        }
        let body = br#"{"status":426,"code":"NONEXISTENT_VERSION","message":"Requested version 20240901 is not active"}"#;
        assert!(matches!(
            refused(426, None, body, "202401", now),
            CallError::Fatal(ProviderError::VersionRetired(v)) if v == "202401"
        ));
        assert!(matches!(
            refused(403, None, br#"{"status":403,"code":"ACCESS_DENIED","message":"Not enough permissions"}"#, "202607", now),
            CallError::Refused(m) if m == "Not enough permissions"
        ));
    }

    #[test]
    fn only_published_posts_become_records() {
        let page: Elements<Post> = serde_json::from_str(
            r#"{"paging":{"start":0,"count":10},"elements":[
 {"id":"urn:li:share:7001","author":"urn:li:organization:1","commentary":"Hello","visibility":"PUBLIC","lifecycleState":"PUBLISHED","publishedAt":1700000000000,"lastModifiedAt":1700000000000},
 {"id":"urn:li:ugcPost:7002","author":"urn:li:organization:1","commentary":"Draft","lifecycleState":"DRAFT","lastModifiedAt":1700000000000}]}"#,
        )
        .unwrap();
        let records: Vec<PostRecord> = page.elements.into_iter().filter_map(Post::record).collect();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].external_id, "urn:li:share:7001");
        assert_eq!(records[0].published_at.timestamp(), 1_700_000_000);
    }
}
