//! REST for what the synced analytics say, to any member of the business:
//! `GET /api/v1/analytics/metrics/{business_id}` (series by account and
//! metric, by day or week) and `GET /api/v1/analytics/posts/{business_id}`
//! (top posts). Ranges are the platforms' reporting days; without one, the
//! last 30 days up to today in the business's time zone.

use axum::Json;
use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use backend::AppState;
use backend::reports::range::local_today;
use backend::reports::{Range, metrics, posts};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use shared::domain::{Granularity, Metric, Platform};
use shared::dto::{MetricsView, TopPosts};

use super::analytics::one_of;
use super::bad_input::Params;
use super::error::ApiError;
use super::extract::Member;

pub fn routes<S>() -> Router<S>
where
    AppState: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/api/v1/analytics/metrics/{business_id}", get(metrics_of))
        .route("/api/v1/analytics/posts/{business_id}", get(top_posts))
}

fn date(raw: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok()
}

/// The range asked for, in the member's business's calendar.
fn range(member: &Member, from: Option<&str>, to: Option<&str>) -> Result<Range, ApiError> {
    let from = one_of(from, "from", date)?;
    let to = one_of(to, "to", date)?;
    let today = local_today(&member.business.timezone, Utc::now());
    Ok(Range::new(from, to, today)?)
}

#[derive(Deserialize)]
pub struct MetricsQuery {
    from: Option<String>,
    to: Option<String>,
    platform: Option<String>,
    metric: Option<String>,
    granularity: Option<String>,
    format: Option<String>,
}

/// The business's metrics: one series per account and metric.
#[utoipa::path(get, path = "/api/v1/analytics/metrics/{business_id}", tag = "analytics",
    params(
        ("business_id" = uuid::Uuid, Path, description = "The business"),
        ("from" = Option<String>, Query, description = "First day, YYYY-MM-DD (default: 29 days before `to`)"),
        ("to" = Option<String>, Query, description = "Last day, YYYY-MM-DD (default: today in the business's time zone); at most 731 days in all"),
        ("platform" = Option<String>, Query, description = "linkedin, x or meta"),
        ("metric" = Option<String>, Query, description = "followers, follower_gain, views, reach, engagements, engagement_rate, engaged_accounts, likes, comments, shares, clicks, saves, page_views or posts_published"),
        ("granularity" = Option<String>, Query, description = "day (default) or week: Monday-labelled ISO weeks; a follower total is the week's last, a rate its mean, anything else its sum"),
        ("format" = Option<String>, Query, description = "json (default) or csv: one row per point, `account,kind,metric,native_metric,day,value`"),
    ),
    responses(
        (status = 200, description = "`{from, to, granularity, series: [{connection_id, kind, display_name, metric, native_metric, points: [{day, value}]}]}`"),
        (status = 401, description = "Not signed in"),
        (status = 404, description = "Not a member of the business"),
        (status = 422, description = "An unknown platform, metric or granularity, a malformed date, or a reversed or overlong range"),
    ))]
pub async fn metrics_of(
    State(app): State<AppState>,
    member: Member,
    Params(q): Params<MetricsQuery>,
) -> Result<Response, ApiError> {
    let csv = match q.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => return Err(super::analytics::invalid("format", "Choose json or csv.")),
    };
    let query = metrics::Query {
        range: range(&member, q.from.as_deref(), q.to.as_deref())?,
        platform: one_of(q.platform.as_deref(), "platform", Platform::parse)?,
        metric: one_of(q.metric.as_deref(), "metric", Metric::parse)?,
        granularity: one_of(q.granularity.as_deref(), "granularity", Granularity::parse)?
            .unwrap_or(Granularity::Day),
    };
    let view: MetricsView = metrics::series(&app.db, member.business.id, query).await?;
    if csv {
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"pulseboard-metrics.csv\"",
                ),
            ],
            metrics::to_csv(&view),
        )
            .into_response());
    }
    Ok(Json(view).into_response())
}

#[derive(Deserialize)]
pub struct PostsQuery {
    from: Option<String>,
    to: Option<String>,
    platform: Option<String>,
    sort: Option<String>,
    limit: Option<u64>,
}

/// The business's best posts published in the range.
#[utoipa::path(get, path = "/api/v1/analytics/posts/{business_id}", tag = "analytics",
    params(
        ("business_id" = uuid::Uuid, Path, description = "The business"),
        ("from" = Option<String>, Query, description = "First day of publication, YYYY-MM-DD (UTC)"),
        ("to" = Option<String>, Query, description = "Last day of publication, YYYY-MM-DD (UTC)"),
        ("platform" = Option<String>, Query, description = "linkedin, x or meta"),
        ("sort" = Option<String>, Query, description = "The metric to rank by (default engagements; a post without an engagement total counts likes, comments, shares and saves)"),
        ("limit" = Option<u64>, Query, description = "Posts, 1–50 (default 10)"),
    ),
    responses(
        (status = 200, description = "`{from, to, sort, posts: [{connection_id, kind, display_name, external_id, published_at, excerpt, url, metrics}]}`"),
        (status = 401, description = "Not signed in"),
        (status = 404, description = "Not a member of the business"),
        (status = 422, description = "An unknown platform or metric, a malformed date, or a reversed or overlong range"),
    ))]
pub async fn top_posts(
    State(app): State<AppState>,
    member: Member,
    Params(q): Params<PostsQuery>,
) -> Result<Json<TopPosts>, ApiError> {
    let query = posts::Query {
        range: range(&member, q.from.as_deref(), q.to.as_deref())?,
        platform: one_of(q.platform.as_deref(), "platform", Platform::parse)?,
        sort: one_of(q.sort.as_deref(), "sort", Metric::parse)?.unwrap_or(Metric::Engagements),
        limit: q.limit.unwrap_or(10),
    };
    Ok(Json(posts::top(&app.db, member.business.id, query).await?))
}
