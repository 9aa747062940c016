//! The OAuth HTTP client itself: no redirects, bounded time.

/// SECURITY C12: the OAuth client never follows a redirect (a token endpoint
/// that redirects could forward the code and secret elsewhere).
#[tokio::test]
async fn the_oauth_http_client_follows_no_redirects() {
    use axum::routing::get;
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = hits.clone();
    let app = axum::Router::new()
        .route(
            "/token",
            get(|| async { axum::response::Redirect::temporary("/elsewhere") }),
        )
        .route(
            "/elsewhere",
            get(move || {
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                async { "followed" }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let res = backend::platforms::http_client()
        .get(format!("http://{addr}/token"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 307);
    assert_eq!(
        hits.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "the redirect was not followed"
    );
}

#[tokio::test]
async fn a_platform_that_never_answers_is_a_transient_timeout() {
    use backend::platforms::ProviderError;
    use backend::platforms::ProviderSettings;
    use backend::platforms::http_client_with;
    use backend::platforms::x;
    // Accepts connections, reads nothing, answers nothing.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let cfg = ProviderSettings {
        client_id: "client".into(),
        client_secret: secrecy::SecretString::from("secret"),
        redirect_uri: "http://127.0.0.1/callback".into(),
        auth_url: format!("http://{addr}/authorize"),
        token_url: format!("http://{addr}/token"),
        api_url: format!("http://{addr}"),
        api_version: None,
        sandbox: false,
    };
    let http = http_client_with(
        std::time::Duration::from_millis(500),
        std::time::Duration::from_millis(800),
    );
    let started = std::time::Instant::now();
    let err = x::refresh(&cfg, &http, &secrecy::SecretString::from("rt"))
        .await
        .unwrap_err();
    assert_eq!(err, ProviderError::Transient("timeout".into()));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "bounded by the total timeout"
    );
}
