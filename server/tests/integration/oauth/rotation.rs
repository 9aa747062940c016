//! Key rotation end to end (SECURITY.md E26, I52): every ciphertext the three
//! platforms leave behind moves to the new key, and with the old key gone
//! every connection still refreshes, opens and disconnects.

use std::process::Command;

use backend::connections::access_token;
use backend::vault::{Keyring, key_id_of};
use secrecy::{ExposeSecret, SecretString};
use server::config::Settings;

use super::linkedin::connect_linkedin;
use super::meta::meta_consent;
use super::*;
use crate::dump::{binary_columns, sealed_key_ids};
use crate::on_both_databases;

on_both_databases!(
    rotation_covers_every_ciphertext_and_the_old_key_can_go,
    every_binary_column_is_a_known_ciphertext_column,
);

fn rotate(url: &str, keys: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_pulseboard"))
        .args(["keys", "rotate", "--batch-size", "2"])
        .env("PULSEBOARD_CONFIG", "/nonexistent/Leptos.toml")
        .env("DATABASE_URL", url)
        .env("PULSEBOARD_TOKEN_KEYS", keys)
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Settings for a Pulseboard that reaches the platforms `sandbox` plays (a
/// running app's sandbox keeps its issued tokens across our restart).
fn against(sandbox: &TestApp, url: &str, keys: &SecretString) -> Settings {
    let mut s = Settings {
        token_keys: Some(keys.clone()),
        sandbox: Some(false),
        ..test_settings(url, &[])
    };
    for (slug, p) in [
        ("x", &mut s.x),
        ("linkedin", &mut s.linkedin),
        ("meta", &mut s.meta),
    ] {
        let e = server::sandbox::endpoints(slug, &sandbox.base, &sandbox.base).unwrap();
        p.client_id = Some(e.client_id);
        p.client_secret = Some(e.client_secret);
        p.auth_url = e.auth_url;
        p.token_url = e.token_url;
        p.api_url = e.api_url;
    }
    s
}

async fn age_refreshes(db: &sea_orm::DatabaseConnection) {
    connections::Entity::update_many()
        .col_expr(
            connections::Column::LastRefreshedAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::hours(1)),
        )
        .exec(db)
        .await
        .unwrap();
}

async fn post_json(client: &reqwest::Client, url: String) -> (u16, serde_json::Value) {
    let res = client.post(url).send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

async fn rotation_covers_every_ciphertext_and_the_old_key_can_go(b: Backend) {
    let Some(fresh) = FreshDb::create(b).await else {
        return;
    };
    let old = Keyring::generate_entry("old");
    let new = Keyring::generate_entry("new");
    let both = SecretString::from(format!("{},{}", new.expose_secret(), old.expose_secret()));

    // Pulseboard on the old key; its sandbox plays the platforms throughout.
    let first = Settings {
        token_keys: Some(old.clone()),
        ..test_settings(&fresh.url, &[])
    };
    let platforms = spawn_app_with_settings(&fresh, first).await;
    let (client, business) = owner_with_business(&platforms, "owner@example.com").await;
    connect_x(&platforms, &client, &business).await;
    connect_linkedin(&platforms, &client, &business, None).await;
    let callback = meta_consent(&platforms, &client, &business, "approve").await;
    let (_, to, _) = finish(&client, &callback).await;
    let pending = to.rsplit('/').next().unwrap().to_owned();
    let chosen = platforms
        .call_as(
            &client,
            "connections/meta-choose",
            &[("pending_id", pending.as_str()), ("page_id", "sbx-page-1")],
        )
        .await;
    assert_eq!(chosen.status, 200, "{:?}", chosen.body);
    // Left waiting: a second Page choice, and an X connect never finished.
    let callback = meta_consent(&platforms, &client, &business, "approve").await;
    let (_, to, _) = finish(&client, &callback).await;
    let waiting = to.rsplit('/').next().unwrap().to_owned();
    start(&platforms, &client, &business).await;
    assert_eq!(count(&platforms.db, "pending_connections").await, 1);
    assert_eq!(count(&platforms.db, "oauth_transactions").await, 1);
    let rows = connections_of(&platforms).await;
    assert_eq!(
        rows.len(),
        4,
        "X, LinkedIn, the Page, its Instagram account"
    );
    assert!(rows.iter().any(|c| c.grant_token_ct.is_some()));

    // A refresh answer without a refresh token, under the new keyring: the
    // kept refresh token is resealed with the new key, not copied.
    let during = spawn_app_with_settings(&fresh, against(&platforms, &fresh.url, &both)).await;
    set_fault(&platforms, "linkedin", Some("no_refresh_token")).await;
    age_refreshes(&during.db).await;
    let (status, body) = post_json(
        &client,
        during.url(&format!(
            "/api/v1/oauth/linkedin/refresh?business_id={business}"
        )),
    )
    .await;
    assert_eq!(
        (status, body["results"][0]["outcome"].as_str()),
        (200, Some("refreshed")),
        "{body}"
    );
    set_fault(&platforms, "linkedin", None).await;
    let li = connections_of(&during)
        .await
        .into_iter()
        .find(|c| c.platform == "linkedin")
        .unwrap();
    assert_eq!(
        key_id_of(li.refresh_token_ct.as_ref().unwrap()).unwrap(),
        "new"
    );
    during.stop().await;

    let before = sealed_key_ids(&platforms.db).await;
    assert!(
        before.iter().any(|(.., k)| k == "old"),
        "something to rotate: {before:?}"
    );
    let report = rotate(&fresh.url, both.expose_secret());
    assert!(report.contains("done: "), "{report}");
    let after = sealed_key_ids(&platforms.db).await;
    // 4 access tokens, 2 refresh tokens (X, LinkedIn), 1 grant token, the
    // waiting verifier and the waiting Page choice.
    assert_eq!(after.len(), 9, "{after:?}");
    assert!(
        after.iter().all(|(.., k)| k == "new"),
        "only the new key remains: {after:?}"
    );
    assert!(
        rotate(&fresh.url, both.expose_secret()).contains("done: 0 ciphertext(s)"),
        "a second run has nothing left to do"
    );

    // Restart with the new key alone.
    let app = spawn_app_with_settings(&fresh, against(&platforms, &fresh.url, &new)).await;
    let ring = Keyring::parse(&new).unwrap();
    for c in connections_of(&app).await {
        assert!(access_token(&ring, &c).is_ok(), "{} opens", c.platform);
    }
    age_refreshes(&app.db).await;
    for platform in ["x", "linkedin"] {
        let (status, body) = post_json(
            &client,
            app.url(&format!(
                "/api/v1/oauth/{platform}/refresh?business_id={business}"
            )),
        )
        .await;
        assert_eq!(
            (status, body["results"][0]["outcome"].as_str()),
            (200, Some("refreshed")),
            "{platform}: {body}"
        );
    }
    // A connection without a refresh token is checked instead (LinkedIn's
    // introspection), with the access token the new key opens.
    connections::Entity::update_many()
        .col_expr(
            connections::Column::RefreshTokenCt,
            Expr::value(Option::<Vec<u8>>::None),
        )
        .filter(connections::Column::Platform.eq("linkedin"))
        .exec(&app.db)
        .await
        .unwrap();
    let (status, body) = post_json(
        &client,
        app.url(&format!(
            "/api/v1/oauth/linkedin/refresh?business_id={business}"
        )),
    )
    .await;
    assert_eq!(
        (status, body["results"][0]["outcome"].as_str()),
        (200, Some("checked")),
        "{body}"
    );
    // The waiting Page choice still opens.
    let choices = app
        .call_as(
            &client,
            "connections/meta-pages",
            &[("pending_id", waiting.as_str())],
        )
        .await;
    assert_eq!(choices.status, 200, "{:?}", choices.body);
    let revoked_before = sandbox_stats(&platforms, "x").await["revocations"].as_u64();
    for (platform, revocable) in [("x", true), ("linkedin", false), ("meta", true)] {
        let res = client
            .delete(app.url(&format!(
                "/api/v1/oauth/{platform}/disconnect?business_id={business}"
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{platform}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["revoked_at_platform"], revocable, "{platform}: {body}");
    }
    assert_eq!(
        sandbox_stats(&platforms, "x").await["revocations"].as_u64(),
        revoked_before.map(|n| n + 1),
        "X's revocation reached the platform"
    );
    assert_eq!(sandbox_stats(&platforms, "meta").await["revocations"], 1);
    assert!(connections_of(&app).await.is_empty());
    app.stop().await;
    platforms.stop().await;
}

/// Rotation must cover every ciphertext column: a binary column the vault
/// list does not name (a new table's token, say) fails here first.
async fn every_binary_column_is_a_known_ciphertext_column(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let mut found: Vec<(String, String)> = binary_columns(&app.db)
        .await
        .into_iter()
        // The job queue's own tables hold job payloads (ids only, never tokens).
        // and sqlx's migration ledger holds checksums.
        .filter(|(t, _)| {
            let t = t.to_ascii_lowercase();
            !t.contains("job") && !t.contains("worker") && !t.starts_with("_sqlx")
        })
        .collect();
    found.sort();
    let mut known: Vec<(String, String)> = server::keys::SEALED_COLUMNS
        .iter()
        .map(|(t, c)| (t.to_string(), c.to_string()))
        .collect();
    known.sort();
    assert_eq!(found, known);
    app.stop().await;
}
