//! Liveness and readiness probes.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use backend::AppState;
use serde_json::json;

const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

/// The process is up and serving.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, description = "`{status: ok}`")))]
pub async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// The database answers and every migration is applied.
#[utoipa::path(get, path = "/readyz", tag = "health", responses(
    (status = 200, description = "`{status: ready}`"),
    (status = 503, description = "`{status: unavailable, reason}`: database unreachable or migrations pending"),
))]
pub async fn readyz(State(app): State<AppState>) -> impl IntoResponse {
    let db = app.db;
    // A probe must answer within its own deadline, not the pool's 10 s
    // acquire timeout: an unreachable database is "not ready", quickly.
    let answer = tokio::time::timeout(PROBE_TIMEOUT, crate::db::readiness(&db))
        .await
        .unwrap_or_else(|_| Err("the database did not answer within 1 s".into()));
    match answer {
        Ok(()) => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Err(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "reason": reason })),
        ),
    }
}
