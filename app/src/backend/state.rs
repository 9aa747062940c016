use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;

use super::client_addr::TrustedProxies;
use super::limits::RateLimits;
use super::oauth::Providers;
use super::sessions::SessionConfig;
use super::vault::Keyring;

/// Everything a request handler or server function needs, built once at start.
/// Cloning is cheap (the pool and limiters are shared).
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: DatabaseConnection,
    pub sessions: Arc<SessionConfig>,
    pub limits: Arc<RateLimits>,
    /// A warning every page shows (the sandbox enabled in production), if any.
    pub notice: Option<Arc<str>>,
    /// Whose `X-Forwarded-For` is believed when deciding a client's address.
    pub proxies: Arc<TrustedProxies>,
    /// Encrypts tokens and PKCE verifiers at rest.
    pub vault: Arc<Keyring>,
    /// OAuth clients for the configured platforms (real or sandbox).
    pub providers: Arc<Providers>,
}
