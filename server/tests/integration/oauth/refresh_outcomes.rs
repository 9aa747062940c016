//! SECURITY.md D18/D21 and issue item "refresh never reports success it did
//! not have": a caller that waited reports what its holder got, and a
//! refresh whose tokens could not be stored is not a success.

use super::*;
use crate::on_both_databases;

on_both_databases!(
    a_waiter_reports_the_holders_failure_not_joined,
    a_refresh_whose_result_cannot_be_stored_is_not_a_success,
);

async fn refresh_x(
    app: &TestApp,
    client: &reqwest::Client,
    business: &str,
) -> (u16, serde_json::Value) {
    let res = client
        .post(app.url(&format!("/api/v1/oauth/x/refresh?business_id={business}")))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

async fn connected_x(app: &TestApp) -> (reqwest::Client, String, connections::Model) {
    let (client, business) = owner_with_business(app, "owner@example.com").await;
    connect_x(app, &client, &business).await;
    connections::Entity::update_many()
        .col_expr(
            connections::Column::LastRefreshedAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::hours(1)),
        )
        .exec(&app.db)
        .await
        .unwrap();
    let row = connections_of(app).await.remove(0);
    (client, business, row)
}

async fn a_waiter_reports_the_holders_failure_not_joined(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let (client, business, row) = connected_x(&app).await;
    // Another process holds the lease (it took it by bumping the version).
    connections::Entity::update_many()
        .col_expr(
            connections::Column::RefreshLeaseUntil,
            Expr::value(Some(chrono::Utc::now() + chrono::Duration::seconds(30))),
        )
        .col_expr(connections::Column::Version, Expr::value(row.version + 1))
        .exec(&app.db)
        .await
        .unwrap();
    let waiter = tokio::spawn({
        let (app_url, client, business) = (app.base.clone(), client.clone(), business.clone());
        async move {
            let res = client
                .post(format!(
                    "{app_url}/api/v1/oauth/x/refresh?business_id={business}"
                ))
                .send()
                .await
                .unwrap();
            (
                res.status().as_u16(),
                res.json::<serde_json::Value>().await.unwrap(),
            )
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    // The holder's platform call failed transiently; it records so and lets go.
    connections::Entity::update_many()
        .col_expr(
            connections::Column::RefreshLeaseUntil,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .col_expr(connections::Column::Version, Expr::value(row.version + 2))
        .col_expr(
            connections::Column::LastErrorClass,
            Expr::value(Some("transient")),
        )
        .col_expr(
            connections::Column::LastErrorAt,
            Expr::value(Some(chrono::Utc::now())),
        )
        .exec(&app.db)
        .await
        .unwrap();
    let calls = token_calls(&app).await;
    let (status, body) = waiter.await.unwrap();
    assert_eq!(
        (status, body["error"].as_str()),
        (502, Some("transient")),
        "the holder's failure, not 'joined': {body}"
    );
    assert_eq!(
        token_calls(&app).await,
        calls,
        "the waiter made no call of its own"
    );
    app.stop().await;
}

async fn a_refresh_whose_result_cannot_be_stored_is_not_a_success(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let (client, business, row) = connected_x(&app).await;
    let (status, _) = refresh_x(&app, &client, &business).await;
    assert_eq!(status, 200, "a refresh that can be stored succeeds");
    let row = connections::Entity::find_by_id(row.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    connections::Entity::update_many()
        .col_expr(
            connections::Column::LastRefreshedAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::hours(1)),
        )
        .exec(&app.db)
        .await
        .unwrap();
    // X answers after 3 seconds; meanwhile the row moves on under the
    // refresher (as when its lease lapsed and another caller took over).
    set_fault(&app, "x", Some("slow")).await;
    let refresher = tokio::spawn({
        let (app_url, client, business) = (app.base.clone(), client.clone(), business.clone());
        async move {
            let res = client
                .post(format!(
                    "{app_url}/api/v1/oauth/x/refresh?business_id={business}"
                ))
                .send()
                .await
                .unwrap();
            (
                res.status().as_u16(),
                res.json::<serde_json::Value>().await.unwrap(),
            )
        }
    });
    let mut leased = false;
    for _ in 0..40 {
        if connections_of(&app).await[0].refresh_lease_until.is_some() {
            leased = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(leased, "the refresh took its lease");
    connections::Entity::update_many()
        .col_expr(connections::Column::Version, Expr::value(row.version + 10))
        .exec(&app.db)
        .await
        .unwrap();
    let (status, body) = refresher.await.unwrap();
    assert_ne!(
        status, 200,
        "tokens that were not stored are not a success: {body}"
    );
    assert_eq!(body["error"].as_str(), Some("transient"), "{body}");
    let after = connections_of(&app).await.remove(0);
    assert_eq!(
        after.access_token_ct, row.access_token_ct,
        "nothing was written"
    );
    set_fault(&app, "x", None).await;
    app.stop().await;
}
