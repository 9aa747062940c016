//! What every platform adapter shares: its settings, the HTTP client,
//! the consent URL, the error classification and the account a token
//! belongs to.

use std::time::Duration;

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::Deserialize;

use shared::domain::Platform;

/// One platform's client registration and endpoints.
#[derive(Debug, Clone, Deserialize)]
pub struct ProviderSettings {
    pub client_id: String,
    pub client_secret: SecretString,
    /// Byte-identical in the authorize and token requests; from settings only.
    pub redirect_uri: String,
    /// Where the browser is sent to consent.
    pub auth_url: String,
    /// The token endpoint (code exchange and refresh).
    pub token_url: String,
    /// Base of the revoke and data endpoints.
    pub api_url: String,
    /// The API version asked for (LinkedIn's `LinkedIn-Version` header;
    /// Meta's is already in its URLs); `None` where the platform has none.
    #[serde(default)]
    pub api_version: Option<String>,
    /// Served by Pulseboard's own sandbox (shown as such in the UI).
    #[serde(default)]
    pub sandbox: bool,
}

/// The configured providers and the HTTP client they share.
#[derive(Debug, Clone)]
pub struct Providers {
    pub http: reqwest::Client,
    pub x: Option<ProviderSettings>,
    pub linkedin: Option<ProviderSettings>,
    pub meta: Option<ProviderSettings>,
}

impl Providers {
    pub fn new(
        x: Option<ProviderSettings>,
        linkedin: Option<ProviderSettings>,
        meta: Option<ProviderSettings>,
    ) -> Self {
        Self {
            http: http_client(),
            x,
            linkedin,
            meta,
        }
    }

    pub fn get(&self, platform: Platform) -> Option<&ProviderSettings> {
        match platform {
            Platform::X => self.x.as_ref(),
            Platform::LinkedIn => self.linkedin.as_ref(),
            Platform::Meta => self.meta.as_ref(),
        }
    }
}

/// No redirects (a token endpoint that redirects is an attack or a
/// misconfiguration), connect and total timeouts, TLS for real hosts.
pub fn http_client() -> reqwest::Client {
    http_client_with(
        Duration::from_secs(HTTP_CONNECT_TIMEOUT_SECS),
        Duration::from_secs(HTTP_TOTAL_TIMEOUT_SECS),
    )
}

/// The OAuth client's connect timeout.
pub const HTTP_CONNECT_TIMEOUT_SECS: u64 = 5;
/// The OAuth client's total timeout per request: the longest a provider call lasts.
pub const HTTP_TOTAL_TIMEOUT_SECS: u64 = 20;

/// [`http_client`] with other timeouts (tests use short ones).
pub fn http_client_with(connect: Duration, total: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(connect)
        .timeout(total)
        .user_agent(concat!("Pulseboard/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("static HTTP client configuration is valid")
}

/// A transport error's kind, never its URL or body.
pub(crate) fn transport(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timeout".into()
    } else if e.is_connect() {
        "connection failed".into()
    } else if e.is_redirect() {
        "unexpected redirect".into()
    } else {
        "request failed".into()
    }
}

/// The consent URL every platform uses: `response_type=code`, our `state`,
/// an S256 PKCE challenge, the configured redirect URI and `scopes`.
pub fn consent_url(
    cfg: &ProviderSettings,
    state: &str,
    challenge: oauth2::PkceCodeChallenge,
    scopes: &[&str],
) -> Result<String, ProviderError> {
    use oauth2::basic::BasicClient;
    use oauth2::{AuthUrl, ClientId, CsrfToken, RedirectUrl, Scope};
    let client = BasicClient::new(ClientId::new(cfg.client_id.clone()))
        .set_auth_uri(
            AuthUrl::new(cfg.auth_url.clone())
                .map_err(|_| ProviderError::Invalid("auth_url".into()))?,
        )
        .set_redirect_uri(
            RedirectUrl::new(cfg.redirect_uri.clone())
                .map_err(|_| ProviderError::Invalid("redirect_uri".into()))?,
        );
    let state = state.to_owned();
    let (url, _) = client
        .authorize_url(move || CsrfToken::new(state))
        .add_scopes(scopes.iter().map(|s| Scope::new((*s).to_owned())))
        .set_pkce_challenge(challenge)
        .url();
    Ok(url.into())
}

/// What went wrong talking to a provider, classified by what to do next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// The grant is dead (`invalid_grant`, `invalid_client`, revoked): stop, ask the user.
    #[error("the platform requires signing in again ({0})")]
    NeedsReauth(String),
    #[error("a required permission was not granted ({0})")]
    MissingPermission(String),
    #[error("rate-limited until {until}")]
    RateLimited { until: DateTime<Utc> },
    /// Network trouble, timeouts, 5xx: retry with backoff.
    #[error("temporary failure talking to the platform ({0})")]
    Transient(String),
    /// The platform answered something we cannot accept.
    #[error("unexpected answer from the platform ({0})")]
    Invalid(String),
    /// The configured API version is no longer served: the operator must
    /// configure a current one (not a platform outage).
    #[error("API version {0} is no longer served")]
    VersionRetired(String),
    /// Our stored token no longer decrypts (its key left the keyring, or the
    /// row was tampered with): only a reconnect brings a usable one.
    #[error("the stored {0} cannot be decrypted")]
    Unreadable(&'static str),
}

impl ProviderError {
    /// The short class stored in `connections.last_error_class` and the audit trail.
    pub fn class(&self) -> &'static str {
        match self {
            ProviderError::NeedsReauth(_) => "invalid_grant",
            ProviderError::MissingPermission(_) => "missing_permission",
            ProviderError::RateLimited { .. } => "rate_limited",
            ProviderError::Transient(_) => "transient",
            ProviderError::Invalid(_) => "invalid_response",
            ProviderError::Unreadable(_) => "token_unreadable",
            ProviderError::VersionRetired(_) => "version_retired",
        }
    }

    /// The error a stored [`Self::class`] stands for (another process's
    /// failure, read back from the row); unknown classes need a reconnect.
    pub fn from_class(class: Option<&str>, why: String, until: DateTime<Utc>) -> Self {
        match class {
            Some("rate_limited") => ProviderError::RateLimited { until },
            Some("transient") => ProviderError::Transient(why),
            Some("invalid_response") => ProviderError::Invalid(why),
            Some("missing_permission") => ProviderError::MissingPermission(why),
            Some("token_unreadable") => ProviderError::Unreadable("refresh token"),
            Some("version_retired") => ProviderError::VersionRetired(why),
            _ => ProviderError::NeedsReauth(why),
        }
    }
}

/// The account a token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub external_id: String,
    pub display_name: String,
}
