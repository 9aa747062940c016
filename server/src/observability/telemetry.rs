//! Tracing: human-readable lines in development, JSON lines in production;
//! one span per request carrying its id, method, matched route, status and
//! latency.

use std::time::Duration;

use axum::extract::MatchedPath;
use axum::http::{HeaderValue, Request, Response};
use secrecy::ExposeSecret;
use tower_http::request_id::{MakeRequestId, RequestId};
use tracing::{Span, field};
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

pub const REQUEST_ID: &str = "x-request-id";

/// Installs the global subscriber (and Sentry, when a DSN is given).
/// `RUST_LOG` overrides `level`. Keep the returned guard alive: dropping it
/// flushes pending Sentry events.
pub fn init(
    format: LogFormat,
    level: &str,
    sentry: Option<SentryConfig<'_>>,
) -> Option<sentry::ClientInitGuard> {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;

    let guard = sentry.map(|cfg| {
        let mut options = crate::observability::scrub::options(cfg.environment, cfg.sample_rate);
        options.dsn = cfg.dsn.expose_secret().parse().ok();
        sentry::init(options)
    });
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let json = (format == LogFormat::Json).then(|| {
        tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
    });
    let pretty = (format == LogFormat::Pretty).then(|| tracing_subscriber::fmt::layer().compact());
    let sentry_layer = guard
        .as_ref()
        .map(|_| sentry::integrations::tracing::layer());
    // A second init (tests starting several apps) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(json)
        .with(pretty)
        .with(sentry_layer)
        .try_init();
    guard
}

/// Where error reports go.
pub struct SentryConfig<'a> {
    pub dsn: &'a secrecy::SecretString,
    pub environment: &'a str,
    pub sample_rate: f32,
}

/// Generates a request id unless the client sent a usable one.
#[derive(Clone, Copy, Default)]
pub struct MakeId;

impl MakeRequestId for MakeId {
    fn make_request_id<B>(&mut self, _req: &Request<B>) -> Option<RequestId> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        HeaderValue::from_str(&id).ok().map(RequestId::new)
    }
}

/// An incoming id is echoed only if it is short and plain; anything else is
/// replaced, so a client cannot inject text into our logs.
pub fn is_acceptable_request_id(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 64
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The request span. Only the path is recorded, never the query string: OAuth
/// callbacks carry codes and state there.
pub fn request_span<B>(req: &Request<B>) -> Span {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| req.uri().path().to_owned());
    let request_id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %req.method(),
        route = %route,
        status = field::Empty,
        latency_ms = field::Empty,
    )
}

/// Ends a request's span: its status and latency, at error for a 5xx, at
/// warn when it took longer than `slow` (`slow_request_ms`).
pub fn on_response<B>(res: &Response<B>, latency: Duration, span: &Span, slow: Duration) {
    span.record("status", res.status().as_u16());
    span.record("latency_ms", latency.as_millis() as u64);
    if res.status().is_server_error() {
        tracing::error!("request failed");
    } else if latency > slow {
        tracing::warn!(slow_ms = slow.as_millis() as u64, "slow request");
    } else {
        tracing::info!("request finished");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lines `on_response` logs for a 200 that took `latency`.
    fn logged(latency_ms: u64) -> String {
        use std::sync::{Arc, Mutex};
        let out = Arc::new(Mutex::new(Vec::<u8>::new()));
        let sink = out.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_writer(move || Writer(sink.clone()))
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let res = Response::new(());
            let span =
                tracing::info_span!("request", status = field::Empty, latency_ms = field::Empty);
            let _entered = span.enter();
            on_response(
                &res,
                Duration::from_millis(latency_ms),
                &span,
                Duration::from_millis(1000),
            );
        });
        String::from_utf8(out.lock().unwrap().clone()).unwrap()
    }

    struct Writer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Writer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn slow_requests_are_logged_at_warn() {
        let slow = logged(1500);
        assert!(
            slow.contains(r#""level":"WARN""#) && slow.contains("slow request"),
            "{slow}"
        );
        assert!(slow.contains(r#""latency_ms":1500"#), "{slow}");
        let fast = logged(20);
        assert!(
            fast.contains(r#""level":"INFO""#) && fast.contains("request finished"),
            "{fast}"
        );
    }

    #[test]
    fn request_ids_are_validated() {
        assert!(is_acceptable_request_id(&HeaderValue::from_static(
            "abc-123_x.y"
        )));
        assert!(!is_acceptable_request_id(&HeaderValue::from_static("")));
        assert!(!is_acceptable_request_id(&HeaderValue::from_static("a b")));
        assert!(!is_acceptable_request_id(
            &HeaderValue::from_str(&"a".repeat(65)).unwrap()
        ));
        assert!(!is_acceptable_request_id(&HeaderValue::from_static(
            "x\"}{\"level\":\"error"
        )));
    }
}
