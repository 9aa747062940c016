//! Housekeeping: deletes expired sessions, OAuth transactions and
//! authorizations nobody decided on in time.
//!
//! Every node's cron fires on every tick; the first to insert the
//! (job, slot) claim row enqueues the job, the others skip. The job itself
//! runs from the persistent queue, with retries and crash recovery.

use apalis::prelude::*;
use apalis_cron::Tick;
use app::backend::entities::{cron_claims, oauth_transactions};
use app::backend::sessions;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};

use super::JobDeps;

pub const JOB: &str = "housekeeping";

/// Carries only the slot it belongs to; everything else is read fresh.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HousekeepingJob {
    pub slot: DateTime<Utc>,
}

/// Claims `(job, slot)` for this node. `true` if this call inserted the row.
pub async fn claim(
    db: &impl ConnectionTrait,
    job: &str,
    slot: DateTime<Utc>,
    node: &str,
) -> Result<bool, sea_orm::DbErr> {
    let row = cron_claims::ActiveModel {
        job: Set(job.to_owned()),
        slot: Set(slot),
        node: Set(node.to_owned()),
        claimed_at: Set(Utc::now()),
        outcome: Set(None),
        executions: Set(0),
    };
    let inserted = cron_claims::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([cron_claims::Column::Job, cron_claims::Column::Slot])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(inserted == 1)
}

/// [`claim`] for a cron handler: a tick that cannot be claimed (the
/// database is unreachable) is logged by name and slot, not lost silently.
pub async fn claim_tick(
    deps: &JobDeps,
    job: &str,
    slot: DateTime<Utc>,
) -> Result<bool, BoxDynError> {
    let outcome = tokio::time::timeout(CLAIM_TIMEOUT, claim(&deps.db, job, slot, &deps.node))
        .await
        .map_err(|_| "the database did not answer in time".to_owned())
        .and_then(|r| r.map_err(|e| e.to_string()));
    outcome.map_err(|error| {
        tracing::warn!(job, %slot, node = %deps.node, %error, "cron tick could not be claimed; this tick is skipped");
        error.into()
    })
}

/// A claim is one insert: one that has not answered in this long will not
/// help its tick (the pool would otherwise wait its full acquire timeout).
const CLAIM_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The cron handler: runs on every node for every tick.
pub async fn on_tick(tick: Tick, deps: Data<JobDeps>) -> Result<(), BoxDynError> {
    let slot = DateTime::from_timestamp(tick.get_timestamp() as i64, 0)
        .ok_or_else(|| AbortError::new(std::io::Error::other("tick timestamp out of range")))?;
    if claim_tick(&deps, JOB, slot).await? {
        deps.queue
            .push(super::Job::Housekeeping(HousekeepingJob { slot }))
            .await?;
        tracing::info!(job = JOB, %slot, node = %deps.node, "tick claimed; job enqueued");
    } else {
        tracing::debug!(job = JOB, %slot, node = %deps.node, "tick already claimed by another node");
    }
    Ok(())
}

/// The queued job. Idempotent: deleting what has expired twice is harmless.
pub async fn run(job: HousekeepingJob, deps: Data<JobDeps>) -> Result<(), BoxDynError> {
    let now = Utc::now();
    let sessions = sessions::delete_expired(&deps.db, now, deps.session_idle).await?;
    let transactions = oauth_transactions::Entity::delete_many()
        .filter(oauth_transactions::Column::ExpiresAt.lte(now))
        .exec(&deps.db)
        .await?
        .rows_affected;
    let pending = app::backend::oauth::pending::delete_expired(&deps.db, now).await?;
    let outcome = format!(
        "sessions={sessions} oauth_transactions={transactions} pending_connections={pending}"
    );
    cron_claims::Entity::update_many()
        .col_expr(cron_claims::Column::Outcome, Expr::value(outcome.clone()))
        .col_expr(
            cron_claims::Column::Executions,
            Expr::col(cron_claims::Column::Executions).add(1),
        )
        .filter(cron_claims::Column::Job.eq(JOB))
        .filter(cron_claims::Column::Slot.eq(job.slot))
        .exec(&deps.db)
        .await?;
    tracing::info!(job = JOB, slot = %job.slot, node = %deps.node, sessions, oauth_transactions = transactions, pending_connections = pending, "housekeeping done");
    Ok(())
}
