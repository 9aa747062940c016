//! SECURITY.md A2 and A4 against the running app: the stored state is a
//! hash, a state older than 15 minutes is refused without a token call, and
//! the redirect URI never comes from the request's Host or X-Forwarded-*.

use sha2::Digest;

use super::*;
use crate::on_both_databases;

on_both_databases!(
    the_state_is_stored_hashed_and_dies_after_15_minutes,
    forged_host_headers_never_reach_the_redirect_uri,
);

async fn the_state_is_stored_hashed_and_dies_after_15_minutes(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let (client, business) = owner_with_business(&app, "owner@example.com").await;
    let consent_url = start(&app, &client, &business).await;
    let state = query_of(&consent_url)["state"].clone();
    let row = oauth_transactions::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(row.state_hash, state, "the state itself is not stored");
    let expected: String = sha2::Sha256::digest(state.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(row.state_hash, expected, "its SHA-256 is");
    assert!(row.expires_at - row.created_at <= chrono::Duration::minutes(15));

    // Issued 16 minutes ago (its expiry left as written): refused, no token call.
    let callback = consent(&app, &client, &consent_url, "approve").await;
    oauth_transactions::Entity::update_many()
        .col_expr(
            oauth_transactions::Column::CreatedAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::minutes(16)),
        )
        .exec(&app.db)
        .await
        .unwrap();
    let calls = token_calls(&app).await;
    assert_eq!(finish(&client, &callback).await.0, 400);
    assert_eq!(token_calls(&app).await, calls, "no token request");
    assert!(connections_of(&app).await.is_empty());

    // A fresh one still works.
    connect_x(&app, &client, &business).await;
    assert_eq!(connections_of(&app).await.len(), 1);
    app.stop().await;
}

async fn forged_host_headers_never_reach_the_redirect_uri(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let (client, business) = owner_with_business(&app, "owner@example.com").await;
    let own = app.url("/api/v1/oauth/x/callback");
    for (name, value) in [
        ("host", "evil.example"),
        ("x-forwarded-host", "evil.example"),
        ("x-forwarded-proto", "https"),
        ("forwarded", "host=evil.example;proto=https"),
    ] {
        let res = client
            .get(app.url(&format!("/api/v1/oauth/x/authorize?business_id={business}")))
            .header(name, value)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{name}");
        let q = query_of(&location(&res));
        assert_eq!(q["redirect_uri"], own, "{name}: {value}");
        assert!(!location(&res).contains("evil.example"), "{name}");
    }
    app.stop().await;
}
