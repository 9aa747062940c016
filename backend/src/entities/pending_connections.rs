use sea_orm::entity::prelude::*;

/// An authorization waiting for the user's decision (which Meta Page; link
/// an account already connected elsewhere). The payload, tokens included,
/// is vault ciphertext; the row is deleted on first use or after 15 minutes.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pending_connections")]
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
