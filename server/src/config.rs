//! Settings: defaults < Leptos.toml < .env < environment, in one typed struct.
//!
//! Environment names: `PULSEBOARD_<FIELD>` for every field (nested fields
//! with `__`, e.g. `PULSEBOARD_RATE_LIMITS__LOGIN_PER_MINUTE`), plus the names
//! people already use: `DATABASE_URL`, `LEPTOS_SITE_ADDR`, `LEPTOS_SITE_ROOT`.

use std::net::SocketAddr;
use std::path::Path;

use app::backend::limits::RateLimitConfig;
use figment::Figment;
use figment::providers::{Env, Serialized};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

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

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub env: Environment,
    /// `sqlite://…` or `postgres://…`; may hold a password, so it is a secret.
    pub database_url: SecretString,
    pub site_addr: SocketAddr,
    /// Where cargo-leptos put the compiled site (pkg/, assets).
    pub site_root: String,
    /// The origin browsers use to reach Pulseboard, e.g. `https://pulse.example.com`.
    /// Decides cookie `Secure`, HSTS and the CSRF origin check. Defaults to `http://{site_addr}`.
    #[serde(default, deserialize_with = "text::optional")]
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
    /// The token keyring, `id:base64,…`, newest first (`pulseboard keys generate`).
    #[serde(default, deserialize_with = "text::optional_secret")]
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
    #[serde(default, deserialize_with = "text::optional_secret")]
    pub sentry_dsn: Option<SecretString>,
    /// Share of error events sent to Sentry, 0.0–1.0.
    pub sentry_sample_rate: f32,
    /// Serve the built-in platform sandbox. Unset: on in development for each
    /// platform without a client id, never in production.
    pub sandbox: Option<bool>,
    /// Bearer token for the sandbox's `_faults` and `_stats`. Unset: those
    /// paths do not exist (404), so no stranger can flip faults or read counts.
    pub sandbox_admin_token: Option<SecretString>,
}

/// One platform's app credentials and endpoints. Endpoints default to the
/// real platform; only the sandbox or a test changes them.
///
/// Identifiers are read as text whatever they look like: a Meta app id is
/// all digits (`1029384756102938`), which the environment and TOML sources
/// would otherwise hand over as a number.
#[derive(Debug, Clone, Deserialize)]
pub struct PlatformSettings {
    #[serde(default, deserialize_with = "text::optional")]
    pub client_id: Option<String>,
    #[serde(default, deserialize_with = "text::optional_secret")]
    pub client_secret: Option<SecretString>,
    #[serde(default, deserialize_with = "text::optional")]
    pub redirect_uri: Option<String>,
    #[serde(deserialize_with = "text::required")]
    pub auth_url: String,
    #[serde(deserialize_with = "text::required")]
    pub token_url: String,
    #[serde(deserialize_with = "text::required")]
    pub api_url: String,
}

/// The defaults, as a serializable mirror (secrets are not Serialize).
#[derive(Serialize)]
struct Defaults {
    env: Environment,
    database_url: &'static str,
    site_addr: &'static str,
    site_root: &'static str,
    log_format: LogFormat,
    log_level: &'static str,
    session_idle_minutes: i64,
    session_absolute_minutes: i64,
    rate_limits: RateLimitConfig,
    worker_concurrency: usize,
    housekeeping_schedule: &'static str,
    refresh_sweep_schedule: &'static str,
    shutdown_grace_seconds: u64,
    request_timeout_seconds: u64,
    request_body_timeout_seconds: u64,
    trusted_proxies: &'static str,
    token_keys_file: &'static str,
    x: PlatformDefaults,
    linkedin: PlatformDefaults,
    meta: PlatformDefaults,
    sentry_sample_rate: f32,
}

#[derive(Serialize)]
struct PlatformDefaults {
    auth_url: &'static str,
    token_url: &'static str,
    api_url: &'static str,
}

const DEFAULTS: fn() -> Defaults = || Defaults {
    env: Environment::Development,
    database_url: "sqlite://data/pulseboard.db?mode=rwc",
    site_addr: "127.0.0.1:3000",
    site_root: "target/site",
    log_format: LogFormat::Pretty,
    log_level: "info,sqlx=warn,sea_orm=warn",
    session_idle_minutes: 7 * 24 * 60,
    session_absolute_minutes: 30 * 24 * 60,
    rate_limits: RateLimitConfig::default(),
    worker_concurrency: 4,
    housekeeping_schedule: "0 */5 * * * *",
    refresh_sweep_schedule: "30 * * * * *",
    shutdown_grace_seconds: 20,
    request_timeout_seconds: 30,
    request_body_timeout_seconds: 10,
    trusted_proxies: "",
    token_keys_file: "data/token-keys",
    x: PlatformDefaults {
        auth_url: "https://x.com/i/oauth2/authorize",
        token_url: "https://api.x.com/2/oauth2/token",
        api_url: "https://api.x.com",
    },
    sentry_sample_rate: 1.0,
    meta: PlatformDefaults {
        auth_url: "https://www.facebook.com/v21.0/dialog/oauth",
        token_url: "https://graph.facebook.com/v21.0/oauth/access_token",
        api_url: "https://graph.facebook.com/v21.0",
    },
    linkedin: PlatformDefaults {
        auth_url: "https://www.linkedin.com/oauth/v2/authorization",
        token_url: "https://www.linkedin.com/oauth/v2/accessToken",
        api_url: "https://api.linkedin.com",
    },
};

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
            .merge(Serialized::defaults(DEFAULTS()))
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
            for (name, p) in [
                ("x", &self.x),
                ("linkedin", &self.linkedin),
                ("meta", &self.meta),
            ] {
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
        app::backend::client_addr::TrustedProxies::parse(&self.trusted_proxies)
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

    /// Whether the sandbox stands in for platforms without credentials.
    pub fn sandbox_enabled(&self) -> bool {
        cfg!(feature = "sandbox") && self.sandbox.unwrap_or(self.env == Environment::Development)
    }

    pub fn is_postgres(&self) -> bool {
        self.database_url.expose_secret().starts_with("postgres")
    }
}

/// Deserializers that read any scalar as its text. figment parses
/// environment values (`"1029384756102938"` becomes an unsigned integer) and
/// TOML has numbers of its own; identifiers must stay exactly as written.
mod text {
    use std::fmt;

    use secrecy::SecretString;
    use serde::Deserializer;
    use serde::de::{self, Visitor};

    struct Text;

    impl<'de> Visitor<'de> for Text {
        type Value = String;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("text")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
            Ok(v)
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i128<E: de::Error>(self, v: i128) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_u128<E: de::Error>(self, v: u128) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<String, E> {
            // Its digits are already lost: refuse rather than store a rounded id.
            Err(E::custom(
                "a number with a fraction or exponent; quote the value",
            ))
        }
    }

    struct OptionalText;

    impl<'de> Visitor<'de> for OptionalText {
        type Value = Option<String>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("text")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            required(d).map(Some)
        }
    }

    pub fn required<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        d.deserialize_any(Text)
    }

    pub fn optional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        d.deserialize_option(OptionalText)
    }

    pub fn optional_secret<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<SecretString>, D::Error> {
        Ok(optional(d)?.map(SecretString::from))
    }
}

/// `https://x.example.com/some/path` → `https://x.example.com`
fn origin_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    let host = rest.split('/').next().unwrap_or(rest);
    format!("{scheme}://{host}")
}

#[cfg(test)]
// figment's Jail closures return its (large) error type; that is its API.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;
    use figment::Jail;

    #[test]
    fn defaults_need_no_configuration() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            let s = Settings::from_figment(Settings::figment(Path::new("missing.toml")).unwrap())
                .unwrap();
            assert_eq!(s.env, Environment::Development);
            assert_eq!(s.site_addr.to_string(), "127.0.0.1:3000");
            assert_eq!(
                s.database_url.expose_secret(),
                "sqlite://data/pulseboard.db?mode=rwc"
            );
            assert!(!s.is_postgres());
            Ok(())
        });
    }

    #[test]
    fn file_then_environment_override_defaults() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.create_file(
                "Leptos.toml",
                r#"
                [pulseboard]
                site_addr = "0.0.0.0:8080"
                log_format = "json"
                worker_concurrency = 2
                [pulseboard.rate_limits]
                login_per_minute = 3
                "#,
            )?;
            jail.set_env("PULSEBOARD_WORKER_CONCURRENCY", "7");
            jail.set_env("DATABASE_URL", "postgres://u:hunter2@db/pulse");
            jail.set_env("LEPTOS_SITE_ROOT", "/srv/site");
            jail.set_env("PULSEBOARD_RATE_LIMITS__SIGNUP_PER_HOUR", "5");
            let s = Settings::from_figment(Settings::figment(Path::new("Leptos.toml")).unwrap())
                .unwrap();
            assert_eq!(s.site_addr.to_string(), "0.0.0.0:8080");
            assert_eq!(s.log_format, LogFormat::Json);
            assert_eq!(s.worker_concurrency, 7, "environment beats the file");
            assert_eq!(s.site_root, "/srv/site");
            assert_eq!(s.rate_limits.login_per_minute, 3);
            assert_eq!(s.rate_limits.signup_per_hour, 5);
            assert!(s.is_postgres());
            Ok(())
        });
    }

    #[test]
    fn debug_output_never_shows_the_database_password() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.set_env("DATABASE_URL", "postgres://u:hunter2@db/pulse");
            let s =
                Settings::from_figment(Settings::figment(Path::new("none.toml")).unwrap()).unwrap();
            assert!(!format!("{s:?}").contains("hunter2"));
            Ok(())
        });
    }

    #[test]
    fn bad_values_are_clear_errors() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.set_env("DATABASE_URL", "mysql://x");
            let err = Settings::from_figment(Settings::figment(Path::new("none.toml")).unwrap())
                .unwrap_err();
            assert!(err.to_string().contains("database_url"), "{err}");
            jail.set_env("DATABASE_URL", "sqlite::memory:");
            jail.set_env("PULSEBOARD_SITE_ADDR", "not an address");
            assert!(
                Settings::from_figment(Settings::figment(Path::new("none.toml")).unwrap()).is_err()
            );
            Ok(())
        });
    }

    #[test]
    fn platform_credentials_accept_the_usual_names() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.set_env("TWITTER_CLIENT_ID", "abc");
            jail.set_env("TWITTER_CLIENT_SECRET", "shh-secret");
            jail.set_env("LINKEDIN_CLIENT_ID", "li-abc");
            jail.set_env(
                "LINKEDIN_REDIRECT_URI",
                "https://pulse.example.com/api/v1/oauth/linkedin/callback",
            );
            jail.set_env("PULSEBOARD_X__API_URL", "http://127.0.0.1:9/x");
            let s =
                Settings::from_figment(Settings::figment(Path::new("none.toml")).unwrap()).unwrap();
            assert_eq!(s.x.client_id.as_deref(), Some("abc"));
            assert_eq!(s.linkedin.client_id.as_deref(), Some("li-abc"));
            assert_eq!(
                s.linkedin.redirect_uri.as_deref(),
                Some("https://pulse.example.com/api/v1/oauth/linkedin/callback")
            );
            assert_eq!(
                s.linkedin.token_url,
                "https://www.linkedin.com/oauth/v2/accessToken"
            );
            assert_eq!(
                s.x.client_secret.as_ref().unwrap().expose_secret(),
                "shh-secret"
            );
            assert_eq!(s.x.api_url, "http://127.0.0.1:9/x");
            assert_eq!(
                s.x.auth_url, "https://x.com/i/oauth2/authorize",
                "real endpoints by default"
            );
            assert!(!format!("{s:?}").contains("shh-secret"));
            assert!(s.sandbox_enabled(), "development");
            jail.set_env("PULSEBOARD_X__API_URL", "https://api.x.com");
            jail.set_env("PULSEBOARD_ENV", "production");
            jail.set_env("PULSEBOARD_PUBLIC_URL", "https://pulse.example.com");
            let s =
                Settings::from_figment(Settings::figment(Path::new("none.toml")).unwrap()).unwrap();
            assert!(!s.sandbox_enabled(), "never silently in production");
            Ok(())
        });
    }

    /// SECURITY 49: production refuses to start without an https origin.
    #[test]
    fn production_requires_an_https_public_url() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.set_env("PULSEBOARD_ENV", "production");
            let keys = app::backend::vault::Keyring::generate_entry("k1");
            jail.set_env("PULSEBOARD_TOKEN_KEYS", keys.expose_secret());
            let load =
                || Settings::from_figment(Settings::figment(Path::new("none.toml")).unwrap());
            let err = load().unwrap_err().to_string();
            assert!(err.contains("PULSEBOARD_PUBLIC_URL"), "unset: {err}");
            jail.set_env("PULSEBOARD_PUBLIC_URL", "http://pulse.example.com");
            let err = load().unwrap_err().to_string();
            assert!(err.contains("PULSEBOARD_PUBLIC_URL"), "plain http: {err}");
            jail.set_env("PULSEBOARD_PUBLIC_URL", "https://pulse.example.com");
            let s = load().unwrap();
            assert_eq!(s.env, Environment::Production);
            // Development accepts plain http.
            jail.set_env("PULSEBOARD_ENV", "development");
            jail.set_env("PULSEBOARD_PUBLIC_URL", "http://127.0.0.1:3000");
            assert!(load().is_ok());
            Ok(())
        });
    }

    /// Real app ids: Meta's are all digits, X's base64-like, LinkedIn's
    /// lower-case alphanumerics. Each source hands digits over as a number.
    #[test]
    fn realistic_credentials_load_from_every_source() {
        let load = || Settings::from_figment(Settings::figment(Path::new("Leptos.toml")).unwrap());
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.set_env("META_APP_ID", "1029384756102938");
            jail.set_env("META_APP_SECRET", "90210900210");
            jail.set_env("TWITTER_CLIENT_ID", "M1M5R3BMVy13QmpScXkzTUt5OE46MTpjaQ");
            jail.set_env("LINKEDIN_CLIENT_ID", "86rrmt1bcgeezj");
            let s = load().unwrap();
            assert_eq!(s.meta.client_id.as_deref(), Some("1029384756102938"));
            assert_eq!(
                s.meta.client_secret.as_ref().unwrap().expose_secret(),
                "90210900210"
            );
            assert_eq!(
                s.x.client_id.as_deref(),
                Some("M1M5R3BMVy13QmpScXkzTUt5OE46MTpjaQ")
            );
            assert_eq!(s.linkedin.client_id.as_deref(), Some("86rrmt1bcgeezj"));
            Ok(())
        });
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.set_env("PULSEBOARD_META__CLIENT_ID", "1029384756102938");
            jail.set_env("PULSEBOARD_LINKEDIN__CLIENT_ID", "7712345678");
            jail.set_env("PULSEBOARD_TOKEN_KEYS", "1234");
            let s = load().unwrap();
            assert_eq!(s.meta.client_id.as_deref(), Some("1029384756102938"));
            assert_eq!(s.linkedin.client_id.as_deref(), Some("7712345678"));
            assert_eq!(s.token_keys.as_ref().unwrap().expose_secret(), "1234");
            Ok(())
        });
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.create_file(
                "Leptos.toml",
                r#"
                [pulseboard.meta]
                client_id = 1029384756102938
                client_secret = 4242
                [pulseboard.x]
                client_id = "M1M5R3BMVy13QmpScXkzTUt5OE46MTpjaQ"
                "#,
            )?;
            let s = load().unwrap();
            assert_eq!(s.meta.client_id.as_deref(), Some("1029384756102938"));
            assert_eq!(
                s.meta.client_secret.as_ref().unwrap().expose_secret(),
                "4242"
            );
            Ok(())
        });
        // `.env` is read by `Settings::load` into the environment.
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.create_file(
                ".env",
                "META_APP_ID=1029384756102938\nLINKEDIN_CLIENT_ID=7712345678\n",
            )?;
            jail.set_env("PULSEBOARD_CONFIG", "missing.toml");
            let s = Settings::load().unwrap();
            assert_eq!(s.meta.client_id.as_deref(), Some("1029384756102938"));
            assert_eq!(s.linkedin.client_id.as_deref(), Some("7712345678"));
            Ok(())
        });
    }

    #[test]
    fn sandbox_admin_token_is_read_and_never_printed() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            let s =
                Settings::from_figment(Settings::figment(Path::new("none.toml")).unwrap()).unwrap();
            assert!(s.sandbox_admin_token.is_none(), "off unless configured");
            jail.set_env("PULSEBOARD_SANDBOX_ADMIN_TOKEN", "adm-9f8e7d-secret");
            let s =
                Settings::from_figment(Settings::figment(Path::new("none.toml")).unwrap()).unwrap();
            assert_eq!(
                s.sandbox_admin_token.as_ref().map(|t| t.expose_secret()),
                Some("adm-9f8e7d-secret")
            );
            assert!(!format!("{s:?}").contains("adm-9f8e7d-secret"));
            Ok(())
        });
    }

    #[test]
    fn production_refuses_plain_http_platform_endpoints() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.set_env("PULSEBOARD_ENV", "production");
            jail.set_env("PULSEBOARD_PUBLIC_URL", "https://pulse.example.com");
            jail.set_env("PULSEBOARD_X__TOKEN_URL", "http://api.x.com/2/oauth2/token");
            let err = Settings::from_figment(Settings::figment(Path::new("none.toml")).unwrap())
                .unwrap_err();
            assert!(
                err.to_string().contains("x.token_url must be an https://"),
                "{err}"
            );
            jail.set_env("PULSEBOARD_ENV", "development");
            assert!(
                Settings::from_figment(Settings::figment(Path::new("none.toml")).unwrap()).is_ok(),
                "development may talk to a local stand-in"
            );
            Ok(())
        });
    }

    #[test]
    fn an_id_whose_digits_were_rounded_is_refused() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.set_env("META_APP_ID", "1.5e3");
            let err = Settings::from_figment(Settings::figment(Path::new("none.toml")).unwrap())
                .unwrap_err();
            assert!(err.to_string().contains("quote the value"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn public_origin_strips_paths() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.set_env("PULSEBOARD_PUBLIC_URL", "https://pulse.example.com/app/");
            let s =
                Settings::from_figment(Settings::figment(Path::new("none.toml")).unwrap()).unwrap();
            assert_eq!(
                s.public_origin("127.0.0.1:1".parse().unwrap()),
                "https://pulse.example.com"
            );
            Ok(())
        });
    }
}
