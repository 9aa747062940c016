use sea_orm::entity::prelude::*;
use shared::domain::{AccountKind, ConnectionStatus};

/// A connected platform account. Token columns hold vault ciphertext only;
/// each names the key that sealed it in its own header.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "connections")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub business_id: Uuid,
    /// An `AccountKind`'s text: see [`Model::kind`].
    pub platform: String,
    pub external_id: String,
    pub display_name: String,
    /// An Instagram account's Facebook Page.
    pub parent_id: Option<Uuid>,
    /// A `ConnectionStatus`'s text: see [`Model::health`].
    pub status: String,
    pub scopes: String,
    pub access_token_ct: Vec<u8>,
    pub refresh_token_ct: Option<Vec<u8>>,
    /// Meta Pages: the long-lived user token, kept only to revoke the grant.
    pub grant_token_ct: Option<Vec<u8>>,
    pub access_expires_at: Option<DateTimeUtc>,
    pub refresh_expires_at: Option<DateTimeUtc>,
    pub data_access_expires_at: Option<DateTimeUtc>,
    pub last_refreshed_at: Option<DateTimeUtc>,
    pub last_error_class: Option<String>,
    pub last_error_at: Option<DateTimeUtc>,
    pub rate_limited_until: Option<DateTimeUtc>,
    /// Held by the one process refreshing this connection's tokens.
    pub refresh_lease_until: Option<DateTimeUtc>,
    pub sandbox: bool,
    /// The last expiry warning raised (14 or 3 days); cleared on reconnect.
    pub expiry_warned_days: Option<i32>,
    /// Bumped on every token write: refreshes compare-and-swap on it.
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// What kind of account this is; `None` only for a row written by
    /// something other than Pulseboard.
    pub fn kind(&self) -> Option<AccountKind> {
        AccountKind::parse(&self.platform)
    }

    /// The stored status; an unknown text reads as needing a reconnect.
    pub fn health(&self) -> ConnectionStatus {
        ConnectionStatus::parse(&self.status).unwrap_or(ConnectionStatus::NeedsReconnect)
    }

    /// The ciphertext in `column`, if the row holds one.
    pub fn ciphertext(&self, column: TokenColumn) -> Option<&[u8]> {
        match column {
            TokenColumn::Access => Some(&self.access_token_ct),
            TokenColumn::Refresh => self.refresh_token_ct.as_deref(),
            TokenColumn::Grant => self.grant_token_ct.as_deref(),
        }
    }
}

/// The token columns; each name is also part of its ciphertext's place
/// (see `vault::Place`), so a value cannot be moved between columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenColumn {
    Access,
    Refresh,
    Grant,
}

impl TokenColumn {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenColumn::Access => "access_token",
            TokenColumn::Refresh => "refresh_token",
            TokenColumn::Grant => "grant_token",
        }
    }
}
