//! LinkedIn's OAuth as the sandbox plays it: client credentials in the form
//! body, PKCE S256 required and verified (as the client always sends it),
//! redirects only to this deployment's callback, 60-day access tokens, and
//! (as for an approved partner app) a 365-day refresh token whose clock does
//! not restart when it is used. LinkedIn has no revocation endpoint.

use std::collections::HashMap;

use axum::Form;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::json;

use super::{
    ConsentForm, Fault, Shared, check_authorize, consent_answer, consent_page, error_page,
    oauth_error, pkce_matches, random_token,
};

pub const CLIENT_ID: &str = "pulseboard-sandbox-linkedin";
pub const CLIENT_SECRET: &str = "sandbox-linkedin-client-secret";
pub(super) const MEMBER_ID: &str = "sbx-li-7c1e2f";
const MEMBER_NAME: &str = "Pulseboard Demo Company";

struct CodeGrant {
    redirect_uri: String,
    challenge: String,
    scope: String,
}

struct RefreshGrant {
    scope: String,
    expires_at: DateTime<Utc>,
}

struct AccessGrant {
    scope: String,
    expires_at: DateTime<Utc>,
}

#[derive(Default)]
pub struct LinkedInState {
    codes: HashMap<String, CodeGrant>,
    access: HashMap<String, AccessGrant>,
    refresh: HashMap<String, RefreshGrant>,
    pub token_calls: u64,
    /// Analytics calls answered.
    pub reads: u64,
}

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/sandbox/linkedin/oauth/v2/authorization", get(authorize))
        .route("/sandbox/linkedin/oauth/v2/consent", post(consent))
        .route("/sandbox/linkedin/oauth/v2/accessToken", post(token))
        .route(
            "/sandbox/linkedin/oauth/v2/introspectToken",
            post(introspect),
        )
        .route("/sandbox/linkedin/v2/userinfo", get(userinfo))
        .merge(super::linkedin_analytics::routes())
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
        "linkedin",
        &redirect_uri,
        q.code_challenge.as_deref(),
        q.code_challenge_method.as_deref(),
    ) {
        return *refused;
    }
    let scope = q.scope.unwrap_or_default();
    consent_page(
        "LinkedIn",
        MEMBER_NAME,
        &scope,
        "/sandbox/linkedin/oauth/v2/consent",
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
        ("error", "user_cancelled_authorize"),
        ("error_description", "The user cancelled the authorization"),
    ];
    consent_answer(&s, "linkedin", &c, &denial, "li-code", |code| {
        s.linkedin.lock().expect("sandbox lock").codes.insert(
            code,
            CodeGrant {
                redirect_uri: c.redirect_uri.clone(),
                challenge: c.code_challenge.clone(),
                scope: c.scope.clone(),
            },
        );
    })
}

#[derive(Deserialize)]
struct TokenForm {
    grant_type: String,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    refresh_token: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

async fn token(State(s): State<Shared>, Form(f): Form<TokenForm>) -> Response {
    s.linkedin.lock().expect("sandbox lock").token_calls += 1;
    match s.fault("linkedin") {
        Some(Fault::RateLimit) => {
            return oauth_error(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "Resource level throttle limit reached",
            );
        }
        Some(Fault::ServerError) => {
            return oauth_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "Internal error",
            );
        }
        Some(Fault::InvalidGrant) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "The token has been revoked",
            );
        }
        Some(Fault::Slow) => tokio::time::sleep(std::time::Duration::from_secs(3)).await,
        _ => {}
    }
    let partner = s.fault("linkedin") != Some(Fault::NoRefreshToken);
    if f.client_id.as_deref() != Some(CLIENT_ID)
        || f.client_secret.as_deref() != Some(CLIENT_SECRET)
    {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed",
        );
    }
    let now = Utc::now();
    let mut li = s.linkedin.lock().expect("sandbox lock");
    let (scope, refresh_expires_at, refresh_token) = match f.grant_type.as_str() {
        "authorization_code" => {
            let Some(code) = f.code.and_then(|c| li.codes.remove(&c)) else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Unable to retrieve access token: authorization code not found",
                );
            };
            if f.redirect_uri.as_deref() != Some(code.redirect_uri.as_str()) {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_redirect_uri",
                    "Unable to retrieve access token: appid/redirect uri/code verifier does not match authorization code",
                );
            }
            // A missing verifier is as wrong as a mismatched one.
            if !pkce_matches(f.code_verifier.as_deref().unwrap_or(""), &code.challenge) {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "code verifier does not match",
                );
            }
            let refresh = random_token("li-rt");
            let expires = now + Duration::days(365);
            li.refresh.insert(
                refresh.clone(),
                RefreshGrant {
                    scope: code.scope.clone(),
                    expires_at: expires,
                },
            );
            (code.scope, expires, refresh)
        }
        "refresh_token" => {
            let Some(token) = f.refresh_token else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "refresh_token is required",
                );
            };
            match li.refresh.get(&token) {
                Some(g) if g.expires_at > now => (g.scope.clone(), g.expires_at, token),
                _ => {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "The provided authorization grant or refresh token is invalid, expired or revoked",
                    );
                }
            }
        }
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "grant_type",
            );
        }
    };
    let access = random_token("li-at");
    li.access.insert(
        access.clone(),
        AccessGrant {
            scope: scope.clone(),
            expires_at: now + Duration::days(60),
        },
    );
    // No token_type, as LinkedIn answers; the refresh clock keeps counting down.
    // Apps outside the partner program get no refresh token at all.
    if !partner {
        if f.grant_type == "authorization_code" {
            li.refresh.remove(&refresh_token);
        }
        return axum::Json(json!({
            "access_token": access,
            "expires_in": 60 * 24 * 3600,
            "scope": scope,
        }))
        .into_response();
    }
    axum::Json(json!({
        "access_token": access,
        "expires_in": 60 * 24 * 3600,
        "refresh_token": refresh_token,
        "refresh_token_expires_in": (refresh_expires_at - now).num_seconds(),
        "scope": scope,
    }))
    .into_response()
}

#[derive(Deserialize)]
struct IntrospectForm {
    token: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// `POST /oauth/v2/introspectToken`: active / expired / revoked, expiry, scopes.
async fn introspect(State(s): State<Shared>, Form(f): Form<IntrospectForm>) -> Response {
    if f.client_id.as_deref() != Some(CLIENT_ID)
        || f.client_secret.as_deref() != Some(CLIENT_SECRET)
    {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed",
        );
    }
    if s.fault("linkedin") == Some(Fault::RateLimit) {
        return oauth_error(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "Resource level throttle limit reached",
        );
    }
    let revoked = s.fault("linkedin") == Some(Fault::Revoked);
    let li = s.linkedin.lock().expect("sandbox lock");
    let Some(grant) = f.token.as_deref().and_then(|t| li.access.get(t)) else {
        return axum::Json(json!({ "active": false })).into_response();
    };
    let status = if revoked {
        "revoked"
    } else if grant.expires_at <= Utc::now() {
        "expired"
    } else {
        "active"
    };
    let scopes: Vec<&str> = grant.scope.split_whitespace().collect();
    axum::Json(json!({
        "active": status == "active",
        "status": status,
        "client_id": CLIENT_ID,
        "auth_type": "3L",
        "expires_at": grant.expires_at.timestamp(),
        "scope": scopes.join(","),
    }))
    .into_response()
}

/// Whether the request carries a live access token (not expired, not
/// revoked by the `revoked` fault), and the scopes it was granted.
pub(super) fn bearer_scopes(s: &Shared, headers: &HeaderMap) -> Option<String> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))?;
    if s.fault("linkedin") == Some(Fault::Revoked) {
        return None;
    }
    let li = s.linkedin.lock().expect("sandbox lock");
    li.access
        .get(token)
        .filter(|grant| grant.expires_at > Utc::now())
        .map(|grant| grant.scope.clone())
}

/// LinkedIn's 401 for a missing, expired or revoked token.
pub(super) fn invalid_token() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        axum::Json(
            json!({ "serviceErrorCode": 65600, "message": "Invalid access token", "status": 401 }),
        ),
    )
        .into_response()
}

async fn userinfo(State(s): State<Shared>, headers: HeaderMap) -> Response {
    match bearer_scopes(&s, &headers) {
        Some(_) => axum::Json(json!({ "sub": MEMBER_ID, "name": MEMBER_NAME })).into_response(),
        None => invalid_token(),
    }
}
