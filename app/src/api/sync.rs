//! The sync, for the dashboard: start one now, and where syncing stands.
//! The same backend calls as `POST /api/v1/analytics/sync/{business_id}`
//! and `GET /api/v1/analytics/sync-status/{business_id}`.

use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
use shared::dto::{SyncNowView, SyncStatusView};

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
