//! "Sync now", one path for the REST route and the server function: the
//! run in flight, or a new manual run whose job is queued and whose
//! creation is announced on the events bus. Owners and admins only.

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::runs::{self, Requested};
use crate::error::Error;
use crate::state::AppState;
use shared::domain::SyncStatus;

/// A boxed future, for the object-safe [`RunQueue`].
pub type Pending<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// Where a new run's job goes: the server's job queue. The backend knows
/// only that a run can be handed to it by id.
pub trait RunQueue: Send + Sync {
    fn enqueue(&self, run_id: Uuid) -> Pending<'_>;
}

/// Starts a manual sync of `business_id` for `user_id`, who must be allowed
/// to manage it (the caller checks membership and role).
pub async fn request(
    state: &AppState,
    business_id: Uuid,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Requested, Error> {
    let requested = runs::request_manual(&state.db, business_id, user_id, now).await?;
    let run = &requested.run;
    if requested.created {
        if let Err(e) = state.runs.enqueue(run.id).await {
            // A run nobody will execute must not hold the business's slot.
            runs::finish(
                &state.db,
                run.id,
                SyncStatus::Failed,
                Some("could not be queued"),
                now,
            )
            .await?;
            return Err(Error::internal(e));
        }
        tracing::info!(run_id = %run.id, business_id = %run.business_id, "sync requested");
        state.events.run_changed(&state.db, run.id).await;
    }
    Ok(requested)
}
