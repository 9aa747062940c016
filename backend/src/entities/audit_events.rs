use sea_orm::entity::prelude::*;

/// Something that happened to a business's connections. Ids only, never secrets.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub business_id: Uuid,
    /// A user id, or `system` for jobs.
    pub actor: String,
    /// `connected`, `disconnected`, `connect_failed`, `refresh_failed`, `needs_reconnect`.
    pub kind: String,
    /// Short, human-readable; platform and connection ids, error class.
    pub detail: String,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
