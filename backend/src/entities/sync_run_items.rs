use sea_orm::entity::prelude::*;

/// One account's part of a run.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_run_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub run_id: Uuid,
    /// `None` once the connection has been removed; the item stays.
    pub connection_id: Option<Uuid>,
    /// An `AccountKind`'s text.
    pub account_kind: String,
    pub display_name: String,
    /// A `SyncStatus`'s text.
    pub status: String,
    pub records: i32,
    pub calls: i32,
    pub error_class: Option<String>,
    pub error_message: Option<String>,
    pub rate_limited_until: Option<DateTimeUtc>,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::sync_runs::Entity",
        from = "Column::RunId",
        to = "super::sync_runs::Column::Id"
    )]
    Run,
}

impl ActiveModelBehavior for ActiveModel {}
