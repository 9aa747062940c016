//! Rest.li 2.0 on LinkedIn's versioned `/rest` API: query values built by
//! hand (`( ) : ,` literal, URNs percent-encoded — a generic query builder
//! would encode the parentheses and LinkedIn would answer 400), the one
//! authenticated client with `LinkedIn-Version` and
//! `X-Restli-Protocol-Version`, and what a non-200 answer means.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::platforms::ProviderError;
use crate::platforms::analytics::CallError;
use crate::platforms::client::transport;

const RESTLI_PROTOCOL: &str = "2.0.0";

/// A URN (or any value) percent-encoded for a Rest.li 2.0 query: every byte
/// outside the unreserved set, so `:` becomes `%3A`.
pub(super) fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 2);
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `timeIntervals` for DAY buckets from `start` to `end` (UTC midnights).
pub(super) fn time_intervals(start: DateTime<Utc>, end: DateTime<Utc>) -> String {
    format!(
        "(timeRange:(start:{},end:{}),timeGranularityType:DAY)",
        start.timestamp_millis(),
        end.timestamp_millis()
    )
}

/// `List(urn1,urn2)` with each URN encoded.
pub(super) fn list(urns: &[&str]) -> String {
    let items: Vec<String> = urns.iter().map(|u| encode(u)).collect();
    format!("List({})", items.join(","))
}

/// One authenticated client for one fetch.
pub(super) struct Api<'a> {
    pub(super) http: &'a reqwest::Client,
    pub(super) token: &'a SecretString,
    pub(super) base: String,
    pub(super) version: &'a str,
    pub(super) calls: u32,
}

impl Api<'_> {
    /// `GET {base}{path_and_query}`; the query is already Rest.li-encoded.
    pub(super) async fn get<T: serde::de::DeserializeOwned>(
        &mut self,
        path_and_query: &str,
        finder: bool,
    ) -> Result<T, CallError> {
        self.calls += 1;
        let mut req = self
            .http
            .get(format!("{}{path_and_query}", self.base))
            .bearer_auth(self.token.expose_secret())
            .header("LinkedIn-Version", self.version)
            .header("X-Restli-Protocol-Version", RESTLI_PROTOCOL);
        if finder {
            req = req.header("X-RestLi-Method", "FINDER");
        }
        let res = req
            .send()
            .await
            .map_err(|e| ProviderError::Transient(transport(&e)))?;
        let status = res.status().as_u16();
        let retry_after = res
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<i64>().ok());
        let body = res
            .bytes()
            .await
            .map_err(|e| ProviderError::Transient(transport(&e)))?;
        if status == 200 {
            return serde_json::from_slice(&body)
                .map_err(|_| ProviderError::Invalid("unreadable LinkedIn answer".into()).into());
        }
        Err(refused(
            status,
            retry_after,
            &body,
            self.version,
            Utc::now(),
        ))
    }
}

#[derive(Deserialize, Default)]
pub(super) struct RestliError {
    pub(super) code: Option<String>,
    pub(super) message: Option<String>,
}

/// A non-200 answer. LinkedIn's 429 carries no header: its limits reset at
/// midnight UTC. A 400 or 403 concerns the one statistics call (the group
/// is refused, the fetch goes on).
pub(super) fn refused(
    status: u16,
    retry_after: Option<i64>,
    body: &[u8],
    version: &str,
    now: DateTime<Utc>,
) -> CallError {
    let err: RestliError = serde_json::from_slice(body).unwrap_or_default();
    let message = err.message.unwrap_or_else(|| format!("HTTP {status}"));
    CallError::Fatal(match status {
        400 | 403 => return CallError::Refused(message),
        401 => ProviderError::NeedsReauth("revoked".into()),
        426 => ProviderError::VersionRetired(version.to_owned()),
        429 => ProviderError::RateLimited {
            until: match retry_after {
                Some(s) => now + Duration::seconds(s.clamp(1, 86_400)),
                None => next_utc_midnight(now),
            },
        },
        s if s >= 500 => ProviderError::Transient(format!("HTTP {s}")),
        _ => ProviderError::Invalid(match err.code {
            Some(code) => format!("HTTP {status} {code}"),
            None => format!("HTTP {status}"),
        }),
    })
}

pub(super) fn next_utc_midnight(now: DateTime<Utc>) -> DateTime<Utc> {
    midnight(now.date_naive() + Duration::days(1))
}

pub(super) fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restli_values_keep_their_syntax_and_encode_the_urns() {
        assert_eq!(
            encode("urn:li:organization:2414183"),
            "urn%3Ali%3Aorganization%3A2414183"
        );
        let day = |s: &str| midnight(s.parse().unwrap());
        assert_eq!(
            time_intervals(day("2022-12-11"), day("2022-12-12")),
            "(timeRange:(start:1670716800000,end:1670803200000),timeGranularityType:DAY)"
        );
        assert_eq!(
            list(&["urn:li:share:1", "urn:li:share:2"]),
            "List(urn%3Ali%3Ashare%3A1,urn%3Ali%3Ashare%3A2)"
        );
    }

    #[test]
    fn a_header_less_429_waits_for_midnight_utc_and_426_is_a_retired_version() {
        let now: DateTime<Utc> = "2026-12-03T10:30:00Z".parse().unwrap();
        match refused(429, None, b"", "202607", now) {
            CallError::Fatal(ProviderError::RateLimited { until }) => {
                assert_eq!(until.to_rfc3339(), "2026-12-04T00:00:00+00:00")
            }
            other => panic!("{other:?}"),
        }
        let body = br#"{"status":426,"code":"NONEXISTENT_VERSION","message":"Requested version 20240901 is not active"}"#;
        assert!(matches!(
            refused(426, None, body, "202401", now),
            CallError::Fatal(ProviderError::VersionRetired(v)) if v == "202401"
        ));
        assert!(matches!(
            refused(403, None, br#"{"status":403,"code":"ACCESS_DENIED","message":"Not enough permissions"}"#, "202607", now),
            CallError::Refused(m) if m == "Not enough permissions"
        ));
    }
}
