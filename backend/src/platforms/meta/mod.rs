//! Meta (Facebook Login for Pages and Instagram): dialog → code → short-lived
//! user token → `fb_exchange_token` long-lived token (≈60 days, no refresh)
//! → `debug_token` for the data-access expiry → `/me/accounts` for Page
//! tokens and each Page's `instagram_business_account`. Disconnect revokes
//! with `DELETE /me/permissions`. Calls carry `appsecret_proof`.
//!
//! Meta's token endpoints take the app secret in the query string: those
//! URLs are never logged (request spans record only the route).

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use oauth2::PkceCodeVerifier;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::analytics::{Fetched, Target, Window};
use super::tokens::{TokenSet, classify_error, parse_token_response};
use super::{Authorized, BoxFuture, OAuthProvider, ProviderError, ProviderSettings};
use crate::entities::connections::{self, TokenColumn};
use shared::domain::{AccountKind, Platform};

mod facebook;
mod graph;
mod instagram;

/// Pages and their insights (`read_insights`: without it every Page
/// insights call fails with `(#10)`), and Instagram accounts' insights.
pub const SCOPES: &[&str] = &[
    "pages_show_list",
    "pages_read_engagement",
    "read_insights",
    "instagram_basic",
    "instagram_manage_insights",
];

/// Meta (a Facebook Page and its Instagram account) as an [`OAuthProvider`].
/// Its tokens cannot be refreshed: the user reconnects before data access lapses.
pub struct Meta;

impl OAuthProvider for Meta {
    fn platform(&self) -> Platform {
        Platform::Meta
    }

    fn scopes(&self) -> &'static [&'static str] {
        SCOPES
    }

    /// Short-lived → long-lived token, its data-access expiry, the Pages.
    fn complete<'a>(
        &'a self,
        cfg: &'a ProviderSettings,
        http: &'a reqwest::Client,
        code: &'a str,
        verifier: &'a PkceCodeVerifier,
    ) -> BoxFuture<'a, Result<Authorized, ProviderError>> {
        Box::pin(async move {
            let short = exchange_code(cfg, http, code, verifier).await?;
            let long = long_lived(cfg, http, &short.access_token).await?;
            let data_access = data_access_expires_at(cfg, http, &long.access_token).await?;
            let pages = pages(cfg, http, &long.access_token).await?;
            Ok(Authorized::Pages(Grant {
                user_token: long.access_token.clone(),
                user_expires_at: long.expires_at,
                data_access_expires_at: data_access,
                pages,
                sandbox: cfg.sandbox,
            }))
        })
    }

    /// Pages and Instagram accounts both stop at the end of data access
    /// (90 days without the user's return); nothing renews it.
    fn hard_end(&self, c: &connections::Model) -> Option<(DateTime<Utc>, &'static str)> {
        c.data_access_expires_at.map(|t| (t, "data_access_expired"))
    }

    fn backfill(&self, kind: AccountKind) -> Duration {
        Duration::days(match kind {
            AccountKind::Instagram => instagram::BACKFILL_DAYS,
            _ => facebook::BACKFILL_DAYS,
        })
    }

    fn analytics_scopes(&self, kind: AccountKind) -> &'static [&'static str] {
        match kind {
            AccountKind::Instagram => &["instagram_basic", "instagram_manage_insights"],
            _ => &["pages_read_engagement", "read_insights"],
        }
    }

    fn fetch<'a>(
        &'a self,
        cfg: &'a ProviderSettings,
        http: &'a reqwest::Client,
        access_token: &'a SecretString,
        target: Target<'a>,
        window: Window,
    ) -> Option<BoxFuture<'a, Result<Fetched, ProviderError>>> {
        Some(match target.kind {
            AccountKind::Instagram => {
                Box::pin(instagram::fetch(cfg, http, access_token, target, window))
            }
            _ => Box::pin(facebook::fetch(cfg, http, access_token, target, window)),
        })
    }

    /// The Page keeps the user's grant token; revoking it ends the grant.
    /// The Instagram child holds none: its Page revokes it.
    fn revocation_token(&self, c: &connections::Model) -> Option<TokenColumn> {
        c.grant_token_ct.as_ref().map(|_| TokenColumn::Grant)
    }

    fn revoke<'a>(
        &'a self,
        cfg: &'a ProviderSettings,
        http: &'a reqwest::Client,
        token: &'a SecretString,
        _column: TokenColumn,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(revoke(cfg, http, token))
    }
}

/// HMAC-SHA256 of the token keyed with the app secret, hex.
pub fn appsecret_proof(app_secret: &SecretString, token: &SecretString) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret.expose_secret().as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(token.expose_secret().as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn get_json(req: reqwest::RequestBuilder) -> Result<Vec<u8>, ProviderError> {
    let (status, retry_after, body) = super::tokens::send(req).await?;
    if status == 200 {
        Ok(body)
    } else {
        Err(classify_meta_error(status, retry_after.as_deref(), &body))
    }
}

#[derive(Deserialize)]
struct GraphError {
    error: GraphErrorBody,
}

#[derive(Deserialize)]
struct GraphErrorBody {
    code: Option<i64>,
}

/// Graph errors: 190 dead token, 10/200-299 permission, 4/17/32/613 throttled.
fn classify_meta_error(status: u16, retry_after: Option<&str>, body: &[u8]) -> ProviderError {
    match serde_json::from_slice::<GraphError>(body)
        .ok()
        .and_then(|e| e.error.code)
    {
        Some(190) => ProviderError::NeedsReauth("invalid_grant".into()),
        Some(10) | Some(200..=299) => ProviderError::MissingPermission("permission".into()),
        Some(4) | Some(17) | Some(32) | Some(613) => ProviderError::RateLimited {
            until: Utc::now() + Duration::minutes(60),
        },
        _ => classify_error(status, retry_after, body, Utc::now()),
    }
}

#[tracing::instrument(skip_all, fields(platform = Platform::Meta.slug()))]
pub async fn exchange_code(
    cfg: &ProviderSettings,
    http: &reqwest::Client,
    code: &str,
    verifier: &PkceCodeVerifier,
) -> Result<TokenSet, ProviderError> {
    let body = get_json(http.get(&cfg.token_url).query(&[
        ("client_id", cfg.client_id.as_str()),
        ("client_secret", cfg.client_secret.expose_secret()),
        ("redirect_uri", cfg.redirect_uri.as_str()),
        ("code", code),
        ("code_verifier", verifier.secret()),
    ]))
    .await?;
    parse_token_response(&body, Utc::now(), false)
}

/// Short-lived user token → long-lived (≈60 days). An expired token cannot be exchanged.
#[tracing::instrument(skip_all, fields(platform = Platform::Meta.slug()))]
pub async fn long_lived(
    cfg: &ProviderSettings,
    http: &reqwest::Client,
    short: &SecretString,
) -> Result<TokenSet, ProviderError> {
    let body = get_json(http.get(&cfg.token_url).query(&[
        ("grant_type", "fb_exchange_token"),
        ("client_id", cfg.client_id.as_str()),
        ("client_secret", cfg.client_secret.expose_secret()),
        ("fb_exchange_token", short.expose_secret()),
    ]))
    .await?;
    parse_token_response(&body, Utc::now(), true)
}

#[derive(Deserialize)]
struct DebugToken {
    data: DebugData,
}

#[derive(Deserialize)]
struct DebugData {
    is_valid: bool,
    data_access_expires_at: Option<i64>,
}

/// When data access lapses (90 days without the user's engagement).
#[tracing::instrument(skip_all, fields(platform = Platform::Meta.slug()))]
pub async fn data_access_expires_at(
    cfg: &ProviderSettings,
    http: &reqwest::Client,
    user_token: &SecretString,
) -> Result<Option<DateTime<Utc>>, ProviderError> {
    let app_token = format!("{}|{}", cfg.client_id, cfg.client_secret.expose_secret());
    let body = get_json(
        http.get(format!("{}/debug_token", cfg.api_url.trim_end_matches('/')))
            .query(&[("input_token", user_token.expose_secret())])
            .bearer_auth(app_token),
    )
    .await?;
    let parsed: DebugToken =
        serde_json::from_slice(&body).map_err(|_| ProviderError::Invalid("debug_token".into()))?;
    if !parsed.data.is_valid {
        return Err(ProviderError::NeedsReauth("invalid_grant".into()));
    }
    Ok(parsed
        .data
        .data_access_expires_at
        .and_then(|t| DateTime::from_timestamp(t, 0)))
}

/// A Page the user manages, with its token and linked Instagram account.
/// Neither `Serialize` nor a Debug that shows the token: it is written only
/// into vault ciphertext (see `pending`).
#[derive(Clone)]
pub struct Page {
    pub id: String,
    pub name: String,
    pub access_token: SecretString,
    pub instagram: Option<InstagramAccount>,
}

impl std::fmt::Debug for Page {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Page")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("instagram", &self.instagram)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InstagramAccount {
    pub id: String,
    pub username: Option<String>,
}

#[derive(Deserialize)]
struct Accounts {
    data: Vec<RawPage>,
}

#[derive(Deserialize)]
struct RawPage {
    id: String,
    name: String,
    access_token: String,
    instagram_business_account: Option<InstagramAccount>,
}

/// What a pending choice holds: the long-lived user token and the Pages
/// with theirs. Written only into vault ciphertext (see `pending`).
pub struct Grant {
    pub user_token: SecretString,
    pub user_expires_at: Option<DateTime<Utc>>,
    pub data_access_expires_at: Option<DateTime<Utc>>,
    pub pages: Vec<Page>,
    pub sandbox: bool,
}

impl std::fmt::Debug for Grant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Grant")
            .field("pages", &self.pages)
            .field("sandbox", &self.sandbox)
            .finish_non_exhaustive()
    }
}

#[tracing::instrument(skip_all, fields(platform = Platform::Meta.slug()))]
pub async fn pages(
    cfg: &ProviderSettings,
    http: &reqwest::Client,
    user_token: &SecretString,
) -> Result<Vec<Page>, ProviderError> {
    let body = get_json(
        http.get(format!("{}/me/accounts", cfg.api_url.trim_end_matches('/')))
            .query(&[
                (
                    "fields",
                    "id,name,access_token,instagram_business_account{id,username}",
                ),
                (
                    "appsecret_proof",
                    &appsecret_proof(&cfg.client_secret, user_token),
                ),
            ])
            .bearer_auth(user_token.expose_secret()),
    )
    .await?;
    let accounts: Accounts =
        serde_json::from_slice(&body).map_err(|_| ProviderError::Invalid("me/accounts".into()))?;
    Ok(accounts
        .data
        .into_iter()
        .map(|p| Page {
            id: p.id,
            name: p.name,
            access_token: SecretString::from(p.access_token),
            instagram: p.instagram_business_account,
        })
        .collect())
}

/// Ends the whole grant (`DELETE /me/permissions`).
#[tracing::instrument(skip_all, fields(platform = Platform::Meta.slug()))]
pub async fn revoke(
    cfg: &ProviderSettings,
    http: &reqwest::Client,
    user_token: &SecretString,
) -> Result<(), ProviderError> {
    get_json(
        http.delete(format!(
            "{}/me/permissions",
            cfg.api_url.trim_end_matches('/')
        ))
        .query(&[(
            "appsecret_proof",
            appsecret_proof(&cfg.client_secret, user_token),
        )])
        .bearer_auth(user_token.expose_secret()),
    )
    .await
    .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appsecret_proof_is_hmac_sha256_hex() {
        // Known vector: HMAC-SHA256(key="key", "The quick brown fox jumps over the lazy dog").
        let proof = appsecret_proof(
            &SecretString::from("key".to_owned()),
            &SecretString::from("The quick brown fox jumps over the lazy dog".to_owned()),
        );
        assert_eq!(
            proof,
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
    }

    #[test]
    fn graph_errors_are_classified() {
        assert_eq!(
            classify_meta_error(400, None, br#"{"error":{"code":190}}"#),
            ProviderError::NeedsReauth("invalid_grant".into())
        );
        assert!(matches!(
            classify_meta_error(400, None, br#"{"error":{"code":17}}"#),
            ProviderError::RateLimited { .. }
        ));
        assert!(matches!(
            classify_meta_error(403, None, br#"{"error":{"code":200}}"#),
            ProviderError::MissingPermission(_)
        ));
    }
}
