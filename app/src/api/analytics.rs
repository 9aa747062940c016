//! The dashboard's analytics: a business's metrics over the last 7, 30 or
//! 90 days or a range of dates (by day or week) with the period of the
//! same length before for comparison, and its top posts. The same backend reports as `GET /api/v1/analytics/metrics/…`
//! and `…/posts/…`.

use chrono::NaiveDate;
use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
use shared::dto::AnalyticsOverview;

/// The ranges the dashboard offers, in days.
pub const RANGES: [i64; 3] = [7, 30, 90];

#[server(prefix = "/api/fn", endpoint = "analytics/overview")]
pub async fn load_analytics(
    business_id: Uuid,
    /// The last 7, 30 or 90 days (30 by default)…
    days: Option<i64>,
    /// …or these dates, both included (at most two years).
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    granularity: Option<String>,
) -> Result<AnalyticsOverview, AppError> {
    use crate::api::request;
    use backend::accounts::businesses;
    use backend::reports::range::local_today;
    use backend::reports::{Range, metrics, posts};
    use chrono::Duration;
    use shared::domain::{Granularity, Metric};
    request::respond(async move {
        let user = request::require_user().await?;
        let state = request::state()?;
        let business = businesses::get(&state.db, user.id, business_id).await?;
        let today = local_today(&business.timezone, chrono::Utc::now());
        let range = if from.is_some() || to.is_some() {
            Range::new(from, to, today)?
        } else {
            let days = days.unwrap_or(30);
            if !RANGES.contains(&days) {
                return Err(AppError::Invalid {
                    field: "days".into(),
                    message: "Choose 7, 30 or 90 days.".into(),
                });
            }
            Range::new(Some(today - Duration::days(days - 1)), Some(today), today)?
        };
        let granularity = match granularity.as_deref().filter(|g| !g.is_empty()) {
            None => Granularity::Day,
            Some(g) => Granularity::parse(g).ok_or_else(|| AppError::Invalid {
                field: "granularity".into(),
                message: "Choose day or week.".into(),
            })?,
        };
        let Range { from, to } = range;
        let before_to = from - Duration::days(1);
        let before_from = before_to - (to - from);
        let query = |from, to| metrics::Query {
            range: Range { from, to },
            platform: None,
            metric: None,
            granularity,
        };
        let current = metrics::series(&state.db, business_id, query(from, to)).await?;
        let previous =
            metrics::series(&state.db, business_id, query(before_from, before_to)).await?;
        let top = posts::top(
            &state.db,
            business_id,
            posts::Query {
                range: Range { from, to },
                platform: None,
                sort: Metric::Engagements,
                limit: 10,
            },
        )
        .await?;
        let connected = !backend::connections::list(&state.db, business_id)
            .await?
            .is_empty();
        Ok(AnalyticsOverview {
            current,
            previous,
            posts: top,
            connected,
        })
    })
    .await
}
