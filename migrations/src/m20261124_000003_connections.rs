//! Connected platform accounts (tokens encrypted by the vault) and the audit
//! trail of what happened to them.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261124_000001_accounts::Businesses;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Connections::Table)
                .col(pk_uuid(Connections::Id))
                .col(uuid(Connections::BusinessId))
                .col(string(Connections::Platform))
                .col(string(Connections::ExternalId))
                .col(string(Connections::DisplayName))
                .col(uuid_null(Connections::ParentId))
                .col(string(Connections::Status))
                .col(string(Connections::Scopes))
                .col(blob(Connections::AccessTokenCt))
                .col(blob_null(Connections::RefreshTokenCt))
                .col(string(Connections::KeyId))
                .col(timestamp_with_time_zone_null(Connections::AccessExpiresAt))
                .col(timestamp_with_time_zone_null(Connections::RefreshExpiresAt))
                .col(timestamp_with_time_zone_null(
                    Connections::DataAccessExpiresAt,
                ))
                .col(timestamp_with_time_zone_null(Connections::LastRefreshedAt))
                .col(string_null(Connections::LastErrorClass))
                .col(timestamp_with_time_zone_null(Connections::LastErrorAt))
                .col(timestamp_with_time_zone_null(Connections::RateLimitedUntil))
                .col(timestamp_with_time_zone_null(
                    Connections::RefreshLeaseUntil,
                ))
                .col(boolean(Connections::Sandbox).default(false))
                .col(integer(Connections::Version).default(0))
                .col(timestamp_with_time_zone(Connections::CreatedAt))
                .col(timestamp_with_time_zone(Connections::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Connections::Table, Connections::BusinessId)
                        .to(Businesses::Table, Businesses::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_connections_account")
                .table(Connections::Table)
                .col(Connections::BusinessId)
                .col(Connections::Platform)
                .col(Connections::ExternalId)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AuditEvents::Table)
                .col(pk_uuid(AuditEvents::Id))
                .col(uuid(AuditEvents::BusinessId))
                .col(string(AuditEvents::Actor))
                .col(string(AuditEvents::Kind))
                .col(text(AuditEvents::Detail))
                .col(timestamp_with_time_zone(AuditEvents::At))
                .foreign_key(
                    ForeignKey::create()
                        .from(AuditEvents::Table, AuditEvents::BusinessId)
                        .to(Businesses::Table, Businesses::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_audit_events_business_at")
                .table(AuditEvents::Table)
                .col(AuditEvents::BusinessId)
                .col(AuditEvents::At)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(AuditEvents::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Connections::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Connections {
    Table,
    Id,
    BusinessId,
    Platform,
    ExternalId,
    DisplayName,
    ParentId,
    Status,
    Scopes,
    AccessTokenCt,
    RefreshTokenCt,
    KeyId,
    AccessExpiresAt,
    RefreshExpiresAt,
    DataAccessExpiresAt,
    LastRefreshedAt,
    LastErrorClass,
    LastErrorAt,
    RateLimitedUntil,
    RefreshLeaseUntil,
    Sandbox,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    BusinessId,
    Actor,
    Kind,
    Detail,
    At,
}
