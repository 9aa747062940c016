//! Connecting any platform through the sandbox, the way a browser does:
//! authorize (303 to the platform) → the sandbox's consent form → the
//! callback. Every platform's tests use these steps; each adds only the
//! assertions about its own platform.

use shared::domain::Platform;

use super::*;

/// The sandbox's consent form for `platform` (what its consent page posts to).
fn consent_form(platform: Platform) -> &'static str {
    match platform {
        Platform::X => "/sandbox/x/i/oauth2/consent",
        Platform::LinkedIn => "/sandbox/linkedin/oauth/v2/consent",
        Platform::Meta => "/sandbox/meta/consent",
    }
}

/// Starts connecting `platform` to `business`: returns the consent URL
/// the browser is sent to, after checking the parts every platform shares
/// (an authorization code flow with S256 PKCE and a 256-bit state).
pub(crate) async fn authorize(
    app: &TestApp,
    client: &reqwest::Client,
    platform: Platform,
    business: &str,
) -> String {
    let res = client
        .get(app.url(&format!(
            "/api/v1/oauth/{}/authorize?business_id={business}",
            platform.slug()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let to = location(&res);
    let q = query_of(&to);
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["code_challenge_method"], "S256");
    assert!(q["state"].len() >= 43, "256-bit state");
    to
}

/// The user's answer on the sandbox's consent page (`approve` or `deny`),
/// granting `scope` or what was asked; returns the callback URL the
/// platform redirects to.
pub(crate) async fn decide(
    app: &TestApp,
    client: &reqwest::Client,
    platform: Platform,
    consent_url: &str,
    decision: &str,
    scope: Option<&str>,
) -> String {
    let q = query_of(consent_url);
    let res = client
        .post(app.url(consent_form(platform)))
        .form(&[
            ("decision", decision),
            ("redirect_uri", q["redirect_uri"].as_str()),
            ("state", q["state"].as_str()),
            ("scope", scope.unwrap_or(q["scope"].as_str())),
            ("code_challenge", q["code_challenge"].as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    location(&res)
}

/// Connects `platform`'s sandbox account to `business`, approving what
/// was asked: returns where the callback sent the browser.
pub(crate) async fn connect(
    app: &TestApp,
    client: &reqwest::Client,
    platform: Platform,
    business: &str,
) -> String {
    let consent_url = authorize(app, client, platform, business).await;
    let callback = decide(app, client, platform, &consent_url, "approve", None).await;
    let (status, to, _) = finish(client, &callback).await;
    assert_eq!(status, 303);
    to
}
