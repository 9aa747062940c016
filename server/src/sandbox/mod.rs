//! The platform sandbox: stands in for LinkedIn, X and Meta where no machine
//! can reach them or no app credentials exist yet. It speaks the platforms'
//! protocols over real HTTP, so the provider clients cannot tell it apart.
//!
//! Its state lives in this process's memory: run it with one web process.
//! `GET /sandbox/_stats` counts token-endpoint calls; `POST
//! /sandbox/_faults?platform=x&fault=…` injects failures for tests and demos.

pub mod linkedin;
pub mod meta;
pub mod x;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
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
}

#[derive(Default)]
pub struct Sandbox {
    pub x: Mutex<x::XState>,
    pub linkedin: Mutex<linkedin::LinkedInState>,
    pub meta: Mutex<meta::MetaState>,
    faults: Mutex<HashMap<String, Fault>>,
}

pub type Shared = Arc<Sandbox>;

impl Sandbox {
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

/// HTML-escapes text reflected into the consent pages.
pub fn esc(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '&' => "&amp;".into(),
            '<' => "&lt;".into(),
            '>' => "&gt;".into(),
            '"' => "&quot;".into(),
            '\'' => "&#39;".into(),
            c => c.to_string(),
        })
        .collect()
}

pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    let state: Shared = Arc::default();
    Router::new()
        .route("/sandbox/_stats", get(stats))
        .route("/sandbox/_faults", post(set_fault))
        .merge(x::routes())
        .merge(linkedin::routes())
        .merge(meta::routes())
        .with_state(state)
}

async fn stats(State(s): State<Shared>) -> impl IntoResponse {
    let x = s.x.lock().expect("sandbox lock");
    let li = s.linkedin.lock().expect("sandbox lock");
    let meta = s.meta.lock().expect("sandbox lock");
    Json(json!({
        "x": { "token_calls": x.token_calls, "revocations": x.revocations, "live_refresh_tokens": x.refresh.len() },
        "linkedin": { "token_calls": li.token_calls },
        "meta": { "token_calls": meta.token_calls, "revocations": meta.revocations },
    }))
}

#[derive(Deserialize)]
struct FaultQuery {
    platform: String,
    fault: Option<Fault>,
}

async fn set_fault(State(s): State<Shared>, Query(q): Query<FaultQuery>) -> impl IntoResponse {
    let mut faults = s.faults.lock().expect("sandbox lock");
    match q.fault {
        Some(f) => faults.insert(q.platform, f),
        None => faults.remove(&q.platform),
    };
    StatusCode::NO_CONTENT
}

/// The sandbox's endpoints for a platform, as a provider configuration.
pub fn endpoints(
    slug: &str,
    public_origin: &str,
    local_origin: &str,
) -> Option<app::backend::oauth::ProviderSettings> {
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
            "/sandbox/meta",
        ),
        _ => return None,
    };
    Some(app::backend::oauth::ProviderSettings {
        client_id: client_id.to_owned(),
        client_secret: secret.to_owned().into(),
        redirect_uri: String::new(),
        auth_url: format!("{public_origin}{auth}"),
        token_url: format!("{local_origin}{token}"),
        api_url: format!("{local_origin}{api}"),
        sandbox: true,
    })
}

/// `uri` with `pairs` appended to its query.
pub fn with_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let q: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    let sep = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{sep}{q}")
}

/// What the consent page posts back.
#[derive(Deserialize)]
pub struct ConsentForm {
    pub decision: String,
    pub redirect_uri: String,
    pub state: String,
    #[serde(default)]
    pub scope: String,
    pub code_challenge: String,
}

/// The consent page's answer: a denial goes back with the platform's own
/// error parameters; an approval mints a code, hands it to `store` (which
/// remembers what the code grants) and goes back with it. Both carry `state`.
pub fn consent_answer(
    c: &ConsentForm,
    denial: &[(&str, &str)],
    code_prefix: &str,
    store: impl FnOnce(String),
) -> axum::response::Response {
    use axum::response::Redirect;
    if c.decision != "approve" {
        let mut pairs = denial.to_vec();
        pairs.push(("state", &c.state));
        return Redirect::to(&with_query(&c.redirect_uri, &pairs)).into_response();
    }
    let code = random_token(code_prefix);
    store(code.clone());
    Redirect::to(&with_query(
        &c.redirect_uri,
        &[("code", &code), ("state", &c.state)],
    ))
    .into_response()
}

/// An RFC 6749 error body.
pub fn oauth_error(status: StatusCode, error: &str, description: &str) -> axum::response::Response {
    (
        status,
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

/// Whether `verifier` hashes (S256) to `challenge`.
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    use sha2::Digest;
    verifier.len() >= 43
        && URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes())) == challenge
}

/// The consent page: approve or deny, with the request's fields carried along.
pub fn consent_page(
    platform: &str,
    account: &str,
    scope: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    let hidden: String = fields
        .iter()
        .map(|(name, value)| {
            format!(
                r#"<input type="hidden" name="{name}" value="{}">"#,
                esc(value)
            )
        })
        .collect();
    let page = format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Authorize app · {platform} sandbox</title><link rel="stylesheet" href="/pkg/pulseboard.css"></head>
<body><main class="container"><section class="card narrow">
<p class="meta">Pulseboard sandbox · stands in for {platform}</p>
<h1>Authorize Pulseboard to use your account?</h1>
<p>Signed in as <strong>{}</strong>. The app asks for: <code>{}</code></p>
<form method="post" action="{action}">{hidden}<input type="hidden" name="decision" value="approve">
<button type="submit" class="button primary">Authorize app</button></form>
<form method="post" action="{action}">{hidden}<input type="hidden" name="decision" value="deny">
<button type="submit" class="button">Cancel</button></form>
</section></main></body></html>"#,
        esc(account),
        esc(scope)
    );
    let mut res = axum::response::Html(page).into_response();
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'self'; form-action 'self' http: https:; frame-ancestors 'none'"),
    );
    res
}
