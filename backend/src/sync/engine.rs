//! Running a sync: one item per connected account, its tokens refreshed
//! first when they are due, each fetched through its platform's adapter and
//! stored, progress written as it goes, and the
//! run ended with the outcome of its items. Running a run again (a retried
//! job) resumes it: finished items are kept, the rest are done.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};
use uuid::Uuid;

use super::events::Events;
use super::{runs, store};
use crate::connections;
use crate::entities::{connections as conn, metric_points, sync_run_items, sync_runs};
use crate::error::Error;
use crate::oauth::refresh::{self, RefreshError};
use crate::platforms::analytics::{Fetched, Target, Window};
use crate::platforms::{ProviderError, Providers, for_platform};
use crate::vault::Keyring;
use shared::domain::{AccountKind, ConnectionStatus, SyncStatus};

/// Days re-fetched on every sync: platforms revise recent days.
pub const TRAILING_DAYS: i64 = 3;

/// Runs `run_id` to its end and returns how it ended. A run that has
/// already ended is left as it is.
pub async fn execute(
    db: &impl ConnectionTrait,
    vault: &Keyring,
    providers: &Providers,
    events: &Events,
    run_id: Uuid,
    now: DateTime<Utc>,
) -> Result<SyncStatus, Error> {
    let run = sync_runs::Entity::find_by_id(run_id)
        .one(db)
        .await?
        .ok_or(Error::NotFound)?;
    let status = SyncStatus::parse(&run.status).unwrap_or(SyncStatus::Failed);
    if !status.in_flight() {
        return Ok(status);
    }
    let items = items_of(db, &run).await?;
    runs::start(db, run_id, items.len() as i32, now).await?;
    events.run_changed(db, run_id).await;
    let mut outcomes = Vec::with_capacity(items.len());
    for (done, item) in items.iter().enumerate() {
        let outcome = match SyncStatus::parse(&item.status) {
            Some(s) if !s.in_flight() => item.clone(),
            _ => {
                sync_runs::Entity::update_many()
                    .col_expr(
                        sync_runs::Column::CurrentConnectionId,
                        Expr::value(item.connection_id),
                    )
                    .filter(sync_runs::Column::Id.eq(run.id))
                    .exec(db)
                    .await?;
                events.run_changed(db, run_id).await;
                sync_item(db, vault, providers, item, now).await?
            }
        };
        outcomes.push(outcome);
        sync_runs::Entity::update_many()
            .col_expr(
                sync_runs::Column::ProgressDone,
                Expr::value(done as i32 + 1),
            )
            .filter(sync_runs::Column::Id.eq(run_id))
            .exec(db)
            .await?;
        events.run_changed(db, run_id).await;
    }
    let status = overall(outcomes.iter().map(status_of));
    let summary = summary(&outcomes);
    runs::finish(db, run_id, status, summary.as_deref(), Utc::now()).await?;
    events.run_changed(db, run_id).await;
    Ok(status)
}

fn status_of(item: &sync_run_items::Model) -> SyncStatus {
    SyncStatus::parse(&item.status).unwrap_or(SyncStatus::Failed)
}

/// What a run's failures come to, for its summary and the toast that shows
/// it: each account not synced, with its reason.
fn summary(items: &[sync_run_items::Model]) -> Option<String> {
    let failed: Vec<String> = items
        .iter()
        .filter(|i| status_of(i) == SyncStatus::Failed)
        .map(|i| match &i.error_message {
            Some(why) => format!("{} ({why})", i.display_name),
            None => i.display_name.clone(),
        })
        .collect();
    (!failed.is_empty()).then(|| format!("Not synced: {}", failed.join("; ")))
}

/// The run's items, made from the business's connections on first entry.
async fn items_of(
    db: &impl ConnectionTrait,
    run: &sync_runs::Model,
) -> Result<Vec<sync_run_items::Model>, Error> {
    let existing = sync_run_items::Entity::find()
        .filter(sync_run_items::Column::RunId.eq(run.id))
        .all(db)
        .await?;
    if !existing.is_empty() {
        return Ok(existing);
    }
    let mut items = Vec::new();
    for c in connections::list(db, run.business_id).await? {
        let item = sync_run_items::Model {
            id: Uuid::new_v4(),
            run_id: run.id,
            connection_id: Some(c.id),
            account_kind: c.platform.clone(),
            display_name: c.display_name.clone(),
            status: SyncStatus::Queued.as_str().to_owned(),
            records: 0,
            calls: 0,
            error_class: None,
            error_message: None,
            rate_limited_until: None,
            started_at: None,
            finished_at: None,
        };
        sync_run_items::ActiveModel::from(item.clone())
            .insert(db)
            .await?;
        items.push(item);
    }
    Ok(items)
}

/// Syncs one account and records the item's outcome.
async fn sync_item(
    db: &impl ConnectionTrait,
    vault: &Keyring,
    providers: &Providers,
    item: &sync_run_items::Model,
    now: DateTime<Utc>,
) -> Result<sync_run_items::Model, Error> {
    let started = Utc::now();
    let result = match item.connection_id {
        Some(id) => fetch_and_store(db, vault, providers, id, now).await?,
        None => Err(Skip::Gone),
    };
    let mut row = sync_run_items::ActiveModel {
        id: Set(item.id),
        started_at: Set(Some(started)),
        finished_at: Set(Some(Utc::now())),
        ..Default::default()
    };
    let status = match result {
        Ok((records, calls, refused)) => {
            row.records = Set(records as i32);
            row.calls = Set(calls as i32);
            if refused.is_empty() {
                SyncStatus::Succeeded
            } else {
                row.error_class = Set(Some("metric_unavailable".into()));
                row.error_message = Set(Some(format!(
                    "Some metrics are not available: {}",
                    refused.join(", ")
                )));
                SyncStatus::Partial
            }
        }
        Err(skip) => {
            let (status, class, message, until) = skip.describe(&item.account_kind);
            row.error_class = Set(Some(class.into()));
            row.error_message = Set(Some(message));
            row.rate_limited_until = Set(until);
            status
        }
    };
    row.status = Set(status.as_str().to_owned());
    Ok(row.update(db).await?)
}

/// Why an account was not (fully) synced.
enum Skip {
    Gone,
    NotConfigured,
    NotFetchedYet,
    NeedsReconnect,
    /// The grant lacks a scope the analytics need: not a sync failure.
    ScopeNotGranted(&'static str),
    Provider(ProviderError),
}

impl Skip {
    /// The item's status, error class, message and rate-limit end.
    fn describe(self, kind: &str) -> (SyncStatus, &'static str, String, Option<DateTime<Utc>>) {
        let label = AccountKind::parse(kind).map_or("The platform", AccountKind::label);
        match self {
            Skip::Gone => (
                SyncStatus::Cancelled,
                "connection_removed",
                "The account was disconnected.".into(),
                None,
            ),
            Skip::NotConfigured => (
                SyncStatus::Failed,
                "not_configured",
                format!("{label} is not configured on this server."),
                None,
            ),
            Skip::NotFetchedYet => (
                SyncStatus::Cancelled,
                "unsupported",
                format!("{label} analytics are not fetched yet."),
                None,
            ),
            Skip::NeedsReconnect => (
                SyncStatus::Failed,
                ConnectionStatus::NeedsReconnect.as_str(),
                format!("Reconnect {label} to resume syncing."),
                None,
            ),
            Skip::ScopeNotGranted(scope) => (
                SyncStatus::Cancelled,
                ProviderError::MissingPermission(String::new()).class(),
                format!("Reconnect {label} to grant access to insights ({scope})."),
                None,
            ),
            Skip::Provider(e) => {
                let message = match &e {
                    ProviderError::NeedsReauth(_) | ProviderError::Unreadable(_) => {
                        format!("Reconnect {label} to resume syncing.")
                    }
                    ProviderError::MissingPermission(_) => {
                        format!("Reconnect {label} to grant access to insights.")
                    }
                    ProviderError::RateLimited { until } => format!(
                        "{label} limits requests until {}.",
                        until.format("%Y-%m-%d %H:%M UTC")
                    ),
                    // The network's failures, as `transport` names them.
                    ProviderError::Transient(why)
                        if matches!(
                            why.as_str(),
                            "timeout" | "connection failed" | "request failed"
                        ) =>
                    {
                        format!("{label} could not be reached ({why}); the next sync tries again.")
                    }
                    ProviderError::Transient(_) => {
                        format!("{label} had a temporary problem; the next sync tries again.")
                    }
                    ProviderError::Invalid(_) => format!("{label} answered something unexpected."),
                    ProviderError::VersionRetired(v) => format!(
                        "{label} no longer serves API version {v}: the server's operator must configure a current one."
                    ),
                };
                let until = match e {
                    ProviderError::RateLimited { until } => Some(until),
                    _ => None,
                };
                (SyncStatus::Failed, e.class(), message, until)
            }
        }
    }
}

type Stored = (usize, u32, Vec<String>);

/// Fetches one connection's window and stores it: (records, calls, refused).
async fn fetch_and_store(
    db: &impl ConnectionTrait,
    vault: &Keyring,
    providers: &Providers,
    connection_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Result<Stored, Skip>, Error> {
    let Some(mut c) = conn::Entity::find_by_id(connection_id).one(db).await? else {
        return Ok(Err(Skip::Gone));
    };
    // Tokens inside their platform's refresh buffer are refreshed first.
    if refresh::due(&c, now) {
        match refresh::refresh(db, vault, providers, c.id, false).await {
            Ok(_) | Err(RefreshError::Unsupported(_)) => {}
            Err(RefreshError::Provider(e) | RefreshError::Concurrent(e)) => {
                return Ok(Err(Skip::Provider(e)));
            }
            Err(RefreshError::App(e)) => return Err(e),
        }
        c = match conn::Entity::find_by_id(connection_id).one(db).await? {
            Some(c) => c,
            None => return Ok(Err(Skip::Gone)),
        };
    }
    let Some(kind) = c.kind() else {
        return Ok(Err(Skip::NotFetchedYet));
    };
    let platform = kind.platform();
    let Some(cfg) = providers.get(platform) else {
        return Ok(Err(Skip::NotConfigured));
    };
    if c.health() == ConnectionStatus::NeedsReconnect {
        return Ok(Err(Skip::NeedsReconnect));
    }
    if let Some(until) = c.rate_limited_until.filter(|t| *t > now) {
        // The platform said when to come back: not before.
        return Ok(Err(Skip::Provider(ProviderError::RateLimited { until })));
    }
    let adapter = for_platform(platform);
    if let Some(scope) = missing_scope(adapter.analytics_scopes(kind), &c.scopes) {
        // The connections page says so too, until the user reconnects.
        conn::Entity::update_many()
            .col_expr(
                conn::Column::Status,
                Expr::value(ConnectionStatus::MissingPermission.as_str()),
            )
            .filter(conn::Column::Id.eq(c.id))
            .exec(db)
            .await?;
        return Ok(Err(Skip::ScopeNotGranted(scope)));
    }
    let Ok(token) = connections::access_token(vault, &c) else {
        return Ok(Err(Skip::NeedsReconnect));
    };
    let window = Window {
        since: window_start(db, c.id, adapter.backfill(kind), now).await?,
        now,
    };
    let target = Target {
        external_id: &c.external_id,
        kind,
    };
    let Some(fetch) = adapter.fetch(cfg, &providers.http, &token, target, window) else {
        return Ok(Err(Skip::NotFetchedYet));
    };
    let fetched: Fetched = match fetch.await {
        Ok(f) => f,
        Err(e) => {
            if let ProviderError::RateLimited { until } = &e {
                conn::Entity::update_many()
                    .col_expr(conn::Column::RateLimitedUntil, Expr::value(Some(*until)))
                    .filter(conn::Column::Id.eq(c.id))
                    .exec(db)
                    .await?;
            }
            return Ok(Err(Skip::Provider(e)));
        }
    };
    let stored = Utc::now();
    let mut records = store::upsert_points(db, c.id, &fetched.points, stored).await?;
    records += store::upsert_posts(db, c.id, &fetched.posts, stored).await?;
    for (metric, reason) in &fetched.refused {
        store::mark_unavailable(db, c.id, metric, reason, stored).await?;
    }
    let refused = fetched.refused.into_iter().map(|(m, _)| m).collect();
    Ok(Ok((records, fetched.calls, refused)))
}

/// The first of `needed` that `granted` (space- or comma-separated) lacks.
fn missing_scope(needed: &[&'static str], granted: &str) -> Option<&'static str> {
    let granted: Vec<&str> = granted.split([' ', ',']).collect();
    needed.iter().copied().find(|s| !granted.contains(s))
}

/// Where a connection's window starts: the trailing days when it has been
/// synced before, the platform's `backfill` otherwise; at 00:00 UTC.
async fn window_start(
    db: &impl ConnectionTrait,
    connection_id: Uuid,
    backfill: Duration,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, Error> {
    let synced_before = metric_points::Entity::find()
        .filter(metric_points::Column::ConnectionId.eq(connection_id))
        .one(db)
        .await?
        .is_some();
    let back = if synced_before {
        Duration::days(TRAILING_DAYS)
    } else {
        backfill
    };
    let day = now.date_naive() - back;
    Ok(day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc())
}

/// A run's status from its items': all fine → succeeded; nothing synced →
/// failed; anything in between → partial. Accounts whose analytics are not
/// fetched yet or that were removed do not count either way.
pub fn overall(items: impl IntoIterator<Item = SyncStatus>) -> SyncStatus {
    let (mut ok, mut bad, mut partial) = (0, 0, 0);
    for s in items {
        match s {
            SyncStatus::Succeeded => ok += 1,
            SyncStatus::Partial => partial += 1,
            SyncStatus::Failed => bad += 1,
            _ => {}
        }
    }
    match (ok, bad, partial) {
        (_, 0, 0) => SyncStatus::Succeeded,
        (0, _, 0) => SyncStatus::Failed,
        _ => SyncStatus::Partial,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use SyncStatus::*;

    #[test]
    fn a_runs_status_follows_its_items() {
        assert_eq!(overall([Succeeded, Succeeded]), Succeeded);
        assert_eq!(overall([Succeeded, Cancelled]), Succeeded);
        assert_eq!(overall([Succeeded, Failed]), Partial);
        assert_eq!(overall([Partial]), Partial);
        assert_eq!(overall([Failed, Failed]), Failed);
        assert_eq!(overall([]), Succeeded);
    }
}
