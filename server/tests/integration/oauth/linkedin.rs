//! LinkedIn through the sandbox.

use super::*;
use crate::on_both_databases;

on_both_databases!(
    linkedin_connects_refreshes_without_restarting_its_clock_and_cannot_revoke,
    linkedin_without_a_refresh_token_is_checked_by_introspection,
    linkedin_is_swept_a_week_early_and_keeps_its_refresh_token_when_an_answer_has_none,
    linkedin_grants_missing_a_scope_are_refused,
);

/// Authorize → sandbox consent (granting `scope`, or what was asked) →
/// callback; returns where the callback sent the browser.
pub(super) async fn connect_linkedin(
    app: &TestApp,
    client: &reqwest::Client,
    business: &str,
    scope: Option<&str>,
) -> String {
    let consent_url = connect::authorize(app, client, Platform::LinkedIn, business).await;
    let callback = connect::decide(
        app,
        client,
        Platform::LinkedIn,
        &consent_url,
        "approve",
        scope,
    )
    .await;
    finish(client, &callback).await.1
}

async fn refresh_linkedin(
    app: &TestApp,
    client: &reqwest::Client,
    business: &str,
) -> (u16, serde_json::Value) {
    let res = client
        .post(app.url(&format!(
            "/api/v1/oauth/linkedin/refresh?business_id={business}"
        )))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

async fn linkedin_without_a_refresh_token_is_checked_by_introspection(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let (client, business) = owner_with_business(&app, "owner@example.com").await;
    // An app outside LinkedIn's partner program gets no refresh token.
    set_fault(&app, "linkedin", Some("no_refresh_token")).await;
    let to = connect_linkedin(&app, &client, &business, None).await;
    assert!(to.ends_with("oauth=connected&platform=linkedin"), "{to}");
    let c = connections_of(&app).await.remove(0);
    assert!(c.refresh_token_ct.is_none() && c.refresh_expires_at.is_none());
    let now = chrono::Utc::now();
    assert!(
        !backend::oauth::refresh::due(&c, now + chrono::Duration::days(58)),
        "nothing to refresh with, ever"
    );

    // "Refresh" asks LinkedIn whether the token still works: no token call.
    let calls = token_calls_of(&app, "linkedin").await;
    let (status, body) = refresh_linkedin(&app, &client, &business).await;
    assert_eq!(
        (status, body["results"][0]["outcome"].as_str()),
        (200, Some("checked")),
        "{body}"
    );
    assert_eq!(token_calls_of(&app, "linkedin").await, calls);
    assert_eq!(connections_of(&app).await[0].status, "connected");

    // The member revoked the app at LinkedIn: introspection says so.
    set_fault(&app, "linkedin", Some("revoked")).await;
    let (status, body) = refresh_linkedin(&app, &client, &business).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("invalid_grant"))
    );
    let c = connections_of(&app).await.remove(0);
    assert_eq!(c.status, "needs_reconnect");
    let actions = audit_actions(&app).await;
    assert!(
        actions
            .iter()
            .any(|(a, d)| a == "needs_reconnect" && d.contains(&c.id.to_string())),
        "{actions:?}"
    );
    set_fault(&app, "linkedin", None).await;
    app.stop().await;
}

async fn linkedin_is_swept_a_week_early_and_keeps_its_refresh_token_when_an_answer_has_none(
    b: Backend,
) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let (client, business) = owner_with_business(&app, "owner@example.com").await;
    let to = connect_linkedin(&app, &client, &business, None).await;
    assert!(to.ends_with("oauth=connected&platform=linkedin"), "{to}");
    let c = connections_of(&app).await.remove(0);
    let now = chrono::Utc::now();

    // Inside the 7-day buffer the sweep picks it up; not a day before, and
    // not once the refresh token's own clock has run out.
    let expire_in = |days: i64| {
        connections::Entity::update_many()
            .col_expr(
                connections::Column::AccessExpiresAt,
                Expr::value(Some(now + chrono::Duration::days(days))),
            )
            .exec(&app.db)
    };
    expire_in(8).await.unwrap();
    assert!(
        server::jobs::refresh::due(&app.db, now)
            .await
            .unwrap()
            .is_empty()
    );
    expire_in(6).await.unwrap();
    assert_eq!(
        server::jobs::refresh::due(&app.db, now).await.unwrap(),
        vec![c.id]
    );
    let mut dead = connections_of(&app).await.remove(0);
    dead.refresh_expires_at = Some(now - chrono::Duration::seconds(1));
    assert!(!backend::oauth::refresh::due(&dead, now));

    // SECURITY.md D20: a refresh answer without a refresh token keeps the stored one.
    let a_day_ago = || {
        connections::Entity::update_many()
            .col_expr(
                connections::Column::LastRefreshedAt,
                Expr::value(now - chrono::Duration::days(1)),
            )
            .exec(&app.db)
    };
    a_day_ago().await.unwrap();
    set_fault(&app, "linkedin", Some("no_refresh_token")).await;
    let (status, body) = refresh_linkedin(&app, &client, &business).await;
    assert_eq!(status, 200, "{body}");
    let after = connections_of(&app).await.remove(0);
    assert_ne!(after.access_token_ct, c.access_token_ct, "new access token");
    assert_eq!(
        after.refresh_token_ct, c.refresh_token_ct,
        "same refresh token"
    );
    assert_eq!(after.refresh_expires_at, c.refresh_expires_at);
    // …and the kept token still works.
    set_fault(&app, "linkedin", None).await;
    a_day_ago().await.unwrap();
    let (status, body) = refresh_linkedin(&app, &client, &business).await;
    assert_eq!(
        (status, body["results"][0]["outcome"].as_str()),
        (200, Some("refreshed")),
        "{body}"
    );
    app.stop().await;
}

async fn linkedin_grants_missing_a_scope_are_refused(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let (client, business) = owner_with_business(&app, "owner@example.com").await;
    // The member granted sign-in only: introspection shows the analytics scopes are missing.
    let to = connect_linkedin(&app, &client, &business, Some("openid profile")).await;
    assert!(to.ends_with("oauth=failed&platform=linkedin"), "{to}");
    assert!(connections_of(&app).await.is_empty(), "nothing half-saved");
    let actions = audit_actions(&app).await;
    assert!(
        actions
            .iter()
            .any(|(a, d)| a == "connect_failed" && d == "linkedin: missing_permission"),
        "{actions:?}"
    );
    app.stop().await;
}

async fn linkedin_connects_refreshes_without_restarting_its_clock_and_cannot_revoke(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let (client, business) = owner_with_business(&app, "owner@example.com").await;

    // Authorize → consent → callback, LinkedIn's way.
    let res = client
        .get(app.url(&format!(
            "/api/v1/oauth/linkedin/authorize?business_id={business}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let consent_url = location(&res);
    assert!(consent_url.contains("/sandbox/linkedin/oauth/v2/authorization?"));
    let q = query_of(&consent_url);
    assert_eq!(
        (
            q["response_type"].as_str(),
            q["code_challenge_method"].as_str()
        ),
        ("code", "S256")
    );
    assert!(!consent_url.contains("client_secret"));
    let consent = |decision: &'static str| {
        let q = q.clone();
        let client = client.clone();
        let url = app.url("/sandbox/linkedin/oauth/v2/consent");
        async move {
            let res = client
                .post(url)
                .form(&[
                    ("decision", decision),
                    ("redirect_uri", q["redirect_uri"].as_str()),
                    ("state", q["state"].as_str()),
                    ("scope", q["scope"].as_str()),
                    ("code_challenge", q["code_challenge"].as_str()),
                ])
                .send()
                .await
                .unwrap();
            location(&res)
        }
    };
    let callback = consent("approve").await;
    let (status, to, _) = finish(&client, &callback).await;
    let events: Vec<String> = audit_events::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.detail)
        .collect();
    assert_eq!(
        (status, to),
        (
            303,
            format!("/businesses/{business}?oauth=connected&platform=linkedin")
        ),
        "{events:?}"
    );

    let c = connections_of(&app).await.remove(0);
    assert_eq!(
        (c.platform.as_str(), c.display_name.as_str()),
        ("linkedin", "Pulseboard Demo Company")
    );
    let now = chrono::Utc::now();
    let access_days = (c.access_expires_at.unwrap() - now).num_days();
    let refresh_days = (c.refresh_expires_at.unwrap() - now).num_days();
    assert!(
        (59..=60).contains(&access_days),
        "60-day access token: {access_days}"
    );
    assert!(
        (364..=365).contains(&refresh_days),
        "365-day refresh token: {refresh_days}"
    );

    // Not due for weeks: the sweep's rule leaves it alone.
    assert!(!backend::oauth::refresh::due(&c, now));
    // Refreshing on day 59 keeps the refresh token's original expiry.
    connections::Entity::update_many()
        .col_expr(
            connections::Column::LastRefreshedAt,
            Expr::value(now - chrono::Duration::days(59)),
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
    assert_eq!(res.status(), 200);
    let after = connections_of(&app).await.remove(0);
    assert_ne!(after.access_token_ct, c.access_token_ct);
    assert_eq!(
        after.refresh_expires_at, c.refresh_expires_at,
        "the 365-day clock does not restart"
    );

    // Disconnect deletes locally; LinkedIn has nothing to revoke with.
    let res = client
        .delete(app.url(&format!(
            "/api/v1/oauth/linkedin/disconnect?business_id={business}"
        )))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        (
            body["disconnected"].as_i64(),
            body["revoked_at_platform"].as_bool()
        ),
        (Some(1), Some(false))
    );
    assert!(connections_of(&app).await.is_empty());
    assert_eq!(revocations(&app).await, 0);

    // Declining on LinkedIn's page comes back as "denied".
    let res = client
        .get(app.url(&format!(
            "/api/v1/oauth/linkedin/authorize?business_id={business}"
        )))
        .send()
        .await
        .unwrap();
    let q2 = query_of(&location(&res));
    let res = client
        .post(app.url("/sandbox/linkedin/oauth/v2/consent"))
        .form(&[
            ("decision", "deny"),
            ("redirect_uri", q2["redirect_uri"].as_str()),
            ("state", q2["state"].as_str()),
            ("scope", q2["scope"].as_str()),
            ("code_challenge", q2["code_challenge"].as_str()),
        ])
        .send()
        .await
        .unwrap();
    let (_, to, _) = finish(&client, &location(&res)).await;
    assert!(to.ends_with("oauth=denied&platform=linkedin"), "{to}");
    app.stop().await;
}
