//! SECURITY.md D18/D21 and issue item "refresh never reports success it did
//! not have": a caller that waited reports what its holder got, and a
//! refresh whose tokens could not be stored is not a success.

use super::*;
use crate::on_both_databases;

on_both_databases!(
    a_waiter_reports_the_holders_failure_not_joined,
    a_refresh_whose_result_cannot_be_stored_is_not_a_success,
    invalid_grant_after_a_lost_race_is_not_a_dead_grant,
);

/// SECURITY.md D21: a refresher whose lease lapsed while X was slow finds
/// that another caller already spent the refresh token and stored new ones;
/// X then answers `invalid_grant` to the late call. That is a lost race,
/// not a dead grant: the caller reports the other's tokens ("joined"), the
/// connection stays connected, and the stored tokens keep working.
async fn invalid_grant_after_a_lost_race_is_not_a_dead_grant(b: Backend) {
    use backend::vault::{Keyring, Place};
    use secrecy::ExposeSecret;
    let Some(fresh) = FreshDb::create(b).await else {
        return;
    };
    let keys = Keyring::generate_entry("k1");
    let settings = server::config::Settings {
        token_keys: Some(keys.clone()),
        ..test_settings(&fresh.url, &[])
    };
    let app = spawn_app_with_settings(&fresh, settings).await;
    let ring = Keyring::parse(&keys).unwrap();
    let (client, business, row) = connected_x(&app).await;

    set_fault(&app, "x", Some("slow")).await;
    let late = spawn_refresh(&app, &client, &business);
    let mut leased = None;
    for _ in 0..40 {
        let now = connections_of(&app).await.remove(0);
        if now.refresh_lease_until.is_some() {
            leased = Some(now);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let leased = leased.expect("the late refresher took its lease");
    // Meanwhile its lease lapses and another caller refreshes with the same
    // single-use refresh token, and stores what X gave it.
    set_fault(&app, "x", None).await;
    let id = row.id.to_string();
    let place = |column| Place {
        table: "connections",
        column,
        row_id: &id,
        business_id: row.business_id,
    };
    let refresh_token = ring
        .decrypt(
            row.refresh_token_ct.as_ref().unwrap(),
            place("refresh_token"),
        )
        .unwrap();
    let answer: serde_json::Value = reqwest::Client::new()
        .post(app.url("/sandbox/x/2/oauth2/token"))
        .basic_auth(
            server::sandbox::x::CLIENT_ID,
            Some(server::sandbox::x::CLIENT_SECRET),
        )
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose_secret()),
            ("client_id", server::sandbox::x::CLIENT_ID),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (access, refresh) = (
        answer["access_token"].as_str().unwrap(),
        answer["refresh_token"].as_str().unwrap(),
    );
    connections::Entity::update_many()
        .col_expr(
            connections::Column::AccessTokenCt,
            Expr::value(ring.encrypt(access, place("access_token"))),
        )
        .col_expr(
            connections::Column::RefreshTokenCt,
            Expr::value(Some(ring.encrypt(refresh, place("refresh_token")))),
        )
        .col_expr(
            connections::Column::Version,
            Expr::value(leased.version + 1),
        )
        .col_expr(
            connections::Column::LastRefreshedAt,
            Expr::value(Some(chrono::Utc::now())),
        )
        .col_expr(
            connections::Column::RefreshLeaseUntil,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .exec(&app.db)
        .await
        .unwrap();

    let (status, body) = late.await.unwrap();
    assert_eq!(
        (status, body["results"][0]["outcome"].as_str()),
        (200, Some("joined")),
        "the late call's invalid_grant is a lost race: {body}"
    );
    let after = connections_of(&app).await.remove(0);
    assert_eq!(after.status, "connected", "not a dead grant");
    let stored = ring
        .decrypt(
            after.refresh_token_ct.as_ref().unwrap(),
            place("refresh_token"),
        )
        .unwrap();
    assert_eq!(stored.expose_secret(), refresh, "the winner's tokens stay");
    let kinds: Vec<String> = audit_events::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert!(!kinds.iter().any(|k| k == "needs_reconnect"), "{kinds:?}");
    app.stop().await;
}

/// A forced X refresh running in the background; its (status, body).
fn spawn_refresh(
    app: &TestApp,
    client: &reqwest::Client,
    business: &str,
) -> tokio::task::JoinHandle<(u16, serde_json::Value)> {
    let (url, client) = (
        app.url(&format!("/api/v1/oauth/x/refresh?business_id={business}")),
        client.clone(),
    );
    tokio::spawn(async move {
        let res = client.post(url).send().await.unwrap();
        (res.status().as_u16(), res.json().await.unwrap())
    })
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
    let waiter = spawn_refresh(&app, &client, &business);
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
    let (status, _) = super::refresh::refresh_now(&app, &client, &business).await;
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
    let refresher = spawn_refresh(&app, &client, &business);
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
