//! `connections.key_id` claimed which key sealed a row's tokens, but a row
//! holds several ciphertexts and the column could disagree with them (a kept
//! refresh token, a Meta grant token). Every ciphertext names its key in its
//! own header; rotation reads that, so the column goes.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Connections::Table)
                .drop_column(Connections::KeyId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Connections::Table)
                .add_column(
                    ColumnDef::new(Connections::KeyId)
                        .string()
                        .not_null()
                        .default(""),
                )
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum Connections {
    Table,
    KeyId,
}
