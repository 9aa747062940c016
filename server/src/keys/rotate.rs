//! `pulseboard keys rotate`: re-seals every ciphertext in the database with
//! the keyring's primary key, so the old key can then be removed.
//!
//! Rows are chosen by the key id inside each ciphertext's header, never by a
//! column beside it. Each row is rewritten by compare-and-swap on the very
//! bytes read, so a concurrent writer (a refresh, a reconnect) wins — and it
//! seals with the primary key anyway. Interrupted, it resumes by running
//! again: finished ciphertexts are skipped.

use backend::entities::{connections, oauth_transactions, pending_connections};
use backend::vault::{Keyring, Place};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, UpdateMany,
};
use uuid::Uuid;

/// Every ciphertext column of every table, as `(table, column)`. A test
/// holds this list to the schema: a new blob column must be added here, and
/// to [`rotate`].
pub const SEALED_COLUMNS: &[(&str, &str)] = &[
    ("connections", "access_token_ct"),
    ("connections", "refresh_token_ct"),
    ("connections", "grant_token_ct"),
    ("oauth_transactions", "verifier_ct"),
    ("pending_connections", "payload_ct"),
];

/// Passes before giving up on rows that keep changing under the rotation.
const PASSES: usize = 3;

/// What one pass over a table did.
#[derive(Default)]
struct Pass {
    checked: u64,
    rotated: u64,
    /// Rows rewritten by someone else between our read and our write.
    raced: u64,
}

/// Re-encrypts every ciphertext not made with the primary key, in batches,
/// reporting progress. Safe to interrupt and re-run.
pub async fn rotate(db: &DatabaseConnection, keyring: &Keyring, batch: u64) -> anyhow::Result<u64> {
    let mut total = 0;
    for pass in 1..=PASSES {
        let passes = [
            connections_pass(db, keyring, batch).await?,
            transactions_pass(db, keyring, batch).await?,
            pending_pass(db, keyring, batch).await?,
        ];
        total += passes.iter().map(|p| p.rotated).sum::<u64>();
        let raced: u64 = passes.iter().map(|p| p.raced).sum();
        if raced == 0 {
            println!(
                "done: {total} ciphertext(s) now use key {}",
                keyring.primary_id()
            );
            return Ok(total);
        }
        println!("pass {pass}: {raced} row(s) changed while being rotated; checking again");
    }
    anyhow::bail!(
        "rows kept changing during rotation; run `pulseboard keys rotate` again before removing the old key"
    )
}

/// The columns of one row to rewrite: `(column, bytes read, bytes to write)`.
type Changes<C> = Vec<(C, Vec<u8>, Vec<u8>)>;

/// The ciphertexts of one row that are not on the primary key, resealed.
/// A ciphertext that cannot be opened stops the rotation, naming its place.
fn plan<C: ColumnTrait>(
    keyring: &Keyring,
    table: &'static str,
    row_id: &str,
    business_id: Uuid,
    sealed: Vec<(C, &'static str, Option<&Vec<u8>>)>,
) -> anyhow::Result<Changes<C>> {
    let mut changes = Vec::new();
    for (column, name, ct) in sealed {
        let Some(ct) = ct else { continue };
        let stale = keyring.needs_rotation(ct).map_err(|e| {
            anyhow::anyhow!("{table}.{name} of row {row_id} is not a vault ciphertext: {e}")
        })?;
        if !stale {
            continue;
        }
        let place = Place {
            table,
            column: name,
            row_id,
            business_id,
        };
        let fresh = keyring.reencrypt(ct, place).map_err(|e| {
            anyhow::anyhow!(
                "{table}.{name} of row {row_id} cannot be opened ({e}); keep its key in the keyring"
            )
        })?;
        changes.push((column, ct.clone(), fresh));
    }
    Ok(changes)
}

/// Writes `changes` to the row `update` selects, only if every ciphertext is
/// still the one read. Adds the outcome to `pass`.
async fn apply<E: EntityTrait>(
    db: &DatabaseConnection,
    mut update: UpdateMany<E>,
    changes: Changes<E::Column>,
    pass: &mut Pass,
) -> anyhow::Result<()> {
    pass.checked += 1;
    if changes.is_empty() {
        return Ok(());
    }
    let n = changes.len() as u64;
    for (column, old, fresh) in changes {
        update = update
            .col_expr(column, Expr::value(fresh))
            .filter(column.eq(old));
    }
    match update.exec(db).await?.rows_affected {
        1 => pass.rotated += n,
        _ => pass.raced += 1,
    }
    Ok(())
}

fn report(table: &str, pass: &Pass) {
    println!(
        "{table}: {} checked, {} re-encrypted",
        pass.checked, pass.rotated
    );
}

async fn connections_pass(
    db: &DatabaseConnection,
    keyring: &Keyring,
    batch: u64,
) -> anyhow::Result<Pass> {
    use connections::{Column, Entity};
    let mut pass = Pass::default();
    let mut after: Option<Uuid> = None;
    loop {
        let mut query = Entity::find().order_by_asc(Column::Id).limit(batch);
        if let Some(last) = after {
            query = query.filter(Column::Id.gt(last));
        }
        let rows = query.all(db).await?;
        let Some(last) = rows.last() else { break };
        after = Some(last.id);
        for row in &rows {
            let changes = plan(
                keyring,
                "connections",
                &row.id.to_string(),
                row.business_id,
                vec![
                    (
                        Column::AccessTokenCt,
                        "access_token",
                        Some(&row.access_token_ct),
                    ),
                    (
                        Column::RefreshTokenCt,
                        "refresh_token",
                        row.refresh_token_ct.as_ref(),
                    ),
                    (
                        Column::GrantTokenCt,
                        "grant_token",
                        row.grant_token_ct.as_ref(),
                    ),
                ],
            )?;
            let update = Entity::update_many().filter(Column::Id.eq(row.id));
            apply(db, update, changes, &mut pass).await?;
        }
        report("connections", &pass);
    }
    Ok(pass)
}

async fn transactions_pass(
    db: &DatabaseConnection,
    keyring: &Keyring,
    batch: u64,
) -> anyhow::Result<Pass> {
    use oauth_transactions::{Column, Entity};
    let mut pass = Pass::default();
    let mut after: Option<String> = None;
    loop {
        let mut query = Entity::find().order_by_asc(Column::StateHash).limit(batch);
        if let Some(last) = &after {
            query = query.filter(Column::StateHash.gt(last.clone()));
        }
        let rows = query.all(db).await?;
        let Some(last) = rows.last() else { break };
        after = Some(last.state_hash.clone());
        for row in &rows {
            let changes = plan(
                keyring,
                "oauth_transactions",
                &row.state_hash,
                row.business_id,
                vec![(Column::VerifierCt, "verifier", Some(&row.verifier_ct))],
            )?;
            let update = Entity::update_many().filter(Column::StateHash.eq(row.state_hash.clone()));
            apply(db, update, changes, &mut pass).await?;
        }
        report("oauth_transactions", &pass);
    }
    Ok(pass)
}

async fn pending_pass(
    db: &DatabaseConnection,
    keyring: &Keyring,
    batch: u64,
) -> anyhow::Result<Pass> {
    use pending_connections::{Column, Entity};
    let mut pass = Pass::default();
    let mut after: Option<Uuid> = None;
    loop {
        let mut query = Entity::find().order_by_asc(Column::Id).limit(batch);
        if let Some(last) = after {
            query = query.filter(Column::Id.gt(last));
        }
        let rows = query.all(db).await?;
        let Some(last) = rows.last() else { break };
        after = Some(last.id);
        for row in &rows {
            let changes = plan(
                keyring,
                "pending_connections",
                &row.id.to_string(),
                row.business_id,
                vec![(Column::PayloadCt, "payload", Some(&row.payload_ct))],
            )?;
            let update = Entity::update_many().filter(Column::Id.eq(row.id));
            apply(db, update, changes, &mut pass).await?;
        }
        report("pending_connections", &pass);
    }
    Ok(pass)
}
