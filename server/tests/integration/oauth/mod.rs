//! Connecting X through the sandbox over real HTTP, and every way a callback
//! must be refused without a single token-endpoint call.

use std::collections::HashMap;

use backend::entities::{audit_events, connections, oauth_transactions};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::harness::*;
use crate::on_both_databases;

mod at_rest;
mod callbacks;
mod client;
mod linkedin;
mod linking;
mod meta;
mod reconnect;
mod refresh;
mod refresh_outcomes;
mod rotation;
mod state;
mod web_hardening;

on_both_databases!(
    connecting_x_stores_only_ciphertext_and_reconnect_updates,
    disconnect_revokes_at_x_and_deletes,
);

fn query_of(url: &str) -> HashMap<String, String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

fn location(res: &reqwest::Response) -> String {
    res.headers()[reqwest::header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned()
}

/// A request to the sandbox's admin paths (`_stats`, `_faults`), which
/// answer only the configured admin token.
pub(crate) fn as_sandbox_admin(req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    req.bearer_auth(SANDBOX_ADMIN_TOKEN)
}

/// The sandbox's counters for `platform` (`GET /sandbox/_stats`).
async fn sandbox_stats(app: &TestApp, platform: &str) -> serde_json::Value {
    let stats: serde_json::Value = as_sandbox_admin(app.client.get(app.url("/sandbox/_stats")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    stats[platform].clone()
}

/// X's token-endpoint calls so far.
async fn token_calls(app: &TestApp) -> u64 {
    token_calls_of(app, "x").await
}

/// The sandbox's token-endpoint call count for `platform`.
async fn token_calls_of(app: &TestApp, platform: &str) -> u64 {
    sandbox_stats(app, platform).await["token_calls"]
        .as_u64()
        .unwrap()
}

async fn revocations(app: &TestApp) -> u64 {
    sandbox_stats(app, "x").await["revocations"]
        .as_u64()
        .unwrap()
}

/// Starts a connect: returns the sandbox consent URL the browser is sent to.
async fn start(app: &TestApp, client: &reqwest::Client, business: &str) -> String {
    let res = client
        .get(app.url(&format!("/api/v1/oauth/x/authorize?business_id={business}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let to = location(&res);
    let q = query_of(&to);
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["code_challenge_method"], "S256");
    assert!(q["state"].len() >= 43, "256-bit state");
    assert!(q["scope"].split(' ').any(|s| s == "offline.access"));
    assert_eq!(q["redirect_uri"], app.url("/api/v1/oauth/x/callback"));
    to
}

/// The sandbox consent step: returns the callback URL the platform redirects to.
async fn consent(
    app: &TestApp,
    client: &reqwest::Client,
    consent_url: &str,
    decision: &str,
) -> String {
    let page = client.get(consent_url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Authorize app"));
    let q = query_of(consent_url);
    let res = client
        .post(app.url("/sandbox/x/i/oauth2/consent"))
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
    assert_eq!(res.status(), 303);
    location(&res)
}

/// Follows the callback; returns (status, Location, Referrer-Policy).
async fn finish(client: &reqwest::Client, callback_url: &str) -> (u16, String, String) {
    let res = client.get(callback_url).send().await.unwrap();
    let loc = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let rp = res.headers()["referrer-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    (res.status().as_u16(), loc, rp)
}

/// Connects the sandbox X account to `business` (for other test modules).
pub(crate) async fn connect_x(app: &TestApp, client: &reqwest::Client, business: &str) {
    let callback = consent(app, client, &start(app, client, business).await, "approve").await;
    assert_eq!(finish(client, &callback).await.0, 303);
}

/// Switches a sandbox fault on (`Some`) or off (`None`) for `platform`.
pub(crate) async fn set_fault(app: &TestApp, platform: &str, fault: Option<&str>) {
    let url = match fault {
        Some(f) => format!("/sandbox/_faults?platform={platform}&fault={f}"),
        None => format!("/sandbox/_faults?platform={platform}"),
    };
    let res = as_sandbox_admin(app.client.post(app.url(&url)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
}

async fn audit_actions(app: &TestApp) -> Vec<(String, String)> {
    audit_events::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.kind, e.detail))
        .collect()
}

async fn owner_with_business(app: &TestApp, email: &str) -> (reqwest::Client, String) {
    let client = new_client();
    app.signup_as(&client, email).await;
    let id = app.create_business_as(&client, "Acme").await;
    (client, id)
}

async fn connections_of(app: &TestApp) -> Vec<connections::Model> {
    connections::Entity::find().all(&app.db).await.unwrap()
}

async fn connecting_x_stores_only_ciphertext_and_reconnect_updates(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let (client, business) = owner_with_business(&app, "owner@example.com").await;

    let consent_url = start(&app, &client, &business).await;
    let callback = consent(&app, &client, &consent_url, "approve").await;
    assert!(callback.starts_with(&app.url("/api/v1/oauth/x/callback?code=")));
    let (status, to, referrer) = finish(&client, &callback).await;
    assert_eq!(status, 303);
    assert_eq!(
        to,
        format!("/businesses/{business}?oauth=connected&platform=x"),
        "a clean URL: no code or state"
    );
    assert_eq!(referrer, "no-referrer");
    assert_eq!(token_calls(&app).await, 1);
    assert_eq!(app.call_as(&client, "auth/me", &[]).await.status, 200);

    let rows = connections_of(&app).await;
    assert_eq!(rows.len(), 1);
    let c = &rows[0];
    assert_eq!(
        (
            c.platform.as_str(),
            c.display_name.as_str(),
            c.status.as_str()
        ),
        ("x", "@pulseboard_demo", "connected")
    );
    assert!(c.sandbox && c.refresh_token_ct.is_some());
    let expires = c.access_expires_at.unwrap() - chrono::Utc::now();
    assert!(
        expires > chrono::Duration::minutes(100) && expires < chrono::Duration::minutes(120),
        "2 h minus skew: {expires}"
    );
    assert_eq!(
        count(&app.db, "oauth_transactions").await,
        0,
        "the transaction was consumed"
    );

    // The status endpoint and server function see it, without tokens.
    let status: serde_json::Value = client
        .get(app.url(&format!("/api/v1/oauth/status?business_id={business}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["connections"][0]["display_name"], "@pulseboard_demo");
    assert!(!status.to_string().contains("x-at-") && !status.to_string().contains("x-rt-"));
    let overview = app
        .call_as(
            &client,
            "connections/list",
            &[("business_id", business.as_str())],
        )
        .await;
    assert_eq!(
        overview.body["cards"][1]["connections"][0]["status"],
        "Connected"
    );

    // A dump of every table holds no token value.
    let dump = dump_database(&app).await;
    assert!(
        !dump.contains("x-at-") && !dump.contains("x-rt-"),
        "plaintext token in the database"
    );

    // Reconnecting the same account updates the row in place.
    let callback = consent(
        &app,
        &client,
        &start(&app, &client, &business).await,
        "approve",
    )
    .await;
    assert_eq!(finish(&client, &callback).await.0, 303);
    let again = connections_of(&app).await;
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].id, c.id, "same connection, history kept");
    assert_eq!(again[0].created_at, c.created_at);
    assert_ne!(again[0].access_token_ct, c.access_token_ct);
    let kinds: Vec<String> = audit_events::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds.iter().filter(|k| *k == "connected").count(), 2);
    app.stop().await;
}

/// The whole database as someone with a copy of it would read it (see
/// `dump::raw_dump`).
async fn dump_database(app: &TestApp) -> String {
    crate::dump::raw_dump(app.db_url())
}

async fn disconnect_revokes_at_x_and_deletes(b: Backend) {
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
    assert_eq!(finish(&client, &callback).await.0, 303);

    let res = client
        .delete(app.url(&format!(
            "/api/v1/oauth/x/disconnect?business_id={business}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["disconnected"], 1);
    assert_eq!(
        body["revoked_at_platform"], true,
        "the platform confirmed it"
    );
    assert_eq!(revocations(&app).await, 1, "revoked at X");
    assert!(
        connections_of(&app).await.is_empty(),
        "ciphertext deleted with the row"
    );
    let kinds: Vec<String> = audit_events::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert!(kinds.contains(&"disconnected".to_owned()));

    // The server function does the same for the UI.
    let callback = consent(
        &app,
        &client,
        &start(&app, &client, &business).await,
        "approve",
    )
    .await;
    assert_eq!(finish(&client, &callback).await.0, 303);
    let r = app
        .call_as(
            &client,
            "connections/disconnect",
            &[("business_id", business.as_str()), ("platform", "x")],
        )
        .await;
    assert_eq!((r.status, r.body.clone()), (200, serde_json::json!(1)));
    assert_eq!(revocations(&app).await, 2);

    // Deleting the business deletes its connections' ciphertext and history.
    connect_x(&app, &client, &business).await;
    let r = app
        .call_as(
            &client,
            "businesses/delete",
            &[("id", business.as_str()), ("confirm_name", "Acme")],
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(connections_of(&app).await.is_empty());
    assert_eq!(count(&app.db, "audit_events").await, 0);
    app.stop().await;
}
