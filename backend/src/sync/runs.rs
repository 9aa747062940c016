//! Sync runs: requesting one (a new queued run, or the one already in
//! flight), and ending one. The database keeps the two promises: a
//! business has at most one run queued or running (`active_for` is unique
//! while it is set), and a schedule slot gets at most one run (the unique
//! `(business_id, scheduled_for)` key), however many processes ask at once.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, SqlErr,
};
use uuid::Uuid;

use crate::entities::sync_runs;
use crate::error::Error;
use shared::domain::{SyncStatus, SyncTrigger};

/// A run as `request` found or made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requested {
    pub run: sync_runs::Model,
    /// `false`: the business already had this run in flight (or the slot
    /// already had its run), and no new one was made.
    pub created: bool,
}

/// Asks for a sync of `business_id`: a new queued run, or the run already
/// queued or running for it, or — for a schedule `slot` that already had
/// its run — that run.
pub async fn request(
    db: &impl ConnectionTrait,
    business_id: Uuid,
    trigger: SyncTrigger,
    requested_by: Option<Uuid>,
    slot: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Requested, Error> {
    // A conflict names a run that may end before it is read back: try again.
    for _ in 0..3 {
        let run = sync_runs::Model {
            id: Uuid::new_v4(),
            business_id,
            trigger: trigger.as_str().to_owned(),
            requested_by,
            scheduled_for: slot,
            status: SyncStatus::Queued.as_str().to_owned(),
            active_for: Some(business_id),
            progress_done: 0,
            progress_total: 0,
            current_connection_id: None,
            created_at: now,
            started_at: None,
            finished_at: None,
            error_summary: None,
        };
        let row = sync_runs::ActiveModel::from(run.clone());
        match sync_runs::Entity::insert(row)
            .exec_without_returning(db)
            .await
        {
            Ok(_) => return Ok(Requested { run, created: true }),
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {}
            Err(e) => return Err(e.into()),
        }
        if let Some(run) = in_flight(db, business_id).await? {
            return Ok(Requested {
                run,
                created: false,
            });
        }
        if let Some(slot) = slot
            && let Some(run) = sync_runs::Entity::find()
                .filter(sync_runs::Column::BusinessId.eq(business_id))
                .filter(sync_runs::Column::ScheduledFor.eq(slot))
                .one(db)
                .await?
        {
            return Ok(Requested {
                run,
                created: false,
            });
        }
    }
    Err(Error::internal("sync run request kept conflicting"))
}

/// The shortest time between two manual runs of one business: a second
/// press inside it joins the run in flight, or — once that ended — is
/// told when to come back.
pub const MANUAL_GAP_SECS: i64 = 60;

/// "Sync now": the run in flight if there is one; otherwise a new manual
/// run, unless the last one began less than [`MANUAL_GAP_SECS`] ago
/// (`RateLimited` with the seconds left).
pub async fn request_manual(
    db: &impl ConnectionTrait,
    business_id: Uuid,
    requested_by: Uuid,
    now: DateTime<Utc>,
) -> Result<Requested, Error> {
    // The last manual run is read before the run in flight: a press that
    // lands between the two reads then finds its run in flight, not a
    // "recent" run to refuse over.
    let last = sync_runs::Entity::find()
        .filter(sync_runs::Column::BusinessId.eq(business_id))
        .filter(sync_runs::Column::Trigger.eq(SyncTrigger::Manual.as_str()))
        .order_by_desc(sync_runs::Column::CreatedAt)
        .one(db)
        .await?;
    let left = last.map_or(0, |l| MANUAL_GAP_SECS - (now - l.created_at).num_seconds());
    if left > 0 {
        return match in_flight(db, business_id).await? {
            Some(run) => Ok(Requested {
                run,
                created: false,
            }),
            None => Err(Error::RateLimited {
                retry_after_secs: left as u64,
            }),
        };
    }
    // A press racing this one is answered with its run (`request`'s conflict).
    request(
        db,
        business_id,
        SyncTrigger::Manual,
        Some(requested_by),
        None,
        now,
    )
    .await
}

/// The business's queued or running run, if any.
pub async fn in_flight(
    db: &impl ConnectionTrait,
    business_id: Uuid,
) -> Result<Option<sync_runs::Model>, Error> {
    Ok(sync_runs::Entity::find()
        .filter(sync_runs::Column::ActiveFor.eq(business_id))
        .one(db)
        .await?)
}

/// Ends a run with `status` (not an in-flight one) and frees its business
/// for the next run. `false`: the run had already ended.
pub async fn finish(
    db: &impl ConnectionTrait,
    run_id: Uuid,
    status: SyncStatus,
    error_summary: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, Error> {
    if status.in_flight() {
        return Err(Error::internal(format!("a run cannot finish as {status}")));
    }
    let changed = ended(status, error_summary, now)
        .filter(sync_runs::Column::Id.eq(run_id))
        .filter(sync_runs::Column::ActiveFor.is_not_null())
        .exec(db)
        .await?
        .rows_affected;
    Ok(changed == 1)
}

/// The update that ends runs: their status, the business's slot freed.
fn ended(
    status: SyncStatus,
    error_summary: Option<&str>,
    now: DateTime<Utc>,
) -> sea_orm::UpdateMany<sync_runs::Entity> {
    sync_runs::Entity::update_many()
        .col_expr(sync_runs::Column::Status, Expr::value(status.as_str()))
        .col_expr(
            sync_runs::Column::ActiveFor,
            Expr::value(Option::<Uuid>::None),
        )
        .col_expr(
            sync_runs::Column::CurrentConnectionId,
            Expr::value(Option::<Uuid>::None),
        )
        .col_expr(sync_runs::Column::FinishedAt, Expr::value(Some(now)))
        .col_expr(
            sync_runs::Column::ErrorSummary,
            Expr::value(error_summary.map(str::to_owned)),
        )
}

/// Marks a queued run as running.
pub async fn start(
    db: &impl ConnectionTrait,
    run_id: Uuid,
    accounts: i32,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    sync_runs::ActiveModel {
        id: Set(run_id),
        status: Set(SyncStatus::Running.as_str().to_owned()),
        progress_total: Set(accounts),
        started_at: Set(Some(now)),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

/// How long a run may stay queued or running before it counts as lost: a
/// killed worker's job is back in the queue within a minute (apalis'
/// heartbeat), so a run this old has no job left to finish it.
pub const STALE_AFTER: chrono::Duration = chrono::Duration::hours(2);

/// Ends every run in flight since before `now - STALE_AFTER` as failed,
/// with a reason, so no run stays "running" forever. Returns how many.
pub async fn fail_stale(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, Error> {
    Ok(ended(
        SyncStatus::Failed,
        Some("The sync did not finish (its worker stopped); the next sync tries again."),
        now,
    )
    .filter(sync_runs::Column::ActiveFor.is_not_null())
    .filter(sync_runs::Column::CreatedAt.lt(now - STALE_AFTER))
    .exec(db)
    .await?
    .rows_affected)
}
