//! The token keyring: loading it at start (refusing to run without one in
//! production) and `pulseboard keys generate|rotate`.

use std::path::Path;

use app::backend::entities::oauth_transactions;
use app::backend::vault::{Keyring, Place};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use secrecy::{ExposeSecret, SecretString};

use crate::config::{Environment, Settings};

/// The keyring from `PULSEBOARD_TOKEN_KEYS`. Without one, production refuses
/// to start; development creates (or reuses) a key file and says so.
pub fn load(settings: &Settings) -> anyhow::Result<Keyring> {
    if let Some(spec) = &settings.token_keys {
        return Ok(Keyring::parse(spec)?);
    }
    if settings.env == Environment::Production {
        anyhow::bail!(
            "PULSEBOARD_TOKEN_KEYS is required in production: create one with `pulseboard keys generate`"
        );
    }
    let path = Path::new(&settings.token_keys_file);
    if !path.exists() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        match write_private(path, Keyring::generate_entry(&new_key_id()).expose_secret()) {
            Ok(()) => tracing::warn!(
                file = %path.display(),
                "no PULSEBOARD_TOKEN_KEYS: generated a development key file; set real keys before production"
            ),
            // Another process (web and worker starting together) won the race.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e.into()),
        }
    }
    let spec = SecretString::from(std::fs::read_to_string(path)?.trim().to_owned());
    Ok(Keyring::parse(&spec)?)
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents.as_bytes())
}

/// `k20261124t013000`: sortable, unique enough for a human-run command.
pub fn new_key_id() -> String {
    format!("k{}", chrono::Utc::now().format("%Y%m%dt%H%M%S"))
}

/// Re-encrypts every ciphertext not made with the primary key, in batches,
/// reporting progress. Safe to interrupt and re-run: finished rows are skipped.
pub async fn rotate(db: &DatabaseConnection, keyring: &Keyring, batch: u64) -> anyhow::Result<u64> {
    let rotated = rotate_connections(db, keyring, batch).await?
        + rotate_transactions(db, keyring, batch).await?;
    println!(
        "done: {rotated} ciphertext(s) now use key {}",
        keyring.primary_id()
    );
    Ok(rotated)
}

/// Connections record their key id, so rows still on an old key are found
/// directly. Each row is rewritten only if its version is unchanged: a
/// concurrent refresh wins (and seals with the new key anyway).
async fn rotate_connections(
    db: &DatabaseConnection,
    keyring: &Keyring,
    batch: u64,
) -> anyhow::Result<u64> {
    use app::backend::entities::connections;
    use sea_orm::ExprTrait;
    use sea_orm::sea_query::Expr;
    let mut rotated = 0u64;
    loop {
        let rows = connections::Entity::find()
            .filter(connections::Column::KeyId.ne(keyring.primary_id()))
            .order_by_asc(connections::Column::Id)
            .limit(batch)
            .all(db)
            .await?;
        if rows.is_empty() {
            break;
        }
        let mut progress = 0u64;
        for row in &rows {
            let id = row.id.to_string();
            let place = |column: &'static str| Place {
                table: "connections",
                column,
                row_id: &id,
                business_id: row.business_id,
            };
            let access = keyring.reencrypt(&row.access_token_ct, place("access_token"))?;
            let refresh = match &row.refresh_token_ct {
                Some(ct) => Some(keyring.reencrypt(ct, place("refresh_token"))?),
                None => None,
            };
            let updated = connections::Entity::update_many()
                .col_expr(connections::Column::AccessTokenCt, Expr::value(access))
                .col_expr(connections::Column::RefreshTokenCt, Expr::value(refresh))
                .col_expr(
                    connections::Column::KeyId,
                    Expr::value(keyring.primary_id()),
                )
                .col_expr(
                    connections::Column::Version,
                    Expr::col(connections::Column::Version).add(1),
                )
                .filter(connections::Column::Id.eq(row.id))
                .filter(connections::Column::Version.eq(row.version))
                .exec(db)
                .await?
                .rows_affected;
            progress += updated;
        }
        rotated += progress;
        println!("connections: {rotated} re-encrypted");
        if progress == 0 {
            anyhow::bail!(
                "connections changed under every update in a batch; run `keys rotate` again"
            );
        }
    }
    Ok(rotated)
}

async fn rotate_transactions(
    db: &DatabaseConnection,
    keyring: &Keyring,
    batch: u64,
) -> anyhow::Result<u64> {
    let mut after: Option<String> = None;
    let mut rotated = 0u64;
    let mut seen = 0u64;
    loop {
        let mut query = oauth_transactions::Entity::find()
            .order_by_asc(oauth_transactions::Column::StateHash)
            .limit(batch);
        if let Some(last) = &after {
            query = query.filter(oauth_transactions::Column::StateHash.gt(last.clone()));
        }
        let rows = query.all(db).await?;
        let Some(last) = rows.last() else { break };
        after = Some(last.state_hash.clone());
        for row in rows {
            seen += 1;
            if !keyring.needs_rotation(&row.verifier_ct)? {
                continue;
            }
            let place = Place {
                table: "oauth_transactions",
                column: "verifier",
                row_id: &row.state_hash,
                business_id: row.business_id,
            };
            let fresh = keyring.reencrypt(&row.verifier_ct, place)?;
            oauth_transactions::ActiveModel {
                state_hash: Set(row.state_hash.clone()),
                verifier_ct: Set(fresh),
                ..Default::default()
            }
            .update(db)
            .await?;
            rotated += 1;
        }
        println!("oauth_transactions: {seen} checked, {rotated} re-encrypted");
    }
    Ok(rotated)
}
