//! The sandbox Pages' and Instagram account's analytics on the Graph API,
//! validated as Meta does: a Page token derived from a live user token,
//! with its `appsecret_proof`; a version in the path; current metric names
//! only (a retired one fails the whole request with `(#100)`); `period`;
//! `since`/`until` spans of at most 90 days (30 for Instagram's series);
//! `metric_type=total_value` where Instagram requires it; per-media-type
//! metrics. Daily values end at Pacific midnight (`end_time`).
//!
//! The data is deterministic per Pacific day and node: weekday-heavy views,
//! steady follower growth, a Page post a day at 17:00 UTC and an Instagram
//! media every other day at 18:00 UTC (every third a reel; every fifth has
//! too few viewers for insights).

// A refusal is answered at once by the handler that got it: boxing
// the response would buy nothing.
#![allow(clippy::result_large_err)]

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Fault, Shared};
use crate::meta::{graph_error, page_token_owner};

mod data;

pub use data::*;
use data::{IG_SERIES, IG_TOTALS, PAGE_METRICS, graph_time, pacific_day, pacific_midnight};

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/sandbox/meta/{version}/{node}", get(node))
        .route("/sandbox/meta/{version}/{node}/insights", get(insights))
        .route("/sandbox/meta/{version}/{node}/posts", get(posts_edge))
        .route("/sandbox/meta/{version}/{node}/media", get(media_edge))
}

fn invalid(message: &str) -> Response {
    graph_error(StatusCode::BAD_REQUEST, 100, message)
}

/// What a call needs first: a served version, a Page token and proof for
/// `node`, and no fault switched on. The Page the token belongs to.
fn admit(
    s: &Shared,
    version: &str,
    headers: &HeaderMap,
    proof: Option<&str>,
    node: &str,
) -> Result<(), Response> {
    let served = version
        .strip_prefix('v')
        .and_then(|v| v.strip_suffix(".0"))
        .and_then(|v| v.parse::<u32>().ok())
        .is_some();
    if !served {
        return Err(graph_error(
            StatusCode::BAD_REQUEST,
            2500,
            "Unknown path components",
        ));
    }
    let page = {
        let m = s.meta.lock().expect("sandbox lock");
        page_token_owner(&m, headers, proof)
    };
    let Some(page) = page.filter(|_| s.fault("meta") != Some(Fault::Revoked)) else {
        return Err(graph_error(
            StatusCode::BAD_REQUEST,
            190,
            "Invalid OAuth access token or appsecret_proof",
        ));
    };
    let owns = node == page
        || node.starts_with(&format!("{page}_"))
        || (page == PAGES[0] && (node == INSTAGRAM || node.starts_with("sbx-igm-")));
    if !owns {
        return Err(graph_error(
            StatusCode::BAD_REQUEST,
            10,
            "(#10) Requires pages_read_engagement permission to access this object",
        ));
    }
    match s.fault("meta") {
        Some(Fault::RateLimit) => {
            let (code, kind) = if node == INSTAGRAM || node.starts_with("sbx-igm-") {
                (80002, "instagram")
            } else {
                (80001, "pages")
            };
            let usage = json!({ node: [{ "type": kind, "call_count": 100, "total_cputime": 12,
                "total_time": 18, "estimated_time_to_regain_access": 30 }] });
            Err((
                StatusCode::BAD_REQUEST,
                [("x-business-use-case-usage", usage.to_string())],
                axum::Json(json!({ "error": { "message": "There have been too many calls to this object", "type": "OAuthException", "code": code } })),
            )
                .into_response())
        }
        Some(Fault::ServerError) => Err((
            StatusCode::INTERNAL_SERVER_ERROR,
            axum::Json(json!({ "error": { "message": "An unexpected error has occurred. Please retry your request later.", "type": "OAuthException", "code": 2, "is_transient": true } })),
        )
            .into_response()),
        _ => {
            s.meta.lock().expect("sandbox lock").reads += 1;
            Ok(())
        }
    }
}

#[derive(Deserialize)]
struct NodeQuery {
    appsecret_proof: Option<String>,
    fields: Option<String>,
}

async fn node(
    State(s): State<Shared>,
    Path((version, node)): Path<(String, String)>,
    headers: HeaderMap,
    Query(q): Query<NodeQuery>,
) -> Response {
    if let Err(r) = admit(&s, &version, &headers, q.appsecret_proof.as_deref(), &node) {
        return r;
    }
    let now = Utc::now();
    let mut body = json!({ "id": node });
    for field in q
        .fields
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|f| !f.is_empty())
    {
        let value = match (node == INSTAGRAM, field) {
            (false, "followers_count") | (false, "fan_count") => json!(page_followers(&node, now)),
            (false, "name") => json!(node),
            (true, "followers_count") => json!(instagram_followers(now)),
            (true, "follows_count") => json!(210),
            (true, "media_count") => json!(media(now).len()),
            _ => {
                return invalid(&format!(
                    "(#100) Tried accessing nonexisting field ({field})"
                ));
            }
        };
        body[field] = value;
    }
    axum::Json(body).into_response()
}

#[derive(Deserialize)]
struct InsightsQuery {
    appsecret_proof: Option<String>,
    metric: Option<String>,
    period: Option<String>,
    since: Option<i64>,
    until: Option<i64>,
    metric_type: Option<String>,
}

async fn insights(
    State(s): State<Shared>,
    Path((version, node)): Path<(String, String)>,
    headers: HeaderMap,
    Query(q): Query<InsightsQuery>,
) -> Response {
    if let Err(r) = admit(&s, &version, &headers, q.appsecret_proof.as_deref(), &node) {
        return r;
    }
    let Some(metric) = q.metric.as_deref().filter(|m| !m.is_empty()) else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({ "error": { "message": "The value must be a valid insights metric", "code": 3001, "error_subcode": 1504028 } })),
        )
            .into_response();
    };
    let metrics: Vec<&str> = metric.split(',').collect();
    let deprecated = s.fault("meta") == Some(Fault::DeprecatedMetric);
    let now = Utc::now();
    if PAGES.contains(&node.as_str()) {
        if let Some(bad) = metrics
            .iter()
            .find(|m| !PAGE_METRICS.contains(m) || (deprecated && **m == "page_views_total"))
        {
            return invalid(&format!(
                "(#100) The value must be a valid insights metric ({bad})"
            ));
        }
        let days = match span(&q, 90) {
            Ok(d) => d,
            Err(r) => return r,
        };
        return daily(&node, &metrics, &days, |m, d| page_value(&node, m, d));
    }
    if node == INSTAGRAM {
        if q.metric_type.as_deref() == Some("total_value") {
            if let Some(bad) = metrics
                .iter()
                .find(|m| !IG_TOTALS.contains(m) || (deprecated && **m == "saves"))
            {
                return invalid(
                    &format!(
                        "(#100) metric[0] must be one of the following values: {}",
                        IG_TOTALS.join(", ")
                    )
                    .replace("[0]", &format!("[{bad}]")),
                );
            }
            let days = match span(&q, 30) {
                Ok(d) => d,
                Err(r) => return r,
            };
            let data: Vec<Value> = metrics
                .iter()
                .map(|m| {
                    let total: u64 = days.iter().filter_map(|d| instagram_value(m, *d)).sum();
                    json!({ "name": m, "period": q.period.as_deref().unwrap_or("day"),
                        "total_value": { "value": total }, "title": m, "id": format!("{node}/insights/{m}/day") })
                })
                .collect();
            return axum::Json(json!({ "data": data })).into_response();
        }
        if let Some(bad) = metrics.iter().find(|m| !IG_SERIES.contains(m)) {
            return invalid(&format!(
                "(#100) {bad} requires metric_type=total_value or is not a valid time series metric"
            ));
        }
        let days = match span(&q, 30) {
            Ok(d) => d,
            Err(r) => return r,
        };
        // follower_count: the last 30 days only; older days have no data.
        let oldest = pacific_day(now) - Duration::days(30);
        return daily(&node, &metrics, &days, |m, d| {
            (m != "follower_count" || d >= oldest)
                .then(|| instagram_value(m, d).map(Value::from))
                .flatten()
        });
    }
    let lifetime = |items: Vec<Item>, per_type: bool| -> Response {
        let Some(item) = items.into_iter().find(|i| i.id == node) else {
            return graph_error(StatusCode::BAD_REQUEST, 100, "(#100) Object does not exist");
        };
        if item.quiet {
            return graph_error(
                StatusCode::BAD_REQUEST,
                10,
                "(#10) Not enough viewers for the media to show insights",
            );
        }
        let mut data = Vec::new();
        for m in &metrics {
            let Some((_, v)) = item.insights.iter().find(|(n, _)| n == m) else {
                let why = if per_type {
                    format!("(#100) The metric {m} is not supported for this media type")
                } else {
                    format!("(#100) The value must be a valid insights metric ({m})")
                };
                return invalid(&why);
            };
            data.push(
                json!({ "name": m, "period": "lifetime", "values": [{ "value": v }],
                "title": m, "id": format!("{node}/insights/{m}/lifetime") }),
            );
        }
        axum::Json(json!({ "data": data })).into_response()
    };
    if node.starts_with("sbx-igm-") {
        return lifetime(media(now), true);
    }
    match PAGES.iter().find(|p| node.starts_with(&format!("{p}_"))) {
        Some(page) => lifetime(page_posts(page, now), false),
        None => graph_error(StatusCode::BAD_REQUEST, 100, "(#100) Object does not exist"),
    }
}

/// The Pacific days `since`..`until` covers (`period=day` required), at
/// most `max_days` apart.
fn span(q: &InsightsQuery, max_days: i64) -> Result<Vec<NaiveDate>, Response> {
    if q.period.as_deref() != Some("day") {
        return Err(invalid(
            "(#100) period must be one of the following values: day, week, days_28, lifetime",
        ));
    }
    let (Some(since), Some(until)) = (q.since, q.until) else {
        return Err(invalid("(#100) since and until are required"));
    };
    if until <= since {
        return Err(invalid("(#100) until must be after since"));
    }
    if until - since > max_days * 86_400 {
        return Err(invalid(&format!(
            "(#100) There cannot be more than {max_days} days ({} s) between since and until",
            max_days * 86_400
        )));
    }
    let at = |t: i64| DateTime::from_timestamp(t, 0).unwrap_or_default();
    let (first, last) = (pacific_day(at(since)), pacific_day(at(until)));
    let mut days = Vec::new();
    let mut day = first;
    while day < last {
        days.push(day);
        day += Duration::days(1);
    }
    Ok(days)
}

/// A daily insights answer: each value stamped with the end of its Pacific day.
fn daily(
    node: &str,
    metrics: &[&str],
    days: &[NaiveDate],
    value: impl Fn(&str, NaiveDate) -> Option<Value>,
) -> Response {
    let data: Vec<Value> = metrics
        .iter()
        .map(|m| {
            let values: Vec<Value> = days
                .iter()
                .filter_map(|d| {
                    let v = value(m, *d)?;
                    let end = pacific_midnight(*d + Duration::days(1));
                    Some(json!({ "value": v, "end_time": graph_time(end) }))
                })
                .collect();
            json!({ "name": m, "period": "day", "values": values, "title": m,
                "description": format!("Daily {m}"), "id": format!("{node}/insights/{m}/day") })
        })
        .collect();
    axum::Json(json!({ "data": data })).into_response()
}

#[derive(Deserialize)]
struct EdgeQuery {
    appsecret_proof: Option<String>,
    fields: Option<String>,
    limit: Option<usize>,
    after: Option<String>,
}

/// One page of an edge, paged by `after` cursors.
fn edge(items: Vec<Value>, q: &EdgeQuery) -> Response {
    let limit = q.limit.unwrap_or(25);
    if !(1..=100).contains(&limit) {
        return invalid("(#100) limit must be between 1 and 100");
    }
    let start = match q
        .after
        .as_deref()
        .map(|a| a.strip_prefix("c").and_then(|n| n.parse::<usize>().ok()))
    {
        None => 0,
        Some(Some(n)) => n,
        Some(None) => return invalid("(#100) Invalid cursor"),
    };
    let page: Vec<Value> = items.iter().skip(start).take(limit).cloned().collect();
    let end = start + page.len();
    let mut paging =
        json!({ "cursors": { "before": format!("c{start}"), "after": format!("c{end}") } });
    if end < items.len() {
        paging["next"] = json!(format!("https://graph.facebook.com/next?after=c{end}"));
    }
    axum::Json(json!({ "data": page, "paging": paging })).into_response()
}

async fn posts_edge(
    State(s): State<Shared>,
    Path((version, node)): Path<(String, String)>,
    headers: HeaderMap,
    Query(q): Query<EdgeQuery>,
) -> Response {
    if let Err(r) = admit(&s, &version, &headers, q.appsecret_proof.as_deref(), &node) {
        return r;
    }
    if !PAGES.contains(&node.as_str()) {
        return invalid("(#100) Tried accessing nonexisting field (posts)");
    }
    let fields = q.fields.clone().unwrap_or_default();
    let has = |f: &str| fields.split(',').any(|x| x == f);
    let items = page_posts(&node, Utc::now())
        .into_iter()
        .map(|p| {
            let mut v = json!({ "id": p.id });
            if has("created_time") {
                v["created_time"] = json!(graph_time(p.at));
            }
            if has("message") {
                v["message"] = json!(p.text);
            }
            if has("permalink_url") {
                v["permalink_url"] = json!(format!(
                    "https://www.facebook.com/{}",
                    p.id.replace('_', "/posts/")
                ));
            }
            if has("status_type") {
                v["status_type"] = json!("mobile_status_update");
            }
            v
        })
        .collect();
    edge(items, &q)
}

async fn media_edge(
    State(s): State<Shared>,
    Path((version, node)): Path<(String, String)>,
    headers: HeaderMap,
    Query(q): Query<EdgeQuery>,
) -> Response {
    if let Err(r) = admit(&s, &version, &headers, q.appsecret_proof.as_deref(), &node) {
        return r;
    }
    if node != INSTAGRAM {
        return invalid("(#100) Tried accessing nonexisting field (media)");
    }
    let fields = q.fields.clone().unwrap_or_default();
    let has = |f: &str| fields.split(',').any(|x| x == f);
    let items = media(Utc::now())
        .into_iter()
        .map(|m| {
            let count = |name: &str| {
                m.insights
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.clone())
            };
            let mut v = json!({ "id": m.id });
            if has("caption") {
                v["caption"] = json!(m.text);
            }
            if has("media_type") {
                v["media_type"] = json!(if m.product == "REELS" {
                    "VIDEO"
                } else {
                    "IMAGE"
                });
            }
            if has("media_product_type") {
                v["media_product_type"] = json!(m.product);
            }
            if has("timestamp") {
                v["timestamp"] = json!(graph_time(m.at));
            }
            if has("permalink") {
                v["permalink"] = json!(format!("https://www.instagram.com/p/{}/", m.id));
            }
            if has("like_count") {
                v["like_count"] = count("likes").unwrap_or_default();
            }
            if has("comments_count") {
                v["comments_count"] = count("comments").unwrap_or_default();
            }
            v
        })
        .collect();
    edge(items, &q)
}
