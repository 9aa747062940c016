//! The token keyring at start-up and `pulseboard keys generate|rotate`.

use std::process::Command;

use backend::entities::oauth_transactions;
use backend::vault::{Keyring, Place};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use secrecy::{ExposeSecret, SecretString};
use server::startup::{Application, Roles};

use crate::harness::*;

fn pulseboard() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pulseboard"));
    cmd.env("PULSEBOARD_CONFIG", "/nonexistent/Leptos.toml")
        .env_remove("PULSEBOARD_TOKEN_KEYS")
        .env_remove("RUST_LOG");
    cmd
}

#[test]
fn production_refuses_to_start_without_valid_keys() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/p.db?mode=rwc", dir.path().display());
    // An https origin, so the keys are what production refuses here.
    let out = pulseboard()
        .args(["serve"])
        .env("DATABASE_URL", &url)
        .env("PULSEBOARD_ENV", "production")
        .env("PULSEBOARD_PUBLIC_URL", "https://pulse.example.com")
        .env("PULSEBOARD_SITE_ADDR", "127.0.0.1:0")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("PULSEBOARD_TOKEN_KEYS is required in production")
    );

    let out = pulseboard()
        .args(["serve"])
        .env("DATABASE_URL", &url)
        .env("PULSEBOARD_SITE_ADDR", "127.0.0.1:0")
        .env("PULSEBOARD_TOKEN_KEYS", "k1:c2hvcnQta2V5LXNlY3JldA==")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("keys must be exactly 32 bytes"), "{err}");
    assert!(
        !err.contains("c2hvcnQta2V5LXNlY3JldA"),
        "the key itself is never printed"
    );
}

/// SECURITY 49: valid keys are not enough; production also needs https.
#[test]
fn production_refuses_to_start_without_an_https_public_url() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/p.db?mode=rwc", dir.path().display());
    for public_url in [None, Some("http://pulse.example.com")] {
        let mut cmd = pulseboard();
        cmd.args(["serve"])
            .env("DATABASE_URL", &url)
            .env("PULSEBOARD_ENV", "production")
            .env("PULSEBOARD_SITE_ADDR", "127.0.0.1:0")
            .env("PULSEBOARD_TOKEN_KEYS", test_keys())
            .env_remove("PULSEBOARD_PUBLIC_URL");
        if let Some(public_url) = public_url {
            cmd.env("PULSEBOARD_PUBLIC_URL", public_url);
        }
        let out = cmd.output().unwrap();
        assert!(!out.status.success(), "{public_url:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("PULSEBOARD_PUBLIC_URL"),
            "{public_url:?}: {err}"
        );
    }
}

#[test]
fn development_generates_a_private_key_file_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("keys");
    let settings = test_settings("sqlite::memory:", &[]);
    let settings = server::config::Settings {
        token_keys: None,
        token_keys_file: file.display().to_string(),
        ..settings
    };
    let first = server::keys::load(&settings).unwrap();
    let second = server::keys::load(&settings).unwrap();
    assert_eq!(
        first.primary_id(),
        second.primary_id(),
        "reused, not regenerated"
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_reencrypts_everything_then_the_old_key_can_go() {
    let fresh = FreshDb::create(Backend::Sqlite).await.unwrap();
    let old = Keyring::generate_entry("old");
    let new = Keyring::generate_entry("new");
    let settings = test_settings(&fresh.url, &[]);
    let app = Application::build(
        settings,
        Roles {
            web: false,
            worker: false,
        },
    )
    .await
    .unwrap();
    let db = app.db().clone();
    crate::jobs::seed(&db).await;

    // Five transactions sealed with the old key.
    let old_ring = Keyring::parse(&old).unwrap();
    let rows = oauth_transactions::Entity::find().all(&db).await.unwrap();
    let template = rows[0].clone();
    for i in 0..5 {
        let state = format!("state-{i}");
        let place = Place {
            table: "oauth_transactions",
            column: "verifier",
            row_id: &state,
            business_id: template.business_id,
        };
        oauth_transactions::ActiveModel {
            state_hash: Set(state.clone()),
            platform: Set("x".into()),
            verifier_ct: Set(old_ring.encrypt(&format!("verifier-{i}"), place)),
            user_id: Set(template.user_id),
            session_id: Set("s".into()),
            business_id: Set(template.business_id),
            return_to: Set("/".into()),
            created_at: Set(Utc::now()),
            expires_at: Set(Utc::now() + chrono::Duration::minutes(10)),
        }
        .insert(&db)
        .await
        .unwrap();
    }
    // The seeded rows hold test bytes, not ciphertext: keep only ours.
    for r in rows {
        oauth_transactions::Entity::delete_by_id(r.state_hash)
            .exec(&db)
            .await
            .unwrap();
    }

    let both = format!("{},{}", new.expose_secret(), old.expose_secret());
    let out = pulseboard()
        .args(["keys", "rotate", "--batch-size", "2"])
        .env("DATABASE_URL", &fresh.url)
        .env("PULSEBOARD_TOKEN_KEYS", &both)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("2 checked, 2 re-encrypted"),
        "reports progress per batch: {stdout}"
    );
    assert!(
        stdout.contains("done: 5 ciphertext(s) now use key new"),
        "{stdout}"
    );

    // Resumable and idempotent: a second run has nothing to do.
    let again = pulseboard()
        .args(["keys", "rotate"])
        .env("DATABASE_URL", &fresh.url)
        .env("PULSEBOARD_TOKEN_KEYS", &both)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).contains("done: 0 ciphertext(s)"));

    // The old key is gone from the ring; everything still opens.
    let new_only = Keyring::parse(&SecretString::from(new.expose_secret().to_owned())).unwrap();
    for row in oauth_transactions::Entity::find().all(&db).await.unwrap() {
        let place = Place {
            table: "oauth_transactions",
            column: "verifier",
            row_id: &row.state_hash,
            business_id: row.business_id,
        };
        let i = row.state_hash.trim_start_matches("state-");
        assert_eq!(
            new_only
                .decrypt(&row.verifier_ct, place)
                .unwrap()
                .expose_secret(),
            format!("verifier-{i}")
        );
    }

    let generated = pulseboard().args(["keys", "generate"]).output().unwrap();
    let entry = String::from_utf8_lossy(&generated.stdout).trim().to_owned();
    assert!(Keyring::parse(&SecretString::from(entry)).is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_covers_connection_tokens() {
    let fresh = FreshDb::create(Backend::Sqlite).await.unwrap();
    let old = Keyring::generate_entry("old");
    let new = Keyring::generate_entry("new");
    let settings = server::config::Settings {
        token_keys: Some(SecretString::from(old.expose_secret().to_owned())),
        ..test_settings(&fresh.url, &[])
    };
    let app = spawn_app_with_settings(&fresh, settings).await;
    let client = new_client();
    app.signup_as(&client, "rot@example.com").await;
    let business = app.create_business_as(&client, "Rotating").await;
    crate::oauth::connect_x(&app, &client, &business).await;
    let db = app.db.clone();
    app.stop().await;

    let both = format!("{},{}", new.expose_secret(), old.expose_secret());
    let out = pulseboard()
        .args(["keys", "rotate"])
        .env("DATABASE_URL", &fresh.url)
        .env("PULSEBOARD_TOKEN_KEYS", &both)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("connections: 1 checked, 2 re-encrypted"),
        "access and refresh token"
    );

    use backend::entities::connections;
    let c = connections::Entity::find().one(&db).await.unwrap().unwrap();
    assert_eq!(
        backend::vault::key_id_of(&c.access_token_ct).unwrap(),
        "new"
    );
    let id = c.id.to_string();
    let place = |column| Place {
        table: "connections",
        column,
        row_id: &id,
        business_id: c.business_id,
    };
    let new_only = Keyring::parse(&SecretString::from(new.expose_secret().to_owned())).unwrap();
    assert!(
        new_only
            .decrypt(&c.access_token_ct, place("access_token"))
            .is_ok()
    );
    assert!(
        new_only
            .decrypt(c.refresh_token_ct.as_ref().unwrap(), place("refresh_token"))
            .is_ok()
    );
    let old_only = Keyring::parse(&old).unwrap();
    assert!(
        old_only
            .decrypt(&c.access_token_ct, place("access_token"))
            .is_err(),
        "the old key is no longer needed"
    );
}
