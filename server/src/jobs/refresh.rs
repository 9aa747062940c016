//! Token upkeep: a sweep (once per tick across all nodes) warns about and
//! expires connections that cannot renew themselves (`oauth::expiry`), and
//! enqueues a RefreshConnection job for every connection inside its
//! platform's refresh buffer; the job refreshes single-flight (see
//! `oauth::refresh`).

use apalis::prelude::*;
use apalis_cron::Tick;
use backend::entities::connections;
use backend::oauth::refresh::{self, RefreshError, Refreshed};
use backend::platforms::ProviderError;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use shared::domain::ConnectionStatus;
use uuid::Uuid;

use super::cron::{claim_tick, slot_of};
use super::{Job, JobDeps};

pub const JOB: &str = "refresh-sweep";
/// Upper bound of the random delay before each refresh (well inside X's 10-minute buffer).
const JITTER_MS: u64 = 5_000;

/// A random delay below `JITTER_MS`, so refreshes due together spread out.
fn jitter() -> std::time::Duration {
    std::time::Duration::from_millis(rand::random_range(0..JITTER_MS))
}

/// Connections due for a refresh now: connected, inside the buffer, not
/// rate-limited, not being refreshed.
pub async fn due(
    db: &sea_orm::DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, sea_orm::DbErr> {
    let candidates = connections::Entity::find()
        // Rate-limited connections come back once their window has passed (below).
        .filter(connections::Column::Status.is_in(
            [ConnectionStatus::Connected, ConnectionStatus::RateLimited].map(|s| s.as_str()),
        ))
        .filter(connections::Column::RefreshTokenCt.is_not_null())
        .filter(connections::Column::AccessExpiresAt.lte(now + refresh::MAX_BUFFER))
        .all(db)
        .await?;
    Ok(candidates
        .into_iter()
        .filter(|c| refresh::due(c, now))
        .filter(|c| c.rate_limited_until.is_none_or(|t| t <= now))
        .filter(|c| c.refresh_lease_until.is_none_or(|t| t <= now))
        .map(|c| c.id)
        .collect())
}

pub async fn on_tick(tick: Tick, deps: Data<JobDeps>) -> Result<(), BoxDynError> {
    let slot = slot_of(&tick)?;
    if !claim_tick(&deps, JOB, slot).await? {
        return Ok(());
    }
    let upkeep = backend::oauth::expiry::upkeep(&deps.db, Utc::now()).await?;
    if upkeep != Default::default() {
        tracing::info!(job = JOB, %slot, warned = upkeep.warned, lapsed = upkeep.lapsed, "expiry upkeep");
    }
    let ids = due(&deps.db, Utc::now()).await?;
    for connection_id in &ids {
        // Jitter spreads a burst of expiring tokens over the sweep interval.
        deps.queue
            .push_after(
                Job::RefreshConnection {
                    connection_id: *connection_id,
                },
                jitter(),
            )
            .await?;
    }
    if !ids.is_empty() {
        tracing::info!(job = JOB, %slot, count = ids.len(), "refreshes enqueued");
    }
    Ok(())
}

/// The RefreshConnection job. A dead grant or a missing connection is final
/// (no retry); transient trouble returns an error, so apalis retries with backoff.
pub async fn run(connection_id: Uuid, deps: Data<JobDeps>) -> Result<(), BoxDynError> {
    match refresh::refresh(&deps.db, &deps.vault, &deps.providers, connection_id, false).await {
        Ok(Refreshed::Refreshed { .. })
        | Ok(Refreshed::Joined { .. })
        | Ok(Refreshed::NotDue { .. })
        | Ok(Refreshed::Checked { .. }) => Ok(()),
        Err(RefreshError::Provider(ProviderError::Transient(why))) => {
            Err(std::io::Error::other(format!("transient: {why}")).into())
        }
        // The platform said when to come back: a new job then, not a backoff now.
        Err(RefreshError::Provider(ProviderError::RateLimited { until })) => {
            let wait = (until - Utc::now()).to_std().unwrap_or_default() + jitter();
            deps.queue
                .push_after(Job::RefreshConnection { connection_id }, wait)
                .await?;
            tracing::info!(connection_id = %connection_id, %until, "refresh rate-limited; rescheduled");
            Ok(())
        }
        // Another job's refresh, waited for, failed: that job recorded it and owns the retry.
        Err(RefreshError::Concurrent(_)) => Ok(()),
        Err(e) => {
            tracing::warn!(connection_id = %connection_id, error = %e, "refresh job ended without retry");
            Err(AbortError::new(std::io::Error::other(e.to_string())).into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_inside_its_bound_and_varies() {
        let draws: std::collections::HashSet<_> = (0..64).map(|_| jitter()).collect();
        assert!(
            draws
                .iter()
                .all(|d| *d < std::time::Duration::from_millis(JITTER_MS))
        );
        assert!(draws.len() > 8, "not a constant delay: {draws:?}");
    }
}
