//! Refreshing tokens: single flight under concurrency, the sweep, failures.

use super::*;
use crate::on_both_databases;

on_both_databases!(concurrent_refreshes_make_one_token_call_and_keep_the_chain);

pub(super) async fn refresh_now(
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

async fn concurrent_refreshes_make_one_token_call_and_keep_the_chain(b: Backend) {
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
    let before = connections_of(&app).await.remove(0);
    // Pretend the last refresh was long ago.
    let age = || {
        connections::Entity::update_many()
            .col_expr(
                connections::Column::LastRefreshedAt,
                Expr::value(chrono::Utc::now() - chrono::Duration::hours(1)),
            )
            .exec(&app.db)
    };
    age().await.unwrap();
    assert_eq!(token_calls(&app).await, 1);

    let answers =
        futures::future::join_all((0..20).map(|_| refresh_now(&app, &client, &business))).await;
    let outcomes: Vec<&str> = answers
        .iter()
        .map(|(s, body)| {
            assert_eq!(*s, 200, "{body}");
            body["results"][0]["outcome"].as_str().unwrap()
        })
        .collect();
    assert_eq!(
        outcomes.iter().filter(|o| **o == "refreshed").count(),
        1,
        "{outcomes:?}"
    );
    assert_eq!(
        token_calls(&app).await,
        2,
        "20 concurrent refreshes, one token call"
    );
    let versions: std::collections::HashSet<i64> = answers
        .iter()
        .map(|(_, b)| b["results"][0]["version"].as_i64().unwrap())
        .collect();
    assert_eq!(
        versions.len(),
        1,
        "every caller ends with the same, new tokens: {versions:?}"
    );
    let after = connections_of(&app).await.remove(0);
    assert_ne!(after.access_token_ct, before.access_token_ct);
    assert_ne!(
        after.refresh_token_ct, before.refresh_token_ct,
        "X rotates refresh tokens"
    );
    assert!(after.refresh_lease_until.is_none());

    // The chain is intact: the stored (rotated) refresh token still works.
    age().await.unwrap();
    let (status, body) = refresh_now(&app, &client, &business).await;
    assert_eq!(
        (status, body["results"][0]["outcome"].as_str()),
        (200, Some("refreshed"))
    );
    assert_eq!(sandbox_stats(&app, "x").await["live_refresh_tokens"], 1);

    // A dead grant marks the connection for reconnecting, visibly.
    set_fault(&app, "x", Some("invalid_grant")).await;
    age().await.unwrap();
    let (status, body) = refresh_now(&app, &client, &business).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("invalid_grant"))
    );
    let dead = connections_of(&app).await.remove(0);
    assert_eq!(dead.status, "needs_reconnect");
    let kinds: Vec<String> = audit_events::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert!(
        kinds.contains(&"refresh_failed".to_owned())
            && kinds.contains(&"needs_reconnect".to_owned())
    );
    let list = app
        .call_as(
            &client,
            "connections/list",
            &[("business_id", business.as_str())],
        )
        .await;
    let text = list.body["cards"][1]["connections"][0]["status_text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(text.starts_with("Needs reconnect"), "{text}");

    // Reconnecting revives it; then transient trouble is not a dead grant.
    set_fault(&app, "x", None).await;
    let callback = consent(
        &app,
        &client,
        &start(&app, &client, &business).await,
        "approve",
    )
    .await;
    assert_eq!(finish(&client, &callback).await.0, 303);
    assert_eq!(connections_of(&app).await.remove(0).status, "connected");
    set_fault(&app, "x", Some("server_error")).await;
    age().await.unwrap();
    let (status, body) = refresh_now(&app, &client, &business).await;
    assert_eq!((status, body["error"].as_str()), (502, Some("transient")));
    let c = connections_of(&app).await.remove(0);
    assert_eq!(c.status, "connected", "a 5xx does not disconnect anyone");
    assert_eq!(c.last_error_class.as_deref(), Some("transient"));
    assert!(c.refresh_lease_until.is_none(), "the lease is released");
    set_fault(&app, "x", None).await;
    app.stop().await;
}

on_both_databases!(the_sweep_refreshes_x_only_near_expiry);

async fn the_sweep_refreshes_x_only_near_expiry(b: Backend) {
    let Some(app) = spawn_app_with_worker(b, &[("refresh_sweep_schedule", "* * * * * *")]).await
    else {
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

    // Two hours left: several sweeps pass, nothing is refreshed.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(
        token_calls(&app).await,
        1,
        "X is refreshed only near expiry"
    );

    // Five minutes left: inside the buffer, so the next sweep refreshes it, once.
    let before = connections_of(&app).await.remove(0);
    connections::Entity::update_many()
        .col_expr(
            connections::Column::AccessExpiresAt,
            Expr::value(Some(chrono::Utc::now() + chrono::Duration::minutes(5))),
        )
        .exec(&app.db)
        .await
        .unwrap();
    let mut refreshed = None;
    for _ in 0..100 {
        let c = connections_of(&app).await.remove(0);
        if c.access_token_ct != before.access_token_ct {
            refreshed = Some(c);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let c = refreshed.expect("the sweep refreshed the connection within 20 s");
    assert!(c.access_expires_at.unwrap() > chrono::Utc::now() + chrono::Duration::minutes(100));
    tokio::time::sleep(std::time::Duration::from_millis(2000)).await;
    assert_eq!(token_calls(&app).await, 2, "one refresh, not one per sweep");
    app.stop().await;
}

on_both_databases!(rate_limited_connections_return_to_the_sweep_after_their_window);

async fn rate_limited_connections_return_to_the_sweep_after_their_window(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let (client, business) = owner_with_business(&app, "owner@example.com").await;
    connect_x(&app, &client, &business).await;
    let now = chrono::Utc::now();
    let set = |until: chrono::DateTime<chrono::Utc>| {
        connections::Entity::update_many()
            .col_expr(connections::Column::Status, Expr::value("rate_limited"))
            .col_expr(
                connections::Column::RateLimitedUntil,
                Expr::value(Some(until)),
            )
            .col_expr(
                connections::Column::AccessExpiresAt,
                Expr::value(Some(now + chrono::Duration::minutes(5))),
            )
            .exec(&app.db)
    };
    set(now + chrono::Duration::minutes(10)).await.unwrap();
    assert!(
        server::jobs::refresh::due(&app.db, now)
            .await
            .unwrap()
            .is_empty(),
        "not while rate-limited"
    );
    set(now - chrono::Duration::seconds(1)).await.unwrap();
    assert_eq!(
        server::jobs::refresh::due(&app.db, now)
            .await
            .unwrap()
            .len(),
        1,
        "due again after the window"
    );
    app.stop().await;
}

on_both_databases!(a_rate_limited_refresh_job_comes_back_at_retry_after);

/// Pending RefreshConnection jobs for `id` that wait at least `secs` from now.
async fn refreshes_waiting(app: &TestApp, id: uuid::Uuid, secs: i64) -> i64 {
    use sea_orm::{FromQueryResult, Statement};
    #[derive(FromQueryResult)]
    struct N {
        n: i64,
    }
    let b = app.db.get_database_backend();
    let sql = match b {
        sea_orm::DbBackend::Postgres => format!(
            "SELECT count(*) AS n FROM apalis.jobs WHERE status = 'Pending' \
             AND convert_from(job, 'UTF8') LIKE '%{id}%' AND run_at > now() + interval '{secs} seconds'"
        ),
        _ => format!(
            "SELECT count(*) AS n FROM Jobs WHERE status = 'Pending' \
             AND CAST(job AS TEXT) LIKE '%{id}%' AND run_at > strftime('%s', 'now') + {secs}"
        ),
    };
    N::find_by_statement(Statement::from_string(b, sql))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .n
}

async fn a_rate_limited_refresh_job_comes_back_at_retry_after(b: Backend) {
    let Some(app) = spawn_app_with_worker(b, &[("refresh_sweep_schedule", "* * * * * *")]).await
    else {
        return;
    };
    let (client, business) = owner_with_business(&app, "owner@example.com").await;
    connect_x(&app, &client, &business).await;
    // X answers 429 with Retry-After: 30 once the sweep's job refreshes.
    set_fault(&app, "x", Some("rate_limit")).await;
    connections::Entity::update_many()
        .col_expr(
            connections::Column::AccessExpiresAt,
            Expr::value(Some(chrono::Utc::now() + chrono::Duration::minutes(5))),
        )
        .exec(&app.db)
        .await
        .unwrap();
    let id = connections_of(&app).await[0].id;
    let mut rescheduled = false;
    for _ in 0..100 {
        if refreshes_waiting(&app, id, 20).await == 1 {
            rescheduled = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(rescheduled, "one job waits out the Retry-After window");
    let c = connections_of(&app).await.remove(0);
    assert_eq!(c.status, "rate_limited");
    let until = c.rate_limited_until.unwrap() - chrono::Utc::now();
    assert!(until > chrono::Duration::seconds(15) && until <= chrono::Duration::seconds(31));
    // The sweep leaves it alone meanwhile: one token call, not one per tick.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(
        token_calls(&app).await,
        2,
        "connect + the one rate-limited refresh"
    );
    set_fault(&app, "x", None).await;
    app.stop().await;
}

on_both_databases!(a_ciphertext_that_fails_to_decrypt_is_an_error_never_a_fallback);

/// SECURITY.md E27: a tampered token is never a fallback and never quiet:
/// no token request with a guessed value, the failure is counted (and
/// logged at error level by the vault), and the connection says it needs a
/// reconnect instead of looking healthy.
async fn a_ciphertext_that_fails_to_decrypt_is_an_error_never_a_fallback(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let (client, business) = owner_with_business(&app, "owner@example.com").await;
    connect_x(&app, &client, &business).await;
    let mut tampered = connections_of(&app).await[0]
        .refresh_token_ct
        .clone()
        .unwrap();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x01;
    connections::Entity::update_many()
        .col_expr(
            connections::Column::RefreshTokenCt,
            Expr::value(Some(tampered)),
        )
        .col_expr(
            connections::Column::LastRefreshedAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::hours(1)),
        )
        .exec(&app.db)
        .await
        .unwrap();
    let calls = token_calls(&app).await;
    let failures = backend::vault::decrypt_failures();
    let (status, body) = refresh_now(&app, &client, &business).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("token_unreadable")),
        "{body}"
    );
    assert_eq!(
        token_calls(&app).await,
        calls,
        "no token request with a guessed value"
    );
    assert!(backend::vault::decrypt_failures() > failures, "counted");
    let c = connections_of(&app).await.remove(0);
    assert_eq!(c.status, "needs_reconnect", "never shown as healthy");
    assert_eq!(c.last_error_class.as_deref(), Some("token_unreadable"));
    assert!(c.refresh_lease_until.is_none(), "the lease was released");
    let list = app
        .call_as(
            &client,
            "connections/list",
            &[("business_id", business.as_str())],
        )
        .await;
    assert!(
        list.body.to_string().contains("Needs reconnect"),
        "the user is told: {:?}",
        list.body
    );
    app.stop().await;
}
