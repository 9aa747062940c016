//! SECURITY.md I49/I50: how a deployment runs is never a secret to the
//! people using it. The sandbox turned on in production says so on every
//! page; development mode on a non-loopback address warns at start.

use crate::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_on_in_production_says_so_on_every_page() {
    let notice = "This deployment runs the platform sandbox";
    let app = spawn_app_with(
        Backend::Sqlite,
        &[
            ("env", "production"),
            ("public_url", "https://pulse.example.com"),
            ("sandbox", "true"),
        ],
    )
    .await
    .unwrap();
    for page in ["/", "/login", "/signup", "/businesses/nope"] {
        let html = app
            .client
            .get(app.url(page))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains(notice), "{page} says so");
    }
    let sandbox = app
        .client
        .get(app.url("/sandbox/x/i/oauth2/authorize"))
        .send()
        .await
        .unwrap();
    assert_ne!(sandbox.status(), 404, "the operator turned it on");
    app.stop().await;

    // Development (the sandbox on by default) and production without it: no banner.
    for extra in [
        vec![],
        vec![
            ("env", "production"),
            ("public_url", "https://pulse.example.com"),
        ],
    ] {
        let app = spawn_app_with(Backend::Sqlite, &extra).await.unwrap();
        let html = app
            .client
            .get(app.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("Pulseboard"), "the page rendered");
        assert!(!html.contains(notice), "{extra:?}");
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn development_mode_on_a_public_address_warns_at_start() {
    let logs = crate::capture::Captured::install(tracing::Level::WARN);
    let fresh = FreshDb::create(Backend::Sqlite).await.unwrap();
    let mut settings = test_settings(&fresh.url, &[]);
    settings.site_addr = "0.0.0.0:0".parse().unwrap();
    let app = spawn_app_with_settings(&fresh, settings).await;
    app.stop().await;
    assert!(
        logs.text().contains("development mode"),
        "warned: {}",
        logs.text()
    );

    let loopback = FreshDb::create(Backend::Sqlite).await.unwrap();
    let before = logs.text().matches("development mode").count();
    let app = spawn_app_with_settings(&loopback, test_settings(&loopback.url, &[])).await;
    app.stop().await;
    assert_eq!(
        logs.text().matches("development mode").count(),
        before,
        "no warning on loopback"
    );
}
