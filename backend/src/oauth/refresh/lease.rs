//! The refresh lease: one caller per connection at a time, across every
//! process, by compare-and-swap on the row's version.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter};
use uuid::Uuid;

use super::{LEASE, RefreshError};
use crate::entities::connections::{self, Model};

/// Takes the lease: succeeds for exactly one caller holding `start`'s version
/// while no live lease exists. Bumps the version.
pub(super) async fn take(
    db: &impl ConnectionTrait,
    start: &Model,
    now: DateTime<Utc>,
) -> Result<bool, RefreshError> {
    Ok(connections::Entity::update_many()
        .col_expr(
            connections::Column::RefreshLeaseUntil,
            Expr::value(now + LEASE),
        )
        .col_expr(
            connections::Column::Version,
            Expr::col(connections::Column::Version).add(1),
        )
        .filter(connections::Column::Id.eq(start.id))
        .filter(connections::Column::Version.eq(start.version))
        .filter(
            connections::Column::RefreshLeaseUntil
                .is_null()
                .or(connections::Column::RefreshLeaseUntil.lt(now)),
        )
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

/// Lets the lease go without writing anything else.
pub(super) async fn release(
    db: &impl ConnectionTrait,
    id: Uuid,
    version: i32,
) -> Result<(), RefreshError> {
    connections::Entity::update_many()
        .col_expr(
            connections::Column::RefreshLeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(connections::Column::Id.eq(id))
        .filter(connections::Column::Version.eq(version))
        .exec(db)
        .await?;
    Ok(())
}
