//! The token keyring: loading it at start (refusing to run without one in
//! production) and `pulseboard keys generate|rotate`.

mod rotate;

pub use rotate::{SEALED_COLUMNS, rotate};

use std::path::Path;

use backend::vault::Keyring;
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
