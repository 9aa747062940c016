//! REST for a business's sync schedule: `GET
//! /api/v1/analytics/schedule/{business_id}` (any member) and `PUT` (owners
//! and admins) with `{"every_minutes": 360}` or `{"daily_at": "07:30"}` and
//! `"paused"`. A new schedule counts its next slot from now.

use axum::Json;
use axum::Router;
use axum::extract::{FromRef, State};
use axum::routing::get;
use backend::AppState;
use backend::entities::businesses;
use backend::sync::schedule::{self, Cadence};
use chrono::Utc;
use sea_orm::EntityTrait;
use serde::Deserialize;
use shared::dto::ScheduleView;

use super::bad_input::JsonBody;
use super::error::ApiError;
use super::extract::{Manager, Member};

pub fn routes<S>() -> Router<S>
where
    AppState: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new().route(
        "/api/v1/analytics/schedule/{business_id}",
        get(schedule_of).put(set_schedule),
    )
}

/// The business's schedule and its next slot.
#[utoipa::path(get, path = "/api/v1/analytics/schedule/{business_id}", tag = "analytics",
    params(("business_id" = uuid::Uuid, Path, description = "The business")),
    responses(
        (status = 200, description = "`{every_minutes, daily_at, paused, timezone, next_sync_at, summary}`"),
        (status = 401, description = "Not signed in"),
        (status = 404, description = "Not a member of the business"),
    ))]
pub async fn schedule_of(
    State(app): State<AppState>,
    member: Member,
) -> Result<Json<ScheduleView>, ApiError> {
    let b = businesses::Entity::find_by_id(member.business.id)
        .one(&app.db)
        .await
        .map_err(backend::Error::from)?
        .ok_or(backend::Error::NotFound)?;
    Ok(Json(schedule::view(&b)))
}

#[derive(Deserialize)]
pub struct ScheduleBody {
    every_minutes: Option<i32>,
    daily_at: Option<String>,
    #[serde(default)]
    paused: bool,
}

/// Sets how often the business syncs, and pauses or resumes it.
#[utoipa::path(put, path = "/api/v1/analytics/schedule/{business_id}", tag = "analytics",
    params(("business_id" = uuid::Uuid, Path, description = "The business")),
    request_body(content = String, content_type = "application/json",
        description = "`{\"every_minutes\": 60|120|180|240|360|480|720|1440}` or `{\"daily_at\": \"HH:MM\"}` (the business's time zone), with `\"paused\": true|false` (default false)"),
    responses(
        (status = 200, description = "The schedule as set, with its next slot"),
        (status = 400, description = "A body that is not the JSON above"),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "A viewer: only owners and admins change the schedule"),
        (status = 404, description = "Not a member of the business"),
        (status = 422, description = "An interval not offered, a time not HH:MM, or both or neither"),
    ))]
pub async fn set_schedule(
    State(app): State<AppState>,
    manager: Manager,
    JsonBody(body): JsonBody<ScheduleBody>,
) -> Result<Json<ScheduleView>, ApiError> {
    let cadence = Cadence::parse(body.every_minutes, body.daily_at.as_deref())?;
    let b = schedule::set(
        &app.db,
        manager.business.id,
        cadence,
        body.paused,
        Utc::now(),
    )
    .await?;
    tracing::info!(business_id = %b.id, paused = b.sync_paused, "sync schedule changed");
    Ok(Json(schedule::view(&b)))
}
