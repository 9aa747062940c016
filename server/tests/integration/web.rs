//! CSRF refusal, security headers, request ids, health probes.

use crate::harness::*;
use crate::on_both_databases;

on_both_databases!(
    cross_site_posts_are_refused,
    pages_carry_a_nonce_csp_and_security_headers,
    request_ids_are_echoed_or_generated,
    health_and_readiness,
);

async fn cross_site_posts_are_refused(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let client = new_client();
    let form = [("email", "victim@example.com"), ("password", PASSWORD)];
    let cross = client
        .post(app.url("/api/fn/auth/signup"))
        .header("sec-fetch-site", "cross-site")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    let evil_origin = client
        .post(app.url("/api/fn/auth/signup"))
        .header("origin", "https://evil.example")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(evil_origin.status(), 403);
    assert_eq!(
        count(&app.db, "users").await,
        0,
        "refused requests change nothing"
    );

    // The same request from our own origin goes through.
    let same = client
        .post(app.url("/api/fn/auth/signup"))
        .header("sec-fetch-site", "same-origin")
        .header("origin", app.base.as_str())
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), 200);

    // Signed in now: a cross-site logout or delete is still refused.
    let id = app.create_business_as(&client, "Target").await;
    let del = client
        .post(app.url("/api/fn/businesses/delete"))
        .header("sec-fetch-site", "same-site")
        .form(&[("id", id.as_str()), ("confirm_name", "Target")])
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 403);
    assert_eq!(count(&app.db, "businesses").await, 1);
    app.stop().await;
}

async fn pages_carry_a_nonce_csp_and_security_headers(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let res = app.client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let h = res.headers().clone();
    let csp = h["content-security-policy"].to_str().unwrap().to_owned();
    let body = res.text().await.unwrap();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|s| s.split('\'').next())
        .expect("CSP has a nonce");
    assert!(nonce.len() >= 16);
    assert!(
        body.contains(&format!("nonce=\"{nonce}\"")),
        "the hydration script carries the CSP nonce"
    );
    assert!(csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("'unsafe-inline'"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h.contains_key("referrer-policy"));

    // A fresh nonce per response.
    let again = app.client.get(app.url("/login")).send().await.unwrap();
    assert_ne!(
        again.headers()["content-security-policy"].to_str().unwrap(),
        csp
    );

    // API answers get the strict default policy.
    let api = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert!(
        api.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("default-src 'none'")
    );

    // Unknown pages are real 404s.
    let missing = app
        .client
        .get(app.url("/no/such/page"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    app.stop().await;
}

async fn request_ids_are_echoed_or_generated(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let echoed = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "abc-123");
    let generated = app.client.get(app.url("/healthz")).send().await.unwrap();
    let id = generated.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(id.len(), 32);
    let hostile = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "x\"}{\"level\":\"ERROR")
        .send()
        .await
        .unwrap();
    let replaced = hostile.headers()["x-request-id"].to_str().unwrap();
    assert_ne!(replaced, "x\"}{\"level\":\"ERROR");
    assert_eq!(replaced.len(), 32);
    app.stop().await;
}

async fn health_and_readiness(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(
        ready.json::<serde_json::Value>().await.unwrap()["status"],
        "ready"
    );

    // Roll back the newest migration: readiness must notice.
    use migrations::{Migrator, MigratorTrait};
    Migrator::down(&app.db, Some(1)).await.unwrap();
    let not_ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(not_ready.status(), 503);
    app.stop().await;
}

#[tokio::test]
async fn the_api_is_documented_and_readable_offline() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let spec: serde_json::Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/oauth/{platform}/authorize",
        "/api/v1/oauth/status",
        "/readyz",
    ] {
        assert!(spec["paths"].get(path).is_some(), "{path}");
    }
    let docs = app.client.get(app.url("/api/docs")).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    let csp = docs.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(!csp.contains("http"), "no outside resources: {csp}");
    let html = docs.text().await.unwrap();
    assert!(html.contains("DELETE /api/v1/oauth/{platform}/disconnect"));
    assert!(!html.contains("<script"), "a plain page: no script, no CDN");
    app.stop().await;
}
