//! Disconnecting a platform: ending the grant at the platform where it
//! offers a way to, then deleting the connections and their ciphertext.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use secrecy::SecretString;
use uuid::Uuid;

use crate::connections::{audit, place_of};
use crate::entities::connections::{self, TokenColumn};
use crate::error::Error;
use crate::platforms::{ProviderError, Providers, for_platform};
use crate::vault::Keyring;
use shared::domain::{AuditKind, Platform};

/// What a disconnect did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disconnected {
    /// Connections removed (with their ciphertext).
    pub removed: usize,
    /// The accounts removed, by display name.
    pub names: Vec<String>,
    /// The platform confirmed it ended the grant.
    pub revoked: bool,
}

/// Revokes where the platform can, then deletes the rows (and with them
/// the ciphertext). A failed revocation is logged and does not keep the rows.
pub async fn disconnect(
    db: &impl ConnectionTrait,
    vault: &Keyring,
    providers: &Providers,
    business_id: Uuid,
    platform: Platform,
    actor: &str,
) -> Result<Disconnected, Error> {
    let kinds = platform.accounts().iter().map(|k| k.as_str());
    let rows = connections::Entity::find()
        .filter(connections::Column::BusinessId.eq(business_id))
        .filter(connections::Column::Platform.is_in(kinds))
        .all(db)
        .await?;
    let mut revoked = false;
    for row in &rows {
        if let Some(cfg) = providers.get(platform) {
            match revoke(vault, providers, cfg, platform, row).await {
                Ok(done) => revoked |= done,
                Err(e) => {
                    tracing::warn!(connection_id = %row.id, error_class = e.class(), "revocation failed; deleting locally")
                }
            }
        }
        connections::Entity::delete_by_id(row.id).exec(db).await?;
        audit(
            db,
            business_id,
            actor,
            AuditKind::Disconnected,
            &format!("{} {} ({})", row.platform, row.id, row.display_name),
        )
        .await?;
    }
    Ok(Disconnected {
        removed: rows.len(),
        names: rows.iter().map(|r| r.display_name.clone()).collect(),
        revoked,
    })
}

/// Ends `row`'s grant at the platform. `Ok(false)`: nothing to revoke here.
async fn revoke(
    vault: &Keyring,
    providers: &Providers,
    cfg: &crate::platforms::ProviderSettings,
    platform: Platform,
    row: &connections::Model,
) -> Result<bool, ProviderError> {
    let adapter = for_platform(platform);
    let Some(column) = adapter.revocation_token(row) else {
        return Ok(false);
    };
    // Never a quiet skip: a token that does not decrypt leaves the grant
    // alive at the platform, so the failure is reported.
    let token = decrypt(vault, row, column).map_err(|e| {
        ProviderError::Invalid(format!("cannot decrypt the {}: {e}", column.as_str()))
    })?;
    adapter.revoke(cfg, &providers.http, &token, column).await?;
    Ok(true)
}

fn decrypt(
    vault: &Keyring,
    row: &connections::Model,
    column: TokenColumn,
) -> Result<SecretString, String> {
    let ct = row
        .ciphertext(column)
        .ok_or_else(|| "token is missing".to_owned())?;
    vault
        .decrypt(
            ct,
            place_of(&row.id.to_string(), row.business_id, column.as_str()),
        )
        .map_err(|e| e.to_string())
}
