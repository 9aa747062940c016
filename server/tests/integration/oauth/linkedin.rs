//! LinkedIn through the sandbox.

use super::*;
use crate::on_both_databases;

on_both_databases!(linkedin_connects_refreshes_without_restarting_its_clock_and_cannot_revoke);

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
    assert!(!app::backend::oauth::refresh::due(&c, now));
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
