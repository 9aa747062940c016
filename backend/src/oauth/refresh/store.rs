//! Writing a refresh's result back: new tokens (the kept refresh token
//! resealed with the primary key), expiry, version and lease in one
//! statement — only while the caller still holds the lease it took.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use secrecy::{ExposeSecret, SecretString};

use super::{RefreshError, Refreshed, healthy};
use crate::connections::place_of;
use crate::entities::connections::{self, Model};
use crate::platforms::ProviderError;
use crate::platforms::tokens::TokenSet;
use crate::vault::Keyring;
use shared::domain::Platform;

/// The refresh token this refresh spent: kept if the answer has no new one.
pub(super) struct Kept<'a> {
    pub ciphertext: &'a [u8],
    pub token: &'a SecretString,
}

pub(super) async fn write_back(
    db: &impl ConnectionTrait,
    vault: &Keyring,
    start: &Model,
    leased_version: i32,
    tokens: &TokenSet,
    kept: Kept<'_>,
    platform: Platform,
) -> Result<Refreshed, RefreshError> {
    let id = start.id;
    let id_str = id.to_string();
    let access_ct = vault.encrypt(
        tokens.access_token.expose_secret(),
        place_of(&id_str, start.business_id, "access_token"),
    );
    let place = place_of(&id_str, start.business_id, "refresh_token");
    let refresh_ct = match &tokens.refresh_token {
        Some(rt) => vault.encrypt(rt.expose_secret(), place),
        // Unchanged bytes when already on the primary key.
        None => vault
            .reseal(kept.ciphertext, place)
            .unwrap_or_else(|_| vault.encrypt(kept.token.expose_secret(), place)),
    };
    let now = Utc::now();
    let stored = healthy(connections::Entity::update_many())
        .col_expr(connections::Column::AccessTokenCt, Expr::value(access_ct))
        .col_expr(
            connections::Column::RefreshTokenCt,
            Expr::value(Some(refresh_ct)),
        )
        .col_expr(
            connections::Column::AccessExpiresAt,
            Expr::value(tokens.expires_at),
        )
        .col_expr(connections::Column::LastRefreshedAt, Expr::value(Some(now)))
        .col_expr(
            connections::Column::RefreshLeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            connections::Column::Version,
            Expr::value(leased_version + 1),
        )
        .col_expr(connections::Column::UpdatedAt, Expr::value(now))
        .filter(connections::Column::Id.eq(id))
        .filter(connections::Column::Version.eq(leased_version))
        .exec(db)
        .await?
        .rows_affected;
    if stored != 1 {
        // The row moved on under us (the lease lapsed and another caller
        // took it, or a reconnect replaced the tokens): what the platform
        // just issued was not stored. Not a success.
        tracing::error!(connection_id = %id, platform = platform.slug(), "refreshed tokens could not be stored: the lease was lost");
        return Err(ProviderError::Transient(
            "the refresh lease was lost before its tokens were stored".into(),
        )
        .into());
    }
    tracing::info!(connection_id = %id, platform = platform.slug(), "tokens refreshed");
    Ok(Refreshed::Refreshed {
        version: leased_version + 1,
    })
}
