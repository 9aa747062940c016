//! Meta's Facebook Login as the sandbox plays it: the dialog (redirecting
//! only to this deployment's callback), code → short-lived token (PKCE S256
//! required and verified) → `fb_exchange_token`
//! long-lived token, `debug_token` with a data-access expiry, `/me/accounts`
//! with two Pages (one linked to an Instagram account), `appsecret_proof`
//! required, and `DELETE /me/permissions`.

use std::collections::HashMap;

use axum::Form;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::json;

use super::{
    ConsentForm, Fault, Shared, check_authorize, consent_answer, consent_page, error_page,
    pkce_matches, random_token,
};

pub const CLIENT_ID: &str = "pulseboard-sandbox-meta";
pub const CLIENT_SECRET: &str = "sandbox-meta-app-secret";
/// Page tokens end with this many characters of their user token.
const PAGE_TOKEN_SUFFIX: usize = 12;

struct CodeGrant {
    redirect_uri: String,
    challenge: String,
}

#[derive(Default)]
pub struct MetaState {
    codes: HashMap<String, CodeGrant>,
    short: HashMap<String, DateTime<Utc>>,
    long: HashMap<String, DateTime<Utc>>,
    pub token_calls: u64,
    pub revocations: u64,
    /// Analytics calls answered.
    pub reads: u64,
}

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/sandbox/meta/dialog/oauth", get(dialog))
        .route("/sandbox/meta/consent", post(consent))
        .route("/sandbox/meta/oauth/access_token", get(access_token))
        .route("/sandbox/meta/{version}/debug_token", get(debug_token))
        .route("/sandbox/meta/{version}/me/accounts", get(accounts))
        .route("/sandbox/meta/{version}/me/permissions", delete(revoke))
        .merge(super::meta_analytics::routes())
        .layer(axum::middleware::map_response(
            |uri: axum::http::Uri, mut res: Response| async move {
                if let Some(served) = served_version(uri.path())
                    && let Ok(v) = axum::http::HeaderValue::from_str(&served)
                {
                    res.headers_mut().insert("facebook-api-version", v);
                }
                res
            },
        ))
}

/// The oldest Graph API version Meta still serves (v20.0 ended on
/// 2026-09-24).
pub const OLDEST_SERVED: u32 = 21;

/// The version a Graph call under `path` is answered with, as Meta's
/// `facebook-api-version` header says: the one asked for, or — for a
/// version past its end — the oldest one still served (Meta upgrades such
/// calls silently). `None` for a path without a version.
pub fn served_version(path: &str) -> Option<String> {
    let segment = path.strip_prefix("/sandbox/meta/")?.split('/').next()?;
    let major: u32 = segment
        .strip_prefix('v')?
        .strip_suffix(".0")?
        .parse()
        .ok()?;
    Some(format!("v{}.0", major.max(OLDEST_SERVED)))
}

pub(crate) fn graph_error(status: StatusCode, code: i64, message: &str) -> Response {
    (
        status,
        axum::Json(
            json!({ "error": { "message": message, "type": "OAuthException", "code": code } }),
        ),
    )
        .into_response()
}

#[derive(Deserialize)]
struct DialogQuery {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    state: Option<String>,
    scope: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
}

async fn dialog(State(s): State<Shared>, Query(q): Query<DialogQuery>) -> Response {
    if q.client_id.as_deref() != Some(CLIENT_ID) {
        return error_page("Invalid App ID");
    }
    let (Some(redirect_uri), Some(state)) = (q.redirect_uri, q.state) else {
        return error_page("redirect_uri and state are required");
    };
    if let Err(refused) = check_authorize(
        &s,
        "meta",
        &redirect_uri,
        q.code_challenge.as_deref(),
        q.code_challenge_method.as_deref(),
    ) {
        return *refused;
    }
    let scope = q.scope.unwrap_or_default();
    consent_page(
        "Facebook",
        "Pulseboard Demo",
        &scope,
        "/sandbox/meta/consent",
        &[
            ("redirect_uri", &redirect_uri),
            ("state", &state),
            ("scope", &scope),
            ("code_challenge", q.code_challenge.as_deref().unwrap_or("")),
        ],
    )
}

async fn consent(State(s): State<Shared>, Form(c): Form<ConsentForm>) -> Response {
    let denial = [("error", "access_denied"), ("error_reason", "user_denied")];
    consent_answer(&s, "meta", &c, &denial, "meta-code", |code| {
        s.meta.lock().expect("sandbox lock").codes.insert(
            code,
            CodeGrant {
                redirect_uri: c.redirect_uri.clone(),
                challenge: c.code_challenge.clone(),
            },
        );
    })
}

#[derive(Deserialize)]
struct TokenQuery {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    redirect_uri: Option<String>,
    code: Option<String>,
    code_verifier: Option<String>,
    fb_exchange_token: Option<String>,
}

async fn access_token(State(s): State<Shared>, Query(q): Query<TokenQuery>) -> Response {
    s.meta.lock().expect("sandbox lock").token_calls += 1;
    match s.fault("meta") {
        Some(Fault::RateLimit) => {
            return graph_error(
                StatusCode::BAD_REQUEST,
                4,
                "Application request limit reached",
            );
        }
        Some(Fault::ServerError) => {
            return graph_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                2,
                "Service temporarily unavailable",
            );
        }
        Some(Fault::InvalidGrant) => {
            return graph_error(
                StatusCode::BAD_REQUEST,
                190,
                "Error validating access token",
            );
        }
        Some(Fault::Slow) => tokio::time::sleep(std::time::Duration::from_secs(3)).await,
        _ => {}
    }
    if q.client_id.as_deref() != Some(CLIENT_ID)
        || q.client_secret.as_deref() != Some(CLIENT_SECRET)
    {
        return graph_error(
            StatusCode::BAD_REQUEST,
            1,
            "Error validating client secret.",
        );
    }
    let now = Utc::now();
    let mut m = s.meta.lock().expect("sandbox lock");
    if q.grant_type.as_deref() == Some("fb_exchange_token") {
        let valid = q
            .fb_exchange_token
            .as_ref()
            .and_then(|t| m.short.get(t))
            .is_some_and(|exp| *exp > now);
        if !valid {
            return graph_error(
                StatusCode::BAD_REQUEST,
                190,
                "Error validating access token: Session has expired",
            );
        }
        let long = random_token("meta-lt");
        m.long.insert(long.clone(), now + Duration::days(60));
        return axum::Json(
            json!({ "access_token": long, "token_type": "bearer", "expires_in": 5_184_000 }),
        )
        .into_response();
    }
    let Some(code) = q.code.and_then(|c| m.codes.remove(&c)) else {
        return graph_error(
            StatusCode::BAD_REQUEST,
            100,
            "Invalid verification code format.",
        );
    };
    if q.redirect_uri.as_deref() != Some(code.redirect_uri.as_str()) {
        return graph_error(
            StatusCode::BAD_REQUEST,
            100,
            "redirect_uri is not identical to the one used in the OAuth dialog request",
        );
    }
    // A missing verifier is as wrong as a mismatched one.
    if !pkce_matches(q.code_verifier.as_deref().unwrap_or(""), &code.challenge) {
        return graph_error(StatusCode::BAD_REQUEST, 100, "Invalid code verifier");
    }
    let short = random_token("meta-st");
    m.short.insert(short.clone(), now + Duration::minutes(90));
    axum::Json(json!({ "access_token": short, "token_type": "bearer", "expires_in": 5400 }))
        .into_response()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
}

#[derive(Deserialize)]
struct DebugQuery {
    input_token: String,
}

async fn debug_token(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<DebugQuery>,
) -> Response {
    if bearer(&headers) != Some(&format!("{CLIENT_ID}|{CLIENT_SECRET}")) {
        return graph_error(
            StatusCode::BAD_REQUEST,
            190,
            "Invalid OAuth access token - Cannot parse access token",
        );
    }
    let revoked = s.fault("meta") == Some(Fault::Revoked);
    let m = s.meta.lock().expect("sandbox lock");
    let expires = m
        .long
        .get(&q.input_token)
        .or_else(|| m.short.get(&q.input_token));
    let now = Utc::now();
    axum::Json(json!({ "data": {
        "app_id": CLIENT_ID,
        "is_valid": !revoked && expires.is_some_and(|e| *e > now),
        "expires_at": expires.map(|e| e.timestamp()).unwrap_or(0),
        "data_access_expires_at": (now + Duration::days(90)).timestamp(),
        "scopes": ["pages_show_list", "pages_read_engagement", "read_insights", "instagram_basic", "instagram_manage_insights"],
    }}))
    .into_response()
}

/// `appsecret_proof` as Meta defines it: HMAC-SHA256 of the access token
/// keyed with the app secret, lowercase hex. Computed here rather than with
/// the client's own function, so a client bug cannot agree with itself.
fn appsecret_proof(app_secret: &str, token: &str) -> Option<String> {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(app_secret.as_bytes()).ok()?;
    mac.update(token.as_bytes());
    Some(
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    )
}

/// The long-lived token behind a call, checked with its `appsecret_proof`.
fn authorized<'a>(m: &MetaState, headers: &'a HeaderMap, proof: Option<&str>) -> Option<&'a str> {
    let token = bearer(headers)?;
    let live = m.long.get(token).is_some_and(|e| *e > Utc::now());
    let expected = appsecret_proof(CLIENT_SECRET, token)?;
    (live && proof == Some(expected.as_str())).then_some(token)
}

/// The Page a Page token belongs to, when it derives from a live user
/// token and comes with its `appsecret_proof`.
pub(crate) fn page_token_owner(
    m: &MetaState,
    headers: &HeaderMap,
    proof: Option<&str>,
) -> Option<&'static str> {
    let token = bearer(headers)?;
    let (n, suffix) = token.strip_prefix("meta-pt")?.split_once('-')?;
    let now = Utc::now();
    let live = m.long.iter().any(|(user, exp)| {
        *exp > now && user.ends_with(suffix) && suffix.len() == PAGE_TOKEN_SUFFIX
    });
    let expected = appsecret_proof(CLIENT_SECRET, token)?;
    if !live || proof != Some(expected.as_str()) {
        return None;
    }
    match n {
        "1" => Some(super::meta_analytics::PAGES[0]),
        "2" => Some(super::meta_analytics::PAGES[1]),
        _ => None,
    }
}

#[derive(Deserialize)]
struct ProofQuery {
    appsecret_proof: Option<String>,
}

async fn accounts(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<ProofQuery>,
) -> Response {
    let single = s.fault("meta") == Some(Fault::SinglePage);
    let revoked = s.fault("meta") == Some(Fault::Revoked);
    let m = s.meta.lock().expect("sandbox lock");
    let token = authorized(&m, &headers, q.appsecret_proof.as_deref()).filter(|_| !revoked);
    let Some(token) = token else {
        return graph_error(
            StatusCode::BAD_REQUEST,
            190,
            "Invalid OAuth access token or appsecret_proof",
        );
    };
    // Page tokens are derived from the user token: stable per user token.
    let page_token = |n: u8| {
        format!(
            "meta-pt{n}-{}",
            &token[token.len().saturating_sub(PAGE_TOKEN_SUFFIX)..]
        )
    };
    let mut pages = vec![
        json!({ "id": "sbx-page-1", "name": "Northwind Coffee", "access_token": page_token(1),
          "instagram_business_account": { "id": "sbx-ig-1", "username": "northwind.coffee" } }),
        json!({ "id": "sbx-page-2", "name": "Northwind Roastery", "access_token": page_token(2) }),
    ];
    if single {
        pages.truncate(1);
    }
    axum::Json(json!({ "data": pages })).into_response()
}

async fn revoke(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<ProofQuery>,
) -> Response {
    let mut m = s.meta.lock().expect("sandbox lock");
    let Some(token) = authorized(&m, &headers, q.appsecret_proof.as_deref()).map(str::to_owned)
    else {
        return graph_error(
            StatusCode::BAD_REQUEST,
            190,
            "Invalid OAuth access token or appsecret_proof",
        );
    };
    m.long.remove(&token);
    m.revocations += 1;
    axum::Json(json!({ "success": true })).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sandbox's own proof matches Meta's definition (RFC 4231-style
    /// known vector), independently of the client's implementation.
    #[test]
    fn sandbox_appsecret_proof_is_hmac_sha256_lowercase_hex() {
        assert_eq!(
            appsecret_proof("key", "The quick brown fox jumps over the lazy dog").as_deref(),
            Some("f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8")
        );
    }
}
