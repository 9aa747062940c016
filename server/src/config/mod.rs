//! Settings: defaults < Leptos.toml < .env < environment, in one typed struct.
//!
//! Environment names: `PULSEBOARD_<FIELD>` for every field (nested fields
//! with `__`, e.g. `PULSEBOARD_RATE_LIMITS__LOGIN_PER_MINUTE`), plus the names
//! people already use: `DATABASE_URL`, `LEPTOS_SITE_ADDR`, `LEPTOS_SITE_ROOT`.

use std::net::SocketAddr;
use std::path::Path;

use backend::accounts::limits::RateLimitConfig;
use backend::platforms::versions;
use figment::Figment;
use figment::providers::{Env, Serialized};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use shared::domain::Platform;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Every setting, declared once: its type and meaning here, its default in
/// `Default` below. Secrets are never serialized (`skip_serializing`): the
/// defaults reach figment through `Serialize`, and a secret has no default
/// but the development database.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    pub env: Environment,
    /// `sqlite://…` or `postgres://…`; may hold a password, so it is a secret.
    #[serde(skip_serializing, default = "default_database_url")]
    pub database_url: SecretString,
    pub site_addr: SocketAddr,
    /// Where cargo-leptos put the compiled site (pkg/, assets).
    pub site_root: String,
    /// The origin browsers use to reach Pulseboard, e.g. `https://pulse.example.com`.
    /// Decides cookie `Secure`, HSTS and the CSRF origin check. Defaults to `http://{site_addr}`.
    #[serde(
        default,
        deserialize_with = "text::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub public_url: Option<String>,
    pub log_format: LogFormat,
    /// A tracing `EnvFilter` directive; `RUST_LOG` wins when set.
    pub log_level: String,
    pub session_idle_minutes: i64,
    pub session_absolute_minutes: i64,
    pub rate_limits: RateLimitConfig,
    /// Jobs processed at once by this process's worker.
    pub worker_concurrency: usize,
    /// Cron expression (with seconds) for the housekeeping job.
    pub housekeeping_schedule: String,
    /// Cron expression (with seconds) for the token-refresh sweep.
    pub refresh_sweep_schedule: String,
    /// Cron expression (with seconds) for the tick that starts scheduled syncs.
    pub sync_schedule_tick: String,
    /// How long shutdown waits for in-flight requests and jobs.
    pub shutdown_grace_seconds: u64,
    /// Proxies (comma-separated CIDRs) whose `X-Forwarded-For` is believed
    /// for rate limits; empty: none, the peer address counts.
    #[serde(deserialize_with = "text::required")]
    pub trusted_proxies: String,
    /// A request that has not been answered after this long gets 408.
    pub request_timeout_seconds: u64,
    /// A client that sends its body slower than this (in total) is cut off.
    pub request_body_timeout_seconds: u64,
    /// A request answered slower than this many milliseconds is logged at warn.
    pub slow_request_ms: u64,
    /// The token keyring, `id:base64,…`, newest first (`pulseboard keys generate`).
    #[serde(default, deserialize_with = "text::optional_secret", skip_serializing)]
    pub token_keys: Option<SecretString>,
    /// Development only: where a generated keyring is kept when `token_keys` is unset.
    pub token_keys_file: String,
    /// X (Twitter) app registration; `TWITTER_CLIENT_ID` etc. also work.
    pub x: PlatformSettings,
    /// LinkedIn app registration; `LINKEDIN_CLIENT_ID` etc. also work.
    pub linkedin: PlatformSettings,
    /// Meta app registration (Facebook Login); `META_APP_ID`, `META_APP_SECRET`, `META_REDIRECT_URI` also work.
    pub meta: PlatformSettings,
    /// Error reports go here when set (`SENTRY_DSN` also works). Scrubbed of secrets.
    #[serde(default, deserialize_with = "text::optional_secret", skip_serializing)]
    pub sentry_dsn: Option<SecretString>,
    /// Share of error events sent to Sentry, 0.0–1.0.
    pub sentry_sample_rate: f32,
    /// Prometheus metrics on a listener of their own (`GET /metrics`);
    /// empty turns it off. Keep it on loopback or a private network.
    pub metrics_addr: String,
    /// When set, `/metrics` is also served on the public address, to
    /// requests with `Authorization: Bearer <token>` only.
    #[serde(default, deserialize_with = "text::optional_secret", skip_serializing)]
    pub metrics_token: Option<SecretString>,
    /// Serve the built-in platform sandbox. Unset: on in development for each
    /// platform without a client id, never in production.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<bool>,
    /// Bearer token for the sandbox's `_faults` and `_stats`. Unset: those
    /// paths do not exist (404), so no stranger can flip faults or read counts.
    #[serde(default, skip_serializing)]
    pub sandbox_admin_token: Option<SecretString>,
}

/// One platform's app credentials and endpoints. Endpoints default to the
/// real platform; only the sandbox or a test changes them.
///
/// Identifiers are read as text whatever they look like: a Meta app id is
/// all digits (`1029384756102938`), which the environment and TOML sources
/// would otherwise hand over as a number.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlatformSettings {
    #[serde(
        default,
        deserialize_with = "text::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub client_id: Option<String>,
    #[serde(default, deserialize_with = "text::optional_secret", skip_serializing)]
    pub client_secret: Option<SecretString>,
    #[serde(
        default,
        deserialize_with = "text::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub redirect_uri: Option<String>,
    #[serde(deserialize_with = "text::required")]
    pub auth_url: String,
    #[serde(deserialize_with = "text::required")]
    pub token_url: String,
    #[serde(deserialize_with = "text::required")]
    pub api_url: String,
    /// The API version asked for: LinkedIn's `LinkedIn-Version` (YYYYMM),
    /// Meta's Graph version (`v25.0`), put wherever a URL says `{version}`.
    #[serde(
        default,
        deserialize_with = "text::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub api_version: Option<String>,
}

impl PlatformSettings {
    /// A platform's real endpoints, with no app registered yet.
    fn endpoints(auth_url: &str, token_url: &str, api_url: &str) -> Self {
        Self {
            client_id: None,
            client_secret: None,
            redirect_uri: None,
            auth_url: auth_url.into(),
            token_url: token_url.into(),
            api_url: api_url.into(),
            api_version: None,
        }
    }

    fn version(self, version: &str) -> Self {
        Self {
            api_version: Some(version.into()),
            ..self
        }
    }

    /// `url` with `{version}` replaced by the configured API version.
    pub fn versioned(&self, url: &str) -> String {
        url.replace("{version}", self.api_version.as_deref().unwrap_or_default())
    }
}

fn default_database_url() -> SecretString {
    "sqlite://data/pulseboard.db?mode=rwc".into()
}

/// What runs with no configuration at all: development on loopback with an
/// embedded SQLite database and the sandbox.
impl Default for Settings {
    fn default() -> Self {
        Self {
            env: Environment::Development,
            database_url: default_database_url(),
            site_addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
            site_root: "target/site".into(),
            public_url: None,
            log_format: LogFormat::Pretty,
            log_level: "info,sqlx=warn,sea_orm=warn".into(),
            session_idle_minutes: 7 * 24 * 60,
            session_absolute_minutes: 30 * 24 * 60,
            rate_limits: RateLimitConfig::default(),
            worker_concurrency: 4,
            housekeeping_schedule: "0 */5 * * * *".into(),
            refresh_sweep_schedule: "30 * * * * *".into(),
            sync_schedule_tick: "15 * * * * *".into(),
            shutdown_grace_seconds: 20,
            trusted_proxies: String::new(),
            request_timeout_seconds: 30,
            request_body_timeout_seconds: 10,
            slow_request_ms: 1000,
            token_keys: None,
            token_keys_file: "data/token-keys".into(),
            x: PlatformSettings::endpoints(
                "https://x.com/i/oauth2/authorize",
                "https://api.x.com/2/oauth2/token",
                "https://api.x.com",
            ),
            linkedin: PlatformSettings::endpoints(
                "https://www.linkedin.com/oauth/v2/authorization",
                "https://www.linkedin.com/oauth/v2/accessToken",
                "https://api.linkedin.com",
            )
            .version(versions::LINKEDIN_DEFAULT),
            meta: PlatformSettings::endpoints(
                "https://www.facebook.com/{version}/dialog/oauth",
                "https://graph.facebook.com/{version}/oauth/access_token",
                "https://graph.facebook.com/{version}",
            )
            .version(versions::META_DEFAULT),
            sentry_dsn: None,
            sentry_sample_rate: 1.0,
            metrics_addr: "127.0.0.1:9464".into(),
            metrics_token: None,
            sandbox: None,
            sandbox_admin_token: None,
        }
    }
}

impl Settings {
    /// Loads settings for the running process: reads `.env` (without
    /// overriding the environment) and the config file named by
    /// `PULSEBOARD_CONFIG` (default `Leptos.toml`, optional).
    pub fn load() -> anyhow::Result<Self> {
        let _ = dotenvy::dotenv();
        let path = std::env::var("PULSEBOARD_CONFIG").unwrap_or_else(|_| "Leptos.toml".into());
        Self::from_figment(Self::figment(Path::new(&path))?)
    }

    /// The layered sources. The config file's `[pulseboard]` table is the
    /// only part read (the file is optional).
    pub fn figment(config_file: &Path) -> anyhow::Result<Figment> {
        let file = match std::fs::read_to_string(config_file) {
            Ok(text) => {
                let mut doc: toml::Table = toml::from_str(&text)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", config_file.display()))?;
                doc.remove("pulseboard")
                    .unwrap_or(toml::Value::Table(Default::default()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                toml::Value::Table(Default::default())
            }
            Err(e) => return Err(anyhow::anyhow!("{}: {e}", config_file.display())),
        };
        Ok(Figment::new()
            .merge(Serialized::defaults(Settings::default()))
            .merge(Serialized::defaults(file))
            .merge(
                Env::raw()
                    .only(&["DATABASE_URL"])
                    .map(|_| "database_url".into()),
            )
            .merge(
                Env::raw()
                    .only(&["SENTRY_DSN"])
                    .map(|_| "sentry_dsn".into()),
            )
            .merge(
                Env::raw()
                    .only(&["META_APP_ID", "META_APP_SECRET", "META_REDIRECT_URI"])
                    .map(|k| match k.as_str().to_ascii_uppercase().as_str() {
                        "META_APP_ID" => "meta.client_id".into(),
                        "META_APP_SECRET" => "meta.client_secret".into(),
                        _ => "meta.redirect_uri".into(),
                    }),
            )
            // The names platform docs and other tools use.
            .merge(
                Env::raw()
                    .only(&[
                        "LINKEDIN_CLIENT_ID",
                        "LINKEDIN_CLIENT_SECRET",
                        "LINKEDIN_REDIRECT_URI",
                    ])
                    .map(|k| {
                        format!(
                            "linkedin.{}",
                            k.as_str().trim_start_matches("LINKEDIN_").to_lowercase()
                        )
                        .into()
                    }),
            )
            .merge(
                Env::raw()
                    .only(&[
                        "TWITTER_CLIENT_ID",
                        "TWITTER_CLIENT_SECRET",
                        "TWITTER_REDIRECT_URI",
                    ])
                    .map(|k| {
                        format!(
                            "x.{}",
                            k.as_str().trim_start_matches("TWITTER_").to_lowercase()
                        )
                        .into()
                    }),
            )
            .merge(
                Env::raw()
                    .only(&["LEPTOS_SITE_ADDR", "LEPTOS_SITE_ROOT"])
                    .map(|k| {
                        k.as_str()
                            .trim_start_matches("LEPTOS_")
                            .to_lowercase()
                            .into()
                    }),
            )
            .merge(Env::prefixed("PULSEBOARD_").ignore(&["CONFIG"]).split("__")))
    }

    pub fn from_figment(figment: Figment) -> anyhow::Result<Self> {
        let settings: Settings = figment.extract()?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> anyhow::Result<()> {
        let url = self.database_url.expose_secret();
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            anyhow::bail!("database_url must start with sqlite:, postgres:// or postgresql://");
        }
        if let Some(public) = &self.public_url
            && !(public.starts_with("http://") || public.starts_with("https://"))
        {
            anyhow::bail!("public_url must be an http:// or https:// origin");
        }
        // Production fails closed: without an https origin cookies would not
        // be Secure, HSTS would be off and callbacks would go over plain http.
        if self.env == Environment::Production
            && !self
                .public_url
                .as_deref()
                .is_some_and(|u| u.starts_with("https://"))
        {
            anyhow::bail!(
                "PULSEBOARD_PUBLIC_URL must be set to the https:// origin users reach in production (e.g. https://pulse.example.com)"
            );
        }
        // Tokens and client secrets travel to these endpoints: outside
        // development, never in clear text.
        if self.env == Environment::Production {
            for (name, p) in Platform::ALL.map(|p| (p.slug(), self.platform(p))) {
                for (field, url) in [
                    ("auth_url", &p.auth_url),
                    ("token_url", &p.token_url),
                    ("api_url", &p.api_url),
                ] {
                    if !url.starts_with("https://") {
                        anyhow::bail!("{name}.{field} must be an https:// URL in production");
                    }
                }
            }
        }
        if self.sandbox == Some(true) && !cfg!(feature = "sandbox") {
            anyhow::bail!(
                "sandbox = true, but this build has no sandbox (it was built without the `sandbox` feature)"
            );
        }
        if self.session_idle_minutes <= 0 || self.session_absolute_minutes <= 0 {
            anyhow::bail!("session lifetimes must be positive");
        }
        if !(0.0..=1.0).contains(&self.sentry_sample_rate) {
            anyhow::bail!("sentry_sample_rate must be between 0.0 and 1.0");
        }
        if !self.metrics_addr.trim().is_empty()
            && self.metrics_addr.trim().parse::<SocketAddr>().is_err()
        {
            anyhow::bail!("metrics_addr must be host:port (like 127.0.0.1:9464) or empty");
        }
        if self
            .metrics_token
            .as_ref()
            .is_some_and(|t| t.expose_secret().len() < 16)
        {
            anyhow::bail!("metrics_token must be at least 16 characters");
        }
        backend::accounts::client_addr::TrustedProxies::parse(&self.trusted_proxies)
            .map_err(|e| anyhow::anyhow!("trusted_proxies: {e}"))?;
        if self.request_timeout_seconds == 0 || self.request_body_timeout_seconds == 0 {
            anyhow::bail!("request timeouts must be at least 1 second");
        }
        if self.worker_concurrency == 0 {
            anyhow::bail!("worker_concurrency must be at least 1");
        }
        Ok(())
    }

    /// The public origin without a trailing slash or path.
    pub fn public_origin(&self, bound: SocketAddr) -> String {
        match &self.public_url {
            Some(url) => origin_of(url),
            None => format!("http://{bound}"),
        }
    }

    /// The settings of one platform's client.
    pub fn platform(&self, platform: Platform) -> &PlatformSettings {
        match platform {
            Platform::X => &self.x,
            Platform::LinkedIn => &self.linkedin,
            Platform::Meta => &self.meta,
        }
    }

    /// Whether the sandbox stands in for platforms without credentials.
    pub fn sandbox_enabled(&self) -> bool {
        cfg!(feature = "sandbox") && self.sandbox.unwrap_or(self.env == Environment::Development)
    }

    pub fn is_postgres(&self) -> bool {
        self.database_url.expose_secret().starts_with("postgres")
    }
}

mod text;

/// `https://x.example.com/some/path` → `https://x.example.com`
fn origin_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    let host = rest.split('/').next().unwrap_or(rest);
    format!("{scheme}://{host}")
}

#[cfg(test)]
mod tests;
