use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::accounts::client_addr::TrustedProxies;
use crate::accounts::limits::RateLimits;
use crate::accounts::sessions::SessionConfig;
use crate::platforms::Providers;
use crate::sync::events::Events;
use crate::sync::now::RunQueue;
use crate::vault::Keyring;

/// Everything a request handler or server function needs, built once at start.
/// Cloning is cheap (the pool and limiters are shared).
#[derive(Clone)]
pub struct AppState {
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
    /// Sync run changes, from this process or (on Postgres) any other.
    pub events: Events,
    /// Where a new sync run's job is queued.
    pub runs: Arc<dyn RunQueue>,
}
