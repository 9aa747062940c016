use sea_orm::entity::prelude::*;

/// One sync of a business: one item per connected account.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_runs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub business_id: Uuid,
    /// A `SyncTrigger`'s text.
    pub trigger: String,
    pub requested_by: Option<Uuid>,
    /// The schedule slot this run is for; `None` for a manual run.
    pub scheduled_for: Option<DateTimeUtc>,
    /// A `SyncStatus`'s text.
    pub status: String,
    /// The business while the run is queued or running (unique: one run in
    /// flight per business); `None` once it has ended.
    pub active_for: Option<Uuid>,
    pub progress_done: i32,
    pub progress_total: i32,
    pub current_connection_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    pub error_summary: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
