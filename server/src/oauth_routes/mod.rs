//! REST endpoints for connecting platforms:
//! `GET /api/v1/oauth/{platform}/authorize?business_id=…` → 303 to the platform,
//! `GET /api/v1/oauth/{platform}/callback` → 303 back to the business,
//! `DELETE /api/v1/oauth/{platform}/disconnect?business_id=…`,
//! `GET /api/v1/oauth/status?business_id=…`.
//! Same session and tenancy checks as the server functions.

use std::net::SocketAddr;

use app::backend::oauth::transactions::{self, Rejected};
use app::backend::oauth::{ProviderError, connections, meta_pages, pending, provider};
use app::backend::sessions::{self, ActiveSession};
use app::backend::{AppState, businesses};
use app::domain::Platform;
use app::error::AppError;
use axum::Json;
use axum::Router;
use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{delete, get, post};
use chrono::Utc;

use crate::bad_input::Params;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

mod callback;

pub use callback::{__path_callback, callback};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/oauth/status", get(status))
        .route("/api/v1/oauth/{platform}/authorize", get(authorize))
        .route("/api/v1/oauth/{platform}/callback", get(callback))
        .route("/api/v1/oauth/{platform}/disconnect", delete(disconnect))
        .route("/api/v1/oauth/{platform}/refresh", post(refresh))
}

#[derive(Deserialize)]
pub struct BusinessQuery {
    business_id: Uuid,
}

fn error_json(e: AppError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(json!({ "error": e }))).into_response()
}

/// A plain page for a refused callback: says what happened, offers the way back.
fn page(status: StatusCode, message: &str) -> Response {
    let body = format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Connection not completed · Pulseboard</title>
<link rel="stylesheet" href="/pkg/pulseboard.css"></head><body><main class="container"><section class="card narrow">
<h1>Connection not completed</h1><p>{}</p><p><a class="button" href="/businesses">Back to your businesses</a></p>
</section></main></body></html>"#,
        html_escape(message)
    );
    let mut res = (status, Html(body)).into_response();
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'self'; frame-ancestors 'none'"),
    );
    res
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The signed-in member of `business_id`, or the answer that refuses
/// (401 signed out, 404 not a member: another tenant's business does not exist).
async fn member(
    app: &AppState,
    headers: &HeaderMap,
    business_id: Uuid,
) -> Result<ActiveSession, Response> {
    let user = signed_in(app, headers).await?;
    businesses::get(&app.db, user.user_id, business_id)
        .await
        .map_err(error_json)?;
    Ok(user)
}

/// A signed-in owner or admin of the business: what every unsafe route needs.
async fn manager(
    app: &AppState,
    headers: &HeaderMap,
    business_id: Uuid,
) -> Result<ActiveSession, Response> {
    let user = signed_in(app, headers).await?;
    businesses::require_manager(&app.db, user.user_id, business_id)
        .await
        .map_err(error_json)?;
    Ok(user)
}

async fn signed_in(app: &AppState, headers: &HeaderMap) -> Result<ActiveSession, Response> {
    match session(app, headers).await {
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err(error_json(AppError::Unauthorized)),
        Err(e) => Err(error_json(e)),
    }
}

async fn session(app: &AppState, headers: &HeaderMap) -> Result<Option<ActiveSession>, AppError> {
    match sessions::token_from_headers(headers, &app.sessions) {
        Some(token) => sessions::resolve(&app.db, &token, &app.sessions).await,
        None => Ok(None),
    }
}

/// Starts connecting a platform: 303 to its consent page.
#[utoipa::path(get, path = "/api/v1/oauth/{platform}/authorize", tag = "oauth",
    params(
        ("platform" = String, Path, description = "linkedin, x or meta"),
        ("business_id" = uuid::Uuid, Query, description = "The business to connect the account to"),
    ),
    responses(
        (status = 303, description = "To the platform's consent page (or /login when signed out)"),
        (status = 404, description = "Unknown platform, or not a member of the business"),
        (status = 409, description = "The platform is not configured on this server"),
        (status = 429, description = "Too many connect attempts"),
    ))]
pub async fn authorize(
    State(app): State<AppState>,
    Path(platform): Path<String>,
    Params(q): Params<BusinessQuery>,
    headers: HeaderMap,
) -> Response {
    let Some(platform) = Platform::parse(&platform) else {
        return error_json(AppError::NotFound);
    };
    let user = match session(&app, &headers).await {
        Ok(Some(user)) => user,
        Ok(None) => return Redirect::to("/login").into_response(),
        Err(e) => return error_json(e),
    };
    if let Err(e) = businesses::require_manager(&app.db, user.user_id, q.business_id).await {
        return error_json(e);
    }
    let Some(cfg) = app.providers.get(platform) else {
        return page(
            StatusCode::CONFLICT,
            &format!("{} is not configured on this server yet.", platform.label()),
        );
    };
    if let Err(e) = app.limits.check_connect(user.user_id) {
        return error_json(e);
    }
    let return_to = format!("/businesses/{}", q.business_id);
    let started = match transactions::begin(
        &app.db,
        &app.vault,
        platform,
        user.user_id,
        &user.id,
        q.business_id,
        &return_to,
        Utc::now(),
    )
    .await
    {
        Ok(s) => s,
        Err(e) => return error_json(e),
    };
    let url =
        provider::for_platform(platform).authorize_url(cfg, &started.state, started.challenge);
    match url {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(e) => error_json(AppError::internal(e)),
    }
}

/// Revokes (where the platform can) and deletes the platform's connections.
#[utoipa::path(delete, path = "/api/v1/oauth/{platform}/disconnect", tag = "oauth",
    params(
        ("platform" = String, Path, description = "linkedin, x or meta"),
        ("business_id" = uuid::Uuid, Query, description = "The business"),
    ),
    responses(
        (status = 200, description = "`{disconnected: n, revoked_at_platform: bool}`: whether the platform confirmed it ended the grant (LinkedIn cannot revoke)"),
        (status = 401, description = "Not signed in"),
        (status = 404, description = "Unknown platform, or not a member of the business"),
    ))]
pub async fn disconnect(
    State(app): State<AppState>,
    Path(platform): Path<String>,
    Params(q): Params<BusinessQuery>,
    headers: HeaderMap,
) -> Response {
    let Some(platform) = Platform::parse(&platform) else {
        return error_json(AppError::NotFound);
    };
    let user = match manager(&app, &headers, q.business_id).await {
        Ok(user) => user,
        Err(refused) => return refused,
    };
    match connections::disconnect(
        &app.db,
        &app.vault,
        &app.providers,
        q.business_id,
        platform,
        &user.user_id.to_string(),
    )
    .await
    {
        Ok(done) => Json(json!({
            "disconnected": done.removed,
            "revoked_at_platform": done.revoked,
        }))
        .into_response(),
        Err(e) => error_json(e),
    }
}

/// Refreshes the platform's tokens now (single-flight per connection).
#[utoipa::path(post, path = "/api/v1/oauth/{platform}/refresh", tag = "oauth",
    params(
        ("platform" = String, Path, description = "linkedin, x or meta"),
        ("business_id" = uuid::Uuid, Query, description = "The business"),
    ),
    responses(
        (status = 200, description = "`{results: [{connection_id, outcome: refreshed|joined|not_due|checked, version}]}`"),
        (status = 409, description = "Needs reconnect, or the platform cannot refresh"),
        (status = 429, description = "Rate-limited by the platform"),
        (status = 502, description = "The platform had a temporary failure"),
    ))]
pub async fn refresh(
    State(app): State<AppState>,
    Path(platform): Path<String>,
    Params(q): Params<BusinessQuery>,
    headers: HeaderMap,
) -> Response {
    use app::backend::oauth::refresh::{self, RefreshError, Refreshed};
    let Some(platform) = Platform::parse(&platform) else {
        return error_json(AppError::NotFound);
    };
    if let Err(refused) = manager(&app, &headers, q.business_id).await {
        return refused;
    }
    let rows = match connections::list(&app.db, q.business_id).await {
        Ok(rows) => rows,
        Err(e) => return error_json(e),
    };
    let mut results = Vec::new();
    for row in rows
        .iter()
        .filter(|c| connections::account_platforms(platform).contains(&c.platform.as_str()))
    {
        match refresh::refresh(&app.db, &app.vault, &app.providers, row.id, true).await {
            Ok(outcome) => {
                let (word, version) = match outcome {
                    Refreshed::Refreshed { version } => ("refreshed", version),
                    Refreshed::Joined { version } => ("joined", version),
                    Refreshed::NotDue { version } => ("not_due", version),
                    Refreshed::Checked { version } => ("checked", version),
                };
                results
                    .push(json!({ "connection_id": row.id, "outcome": word, "version": version }));
            }
            Err(RefreshError::Provider(e) | RefreshError::Concurrent(e)) => {
                let status = match e {
                    ProviderError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
                    ProviderError::Transient(_) => StatusCode::BAD_GATEWAY,
                    _ => StatusCode::CONFLICT,
                };
                return (
                    status,
                    Json(json!({ "error": e.class(), "connection_id": row.id })),
                )
                    .into_response();
            }
            Err(RefreshError::Unsupported(why)) => {
                return (
                    StatusCode::CONFLICT,
                    Json(json!({ "error": "unsupported", "reason": why })),
                )
                    .into_response();
            }
            Err(RefreshError::App(e)) => return error_json(e),
        }
    }
    Json(json!({ "results": results })).into_response()
}

/// Connections of a business and their token health (never tokens).
#[utoipa::path(get, path = "/api/v1/oauth/status", tag = "oauth",
    params(("business_id" = uuid::Uuid, Query, description = "The business")),
    responses(
        (status = 200, description = "`{connections: [...]}` with status, expiries and last refresh"),
        (status = 401, description = "Not signed in"),
        (status = 404, description = "Not a member of the business"),
    ))]
pub async fn status(
    State(app): State<AppState>,
    Params(q): Params<BusinessQuery>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = member(&app, &headers, q.business_id).await {
        return refused;
    }
    match connections::list(&app.db, q.business_id).await {
        Ok(rows) => Json(json!({
            "connections": rows.iter().map(connections::view).collect::<Vec<_>>(),
        }))
        .into_response(),
        Err(e) => error_json(e),
    }
}
