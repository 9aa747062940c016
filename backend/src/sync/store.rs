//! Where fetched analytics land. Points are keyed by (connection, metric,
//! day), posts by (connection, external id): writing the same answer twice
//! leaves the same rows, and a later answer for a day replaces the earlier
//! one (platforms revise recent days). Nothing here deletes.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::entities::{metric_points, posts, unavailable_metrics};
use crate::error::Error;
use shared::domain::Metric;

pub use crate::platforms::analytics::{Point, PostRecord};

/// Rows per statement: well inside SQLite's and Postgres' parameter limits.
const CHUNK: usize = 200;

/// Upserts `points` for a connection; returns how many were written.
pub async fn upsert_points(
    db: &impl ConnectionTrait,
    connection_id: Uuid,
    points: &[Point],
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    for chunk in points.chunks(CHUNK) {
        let rows = chunk.iter().map(|p| metric_points::ActiveModel {
            connection_id: Set(connection_id),
            metric: Set(p.metric.as_str().to_owned()),
            day: Set(p.day),
            value: Set(p.value),
            native_metric: Set(p.native.clone()),
            updated_at: Set(now),
        });
        metric_points::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([
                    metric_points::Column::ConnectionId,
                    metric_points::Column::Metric,
                    metric_points::Column::Day,
                ])
                .update_columns([
                    metric_points::Column::Value,
                    metric_points::Column::NativeMetric,
                    metric_points::Column::UpdatedAt,
                ])
                .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(points.len())
}

/// Upserts `records` for a connection; returns how many were written.
pub async fn upsert_posts(
    db: &impl ConnectionTrait,
    connection_id: Uuid,
    records: &[PostRecord],
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    for chunk in records.chunks(CHUNK) {
        let rows = chunk.iter().map(|p| posts::ActiveModel {
            connection_id: Set(connection_id),
            external_id: Set(p.external_id.clone()),
            published_at: Set(p.published_at),
            excerpt: Set(p.excerpt.clone()),
            url: Set(p.url.clone()),
            metrics: Set(metrics_json(&p.metrics)),
            updated_at: Set(now),
        });
        posts::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([posts::Column::ConnectionId, posts::Column::ExternalId])
                    .update_columns([
                        posts::Column::PublishedAt,
                        posts::Column::Excerpt,
                        posts::Column::Url,
                        posts::Column::Metrics,
                        posts::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(records.len())
}

/// A post's metrics as stored: a JSON object of normalised name → value.
fn metrics_json(metrics: &[(Metric, f64)]) -> String {
    let map: serde_json::Map<String, serde_json::Value> = metrics
        .iter()
        .map(|(m, v)| (m.as_str().to_owned(), serde_json::json!(v)))
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// Remembers that the platform refused `native_metric` for a connection,
/// with its message; the first refusal's time is kept.
pub async fn mark_unavailable(
    db: &impl ConnectionTrait,
    connection_id: Uuid,
    native_metric: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let row = unavailable_metrics::ActiveModel {
        connection_id: Set(connection_id),
        native_metric: Set(native_metric.to_owned()),
        reason: Set(reason.to_owned()),
        since: Set(now),
    };
    unavailable_metrics::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                unavailable_metrics::Column::ConnectionId,
                unavailable_metrics::Column::NativeMetric,
            ])
            .update_column(unavailable_metrics::Column::Reason)
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The native metrics a connection's platform has refused.
pub async fn unavailable(
    db: &impl ConnectionTrait,
    connection_id: Uuid,
) -> Result<Vec<unavailable_metrics::Model>, Error> {
    Ok(unavailable_metrics::Entity::find()
        .filter(unavailable_metrics::Column::ConnectionId.eq(connection_id))
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn post_metrics_are_stored_by_their_normalised_names() {
        let json = metrics_json(&[(Metric::Likes, 3.0), (Metric::Views, 120.0)]);
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["likes"], 3.0);
        assert_eq!(back["views"], 120.0);
    }
}
