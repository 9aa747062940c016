//! Connections that cannot be refreshed end on a known date: Meta when data
//! access lapses (90 days without the person using the app), LinkedIn when
//! the access token expires and no refresh token exists, or when the refresh
//! token's own 365-day clock runs out. The sweep warns 14 and 3 days ahead
//! (once each, in the audit trail) and marks the connection "needs
//! reconnect" when the date passes.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter};

use crate::connections::audit;
use crate::entities::connections;
use crate::error::Error;
use crate::platforms::for_platform;
use shared::domain::{AuditKind, ConnectionStatus};

/// Days before the end at which the user is warned, widest first.
pub const WARN_DAYS: [i64; 2] = [14, 3];

/// When `c` stops working unless the user reconnects, and why; `None` when
/// it renews itself. Each platform's adapter knows its own rule.
pub fn hard_end(c: &connections::Model) -> Option<(DateTime<Utc>, &'static str)> {
    for_platform(c.kind()?.platform()).hard_end(c)
}

/// What one pass did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Upkeep {
    pub warned: usize,
    pub lapsed: usize,
}

/// Raises due warnings and marks lapsed connections; safe to run from
/// several processes (each change is conditional on the row's version).
pub async fn upkeep(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<Upkeep, Error> {
    let horizon = now + Duration::days(WARN_DAYS[0]);
    let candidates = connections::Entity::find()
        .filter(connections::Column::Status.is_in(
            [ConnectionStatus::Connected, ConnectionStatus::RateLimited].map(|s| s.as_str()),
        ))
        .filter(
            connections::Column::DataAccessExpiresAt
                .lte(horizon)
                .or(connections::Column::AccessExpiresAt.lte(horizon))
                .or(connections::Column::RefreshExpiresAt.lte(horizon)),
        )
        .all(db)
        .await?;
    let mut done = Upkeep::default();
    for c in candidates {
        let Some((end, why)) = hard_end(&c) else {
            continue;
        };
        let guard = |q: sea_orm::UpdateMany<connections::Entity>| {
            q.col_expr(
                connections::Column::Version,
                Expr::col(connections::Column::Version).add(1),
            )
            .col_expr(connections::Column::UpdatedAt, Expr::value(now))
            .filter(connections::Column::Id.eq(c.id))
            .filter(connections::Column::Version.eq(c.version))
        };
        if end <= now {
            let changed = guard(connections::Entity::update_many())
                .col_expr(
                    connections::Column::Status,
                    Expr::value(ConnectionStatus::NeedsReconnect.as_str()),
                )
                .col_expr(connections::Column::LastErrorClass, Expr::value(Some(why)))
                .col_expr(connections::Column::LastErrorAt, Expr::value(Some(now)))
                .exec(db)
                .await?
                .rows_affected;
            if changed == 1 {
                audit(
                    db,
                    c.business_id,
                    "system",
                    AuditKind::NeedsReconnect,
                    &format!("{} {}: {why}", c.platform, c.id),
                )
                .await?;
                done.lapsed += 1;
            }
            continue;
        }
        let left = end - now;
        // The narrowest window we are inside, if not already warned about.
        let Some(days) = WARN_DAYS
            .iter()
            .copied()
            .filter(|d| left <= Duration::days(*d))
            .min()
        else {
            continue;
        };
        if c.expiry_warned_days.is_some_and(|w| i64::from(w) <= days) {
            continue;
        }
        let changed = guard(connections::Entity::update_many())
            .col_expr(
                connections::Column::ExpiryWarnedDays,
                Expr::value(Some(days as i32)),
            )
            .exec(db)
            .await?
            .rows_affected;
        if changed == 1 {
            audit(
                db,
                c.business_id,
                "system",
                AuditKind::ExpiryWarning,
                &format!(
                    "{} {}: reconnect within {days} days (ends {})",
                    c.platform,
                    c.id,
                    end.format("%Y-%m-%d")
                ),
            )
            .await?;
            done.warned += 1;
        }
    }
    Ok(done)
}
