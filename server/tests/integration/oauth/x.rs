//! X through the sandbox: connect, reconnect and disconnect.

use super::*;
use crate::on_both_databases;

on_both_databases!(
    connecting_x_stores_only_ciphertext_and_reconnect_updates,
    disconnect_revokes_at_x_and_deletes,
);

async fn connecting_x_stores_only_ciphertext_and_reconnect_updates(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let (client, business) = owner_with_business(&app, "owner@example.com").await;

    let consent_url = start(&app, &client, &business).await;
    let callback = consent(&app, &client, &consent_url, "approve").await;
    assert!(callback.starts_with(&app.url("/api/v1/oauth/x/callback?code=")));
    let (status, to, referrer) = finish(&client, &callback).await;
    assert_eq!(status, 303);
    assert_eq!(
        to,
        format!("/businesses/{business}?oauth=connected&platform=x"),
        "a clean URL: no code or state"
    );
    assert_eq!(referrer, "no-referrer");
    assert_eq!(token_calls(&app).await, 1);
    assert_eq!(app.call_as(&client, "auth/me", &[]).await.status, 200);

    let rows = connections_of(&app).await;
    assert_eq!(rows.len(), 1);
    let c = &rows[0];
    assert_eq!(
        (
            c.platform.as_str(),
            c.display_name.as_str(),
            c.status.as_str()
        ),
        ("x", "@pulseboard_demo", "connected")
    );
    assert!(c.sandbox && c.refresh_token_ct.is_some());
    let expires = c.access_expires_at.unwrap() - chrono::Utc::now();
    assert!(
        expires > chrono::Duration::minutes(100) && expires < chrono::Duration::minutes(120),
        "2 h minus skew: {expires}"
    );
    assert_eq!(
        count(&app.db, "oauth_transactions").await,
        0,
        "the transaction was consumed"
    );

    // The status endpoint and server function see it, without tokens.
    let status: serde_json::Value = client
        .get(app.url(&format!("/api/v1/oauth/status?business_id={business}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["connections"][0]["display_name"], "@pulseboard_demo");
    assert!(!status.to_string().contains("x-at-") && !status.to_string().contains("x-rt-"));
    let overview = app
        .call_as(
            &client,
            "connections/list",
            &[("business_id", business.as_str())],
        )
        .await;
    assert_eq!(
        overview.body["cards"][1]["connections"][0]["status"],
        "Connected"
    );

    // A dump of every table holds no token value.
    let dump = dump_database(&app).await;
    assert!(
        !dump.contains("x-at-") && !dump.contains("x-rt-"),
        "plaintext token in the database"
    );

    // Reconnecting the same account updates the row in place.
    let callback = consent(
        &app,
        &client,
        &start(&app, &client, &business).await,
        "approve",
    )
    .await;
    assert_eq!(finish(&client, &callback).await.0, 303);
    let again = connections_of(&app).await;
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].id, c.id, "same connection, history kept");
    assert_eq!(again[0].created_at, c.created_at);
    assert_ne!(again[0].access_token_ct, c.access_token_ct);
    let kinds: Vec<String> = audit_events::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds.iter().filter(|k| *k == "connected").count(), 2);
    app.stop().await;
}

/// The whole database as someone with a copy of it would read it (see
/// `dump::raw_dump`).
async fn disconnect_revokes_at_x_and_deletes(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let (client, business) = owner_with_business(&app, "owner@example.com").await;
    let callback = consent(
        &app,
        &client,
        &start(&app, &client, &business).await,
        "approve",
    )
    .await;
    assert_eq!(finish(&client, &callback).await.0, 303);

    let res = client
        .delete(app.url(&format!(
            "/api/v1/oauth/x/disconnect?business_id={business}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["disconnected"], 1);
    assert_eq!(
        body["revoked_at_platform"], true,
        "the platform confirmed it"
    );
    assert_eq!(revocations(&app).await, 1, "revoked at X");
    assert!(
        connections_of(&app).await.is_empty(),
        "ciphertext deleted with the row"
    );
    let kinds: Vec<String> = audit_events::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert!(kinds.contains(&"disconnected".to_owned()));

    // The server function does the same for the UI.
    let callback = consent(
        &app,
        &client,
        &start(&app, &client, &business).await,
        "approve",
    )
    .await;
    assert_eq!(finish(&client, &callback).await.0, 303);
    let r = app
        .call_as(
            &client,
            "connections/disconnect",
            &[("business_id", business.as_str()), ("platform", "x")],
        )
        .await;
    assert_eq!(
        (r.status, r.body.clone()),
        (200, serde_json::json!(["@pulseboard_demo"]))
    );
    assert_eq!(revocations(&app).await, 2);

    // Deleting the business deletes its connections' ciphertext and history.
    connect_x(&app, &client, &business).await;
    let r = app
        .call_as(
            &client,
            "businesses/delete",
            &[("id", business.as_str()), ("confirm_name", "Acme")],
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(connections_of(&app).await.is_empty());
    assert_eq!(count(&app.db, "audit_events").await, 0);
    app.stop().await;
}
