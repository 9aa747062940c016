//! X's OAuth 2.0 as the sandbox plays it: PKCE S256 required and verified,
//! redirects only to this deployment's callback, confidential client
//! authentication with HTTP Basic, 2-hour access tokens, single-use rotating
//! refresh tokens, revocation that ends the grant, `GET /2/users/me`.

use std::collections::HashMap;
use std::time::Duration;

use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;

use super::{
    ConsentForm, Fault, Shared, check_authorize, consent_answer, error_page, oauth_error,
    random_token,
};
use crate::x_analytics;

pub const CLIENT_ID: &str = "pulseboard-sandbox-x";
pub const CLIENT_SECRET: &str = "sandbox-x-client-secret";
const ACCOUNT_ID: &str = "1460000000000000001";
const USERNAME: &str = "pulseboard_demo";

struct CodeGrant {
    redirect_uri: String,
    challenge: String,
    scope: String,
}

pub(super) struct Grant {
    id: u64,
    scope: String,
}

#[derive(Default)]
pub struct XState {
    codes: HashMap<String, CodeGrant>,
    access: HashMap<String, (Grant, DateTime<Utc>)>,
    pub(super) refresh: HashMap<String, Grant>,
    next_grant: u64,
    pub token_calls: u64,
    pub revocations: u64,
    /// Data reads (`users/me`, timelines): X bills per read.
    pub reads: u64,
}

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/sandbox/x/i/oauth2/authorize", get(authorize))
        .route("/sandbox/x/i/oauth2/consent", post(consent))
        .route("/sandbox/x/2/oauth2/token", post(token))
        .route("/sandbox/x/2/oauth2/revoke", post(revoke))
        .route("/sandbox/x/2/users/me", get(me))
        .route("/sandbox/x/2/users/{id}/tweets", get(tweets))
}

#[derive(Deserialize)]
struct AuthorizeQuery {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    state: Option<String>,
    scope: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
}

async fn authorize(State(s): State<Shared>, Query(q): Query<AuthorizeQuery>) -> Response {
    if q.response_type.as_deref() != Some("code") {
        return error_page("response_type must be code");
    }
    if q.client_id.as_deref() != Some(CLIENT_ID) {
        return error_page("unknown client_id");
    }
    let (Some(redirect_uri), Some(state)) = (q.redirect_uri, q.state) else {
        return error_page("redirect_uri and state are required");
    };
    if let Err(refused) = check_authorize(
        &s,
        "x",
        &redirect_uri,
        q.code_challenge.as_deref(),
        q.code_challenge_method.as_deref(),
    ) {
        return *refused;
    }
    let scope = q.scope.unwrap_or_default();
    super::consent_page(
        "X",
        &format!("@{USERNAME}"),
        &scope,
        "/sandbox/x/i/oauth2/consent",
        &[
            ("redirect_uri", &redirect_uri),
            ("state", &state),
            ("scope", &scope),
            ("code_challenge", q.code_challenge.as_deref().unwrap_or("")),
        ],
    )
}

async fn consent(State(s): State<Shared>, Form(c): Form<ConsentForm>) -> Response {
    let denial = [
        ("error", "access_denied"),
        ("error_description", "The user denied the request."),
    ];
    consent_answer(&s, "x", &c, &denial, "x-code", |code| {
        s.x.lock().expect("sandbox lock").codes.insert(
            code,
            CodeGrant {
                redirect_uri: c.redirect_uri.clone(),
                challenge: c.code_challenge.clone(),
                scope: c.scope.clone(),
            },
        );
    })
}

fn basic_auth_ok(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some(b64) = value.strip_prefix("Basic ") else {
        return false;
    };
    STANDARD
        .decode(b64)
        .ok()
        .and_then(|raw| String::from_utf8(raw).ok())
        .is_some_and(|pair| pair == format!("{CLIENT_ID}:{CLIENT_SECRET}"))
}

#[derive(Deserialize)]
struct TokenForm {
    grant_type: String,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    refresh_token: Option<String>,
}

async fn token(State(s): State<Shared>, headers: HeaderMap, Form(f): Form<TokenForm>) -> Response {
    s.x.lock().expect("sandbox lock").token_calls += 1;
    match s.fault("x") {
        Some(Fault::RateLimit) => {
            let mut res = oauth_error(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "Too Many Requests",
            );
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
            return res;
        }
        Some(Fault::ServerError) => {
            return oauth_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "server_error",
                "Over capacity",
            );
        }
        Some(Fault::InvalidGrant) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "Value passed for the token was invalid.",
            );
        }
        Some(Fault::Slow) => tokio::time::sleep(Duration::from_secs(3)).await,
        _ => {}
    }
    let rotate = s.fault("x") != Some(Fault::NoRefreshToken);
    if !basic_auth_ok(&headers) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Missing valid authorization header",
        );
    }
    let mut x = s.x.lock().expect("sandbox lock");
    let grant = match f.grant_type.as_str() {
        "authorization_code" => {
            let Some(code) = f.code.and_then(|c| x.codes.remove(&c)) else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Value passed for the authorization code was invalid.",
                );
            };
            if f.redirect_uri.as_deref() != Some(code.redirect_uri.as_str()) {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "redirect_uri does not match",
                );
            }
            if !super::pkce_matches(&f.code_verifier.unwrap_or_default(), &code.challenge) {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "code_verifier does not match the challenge",
                );
            }
            x.next_grant += 1;
            Grant {
                id: x.next_grant,
                scope: code.scope,
            }
        }
        "refresh_token" => {
            // Single use: the old refresh token dies here, whatever happens next.
            let Some((token, old)) = f
                .refresh_token
                .and_then(|t| x.refresh.remove(&t).map(|g| (t, g)))
            else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Value passed for the token was invalid.",
                );
            };
            if !rotate {
                // An answer without a new refresh token leaves the old one usable.
                x.refresh.insert(
                    token,
                    Grant {
                        id: old.id,
                        scope: old.scope.clone(),
                    },
                );
            }
            old
        }
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "grant_type",
            );
        }
    };
    let access = random_token("x-at");
    let offline = grant.scope.split(' ').any(|s| s == "offline.access");
    let mut body = json!({
        "token_type": "bearer",
        "expires_in": 7200,
        "access_token": access,
        "scope": grant.scope,
    });
    if offline && (rotate || f.grant_type == "authorization_code") {
        let refresh = random_token("x-rt");
        body["refresh_token"] = json!(refresh);
        x.refresh.insert(
            refresh,
            Grant {
                id: grant.id,
                scope: grant.scope.clone(),
            },
        );
    }
    x.access
        .insert(access, (grant, Utc::now() + chrono::Duration::hours(2)));
    (StatusCode::OK, axum::Json(body)).into_response()
}

#[derive(Deserialize)]
struct RevokeForm {
    token: String,
}

async fn revoke(
    State(s): State<Shared>,
    headers: HeaderMap,
    Form(f): Form<RevokeForm>,
) -> Response {
    if !basic_auth_ok(&headers) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Missing valid authorization header",
        );
    }
    let mut x = s.x.lock().expect("sandbox lock");
    let grant = x
        .refresh
        .get(&f.token)
        .map(|g| g.id)
        .or_else(|| x.access.get(&f.token).map(|(g, _)| g.id));
    if let Some(id) = grant {
        // Revoking either token ends the grant.
        x.refresh.retain(|_, g| g.id != id);
        x.access.retain(|_, (g, _)| g.id != id);
        x.revocations += 1;
    }
    (StatusCode::OK, axum::Json(json!({ "revoked": true }))).into_response()
}

/// Whether the request carries a live access token (and no `revoked` fault).
fn authorized(s: &Shared, headers: &HeaderMap) -> bool {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let revoked = s.fault("x") == Some(Fault::Revoked);
    let x = s.x.lock().expect("sandbox lock");
    matches!(token.and_then(|t| x.access.get(t)), Some((_, expires)) if !revoked && *expires > Utc::now())
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        axum::Json(json!({ "title": "Unauthorized", "status": 401 })),
    )
        .into_response()
}

async fn me(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<x_analytics::MeQuery>,
) -> Response {
    if !authorized(&s, &headers) {
        return unauthorized();
    }
    s.x.lock().expect("sandbox lock").reads += 1;
    axum::Json(x_analytics::me_body(ACCOUNT_ID, USERNAME, &q, Utc::now())).into_response()
}

async fn tweets(
    State(s): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(q): Query<x_analytics::TimelineQuery>,
) -> Response {
    if !authorized(&s, &headers) {
        return unauthorized();
    }
    if s.fault("x") == Some(Fault::Slow) {
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
    s.x.lock().expect("sandbox lock").reads += 1;
    x_analytics::timeline(&s, &id, ACCOUNT_ID, &q, Utc::now())
}
