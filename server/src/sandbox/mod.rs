//! The platform sandbox: stands in for LinkedIn, X and Meta where no machine
//! can reach them or no app credentials exist yet. It speaks the platforms'
//! protocols over real HTTP, so the provider clients cannot tell it apart.
//!
//! Its state lives in this process's memory: run it with one web process.
//! `GET /sandbox/_stats` counts token-endpoint calls; `POST
//! /sandbox/_faults?platform=x&fault=…` injects failures for tests and demos.

pub mod x;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde::Deserialize;
use serde_json::json;

/// A failure the next token-endpoint calls should produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// 429 with `Retry-After: 30`.
    RateLimit,
    /// 503.
    ServerError,
    /// 400 `invalid_grant`.
    InvalidGrant,
    /// Answers after 3 seconds.
    Slow,
}

#[derive(Default)]
pub struct Sandbox {
    pub x: Mutex<x::XState>,
    faults: Mutex<HashMap<String, Fault>>,
}

pub type Shared = Arc<Sandbox>;

impl Sandbox {
    pub fn fault(&self, platform: &str) -> Option<Fault> {
        self.faults
            .lock()
            .expect("sandbox lock")
            .get(platform)
            .copied()
    }
}

/// A fresh opaque token value.
pub fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}-{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// HTML-escapes text reflected into the consent pages.
pub fn esc(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '&' => "&amp;".into(),
            '<' => "&lt;".into(),
            '>' => "&gt;".into(),
            '"' => "&quot;".into(),
            '\'' => "&#39;".into(),
            c => c.to_string(),
        })
        .collect()
}

pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    let state: Shared = Arc::default();
    Router::new()
        .route("/sandbox/_stats", get(stats))
        .route("/sandbox/_faults", post(set_fault))
        .merge(x::routes())
        .with_state(state)
}

async fn stats(State(s): State<Shared>) -> impl IntoResponse {
    let x = s.x.lock().expect("sandbox lock");
    Json(json!({
        "x": { "token_calls": x.token_calls, "revocations": x.revocations, "live_refresh_tokens": x.refresh.len() },
    }))
}

#[derive(Deserialize)]
struct FaultQuery {
    platform: String,
    fault: Option<Fault>,
}

async fn set_fault(State(s): State<Shared>, Query(q): Query<FaultQuery>) -> impl IntoResponse {
    let mut faults = s.faults.lock().expect("sandbox lock");
    match q.fault {
        Some(f) => faults.insert(q.platform, f),
        None => faults.remove(&q.platform),
    };
    StatusCode::NO_CONTENT
}
