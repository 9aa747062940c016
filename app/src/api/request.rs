//! Request-scoped helpers for server functions: the app state, the caller's
//! session, client address and response cookies.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::ConnectInfo;
use http::HeaderValue;
use http::request::Parts;
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;
use uuid::Uuid;

use crate::error::AppError;
use backend::AppState;
use backend::accounts::sessions::{self, SessionToken};

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| AppError::internal("AppState missing from context"))
}

fn parts() -> Result<Parts, AppError> {
    use_context::<Parts>().ok_or_else(|| AppError::internal("request parts missing from context"))
}

/// The signed-in user behind this request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: Uuid,
    pub session_id: String,
}

pub async fn current_user() -> Result<Option<CurrentUser>, AppError> {
    let state = state()?;
    let Some(token) = sessions::token_from_headers(&parts()?.headers, &state.sessions) else {
        return Ok(None);
    };
    Ok(sessions::resolve(&state.db, &token, &state.sessions)
        .await?
        .map(|s| CurrentUser {
            id: s.user_id,
            session_id: s.id,
        }))
}

pub async fn require_user() -> Result<CurrentUser, AppError> {
    current_user().await?.ok_or(AppError::Unauthorized)
}

/// The session token the browser sent, if any (to delete it at login/logout).
pub fn presented_token() -> Result<Option<SessionToken>, AppError> {
    Ok(sessions::token_from_headers(
        &parts()?.headers,
        &state()?.sessions,
    ))
}

/// The client's address: the peer, or what a trusted proxy says it
/// forwarded (`trusted_proxies`; see `client_addr`).
pub fn client_ip() -> IpAddr {
    let Some(parts) = use_context::<Parts>() else {
        return IpAddr::V4(Ipv4Addr::UNSPECIFIED);
    };
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    match state() {
        Ok(state) => state.proxies.client(peer, &parts.headers),
        Err(_) => peer,
    }
}

pub fn set_cookie(value: &str) -> Result<(), AppError> {
    let opts = use_context::<ResponseOptions>()
        .ok_or_else(|| AppError::internal("ResponseOptions missing from context"))?;
    let value = HeaderValue::from_str(value).map_err(AppError::internal)?;
    opts.append_header(http::header::SET_COOKIE, value);
    Ok(())
}

/// Runs a server function body and, on error, gives the HTTP response the
/// error's status (401, 404, 422, …) instead of server_fn's blanket 500.
pub async fn respond<T>(body: impl Future<Output = Result<T, AppError>>) -> Result<T, AppError> {
    let result = body.await;
    if let Err(err) = &result
        && let Some(opts) = use_context::<ResponseOptions>()
        && let Ok(status) = http::StatusCode::from_u16(err.status())
    {
        opts.set_status(status);
    }
    result
}
