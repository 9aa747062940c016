//! Refreshing a connection's tokens, once, across every process.
//!
//! X's refresh tokens are single use: two processes refreshing the same
//! connection at once is the classic way to lose it. A refresh therefore
//! takes a lease by compare-and-swap on the row's `version` (portable to
//! SQLite and Postgres); everyone else waits for the lease to go and then
//! re-reads the row, using the token its holder obtained.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter};
use uuid::Uuid;

use crate::connections::{audit, place_of};
use crate::entities::connections::{self, Model};
use crate::error::Error;
use crate::platforms::{self, ProviderError, Providers, for_platform, linkedin, x};
use crate::vault::Keyring;
use shared::domain::{AuditKind, ConnectionStatus};

mod lease;
mod store;
mod waiters;
use store::Kept;
use waiters::{outcome_since, wait_for_other};

/// How long one refresh may hold the lease before others may take over.
pub const LEASE: Duration = Duration::seconds(LEASE_SECS);
const LEASE_SECS: i64 = 45;
/// What a lease holder does besides its provider call: read, decrypt, write.
const LEASE_MARGIN_SECS: i64 = 15;
// A lease that lapsed during the provider call would let a second caller
// spend the same single-use refresh token.
const _: () = assert!(
    LEASE_SECS > platforms::HTTP_TOTAL_TIMEOUT_SECS as i64 + LEASE_MARGIN_SECS,
    "the refresh lease must outlive the OAuth client's total timeout plus a margin"
);
/// A forced refresh this soon after the last one reuses it instead.
pub const RECENT: Duration = Duration::seconds(10);

/// The outcome every caller sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refreshed {
    /// This call refreshed the tokens.
    Refreshed { version: i32 },
    /// Another caller refreshed them while this one waited; its tokens are used.
    Joined { version: i32 },
    /// Nothing to do yet (not inside the platform's buffer).
    NotDue { version: i32 },
    /// No refresh token exists (LinkedIn outside the partner program): the
    /// platform confirmed the access token is still active.
    Checked { version: i32 },
}

#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error(transparent)]
    App(#[from] Error),
    /// Another caller's refresh, which this one waited for, failed so.
    /// That caller recorded it and owns any retry.
    #[error("a concurrent refresh failed: {0}")]
    Concurrent(ProviderError),
    #[error("this connection cannot be refreshed ({0})")]
    Unsupported(&'static str),
}

impl RefreshError {
    /// The platform's answer behind this error, whoever received it.
    pub fn provider(&self) -> Option<&ProviderError> {
        match self {
            RefreshError::Provider(e) | RefreshError::Concurrent(e) => Some(e),
            _ => None,
        }
    }
}

impl From<sea_orm::DbErr> for RefreshError {
    fn from(e: sea_orm::DbErr) -> Self {
        RefreshError::App(e.into())
    }
}

/// Whether a connection is inside its platform's refresh buffer.
pub fn due(c: &connections::Model, now: DateTime<Utc>) -> bool {
    c.kind()
        .is_some_and(|kind| for_platform(kind.platform()).refresh_due(c, now))
}

/// The widest buffer of any platform: the sweep's first, coarse filter.
pub const MAX_BUFFER: Duration = linkedin::REFRESH_BUFFER;
const _: () = assert!(
    MAX_BUFFER.num_seconds() >= x::REFRESH_BUFFER.num_seconds(),
    "MAX_BUFFER must cover every platform's refresh buffer"
);

async fn load(db: &impl ConnectionTrait, id: Uuid) -> Result<connections::Model, RefreshError> {
    connections::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(RefreshError::App(Error::NotFound))
}

/// Refreshes connection `id` if it is due (or `force`), single-flight.
pub async fn refresh(
    db: &impl ConnectionTrait,
    vault: &Keyring,
    providers: &Providers,
    id: Uuid,
    force: bool,
) -> Result<Refreshed, RefreshError> {
    let start = load(db, id).await?;
    let now = Utc::now();
    if !force && !due(&start, now) {
        return Ok(Refreshed::NotDue {
            version: start.version,
        });
    }
    // The platform said when to come back; calling earlier only extends the penalty.
    if let Some(until) = start.rate_limited_until.filter(|t| *t > now) {
        return if force {
            Err(ProviderError::RateLimited { until }.into())
        } else {
            Ok(Refreshed::NotDue {
                version: start.version,
            })
        };
    }
    let Some(platform) = start.kind().map(|k| k.platform()) else {
        return Err(RefreshError::Unsupported("unknown platform"));
    };
    let Some(cfg) = providers.get(platform) else {
        return Err(RefreshError::Unsupported("the platform is not configured"));
    };
    let client = for_platform(platform);
    if start.refresh_token_ct.is_none() {
        return check(db, vault, providers, cfg, client, &start).await;
    }
    let leased = start.refresh_lease_until.is_some_and(|t| t > now);
    if force && !leased && start.last_refreshed_at.is_some_and(|t| now - t < RECENT) {
        return Ok(Refreshed::Joined {
            version: start.version,
        });
    }
    if !lease::take(db, &start, now).await? {
        return wait_for_other(db, &start).await;
    }
    let leased_version = start.version + 1;
    let id_str = id.to_string();
    let Some(refresh_ct) = &start.refresh_token_ct else {
        lease::release(db, id, leased_version).await?;
        return Err(RefreshError::Unsupported("no refresh token was issued"));
    };
    let refresh_token = match vault.decrypt(
        refresh_ct,
        place_of(&id_str, start.business_id, "refresh_token"),
    ) {
        Ok(token) => token,
        Err(_) => {
            // Never a guess, never a held lease: the connection needs a
            // reconnect, and says so (the vault logged and counted it).
            let err = ProviderError::Unreadable("refresh token");
            let leased = Model {
                version: leased_version,
                ..start.clone()
            };
            record_failure(db, &leased, &err).await?;
            return Err(err.into());
        }
    };
    let Some(answer) = client.refresh(cfg, &providers.http, &refresh_token) else {
        lease::release(db, id, leased_version).await?;
        return Err(RefreshError::Unsupported(
            "this platform cannot refresh: reconnect",
        ));
    };
    let answer = answer.await;
    match answer {
        Ok(tokens) => {
            let kept = Kept {
                ciphertext: refresh_ct,
                token: &refresh_token,
            };
            store::write_back(db, vault, &start, leased_version, &tokens, kept, platform).await
        }
        Err(err) => {
            // A lost race is not a dead grant: re-read before judging.
            let current = load(db, id).await?;
            if current.version != leased_version {
                return match outcome_since(&start, &current) {
                    Some(outcome) => outcome,
                    None => Err(err.into()),
                };
            }
            record_failure(db, &current, &err).await?;
            Err(err.into())
        }
    }
}

/// Sets a connection back to healthy: connected, no error, not rate-limited.
fn healthy(
    update: sea_orm::UpdateMany<connections::Entity>,
) -> sea_orm::UpdateMany<connections::Entity> {
    update
        .col_expr(
            connections::Column::Status,
            Expr::value(ConnectionStatus::Connected.as_str()),
        )
        .col_expr(
            connections::Column::LastErrorClass,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            connections::Column::RateLimitedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
}

/// Without a refresh token, the platform may still say whether the access
/// token works (LinkedIn's introspection); a dead one needs a reconnect.
async fn check(
    db: &impl ConnectionTrait,
    vault: &Keyring,
    providers: &Providers,
    cfg: &platforms::ProviderSettings,
    client: &dyn platforms::OAuthProvider,
    c: &connections::Model,
) -> Result<Refreshed, RefreshError> {
    let Ok(token) = crate::connections::access_token(vault, c) else {
        let err = ProviderError::Unreadable("access token");
        record_failure(db, c, &err).await?;
        return Err(err.into());
    };
    let Some(verdict) = client.check(cfg, &providers.http, &token) else {
        return Err(RefreshError::Unsupported(
            "this connection cannot be refreshed: reconnect before it expires",
        ));
    };
    match verdict.await {
        Ok(expires_at) => {
            let now = Utc::now();
            let updated = healthy(connections::Entity::update_many())
                .col_expr(
                    connections::Column::AccessExpiresAt,
                    Expr::value(expires_at.or(c.access_expires_at)),
                )
                .col_expr(
                    connections::Column::Version,
                    Expr::col(connections::Column::Version).add(1),
                )
                .col_expr(connections::Column::UpdatedAt, Expr::value(now))
                .filter(connections::Column::Id.eq(c.id))
                .filter(connections::Column::Version.eq(c.version))
                .exec(db)
                .await?;
            let version = if updated.rows_affected == 1 {
                c.version + 1
            } else {
                load(db, c.id).await?.version
            };
            Ok(Refreshed::Checked { version })
        }
        Err(err) => {
            record_failure(db, c, &err).await?;
            Err(err.into())
        }
    }
}

/// Stores the failure's consequence and releases the lease.
async fn record_failure(
    db: &impl ConnectionTrait,
    c: &connections::Model,
    err: &ProviderError,
) -> Result<(), RefreshError> {
    let now = Utc::now();
    let (status, until) = match err {
        ProviderError::NeedsReauth(_) | ProviderError::Unreadable(_) => {
            (ConnectionStatus::NeedsReconnect, None)
        }
        ProviderError::MissingPermission(_) => (ConnectionStatus::MissingPermission, None),
        ProviderError::RateLimited { until } => (ConnectionStatus::RateLimited, Some(*until)),
        ProviderError::Transient(_)
        | ProviderError::Invalid(_)
        | ProviderError::VersionRetired(_) => (c.health(), None),
    };
    connections::Entity::update_many()
        .col_expr(connections::Column::Status, Expr::value(status.as_str()))
        .col_expr(
            connections::Column::LastErrorClass,
            Expr::value(Some(err.class())),
        )
        .col_expr(connections::Column::LastErrorAt, Expr::value(Some(now)))
        .col_expr(connections::Column::RateLimitedUntil, Expr::value(until))
        .col_expr(
            connections::Column::RefreshLeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            connections::Column::Version,
            Expr::col(connections::Column::Version).add(1),
        )
        .filter(connections::Column::Id.eq(c.id))
        .filter(connections::Column::Version.eq(c.version))
        .exec(db)
        .await?;
    tracing::warn!(connection_id = %c.id, platform = %c.platform, error_class = err.class(), "token refresh failed");
    audit(
        db,
        c.business_id,
        "system",
        AuditKind::RefreshFailed,
        &format!("{} {}: {}", c.platform, c.id, err.class()),
    )
    .await?;
    if status == ConnectionStatus::NeedsReconnect {
        audit(
            db,
            c.business_id,
            "system",
            AuditKind::NeedsReconnect,
            &format!("{} {}", c.platform, c.id),
        )
        .await?;
    }
    Ok(())
}
