//! Settings as users set them: defaults, files, the environment, bad values.

// figment's Jail closures return its (large) error type; that is its API.
#![allow(clippy::result_large_err)]

use super::*;
use figment::Jail;

#[test]
fn defaults_need_no_configuration() {
    Jail::expect_with(|jail| {
        jail.clear_env();
        let s =
            Settings::from_figment(Settings::figment(Path::new("missing.toml")).unwrap()).unwrap();
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
        let s =
            Settings::from_figment(Settings::figment(Path::new("Leptos.toml")).unwrap()).unwrap();
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
        let s = Settings::from_figment(Settings::figment(Path::new("none.toml")).unwrap()).unwrap();
        assert!(!format!("{s:?}").contains("hunter2"));
        Ok(())
    });
}

#[test]
fn bad_values_are_clear_errors() {
    Jail::expect_with(|jail| {
        jail.clear_env();
        jail.set_env("DATABASE_URL", "mysql://x");
        let err =
            Settings::from_figment(Settings::figment(Path::new("none.toml")).unwrap()).unwrap_err();
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
        let s = Settings::from_figment(Settings::figment(Path::new("none.toml")).unwrap()).unwrap();
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
        let s = Settings::from_figment(Settings::figment(Path::new("none.toml")).unwrap()).unwrap();
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
        let keys = backend::vault::Keyring::generate_entry("k1");
        jail.set_env("PULSEBOARD_TOKEN_KEYS", keys.expose_secret());
        let load = || Settings::from_figment(Settings::figment(Path::new("none.toml")).unwrap());
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
        let s = Settings::from_figment(Settings::figment(Path::new("none.toml")).unwrap()).unwrap();
        assert!(s.sandbox_admin_token.is_none(), "off unless configured");
        jail.set_env("PULSEBOARD_SANDBOX_ADMIN_TOKEN", "adm-9f8e7d-secret");
        let s = Settings::from_figment(Settings::figment(Path::new("none.toml")).unwrap()).unwrap();
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
        let err =
            Settings::from_figment(Settings::figment(Path::new("none.toml")).unwrap()).unwrap_err();
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
        let err =
            Settings::from_figment(Settings::figment(Path::new("none.toml")).unwrap()).unwrap_err();
        assert!(err.to_string().contains("quote the value"), "{err}");
        Ok(())
    });
}

#[test]
fn public_origin_strips_paths() {
    Jail::expect_with(|jail| {
        jail.clear_env();
        jail.set_env("PULSEBOARD_PUBLIC_URL", "https://pulse.example.com/app/");
        let s = Settings::from_figment(Settings::figment(Path::new("none.toml")).unwrap()).unwrap();
        assert_eq!(
            s.public_origin("127.0.0.1:1".parse().unwrap()),
            "https://pulse.example.com"
        );
        Ok(())
    });
}

/// Settings are `Serialize` only so their defaults can reach figment: a
/// serialized copy must never carry a secret.
#[test]
fn serialized_settings_hold_no_secret() {
    Jail::expect_with(|jail| {
        jail.clear_env();
        jail.set_env("DATABASE_URL", "postgres://app:db-pw-4a1b@db/pulse");
        jail.set_env("PULSEBOARD_SANDBOX_ADMIN_TOKEN", "adm-77c2-secret");
        jail.set_env("SENTRY_DSN", "https://dsn-key-5e9d@sentry.example/1");
        jail.set_env("PULSEBOARD_TOKEN_KEYS", "k1:tok-key-material-3f");
        jail.set_env("TWITTER_CLIENT_SECRET", "x-secret-81f0");
        let s = Settings::from_figment(Settings::figment(Path::new("none.toml")).unwrap()).unwrap();
        let text = serde_json::to_string(&s).unwrap();
        for secret in [
            "db-pw-4a1b",
            "adm-77c2-secret",
            "dsn-key-5e9d",
            "tok-key-material-3f",
            "x-secret-81f0",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert!(text.contains("\"site_addr\""), "the rest is there: {text}");
        Ok(())
    });
}
