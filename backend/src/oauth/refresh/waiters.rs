//! The callers that did not get the lease: they wait for its holder and
//! report what it got — its tokens (`Joined`), or its failure — never a
//! success nobody had.

use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use sea_orm::ConnectionTrait;

use super::{LEASE, RefreshError, Refreshed, load};
use crate::entities::connections::Model;
use crate::platforms::ProviderError;

/// Someone else holds (or just used) the lease: wait for it, then report
/// what its holder got — its tokens, or its failure.
pub(super) async fn wait_for_other(
    db: &impl ConnectionTrait,
    start: &Model,
) -> Result<Refreshed, RefreshError> {
    let deadline = Utc::now() + LEASE + Duration::seconds(5);
    loop {
        let row = load(db, start.id).await?;
        let leased = row.refresh_lease_until.is_some_and(|t| t > Utc::now());
        // A lease that lapsed without being cleared: its holder died mid-refresh.
        // Nothing was refreshed; say so, and let the caller (a job) retry.
        if row.refresh_lease_until.is_some() && !leased {
            return Err(RefreshError::Provider(ProviderError::Transient(
                "an interrupted refresh left its lease; retry".into(),
            )));
        }
        if !leased
            && row.version > start.version
            && let Some(outcome) = outcome_since(start, &row)
        {
            return outcome;
        }
        if Utc::now() > deadline {
            return Err(RefreshError::Provider(ProviderError::Transient(
                "refresh lease not released".into(),
            )));
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
}

/// What happened to a connection between two readings of it: new tokens
/// (`Joined`), or the failure its refresher recorded. `None` when neither is
/// visible yet.
pub(super) fn outcome_since(
    before: &Model,
    now: &Model,
) -> Option<Result<Refreshed, RefreshError>> {
    let refreshed = now.last_refreshed_at > before.last_refreshed_at;
    let failed = now.last_error_at > before.last_error_at;
    if refreshed && !(failed && now.last_error_at > now.last_refreshed_at) {
        return Some(Ok(Refreshed::Joined {
            version: now.version,
        }));
    }
    if !failed {
        return None;
    }
    let why = now
        .last_error_class
        .clone()
        .unwrap_or_else(|| "refresh failed".into());
    let until = now.rate_limited_until.unwrap_or_else(Utc::now);
    let err = ProviderError::from_class(now.last_error_class.as_deref(), why, until);
    Some(Err(RefreshError::Concurrent(err)))
}
