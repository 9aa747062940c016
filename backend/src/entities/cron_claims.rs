use sea_orm::entity::prelude::*;

/// One row per (job, scheduled slot): whichever node inserts it first runs the tick.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cron_claims")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub job: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub slot: DateTimeUtc,
    pub node: String,
    pub claimed_at: DateTimeUtc,
    pub outcome: Option<String>,
    /// How many times the tick's job ran to completion: 1 unless a retry repeated it.
    pub executions: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
