//! Removes secrets from anything bound for Sentry: OAuth parameters in URLs
//! and messages, bearer tokens, cookies and authorization headers.

use std::borrow::Cow;

use sentry::protocol::{Breadcrumb, Event, Value};

/// Parameter and field names whose values never leave the process.
pub const SENSITIVE: &[&str] = &[
    "code",
    "state",
    "access_token",
    "refresh_token",
    "client_secret",
    "code_verifier",
    "appsecret_proof",
    "fb_exchange_token",
    "input_token",
    "password",
    "token",
];

const FILTERED: &str = "[Filtered]";

fn is_value_char(c: char) -> bool {
    !matches!(
        c,
        '&' | ' ' | '"' | '\'' | ';' | ',' | '\n' | '\r' | '\t' | '}' | ')' | '<' | '>'
    )
}

/// Replaces `key=value`, `"key":"value"` and `Bearer value` occurrences.
pub fn scrub_text(input: &str) -> String {
    let mut out = input.to_owned();
    for key in SENSITIVE {
        for pattern in [
            format!("{key}="),
            format!("\"{key}\":\""),
            format!("\"{key}\": \""),
        ] {
            let mut from = 0;
            while let Some(found) = out[from..].find(&pattern) {
                let start = from + found;
                // Only whole keys: `xcode=` is not `code=`.
                let boundary = out[..start]
                    .chars()
                    .last()
                    .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'));
                let value_start = start + pattern.len();
                let value_end = out[value_start..]
                    .find(|c: char| !is_value_char(c))
                    .map(|i| value_start + i)
                    .unwrap_or(out.len());
                if boundary && value_end > value_start && &out[value_start..value_end] != FILTERED {
                    out.replace_range(value_start..value_end, FILTERED);
                    from = value_start + FILTERED.len();
                } else {
                    from = value_end.max(value_start);
                }
            }
        }
    }
    for scheme in ["Bearer ", "Basic ", "bearer ", "basic "] {
        let mut from = 0;
        while let Some(found) = out[from..].find(scheme) {
            let value_start = from + found + scheme.len();
            let value_end = out[value_start..]
                .find(|c: char| !is_value_char(c))
                .map(|i| value_start + i)
                .unwrap_or(out.len());
            out.replace_range(value_start..value_end, FILTERED);
            from = value_start + FILTERED.len();
        }
    }
    out
}

fn scrub_value(v: &mut Value, key: Option<&str>) {
    match v {
        Value::String(s) => {
            if key.is_some_and(|k| SENSITIVE.contains(&k.to_ascii_lowercase().as_str())) {
                *s = FILTERED.to_owned();
            } else {
                *s = scrub_text(s);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| scrub_value(i, None)),
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                scrub_value(v, Some(k));
            }
        }
        _ => {}
    }
}

pub fn scrub_event(mut event: Event<'static>) -> Option<Event<'static>> {
    if let Some(m) = &event.message {
        event.message = Some(scrub_text(m));
    }
    if let Some(log) = &mut event.logentry {
        log.message = scrub_text(&log.message);
    }
    for e in event.exception.values.iter_mut() {
        if let Some(v) = &e.value {
            e.value = Some(scrub_text(v));
        }
    }
    for (k, v) in event.extra.iter_mut() {
        scrub_value(v, Some(k));
    }
    for v in event.tags.values_mut() {
        *v = scrub_text(v);
    }
    for crumb in event.breadcrumbs.values.iter_mut() {
        scrub_crumb_in_place(crumb);
    }
    if let Some(req) = &mut event.request {
        req.query_string = req.query_string.as_deref().map(|_| FILTERED.to_owned());
        req.cookies = req.cookies.as_ref().map(|_| FILTERED.to_owned());
        req.data = req.data.as_deref().map(scrub_text);
        if let Some(url) = &mut req.url {
            url.set_query(None);
        }
        req.headers.retain(|k, _| {
            let k = k.to_ascii_lowercase();
            k != "authorization" && k != "cookie" && k != "set-cookie"
        });
    }
    for ctx in event.contexts.values_mut() {
        if let sentry::protocol::Context::Other(map) = ctx {
            for (k, v) in map.iter_mut() {
                scrub_value(v, Some(k));
            }
        }
    }
    Some(event)
}

fn scrub_crumb_in_place(crumb: &mut Breadcrumb) {
    if let Some(m) = &crumb.message {
        crumb.message = Some(scrub_text(m));
    }
    for (k, v) in crumb.data.iter_mut() {
        scrub_value(v, Some(k));
    }
}

pub fn scrub_breadcrumb(mut crumb: Breadcrumb) -> Option<Breadcrumb> {
    scrub_crumb_in_place(&mut crumb);
    Some(crumb)
}

/// Sentry client options: no default PII, scrubbing before anything is sent.
pub fn options(environment: &str, sample_rate: f32) -> sentry::ClientOptions {
    sentry::ClientOptions {
        release: sentry::release_name!(),
        environment: Some(Cow::Owned(environment.to_owned())),
        sample_rate,
        send_default_pii: false,
        before_send: Some(std::sync::Arc::new(scrub_event)),
        before_breadcrumb: Some(std::sync::Arc::new(scrub_breadcrumb)),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oauth_parameters_are_filtered_everywhere() {
        let s = scrub_text(
            "GET /cb?code=SEKRIT1&state=SEKRIT2&x=1 refresh_token=SEKRIT3; \"client_secret\":\"SEKRIT4\" Authorization: Bearer SEKRIT5 code_verifier=SEKRIT6 appsecret_proof=SEKRIT7",
        );
        for n in 1..=7 {
            assert!(!s.contains(&format!("SEKRIT{n}")), "{s}");
        }
        assert!(s.contains("x=1"), "other parameters survive: {s}");
        assert_eq!(scrub_text("barcode=123"), "barcode=123", "whole keys only");
    }

    #[test]
    fn events_and_breadcrumbs_are_scrubbed() {
        let mut event = Event {
            message: Some("token exchange failed for code=SENTINEL-A".into()),
            ..Default::default()
        };
        event
            .extra
            .insert("access_token".into(), Value::String("SENTINEL-B".into()));
        event.extra.insert(
            "detail".into(),
            Value::String("refresh_token=SENTINEL-C".into()),
        );
        event.breadcrumbs.values.push(Breadcrumb {
            message: Some("calling with Bearer SENTINEL-D".into()),
            ..Default::default()
        });
        event.request = Some(sentry::protocol::Request {
            url:
                "https://pulse.example.com/api/v1/oauth/x/callback?code=SENTINEL-E&state=SENTINEL-F"
                    .parse()
                    .ok(),
            query_string: Some("code=SENTINEL-E&state=SENTINEL-F".into()),
            cookies: Some("pulseboard_session=SENTINEL-G".into()),
            headers: [("Authorization".to_owned(), "Bearer SENTINEL-H".to_owned())]
                .into_iter()
                .collect(),
            ..Default::default()
        });
        let out = scrub_event(event).unwrap();
        let json = serde_json::to_string(&out).unwrap();
        for s in ["A", "B", "C", "D", "E", "F", "G", "H"] {
            assert!(
                !json.contains(&format!("SENTINEL-{s}")),
                "SENTINEL-{s} survived: {json}"
            );
        }
        let crumb = scrub_breadcrumb(Breadcrumb {
            message: Some("state=SENTINEL-I".into()),
            ..Default::default()
        })
        .unwrap();
        assert!(!crumb.message.unwrap().contains("SENTINEL-I"));
    }

    #[test]
    fn no_default_pii() {
        assert!(!options("production", 1.0).send_default_pii);
    }
}
