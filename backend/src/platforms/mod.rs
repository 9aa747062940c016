//! What Pulseboard may ask of a platform: one trait, implemented in `x.rs`,
//! `linkedin.rs` and `meta.rs`, and found through [`for_platform`].
//! Everything platform-specific — endpoints, client authentication, which
//! token revokes a grant, when tokens are refreshed, when a grant ends —
//! stays behind it, so adding a platform touches this folder only.
//!
//! Adapters never read the vault: callers decrypt and pass tokens in.

pub mod analytics;
pub mod client;
pub mod linkedin;
pub mod meta;
mod registry;
pub mod tokens;
pub mod versions;
pub mod x;

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Duration, Utc};
use oauth2::{PkceCodeChallenge, PkceCodeVerifier};
use secrecy::SecretString;

pub use client::{
    Account, HTTP_CONNECT_TIMEOUT_SECS, HTTP_TOTAL_TIMEOUT_SECS, ProviderError, ProviderSettings,
    Providers, consent_url, http_client, http_client_with,
};
pub use meta::Grant;
pub use registry::for_platform;
use tokens::TokenSet;

use crate::entities::connections::{self, TokenColumn};
use shared::domain::{AccountKind, Platform};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a completed consent yields.
pub enum Authorized {
    /// One account and its tokens (X, LinkedIn).
    Account {
        kind: AccountKind,
        account: Account,
        tokens: TokenSet,
    },
    /// A grant over several accounts, one to choose (Meta's Pages).
    Pages(Grant),
}

pub trait OAuthProvider: Send + Sync {
    fn platform(&self) -> Platform;

    /// The minimum scopes Pulseboard asks for.
    fn scopes(&self) -> &'static [&'static str];

    /// The consent URL (`response_type=code`, S256 PKCE, our `state`).
    fn authorize_url(
        &self,
        cfg: &ProviderSettings,
        state: &str,
        challenge: PkceCodeChallenge,
    ) -> Result<String, ProviderError> {
        consent_url(cfg, state, challenge, self.scopes())
    }

    /// Redeems the code and finds what it grants access to.
    fn complete<'a>(
        &'a self,
        cfg: &'a ProviderSettings,
        http: &'a reqwest::Client,
        code: &'a str,
        verifier: &'a PkceCodeVerifier,
    ) -> BoxFuture<'a, Result<Authorized, ProviderError>>;

    /// How long before the access token expires a refresh is due; `None`:
    /// this platform's tokens are not refreshed ahead of time.
    fn refresh_buffer(&self) -> Option<Duration> {
        None
    }

    /// Whether `c` is inside its refresh buffer at `now`.
    fn refresh_due(&self, c: &connections::Model, now: DateTime<Utc>) -> bool {
        match (
            self.refresh_buffer(),
            c.access_expires_at,
            &c.refresh_token_ct,
        ) {
            // The refresh token's own clock (LinkedIn: 365 days) must still be running.
            (Some(buffer), Some(at), Some(_)) => {
                at - now <= buffer && c.refresh_expires_at.is_none_or(|r| r > now)
            }
            _ => false,
        }
    }

    /// When `c` stops working unless the user reconnects, and why; `None`
    /// when it renews itself.
    fn hard_end(&self, _c: &connections::Model) -> Option<(DateTime<Utc>, &'static str)> {
        None
    }

    /// New tokens for a refresh token; `None`: this platform cannot refresh.
    fn refresh<'a>(
        &'a self,
        _cfg: &'a ProviderSettings,
        _http: &'a reqwest::Client,
        _refresh_token: &'a SecretString,
    ) -> Option<BoxFuture<'a, Result<TokenSet, ProviderError>>> {
        None
    }

    /// Asks the platform whether an access token still works (and until
    /// when), for connections that cannot refresh; `None`: no way to ask.
    fn check<'a>(
        &'a self,
        _cfg: &'a ProviderSettings,
        _http: &'a reqwest::Client,
        _access_token: &'a SecretString,
    ) -> Option<BoxFuture<'a, Result<Option<DateTime<Utc>>, ProviderError>>> {
        None
    }

    /// Which of `c`'s stored tokens ends its grant at the platform; `None`:
    /// the platform offers no way to (the user must remove it there), or
    /// another connection holds the grant.
    fn revocation_token(&self, _c: &connections::Model) -> Option<TokenColumn> {
        None
    }

    /// How far back the first sync of a `kind` account reaches: as far as
    /// the platform serves daily data.
    fn backfill(&self, _kind: AccountKind) -> Duration {
        Duration::days(90)
    }

    /// The granted scopes a `kind` account's analytics need: without one,
    /// the account is not fetched and the user is asked to reconnect.
    fn analytics_scopes(&self, _kind: AccountKind) -> &'static [&'static str] {
        &[]
    }

    /// Fetches an account's analytics for `window` with its access token;
    /// `None`: this platform's analytics are not fetched yet.
    fn fetch<'a>(
        &'a self,
        _cfg: &'a ProviderSettings,
        _http: &'a reqwest::Client,
        _access_token: &'a SecretString,
        _target: analytics::Target<'a>,
        _window: analytics::Window,
    ) -> Option<BoxFuture<'a, Result<analytics::Fetched, ProviderError>>> {
        None
    }

    /// Ends a grant with the token [`Self::revocation_token`] named, decrypted.
    fn revoke<'a>(
        &'a self,
        _cfg: &'a ProviderSettings,
        _http: &'a reqwest::Client,
        _token: &'a SecretString,
        _column: TokenColumn,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(async { Ok(()) })
    }
}
