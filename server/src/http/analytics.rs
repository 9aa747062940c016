//! REST for the analytics sync: `POST /api/v1/analytics/sync/{business_id}`
//! ("Sync now", owners and admins) and `GET
//! /api/v1/analytics/sync-status/{business_id}` (any member). The same
//! tenant checks as every route: 404 for anyone else's business.

use axum::Json;
use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use backend::AppState;
use backend::sync::{runs, status};
use chrono::Utc;
use serde_json::{Value, json};
use shared::domain::{SyncStatus, SyncTrigger};
use shared::dto::SyncStatusView;

use super::error::ApiError;
use super::extract::{Manager, Member};
use crate::jobs::{Job, JobQueue};

pub fn routes<S>() -> Router<S>
where
    AppState: FromRef<S>,
    JobQueue: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/api/v1/analytics/sync/{business_id}", post(sync_now))
        .route(
            "/api/v1/analytics/sync-status/{business_id}",
            get(sync_status),
        )
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

/// Where the business's syncing stands: the last run, the last success,
/// per-kind counts for the last run and the last 7 days, the next
/// scheduled sync and the run in flight with its progress.
#[utoipa::path(get, path = "/api/v1/analytics/sync-status/{business_id}", tag = "analytics",
    params(("business_id" = uuid::Uuid, Path, description = "The business")),
    responses(
        (status = 200, description = "`{last_run, last_success_at, in_flight, next_sync_at, paused, last_run_counts, week_counts}`"),
        (status = 401, description = "Not signed in"),
        (status = 404, description = "Not a member of the business"),
    ))]
pub async fn sync_status(
    State(app): State<AppState>,
    member: Member,
) -> Result<Json<SyncStatusView>, ApiError> {
    Ok(Json(
        status::of(&app.db, member.business.id, Utc::now()).await?,
    ))
}
