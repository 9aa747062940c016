//! No secret reaches a log line, Sentry or the database: the real binary,
//! JSON logs at debug level, through connecting X, LinkedIn and Meta, a
//! refresh and a failing refresh (SECURITY.md C16, H45, H47, H48).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_refresh_and_failed_refresh_leave_no_secret_in_the_logs() {
    let fresh = FreshDb::create(Backend::Sqlite).await.unwrap();
    let keys = test_keys();
    let (sentry_dsn, envelopes) = sentry_receiver().await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_pulseboard"))
        .args(["serve", "--no-worker"])
        .env("DATABASE_URL", &fresh.url)
        .env("PULSEBOARD_CONFIG", "/nonexistent/Leptos.toml")
        .env("PULSEBOARD_SITE_ADDR", "127.0.0.1:0")
        .env("PULSEBOARD_LOG_FORMAT", "json")
        .env(
            "PULSEBOARD_LOG_LEVEL",
            "debug,hyper=info,h2=info,rustls=info",
        )
        .env("PULSEBOARD_TOKEN_KEYS", &keys)
        .env("PULSEBOARD_SANDBOX_ADMIN_TOKEN", SANDBOX_ADMIN_TOKEN)
        .env("SENTRY_DSN", &sentry_dsn)
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = loop {
        let line = lines.next().expect("server printed its address").unwrap();
        if let Some(url) = line.strip_prefix("Pulseboard is running at ") {
            break url.to_owned();
        }
    };
    let url = |p: &str| format!("{base}{p}");
    let client = new_client();
    let r = client
        .post(url("/api/fn/auth/signup"))
        .form(&[("email", "leak@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let session_cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let business: serde_json::Value = client
        .post(url("/api/fn/businesses/create"))
        .form(&[("name", "Leak Test"), ("timezone", "UTC")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let business = business["id"].as_str().unwrap().to_owned();

    // Connect all three platforms through the sandbox, keeping every secret
    // we see on the way.
    let mut secrets = vec![
        session_cookie.split('=').nth(1).unwrap().to_owned(),
        PASSWORD.to_owned(),
        SANDBOX_ADMIN_TOKEN.to_owned(),
    ];
    let fault = |platform: &str, fault: &str| {
        let req = client
            .post(url(&format!(
                "/sandbox/_faults?platform={platform}&fault={fault}"
            )))
            .bearer_auth(SANDBOX_ADMIN_TOKEN);
        async move { assert_eq!(req.send().await.unwrap().status(), 204) }
    };
    fault("meta", "single_page").await;
    for (platform, consent) in [
        ("x", "/sandbox/x/i/oauth2/consent"),
        ("linkedin", "/sandbox/linkedin/oauth/v2/consent"),
        ("meta", "/sandbox/meta/consent"),
    ] {
        let res = client
            .get(url(&format!(
                "/api/v1/oauth/{platform}/authorize?business_id={business}"
            )))
            .send()
            .await
            .unwrap();
        let consent_url = res.headers()["location"].to_str().unwrap().to_owned();
        let q: std::collections::HashMap<String, String> = url::Url::parse(&consent_url)
            .unwrap()
            .query_pairs()
            .into_owned()
            .collect();
        secrets.push(q["state"].clone());
        secrets.push(q["code_challenge"].clone());
        let res = client
            .post(url(consent))
            .form(&[
                ("decision", "approve"),
                ("redirect_uri", q["redirect_uri"].as_str()),
                ("state", q["state"].as_str()),
                ("scope", q["scope"].as_str()),
                ("code_challenge", q["code_challenge"].as_str()),
            ])
            .send()
            .await
            .unwrap();
        let callback = res.headers()["location"].to_str().unwrap().to_owned();
        let code = url::Url::parse(&callback)
            .unwrap()
            .query_pairs()
            .find(|(k, _)| k == "code")
            .unwrap()
            .1
            .into_owned();
        secrets.push(code);
        let done = client.get(&callback).send().await.unwrap();
        assert_eq!(done.status(), 303, "{platform}");
        let to = done.headers()["location"].to_str().unwrap().to_owned();
        assert!(to.contains("oauth=connected"), "{platform}: {to}");
    }

    // A refresh, then a failing one, for X and LinkedIn. A refresh within
    // 10 s of the last reuses it, so each waits that out.
    let refresh = |platform: &str| {
        url(&format!(
            "/api/v1/oauth/{platform}/refresh?business_id={business}"
        ))
    };
    tokio::time::sleep(std::time::Duration::from_secs(11)).await;
    for platform in ["x", "linkedin"] {
        assert_eq!(
            client
                .post(refresh(platform))
                .send()
                .await
                .unwrap()
                .status(),
            200,
            "{platform}"
        );
        fault(platform, "invalid_grant").await;
    }
    tokio::time::sleep(std::time::Duration::from_secs(11)).await;
    for platform in ["x", "linkedin"] {
        assert_eq!(
            client
                .post(refresh(platform))
                .send()
                .await
                .unwrap()
                .status(),
            409,
            "{platform}"
        );
    }
    // A 5xx is an error event for Sentry, carrying the breadcrumbs before it.
    fault("x", "server_error").await;
    assert_eq!(
        client.post(refresh("x")).send().await.unwrap().status(),
        502
    );
    // Sentry sends in the background: wait for the event rather than race
    // the process's exit (a loaded machine can outlast its flush timeout).
    // The sandbox's own 503 is an error event too, and may come first: wait
    // for the refresh route's, which carries the refresh's breadcrumbs.
    for _ in 0..100 {
        if envelopes
            .lock()
            .unwrap()
            .iter()
            .any(|e| e.contains("request failed") && e.contains("token refresh failed"))
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    Command::new("kill")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    let stdout: Vec<String> = lines.map_while(Result::ok).collect();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    child.wait().unwrap();
    let log = format!("{}\n{stderr}", stdout.join("\n"));
    assert!(
        log.contains("tokens refreshed") && log.contains("token refresh failed"),
        "the flow ran: {log}"
    );

    for secret in &secrets {
        assert!(
            !log.contains(secret.as_str()),
            "a secret reached the log: {secret}"
        );
    }
    // Whatever the sandbox minted: access tokens, refresh tokens, codes.
    for prefix in MINTED
        .iter()
        .chain(["code_verifier=", "fb_exchange_token=", "input_token="].iter())
    {
        assert!(!log.contains(prefix), "{prefix}… reached the log");
    }
    // The token keys themselves.
    assert!(!log.contains(keys.split(':').nth(1).unwrap()));

    // Sentry got the error, and none of the secrets.
    let sent = envelopes.lock().unwrap().join("\n");
    assert!(
        sent.contains("request failed"),
        "an error event reached the receiver: {sent}"
    );
    assert!(
        sent.contains("token refresh failed"),
        "with its breadcrumbs: {sent}"
    );
    for secret in &secrets {
        assert!(
            !sent.contains(secret.as_str()),
            "a secret reached Sentry: {secret}"
        );
    }
    for prefix in MINTED.iter().chain(["pulseboard_session="].iter()) {
        assert!(!sent.contains(prefix), "{prefix}… reached Sentry");
    }

    // And a copy of the database holds none of it either.
    let dump = crate::dump::raw_dump(&fresh.url);
    assert!(
        dump.contains("Leak Test") && dump.contains("Northwind Coffee"),
        "a real copy, with the Meta Page in it"
    );
    for secret in &secrets {
        assert!(
            !dump.contains(secret.as_str()),
            "a secret is in the database copy: {secret}"
        );
    }
    for prefix in MINTED {
        assert!(!dump.contains(prefix), "{prefix}… is in the database copy");
    }
}

/// What the sandbox mints for the three platforms (tokens, codes, Meta's
/// short- and long-lived user tokens and Page tokens), its client secrets,
/// and X's HTTP Basic credentials as they travel (base64).
const MINTED: &[&str] = &[
    "x-at-",
    "x-rt-",
    "x-code-",
    "li-at-",
    "li-rt-",
    "li-code-",
    "meta-st-",
    "meta-lt-",
    "meta-pt",
    "meta-code-",
    "sandbox-x-client-secret",
    "sandbox-linkedin-client-secret",
    "sandbox-meta-app-secret",
    // base64("pulseboard-sandbox-x:sandbox-x-client-secret")
    "cHVsc2Vib2FyZC1zYW5kYm94LXg6c2FuZGJveC14LWNsaWVudC1zZWNyZXQ",
];

/// A stand-in for Sentry: accepts envelopes and keeps their bodies.
async fn sentry_receiver() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use axum::routing::post;
    let store: std::sync::Arc<std::sync::Mutex<Vec<String>>> = Default::default();
    let kept = store.clone();
    let app = axum::Router::new().route(
        "/api/{project}/envelope/",
        post(move |body: axum::body::Bytes| {
            let kept = kept.clone();
            async move {
                kept.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&body).into_owned());
                "{}"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://publickey@{addr}/1"), store)
}
