//! A business's top posts published in a range, ranked by one metric.
//! Platforms do not all report every metric for posts (Facebook has no
//! per-post engagement total): ranked by engagements, a post without one
//! counts its likes, comments, shares and saves instead.

use std::collections::BTreeMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::Range;
use super::metrics::accounts;
use crate::entities::posts;
use crate::error::Error;
use shared::domain::{Metric, Platform};
use shared::dto::{PostView, TopPosts};

/// The most posts one answer holds.
pub const MAX_LIMIT: u64 = 50;

#[derive(Debug, Clone, Copy)]
pub struct Query {
    pub range: Range,
    pub platform: Option<Platform>,
    pub sort: Metric,
    pub limit: u64,
}

/// What `post` scores when ranked by `sort`.
pub fn score(metrics: &BTreeMap<String, f64>, sort: Metric) -> f64 {
    if let Some(v) = metrics.get(sort.as_str()) {
        return *v;
    }
    if sort == Metric::Engagements {
        return [
            Metric::Likes,
            Metric::Comments,
            Metric::Shares,
            Metric::Saves,
        ]
        .iter()
        .filter_map(|m| metrics.get(m.as_str()))
        .sum();
    }
    0.0
}

pub async fn top(
    db: &impl ConnectionTrait,
    business_id: Uuid,
    q: Query,
) -> Result<TopPosts, Error> {
    let accounts = accounts(db, business_id, q.platform).await?;
    let start = q.range.from.and_time(chrono::NaiveTime::MIN).and_utc();
    let end = (q.range.to + chrono::Duration::days(1))
        .and_time(chrono::NaiveTime::MIN)
        .and_utc();
    let rows = posts::Entity::find()
        .filter(posts::Column::ConnectionId.is_in(accounts.keys().copied()))
        .filter(posts::Column::PublishedAt.gte(start))
        .filter(posts::Column::PublishedAt.lt(end))
        .all(db)
        .await?;
    let mut views: Vec<(f64, PostView)> = rows
        .into_iter()
        .filter_map(|p| {
            let account = accounts.get(&p.connection_id)?;
            let metrics: BTreeMap<String, f64> =
                serde_json::from_str(&p.metrics).unwrap_or_default();
            Some((
                score(&metrics, q.sort),
                PostView {
                    connection_id: p.connection_id,
                    kind: account.platform.clone(),
                    display_name: account.display_name.clone(),
                    external_id: p.external_id,
                    published_at: p.published_at,
                    excerpt: p.excerpt,
                    url: p.url,
                    metrics,
                },
            ))
        })
        .collect();
    views.sort_by(|(a, pa), (b, pb)| {
        b.total_cmp(a)
            .then(pb.published_at.cmp(&pa.published_at))
            .then(pa.external_id.cmp(&pb.external_id))
    });
    Ok(TopPosts {
        from: q.range.from,
        to: q.range.to,
        sort: q.sort.as_str().to_owned(),
        posts: views
            .into_iter()
            .take(q.limit.clamp(1, MAX_LIMIT) as usize)
            .map(|(_, p)| p)
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics(pairs: &[(Metric, f64)]) -> BTreeMap<String, f64> {
        pairs
            .iter()
            .map(|(m, v)| (m.as_str().to_owned(), *v))
            .collect()
    }

    #[test]
    fn a_post_scores_its_own_metric_when_it_has_it() {
        let m = metrics(&[(Metric::Engagements, 40.0), (Metric::Likes, 30.0)]);
        assert_eq!(score(&m, Metric::Engagements), 40.0);
        assert_eq!(score(&m, Metric::Likes), 30.0);
        assert_eq!(score(&m, Metric::Views), 0.0);
    }

    #[test]
    fn without_an_engagement_total_the_interactions_are_added() {
        let m = metrics(&[
            (Metric::Likes, 30.0),
            (Metric::Comments, 4.0),
            (Metric::Shares, 2.0),
            (Metric::Views, 900.0),
        ]);
        assert_eq!(score(&m, Metric::Engagements), 36.0);
    }
}
