//! A business's sync history, newest first, a page at a time by keyset
//! (`created_at`, `id`) — as fast on page 500 as on page 1 — with filters
//! by platform, status and trigger. Two queries per page: the runs, then
//! all their items at once.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::status::view;
use crate::entities::{sync_run_items, sync_runs};
use crate::error::Error;
use shared::domain::{Platform, SyncStatus, SyncTrigger};
use shared::dto::{HistoryPage, HistoryRun, ItemView};

/// What a page asks for.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub platform: Option<Platform>,
    pub status: Option<SyncStatus>,
    pub trigger: Option<SyncTrigger>,
    /// Runs strictly older than this position (from a previous page's `next`).
    pub cursor: Option<Cursor>,
    pub limit: u64,
}

/// A position in the history: a run's creation time and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: DateTime<Utc>,
    pub id: Uuid,
}

impl Cursor {
    /// `<RFC 3339 time>_<uuid>`: safe in a query string as it is.
    pub fn encode(&self) -> String {
        format!(
            "{}_{}",
            self.created_at.format("%Y-%m-%dT%H:%M:%S%.6fZ"),
            self.id
        )
    }

    pub fn parse(raw: &str) -> Option<Self> {
        let (at, id) = raw.split_once('_')?;
        Some(Cursor {
            created_at: at.parse().ok()?,
            id: id.parse().ok()?,
        })
    }
}

/// The most a page holds.
pub const MAX_LIMIT: u64 = 100;

pub async fn page(
    db: &impl ConnectionTrait,
    business_id: Uuid,
    filter: &Filter,
) -> Result<HistoryPage, Error> {
    let limit = filter.limit.clamp(1, MAX_LIMIT);
    let mut query = sync_runs::Entity::find()
        .filter(sync_runs::Column::BusinessId.eq(business_id))
        .order_by_desc(sync_runs::Column::CreatedAt)
        .order_by_desc(sync_runs::Column::Id)
        .limit(limit + 1);
    if let Some(status) = filter.status {
        query = query.filter(sync_runs::Column::Status.eq(status.as_str()));
    }
    if let Some(trigger) = filter.trigger {
        query = query.filter(sync_runs::Column::Trigger.eq(trigger.as_str()));
    }
    if let Some(platform) = filter.platform {
        let kinds = platform.accounts().iter().map(|k| k.as_str());
        query = query.filter(
            sync_runs::Column::Id.in_subquery(
                Query::select()
                    .column(sync_run_items::Column::RunId)
                    .from(sync_run_items::Entity)
                    .and_where(Expr::col(sync_run_items::Column::AccountKind).is_in(kinds))
                    .to_owned(),
            ),
        );
    }
    if let Some(c) = filter.cursor {
        query = query.filter(
            Condition::any()
                .add(sync_runs::Column::CreatedAt.lt(c.created_at))
                .add(
                    Condition::all()
                        .add(sync_runs::Column::CreatedAt.eq(c.created_at))
                        .add(sync_runs::Column::Id.lt(c.id)),
                ),
        );
    }
    let mut runs = query.all(db).await?;
    let next = (runs.len() as u64 > limit).then(|| {
        runs.truncate(limit as usize);
        let last = runs.last().expect("a full page has a last run");
        Cursor {
            created_at: last.created_at,
            id: last.id,
        }
        .encode()
    });
    let ids: Vec<Uuid> = runs.iter().map(|r| r.id).collect();
    let mut items: HashMap<Uuid, Vec<ItemView>> = HashMap::new();
    for i in sync_run_items::Entity::find()
        .filter(sync_run_items::Column::RunId.is_in(ids))
        .order_by_asc(sync_run_items::Column::DisplayName)
        .all(db)
        .await?
    {
        items.entry(i.run_id).or_default().push(item_view(i));
    }
    let runs = runs
        .into_iter()
        .map(|r| HistoryRun {
            items: items.remove(&r.id).unwrap_or_default(),
            run: view(r, None),
        })
        .collect();
    Ok(HistoryPage { runs, next })
}

fn item_view(i: sync_run_items::Model) -> ItemView {
    ItemView {
        connection_id: i.connection_id,
        kind: i.account_kind,
        display_name: i.display_name,
        status: i.status,
        records: i.records,
        calls: i.calls,
        error_class: i.error_class,
        error_message: i.error_message,
        rate_limited_until: i.rate_limited_until,
        started_at: i.started_at,
        finished_at: i.finished_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        let c = Cursor {
            created_at: "2026-12-03T08:00:00.123456Z".parse().unwrap(),
            id: Uuid::new_v4(),
        };
        assert_eq!(Cursor::parse(&c.encode()), Some(c));
        for bad in [
            "",
            "nope",
            "2026-12-03T08:00:00Z",
            "2026-12-03T08:00:00Z_nope",
            "x_00000000-0000-0000-0000-000000000000",
        ] {
            assert_eq!(Cursor::parse(bad), None, "{bad}");
        }
    }
}
