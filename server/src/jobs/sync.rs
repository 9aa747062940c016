//! The SyncBusiness job: runs one sync run to its end. It carries only the
//! run's id; running it again (a retry, or a worker that died mid-run)
//! resumes the run where its items stopped.

use apalis::prelude::*;
use backend::sync::engine;
use chrono::Utc;
use uuid::Uuid;

use super::JobDeps;

pub async fn run(run_id: Uuid, deps: Data<JobDeps>) -> Result<(), BoxDynError> {
    match engine::execute(
        &deps.db,
        &deps.vault,
        &deps.providers,
        &deps.events,
        run_id,
        Utc::now(),
    )
    .await
    {
        Ok(status) => {
            tracing::info!(run_id = %run_id, status = %status, "sync run ended");
            metrics::counter!(
                crate::observability::metrics::SYNC_RUNS,
                "status" => status.as_str()
            )
            .increment(1);
            Ok(())
        }
        // The run is gone (its business was deleted): nothing to retry.
        Err(backend::Error::NotFound) => {
            tracing::warn!(run_id = %run_id, "sync run no longer exists");
            Ok(())
        }
        // The database or another failure: apalis retries with backoff.
        Err(e) => Err(std::io::Error::other(e.to_string()).into()),
    }
}
