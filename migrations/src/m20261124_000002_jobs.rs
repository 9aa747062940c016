//! OAuth transactions (consumed by the connect flow, swept by housekeeping) and
//! the claim table that makes a cron tick run once across every worker node.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261124_000001_accounts::{Businesses, Users};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(OauthTransactions::Table)
                .col(string(OauthTransactions::StateHash).primary_key())
                .col(string(OauthTransactions::Platform))
                .col(blob(OauthTransactions::VerifierCt))
                .col(uuid(OauthTransactions::UserId))
                .col(string(OauthTransactions::SessionId))
                .col(uuid(OauthTransactions::BusinessId))
                .col(string(OauthTransactions::ReturnTo))
                .col(timestamp_with_time_zone(OauthTransactions::CreatedAt))
                .col(timestamp_with_time_zone(OauthTransactions::ExpiresAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(OauthTransactions::Table, OauthTransactions::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(OauthTransactions::Table, OauthTransactions::BusinessId)
                        .to(Businesses::Table, Businesses::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_oauth_transactions_expires_at")
                .table(OauthTransactions::Table)
                .col(OauthTransactions::ExpiresAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(CronClaims::Table)
                .col(string(CronClaims::Job))
                .col(timestamp_with_time_zone(CronClaims::Slot))
                .col(string(CronClaims::Node))
                .col(timestamp_with_time_zone(CronClaims::ClaimedAt))
                .col(text_null(CronClaims::Outcome))
                .col(integer(CronClaims::Executions).default(0))
                .primary_key(Index::create().col(CronClaims::Job).col(CronClaims::Slot))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(CronClaims::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(OauthTransactions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum OauthTransactions {
    Table,
    StateHash,
    Platform,
    VerifierCt,
    UserId,
    SessionId,
    BusinessId,
    ReturnTo,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum CronClaims {
    Table,
    Job,
    Slot,
    Node,
    ClaimedAt,
    Outcome,
    Executions,
}
