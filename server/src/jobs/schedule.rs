//! The sync scheduler's tick: on every node, every minute. Turning due
//! slots into runs is idempotent across nodes (a run per business per slot
//! is a unique key), so no claim is needed; the node that made a run
//! enqueues its job.

use apalis::prelude::*;
use apalis_cron::Tick;
use backend::sync::schedule;
use chrono::Utc;

use super::{Job, JobDeps};

pub async fn on_tick(_tick: Tick, deps: Data<JobDeps>) -> Result<(), BoxDynError> {
    let created = schedule::tick(&deps.db, Utc::now()).await?;
    for run_id in &created {
        deps.queue
            .push(Job::SyncBusiness { run_id: *run_id })
            .await?;
        deps.events.run_changed(&deps.db, *run_id).await;
    }
    if !created.is_empty() {
        tracing::info!(runs = created.len(), node = %deps.node, "scheduled syncs enqueued");
    }
    Ok(())
}
