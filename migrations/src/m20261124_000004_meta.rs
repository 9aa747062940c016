//! Meta: a pending Page choice (a user who manages several Pages picks one)
//! and the long-lived user token a Page connection keeps for revocation.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261124_000001_accounts::{Businesses, Users};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(MetaPending::Table)
                .col(pk_uuid(MetaPending::Id))
                .col(uuid(MetaPending::BusinessId))
                .col(uuid(MetaPending::UserId))
                .col(string(MetaPending::SessionId))
                .col(blob(MetaPending::PayloadCt))
                .col(timestamp_with_time_zone(MetaPending::ExpiresAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(MetaPending::Table, MetaPending::BusinessId)
                        .to(Businesses::Table, Businesses::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(MetaPending::Table, MetaPending::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Connections::Table)
                .add_column(blob_null(Connections::GrantTokenCt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Connections::Table)
                .drop_column(Connections::GrantTokenCt)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(MetaPending::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum MetaPending {
    Table,
    Id,
    BusinessId,
    UserId,
    SessionId,
    PayloadCt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum Connections {
    Table,
    GrantTokenCt,
}
