//! SECURITY.md E28/H48: a copy of the database — SQLite's file and WAL
//! byte for byte, PostgreSQL's `pg_dump` — holds no token, code, state or
//! password, after connecting all three platforms.

use backend::connections::access_token;
use backend::vault::{Keyring, Place};
use secrecy::ExposeSecret;
use server::config::Settings;

use super::linkedin::connect_linkedin;
use super::meta::meta_consent;
use super::*;
use crate::dump::raw_dump;
use crate::on_both_databases;

on_both_databases!(a_copy_of_the_database_holds_no_secret);

async fn a_copy_of_the_database_holds_no_secret(b: Backend) {
    let Some(fresh) = FreshDb::create(b).await else {
        return;
    };
    let keys = Keyring::generate_entry("k1");
    let settings = Settings {
        token_keys: Some(keys.clone()),
        ..test_settings(&fresh.url, &[])
    };
    let app = spawn_app_with_settings(&fresh, settings).await;
    let client = new_client();
    app.signup_as(&client, "owner@example.com").await;
    let business = app.create_business_as(&client, "Northwind").await;
    connect_x(&app, &client, &business).await;
    connect_linkedin(&app, &client, &business, None).await;
    let callback = meta_consent(&app, &client, &business, "approve").await;
    let (_, to, _) = finish(&client, &callback).await;
    let pending = to.rsplit('/').next().unwrap().to_owned();
    let chosen = app
        .call_as(
            &client,
            "connections/meta-choose",
            &[("pending_id", pending.as_str()), ("page_id", "sbx-page-1")],
        )
        .await;
    assert_eq!(chosen.status, 200, "{:?}", chosen.body);
    // One Page choice left waiting, and one connect never finished.
    let callback = meta_consent(&app, &client, &business, "approve").await;
    finish(&client, &callback).await;
    let consent_url = start(&app, &client, &business).await;
    let state = query_of(&consent_url)["state"].clone();

    // Every secret the database is trusted with, read back through the vault.
    let ring = Keyring::parse(&keys).unwrap();
    let mut secrets: Vec<String> = vec![PASSWORD.to_owned(), state];
    let rows = connections_of(&app).await;
    assert_eq!(
        rows.len(),
        4,
        "X, LinkedIn, the Page and its Instagram account"
    );
    for c in &rows {
        secrets.push(access_token(&ring, c).unwrap().expose_secret().to_owned());
        let id = c.id.to_string();
        for (column, ct) in [
            ("refresh_token", &c.refresh_token_ct),
            ("grant_token", &c.grant_token_ct),
        ] {
            if let Some(ct) = ct {
                let place = Place {
                    table: "connections",
                    column,
                    row_id: &id,
                    business_id: c.business_id,
                };
                secrets.push(ring.decrypt(ct, place).unwrap().expose_secret().to_owned());
            }
        }
    }
    assert!(
        secrets.len() >= 2 + 4 + 3,
        "access, refresh and grant tokens"
    );
    let dump = raw_dump(app.db_url());
    assert!(dump.len() > 4096, "a real copy, not an empty string");
    assert!(
        dump.contains("Northwind"),
        "the dump is readable: plain columns are found"
    );
    for secret in &secrets {
        assert!(
            !dump.contains(secret.as_str()),
            "a secret is in the database copy: {}…",
            &secret[..secret.len().min(8)]
        );
    }
    // Whatever the sandbox minted, by its prefixes: tokens of all three
    // platforms, their authorization codes, Meta's short-lived token.
    for prefix in [
        "x-at-",
        "x-rt-",
        "x-code-",
        "li-at-",
        "li-rt-",
        "li-code-",
        "meta-st-",
        "meta-lt-",
        "meta-pt",
        "meta-code-",
    ] {
        assert!(!dump.contains(prefix), "{prefix}… is in the database copy");
    }
    // Positive control: a value planted in a binary column is found, so the
    // checks above would have seen a token stored there.
    oauth_transactions::Entity::update_many()
        .col_expr(
            oauth_transactions::Column::VerifierCt,
            Expr::value(b"CANARY-IN-A-BLOB".to_vec()),
        )
        .exec(&app.db)
        .await
        .unwrap();
    assert!(raw_dump(app.db_url()).contains("CANARY-IN-A-BLOB"));
    app.stop().await;
}
