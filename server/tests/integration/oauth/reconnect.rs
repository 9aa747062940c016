//! SECURITY.md B11 through the callback: reconnecting an account whose new
//! answer has no refresh token keeps the stored one, byte for byte, and it
//! still refreshes.

use super::linkedin::connect_linkedin;
use super::*;
use crate::on_both_databases;

on_both_databases!(a_reconnect_without_a_refresh_token_keeps_the_stored_one);

async fn a_reconnect_without_a_refresh_token_keeps_the_stored_one(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let (client, business) = owner_with_business(&app, "owner@example.com").await;
    connect_linkedin(&app, &client, &business, None).await;
    let first = connections_of(&app).await.remove(0);
    assert!(first.refresh_token_ct.is_some(), "the first answer had one");

    set_fault(&app, "linkedin", Some("no_refresh_token")).await;
    let to = connect_linkedin(&app, &client, &business, None).await;
    assert!(to.contains("oauth=connected"), "{to}");
    set_fault(&app, "linkedin", None).await;
    let again = connections_of(&app).await;
    assert_eq!(again.len(), 1, "the same connection, updated");
    let again = &again[0];
    assert_eq!(again.id, first.id);
    assert_ne!(
        again.access_token_ct, first.access_token_ct,
        "new access token"
    );
    assert_eq!(
        again.refresh_token_ct, first.refresh_token_ct,
        "the stored refresh token is kept byte for byte"
    );
    assert_eq!(again.refresh_expires_at, first.refresh_expires_at);

    // And it still works.
    connections::Entity::update_many()
        .col_expr(
            connections::Column::LastRefreshedAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::hours(1)),
        )
        .exec(&app.db)
        .await
        .unwrap();
    let res = client
        .post(app.url(&format!(
            "/api/v1/oauth/linkedin/refresh?business_id={business}"
        )))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["results"][0]["outcome"], "refreshed", "{body}");
    app.stop().await;
}
