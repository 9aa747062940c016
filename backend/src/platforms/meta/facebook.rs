//! Facebook Page analytics: the current metric names only (never the
//! retired `page_impressions*` / `page_fans`), daily series in windows of
//! at most 89 days (90 days crossing a DST change is 90 days ± 1 hour),
//! the follower total as our own snapshot, and the Page's posts with their
//! insights. Days are Pacific reporting days.

use chrono::Duration;
use secrecy::SecretString;
use serde::Deserialize;
use shared::domain::Metric;

use super::graph::{
    Graph, Insight, metric_of, number, pacific_day, pacific_midnight, reporting_day, timestamp,
};
use crate::platforms::analytics::{Fetched, PostRecord, Target, Window, excerpt, posts_per_day};
use crate::platforms::{ProviderError, ProviderSettings};

/// Two windows of daily data on the first sync.
pub const BACKFILL_DAYS: i64 = 2 * WINDOW_DAYS;
const WINDOW_DAYS: i64 = 89;
/// At most this many pages of posts per sync.
const MAX_POST_PAGES: usize = 10;

/// Metric groups asked for independently, and what each metric is.
const SERIES: &[&[(&str, Metric)]] = &[
    &[
        ("page_media_view", Metric::Views),
        ("page_total_media_view_unique", Metric::Reach),
        ("page_post_engagements", Metric::Engagements),
    ],
    &[
        ("page_follows", Metric::Followers),
        ("page_daily_follows_unique", Metric::FollowerGain),
    ],
    &[("page_views_total", Metric::PageViews)],
];

const POST_METRICS: &[(&str, Metric)] = &[
    ("post_media_view", Metric::Views),
    ("post_total_media_view_unique", Metric::Reach),
    ("post_clicks", Metric::Clicks),
    ("post_reactions_by_type_total", Metric::Likes),
];

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
    page: &str,
    window: Window,
) -> Result<(), ProviderError> {
    let today = pacific_day(window.now);
    let node = graph
        .get::<PageNode>(page, &[("fields", "followers_count,fan_count")])
        .await;
    if let Some(node) = out.group("followers_count", node)? {
        out.point(
            Metric::Followers,
            today,
            node.followers_count as f64,
            "followers_count",
        );
    }

    // Whole Pacific days, today excluded (it is not over).
    let mut day = pacific_day(window.since);
    while day < today {
        let end = (day + Duration::days(WINDOW_DAYS)).min(today);
        let (since, until) = (
            pacific_midnight(day).to_string(),
            pacific_midnight(end).to_string(),
        );
        for group in SERIES {
            let names: Vec<&str> = group.iter().map(|(n, _)| *n).collect();
            let query = [("period", "day"), ("since", &since), ("until", &until)];
            for insight in graph.insights(out, page, &names, &query, "").await? {
                daily_points(out, group, &insight);
            }
        }
        day = end;
    }

    let found = posts(graph, page, window).await;
    if let Some(mut posts) = out.group("posts", found)? {
        post_insights(graph, out, &mut posts).await?;
        out.points
            .extend(posts_per_day(&posts, "posts", pacific_day));
        out.posts = posts;
    }
    Ok(())
}

fn daily_points(out: &mut Fetched, group: &[(&str, Metric)], insight: &Insight) {
    let Some(metric) = metric_of(group, &insight.name) else {
        return;
    };
    for v in &insight.values {
        if let Some(day) = v.end_time.as_deref().and_then(reporting_day) {
            out.point(metric, day, number(&v.value), &insight.name);
        }
    }
}

/// The Page's posts created since the window's start, newest first.
async fn posts(
    graph: &mut Graph<'_>,
    page: &str,
    window: Window,
) -> Result<Vec<PostRecord>, crate::platforms::analytics::CallError> {
    let mut posts = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..MAX_POST_PAGES {
        let mut query = vec![
            (
                "fields",
                "id,created_time,message,permalink_url,status_type",
            ),
            ("limit", "100"),
        ];
        if let Some(a) = &after {
            query.push(("after", a));
        }
        let found: Edge<Post> = graph.get(&format!("{page}/posts"), &query).await?;
        let mut older = false;
        for p in found.data {
            match timestamp(&p.created_time) {
                Some(t) if t >= window.since => posts.push(PostRecord {
                    excerpt: excerpt(p.message.as_deref().unwrap_or_default()),
                    url: p.permalink_url,
                    published_at: t,
                    external_id: p.id,
                    metrics: Vec::new(),
                }),
                Some(_) => older = true,
                None => {}
            }
        }
        after = found.paging.and_then(Paging::after);
        if older || after.is_none() {
            break;
        }
    }
    Ok(posts)
}

/// Each post's lifetime insights; a metric Meta refuses is not asked for
/// again in this fetch.
async fn post_insights(
    graph: &mut Graph<'_>,
    out: &mut Fetched,
    posts: &mut [PostRecord],
) -> Result<(), ProviderError> {
    let mut asked: Vec<&str> = POST_METRICS.iter().map(|(n, _)| *n).collect();
    for post in posts {
        if asked.is_empty() {
            break;
        }
        let found = graph
            .insights(out, &post.external_id, &asked, &[], "")
            .await?;
        post.metrics = found
            .iter()
            .filter_map(|i| {
                let metric = metric_of(POST_METRICS, &i.name)?;
                Some((metric, number(&i.values.first()?.value)))
            })
            .collect();
        asked.retain(|m| !out.refused.iter().any(|(r, _)| r == m));
    }
    Ok(())
}

#[derive(Deserialize)]
struct PageNode {
    #[serde(default)]
    followers_count: u64,
}

#[derive(Deserialize)]
pub(super) struct Edge<T> {
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
    pub paging: Option<Paging>,
}

#[derive(Deserialize)]
pub(super) struct Paging {
    cursors: Option<Cursors>,
    next: Option<String>,
}

impl Paging {
    /// The cursor of the next page, when there is one.
    pub fn after(self) -> Option<String> {
        self.next?;
        self.cursors?.after
    }
}

#[derive(Deserialize)]
struct Cursors {
    after: Option<String>,
}

#[derive(Deserialize)]
struct Post {
    id: String,
    created_time: String,
    message: Option<String>,
    permalink_url: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platforms::meta::graph::Insights;

    #[test]
    fn a_documented_insights_answer_becomes_pacific_day_points() {
        let answer: Insights = serde_json::from_str(
            r#"{"data":[{"name":"page_media_view","period":"day","values":[{"value":1234,"end_time":"2026-09-02T07:00:00+0000"},
 {"value":987,"end_time":"2026-09-03T07:00:00+0000"}],"title":"…","description":"…","id":"1/insights/page_media_view/day"}]}"#,
        )
        .unwrap();
        let mut out = Fetched::default();
        daily_points(&mut out, SERIES[0], &answer.data[0]);
        let got: Vec<(String, f64)> = out
            .points
            .iter()
            .map(|p| (p.day.to_string(), p.value))
            .collect();
        assert_eq!(
            got,
            [("2026-09-01".into(), 1234.0), ("2026-09-02".into(), 987.0)]
        );
        assert_eq!(out.points[0].metric, Metric::Views);
        assert_eq!(out.points[0].native, "page_media_view");
    }

    #[test]
    fn no_retired_metric_is_asked_for() {
        let retired = [
            "page_impressions",
            "page_fans",
            "page_fan_adds",
            "page_video_views",
        ];
        for group in SERIES {
            for (name, _) in *group {
                assert!(!retired.iter().any(|r| name.starts_with(r)), "{name}");
            }
        }
    }

    #[test]
    fn reaction_breakdowns_count_as_likes() {
        let answer: Insights = serde_json::from_str(
            r#"{"data":[{"name":"post_reactions_by_type_total","period":"lifetime","values":[{"value":{"like":330,"love":2}}]}]}"#,
        )
        .unwrap();
        let i = &answer.data[0];
        assert_eq!(metric_of(POST_METRICS, &i.name), Some(Metric::Likes));
        assert_eq!(number(&i.values[0].value), 332.0);
    }

    #[test]
    fn paging_follows_the_after_cursor_only_while_there_is_a_next_page() {
        let last: Edge<Post> =
            serde_json::from_str(r#"{"data":[],"paging":{"cursors":{"before":"b","after":"a"}}}"#)
                .unwrap();
        assert_eq!(last.paging.and_then(Paging::after), None);
        let more: Edge<Post> = serde_json::from_str(
            r#"{"data":[],"paging":{"cursors":{"before":"b","after":"a"},"next":"https://graph.facebook.com/n"}}"#,
        )
        .unwrap();
        assert_eq!(more.paging.and_then(Paging::after).as_deref(), Some("a"));
    }
}
