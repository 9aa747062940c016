//! SECURITY 49/50: the sandbox is no open redirect, demands PKCE S256 as the
//! client sends it, keeps its fault switches and counters to the operator,
//! and does not exist at all when it is off. Driven directly against the
//! sandbox's own endpoints, the way an attacker's browser would.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::Method;
use reqwest::header::LOCATION;
use server::sandbox::{linkedin, meta, x};

use crate::harness::*;

/// One platform as the sandbox serves it.
struct Platform {
    slug: &'static str,
    authorize: &'static str,
    consent: &'static str,
    client_id: &'static str,
}

const PLATFORMS: [Platform; 3] = [
    Platform {
        slug: "x",
        authorize: "/sandbox/x/i/oauth2/authorize",
        consent: "/sandbox/x/i/oauth2/consent",
        client_id: x::CLIENT_ID,
    },
    Platform {
        slug: "linkedin",
        authorize: "/sandbox/linkedin/oauth/v2/authorization",
        consent: "/sandbox/linkedin/oauth/v2/consent",
        client_id: linkedin::CLIENT_ID,
    },
    Platform {
        slug: "meta",
        authorize: "/sandbox/meta/dialog/oauth",
        consent: "/sandbox/meta/consent",
        client_id: meta::CLIENT_ID,
    },
];

const STATE: &str = "state-0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";
const VERIFIER: &str = "sandbox-guard-verifier-0123456789-abcdefghijklmnopqrstuv";

/// The S256 challenge for `VERIFIER`.
fn challenge() -> String {
    use sha2::Digest;
    URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(VERIFIER.as_bytes()))
}

/// This deployment's own callback for `slug`: the one place the sandbox may send a browser.
fn own_callback(app: &TestApp, slug: &str) -> String {
    app.url(&format!("/api/v1/oauth/{slug}/callback"))
}

/// GET the authorize page with the usual fields plus `extra`.
async fn authorize(app: &TestApp, p: &Platform, extra: &[(&str, &str)]) -> reqwest::Response {
    let mut pairs = vec![
        ("response_type", "code"),
        ("client_id", p.client_id),
        ("state", STATE),
        ("scope", "openid"),
    ];
    pairs.extend_from_slice(extra);
    let url = url::Url::parse_with_params(&app.url(p.authorize), &pairs).unwrap();
    app.client.get(url).send().await.unwrap()
}

/// POST the consent form as the page would, with fields the user may edit.
async fn consent(
    app: &TestApp,
    p: &Platform,
    decision: &str,
    redirect_uri: &str,
    code_challenge: &str,
) -> reqwest::Response {
    app.client
        .post(app.url(p.consent))
        .form(&[
            ("decision", decision),
            ("redirect_uri", redirect_uri),
            ("state", STATE),
            ("scope", "openid"),
            ("code_challenge", code_challenge),
        ])
        .send()
        .await
        .unwrap()
}

/// A refusal: 400, and no redirect anywhere.
fn assert_refused(res: &reqwest::Response, what: &str) {
    assert_eq!(res.status(), 400, "{what}");
    assert!(res.headers().get(LOCATION).is_none(), "{what}: no redirect");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_redirects_only_to_this_deployments_own_callback() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let challenge = challenge();
    for (i, p) in PLATFORMS.iter().enumerate() {
        let own = own_callback(&app, p.slug);
        let other_platform = own_callback(&app, PLATFORMS[(i + 1) % PLATFORMS.len()].slug);
        let other_host = format!("https://evil.example/api/v1/oauth/{}/callback", p.slug);
        let with_query = format!("{own}?next=https://evil.example/");
        // The request is otherwise fine: with the own callback it is served.
        let ok = authorize(
            &app,
            p,
            &[
                ("redirect_uri", own.as_str()),
                ("code_challenge", challenge.as_str()),
                ("code_challenge_method", "S256"),
            ],
        )
        .await;
        assert_eq!(ok.status(), 200, "{}: own callback", p.slug);
        for bad in [
            "https://evil.example/cb",
            other_host.as_str(),
            other_platform.as_str(),
            with_query.as_str(),
        ] {
            let what = format!("{}: authorize to {bad}", p.slug);
            let res = authorize(
                &app,
                p,
                &[
                    ("redirect_uri", bad),
                    ("code_challenge", challenge.as_str()),
                    ("code_challenge_method", "S256"),
                ],
            )
            .await;
            assert_refused(&res, &what);
            // The hidden field is the user's to edit: consent checks again,
            // for an approval and for a denial (which redirects too).
            for decision in ["approve", "deny"] {
                let res = consent(&app, p, decision, bad, &challenge).await;
                assert_refused(&res, &format!("{}: {decision} to {bad}", p.slug));
            }
        }
        let res = consent(&app, p, "approve", &own, &challenge).await;
        assert_eq!(res.status(), 303, "{}: consent to own callback", p.slug);
        let to = res.headers()[LOCATION].to_str().unwrap().to_owned();
        assert!(to.starts_with(&format!("{own}?")), "{}: {to}", p.slug);
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorize_and_consent_demand_pkce_s256() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let challenge = challenge();
    for p in &PLATFORMS {
        let own = own_callback(&app, p.slug);
        let own = ("redirect_uri", own.as_str());
        let cases: [(&str, Vec<(&str, &str)>); 4] = [
            ("no challenge", vec![own, ("code_challenge_method", "S256")]),
            (
                "no method",
                vec![own, ("code_challenge", challenge.as_str())],
            ),
            (
                "plain",
                vec![
                    own,
                    ("code_challenge", challenge.as_str()),
                    ("code_challenge_method", "plain"),
                ],
            ),
            (
                "plain verifier as challenge",
                vec![
                    own,
                    ("code_challenge", VERIFIER),
                    ("code_challenge_method", "S256"),
                ],
            ),
        ];
        for (what, extra) in &cases {
            let res = authorize(&app, p, extra).await;
            assert_refused(&res, &format!("{}: {what}", p.slug));
        }
        let ok = authorize(
            &app,
            p,
            &[
                own,
                ("code_challenge", challenge.as_str()),
                ("code_challenge_method", "S256"),
            ],
        )
        .await;
        assert_eq!(ok.status(), 200, "{}: with S256", p.slug);
        // An emptied challenge in the consent form is refused as well.
        let res = consent(&app, p, "approve", own.1, "").await;
        assert_refused(&res, &format!("{}: consent without challenge", p.slug));
    }
    app.stop().await;
}

/// A code for `p`, approved through the consent form with `challenge()`.
async fn code_for(app: &TestApp, p: &Platform) -> String {
    let res = consent(app, p, "approve", &own_callback(app, p.slug), &challenge()).await;
    assert_eq!(res.status(), 303, "{}", p.slug);
    let to = res.headers()[LOCATION].to_str().unwrap().to_owned();
    url::Url::parse(&to)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .expect("a code")
        .1
        .into_owned()
}

/// Exchanges `code` at `p`'s token endpoint, authenticated as the client
/// each platform expects; returns the status.
async fn exchange(app: &TestApp, p: &Platform, code: &str, verifier: Option<&str>) -> u16 {
    let redirect = own_callback(app, p.slug);
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect.as_str()),
    ];
    if let Some(v) = verifier {
        form.push(("code_verifier", v));
    }
    let req = match p.slug {
        "x" => app
            .client
            .post(app.url("/sandbox/x/2/oauth2/token"))
            .basic_auth(x::CLIENT_ID, Some(x::CLIENT_SECRET))
            .form(&form),
        "linkedin" => {
            form.push(("client_id", linkedin::CLIENT_ID));
            form.push(("client_secret", linkedin::CLIENT_SECRET));
            app.client
                .post(app.url("/sandbox/linkedin/oauth/v2/accessToken"))
                .form(&form)
        }
        _ => {
            form.push(("client_id", meta::CLIENT_ID));
            form.push(("client_secret", meta::CLIENT_SECRET));
            let url =
                url::Url::parse_with_params(&app.url("/sandbox/meta/oauth/access_token"), &form)
                    .unwrap();
            app.client.get(url)
        }
    };
    req.send().await.unwrap().status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_endpoints_refuse_a_wrong_or_missing_verifier() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let wrong = "wrong-verifier-0123456789-abcdefghijklmnopqrstuvwxyz";
    for p in &PLATFORMS {
        let code = code_for(&app, p).await;
        assert_eq!(
            exchange(&app, p, &code, Some(wrong)).await,
            400,
            "{}: wrong",
            p.slug
        );
        let code = code_for(&app, p).await;
        assert_eq!(
            exchange(&app, p, &code, None).await,
            400,
            "{}: missing",
            p.slug
        );
        let code = code_for(&app, p).await;
        assert_eq!(
            exchange(&app, p, &code, Some(VERIFIER)).await,
            200,
            "{}: the right verifier works",
            p.slug
        );
    }
    app.stop().await;
}

mod admin;
