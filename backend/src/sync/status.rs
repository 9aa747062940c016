//! A business's sync status in five queries, whatever its history: the
//! last ended run, the run in flight, the last success, and the items of
//! the last run and of the last 7 days counted by account kind.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect,
    RelationTrait,
};
use uuid::Uuid;

use crate::entities::{businesses, connections, sync_run_items, sync_runs};
use crate::error::Error;
use shared::domain::SyncStatus;
use shared::dto::{FailedAccount, KindCounts, RunView, SyncStatusView};

pub async fn of(
    db: &impl ConnectionTrait,
    business_id: Uuid,
    now: DateTime<Utc>,
) -> Result<SyncStatusView, Error> {
    let business = businesses::Entity::find_by_id(business_id)
        .one(db)
        .await?
        .ok_or(Error::NotFound)?;
    let ended = sync_runs::Entity::find()
        .filter(sync_runs::Column::BusinessId.eq(business_id))
        .filter(sync_runs::Column::ActiveFor.is_null());
    let last_run = ended
        .clone()
        .order_by_desc(sync_runs::Column::CreatedAt)
        .one(db)
        .await?;
    let last_success_at = ended
        .filter(
            sync_runs::Column::Status
                .is_in([SyncStatus::Succeeded, SyncStatus::Partial].map(|s| s.as_str())),
        )
        .order_by_desc(sync_runs::Column::FinishedAt)
        .one(db)
        .await?
        .and_then(|r| r.finished_at);
    let in_flight = super::runs::in_flight(db, business_id).await?;
    let current_account = match in_flight.as_ref().and_then(|r| r.current_connection_id) {
        Some(id) => connections::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|c| c.display_name),
        None => None,
    };
    let week: Vec<Item> = sync_run_items::Entity::find()
        .select_only()
        .column(sync_run_items::Column::RunId)
        .column(sync_run_items::Column::AccountKind)
        .column(sync_run_items::Column::Status)
        .column(sync_run_items::Column::DisplayName)
        .column(sync_run_items::Column::ErrorClass)
        .column(sync_run_items::Column::RateLimitedUntil)
        .join(JoinType::InnerJoin, sync_run_items::Relation::Run.def())
        .filter(sync_runs::Column::BusinessId.eq(business_id))
        .filter(sync_runs::Column::CreatedAt.gte(now - Duration::days(7)))
        .into_tuple()
        .all(db)
        .await?;
    let last_id = last_run.as_ref().map(|r| r.id);
    // The scheduler places a business's first slot at its next tick (within
    // a minute of the first connection): say where it will land meanwhile.
    let next_sync_at = match business.next_sync_at {
        None if !business.sync_paused && has_accounts(db, business_id).await? => {
            Some(super::schedule::Schedule::of(&business).next_after(now))
        }
        next => next,
    };
    Ok(SyncStatusView {
        business_id,
        last_run_counts: counts(week.iter().filter(|(run, ..)| Some(*run) == last_id)),
        week_counts: counts(week.iter()),
        last_run_failures: week
            .iter()
            .filter(|(run, _, status, ..)| {
                Some(*run) == last_id && SyncStatus::parse(status) == Some(SyncStatus::Failed)
            })
            .map(|(_, kind, _, name, class, until)| FailedAccount {
                kind: kind.clone(),
                display_name: name.clone(),
                error_class: class.clone(),
                rate_limited_until: *until,
            })
            .collect(),
        last_run: last_run.map(|r| view(r, None)),
        last_success_at,
        in_flight: in_flight.map(|r| view(r, current_account)),
        next_sync_at,
        paused: business.sync_paused,
    })
}

async fn has_accounts(db: &impl ConnectionTrait, business_id: Uuid) -> Result<bool, Error> {
    Ok(connections::Entity::find()
        .filter(connections::Column::BusinessId.eq(business_id))
        .one(db)
        .await?
        .is_some())
}

pub(super) fn view(r: sync_runs::Model, current_account: Option<String>) -> RunView {
    RunView {
        id: r.id,
        trigger: r.trigger,
        status: r.status,
        created_at: r.created_at,
        started_at: r.started_at,
        finished_at: r.finished_at,
        progress_done: r.progress_done,
        progress_total: r.progress_total,
        current_account,
        error_summary: r.error_summary,
    }
}

/// A run item of the last 7 days: run, account kind, status, account name,
/// error class, rate limited until.
type Item = (
    Uuid,
    String,
    String,
    String,
    Option<String>,
    Option<DateTime<Utc>>,
);

/// Items counted by kind: succeeded or partial as synced, failed as failed.
fn counts<'a>(items: impl Iterator<Item = &'a Item>) -> Vec<KindCounts> {
    let mut by_kind: BTreeMap<&str, KindCounts> = BTreeMap::new();
    for (_, kind, status, ..) in items {
        let entry = by_kind.entry(kind).or_insert_with(|| KindCounts {
            kind: kind.clone(),
            succeeded: 0,
            failed: 0,
        });
        match SyncStatus::parse(status) {
            Some(SyncStatus::Succeeded | SyncStatus::Partial) => entry.succeeded += 1,
            Some(SyncStatus::Failed) => entry.failed += 1,
            _ => {}
        }
    }
    by_kind.into_values().collect()
}
