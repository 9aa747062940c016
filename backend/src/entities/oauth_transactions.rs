use sea_orm::entity::prelude::*;

/// A pending OAuth authorization: created on connect, deleted on first use.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_transactions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub state_hash: String,
    pub platform: String,
    pub verifier_ct: Vec<u8>,
    pub user_id: Uuid,
    pub session_id: String,
    pub business_id: Uuid,
    pub return_to: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
