//! The sync, for the dashboard: start one now, and where syncing stands.
//! The same backend calls as `POST /api/v1/analytics/sync/{business_id}`
//! and `GET /api/v1/analytics/sync-status/{business_id}`.

use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
use shared::dto::{HistoryPage, ScheduleView, SyncNowView, SyncStatusView};

/// Starts a sync of the business now (owners and admins), or joins the run
/// already in flight; a press within a minute of the last manual run, once
/// it has ended, is `RateLimited` with the seconds to wait.
#[server(prefix = "/api/fn", endpoint = "sync/now")]
pub async fn sync_now(business_id: Uuid) -> Result<SyncNowView, AppError> {
    use crate::api::request;
    use backend::accounts::businesses;
    request::respond(async move {
        let user = request::require_user().await?;
        let state = request::state()?;
        businesses::require_manager(&state.db, user.id, business_id).await?;
        let requested =
            backend::sync::now::request(&state, business_id, user.id, chrono::Utc::now()).await?;
        Ok(SyncNowView {
            run_id: requested.run.id,
            status: requested.run.status,
            created: requested.created,
        })
    })
    .await
}

/// Where the business's syncing stands (any member).
#[server(prefix = "/api/fn", endpoint = "sync/status")]
pub async fn sync_status(business_id: Uuid) -> Result<SyncStatusView, AppError> {
    use crate::api::request;
    use backend::accounts::businesses;
    request::respond(async move {
        let user = request::require_user().await?;
        let state = request::state()?;
        businesses::get(&state.db, user.id, business_id).await?;
        Ok(backend::sync::status::of(&state.db, business_id, chrono::Utc::now()).await?)
    })
    .await
}

/// Sets how often the business syncs (owners and admins): `cadence` is a
/// number of minutes or `daily` (then `daily_at` is `HH:MM`); `paused` is
/// present (a ticked box) to pause.
#[server(prefix = "/api/fn", endpoint = "sync/schedule")]
pub async fn set_schedule(
    business_id: Uuid,
    cadence: Option<String>,
    daily_at: Option<String>,
    paused: Option<String>,
) -> Result<ScheduleView, AppError> {
    use crate::api::request;
    use backend::accounts::businesses;
    use backend::sync::schedule::{self, Cadence};
    request::respond(async move {
        let user = request::require_user().await?;
        let state = request::state()?;
        businesses::require_manager(&state.db, user.id, business_id).await?;
        let cadence = match cadence.as_deref().map(str::trim) {
            Some("daily") => Cadence::parse(None, daily_at.as_deref()),
            Some(minutes) => Cadence::parse(
                Some(minutes.parse().map_err(|_| backend::Error::Invalid {
                    field: "cadence".into(),
                    message: "Choose how often to sync.".into(),
                })?),
                None,
            ),
            None => Cadence::parse(None, None),
        }?;
        let paused = paused.is_some_and(|p| !p.is_empty() && p != "false");
        let b = schedule::set(&state.db, business_id, cadence, paused, chrono::Utc::now()).await?;
        Ok(schedule::view(&b))
    })
    .await
}

/// A page of the business's sync history, newest first (any member):
/// filters by `platform`, `status` and `trigger`; `cursor` is the `next` of
/// the page before.
#[server(prefix = "/api/fn", endpoint = "sync/history")]
pub async fn sync_history(
    business_id: Uuid,
    platform: Option<String>,
    status: Option<String>,
    trigger: Option<String>,
    cursor: Option<String>,
) -> Result<HistoryPage, AppError> {
    use crate::api::request;
    use backend::accounts::businesses;
    use backend::sync::history::{self, Cursor, Filter};
    use shared::domain::{Platform, SyncStatus, SyncTrigger};
    request::respond(async move {
        let user = request::require_user().await?;
        let state = request::state()?;
        businesses::get(&state.db, user.id, business_id).await?;
        /// An optional choice from a closed set; empty means "any".
        fn pick<T>(
            raw: Option<String>,
            field: &str,
            parse: fn(&str) -> Option<T>,
        ) -> Result<Option<T>, AppError> {
            match raw.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(v) => parse(v).map(Some).ok_or_else(|| AppError::Invalid {
                    field: field.into(),
                    message: format!("Unknown {field}."),
                }),
            }
        }
        let filter = Filter {
            platform: pick(platform, "platform", Platform::parse)?,
            status: pick(status, "status", SyncStatus::parse)?,
            trigger: pick(trigger, "trigger", SyncTrigger::parse)?,
            cursor: pick(cursor, "cursor", Cursor::parse)?,
            limit: 20,
        };
        Ok(history::page(&state.db, business_id, &filter).await?)
    })
    .await
}
