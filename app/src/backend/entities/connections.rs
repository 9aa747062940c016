use sea_orm::entity::prelude::*;

/// A connected platform account. Token columns hold vault ciphertext only;
/// each names the key that sealed it in its own header.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "connections")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub business_id: Uuid,
    /// `linkedin`, `x`, `facebook` or `instagram`.
    pub platform: String,
    pub external_id: String,
    pub display_name: String,
    /// An Instagram account's Facebook Page.
    pub parent_id: Option<Uuid>,
    /// See `domain::ConnectionStatus`.
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
