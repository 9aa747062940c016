//! REST for the analytics sync: `POST /api/v1/analytics/sync/{business_id}`
//! ("Sync now", owners and admins) and `GET
//! /api/v1/analytics/sync-status/{business_id}` (any member). The same
//! tenant checks as every route: 404 for anyone else's business.

use app::error::AppError;
use axum::Json;
use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use backend::AppState;
use backend::sync::history::{self, Cursor, Filter};
use backend::sync::status;
use chrono::Utc;
use serde::Deserialize;
use shared::domain::{Platform, SyncStatus, SyncTrigger};
use shared::dto::{HistoryPage, SyncNowView, SyncStatusView};

use super::bad_input::Params;
use super::error::ApiError;
use super::extract::{Manager, Member};

pub fn routes<S>() -> Router<S>
where
    AppState: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/api/v1/analytics/sync/{business_id}", post(sync_now))
        .route(
            "/api/v1/analytics/sync-status/{business_id}",
            get(sync_status),
        )
        .route(
            "/api/v1/analytics/sync-history/{business_id}",
            get(sync_history),
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
        (status = 429, description = "The business's last manual sync began less than a minute ago and has ended; `Retry-After` says when to try again"),
    ))]
pub async fn sync_now(
    State(app): State<AppState>,
    manager: Manager,
) -> Result<(StatusCode, Json<SyncNowView>), ApiError> {
    let requested = backend::sync::now::request(
        &app,
        manager.business.id,
        manager.session.user_id,
        Utc::now(),
    )
    .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(SyncNowView {
            run_id: requested.run.id,
            status: requested.run.status,
            created: requested.created,
        }),
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

#[derive(Deserialize)]
pub struct HistoryQuery {
    platform: Option<String>,
    status: Option<String>,
    trigger: Option<String>,
    cursor: Option<String>,
    limit: Option<u64>,
}

pub(super) fn invalid(field: &str, message: &str) -> ApiError {
    AppError::Invalid {
        field: field.into(),
        message: message.into(),
    }
    .into()
}

/// One value of a closed set, or a clear error naming the field.
pub(super) fn one_of<T>(
    raw: Option<&str>,
    field: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<Option<T>, ApiError> {
    raw.map(|v| parse(v).ok_or_else(|| invalid(field, &format!("Unknown {field}."))))
        .transpose()
}

/// The business's runs, newest first, each with its accounts' outcomes.
#[utoipa::path(get, path = "/api/v1/analytics/sync-history/{business_id}", tag = "analytics",
    params(
        ("business_id" = uuid::Uuid, Path, description = "The business"),
        ("platform" = Option<String>, Query, description = "linkedin, x or meta"),
        ("status" = Option<String>, Query, description = "queued, running, succeeded, partial, failed or cancelled"),
        ("trigger" = Option<String>, Query, description = "schedule, manual, retry or initial"),
        ("cursor" = Option<String>, Query, description = "`next` from the previous page"),
        ("limit" = Option<u64>, Query, description = "Runs per page, 1–100 (default 20)"),
    ),
    responses(
        (status = 200, description = "`{runs: [{id, trigger, status, …, items: [{kind, display_name, status, records, calls, error_message, …}]}], next}`"),
        (status = 401, description = "Not signed in"),
        (status = 404, description = "Not a member of the business"),
        (status = 422, description = "An unknown platform, status, trigger or cursor"),
    ))]
pub async fn sync_history(
    State(app): State<AppState>,
    member: Member,
    Params(q): Params<HistoryQuery>,
) -> Result<Json<HistoryPage>, ApiError> {
    let filter = Filter {
        platform: one_of(q.platform.as_deref(), "platform", Platform::parse)?,
        status: one_of(q.status.as_deref(), "status", SyncStatus::parse)?,
        trigger: one_of(q.trigger.as_deref(), "trigger", SyncTrigger::parse)?,
        cursor: one_of(q.cursor.as_deref(), "cursor", Cursor::parse)?,
        limit: q.limit.unwrap_or(20),
    };
    Ok(Json(
        history::page(&app.db, member.business.id, &filter).await?,
    ))
}
