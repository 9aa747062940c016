//! Connecting platforms through the sandbox over real HTTP. This module
//! holds the steps and lookups every test shares (`connect` drives any
//! platform's consent); each platform and each concern (callbacks, state,
//! refresh, rotation, linking, …) has its own module.

use std::collections::HashMap;

use backend::entities::{audit_events, connections, oauth_transactions};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use shared::domain::Platform;

use crate::harness::*;

mod at_rest;
mod callbacks;
mod client;
pub(crate) mod connect;
mod linkedin;
mod linking;
mod meta;
mod meta_upkeep;
mod reconnect;
mod refresh;
mod refresh_outcomes;
mod rotation;
mod state;
mod web_hardening;
mod x;

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
pub(crate) async fn sandbox_stats(app: &TestApp, platform: &str) -> serde_json::Value {
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

/// Starts connecting X: returns the sandbox consent URL the browser is sent to.
async fn start(app: &TestApp, client: &reqwest::Client, business: &str) -> String {
    let to = connect::authorize(app, client, Platform::X, business).await;
    let q = query_of(&to);
    assert!(q["scope"].split(' ').any(|s| s == "offline.access"));
    assert_eq!(q["redirect_uri"], app.url("/api/v1/oauth/x/callback"));
    to
}

/// X's consent page, then the user's `decision` on it: returns the
/// callback URL the platform redirects to.
async fn consent(
    app: &TestApp,
    client: &reqwest::Client,
    consent_url: &str,
    decision: &str,
) -> String {
    let page = client.get(consent_url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Authorize app"));
    connect::decide(app, client, Platform::X, consent_url, decision, None).await
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
    connect::connect(app, client, Platform::X, business).await;
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

async fn dump_database(app: &TestApp) -> String {
    crate::dump::raw_dump(app.db_url())
}
