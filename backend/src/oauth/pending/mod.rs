//! Authorizations waiting for the user's decision: which Meta Page to
//! connect, or whether to link an account that is already connected to
//! another business. The tokens wait encrypted, for 15 minutes, for the
//! user and session that authorized, and are taken exactly once.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

use crate::entities::pending_connections;
use crate::error::Error;
use crate::platforms::tokens::TokenSet;
use crate::platforms::{Account, Grant};
use crate::vault::{Keyring, Place};
use shared::domain::{AccountKind, AuditKind};

/// How long a decision may wait.
pub const TTL: Duration = Duration::minutes(15);

/// What waits. Its tokens are `SecretString`s; it is serialized only by
/// [`stash`], straight into vault ciphertext, through the private `wire`
/// types below: nothing else can turn it into text.
pub enum Pending {
    /// Meta: the Pages the user manages, one to choose.
    MetaPages(Grant),
    /// X or LinkedIn: an account already connected to another business.
    Account(PendingAccount),
}

/// An authorized X or LinkedIn account, tokens included.
pub struct PendingAccount {
    /// X or LinkedIn: the accounts one consent yields.
    pub platform: AccountKind,
    pub external_id: String,
    pub display_name: String,
    pub access_token: SecretString,
    pub refresh_token: Option<SecretString>,
    pub expires_at: Option<DateTime<Utc>>,
    pub refresh_expires_at: Option<DateTime<Utc>>,
    pub scopes: String,
    pub sandbox: bool,
}

impl PendingAccount {
    pub fn new(platform: AccountKind, account: &Account, tokens: &TokenSet, sandbox: bool) -> Self {
        Self {
            platform,
            external_id: account.external_id.clone(),
            display_name: account.display_name.clone(),
            access_token: tokens.access_token.clone(),
            refresh_token: tokens.refresh_token.clone(),
            expires_at: tokens.expires_at,
            refresh_expires_at: tokens.refresh_expires_at,
            scopes: tokens.scopes.clone(),
            sandbox,
        }
    }

    pub fn account(&self) -> Account {
        Account {
            external_id: self.external_id.clone(),
            display_name: self.display_name.clone(),
        }
    }

    pub fn tokens(&self) -> TokenSet {
        TokenSet {
            access_token: self.access_token.clone(),
            refresh_token: self.refresh_token.clone(),
            expires_at: self.expires_at,
            refresh_expires_at: self.refresh_expires_at,
            scopes: self.scopes.clone(),
        }
    }
}

/// Debug never shows the tokens.
impl std::fmt::Debug for PendingAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingAccount")
            .field("platform", &self.platform)
            .field("external_id", &self.external_id)
            .finish_non_exhaustive()
    }
}

fn place(id: &str, business_id: Uuid) -> Place<'_> {
    Place {
        table: "pending_connections",
        column: "payload",
        row_id: id,
        business_id,
    }
}

/// Stores `pending` for this user and session; returns its id.
pub async fn stash(
    db: &impl ConnectionTrait,
    vault: &Keyring,
    business_id: Uuid,
    user_id: Uuid,
    session_id: &str,
    pending: &Pending,
) -> Result<Uuid, Error> {
    let id = Uuid::new_v4();
    let json = serde_json::to_string(&wire::Payload::from(pending)).map_err(Error::internal)?;
    pending_connections::ActiveModel {
        id: Set(id),
        business_id: Set(business_id),
        user_id: Set(user_id),
        session_id: Set(session_id.to_owned()),
        payload_ct: Set(vault.encrypt(&json, place(&id.to_string(), business_id))),
        expires_at: Set(Utc::now() + TTL),
    }
    .insert(db)
    .await?;
    Ok(id)
}

fn open(vault: &Keyring, row: &pending_connections::Model) -> Result<Pending, Error> {
    if row.expires_at <= Utc::now() {
        return Err(Error::NotFound);
    }
    let json = vault
        .decrypt(&row.payload_ct, place(&row.id.to_string(), row.business_id))
        .map_err(Error::internal)?;
    serde_json::from_str::<wire::Payload>(json.expose_secret())
        .map(Pending::from)
        .map_err(Error::internal)
}

mod wire;

/// Reads a pending decision (the business it belongs to, and what waits)
/// without consuming it. Anyone but its user and session gets NotFound.
pub async fn peek(
    db: &impl ConnectionTrait,
    vault: &Keyring,
    id: Uuid,
    user_id: Uuid,
    session_id: &str,
) -> Result<(Uuid, Pending), Error> {
    let row = pending_connections::Entity::find_by_id(id)
        .filter(pending_connections::Column::UserId.eq(user_id))
        .filter(pending_connections::Column::SessionId.eq(session_id))
        .one(db)
        .await?
        .ok_or(Error::NotFound)?;
    Ok((row.business_id, open(vault, &row)?))
}

/// Consumes a pending decision: deleted atomically, so a second (or
/// concurrent) use finds nothing.
pub async fn take(
    db: &impl ConnectionTrait,
    vault: &Keyring,
    id: Uuid,
    user_id: Uuid,
    session_id: &str,
) -> Result<(Uuid, Pending), Error> {
    let row = pending_connections::Entity::delete_many()
        .filter(pending_connections::Column::Id.eq(id))
        .filter(pending_connections::Column::UserId.eq(user_id))
        .filter(pending_connections::Column::SessionId.eq(session_id))
        .exec_with_returning(db)
        .await?
        .pop()
        .ok_or(Error::NotFound)?;
    Ok((row.business_id, open(vault, &row)?))
}

/// Deletes decisions nobody made in time (housekeeping).
pub async fn delete_expired(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<u64, sea_orm::DbErr> {
    Ok(pending_connections::Entity::delete_many()
        .filter(pending_connections::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?
        .rows_affected)
}

/// An account waiting for "link it here too?", for its user and session.
pub async fn account(
    db: &impl ConnectionTrait,
    vault: &Keyring,
    id: Uuid,
    user_id: Uuid,
    session_id: &str,
) -> Result<(Uuid, PendingAccount), Error> {
    match peek(db, vault, id, user_id, session_id).await? {
        (business_id, Pending::Account(a)) => Ok((business_id, a)),
        _ => Err(Error::NotFound),
    }
}

/// The user's answer: yes connects the account (recorded as a deliberate
/// shared link), no discards the tokens. Either way the decision is used up.
/// Returns the business and the account's platform.
pub async fn decide_account(
    db: &impl ConnectionTrait,
    vault: &Keyring,
    id: Uuid,
    user_id: Uuid,
    session_id: &str,
    link: bool,
) -> Result<(Uuid, AccountKind), Error> {
    let (business_id, found) = take(db, vault, id, user_id, session_id).await?;
    let Pending::Account(a) = found else {
        return Err(Error::NotFound);
    };
    let actor = user_id.to_string();
    if link {
        crate::connections::connect_account(
            db,
            vault,
            business_id,
            a.platform,
            &a.account(),
            &a.tokens(),
            a.sandbox,
            &actor,
            true,
        )
        .await?;
    } else {
        crate::connections::audit(
            db,
            business_id,
            &actor,
            AuditKind::LinkDeclined,
            &format!(
                "{}: an account connected to another business was not linked",
                a.platform
            ),
        )
        .await?;
    }
    Ok((business_id, a.platform))
}

#[cfg(test)]
mod tests;
