//! The database read as someone holding a copy of it would: its raw bytes
//! (SQLite's file and write-ahead log, PostgreSQL's `pg_dump`), every
//! binary column found from the catalog (not from our entity list), and the
//! key id inside each ciphertext.

use backend::vault::key_id_of;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

/// Every `(table, column)` of a binary type, from the database's catalog.
pub async fn binary_columns(db: &DatabaseConnection) -> Vec<(String, String)> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Sqlite => {
            "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND lower(p.type) = 'blob' ORDER BY 1, 2"
        }
        _ => {
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND data_type = 'bytea' ORDER BY 1, 2"
        }
    };
    db.query_all_raw(Statement::from_string(backend, sql))
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.try_get_by_index::<String>(0).unwrap(),
                r.try_get_by_index::<String>(1).unwrap(),
            )
        })
        .collect()
}

/// Every value of every binary column: `(table, column, bytes)`.
pub async fn binary_values(db: &DatabaseConnection) -> Vec<(String, String, Vec<u8>)> {
    let backend = db.get_database_backend();
    let mut out = Vec::new();
    for (table, column) in binary_columns(db).await {
        let sql = format!(r#"SELECT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL"#);
        for row in db
            .query_all_raw(Statement::from_string(backend, sql))
            .await
            .unwrap()
        {
            out.push((
                table.clone(),
                column.clone(),
                row.try_get_by_index::<Vec<u8>>(0).unwrap(),
            ));
        }
    }
    out
}

/// `(table, column, key id)` for every stored ciphertext. Panics on a
/// binary value in a vault column that is not a vault ciphertext.
pub async fn sealed_key_ids(db: &DatabaseConnection) -> Vec<(String, String, String)> {
    binary_values(db)
        .await
        .into_iter()
        .filter(|(t, c, _)| is_sealed(t, c))
        .map(|(t, c, bytes)| {
            let id = key_id_of(&bytes)
                .unwrap_or_else(|e| panic!("{t}.{c} holds a non-ciphertext: {e}"))
                .to_owned();
            (t, c, id)
        })
        .collect()
}

fn is_sealed(table: &str, column: &str) -> bool {
    server::keys::SEALED_COLUMNS
        .iter()
        .any(|(t, c)| *t == table && *c == column)
}

/// Everything the database holds, as someone with a copy of it sees it:
/// SQLite's file and write-ahead log byte for byte; PostgreSQL's `pg_dump`
/// with every `bytea` value (`\x…` hex) decoded and appended, so a token
/// stored inside a binary column is found as text too.
pub fn raw_dump(url: &str) -> String {
    if let Some(rest) = url.strip_prefix("sqlite://") {
        let path = rest.split('?').next().unwrap();
        let mut bytes = std::fs::read(path).expect("the database file");
        if let Ok(wal) = std::fs::read(format!("{path}-wal")) {
            bytes.extend_from_slice(&wal);
        }
        return String::from_utf8_lossy(&bytes).into_owned();
    }
    let out = std::process::Command::new("pg_dump")
        .args(["--no-owner", "--dbname", url])
        .output()
        .expect("pg_dump runs");
    assert!(
        out.status.success(),
        "pg_dump: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut decoded = Vec::new();
    for run in text.split("\\x").skip(1) {
        let hex: String = run.chars().take_while(|c| c.is_ascii_hexdigit()).collect();
        for pair in hex.as_bytes().chunks(2) {
            if let Ok(b) = u8::from_str_radix(std::str::from_utf8(pair).unwrap_or("zz"), 16) {
                decoded.push(b);
            }
        }
        decoded.push(b'\n');
    }
    text + &String::from_utf8_lossy(&decoded)
}
