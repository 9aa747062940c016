//! Issue item "limits behind a proxy": `X-Forwarded-For` decides a client's
//! address only when the peer is a configured trusted proxy; login is also
//! limited per account, across addresses.

use crate::harness::*;

async fn signup_from(app: &TestApp, forwarded_for: &str, email: &str) -> u16 {
    new_client()
        .post(app.url("/api/fn/auth/signup"))
        .header("x-forwarded-for", forwarded_for)
        .form(&[("email", email), ("password", PASSWORD)])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    // No trusted proxy: a forged header changes nothing, the peer is limited.
    let app = spawn_app_with(Backend::Sqlite, &[("rate_limits.signup_per_hour", "1")])
        .await
        .unwrap();
    assert_eq!(signup_from(&app, "203.0.113.1", "a@example.com").await, 200);
    assert_eq!(
        signup_from(&app, "203.0.113.2", "b@example.com").await,
        429,
        "a client cannot pick its own address"
    );
    app.stop().await;

    // Behind a trusted proxy (the test client on loopback): per client.
    let app = spawn_app_with(
        Backend::Sqlite,
        &[
            ("rate_limits.signup_per_hour", "1"),
            ("trusted_proxies", "127.0.0.1/32"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(signup_from(&app, "203.0.113.1", "a@example.com").await, 200);
    assert_eq!(signup_from(&app, "203.0.113.2", "b@example.com").await, 200);
    assert_eq!(
        signup_from(&app, "198.51.100.9, 203.0.113.1", "c@example.com").await,
        429,
        "the rightmost untrusted hop is the client; hops added on the left do not help"
    );
    assert_eq!(count(&app.db, "users").await, 2);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_is_limited_per_account_from_any_address() {
    let app = spawn_app_with(
        Backend::Sqlite,
        &[
            ("rate_limits.login_per_account_per_hour", "3"),
            ("trusted_proxies", "127.0.0.1/32"),
        ],
    )
    .await
    .unwrap();
    let attempt = |ip: &'static str, email: &'static str| {
        let url = app.url("/api/fn/auth/login");
        async move {
            new_client()
                .post(url)
                .header("x-forwarded-for", ip)
                .form(&[("email", email), ("password", "wrong-password-1")])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    for ip in ["198.51.100.1", "198.51.100.2", "198.51.100.3"] {
        assert_eq!(attempt(ip, "victim@example.com").await, 401);
    }
    assert_eq!(
        attempt("198.51.100.4", " VICTIM@example.com").await,
        429,
        "a fourth address, the same account however spelled"
    );
    assert_eq!(attempt("198.51.100.4", "other@example.com").await, 401);
    app.stop().await;
}
