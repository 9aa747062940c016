use sea_orm::entity::prelude::*;

/// A Meta authorization waiting for the user to pick a Page. The payload
/// (tokens included) is vault ciphertext; the row is deleted on first use.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "meta_pending")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub business_id: Uuid,
    pub user_id: Uuid,
    pub session_id: String,
    pub payload_ct: Vec<u8>,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
