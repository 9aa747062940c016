//! LinkedIn: authorization code flow (with PKCE S256 as well), client
//! credentials in the form body, 60-day access tokens, refresh tokens only
//! for approved partner apps — whose 365-day clock does not restart on
//! refresh — and no revocation endpoint.

use chrono::Utc;
use oauth2::{PkceCodeChallenge, PkceCodeVerifier};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::tokens::{TokenSet, classify_error, parse_token_response};
use super::x::transport;
use super::{Account, ProviderError, ProviderSettings};

/// Sign-in identity plus organization analytics (admin of a company page).
pub const SCOPES: &[&str] = &[
    "openid",
    "profile",
    "r_organization_social",
    "rw_organization_admin",
];

pub fn authorize_url(
    cfg: &ProviderSettings,
    state: &str,
    challenge: PkceCodeChallenge,
) -> Result<String, ProviderError> {
    super::consent_url(cfg, state, challenge, SCOPES)
}

async fn token_request(
    cfg: &ProviderSettings,
    http: &reqwest::Client,
    form: &[(&str, &str)],
) -> Result<TokenSet, ProviderError> {
    let mut body: Vec<(&str, &str)> = form.to_vec();
    body.push(("client_id", &cfg.client_id));
    body.push(("client_secret", cfg.client_secret.expose_secret()));
    let res = http
        .post(&cfg.token_url)
        .form(&body)
        .send()
        .await
        .map_err(|e| ProviderError::Transient(transport(&e)))?;
    let status = res.status().as_u16();
    let retry_after = res
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = res
        .bytes()
        .await
        .map_err(|e| ProviderError::Transient(transport(&e)))?;
    let now = Utc::now();
    if status == 200 {
        // LinkedIn omits token_type; every token it issues is a bearer token.
        let mut json: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|_| ProviderError::Invalid("token response is not JSON".into()))?;
        if json.get("token_type").is_none() {
            json["token_type"] = serde_json::json!("Bearer");
        }
        parse_token_response(json.to_string().as_bytes(), now, true)
    } else {
        Err(classify_error(status, retry_after.as_deref(), &bytes, now))
    }
}

#[tracing::instrument(skip_all, fields(platform = "linkedin"))]
pub async fn exchange_code(
    cfg: &ProviderSettings,
    http: &reqwest::Client,
    code: &str,
    verifier: &PkceCodeVerifier,
) -> Result<TokenSet, ProviderError> {
    token_request(
        cfg,
        http,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &cfg.redirect_uri),
            ("code_verifier", verifier.secret()),
        ],
    )
    .await
}

#[tracing::instrument(skip_all, fields(platform = "linkedin"))]
pub async fn refresh(
    cfg: &ProviderSettings,
    http: &reqwest::Client,
    refresh_token: &SecretString,
) -> Result<TokenSet, ProviderError> {
    token_request(
        cfg,
        http,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose_secret()),
        ],
    )
    .await
}

#[derive(Deserialize)]
struct UserInfo {
    sub: String,
    name: String,
}

/// The member behind a token (`GET /v2/userinfo`, OpenID Connect).
#[tracing::instrument(skip_all, fields(platform = "linkedin"))]
pub async fn me(
    cfg: &ProviderSettings,
    http: &reqwest::Client,
    access_token: &SecretString,
) -> Result<Account, ProviderError> {
    let res = http
        .get(format!("{}/v2/userinfo", cfg.api_url.trim_end_matches('/')))
        .bearer_auth(access_token.expose_secret())
        .send()
        .await
        .map_err(|e| ProviderError::Transient(transport(&e)))?;
    match res.status().as_u16() {
        200 => {
            let info: UserInfo = res
                .json()
                .await
                .map_err(|_| ProviderError::Invalid("userinfo".into()))?;
            Ok(Account {
                external_id: info.sub,
                display_name: info.name,
            })
        }
        401 => Err(ProviderError::NeedsReauth("revoked".into())),
        403 => Err(ProviderError::MissingPermission("profile".into())),
        status => Err(classify_error(status, None, b"", Utc::now())),
    }
}
