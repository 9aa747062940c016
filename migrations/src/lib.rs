//! Database schema, applied at start-up and by `pulseboard migrate`.
//!
//! Every migration is written with sea-query's schema builder so one definition
//! serves SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_accounts;
mod m20261124_000002_jobs;
mod m20261124_000003_connections;
mod m20261124_000004_meta;
mod m20261124_000005_pending;
mod m20261202_000006_drop_key_id;
mod m20261203_000007_sync;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_accounts::Migration),
            Box::new(m20261124_000002_jobs::Migration),
            Box::new(m20261124_000003_connections::Migration),
            Box::new(m20261124_000004_meta::Migration),
            Box::new(m20261124_000005_pending::Migration),
            Box::new(m20261202_000006_drop_key_id::Migration),
            Box::new(m20261203_000007_sync::Migration),
        ]
    }
}
