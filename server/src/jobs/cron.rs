//! Cron across many nodes: every node's scheduler fires on every tick; the
//! first to insert the `(job, slot)` claim row does the tick's work, the
//! others skip. A tick that cannot be claimed is logged, never lost silently.

use apalis::prelude::*;
use apalis_cron::Tick;
use backend::entities::cron_claims;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, Set};

use super::JobDeps;

/// The second a tick was scheduled for: its slot.
pub fn slot_of(tick: &Tick) -> Result<DateTime<Utc>, BoxDynError> {
    DateTime::from_timestamp(tick.get_timestamp() as i64, 0)
        .ok_or_else(|| AbortError::new(std::io::Error::other("tick timestamp out of range")).into())
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
