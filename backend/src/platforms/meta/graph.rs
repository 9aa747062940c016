//! Reading the Graph API for analytics: calls with `appsecret_proof`,
//! Meta's error codes and throttling headers, insights answers (values
//! that are numbers or breakdown objects), Pacific reporting days, and
//! metric groups that fall back to one metric at a time when Meta refuses
//! the group (`#100`), so one retired metric costs only itself.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::America::Los_Angeles;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::Value;

use super::appsecret_proof;
use crate::platforms::analytics::{CallError, Fetched};
use crate::platforms::client::transport;
use crate::platforms::{ProviderError, ProviderSettings};

/// An authenticated Graph client for one fetch.
pub(super) struct Graph<'a> {
    http: &'a reqwest::Client,
    token: &'a SecretString,
    proof: String,
    base: String,
    /// The Graph version asked for (in `base`), to compare with the one
    /// Meta says it answered with.
    version: Option<String>,
    /// Told once per fetch that Meta answered with another version.
    warned: bool,
    pub calls: u32,
}

impl<'a> Graph<'a> {
    pub fn new(cfg: &ProviderSettings, http: &'a reqwest::Client, token: &'a SecretString) -> Self {
        Self {
            http,
            token,
            proof: appsecret_proof(&cfg.client_secret, token),
            base: cfg.api_url.trim_end_matches('/').to_owned(),
            version: cfg.api_version.clone(),
            warned: false,
            calls: 0,
        }
    }

    /// `GET {base}/{path}` with `query`.
    pub async fn get<T: serde::de::DeserializeOwned>(
        &mut self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, CallError> {
        self.calls += 1;
        let res = self
            .http
            .get(format!("{}/{path}", self.base))
            .query(query)
            .query(&[("appsecret_proof", self.proof.as_str())])
            .bearer_auth(self.token.expose_secret())
            .send()
            .await
            .map_err(|e| ProviderError::Transient(transport(&e)))?;
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        if !self.warned
            && let Some(served) = other_version(self.version.as_deref(), &headers)
        {
            self.warned = true;
            tracing::warn!(
                requested = self.version.as_deref().unwrap_or_default(),
                served = %served,
                "Meta answered with another Graph API version: the configured one is no longer served; configure a current one (pulseboard doctor)"
            );
        }
        let body = res
            .bytes()
            .await
            .map_err(|e| ProviderError::Transient(transport(&e)))?;
        if status == 200 {
            return serde_json::from_slice(&body)
                .map_err(|_| ProviderError::Invalid("unreadable Graph answer".into()).into());
        }
        Err(classify(status, &headers, &body, Utc::now()))
    }

    /// The insights of `node` for `metrics` asked together, then one by one
    /// if Meta refuses the group; each refused metric is recorded in `out`
    /// with Meta's message, its name followed by `scope` (what the refusal
    /// is limited to, e.g. a media type). What Meta gave, in any case.
    pub async fn insights(
        &mut self,
        out: &mut Fetched,
        node: &str,
        metrics: &[&str],
        query: &[(&str, &str)],
        scope: &str,
    ) -> Result<Vec<Insight>, ProviderError> {
        let path = format!("{node}/insights");
        let joined = metrics.join(",");
        let mut q = vec![("metric", joined.as_str())];
        q.extend_from_slice(query);
        match self.get::<Insights>(&path, &q).await {
            Ok(found) => return Ok(found.data),
            Err(CallError::Fatal(e)) => return Err(e),
            Err(CallError::Refused(message)) if message.contains(NOT_ENOUGH_VIEWERS) => {
                return Ok(Vec::new());
            }
            Err(CallError::Refused(message)) if metrics.len() == 1 => {
                out.group::<()>(
                    &format!("{}{scope}", metrics[0]),
                    Err(CallError::Refused(message)),
                )?;
                return Ok(Vec::new());
            }
            Err(CallError::Refused(_)) => {}
        }
        let mut found = Vec::new();
        for metric in metrics {
            let mut q = vec![("metric", *metric)];
            q.extend_from_slice(query);
            let one = self.get::<Insights>(&path, &q).await;
            if let Some(one) = out.group(&format!("{metric}{scope}"), one)? {
                found.extend(one.data);
            }
        }
        Ok(found)
    }
}

/// Meta's `(#10)` for media with too little reach to report on.
const NOT_ENOUGH_VIEWERS: &str = "Not enough viewers";

#[derive(Deserialize)]
struct GraphError {
    error: GraphErrorBody,
}

#[derive(Deserialize)]
struct GraphErrorBody {
    code: Option<i64>,
    message: Option<String>,
}

/// A Graph error for one analytics call: `#100` (an invalid or retired
/// metric, a metric not valid for this media type) refuses the group;
/// the throttling codes wait as long as Meta's headers say.
pub(super) fn classify(
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: &[u8],
    now: DateTime<Utc>,
) -> CallError {
    let err = serde_json::from_slice::<GraphError>(body)
        .ok()
        .map(|e| e.error);
    let code = err.as_ref().and_then(|e| e.code);
    let message = err
        .and_then(|e| e.message)
        .unwrap_or_else(|| format!("HTTP {status}"));
    match code {
        Some(100) => CallError::Refused(message),
        // A post too few people saw: no insights for it, nothing refused.
        Some(10) if message.contains(NOT_ENOUGH_VIEWERS) => CallError::Refused(message),
        Some(4 | 17 | 32 | 613 | 80001 | 80002) => CallError::Fatal(ProviderError::RateLimited {
            until: regain_access(headers, now).unwrap_or(now + Duration::hours(1)),
        }),
        Some(190) => CallError::Fatal(ProviderError::NeedsReauth("invalid_grant".into())),
        Some(10 | 200..=299) => {
            CallError::Fatal(ProviderError::MissingPermission("read_insights".into()))
        }
        Some(1 | 2) => CallError::Fatal(ProviderError::Transient(format!(
            "Graph code {}",
            code.unwrap_or_default()
        ))),
        _ if status >= 500 => CallError::Fatal(ProviderError::Transient(format!("HTTP {status}"))),
        _ => CallError::Fatal(ProviderError::Invalid(format!("HTTP {status}"))),
    }
}

/// The normalised metric of a native one, from a fetcher's table.
pub(super) fn metric_of(
    table: &[(&str, shared::domain::Metric)],
    native: &str,
) -> Option<shared::domain::Metric> {
    table.iter().find(|(n, _)| *n == native).map(|(_, m)| *m)
}

/// The version Meta says it answered with (`facebook-api-version`), when it
/// is not the one asked for: Meta upgrades calls to a retired version
/// silently, and its metrics may differ.
pub(super) fn other_version(
    requested: Option<&str>,
    headers: &reqwest::header::HeaderMap,
) -> Option<String> {
    let requested = requested?;
    let served = headers.get("facebook-api-version")?.to_str().ok()?;
    (served != requested).then(|| served.to_owned())
}

/// When Meta's throttling headers say access returns: the largest
/// `estimated_time_to_regain_access` (minutes) in `X-Business-Use-Case-Usage`,
/// or `Retry-After`.
pub(super) fn regain_access(
    headers: &reqwest::header::HeaderMap,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let buc = headers
        .get("x-business-use-case-usage")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| serde_json::from_str::<Value>(v).ok());
    let minutes = buc
        .as_ref()
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|o| o.values())
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(|u| u.get("estimated_time_to_regain_access")?.as_i64())
        .max()
        .filter(|m| *m > 0);
    if let Some(m) = minutes {
        return Some(now + Duration::minutes(m.min(24 * 60)));
    }
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .map(|s| now + Duration::seconds(s.clamp(1, 86_400)))
}

#[derive(Deserialize)]
pub(super) struct Insights {
    #[serde(default)]
    pub data: Vec<Insight>,
}

#[derive(Deserialize)]
pub(super) struct Insight {
    pub name: String,
    #[serde(default)]
    pub values: Vec<InsightValue>,
    pub total_value: Option<TotalValue>,
}

#[derive(Deserialize)]
pub(super) struct InsightValue {
    #[serde(default)]
    pub value: Value,
    pub end_time: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct TotalValue {
    #[serde(default)]
    pub value: Value,
}

/// A value as a number: breakdown objects (`{"like":330,"love":2}`) are
/// summed; anything else is 0.
pub(super) fn number(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().unwrap_or(0.0),
        Value::Object(o) => o.values().map(number).sum(),
        _ => 0.0,
    }
}

/// A Graph timestamp (`2026-09-02T07:00:00+0000`).
pub(super) fn timestamp(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%z")
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The reporting day a daily value belongs to: its `end_time` marks the end
/// of a Pacific day, so the day is `end_time` minus one day, in Pacific time.
pub(super) fn reporting_day(end_time: &str) -> Option<NaiveDate> {
    let end = timestamp(end_time)?.with_timezone(&Los_Angeles);
    // An end at midnight belongs to the day before; the minute is checked
    // so a value stamped a little after midnight is not moved twice.
    Some((end - Duration::minutes(1)).date_naive())
}

/// The Pacific day `t` falls on.
pub(super) fn pacific_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&Los_Angeles).date_naive()
}

/// Midnight at the start of a Pacific day, as Unix seconds.
pub(super) fn pacific_midnight(day: NaiveDate) -> i64 {
    Los_Angeles
        .from_local_datetime(&day.and_time(NaiveTime::MIN))
        .earliest()
        .map_or(0, |t| t.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    #[test]
    fn end_times_are_the_end_of_a_pacific_day_across_dst() {
        // PDT: days end at 07:00 UTC; PST: at 08:00 UTC.
        assert_eq!(
            reporting_day("2026-09-02T07:00:00+0000")
                .unwrap()
                .to_string(),
            "2026-09-01"
        );
        assert_eq!(
            reporting_day("2026-11-03T08:00:00+0000")
                .unwrap()
                .to_string(),
            "2026-11-02"
        );
        // The day DST ends (1 Nov 2026) is 25 hours long and ends at 08:00 UTC.
        assert_eq!(
            reporting_day("2026-11-02T08:00:00+0000")
                .unwrap()
                .to_string(),
            "2026-11-01"
        );
        assert_eq!(
            reporting_day("2026-03-09T07:00:00+0000")
                .unwrap()
                .to_string(),
            "2026-03-08"
        );
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(
            pacific_midnight(day("2026-11-02")) - pacific_midnight(day("2026-11-01")),
            25 * 3600
        );
    }

    #[test]
    fn breakdown_objects_are_summed() {
        assert_eq!(number(&serde_json::json!(1234)), 1234.0);
        assert_eq!(number(&serde_json::json!({"like":330,"love":2})), 332.0);
        assert_eq!(number(&serde_json::json!(null)), 0.0);
        let page: Insights = serde_json::from_str(
            r#"{"data":[{"name":"page_media_view","period":"day","values":[{"value":1234,"end_time":"2026-09-02T07:00:00+0000"},
 {"value":987,"end_time":"2026-09-03T07:00:00+0000"}],"title":"t","description":"d","id":"1/insights/page_media_view/day"}],
 "paging":{"previous":"https://graph.facebook.com/x","next":"https://graph.facebook.com/y"}}"#,
        )
        .unwrap();
        assert_eq!(page.data[0].values.len(), 2);
        let empty: Insights = serde_json::from_str(r#"{"data":[]}"#).unwrap();
        assert!(empty.data.is_empty());
    }

    #[test]
    fn a_different_served_version_is_noticed() {
        let mut headers = HeaderMap::new();
        assert_eq!(other_version(Some("v25.0"), &headers), None);
        headers.insert("facebook-api-version", "v25.0".parse().unwrap());
        assert_eq!(other_version(Some("v25.0"), &headers), None);
        assert_eq!(other_version(None, &headers), None);
        headers.insert("facebook-api-version", "v21.0".parse().unwrap());
        assert_eq!(
            other_version(Some("v20.0"), &headers),
            Some("v21.0".to_owned())
        );
    }

    #[test]
    fn errors_are_classified_with_the_throttling_headers() {
        let now: DateTime<Utc> = "2026-12-03T10:00:00Z".parse().unwrap();
        let mut headers = HeaderMap::new();
        assert!(matches!(
            classify(400, &headers, br#"{"error":{"message":"(#100) The value must be a valid insights metric","type":"OAuthException","code":100}}"#, now),
            CallError::Refused(m) if m.starts_with("(#100)")
        ));
        headers.insert(
            "x-business-use-case-usage",
            HeaderValue::from_static(
                r#"{"123":[{"type":"pages","call_count":100,"total_cputime":20,"total_time":30,"estimated_time_to_regain_access":17}]}"#,
            ),
        );
        match classify(400, &headers, br#"{"error":{"code":80001}}"#, now) {
            CallError::Fatal(ProviderError::RateLimited { until }) => {
                assert_eq!(until, now + Duration::minutes(17))
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            classify(
                403,
                &HeaderMap::new(),
                br#"{"error":{"code":10,"message":"(#10) requires read_insights"}}"#,
                now
            ),
            CallError::Fatal(ProviderError::MissingPermission(_))
        ));
        assert!(matches!(
            classify(500, &HeaderMap::new(), b"", now),
            CallError::Fatal(ProviderError::Transient(_))
        ));
    }
}
