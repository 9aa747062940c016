//! What Pulseboard may ask of a platform: one trait, implemented in `x.rs`,
//! `linkedin.rs` and `meta.rs`. Everything platform-specific — endpoints,
//! client authentication, which token revokes a grant, whether tokens can be
//! refreshed or only checked — stays behind it.

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};
use oauth2::{PkceCodeChallenge, PkceCodeVerifier};
use secrecy::SecretString;

use super::meta_pages::Grant;
use super::tokens::TokenSet;
use super::{Account, ProviderError, ProviderSettings, linkedin, meta, x};
use crate::backend::entities::connections;
use crate::backend::vault::Keyring;
use crate::domain::Platform;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a completed consent yields.
pub enum Authorized {
    /// One account and its tokens (X, LinkedIn).
    Account { account: Account, tokens: TokenSet },
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
        super::consent_url(cfg, state, challenge, self.scopes())
    }

    /// Redeems the code and finds what it grants access to.
    fn complete<'a>(
        &'a self,
        cfg: &'a ProviderSettings,
        http: &'a reqwest::Client,
        code: &'a str,
        verifier: &'a PkceCodeVerifier,
    ) -> BoxFuture<'a, Result<Authorized, ProviderError>>;

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

    /// Ends the connection's grant at the platform. `Ok(false)`: the
    /// platform offers no way to (the user must remove it there).
    fn revoke<'a>(
        &'a self,
        _cfg: &'a ProviderSettings,
        _http: &'a reqwest::Client,
        _vault: &'a Keyring,
        _connection: &'a connections::Model,
    ) -> BoxFuture<'a, Result<bool, ProviderError>> {
        Box::pin(async { Ok(false) })
    }
}

/// The implementation for `platform`.
pub fn for_platform(platform: Platform) -> &'static dyn OAuthProvider {
    match platform {
        Platform::X => &x::X,
        Platform::LinkedIn => &linkedin::LinkedIn,
        Platform::Meta => &meta::Meta,
    }
}
