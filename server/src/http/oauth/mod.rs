//! REST endpoints for connecting platforms:
//! `GET /api/v1/oauth/{platform}/authorize?business_id=…` → 303 to the platform,
//! `GET /api/v1/oauth/{platform}/callback` → 303 back to the business,
//! `DELETE /api/v1/oauth/{platform}/disconnect?business_id=…`,
//! `GET /api/v1/oauth/status?business_id=…`.
//! Same session and tenancy checks as the server functions.

use std::net::SocketAddr;

use axum::Json;
use axum::Router;
use axum::extract::{ConnectInfo, FromRef, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{delete, get, post};
use backend::AppState;
use backend::accounts::businesses;
use backend::connections;
use backend::oauth::transactions::{self, Rejected};
use backend::platforms::{ProviderError, for_platform};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::bad_input::Params;
use super::error::{ApiError, ErrorPage};
use super::extract::{Manager, Member, PlatformPath, session};

mod callback;

pub use callback::{__path_callback, callback};

pub fn routes<S>() -> Router<S>
where
    AppState: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
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
    PlatformPath(platform): PlatformPath,
    Params(q): Params<BusinessQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Some(user) = session(&app, &headers).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    businesses::require_manager(&app.db, user.user_id, q.business_id).await?;
    let Some(cfg) = app.providers.get(platform) else {
        return Ok(ErrorPage::new(
            StatusCode::CONFLICT,
            format!("{} is not configured on this server yet.", platform.label()),
        )
        .into_response());
    };
    app.limits.check_connect(user.user_id)?;
    let return_to = format!("/businesses/{}", q.business_id);
    let started = transactions::begin(
        &app.db,
        &app.vault,
        platform,
        user.user_id,
        &user.id,
        q.business_id,
        &return_to,
        Utc::now(),
    )
    .await?;
    let url = for_platform(platform)
        .authorize_url(cfg, &started.state, started.challenge)
        .map_err(backend::Error::internal)?;
    Ok(Redirect::to(&url).into_response())
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
    PlatformPath(platform): PlatformPath,
    manager: Manager,
) -> Result<Json<Value>, ApiError> {
    let done = backend::oauth::disconnect::disconnect(
        &app.db,
        &app.vault,
        &app.providers,
        manager.business.id,
        platform,
        &manager.session.user_id.to_string(),
    )
    .await?;
    Ok(Json(json!({
        "disconnected": done.removed,
        "revoked_at_platform": done.revoked,
    })))
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
    PlatformPath(platform): PlatformPath,
    manager: Manager,
) -> Result<Json<Value>, ApiError> {
    use backend::oauth::refresh::{self, RefreshError, Refreshed};
    let rows = connections::list(&app.db, manager.business.id).await?;
    let mut results = Vec::new();
    for row in rows
        .iter()
        .filter(|c| c.kind().is_some_and(|k| k.platform() == platform))
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
                return Err(ApiError::Body(
                    status,
                    json!({ "error": e.class(), "connection_id": row.id }),
                ));
            }
            Err(RefreshError::Unsupported(why)) => {
                return Err(ApiError::Body(
                    StatusCode::CONFLICT,
                    json!({ "error": "unsupported", "reason": why }),
                ));
            }
            Err(RefreshError::App(e)) => return Err(e.into()),
        }
    }
    Ok(Json(json!({ "results": results })))
}

/// Connections of a business and their token health (never tokens).
#[utoipa::path(get, path = "/api/v1/oauth/status", tag = "oauth",
    params(("business_id" = uuid::Uuid, Query, description = "The business")),
    responses(
        (status = 200, description = "`{connections: [...]}` with status, expiries and last refresh"),
        (status = 401, description = "Not signed in"),
        (status = 404, description = "Not a member of the business"),
    ))]
pub async fn status(State(app): State<AppState>, member: Member) -> Result<Json<Value>, ApiError> {
    let rows = connections::list(&app.db, member.business.id).await?;
    Ok(Json(json!({
        "connections": rows.iter().map(connections::view).collect::<Vec<_>>(),
    })))
}
