//! Callbacks that must be refused, declined consent, failing token
//! endpoints, and who may start a connect at all.

use super::*;
use crate::on_both_databases;

on_both_databases!(
    refused_callbacks_never_call_the_token_endpoint,
    denied_consent_is_recorded_without_a_token_call,
    token_endpoint_failures_are_classified,
);

async fn refused_callbacks_never_call_the_token_endpoint(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let (alice, business) = owner_with_business(&app, "alice@example.com").await;
    let bob = new_client();
    app.signup_as(&bob, "bob@example.com").await;
    let cb = |q: &str| app.url(&format!("/api/v1/oauth/x/callback?{q}"));

    // Missing, duplicated and unknown state.
    for q in [
        "code=abc",
        "code=abc&state=",
        "code=abc&state=s1&state=s2",
        "code=abc&state=never-issued",
    ] {
        let (status, _, referrer) = finish(&alice, &cb(q)).await;
        assert_eq!(status, 400, "{q}");
        assert_eq!(referrer, "no-referrer");
    }

    // A real state, redeemed from another session: refused, and burnt.
    let callback = consent(
        &app,
        &alice,
        &start(&app, &alice, &business).await,
        "approve",
    )
    .await;
    assert_eq!(finish(&bob, &callback).await.0, 400, "foreign session");
    assert_eq!(
        finish(&new_client(), &callback).await.0,
        400,
        "no session at all"
    );
    assert_eq!(
        finish(&alice, &callback).await.0,
        400,
        "a refused state cannot be retried"
    );

    // Expired.
    let callback = consent(
        &app,
        &alice,
        &start(&app, &alice, &business).await,
        "approve",
    )
    .await;
    oauth_transactions::Entity::update_many()
        .col_expr(
            oauth_transactions::Column::ExpiresAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::minutes(1)),
        )
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(finish(&alice, &callback).await.0, 400, "expired");

    // Mix-up: a state issued for X arriving on LinkedIn's callback.
    let callback = consent(
        &app,
        &alice,
        &start(&app, &alice, &business).await,
        "approve",
    )
    .await;
    let mixed = callback.replace("/oauth/x/callback", "/oauth/linkedin/callback");
    assert_eq!(finish(&alice, &mixed).await.0, 400, "platform mismatch");

    // An issuer that is not X's.
    let callback = consent(
        &app,
        &alice,
        &start(&app, &alice, &business).await,
        "approve",
    )
    .await;
    assert_eq!(
        finish(&alice, &format!("{callback}&iss=https://evil.example"))
            .await
            .0,
        400,
        "iss mismatch"
    );

    assert_eq!(
        token_calls(&app).await,
        0,
        "no refused callback reached the token endpoint"
    );

    // Replay: the first redemption works, the reload does not redeem again.
    let callback = consent(
        &app,
        &alice,
        &start(&app, &alice, &business).await,
        "approve",
    )
    .await;
    assert_eq!(finish(&alice, &callback).await.0, 303);
    assert_eq!(finish(&alice, &callback).await.0, 400, "replayed");
    assert_eq!(token_calls(&app).await, 1);
    assert!(connections_of(&app).await.len() == 1);

    // Tenancy: Bob cannot start a connect for Alice's business, or read its status.
    let res = bob
        .get(app.url(&format!("/api/v1/oauth/x/authorize?business_id={business}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = bob
        .get(app.url(&format!("/api/v1/oauth/status?business_id={business}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = bob
        .delete(app.url(&format!(
            "/api/v1/oauth/x/disconnect?business_id={business}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let r = app
        .call_as(
            &bob,
            "connections/list",
            &[("business_id", business.as_str())],
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(connections_of(&app).await.len(), 1, "Bob changed nothing");
    app.stop().await;
}

async fn denied_consent_is_recorded_without_a_token_call(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let (client, business) = owner_with_business(&app, "owner@example.com").await;
    let callback = consent(
        &app,
        &client,
        &start(&app, &client, &business).await,
        "deny",
    )
    .await;
    assert!(query_of(&callback).contains_key("error"));
    let (status, to, _) = finish(&client, &callback).await;
    assert_eq!(
        (status, to.as_str()),
        (
            303,
            format!("/businesses/{business}?oauth=denied&platform=x").as_str()
        )
    );
    assert_eq!(token_calls(&app).await, 0);
    assert_eq!(count(&app.db, "oauth_transactions").await, 0, "consumed");
    assert!(connections_of(&app).await.is_empty());
    let events = audit_events::Entity::find()
        .filter(audit_events::Column::Kind.eq("connect_failed"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].detail, "x: access_denied");

    // Error text from the platform is never reflected unescaped.
    let callback = consent(
        &app,
        &client,
        &start(&app, &client, &business).await,
        "approve",
    )
    .await;
    let state = query_of(&callback)["state"].clone();
    let hostile = app.url(&format!(
        "/api/v1/oauth/x/callback?error=%3Cscript%3Ealert(1)%3C/script%3E&state={state}"
    ));
    let (status, to, _) = finish(&client, &hostile).await;
    assert_eq!(status, 303);
    assert!(to.ends_with("oauth=failed&platform=x"));
    let detail = audit_events::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.detail)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(!detail.contains('<'));
    app.stop().await;
}

async fn token_endpoint_failures_are_classified(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let (client, business) = owner_with_business(&app, "owner@example.com").await;
    for (fault, class) in [
        ("rate_limit", "rate_limited"),
        ("server_error", "transient"),
        ("invalid_grant", "invalid_grant"),
    ] {
        set_fault(&app, "x", Some(fault)).await;
        let callback = consent(
            &app,
            &client,
            &start(&app, &client, &business).await,
            "approve",
        )
        .await;
        let (status, to, _) = finish(&client, &callback).await;
        assert_eq!(status, 303);
        assert!(to.ends_with("oauth=failed&platform=x"), "{fault}: {to}");
        let last = audit_events::Entity::find()
            .filter(audit_events::Column::Kind.eq("connect_failed"))
            .all(&app.db)
            .await
            .unwrap();
        assert!(
            last.iter().any(|e| e.detail == format!("x: {class}")),
            "{fault} → {class}: {last:?}"
        );
    }
    set_fault(&app, "x", None).await;
    assert!(
        connections_of(&app).await.is_empty(),
        "no half-saved connection"
    );
    app.stop().await;
}

#[tokio::test]
async fn connecting_needs_a_signed_in_member_and_is_rate_limited() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let (client, business) = owner_with_business(&app, "owner@example.com").await;
    // Signed out: to the login page, no transaction.
    let anon = new_client()
        .get(app.url(&format!("/api/v1/oauth/x/authorize?business_id={business}")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (anon.status().as_u16(), location(&anon)),
        (303, "/login".to_owned())
    );
    assert_eq!(count(&app.db, "oauth_transactions").await, 0);

    let authorize = app.url(&format!("/api/v1/oauth/x/authorize?business_id={business}"));
    for _ in 0..20 {
        assert_eq!(client.get(&authorize).send().await.unwrap().status(), 303);
    }
    let limited = client.get(&authorize).send().await.unwrap();
    assert_eq!(limited.status(), 429);
    assert_eq!(
        count(&app.db, "oauth_transactions").await,
        20,
        "the refused attempt stored nothing"
    );
    app.stop().await;
}
