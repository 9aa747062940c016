//! Housekeeping: deletes expired sessions, OAuth transactions and
//! authorizations nobody decided on in time, and ends sync runs whose
//! worker is gone.
//!
//! Its tick is claimed once across all nodes (`cron`), and the job itself
//! runs from the persistent queue, with retries and crash recovery.

use apalis::prelude::*;
use apalis_cron::Tick;
use backend::accounts::sessions;
use backend::entities::{cron_claims, oauth_transactions};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, ExprTrait, QueryFilter};
use serde::{Deserialize, Serialize};

use super::JobDeps;
use super::cron::{claim_tick, slot_of};

pub const JOB: &str = "housekeeping";

/// Carries only the slot it belongs to; everything else is read fresh.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HousekeepingJob {
    pub slot: DateTime<Utc>,
}

/// The cron handler: runs on every node for every tick.
pub async fn on_tick(tick: Tick, deps: Data<JobDeps>) -> Result<(), BoxDynError> {
    let slot = slot_of(&tick)?;
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
    let pending = backend::oauth::pending::delete_expired(&deps.db, now).await?;
    let stale_runs = backend::sync::runs::fail_stale(&deps.db, now).await?;
    if stale_runs > 0 {
        tracing::warn!(stale_runs, "sync runs without a worker ended as failed");
    }
    let outcome = format!(
        "sessions={sessions} oauth_transactions={transactions} pending_connections={pending} stale_runs={stale_runs}"
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
