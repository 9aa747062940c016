//! The connection store: saving, finding and listing connected accounts,
//! with their tokens sealed by the vault; and (in `audit`) their audit trail.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

mod audit;
pub use audit::{audit, recent_audit};

use crate::entities::connections;
use crate::error::Error;
use crate::platforms::Account;
use crate::platforms::tokens::TokenSet;
use crate::vault::{Keyring, Place};
use shared::domain::{AccountKind, AuditKind, ConnectionStatus};
use shared::dto::ConnectionView;

fn place<'a>(id: &'a str, business_id: Uuid, column: &'a str) -> Place<'a> {
    Place {
        table: "connections",
        column,
        row_id: id,
        business_id,
    }
}

pub(crate) fn place_of<'a>(id: &'a str, business_id: Uuid, column: &'a str) -> Place<'a> {
    place(id, business_id, column)
}

pub fn view(c: &connections::Model) -> ConnectionView {
    let mut v = ConnectionView {
        id: c.id,
        platform: c.platform.clone(),
        display_name: c.display_name.clone(),
        status: c.health(),
        last_error_class: c.last_error_class.clone(),
        access_expires_at: c.access_expires_at,
        refresh_expires_at: c.refresh_expires_at,
        data_access_expires_at: c.data_access_expires_at,
        has_refresh_token: c.refresh_token_ct.is_some(),
        last_refreshed_at: c.last_refreshed_at,
        rate_limited_until: c.rate_limited_until,
        sandbox: c.sandbox,
        connected_at: c.created_at,
        status_text: String::new(),
    };
    v.status_text = shared::format::connection_status(&v, Utc::now());
    v
}

/// Saves a freshly authorized account. Reconnecting the same account
/// (business, platform, external id) updates the existing row: its id and
/// history stay, and a stored refresh token survives a response without one.
#[allow(clippy::too_many_arguments)]
pub async fn upsert(
    db: &impl ConnectionTrait,
    vault: &Keyring,
    business_id: Uuid,
    kind: AccountKind,
    account: &Account,
    tokens: &TokenSet,
    sandbox: bool,
    now: DateTime<Utc>,
) -> Result<connections::Model, Error> {
    let existing = connections::Entity::find()
        .filter(connections::Column::BusinessId.eq(business_id))
        .filter(connections::Column::Platform.eq(kind.as_str()))
        .filter(connections::Column::ExternalId.eq(account.external_id.clone()))
        .one(db)
        .await?;
    let id = existing.as_ref().map(|c| c.id).unwrap_or_else(Uuid::new_v4);
    let id_str = id.to_string();
    let access_ct = vault.encrypt(
        tokens.access_token.expose_secret(),
        place(&id_str, business_id, "access_token"),
    );
    let refresh_ct = match (&tokens.refresh_token, &existing) {
        (Some(rt), _) => Some(vault.encrypt(
            rt.expose_secret(),
            place(&id_str, business_id, "refresh_token"),
        )),
        // Kept, but sealed with today's primary key like everything written now.
        (None, Some(old)) => kept(
            vault,
            &old.refresh_token_ct,
            &id_str,
            business_id,
            "refresh_token",
        ),
        (None, None) => None,
    };
    let grant_ct = existing.as_ref().and_then(|old| {
        kept(
            vault,
            &old.grant_token_ct,
            &id_str,
            business_id,
            "grant_token",
        )
    });
    let row = connections::ActiveModel {
        id: Set(id),
        business_id: Set(business_id),
        platform: Set(kind.as_str().to_owned()),
        external_id: Set(account.external_id.clone()),
        display_name: Set(account.display_name.clone()),
        parent_id: Set(None),
        status: Set(ConnectionStatus::Connected.as_str().to_owned()),
        scopes: Set(tokens.scopes.clone()),
        access_token_ct: Set(access_ct),
        refresh_token_ct: Set(refresh_ct),
        grant_token_ct: Set(grant_ct),
        access_expires_at: Set(tokens.expires_at),
        refresh_expires_at: Set(tokens
            .refresh_expires_at
            .or_else(|| existing.as_ref().and_then(|c| c.refresh_expires_at))),
        data_access_expires_at: Set(None),
        last_refreshed_at: Set(Some(now)),
        last_error_class: Set(None),
        last_error_at: Set(None),
        rate_limited_until: Set(None),
        refresh_lease_until: Set(None),
        sandbox: Set(sandbox),
        expiry_warned_days: Set(None),
        version: Set(existing.as_ref().map(|c| c.version + 1).unwrap_or(0)),
        created_at: Set(existing.as_ref().map(|c| c.created_at).unwrap_or(now)),
        updated_at: Set(now),
    };
    connections::Entity::insert(row)
        .on_conflict(
            OnConflict::column(connections::Column::Id)
                .update_columns([
                    connections::Column::DisplayName,
                    connections::Column::Status,
                    connections::Column::Scopes,
                    connections::Column::AccessTokenCt,
                    connections::Column::RefreshTokenCt,
                    connections::Column::GrantTokenCt,
                    connections::Column::AccessExpiresAt,
                    connections::Column::RefreshExpiresAt,
                    connections::Column::LastRefreshedAt,
                    connections::Column::LastErrorClass,
                    connections::Column::LastErrorAt,
                    connections::Column::RateLimitedUntil,
                    connections::Column::Sandbox,
                    connections::Column::ExpiryWarnedDays,
                    connections::Column::Version,
                    connections::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    connections::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| Error::internal("connection vanished after upsert"))
}

/// A stored ciphertext carried over a write, resealed with the primary key.
/// One that no longer opens is dropped (the failure is logged and counted by
/// the vault): the answer being stored replaces what it stood for.
fn kept(
    vault: &Keyring,
    ct: &Option<Vec<u8>>,
    id: &str,
    business_id: Uuid,
    column: &str,
) -> Option<Vec<u8>> {
    vault
        .reseal(ct.as_ref()?, place(id, business_id, column))
        .ok()
}

/// This business's connection to an account, if it has one.
pub async fn find(
    db: &impl ConnectionTrait,
    business_id: Uuid,
    kind: AccountKind,
    external_id: &str,
) -> Result<Option<connections::Model>, Error> {
    Ok(connections::Entity::find()
        .filter(connections::Column::BusinessId.eq(business_id))
        .filter(connections::Column::Platform.eq(kind.as_str()))
        .filter(connections::Column::ExternalId.eq(external_id))
        .one(db)
        .await?)
}

/// Whether connecting this account to `business_id` needs the user's say-so:
/// it is connected to another business and not yet to this one.
pub async fn needs_link_decision(
    db: &impl ConnectionTrait,
    business_id: Uuid,
    kind: AccountKind,
    external_id: &str,
) -> Result<bool, Error> {
    Ok(find(db, business_id, kind, external_id).await?.is_none()
        && linked_elsewhere(db, business_id, kind, external_id).await?)
}

/// Saves an authorized X or LinkedIn account and records it. `shared`: the
/// user confirmed linking an account that another business also has.
#[allow(clippy::too_many_arguments)]
pub async fn connect_account(
    db: &impl ConnectionTrait,
    vault: &Keyring,
    business_id: Uuid,
    kind: AccountKind,
    account: &Account,
    tokens: &TokenSet,
    sandbox: bool,
    actor: &str,
    shared: bool,
) -> Result<connections::Model, Error> {
    let conn = upsert(
        db,
        vault,
        business_id,
        kind,
        account,
        tokens,
        sandbox,
        Utc::now(),
    )
    .await?;
    tracing::info!(platform = kind.as_str(), business_id = %business_id, connection_id = %conn.id, "account connected");
    audit(
        db,
        business_id,
        actor,
        AuditKind::Connected,
        &format!("{} {} ({})", conn.platform, conn.id, conn.display_name),
    )
    .await?;
    if shared {
        audit(
            db,
            business_id,
            actor,
            AuditKind::LinkedElsewhere,
            &format!(
                "{} {} is also connected to another business (confirmed by the user)",
                conn.platform, conn.id
            ),
        )
        .await?;
    }
    Ok(conn)
}

/// The businesses an account is connected to.
pub async fn holders(
    db: &impl ConnectionTrait,
    kind: AccountKind,
    external_id: &str,
) -> Result<Vec<Uuid>, Error> {
    Ok(connections::Entity::find()
        .select_only()
        .column(connections::Column::BusinessId)
        .filter(connections::Column::Platform.eq(kind.as_str()))
        .filter(connections::Column::ExternalId.eq(external_id))
        .into_tuple::<Uuid>()
        .all(db)
        .await?)
}

/// Whether the same platform account is also connected to another business.
pub async fn linked_elsewhere(
    db: &impl ConnectionTrait,
    business_id: Uuid,
    kind: AccountKind,
    external_id: &str,
) -> Result<bool, Error> {
    Ok(connections::Entity::find()
        .filter(connections::Column::Platform.eq(kind.as_str()))
        .filter(connections::Column::ExternalId.eq(external_id))
        .filter(connections::Column::BusinessId.ne(business_id))
        .one(db)
        .await?
        .is_some())
}

pub async fn list(
    db: &impl ConnectionTrait,
    business_id: Uuid,
) -> Result<Vec<connections::Model>, Error> {
    Ok(connections::Entity::find()
        .filter(connections::Column::BusinessId.eq(business_id))
        .order_by_asc(connections::Column::Platform)
        .order_by_asc(connections::Column::DisplayName)
        .all(db)
        .await?)
}

/// The decrypted access token of a connection (for sync and tests).
pub fn access_token(vault: &Keyring, c: &connections::Model) -> Result<SecretString, Error> {
    vault
        .decrypt(
            &c.access_token_ct,
            place(&c.id.to_string(), c.business_id, "access_token"),
        )
        .map_err(Error::internal)
}
