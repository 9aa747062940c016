//! SECURITY.md B8, G38/G40, G41 and G43 against the running app: a callback
//! redeemed twice at once exchanges once; under https the session cookie is
//! `__Host-` and Secure and HSTS is sent; callbacks are rate-limited before
//! any token call; an internal failure shows a reference, never its cause.

use super::*;
use crate::on_both_databases;

on_both_databases!(
    a_callback_redeemed_twice_at_once_exchanges_once,
    an_internal_failure_shows_a_reference_and_nothing_else,
);

async fn a_callback_redeemed_twice_at_once_exchanges_once(b: Backend) {
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
    let calls = token_calls(&app).await;
    let (a, b) = tokio::join!(finish(&client, &callback), finish(&client, &callback));
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [303, 400], "one redeems, the other is refused");
    assert_eq!(
        token_calls(&app).await,
        calls + 1,
        "the code is exchanged once"
    );
    assert_eq!(connections_of(&app).await.len(), 1);
    app.stop().await;
}

async fn an_internal_failure_shows_a_reference_and_nothing_else(b: Backend) {
    use sea_orm::ConnectionTrait;
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let (client, business) = owner_with_business(&app, "owner@example.com").await;
    // A real server fault: the audit table is gone.
    app.db
        .execute_unprepared("DROP TABLE audit_events")
        .await
        .unwrap();
    let r = app
        .call_as(
            &client,
            "connections/list",
            &[("business_id", business.as_str())],
        )
        .await;
    assert_eq!(r.status, 500);
    let reference = r.body["Internal"]["reference"]
        .as_str()
        .unwrap_or_else(|| panic!("an Internal error with a reference: {}", r.body));
    assert_eq!(reference.len(), 12, "{reference}");
    let text = r.body.to_string().to_lowercase();
    for leak in [
        "audit_events",
        "select",
        "sql",
        "table",
        "relation",
        "no such",
    ] {
        assert!(!text.contains(leak), "the cause leaks: {text}");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_https_the_cookie_is_host_prefixed_and_hsts_is_sent() {
    let app = spawn_app_with(
        Backend::Sqlite,
        &[("public_url", "https://pulse.example.com")],
    )
    .await
    .unwrap();
    let res = new_client()
        .post(app.url("/api/fn/auth/signup"))
        // The browser's own origin: the CSRF check compares it to public_url.
        .header("origin", "https://pulse.example.com")
        .form(&[("email", "tls@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let hsts = res.headers()["strict-transport-security"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(hsts.contains("max-age="), "{hsts}");
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("__Host-pulseboard_session="), "{cookie}");
    assert!(cookie.contains("; Secure") && cookie.contains("Path=/") && !cookie.contains("Domain"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callbacks_are_rate_limited_before_any_token_call() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let calls = token_calls(&app).await;
    let mut limited = 0;
    for i in 0..70 {
        let res = new_client()
            .get(app.url(&format!("/api/v1/oauth/x/callback?code=c{i}&state=s{i}")))
            .send()
            .await
            .unwrap();
        if res.status() == 429 {
            limited += 1;
        }
    }
    assert!(
        limited >= 9,
        "past 60 a minute from one address: {limited} limited"
    );
    assert_eq!(token_calls(&app).await, calls, "no token call at all");
    app.stop().await;
}
