//! The analytics sync: a daily time for each business's schedule, the runs
//! and their per-account items, and what the runs store — daily metric
//! points, posts, and the metrics a platform refused for a connection.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261124_000001_accounts::Businesses;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // A daily schedule's local time (minutes after midnight in the
        // business's zone); NULL: every `sync_interval_minutes`.
        m.alter_table(
            Table::alter()
                .table(Businesses::Table)
                .add_column(integer_null(Schedule::SyncDailyAtMinute))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(SyncRuns::Table)
                .col(pk_uuid(SyncRuns::Id))
                .col(uuid(SyncRuns::BusinessId))
                .col(string(SyncRuns::Trigger))
                .col(uuid_null(SyncRuns::RequestedBy))
                .col(timestamp_with_time_zone_null(SyncRuns::ScheduledFor))
                .col(string(SyncRuns::Status))
                // The business while the run is queued or running, else NULL:
                // unique, so a business never has two runs in flight.
                .col(uuid_null(SyncRuns::ActiveFor).unique_key())
                .col(integer(SyncRuns::ProgressDone).default(0))
                .col(integer(SyncRuns::ProgressTotal).default(0))
                .col(uuid_null(SyncRuns::CurrentConnectionId))
                .col(timestamp_with_time_zone(SyncRuns::CreatedAt))
                .col(timestamp_with_time_zone_null(SyncRuns::StartedAt))
                .col(timestamp_with_time_zone_null(SyncRuns::FinishedAt))
                .col(text_null(SyncRuns::ErrorSummary))
                .foreign_key(
                    ForeignKey::create()
                        .from(SyncRuns::Table, SyncRuns::BusinessId)
                        .to(Businesses::Table, Businesses::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        // N schedulers, one run per (business, slot); manual runs have no slot.
        m.create_index(
            Index::create()
                .name("uq_sync_runs_slot")
                .table(SyncRuns::Table)
                .col(SyncRuns::BusinessId)
                .col(SyncRuns::ScheduledFor)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_sync_runs_history")
                .table(SyncRuns::Table)
                .col(SyncRuns::BusinessId)
                .col(SyncRuns::CreatedAt)
                .col(SyncRuns::Id)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(SyncRunItems::Table)
                .col(pk_uuid(SyncRunItems::Id))
                .col(uuid(SyncRunItems::RunId))
                // NULL once the connection is removed: the history stays.
                .col(uuid_null(SyncRunItems::ConnectionId))
                .col(string(SyncRunItems::AccountKind))
                .col(string(SyncRunItems::DisplayName))
                .col(string(SyncRunItems::Status))
                .col(integer(SyncRunItems::Records).default(0))
                .col(integer(SyncRunItems::Calls).default(0))
                .col(string_null(SyncRunItems::ErrorClass))
                .col(text_null(SyncRunItems::ErrorMessage))
                .col(timestamp_with_time_zone_null(
                    SyncRunItems::RateLimitedUntil,
                ))
                .col(timestamp_with_time_zone_null(SyncRunItems::StartedAt))
                .col(timestamp_with_time_zone_null(SyncRunItems::FinishedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(SyncRunItems::Table, SyncRunItems::RunId)
                        .to(SyncRuns::Table, SyncRuns::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(SyncRunItems::Table, SyncRunItems::ConnectionId)
                        .to(Connections::Table, Connections::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_sync_run_items_run")
                .table(SyncRunItems::Table)
                .col(SyncRunItems::RunId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(MetricPoints::Table)
                .col(uuid(MetricPoints::ConnectionId))
                .col(string(MetricPoints::Metric))
                .col(date(MetricPoints::Day))
                .col(double(MetricPoints::Value))
                .col(string(MetricPoints::NativeMetric))
                .col(timestamp_with_time_zone(MetricPoints::UpdatedAt))
                .primary_key(
                    Index::create()
                        .col(MetricPoints::ConnectionId)
                        .col(MetricPoints::Metric)
                        .col(MetricPoints::Day),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(MetricPoints::Table, MetricPoints::ConnectionId)
                        .to(Connections::Table, Connections::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Posts::Table)
                .col(uuid(Posts::ConnectionId))
                .col(string(Posts::ExternalId))
                .col(timestamp_with_time_zone(Posts::PublishedAt))
                .col(text(Posts::Excerpt))
                .col(text_null(Posts::Url))
                // The post's metrics as JSON: normalised name → value.
                .col(text(Posts::Metrics))
                .col(timestamp_with_time_zone(Posts::UpdatedAt))
                .primary_key(
                    Index::create()
                        .col(Posts::ConnectionId)
                        .col(Posts::ExternalId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Posts::Table, Posts::ConnectionId)
                        .to(Connections::Table, Connections::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_posts_published")
                .table(Posts::Table)
                .col(Posts::ConnectionId)
                .col(Posts::PublishedAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(UnavailableMetrics::Table)
                .col(uuid(UnavailableMetrics::ConnectionId))
                .col(string(UnavailableMetrics::NativeMetric))
                .col(text(UnavailableMetrics::Reason))
                .col(timestamp_with_time_zone(UnavailableMetrics::Since))
                .primary_key(
                    Index::create()
                        .col(UnavailableMetrics::ConnectionId)
                        .col(UnavailableMetrics::NativeMetric),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(UnavailableMetrics::Table, UnavailableMetrics::ConnectionId)
                        .to(Connections::Table, Connections::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(UnavailableMetrics::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Posts::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(MetricPoints::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(SyncRunItems::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(SyncRuns::Table).to_owned())
            .await?;
        m.alter_table(
            Table::alter()
                .table(Businesses::Table)
                .drop_column(Schedule::SyncDailyAtMinute)
                .to_owned(),
        )
        .await
    }
}

/// The schedule's new column on `businesses`.
#[derive(DeriveIden)]
enum Schedule {
    SyncDailyAtMinute,
}

#[derive(DeriveIden)]
enum Connections {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SyncRuns {
    Table,
    Id,
    BusinessId,
    Trigger,
    RequestedBy,
    ScheduledFor,
    Status,
    ActiveFor,
    ProgressDone,
    ProgressTotal,
    CurrentConnectionId,
    CreatedAt,
    StartedAt,
    FinishedAt,
    ErrorSummary,
}

#[derive(DeriveIden)]
enum SyncRunItems {
    Table,
    Id,
    RunId,
    ConnectionId,
    AccountKind,
    DisplayName,
    Status,
    Records,
    Calls,
    ErrorClass,
    ErrorMessage,
    RateLimitedUntil,
    StartedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum MetricPoints {
    Table,
    ConnectionId,
    Metric,
    Day,
    Value,
    NativeMetric,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Posts {
    Table,
    ConnectionId,
    ExternalId,
    PublishedAt,
    Excerpt,
    Url,
    Metrics,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum UnavailableMetrics {
    Table,
    ConnectionId,
    NativeMetric,
    Reason,
    Since,
}
