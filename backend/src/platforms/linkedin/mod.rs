//! LinkedIn: authorization code flow (with PKCE S256 as well), client
//! credentials in the form body, 60-day access tokens, refresh tokens only
//! for approved partner apps — whose 365-day clock does not restart on
//! refresh — and no revocation endpoint.

use chrono::{DateTime, Duration, Utc};
use oauth2::PkceCodeVerifier;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

mod analytics;

use super::analytics::{Fetched, Target, Window};
use super::client::transport;
use super::tokens::{ClientAuth, EXPIRY_SKEW, TokenSet, classify_error, post_form, token_request};
use super::{Account, Authorized, BoxFuture, OAuthProvider, ProviderError, ProviderSettings};
use crate::entities::connections;
use shared::domain::{AccountKind, Platform};

/// Sign-in identity plus organization analytics (admin of a company page).
pub const SCOPES: &[&str] = &[
    "openid",
    "profile",
    "r_organization_social",
    "rw_organization_admin",
];

/// Refresh a week before the 60-day expiry (when a refresh token exists).
pub const REFRESH_BUFFER: Duration = Duration::days(7);

/// LinkedIn as an [`OAuthProvider`]. It has no revocation endpoint.
pub struct LinkedIn;

impl OAuthProvider for LinkedIn {
    fn platform(&self) -> Platform {
        Platform::LinkedIn
    }

    fn scopes(&self) -> &'static [&'static str] {
        SCOPES
    }

    /// The token's own word on what was granted: every scope, or no connection.
    fn complete<'a>(
        &'a self,
        cfg: &'a ProviderSettings,
        http: &'a reqwest::Client,
        code: &'a str,
        verifier: &'a PkceCodeVerifier,
    ) -> BoxFuture<'a, Result<Authorized, ProviderError>> {
        Box::pin(async move {
            let tokens = exchange_code(cfg, http, code, verifier).await?;
            introspect(cfg, http, &tokens.access_token).await?.check()?;
            let account = me(cfg, http, &tokens.access_token).await?;
            Ok(Authorized::Account {
                kind: AccountKind::LinkedIn,
                account,
                tokens,
            })
        })
    }

    fn refresh_buffer(&self) -> Option<Duration> {
        Some(REFRESH_BUFFER)
    }

    /// Without a refresh token the access token's 60 days are all there is;
    /// with one, the refresh token's 365 days (they do not restart).
    fn hard_end(&self, c: &connections::Model) -> Option<(DateTime<Utc>, &'static str)> {
        match c.refresh_token_ct {
            None => c.access_expires_at.map(|t| (t, "expired")),
            Some(_) => c.refresh_expires_at.map(|t| (t, "refresh_expired")),
        }
    }

    fn refresh<'a>(
        &'a self,
        cfg: &'a ProviderSettings,
        http: &'a reqwest::Client,
        refresh_token: &'a SecretString,
    ) -> Option<BoxFuture<'a, Result<TokenSet, ProviderError>>> {
        Some(Box::pin(refresh(cfg, http, refresh_token)))
    }

    fn backfill(&self, _kind: AccountKind) -> Duration {
        Duration::days(analytics::BACKFILL_DAYS)
    }

    fn analytics_scopes(&self, _kind: AccountKind) -> &'static [&'static str] {
        &["rw_organization_admin", "r_organization_social"]
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

    /// Without a refresh token, introspection says whether the access token
    /// still works (a member can revoke it at any time).
    fn check<'a>(
        &'a self,
        cfg: &'a ProviderSettings,
        http: &'a reqwest::Client,
        access_token: &'a SecretString,
    ) -> Option<BoxFuture<'a, Result<Option<DateTime<Utc>>, ProviderError>>> {
        Some(Box::pin(async move {
            let found = introspect(cfg, http, access_token).await?;
            found.check()?;
            Ok(found.expires_at)
        }))
    }
}

#[tracing::instrument(skip_all, fields(platform = Platform::LinkedIn.slug()))]
pub async fn exchange_code(
    cfg: &ProviderSettings,
    http: &reqwest::Client,
    code: &str,
    verifier: &PkceCodeVerifier,
) -> Result<TokenSet, ProviderError> {
    token_request(
        cfg,
        http,
        ClientAuth::Body,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &cfg.redirect_uri),
            ("code_verifier", verifier.secret()),
        ],
        true,
    )
    .await
}

#[tracing::instrument(skip_all, fields(platform = Platform::LinkedIn.slug()))]
pub async fn refresh(
    cfg: &ProviderSettings,
    http: &reqwest::Client,
    refresh_token: &SecretString,
) -> Result<TokenSet, ProviderError> {
    token_request(
        cfg,
        http,
        ClientAuth::Body,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose_secret()),
        ],
        true,
    )
    .await
}

/// What LinkedIn says about an access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Introspection {
    /// `active` and status `active`: the token works.
    pub active: bool,
    /// `active`, `expired` or `revoked`.
    pub status: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub scopes: Vec<String>,
}

impl Introspection {
    /// The scopes from [`SCOPES`] this token lacks.
    pub fn missing_scopes(&self) -> Vec<&'static str> {
        SCOPES
            .iter()
            .copied()
            .filter(|s| !self.scopes.iter().any(|have| have == s))
            .collect()
    }

    /// The token's state as a provider error, or `Ok` when it is usable.
    pub fn check(&self) -> Result<(), ProviderError> {
        if !self.active {
            return Err(ProviderError::NeedsReauth(match self.status.as_str() {
                "expired" => "expired".into(),
                _ => "revoked".into(),
            }));
        }
        match self.missing_scopes().first() {
            Some(scope) => Err(ProviderError::MissingPermission((*scope).into())),
            None => Ok(()),
        }
    }
}

#[derive(Deserialize)]
struct RawIntrospection {
    active: bool,
    status: Option<String>,
    expires_at: Option<i64>,
    scope: Option<String>,
}

/// Parses an introspection answer; scopes are comma-separated.
pub fn parse_introspection(body: &[u8]) -> Result<Introspection, ProviderError> {
    let raw: RawIntrospection = serde_json::from_slice(body)
        .map_err(|_| ProviderError::Invalid("introspection is not JSON".into()))?;
    Ok(Introspection {
        active: raw.active && raw.status.as_deref().is_none_or(|s| s == "active"),
        status: raw
            .status
            .unwrap_or_else(|| if raw.active { "active" } else { "revoked" }.into()),
        expires_at: raw
            .expires_at
            .and_then(|t| DateTime::from_timestamp(t, 0))
            .map(|t| t - EXPIRY_SKEW),
        scopes: raw
            .scope
            .unwrap_or_default()
            .split([',', ' '])
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

/// Asks LinkedIn whether `token` is active, until when, with which scopes
/// (`POST /oauth/v2/introspectToken`, beside the token endpoint).
#[tracing::instrument(skip_all, fields(platform = Platform::LinkedIn.slug()))]
pub async fn introspect(
    cfg: &ProviderSettings,
    http: &reqwest::Client,
    token: &SecretString,
) -> Result<Introspection, ProviderError> {
    let base = cfg
        .token_url
        .rsplit_once('/')
        .map(|(base, _)| base)
        .ok_or_else(|| ProviderError::Invalid("token_url".into()))?;
    let url = format!("{base}/introspectToken");
    let (status, retry_after, body) = post_form(
        cfg,
        http,
        &url,
        ClientAuth::Body,
        &[("token", token.expose_secret())],
    )
    .await?;
    if status == 200 {
        parse_introspection(&body)
    } else {
        Err(classify_error(
            status,
            retry_after.as_deref(),
            &body,
            Utc::now(),
        ))
    }
}

#[derive(Deserialize)]
struct UserInfo {
    sub: String,
    name: String,
}

/// The member behind a token (`GET /v2/userinfo`, OpenID Connect).
#[tracing::instrument(skip_all, fields(platform = Platform::LinkedIn.slug()))]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn introspection_reads_status_expiry_and_comma_separated_scopes() {
        let i = parse_introspection(
            br#"{"active":true,"status":"active","expires_at":1800000000,"scope":"openid,profile,r_organization_social,rw_organization_admin","client_id":"c"}"#,
        )
        .unwrap();
        assert!(i.active);
        assert_eq!(
            i.expires_at,
            DateTime::from_timestamp(1_800_000_000, 0).map(|t| t - EXPIRY_SKEW)
        );
        assert_eq!(i.check(), Ok(()));

        let narrow =
            parse_introspection(br#"{"active":true,"status":"active","scope":"openid,profile"}"#)
                .unwrap();
        assert_eq!(
            narrow.check(),
            Err(ProviderError::MissingPermission(
                "r_organization_social".into()
            ))
        );
    }

    #[test]
    fn inactive_tokens_need_a_reconnect() {
        for (body, why) in [
            (&br#"{"active":false,"status":"revoked"}"#[..], "revoked"),
            (br#"{"active":false,"status":"expired"}"#, "expired"),
            (br#"{"active":false}"#, "revoked"),
            // An "active" flag contradicted by the status is not trusted.
            (
                br#"{"active":true,"status":"revoked","scope":"openid"}"#,
                "revoked",
            ),
        ] {
            let i = parse_introspection(body).unwrap();
            assert!(!i.active);
            assert_eq!(i.check(), Err(ProviderError::NeedsReauth(why.into())));
        }
        assert!(parse_introspection(b"<html>").is_err());
    }
}
