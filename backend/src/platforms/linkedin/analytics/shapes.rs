//! LinkedIn's answers, as documented: organization ACLs, `networkSizes`,
//! follower, share and page statistics by UTC day, posts and their
//! lifetime statistics — each turned into our points and post records.

use chrono::{DateTime, NaiveDate};
use serde::Deserialize;
use shared::domain::Metric;

use crate::platforms::analytics::{PostRecord, excerpt};

#[derive(Deserialize)]
pub(super) struct Elements<T> {
    #[serde(default = "Vec::new")]
    pub(super) elements: Vec<T>,
}

#[derive(Deserialize)]
pub(super) struct Acl {
    pub(super) organization: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct NetworkSize {
    pub(super) first_degree_size: u64,
}

#[derive(Deserialize)]
pub(super) struct TimeRange {
    pub(super) start: i64,
}

impl TimeRange {
    /// The UTC day a DAY bucket starts on.
    pub(super) fn day(&self) -> NaiveDate {
        DateTime::from_timestamp_millis(self.start)
            .unwrap_or_default()
            .date_naive()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct FollowerDay {
    pub(super) time_range: TimeRange,
    pub(super) follower_gains: FollowerGains,
}

/// Singular keys, as LinkedIn sends them.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct FollowerGains {
    #[serde(default)]
    pub(super) organic_follower_gain: i64,
    #[serde(default)]
    pub(super) paid_follower_gain: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ShareDay {
    pub(super) time_range: TimeRange,
    pub(super) total_share_statistics: ShareStatistics,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct ShareStatistics {
    pub(super) impression_count: u64,
    pub(super) unique_impressions_count: u64,
    pub(super) click_count: u64,
    pub(super) like_count: u64,
    pub(super) comment_count: u64,
    pub(super) share_count: u64,
    /// A ratio, not a count.
    pub(super) engagement: f64,
}

impl ShareStatistics {
    pub(super) fn metrics(&self) -> impl Iterator<Item = (Metric, f64, &'static str)> {
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
pub(super) struct PageDay {
    pub(super) time_range: TimeRange,
    pub(super) total_page_statistics: PageStatistics,
}

#[derive(Deserialize)]
pub(super) struct PageStatistics {
    pub(super) views: PageViews,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PageViews {
    pub(super) all_page_views: Count,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Count {
    pub(super) page_views: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Post {
    pub(super) id: String,
    #[serde(default)]
    pub(super) commentary: String,
    pub(super) published_at: Option<i64>,
    pub(super) last_modified_at: Option<i64>,
    pub(super) lifecycle_state: Option<String>,
}

impl Post {
    /// A published post as a record (drafts and deleted posts are not).
    pub(super) fn record(self) -> Option<PostRecord> {
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
pub(super) struct PostStats {
    pub(super) share: Option<String>,
    pub(super) ugc_post: Option<String>,
    #[serde(default)]
    pub(super) total_share_statistics: ShareStatistics,
}

#[cfg(test)]
mod tests {
    use super::*;

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
