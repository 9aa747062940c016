//! REST for the analytics sync: `POST /api/v1/analytics/sync/{business_id}`
//! ("Sync now"). The same tenant checks as every route: an owner or admin
//! of the business, 404 for anyone else's.

use axum::Json;
use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::routing::post;
use backend::AppState;
use backend::sync::runs;
use chrono::Utc;
use serde_json::{Value, json};
use shared::domain::{SyncStatus, SyncTrigger};

use super::error::ApiError;
use super::extract::Manager;
use crate::jobs::{Job, JobQueue};

pub fn routes<S>() -> Router<S>
where
    AppState: FromRef<S>,
    JobQueue: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new().route("/api/v1/analytics/sync/{business_id}", post(sync_now))
}

/// Starts a sync of the business now, or answers with the run already
/// queued or running (never two).
#[utoipa::path(post, path = "/api/v1/analytics/sync/{business_id}", tag = "analytics",
    params(("business_id" = uuid::Uuid, Path, description = "The business to sync")),
    responses(
        (status = 202, description = "`{run_id, status, created}`: the new run, or the one already in flight (`created: false`)"),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "A viewer: only owners and admins start syncs"),
        (status = 404, description = "Not a member of the business"),
    ))]
pub async fn sync_now(
    State(app): State<AppState>,
    State(queue): State<JobQueue>,
    manager: Manager,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let now = Utc::now();
    let requested = runs::request(
        &app.db,
        manager.business.id,
        SyncTrigger::Manual,
        Some(manager.session.user_id),
        None,
        now,
    )
    .await?;
    let run = &requested.run;
    if requested.created {
        if let Err(e) = queue.push(Job::SyncBusiness { run_id: run.id }).await {
            // A run nobody will execute must not hold the business's slot.
            runs::finish(
                &app.db,
                run.id,
                SyncStatus::Failed,
                Some("could not be queued"),
                now,
            )
            .await?;
            return Err(backend::Error::internal(e).into());
        }
        tracing::info!(run_id = %run.id, business_id = %run.business_id, "sync requested");
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({
            "run_id": run.id,
            "status": run.status,
            "created": requested.created,
        })),
    ))
}
