//! The platform sandbox: stands in for LinkedIn, X and Meta where no machine
//! can reach them or no app credentials exist yet. It speaks the platforms'
//! protocols over real HTTP, so the provider clients cannot tell it apart.
//!
//! Its state lives in this process's memory: run it with one web process.
//! `GET /sandbox/_stats` counts token-endpoint calls; `POST
//! /sandbox/_faults?platform=x&fault=…` injects failures for tests and demos.
//! Both answer only `Authorization: Bearer <sandbox_admin_token>`: anyone
//! else, and everyone when no admin token is configured, gets a 404.
//!
//! It is no open redirect: its authorize and consent steps send the browser
//! only to this deployment's own callback URLs, and it demands PKCE S256 as
//! the client always sends it (SECURITY 50).

mod consent;
pub mod linkedin;
pub mod linkedin_analytics;
pub mod meta;
pub mod meta_analytics;
pub mod x;
pub mod x_analytics;

pub use consent::{
    ConsentForm, check_authorize, consent_answer, consent_page, error_page, esc, oauth_error,
    pkce_matches, with_query,
};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::any;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;

/// A failure the next token-endpoint calls should produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// 429 with `Retry-After: 30`.
    RateLimit,
    /// 503.
    ServerError,
    /// 400 `invalid_grant`.
    InvalidGrant,
    /// Answers after 3 seconds.
    Slow,
    /// Every access token issued so far is revoked: API calls answer 401,
    /// introspection says `revoked`.
    Revoked,
    /// Token answers carry no refresh token (LinkedIn without the partner
    /// program; a refresh answer that omits the rotation).
    NoRefreshToken,
    /// Meta: the user manages a single Page.
    SinglePage,
    /// Analytics: a metric the platform has retired is asked for (Meta's
    /// `#100` for `page_views_total`; LinkedIn refuses page statistics).
    DeprecatedMetric,
    /// Analytics: the requested API version is no longer served
    /// (LinkedIn's 426 `NONEXISTENT_VERSION`).
    RetiredVersion,
}

/// What the sandbox must know about this deployment: where its own
/// callbacks are (the only places the consent steps may send a browser) and
/// the operator's token for the fault switches and counters.
#[derive(Debug, Clone, Default)]
pub struct SandboxConfig {
    /// The origin browsers use, without a trailing slash: the callbacks are
    /// `{public_origin}/api/v1/oauth/{platform}/callback`.
    pub public_origin: String,
    /// By platform slug (`x`, `linkedin`, `meta`): redirect URIs the operator
    /// configured explicitly (`x.redirect_uri` etc.), allowed as well.
    pub allowed_redirects: HashMap<&'static str, Vec<String>>,
    /// `sandbox_admin_token`: without it, `_faults` and `_stats` do not exist.
    pub admin_token: Option<SecretString>,
}

pub struct Sandbox {
    pub x: Mutex<x::XState>,
    pub linkedin: Mutex<linkedin::LinkedInState>,
    pub meta: Mutex<meta::MetaState>,
    faults: Mutex<HashMap<String, Fault>>,
    /// A fixed delay before every answer, by platform slug (benchmarks).
    latency: Mutex<HashMap<String, std::time::Duration>>,
    config: SandboxConfig,
}

pub type Shared = Arc<Sandbox>;

impl Sandbox {
    pub fn new(config: SandboxConfig) -> Self {
        Self {
            x: Mutex::default(),
            linkedin: Mutex::default(),
            meta: Mutex::default(),
            faults: Mutex::default(),
            latency: Mutex::default(),
            config,
        }
    }

    /// Whether `uri` is one of this deployment's callbacks for `platform`:
    /// exactly the default one, or one the operator configured. Compared as
    /// whole strings, so another host, port, path or query is refused.
    pub fn redirect_allowed(&self, platform: &str, uri: &str) -> bool {
        let own = format!(
            "{}/api/v1/oauth/{platform}/callback",
            self.config.public_origin
        );
        uri == own
            || self
                .config
                .allowed_redirects
                .get(platform)
                .is_some_and(|allowed| allowed.iter().any(|a| a == uri))
    }

    /// Whether the request carries the operator's admin bearer token. No
    /// token configured (or an empty one) means nobody is an admin.
    fn is_admin(&self, headers: &HeaderMap) -> bool {
        let Some(expected) = self
            .config
            .admin_token
            .as_ref()
            .map(|t| t.expose_secret())
            .filter(|t| !t.is_empty())
        else {
            return false;
        };
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|given| same_secret(given.as_bytes(), expected.as_bytes()))
    }

    /// The fixed delay set for `platform`'s calls, if any.
    pub fn latency(&self, platform: &str) -> Option<std::time::Duration> {
        self.latency
            .lock()
            .expect("sandbox lock")
            .get(platform)
            .copied()
    }

    pub fn fault(&self, platform: &str) -> Option<Fault> {
        self.faults
            .lock()
            .expect("sandbox lock")
            .get(platform)
            .copied()
    }
}

/// A fresh opaque token value.
pub fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}-{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Compares two secrets in time independent of where they differ: both are
/// hashed first, so the comparison sees equal-length digests only.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    use sha2::Digest;
    let (a, b) = (sha2::Sha256::digest(a), sha2::Sha256::digest(b));
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

pub fn router<S: Clone + Send + Sync + 'static>(config: SandboxConfig) -> Router<S> {
    let state: Shared = Arc::new(Sandbox::new(config));
    // `any`: without the admin token every method gets the same 404, so not
    // even a 405 tells a stranger these paths exist.
    Router::new()
        .route("/sandbox/_stats", any(stats))
        .route("/sandbox/_faults", any(set_fault))
        .merge(x::routes())
        .merge(linkedin::routes())
        .merge(meta::routes())
        .layer(axum::middleware::from_fn_with_state(state.clone(), delay))
        .with_state(state)
}

/// Holds every call to a platform with a latency set for as long as it says:
/// the stand-in for a platform's network round trip.
async fn delay(
    State(s): State<Shared>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let platform = req
        .uri()
        .path()
        .strip_prefix("/sandbox/")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_default();
    if let Some(wait) = s.latency(platform) {
        tokio::time::sleep(wait).await;
    }
    next.run(req).await
}

async fn stats(State(s): State<Shared>, method: Method, headers: HeaderMap) -> Response {
    if !s.is_admin(&headers) {
        return StatusCode::NOT_FOUND.into_response();
    }
    if method != Method::GET {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    let x = s.x.lock().expect("sandbox lock");
    let li = s.linkedin.lock().expect("sandbox lock");
    let meta = s.meta.lock().expect("sandbox lock");
    Json(json!({
        "x": { "token_calls": x.token_calls, "revocations": x.revocations, "live_refresh_tokens": x.refresh.len(), "reads": x.reads },
        "linkedin": { "token_calls": li.token_calls, "reads": li.reads },
        "meta": { "token_calls": meta.token_calls, "revocations": meta.revocations, "reads": meta.reads },
    }))
    .into_response()
}

#[derive(Deserialize)]
struct FaultQuery {
    platform: String,
    fault: Option<Fault>,
    /// A fixed delay for every call to the platform, in milliseconds
    /// (0 removes it); given alone, the fault is left as it is.
    latency_ms: Option<u64>,
}

/// The query is parsed after the admin check: a malformed one from a
/// stranger gets the 404 too, not a 400 that gives the path away.
async fn set_fault(
    State(s): State<Shared>,
    method: Method,
    headers: HeaderMap,
    query: Result<Query<FaultQuery>, QueryRejection>,
) -> Response {
    if !s.is_admin(&headers) {
        return StatusCode::NOT_FOUND.into_response();
    }
    if method != Method::POST {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    let q = match query {
        Ok(Query(q)) => q,
        Err(rejection) => return rejection.into_response(),
    };
    if let Some(ms) = q.latency_ms {
        let mut latency = s.latency.lock().expect("sandbox lock");
        match ms {
            0 => latency.remove(&q.platform),
            ms => latency.insert(q.platform, std::time::Duration::from_millis(ms)),
        };
        return StatusCode::NO_CONTENT.into_response();
    }
    let mut faults = s.faults.lock().expect("sandbox lock");
    match q.fault {
        Some(f) => faults.insert(q.platform, f),
        None => faults.remove(&q.platform),
    };
    StatusCode::NO_CONTENT.into_response()
}

/// Where a platform's sandbox answers, and the app credentials it accepts:
/// what a provider configuration needs to talk to it.
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub client_id: String,
    pub client_secret: SecretString,
    /// Reached by the browser, through the public origin.
    pub auth_url: String,
    /// Reached by the server, on its local address.
    pub token_url: String,
    pub api_url: String,
}

/// The sandbox's endpoints for a platform (`x`, `linkedin`, `meta`).
pub fn endpoints(slug: &str, public_origin: &str, local_origin: &str) -> Option<Endpoints> {
    let (client_id, secret, auth, token, api) = match slug {
        "x" => (
            x::CLIENT_ID,
            x::CLIENT_SECRET,
            "/sandbox/x/i/oauth2/authorize",
            "/sandbox/x/2/oauth2/token",
            "/sandbox/x",
        ),
        "linkedin" => (
            linkedin::CLIENT_ID,
            linkedin::CLIENT_SECRET,
            "/sandbox/linkedin/oauth/v2/authorization",
            "/sandbox/linkedin/oauth/v2/accessToken",
            "/sandbox/linkedin",
        ),
        "meta" => (
            meta::CLIENT_ID,
            meta::CLIENT_SECRET,
            "/sandbox/meta/dialog/oauth",
            "/sandbox/meta/oauth/access_token",
            "/sandbox/meta/{version}",
        ),
        _ => return None,
    };
    Some(Endpoints {
        client_id: client_id.to_owned(),
        client_secret: secret.to_owned().into(),
        auth_url: format!("{public_origin}{auth}"),
        token_url: format!("{local_origin}{token}"),
        api_url: format!("{local_origin}{api}"),
    })
}
