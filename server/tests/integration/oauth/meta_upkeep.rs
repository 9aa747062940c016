//! Meta's grant after it is connected: warnings before data access ends,
//! and a grant token that no longer decrypts.

use super::meta::meta_consent;
use super::*;
use crate::on_both_databases;

on_both_databases!(
    meta_warns_at_14_and_3_days_then_needs_a_reconnect,
    an_unreadable_grant_token_is_never_a_quiet_success,
);

async fn meta_warns_at_14_and_3_days_then_needs_a_reconnect(b: Backend) {
    use backend::oauth::expiry::{Upkeep, upkeep};
    let Some(app) = spawn_app_with_worker(b, &[("refresh_sweep_schedule", "* * * * * *")]).await
    else {
        return;
    };
    let (client, business) = owner_with_business(&app, "owner@example.com").await;
    set_fault(&app, "meta", Some("single_page")).await;
    let callback = meta_consent(&app, &client, &business, "approve").await;
    finish(&client, &callback).await;
    assert_eq!(connections_of(&app).await.len(), 2, "Page + Instagram");
    let data_access_ends = |at: chrono::DateTime<chrono::Utc>| {
        connections::Entity::update_many()
            .col_expr(
                connections::Column::DataAccessExpiresAt,
                Expr::value(Some(at)),
            )
            .exec(&app.db)
    };
    let warnings = |app: &TestApp| {
        let db = app.db.clone();
        async move {
            audit_events::Entity::find()
                .filter(audit_events::Column::Kind.eq("expiry_warning"))
                .all(&db)
                .await
                .unwrap()
                .len()
        }
    };
    let now = chrono::Utc::now() + chrono::Duration::hours(1);
    data_access_ends(now + chrono::Duration::days(20))
        .await
        .unwrap();
    assert_eq!(upkeep(&app.db, now).await.unwrap(), Upkeep::default());
    data_access_ends(now + chrono::Duration::days(10))
        .await
        .unwrap();
    let first = upkeep(&app.db, now).await.unwrap().warned;
    let again = upkeep(&app.db, now).await.unwrap().warned;
    // The worker's sweep may have raised some of them first: once each in total.
    assert_eq!((first <= 2, again), (true, 0));
    assert_eq!(
        warnings(&app).await,
        2,
        "14-day warning, once per connection"
    );
    data_access_ends(now + chrono::Duration::days(2))
        .await
        .unwrap();
    upkeep(&app.db, now).await.unwrap();
    assert_eq!(warnings(&app).await, 4, "then the 3-day warning");
    assert_eq!(connections_of(&app).await[0].status, "connected");

    // Data access lapsed: the worker's sweep marks both as needing a reconnect.
    data_access_ends(chrono::Utc::now() - chrono::Duration::minutes(1))
        .await
        .unwrap();
    let mut lapsed = Vec::new();
    for _ in 0..100 {
        lapsed = connections_of(&app).await;
        if lapsed.iter().all(|c| c.status == "needs_reconnect") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(
        lapsed.iter().all(|c| c.status == "needs_reconnect"
            && c.last_error_class.as_deref() == Some("data_access_expired")),
        "{lapsed:?}"
    );
    let html = client
        .get(app.url(&format!("/businesses/{business}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Needs reconnect"), "the dashboard says so");

    // Reconnecting starts over: connected, no warning remembered.
    let callback = meta_consent(&app, &client, &business, "approve").await;
    let (_, to, _) = finish(&client, &callback).await;
    assert!(to.ends_with("oauth=connected&platform=meta"), "{to}");
    assert!(
        connections_of(&app)
            .await
            .iter()
            .all(|c| c.status == "connected" && c.expiry_warned_days.is_none())
    );
    set_fault(&app, "meta", None).await;
    app.stop().await;
}

/// SECURITY.md E27 for the grant token: disconnect cannot revoke a grant it
/// cannot read, and says so instead of claiming it did.
async fn an_unreadable_grant_token_is_never_a_quiet_success(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let (client, business) = owner_with_business(&app, "owner@example.com").await;
    set_fault(&app, "meta", Some("single_page")).await;
    let callback = meta_consent(&app, &client, &business, "approve").await;
    finish(&client, &callback).await;
    let page = connections_of(&app)
        .await
        .into_iter()
        .find(|c| c.platform == "facebook")
        .unwrap();
    let mut tampered = page.grant_token_ct.clone().unwrap();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x01;
    connections::Entity::update_many()
        .col_expr(
            connections::Column::GrantTokenCt,
            Expr::value(Some(tampered)),
        )
        .filter(connections::Column::Id.eq(page.id))
        .exec(&app.db)
        .await
        .unwrap();
    let failures = backend::vault::decrypt_failures();
    let res = client
        .delete(app.url(&format!(
            "/api/v1/oauth/meta/disconnect?business_id={business}"
        )))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["disconnected"], 2, "{body}");
    assert_eq!(
        body["revoked_at_platform"], false,
        "not claimed: the grant could not be read"
    );
    assert_eq!(sandbox_stats(&app, "meta").await["revocations"], 0);
    assert!(backend::vault::decrypt_failures() > failures, "counted");
    app.stop().await;
}
