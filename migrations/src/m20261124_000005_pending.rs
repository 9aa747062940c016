//! Authorizations that wait for a decision — a Meta Page choice, or linking
//! an account already connected to another business — share one table; and
//! connections remember which expiry warning (14 or 3 days) they last raised.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.rename_table(
            Table::rename()
                .table(MetaPending::Table, PendingConnections::Table)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Connections::Table)
                .add_column(
                    ColumnDef::new(Connections::ExpiryWarnedDays)
                        .integer()
                        .null(),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Connections::Table)
                .drop_column(Connections::ExpiryWarnedDays)
                .to_owned(),
        )
        .await?;
        m.rename_table(
            Table::rename()
                .table(PendingConnections::Table, MetaPending::Table)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum MetaPending {
    Table,
}

#[derive(DeriveIden)]
enum PendingConnections {
    Table,
}

#[derive(DeriveIden)]
enum Connections {
    Table,
    ExpiryWarnedDays,
}
