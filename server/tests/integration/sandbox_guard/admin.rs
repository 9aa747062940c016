//! The sandbox's admin paths (fault switches and counters) answer only the
//! operator's token, and with the sandbox off nothing under /sandbox exists.

use super::*;

/// Sends `method path`, with `Authorization: Bearer token` when given.
async fn admin_call(app: &TestApp, method: Method, path: &str, token: Option<&str>) -> u16 {
    let mut req = app.client.request(method, app.url(path));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.unwrap().status().as_u16()
}

/// X's token endpoint without client credentials: 401, unless a fault
/// answers first (rate_limit: 429). Shows whether a fault switch took.
async fn x_token_status(app: &TestApp) -> u16 {
    app.client
        .post(app.url("/sandbox/x/2/oauth2/token"))
        .form(&[("grant_type", "authorization_code")])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_switches_and_stats_answer_only_the_admin_token() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let set = "/sandbox/_faults?platform=x&fault=rate_limit";
    for token in [None, Some("wrong-token")] {
        let what = format!("{token:?}");
        assert_eq!(
            admin_call(&app, Method::GET, "/sandbox/_stats", token).await,
            404,
            "{what}"
        );
        assert_eq!(
            admin_call(&app, Method::POST, set, token).await,
            404,
            "{what}"
        );
        // Neither the method nor a malformed query gives the path away.
        assert_eq!(
            admin_call(&app, Method::GET, set, token).await,
            404,
            "{what}"
        );
        assert_eq!(
            admin_call(&app, Method::POST, "/sandbox/_faults", token).await,
            404,
            "{what}"
        );
    }
    assert_eq!(
        x_token_status(&app).await,
        401,
        "no stranger switched a fault on"
    );

    let admin = Some(SANDBOX_ADMIN_TOKEN);
    assert_eq!(admin_call(&app, Method::POST, set, admin).await, 204);
    assert_eq!(x_token_status(&app).await, 429, "the admin's fault took");
    let off = "/sandbox/_faults?platform=x";
    assert_eq!(admin_call(&app, Method::POST, off, admin).await, 204);
    assert_eq!(x_token_status(&app).await, 401);
    let stats: serde_json::Value = app
        .client
        .get(app.url("/sandbox/_stats"))
        .bearer_auth(SANDBOX_ADMIN_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["x"]["token_calls"], 3, "{stats}");
    app.stop().await;
}

/// A fixed latency holds every call to its platform (and only its
/// platform) at least that long, and is removed with 0; it needs the
/// admin token like any switch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fixed_latency_delays_each_call_to_its_platform() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let set = "/sandbox/_faults?platform=x&latency_ms=1500";
    assert_eq!(admin_call(&app, Method::POST, set, None).await, 404);
    let timed = |path: &'static str| {
        let app = &app;
        async move {
            let started = std::time::Instant::now();
            app.client.get(app.url(path)).send().await.unwrap();
            started.elapsed()
        }
    };
    assert!(timed("/sandbox/x/2/users/me").await < std::time::Duration::from_millis(1500));
    let admin = Some(SANDBOX_ADMIN_TOKEN);
    assert_eq!(admin_call(&app, Method::POST, set, admin).await, 204);
    assert!(timed("/sandbox/x/2/users/me").await >= std::time::Duration::from_millis(1500));
    assert!(timed("/sandbox/x/2/oauth2/token").await >= std::time::Duration::from_millis(1500));
    assert!(
        timed("/sandbox/linkedin/v2/userinfo").await < std::time::Duration::from_millis(1500),
        "other platforms are not held"
    );
    assert_eq!(x_token_status(&app).await, 401, "a latency is not a fault");
    let off = "/sandbox/_faults?platform=x&latency_ms=0";
    assert_eq!(admin_call(&app, Method::POST, off, admin).await, 204);
    assert!(timed("/sandbox/x/2/users/me").await < std::time::Duration::from_millis(1500));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_admin_token_the_admin_paths_do_not_exist() {
    let fresh = FreshDb::create(Backend::Sqlite).await.unwrap();
    let settings = server::config::Settings {
        sandbox_admin_token: None,
        ..test_settings(&fresh.url, &[])
    };
    let app = spawn_app_with_settings(&fresh, settings).await;
    let admin = Some(SANDBOX_ADMIN_TOKEN);
    assert_eq!(
        admin_call(&app, Method::GET, "/sandbox/_stats", admin).await,
        404
    );
    let set = "/sandbox/_faults?platform=x&fault=rate_limit";
    assert_eq!(admin_call(&app, Method::POST, set, admin).await, 404);
    assert_eq!(admin_call(&app, Method::POST, set, None).await, 404);
    // The sandbox itself is on: only its admin paths are gone.
    assert_eq!(x_token_status(&app).await, 401, "served, and no fault set");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_sandbox_off_every_sandbox_path_is_404() {
    let app = spawn_app_with(Backend::Sqlite, &[("sandbox", "false")])
        .await
        .unwrap();
    let admin = Some(SANDBOX_ADMIN_TOKEN);
    let authorize_path = format!(
        "/sandbox/x/i/oauth2/authorize?response_type=code&client_id={}&state={STATE}",
        x::CLIENT_ID
    );
    for (method, path) in [
        (Method::GET, authorize_path.as_str()),
        (Method::GET, "/sandbox/_stats"),
        (Method::POST, "/sandbox/_faults?platform=x&fault=rate_limit"),
        (Method::POST, "/sandbox/x/2/oauth2/token"),
        (Method::GET, "/sandbox/anything"),
        (Method::GET, "/sandbox"),
    ] {
        let status = admin_call(&app, method.clone(), path, admin).await;
        assert_eq!(status, 404, "{method} {path}");
    }
    app.stop().await;
}
