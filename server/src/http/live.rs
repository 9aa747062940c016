//! The live sync feed: a WebSocket at
//! `/api/v1/analytics/sync-events/{business_id}` carrying the business's
//! run events from the events bus (whichever process made them). The
//! upgrade is checked like any request — a session, membership of the
//! business (404 otherwise) — plus an `Origin` that must be ours, since a
//! browser sends cookies on a cross-site WebSocket too. The first message
//! is the current status; then one message per run change of this business
//! only; `resync` when this socket fell behind the bus. Every minute the
//! session and membership are checked again: signing out or losing access
//! closes the feed.

use std::time::Duration;

use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRef, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use backend::AppState;
use backend::accounts::businesses;
use backend::sync::status;
use chrono::Utc;
use shared::dto::LiveMessage;
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use super::extract::{Member, session};
use super::security::{WebSecurity, websocket_origin_allowed};

/// How often the socket's session and membership are checked again, and a
/// ping keeps idle proxies from closing it.
const RECHECK: Duration = Duration::from_secs(60);
const PING: Duration = Duration::from_secs(25);

pub fn routes<S>() -> Router<S>
where
    AppState: FromRef<S>,
    WebSecurity: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new().route(
        "/api/v1/analytics/sync-events/{business_id}",
        get(sync_events),
    )
}

async fn sync_events(
    State(app): State<AppState>,
    State(sec): State<WebSecurity>,
    headers: HeaderMap,
    member: Member,
    ws: WebSocketUpgrade,
) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if !websocket_origin_allowed(header("origin"), header("host"), &sec.public_origin) {
        tracing::warn!(business_id = %member.business.id, "live feed refused: foreign or missing Origin");
        return (StatusCode::FORBIDDEN, "Cross-site WebSocket refused.").into_response();
    }
    let business_id = member.business.id;
    let user_id = member.session.user_id;
    ws.on_upgrade(move |socket| feed(socket, app, headers, user_id, business_id))
}

async fn send(socket: &mut WebSocket, message: &LiveMessage) -> bool {
    match serde_json::to_string(message) {
        Ok(text) => socket.send(Message::Text(text.into())).await.is_ok(),
        Err(_) => true,
    }
}

/// Whether the socket's user may still see the business.
async fn still_allowed(
    app: &AppState,
    headers: &HeaderMap,
    user_id: Uuid,
    business_id: Uuid,
) -> bool {
    let signed_in = matches!(session(app, headers).await, Ok(Some(s)) if s.user_id == user_id);
    signed_in && businesses::get(&app.db, user_id, business_id).await.is_ok()
}

async fn feed(
    mut socket: WebSocket,
    app: AppState,
    headers: HeaderMap,
    user_id: Uuid,
    business_id: Uuid,
) {
    // Subscribed before the status is read: nothing falls between the two.
    let mut events = app.events.subscribe();
    match status::of(&app.db, business_id, Utc::now()).await {
        Ok(s) => {
            if !send(&mut socket, &LiveMessage::Status(Box::new(s))).await {
                return;
            }
        }
        Err(e) => {
            tracing::warn!(business_id = %business_id, error = %e, "live feed could not read the status");
            return;
        }
    }
    let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + RECHECK, RECHECK);
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + PING, PING);
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Ok(e) if e.business_id == business_id => {
                    if !send(&mut socket, &LiveMessage::Run(e)).await {
                        break;
                    }
                }
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => {
                    if !send(&mut socket, &LiveMessage::Resync).await {
                        break;
                    }
                }
                Err(RecvError::Closed) => break,
            },
            incoming = socket.recv() => match incoming {
                // The client says nothing we act on; it may close.
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
            _ = recheck.tick() => {
                if !still_allowed(&app, &headers, user_id, business_id).await {
                    let _ = socket.send(Message::Close(None)).await;
                    break;
                }
            }
            _ = ping.tick() => {
                if socket.send(Message::Ping(Vec::new().into())).await.is_err() {
                    break;
                }
            }
        }
    }
}
