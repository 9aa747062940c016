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

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use shared::domain::Metric;

use super::super::analytics::{CallError, Fetched, PostRecord, Target, Window, posts_per_day};
use super::super::{ProviderError, ProviderSettings};

/// LinkedIn's largest page of posts.
const POSTS_PAGE: usize = 100;
/// At most this many pages of posts per sync.
const MAX_POST_PAGES: usize = 10;
/// Posts per statistics call (`shares=List(…)`).
const STATS_BATCH: usize = 20;
/// Share statistics cover a rolling 12 months.
pub const BACKFILL_DAYS: i64 = 364;

mod restli;
mod shapes;

use restli::{Api, encode, list, midnight, time_intervals};
use shapes::*;

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
