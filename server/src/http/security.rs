//! Web-layer defences: cross-site request refusal (server functions have no
//! CSRF protection of their own) and the security headers on every response.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// What the CSRF check decided, and why (for the log line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    Reject(&'static str),
}

/// The CSRF decision for one request.
///
/// Safe methods pass. Browsers send `Sec-Fetch-Site` on every request to a
/// trustworthy origin: `same-origin` (and `none`, a user-typed navigation)
/// pass, `same-site`/`cross-site` do not. Without it, an `Origin` header must
/// match exactly: our public origin, or the origin the request was addressed
/// to (`Host`). A request with neither header does not come from a browser
/// and cannot carry a victim's cookies by a browser's doing.
pub fn csrf_verdict(
    method: &Method,
    sec_fetch_site: Option<&str>,
    origin: Option<&str>,
    host: Option<&str>,
    public_origin: &str,
) -> Verdict {
    if matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    ) {
        return Verdict::Allow;
    }
    match sec_fetch_site {
        Some("same-origin") | Some("none") => return Verdict::Allow,
        Some("same-site") | Some("cross-site") => return Verdict::Reject("cross-site request"),
        Some(_) | None => {}
    }
    match origin {
        None => Verdict::Allow,
        Some(o) if o == public_origin => Verdict::Allow,
        Some(o) => {
            let addressed = o
                .split_once("://")
                .map(|(_, authority)| authority)
                .zip(host)
                .is_some_and(|(authority, host)| authority.eq_ignore_ascii_case(host));
            if addressed && o != "null" {
                Verdict::Allow
            } else {
                Verdict::Reject("origin mismatch")
            }
        }
    }
}

/// Whether a WebSocket upgrade comes from one of our pages: unlike a
/// cross-site request check, the `Origin` is required (every browser sends
/// it on a WebSocket, and a WebSocket carries the user's cookies).
pub fn websocket_origin_allowed(
    origin: Option<&str>,
    host: Option<&str>,
    public_origin: &str,
) -> bool {
    origin.is_some()
        && matches!(
            csrf_verdict(&Method::POST, None, origin, host, public_origin),
            Verdict::Allow
        )
}

#[derive(Clone)]
pub struct WebSecurity {
    pub public_origin: Arc<str>,
    pub https: bool,
}

pub async fn csrf_guard(State(sec): State<WebSecurity>, req: Request, next: Next) -> Response {
    let h = req.headers();
    let get = |name: &str| h.get(name).and_then(|v| v.to_str().ok());
    let verdict = csrf_verdict(
        req.method(),
        get("sec-fetch-site"),
        get("origin"),
        get("host"),
        &sec.public_origin,
    );
    match verdict {
        Verdict::Allow => next.run(req).await,
        Verdict::Reject(reason) => {
            tracing::warn!(reason, method = %req.method(), path = %req.uri().path(), "cross-site request refused");
            (StatusCode::FORBIDDEN, "Cross-site request refused.").into_response()
        }
    }
}

/// Pages get a nonce-based CSP from the render (see `startup::page_context`);
/// everything else gets the strict default below.
pub const DEFAULT_CSP: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

pub fn page_csp(nonce: &str, dev_reload: Option<&str>) -> String {
    let connect = match dev_reload {
        Some(ws) => format!("'self' {ws}"),
        None => "'self'".to_owned(),
    };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src {connect}; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

pub async fn security_headers(
    State(sec): State<WebSecurity>,
    req: Request<Body>,
    next: Next,
) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(DEFAULT_CSP));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("strict-origin-when-cross-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if sec.https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "https://pulse.example.com";

    fn post(sfs: Option<&str>, origin: Option<&str>, host: Option<&str>) -> Verdict {
        csrf_verdict(&Method::POST, sfs, origin, host, ORIGIN)
    }

    #[test]
    fn a_websocket_needs_our_origin() {
        let ours = "https://pulse.example";
        assert!(websocket_origin_allowed(
            Some(ours),
            Some("pulse.example"),
            ours
        ));
        assert!(websocket_origin_allowed(
            Some("http://127.0.0.1:3000"),
            Some("127.0.0.1:3000"),
            ours
        ));
        assert!(!websocket_origin_allowed(None, Some("pulse.example"), ours));
        assert!(!websocket_origin_allowed(
            Some("https://evil.example"),
            Some("pulse.example"),
            ours
        ));
        assert!(!websocket_origin_allowed(
            Some("null"),
            Some("pulse.example"),
            ours
        ));
    }

    #[test]
    fn safe_methods_always_pass() {
        for m in [Method::GET, Method::HEAD, Method::OPTIONS] {
            assert_eq!(
                csrf_verdict(
                    &m,
                    Some("cross-site"),
                    Some("https://evil.example"),
                    None,
                    ORIGIN
                ),
                Verdict::Allow
            );
        }
    }

    #[test]
    fn fetch_metadata_decides_when_present() {
        assert_eq!(post(Some("same-origin"), None, None), Verdict::Allow);
        assert_eq!(post(Some("none"), None, None), Verdict::Allow);
        assert!(matches!(
            post(Some("cross-site"), Some(ORIGIN), None),
            Verdict::Reject(_)
        ));
        assert!(matches!(
            post(Some("same-site"), None, None),
            Verdict::Reject(_)
        ));
    }

    #[test]
    fn origin_must_match_exactly_without_fetch_metadata() {
        assert_eq!(post(None, Some(ORIGIN), None), Verdict::Allow);
        assert!(matches!(
            post(None, Some("https://pulse.example.com.evil.io"), None),
            Verdict::Reject(_)
        ));
        assert!(matches!(
            post(None, Some("http://pulse.example.com"), Some("other")),
            Verdict::Reject(_)
        ));
        assert!(matches!(
            post(None, Some("null"), Some("null")),
            Verdict::Reject(_)
        ));
        // The origin the request was addressed to (LAN address, alias) passes.
        assert_eq!(
            post(None, Some("http://10.0.0.5:3000"), Some("10.0.0.5:3000")),
            Verdict::Allow
        );
        assert!(matches!(
            post(None, Some("http://10.0.0.6:3000"), Some("10.0.0.5:3000")),
            Verdict::Reject(_)
        ));
    }

    #[test]
    fn non_browser_clients_pass() {
        assert_eq!(post(None, None, Some("pulse.example.com")), Verdict::Allow);
    }

    #[test]
    fn every_unsafe_method_is_checked() {
        for m in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            assert!(matches!(
                csrf_verdict(&m, Some("cross-site"), None, None, ORIGIN),
                Verdict::Reject(_)
            ));
        }
    }

    #[test]
    fn page_csp_allows_only_the_nonce_script() {
        let csp = page_csp("abc", None);
        assert!(csp.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval';"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline"));
    }
}
