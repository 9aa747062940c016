//! The sandbox LinkedIn organization's analytics on `/rest`, validated as
//! LinkedIn does: a live token, `LinkedIn-Version` (YYYYMM, served for 12
//! months; older ones get 426 `NONEXISTENT_VERSION`),
//! `X-Restli-Protocol-Version: 2.0.0`, Rest.li 2.0 query values with
//! literal `( ) : ,` and percent-encoded URNs, and DAY ranges on UTC
//! midnights. Its 429 carries no header (limits reset at midnight UTC).
//!
//! The data is deterministic per UTC day: follower gains, share statistics
//! and page views that are higher on weekdays, and a post every weekday at
//! 15:00 UTC (every third one a `ugcPost`) with lifetime statistics.

// A refusal is answered at once by the handler that got it: boxing
// the response would buy nothing.
#![allow(clippy::result_large_err)]

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde_json::{Value, json};

use super::{Fault, Shared};
use crate::linkedin::{MEMBER_ID, bearer_scopes, invalid_token};

mod data;

pub use data::*;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/sandbox/linkedin/rest/organizationAcls", get(acls))
        .route(
            "/sandbox/linkedin/rest/networkSizes/{urn}",
            get(network_size),
        )
        .route(
            "/sandbox/linkedin/rest/organizationalEntityFollowerStatistics",
            get(follower_statistics),
        )
        .route(
            "/sandbox/linkedin/rest/organizationalEntityShareStatistics",
            get(share_statistics),
        )
        .route(
            "/sandbox/linkedin/rest/organizationPageStatistics",
            get(page_statistics),
        )
        .route("/sandbox/linkedin/rest/posts", get(list_posts))
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({ "status": status.as_u16(), "code": code, "message": message })),
    )
        .into_response()
}

fn bad(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "ILLEGAL_ARGUMENT", message)
}

/// The checks every `/rest` call passes first; the faults switched on.
fn admit(s: &Shared, headers: &HeaderMap, now: DateTime<Utc>) -> Result<(), Response> {
    let Some(scopes) = bearer_scopes(s, headers) else {
        return Err(invalid_token());
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let Some(version) = header("LinkedIn-Version") else {
        return Err(bad(
            "A version must be present. Please specify a version by adding the LinkedIn-Version header.",
        ));
    };
    let oldest = now.date_naive() - Duration::days(365);
    let served = version.len() == 6
        && version.parse::<u32>().ok().is_some_and(|v| {
            (1..=12).contains(&(v % 100))
                && v >= oldest.year() as u32 * 100 + oldest.month()
                && v <= now.year() as u32 * 100 + now.month()
        });
    if !served || s.fault("linkedin") == Some(Fault::RetiredVersion) {
        return Err(error(
            StatusCode::UPGRADE_REQUIRED,
            "NONEXISTENT_VERSION",
            &format!("Requested version {version} is not active"),
        ));
    }
    if header("X-Restli-Protocol-Version") != Some("2.0.0") {
        return Err(bad("X-Restli-Protocol-Version 2.0.0 is required"));
    }
    if !scopes
        .split([',', ' '])
        .any(|s| s == "rw_organization_admin")
    {
        return Err(error(
            StatusCode::FORBIDDEN,
            "ACCESS_DENIED",
            "Not enough permissions to access: organization statistics",
        ));
    }
    match s.fault("linkedin") {
        // LinkedIn's 429 carries no Retry-After and no rate-limit headers.
        Some(Fault::RateLimit) => Err(error(
            StatusCode::TOO_MANY_REQUESTS,
            "TOO_MANY_REQUESTS",
            "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.",
        )),
        Some(Fault::ServerError) => Err(StatusCode::SERVICE_UNAVAILABLE.into_response()),
        _ => {
            s.linkedin.lock().expect("sandbox lock").reads += 1;
            Ok(())
        }
    }
}

/// The raw (still encoded) value of `name` in a query string.
fn raw<'q>(query: &'q str, name: &str) -> Option<&'q str> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn decoded(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = value
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A URN parameter: present, percent-encoded as Rest.li 2.0 wants, ours.
fn organization(query: &str, name: &str) -> Result<(), Response> {
    let Some(value) = raw(query, name) else {
        return Err(bad(&format!("Parameter '{name}' is required")));
    };
    if value.contains(':') {
        return Err(bad(&format!(
            "Parameter '{name}' is invalid: URNs must be percent-encoded"
        )));
    }
    if decoded(value) != ORGANIZATION {
        return Err(error(
            StatusCode::FORBIDDEN,
            "ACCESS_DENIED",
            "Not enough permissions to access this organization",
        ));
    }
    Ok(())
}

/// `timeIntervals=(timeRange:(start:…,end:…),timeGranularityType:DAY)`:
/// literal syntax, UTC-midnight bounds, start before end. The days asked for.
fn days_of(query: &str) -> Result<Vec<NaiveDate>, Response> {
    let invalid = || bad("Parameter 'timeIntervals' is invalid");
    let value = raw(query, "timeIntervals").ok_or_else(invalid)?;
    let inner = value
        .strip_prefix("(timeRange:(start:")
        .and_then(|v| v.strip_suffix("),timeGranularityType:DAY)"))
        .ok_or_else(invalid)?;
    let (start, end) = inner.split_once(",end:").ok_or_else(invalid)?;
    let at = |ms: &str| {
        ms.parse::<i64>()
            .ok()
            .and_then(DateTime::from_timestamp_millis)
    };
    let (Some(start), Some(end)) = (at(start), at(end)) else {
        return Err(invalid());
    };
    let midnight = |t: DateTime<Utc>| t.timestamp_millis() % 86_400_000 == 0;
    if !midnight(start) || !midnight(end) || start >= end {
        return Err(bad(
            "timeRange must start and end on UTC midnights, start before end",
        ));
    }
    let mut days = Vec::new();
    let mut day = start.date_naive();
    while day < end.date_naive() {
        days.push(day);
        day += Duration::days(1);
    }
    Ok(days)
}

fn range(day: NaiveDate) -> Value {
    let start = day.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
    json!({ "start": start.timestamp_millis(), "end": (start + Duration::days(1)).timestamp_millis() })
}

fn elements(items: Vec<Value>) -> Response {
    let count = items.len();
    axum::Json(json!({ "paging": { "start": 0, "count": count, "links": [] }, "elements": items }))
        .into_response()
}

async fn acls(State(s): State<Shared>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    if let Err(r) = admit(&s, &headers, Utc::now()) {
        return r;
    }
    let q = q.unwrap_or_default();
    if raw(&q, "q") != Some("roleAssignee") {
        return bad("Parameter 'q' must be roleAssignee");
    }
    elements(vec![json!({
        "organization": ORGANIZATION, "role": "ADMINISTRATOR", "state": "APPROVED",
        "roleAssignee": format!("urn:li:person:{MEMBER_ID}"),
    })])
}

async fn network_size(
    State(s): State<Shared>,
    headers: HeaderMap,
    Path(urn): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let now = Utc::now();
    if let Err(r) = admit(&s, &headers, now) {
        return r;
    }
    if raw(&q.unwrap_or_default(), "edgeType") != Some("COMPANY_FOLLOWED_BY_MEMBER") {
        return bad("Parameter 'edgeType' is invalid");
    }
    if urn != ORGANIZATION {
        return error(StatusCode::NOT_FOUND, "NOT_FOUND", "Not found");
    }
    axum::Json(json!({ "firstDegreeSize": followers(now) })).into_response()
}

async fn follower_statistics(
    State(s): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    if let Err(r) = admit(&s, &headers, Utc::now()) {
        return r;
    }
    let q = q.unwrap_or_default();
    if let Err(r) = organization(&q, "organizationalEntity") {
        return r;
    }
    let days = match days_of(&q) {
        Ok(d) => d,
        Err(r) => return r,
    };
    elements(
        days.into_iter()
            .map(|day| {
                let (organic, paid) = follower_gains(day);
                json!({ "organizationalEntity": ORGANIZATION, "timeRange": range(day),
                    "followerGains": { "organicFollowerGain": organic, "paidFollowerGain": paid } })
            })
            .collect(),
    )
}

/// Daily statistics with `timeIntervals` (the last 12 months only), or
/// lifetime statistics of the posts in `shares=List(…)` / `ugcPosts=List(…)`.
async fn share_statistics(
    State(s): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let now = Utc::now();
    if let Err(r) = admit(&s, &headers, now) {
        return r;
    }
    let q = q.unwrap_or_default();
    if let Err(r) = organization(&q, "organizationalEntity") {
        return r;
    }
    let lists = [("shares", "share"), ("ugcPosts", "ugcPost")];
    if lists.iter().any(|(p, _)| raw(&q, p).is_some()) {
        let all = posts(now);
        let mut found = Vec::new();
        for (param, key) in lists {
            let Some(value) = raw(&q, param) else {
                continue;
            };
            let Some(items) = value
                .strip_prefix("List(")
                .and_then(|v| v.strip_suffix(')'))
            else {
                return bad(&format!("Parameter '{param}' is invalid"));
            };
            for item in items.split(',') {
                if item.contains(':') {
                    return bad(&format!(
                        "Parameter '{param}' is invalid: URNs must be percent-encoded"
                    ));
                }
                let urn = decoded(item);
                if let Some(p) = all.iter().find(|p| p.urn == urn) {
                    found.push(json!({ "organizationalEntity": ORGANIZATION, key: urn,
                        "totalShareStatistics": p.stats.json() }));
                }
            }
        }
        return elements(found);
    }
    let days = match days_of(&q) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let oldest = now.date_naive() - Duration::days(365);
    elements(
        days.into_iter()
            .filter(|d| *d > oldest)
            .map(|day| {
                json!({ "organizationalEntity": ORGANIZATION, "timeRange": range(day),
                    "totalShareStatistics": shares_on(day).json() })
            })
            .collect(),
    )
}

async fn page_statistics(
    State(s): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    if let Err(r) = admit(&s, &headers, Utc::now()) {
        return r;
    }
    if s.fault("linkedin") == Some(Fault::DeprecatedMetric) {
        return error(
            StatusCode::FORBIDDEN,
            "ACCESS_DENIED",
            "Not enough permissions to access: organizationPageStatistics",
        );
    }
    let q = q.unwrap_or_default();
    if let Err(r) = organization(&q, "organization") {
        return r;
    }
    let days = match days_of(&q) {
        Ok(d) => d,
        Err(r) => return r,
    };
    elements(
        days.into_iter()
            .map(|day| {
                let v = page_views(day);
                json!({ "organization": ORGANIZATION, "timeRange": range(day),
                    "totalPageStatistics": { "views": {
                        "allPageViews": { "pageViews": v },
                        "allDesktopPageViews": { "pageViews": v - v / 3 },
                        "allMobilePageViews": { "pageViews": v / 3 } } } })
            })
            .collect(),
    )
}

/// `GET /rest/posts?author=…&q=author&count=…&start=…` (a FINDER).
async fn list_posts(
    State(s): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let now = Utc::now();
    if let Err(r) = admit(&s, &headers, now) {
        return r;
    }
    let q = q.unwrap_or_default();
    if raw(&q, "q") != Some("author") {
        return bad("Parameter 'q' must be author");
    }
    if let Err(r) = organization(&q, "author") {
        return r;
    }
    let number = |name: &str, default: usize| {
        raw(&q, name).map_or(Ok(default), |v| v.parse::<usize>().map_err(|_| ()))
    };
    let (Ok(count), Ok(start)) = (number("count", 10), number("start", 0)) else {
        return bad("Parameters 'count' and 'start' must be numbers");
    };
    if !(1..=100).contains(&count) {
        return bad("Parameter 'count' must be between 1 and 100");
    }
    let all = posts(now);
    let page: Vec<Value> = all
        .iter()
        .skip(start)
        .take(count)
        .map(|p| {
            let at = p.published_at.timestamp_millis();
            json!({ "id": p.urn, "author": ORGANIZATION, "commentary": p.text,
                "visibility": "PUBLIC", "lifecycleState": "PUBLISHED",
                "publishedAt": at, "lastModifiedAt": at, "createdAt": at })
        })
        .collect();
    let n = page.len();
    axum::Json(json!({ "paging": { "start": start, "count": n, "total": all.len(), "links": [] }, "elements": page }))
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use data::weekday;

    #[test]
    fn intervals_must_be_literal_and_on_utc_midnights() {
        let ok = "q=organizationalEntity&timeIntervals=(timeRange:(start:1670716800000,end:1670889600000),timeGranularityType:DAY)";
        assert_eq!(days_of(ok).unwrap().len(), 2);
        let encoded = "timeIntervals=%28timeRange%3A%28start%3A1670716800000%2Cend%3A1670889600000%29%2CtimeGranularityType%3ADAY%29";
        assert!(days_of(encoded).is_err());
        let unaligned = "timeIntervals=(timeRange:(start:1670716800001,end:1670889600000),timeGranularityType:DAY)";
        assert!(days_of(unaligned).is_err());
    }

    #[test]
    fn urns_must_be_encoded() {
        assert!(
            organization(
                "organization=urn%3Ali%3Aorganization%3A10101010",
                "organization"
            )
            .is_ok()
        );
        assert!(organization("organization=urn:li:organization:10101010", "organization").is_err());
    }

    #[test]
    fn posts_are_on_weekdays_newest_first() {
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 16, 0, 0).unwrap();
        let all = posts(now);
        assert_eq!(all, posts(now));
        assert!(
            all.windows(2)
                .all(|w| w[0].published_at > w[1].published_at)
        );
        assert!(all.iter().all(|p| weekday(p.published_at.date_naive())));
        assert!(all.iter().any(|p| p.urn.starts_with("urn:li:ugcPost:")));
    }
}
