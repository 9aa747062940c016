//! X (Twitter): OAuth 2.0 authorization code with PKCE, confidential client
//! with HTTP Basic authentication, 2-hour access tokens, single-use rotating
//! refresh tokens (`offline.access`), revocation.

use chrono::{Duration, Utc};
use oauth2::PkceCodeVerifier;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

mod analytics;

use super::analytics::{Fetched, Target, Window};
use super::client::transport;
use super::tokens::{ClientAuth, TokenSet, classify_error, token_request};
use super::{Account, Authorized, BoxFuture, OAuthProvider, ProviderError, ProviderSettings};
use crate::entities::connections::{self, TokenColumn};
use shared::domain::{AccountKind, Platform};

/// The minimum that reads analytics and keeps working (`offline.access`).
pub const SCOPES: &[&str] = &["tweet.read", "users.read", "offline.access"];

/// Refresh only this close to expiry: refreshing early burns the
/// single-use chain for nothing.
pub const REFRESH_BUFFER: Duration = Duration::minutes(10);

/// X as an [`OAuthProvider`].
pub struct X;

impl OAuthProvider for X {
    fn platform(&self) -> Platform {
        Platform::X
    }

    fn scopes(&self) -> &'static [&'static str] {
        SCOPES
    }

    fn complete<'a>(
        &'a self,
        cfg: &'a ProviderSettings,
        http: &'a reqwest::Client,
        code: &'a str,
        verifier: &'a PkceCodeVerifier,
    ) -> BoxFuture<'a, Result<Authorized, ProviderError>> {
        Box::pin(async move {
            let tokens = exchange_code(cfg, http, code, verifier).await?;
            let account = me(cfg, http, &tokens.access_token).await?;
            Ok(Authorized::Account {
                kind: AccountKind::X,
                account,
                tokens,
            })
        })
    }

    fn refresh<'a>(
        &'a self,
        cfg: &'a ProviderSettings,
        http: &'a reqwest::Client,
        refresh_token: &'a SecretString,
    ) -> Option<BoxFuture<'a, Result<TokenSet, ProviderError>>> {
        Some(Box::pin(refresh(cfg, http, refresh_token)))
    }

    fn refresh_buffer(&self) -> Option<Duration> {
        Some(REFRESH_BUFFER)
    }

    fn analytics_scopes(&self, _kind: AccountKind) -> &'static [&'static str] {
        &["tweet.read", "users.read"]
    }

    fn fetch<'a>(
        &'a self,
        cfg: &'a ProviderSettings,
        http: &'a reqwest::Client,
        access_token: &'a SecretString,
        target: Target<'a>,
        window: Window,
    ) -> Option<BoxFuture<'a, Result<Fetched, ProviderError>>> {
        Some(Box::pin(analytics::fetch(
            cfg,
            http,
            access_token,
            target,
            window,
        )))
    }

    /// Revoking the refresh token ends the whole grant at X.
    fn revocation_token(&self, c: &connections::Model) -> Option<TokenColumn> {
        Some(match c.refresh_token_ct {
            Some(_) => TokenColumn::Refresh,
            None => TokenColumn::Access,
        })
    }

    fn revoke<'a>(
        &'a self,
        cfg: &'a ProviderSettings,
        http: &'a reqwest::Client,
        token: &'a SecretString,
        column: TokenColumn,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(revoke(cfg, http, token, column.as_str()))
    }
}

#[tracing::instrument(skip_all, fields(platform = Platform::X.slug()))]
pub async fn exchange_code(
    cfg: &ProviderSettings,
    http: &reqwest::Client,
    code: &str,
    verifier: &PkceCodeVerifier,
) -> Result<TokenSet, ProviderError> {
    token_request(
        cfg,
        http,
        ClientAuth::Basic,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &cfg.redirect_uri),
            ("code_verifier", verifier.secret()),
            ("client_id", &cfg.client_id),
        ],
        false,
    )
    .await
}

#[tracing::instrument(skip_all, fields(platform = Platform::X.slug()))]
pub async fn refresh(
    cfg: &ProviderSettings,
    http: &reqwest::Client,
    refresh_token: &SecretString,
) -> Result<TokenSet, ProviderError> {
    token_request(
        cfg,
        http,
        ClientAuth::Basic,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose_secret()),
            ("client_id", &cfg.client_id),
        ],
        false,
    )
    .await
}

#[derive(Deserialize)]
struct Me {
    data: MeData,
}

#[derive(Deserialize)]
struct MeData {
    id: String,
    username: String,
}

/// The account behind an access token (`GET /2/users/me`, Bearer header).
#[tracing::instrument(skip_all, fields(platform = Platform::X.slug()))]
pub async fn me(
    cfg: &ProviderSettings,
    http: &reqwest::Client,
    access_token: &SecretString,
) -> Result<Account, ProviderError> {
    let res = http
        .get(format!("{}/2/users/me", cfg.api_url.trim_end_matches('/')))
        .bearer_auth(access_token.expose_secret())
        .send()
        .await
        .map_err(|e| ProviderError::Transient(transport(&e)))?;
    let status = res.status().as_u16();
    if status != 200 {
        let retry = res
            .headers()
            .get("x-rate-limit-reset")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<i64>().ok())
            .map(|reset| (reset - Utc::now().timestamp()).max(1).to_string());
        return Err(match status {
            401 => ProviderError::NeedsReauth("revoked".into()),
            403 => ProviderError::MissingPermission("users.read".into()),
            _ => classify_error(status, retry.as_deref(), b"", Utc::now()),
        });
    }
    let me: Me = res
        .json()
        .await
        .map_err(|_| ProviderError::Invalid("users/me".into()))?;
    Ok(Account {
        external_id: me.data.id,
        display_name: format!("@{}", me.data.username),
    })
}

/// Revokes a token at X (`POST /2/oauth2/revoke`).
#[tracing::instrument(skip_all, fields(platform = Platform::X.slug()))]
pub async fn revoke(
    cfg: &ProviderSettings,
    http: &reqwest::Client,
    token: &SecretString,
    hint: &str,
) -> Result<(), ProviderError> {
    let res = http
        .post(format!(
            "{}/2/oauth2/revoke",
            cfg.api_url.trim_end_matches('/')
        ))
        .basic_auth(&cfg.client_id, Some(cfg.client_secret.expose_secret()))
        .form(&[
            ("token", token.expose_secret()),
            ("token_type_hint", hint),
            ("client_id", &cfg.client_id),
        ])
        .send()
        .await
        .map_err(|e| ProviderError::Transient(transport(&e)))?;
    match res.status().as_u16() {
        200 => Ok(()),
        status => Err(classify_error(status, None, b"", Utc::now())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorize_url_has_pkce_s256_state_and_minimum_scopes() {
        let cfg = ProviderSettings {
            client_id: "cid".into(),
            client_secret: SecretString::from("secret".to_owned()),
            redirect_uri: "https://pulse.example.com/api/v1/oauth/x/callback".into(),
            auth_url: "https://x.com/i/oauth2/authorize".into(),
            token_url: "https://api.x.com/2/oauth2/token".into(),
            api_url: "https://api.x.com".into(),
            api_version: None,
            sandbox: false,
        };
        let (challenge, _) = oauth2::PkceCodeChallenge::new_random_sha256();
        let url = X.authorize_url(&cfg, "st4te", challenge).unwrap();
        let parsed = oauth2::url::Url::parse(&url).unwrap();
        let q: std::collections::HashMap<_, _> = parsed.query_pairs().into_owned().collect();
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["state"], "st4te");
        assert_eq!(q["redirect_uri"], cfg.redirect_uri);
        assert_eq!(q["scope"], "tweet.read users.read offline.access");
        assert!(
            !url.contains("secret"),
            "the client secret never goes to the browser"
        );
    }
}
