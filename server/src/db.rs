//! Connecting to SQLite or PostgreSQL and applying migrations.

use std::time::Duration;

use migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use secrecy::{ExposeSecret, SecretString};

/// Opens the pool. SQLite gets WAL, a busy timeout and foreign keys, so the
/// web server and the embedded worker can share one file; its directory is
/// created if missing.
pub async fn connect(url: &SecretString) -> anyhow::Result<DatabaseConnection> {
    let url = url.expose_secret();
    if let Some(path) = sqlite_file(url)
        && let Some(dir) = std::path::Path::new(path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)?;
    }
    let mut opt = ConnectOptions::new(url.to_owned());
    opt.max_connections(if url.starts_with("sqlite") { 8 } else { 16 })
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    // The error may quote the URL, password included: say only what failed.
    Database::connect(opt).await.map_err(|e| {
        anyhow::anyhow!(
            "could not connect to the database: {}",
            redact(&e.to_string(), url)
        )
    })
}

fn sqlite_file(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then_some(path)
}

fn redact(message: &str, url: &str) -> String {
    message.replace(url, "<database_url>")
}

pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await?;
    Ok(())
}

/// Reachable and fully migrated.
pub async fn readiness(db: &DatabaseConnection) -> Result<(), String> {
    db.execute_unprepared("SELECT 1")
        .await
        .map_err(|_| "database unreachable".to_owned())?;
    let pending = Migrator::get_pending_migrations_read_only(db)
        .await
        .map_err(|_| "cannot read migration state".to_owned())?;
    if pending.is_empty() {
        Ok(())
    } else {
        Err(format!("{} migration(s) pending", pending.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_sqlite_file() {
        assert_eq!(
            sqlite_file("sqlite://data/pulseboard.db?mode=rwc"),
            Some("data/pulseboard.db")
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://x/y"), None);
    }
}
