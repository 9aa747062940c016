//! Instagram professional account analytics through Facebook Login: the
//! `reach` and `follower_count` (new followers) daily series, `total_value`
//! metrics one Pacific day at a time (Meta gives one total per range), the
//! follower total as our own snapshot, and recent media with insights
//! chosen by media type. Missing data is an empty `data`, not zero: no
//! point is stored for it.

use chrono::Duration;
use secrecy::SecretString;
use serde::Deserialize;
use shared::domain::Metric;

use super::facebook::Edge;
use super::graph::{
    Graph, metric_of, number, pacific_day, pacific_midnight, reporting_day, timestamp,
};
use crate::platforms::analytics::{
    CallError, Fetched, PostRecord, Target, Window, excerpt, posts_per_day,
};
use crate::platforms::{ProviderError, ProviderSettings};

/// `follower_count` serves 30 days; so does the first sync.
pub const BACKFILL_DAYS: i64 = 30;
/// The longest `since`/`until` span asked for.
const SPAN_DAYS: i64 = 30;
const MAX_MEDIA_PAGES: usize = 5;

const SERIES: &[(&str, Metric)] = &[
    ("reach", Metric::Reach),
    ("follower_count", Metric::FollowerGain),
];

const TOTALS: &[(&str, Metric)] = &[
    ("views", Metric::Views),
    ("accounts_engaged", Metric::EngagedAccounts),
    ("total_interactions", Metric::Engagements),
    ("likes", Metric::Likes),
    ("comments", Metric::Comments),
    ("shares", Metric::Shares),
    ("saves", Metric::Saves),
];

/// Per-media metrics and what each is; which apply depends on the type.
const MEDIA_METRICS: &[(&str, Metric)] = &[
    ("views", Metric::Views),
    ("reach", Metric::Reach),
    ("saved", Metric::Saves),
    ("likes", Metric::Likes),
    ("comments", Metric::Comments),
    ("shares", Metric::Shares),
    ("total_interactions", Metric::Engagements),
    ("profile_visits", Metric::PageViews),
    ("follows", Metric::FollowerGain),
    ("replies", Metric::Comments),
];

/// The insights a media type has.
fn media_metrics(product: &str) -> &'static [&'static str] {
    match product {
        "REELS" => &[
            "views",
            "reach",
            "saved",
            "likes",
            "comments",
            "shares",
            "total_interactions",
        ],
        "STORY" => &["views", "reach", "shares", "total_interactions", "replies"],
        _ => &[
            "views",
            "reach",
            "saved",
            "likes",
            "comments",
            "shares",
            "total_interactions",
            "profile_visits",
            "follows",
        ],
    }
}

pub(super) async fn fetch(
    cfg: &ProviderSettings,
    http: &reqwest::Client,
    token: &SecretString,
    target: Target<'_>,
    window: Window,
) -> Result<Fetched, ProviderError> {
    let mut graph = Graph::new(cfg, http, token);
    let mut out = Fetched::default();
    let result = fetch_into(&mut graph, &mut out, target.external_id, window).await;
    out.calls = graph.calls;
    result.map(|()| out)
}

async fn fetch_into(
    graph: &mut Graph<'_>,
    out: &mut Fetched,
    user: &str,
    window: Window,
) -> Result<(), ProviderError> {
    let today = pacific_day(window.now);
    let node = graph
        .get::<UserNode>(
            user,
            &[("fields", "followers_count,follows_count,media_count")],
        )
        .await;
    if let Some(node) = out.group("followers_count", node)? {
        out.point(
            Metric::Followers,
            today,
            node.followers_count as f64,
            "followers_count",
        );
    }

    let first = pacific_day(window.since);
    let series: Vec<&str> = SERIES.iter().map(|(n, _)| *n).collect();
    let mut day = first;
    while day < today {
        let end = (day + Duration::days(SPAN_DAYS)).min(today);
        let (since, until) = (
            pacific_midnight(day).to_string(),
            pacific_midnight(end).to_string(),
        );
        let query = [("period", "day"), ("since", &since), ("until", &until)];
        for insight in graph.insights(out, user, &series, &query, "").await? {
            let Some(metric) = metric_of(SERIES, &insight.name) else {
                continue;
            };
            for v in &insight.values {
                if let Some(d) = v.end_time.as_deref().and_then(reporting_day) {
                    out.point(metric, d, number(&v.value), &insight.name);
                }
            }
        }
        day = end;
    }

    // One total per range: a call per day.
    let mut totals: Vec<&str> = TOTALS.iter().map(|(n, _)| *n).collect();
    let mut day = first;
    while day < today && !totals.is_empty() {
        let (since, until) = (
            pacific_midnight(day).to_string(),
            pacific_midnight(day + Duration::days(1)).to_string(),
        );
        let query = [
            ("metric_type", "total_value"),
            ("period", "day"),
            ("since", since.as_str()),
            ("until", until.as_str()),
        ];
        for insight in graph.insights(out, user, &totals, &query, "").await? {
            if let (Some(metric), Some(total)) =
                (metric_of(TOTALS, &insight.name), &insight.total_value)
            {
                out.point(metric, day, number(&total.value), &insight.name);
            }
        }
        totals.retain(|m| !out.refused.iter().any(|(r, _)| r == m));
        day += Duration::days(1);
    }

    let found = media(graph, user, window).await;
    if let Some(mut media) = out.group("media", found)? {
        media_insights(graph, out, &mut media).await?;
        let posts: Vec<PostRecord> = media.into_iter().map(|(p, _)| p).collect();
        out.points
            .extend(posts_per_day(&posts, "media", pacific_day));
        out.posts = posts;
    }
    Ok(())
}

/// Media published since the window's start, with their product type.
async fn media(
    graph: &mut Graph<'_>,
    user: &str,
    window: Window,
) -> Result<Vec<(PostRecord, String)>, CallError> {
    let mut found = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..MAX_MEDIA_PAGES {
        let mut query = vec![
            (
                "fields",
                "id,caption,media_type,media_product_type,timestamp,permalink,like_count,comments_count",
            ),
            ("limit", "100"),
        ];
        if let Some(a) = &after {
            query.push(("after", a));
        }
        let page: Edge<Media> = graph.get(&format!("{user}/media"), &query).await?;
        let mut older = false;
        for m in page.data {
            match timestamp(&m.timestamp) {
                Some(t) if t >= window.since => found.push(m.record(t)),
                Some(_) => older = true,
                None => {}
            }
        }
        after = page.paging.and_then(super::facebook::Paging::after);
        if older || after.is_none() {
            break;
        }
    }
    Ok(found)
}

/// Each media's insights for its type. A metric refused for a type is not
/// asked for again for that type, and costs no other metric.
async fn media_insights(
    graph: &mut Graph<'_>,
    out: &mut Fetched,
    media: &mut [(PostRecord, String)],
) -> Result<(), ProviderError> {
    for (post, product) in media {
        let scope = format!(" ({product})");
        let asked: Vec<&str> = media_metrics(product)
            .iter()
            .copied()
            .filter(|m| !out.refused.iter().any(|(r, _)| *r == format!("{m}{scope}")))
            .collect();
        let found = graph
            .insights(out, &post.external_id, &asked, &[], &scope)
            .await?;
        for i in &found {
            let (Some(metric), Some(v)) = (metric_of(MEDIA_METRICS, &i.name), i.values.first())
            else {
                continue;
            };
            post.metrics.retain(|(m, _)| *m != metric);
            post.metrics.push((metric, number(&v.value)));
        }
    }
    Ok(())
}

#[derive(Deserialize)]
struct UserNode {
    #[serde(default)]
    followers_count: u64,
}

#[derive(Deserialize)]
struct Media {
    id: String,
    caption: Option<String>,
    media_product_type: Option<String>,
    timestamp: String,
    permalink: Option<String>,
    like_count: Option<u64>,
    comments_count: Option<u64>,
}

impl Media {
    /// The media as a post (its listed counts until insights say more),
    /// and its product type (`FEED`, `REELS`, `STORY`).
    fn record(self, published_at: chrono::DateTime<chrono::Utc>) -> (PostRecord, String) {
        let mut metrics = Vec::new();
        if let Some(n) = self.like_count {
            metrics.push((Metric::Likes, n as f64));
        }
        if let Some(n) = self.comments_count {
            metrics.push((Metric::Comments, n as f64));
        }
        let record = PostRecord {
            excerpt: excerpt(self.caption.as_deref().unwrap_or_default()),
            url: self.permalink,
            published_at,
            external_id: self.id,
            metrics,
        };
        (
            record,
            self.media_product_type.unwrap_or_else(|| "FEED".into()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platforms::meta::graph::Insights;

    #[test]
    fn total_value_and_media_answers_parse() {
        let totals: Insights = serde_json::from_str(
            r#"{"data":[{"name":"views","period":"day","total_value":{"value":4810},"title":"Views","id":"1/insights/views/day"}]}"#,
        )
        .unwrap();
        assert_eq!(
            number(&totals.data[0].total_value.as_ref().unwrap().value),
            4810.0
        );
        let media: Insights = serde_json::from_str(
            r#"{"data":[{"name":"views","period":"lifetime","values":[{"value":18540}],"title":"Views","description":"…","id":"1790/insights/views/lifetime"},
 {"name":"reach","period":"lifetime","values":[{"value":12110}],"title":"Reach","id":"…"}]}"#,
        )
        .unwrap();
        assert_eq!(media.data.len(), 2);
        assert!(media.data[1].values[0].end_time.is_none());
    }

    #[test]
    fn empty_data_means_no_points_not_zero() {
        let empty: Insights = serde_json::from_str(r#"{"data":[]}"#).unwrap();
        assert!(empty.data.is_empty());
    }

    #[test]
    fn metrics_follow_the_media_type() {
        assert!(media_metrics("REELS").contains(&"views"));
        assert!(!media_metrics("REELS").contains(&"profile_visits"));
        assert!(media_metrics("STORY").contains(&"replies"));
        assert!(!media_metrics("STORY").contains(&"saved"));
        assert!(media_metrics("FEED").contains(&"follows"));
        for product in ["FEED", "REELS", "STORY"] {
            for m in media_metrics(product) {
                assert!(metric_of(MEDIA_METRICS, m).is_some(), "{m}");
                assert!(!["impressions", "plays", "video_views"].contains(m));
            }
        }
    }
}
