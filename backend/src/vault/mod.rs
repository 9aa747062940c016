//! The token vault: authenticated encryption of secrets at rest.
//!
//! XChaCha20-Poly1305 with a fresh random 192-bit nonce per encryption (safe
//! at any volume). Each ciphertext says how to open it — format version and
//! key id — and is bound by associated data to its place (table, column, row
//! id, business id): copied to another row or column it fails to decrypt.
//!
//! Layout: `version(1) | key_id_len(1) | key_id | nonce(24) | ciphertext+tag`.
//! The keyring's first key encrypts; every key decrypts, so keys rotate by
//! prepending a new one, re-encrypting (`pulseboard keys rotate`), then
//! removing the old one.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use std::sync::atomic::{AtomicU64, Ordering};

use rand::RngCore;
use secrecy::{ExposeSecret, SecretBox, SecretString};
use uuid::Uuid;

const VERSION: u8 = 1;
const NONCE_LEN: usize = 24;
pub const KEY_LEN: usize = 32;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VaultError {
    #[error("no token keys configured")]
    NoKeys,
    #[error("token key {0:?}: {1}")]
    BadKey(String, &'static str),
    #[error("ciphertext is malformed")]
    Malformed,
    #[error("ciphertext format version {0} is not supported")]
    UnknownVersion(u8),
    #[error("ciphertext was made with key {0:?}, which is not in the keyring")]
    UnknownKey(String),
    /// Wrong key, tampered bytes, or a ciphertext moved to another place.
    #[error("ciphertext failed authentication")]
    Unauthentic,
}

/// Where a ciphertext lives; it can only be opened there.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub table: &'a str,
    pub column: &'a str,
    pub row_id: &'a str,
    pub business_id: Uuid,
}

struct Key {
    id: String,
    cipher: XChaCha20Poly1305,
}

pub struct Keyring {
    keys: Vec<Key>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|k| k.id.as_str()).collect();
        f.debug_struct("Keyring").field("key_ids", &ids).finish()
    }
}

impl Keyring {
    /// Parses `id:base64,id:base64,…` (newest first). Ids are 1–32 characters
    /// of `[A-Za-z0-9_-]`; keys are exactly 32 bytes.
    pub fn parse(spec: &SecretString) -> Result<Self, VaultError> {
        let mut keys = Vec::new();
        for entry in spec
            .expose_secret()
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            let (id, b64) = entry
                .split_once(':')
                .ok_or_else(|| VaultError::BadKey(String::new(), "expected id:base64"))?;
            if id.is_empty()
                || id.len() > 32
                || !id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(VaultError::BadKey(
                    id.to_owned(),
                    "ids are 1-32 of A-Z a-z 0-9 - _",
                ));
            }
            let bytes = SecretBox::new(Box::new(
                STANDARD
                    .decode(b64)
                    .map_err(|_| VaultError::BadKey(id.to_owned(), "not valid base64"))?,
            ));
            if bytes.expose_secret().len() != KEY_LEN {
                return Err(VaultError::BadKey(
                    id.to_owned(),
                    "keys must be exactly 32 bytes",
                ));
            }
            if keys.iter().any(|k: &Key| k.id == id) {
                return Err(VaultError::BadKey(id.to_owned(), "listed twice"));
            }
            let cipher = XChaCha20Poly1305::new_from_slice(bytes.expose_secret())
                .map_err(|_| VaultError::BadKey(id.to_owned(), "unusable key"))?;
            keys.push(Key {
                id: id.to_owned(),
                cipher,
            });
        }
        if keys.is_empty() {
            return Err(VaultError::NoKeys);
        }
        Ok(Self { keys })
    }

    /// A new random key in the `id:base64` form `parse` reads.
    pub fn generate_entry(id: &str) -> SecretString {
        let mut bytes = [0u8; KEY_LEN];
        rand::rng().fill_bytes(&mut bytes);
        SecretString::from(format!("{id}:{}", STANDARD.encode(bytes)))
    }

    /// The id of the key that encrypts.
    pub fn primary_id(&self) -> &str {
        &self.keys[0].id
    }

    pub fn encrypt(&self, plaintext: &str, place: Place<'_>) -> Vec<u8> {
        let key = &self.keys[0];
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let header = header(&key.id);
        let aad = aad(&header, place);
        let sealed = key
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: &aad,
                },
            )
            .expect("XChaCha20-Poly1305 encryption cannot fail for in-memory input");
        let mut out = header;
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// Opens a ciphertext. A failure is never quiet: it is logged at error
    /// level with its place (never the bytes) and counted, whatever the
    /// caller then does with it.
    pub fn decrypt(&self, ciphertext: &[u8], place: Place<'_>) -> Result<SecretString, VaultError> {
        self.open(ciphertext, place).inspect_err(|e| {
            DECRYPT_FAILURES.fetch_add(1, Ordering::Relaxed);
            tracing::error!(
                table = place.table,
                column = place.column,
                row_id = place.row_id,
                business_id = %place.business_id,
                error = %e,
                "a stored ciphertext failed to decrypt"
            );
        })
    }

    fn open(&self, ciphertext: &[u8], place: Place<'_>) -> Result<SecretString, VaultError> {
        let (key_id, header_len) = parse_header(ciphertext)?;
        let key = self
            .keys
            .iter()
            .find(|k| k.id == key_id)
            .ok_or_else(|| VaultError::UnknownKey(key_id.to_owned()))?;
        let rest = &ciphertext[header_len..];
        if rest.len() < NONCE_LEN + 16 {
            return Err(VaultError::Malformed);
        }
        let (nonce, sealed) = rest.split_at(NONCE_LEN);
        let aad = aad(&ciphertext[..header_len], place);
        let plain = key
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: &aad,
                },
            )
            .map_err(|_| VaultError::Unauthentic)?;
        String::from_utf8(plain)
            .map(SecretString::from)
            .map_err(|_| VaultError::Malformed)
    }

    /// Whether `ciphertext` was made with a key other than the primary one.
    pub fn needs_rotation(&self, ciphertext: &[u8]) -> Result<bool, VaultError> {
        Ok(key_id_of(ciphertext)? != self.primary_id())
    }

    /// Opens with whichever key made it, seals with the primary key.
    pub fn reencrypt(&self, ciphertext: &[u8], place: Place<'_>) -> Result<Vec<u8>, VaultError> {
        let plain = self.decrypt(ciphertext, place)?;
        Ok(self.encrypt(plain.expose_secret(), place))
    }

    /// `ciphertext` sealed with the primary key: the same bytes when it
    /// already is, else re-encrypted. For ciphertexts kept across a write.
    pub fn reseal(&self, ciphertext: &[u8], place: Place<'_>) -> Result<Vec<u8>, VaultError> {
        if self.needs_rotation(ciphertext)? {
            self.reencrypt(ciphertext, place)
        } else {
            Ok(ciphertext.to_vec())
        }
    }
}

static DECRYPT_FAILURES: AtomicU64 = AtomicU64::new(0);

/// Ciphertexts that failed to decrypt since this process started.
pub fn decrypt_failures() -> u64 {
    DECRYPT_FAILURES.load(Ordering::Relaxed)
}

/// The id of the key that sealed `ciphertext`, read from its header.
pub fn key_id_of(ciphertext: &[u8]) -> Result<&str, VaultError> {
    parse_header(ciphertext).map(|(id, _)| id)
}

fn header(key_id: &str) -> Vec<u8> {
    let mut h = Vec::with_capacity(2 + key_id.len());
    h.push(VERSION);
    h.push(key_id.len() as u8);
    h.extend_from_slice(key_id.as_bytes());
    h
}

fn parse_header(ct: &[u8]) -> Result<(&str, usize), VaultError> {
    let (&version, rest) = ct.split_first().ok_or(VaultError::Malformed)?;
    if version != VERSION {
        return Err(VaultError::UnknownVersion(version));
    }
    let (&len, rest) = rest.split_first().ok_or(VaultError::Malformed)?;
    let id = rest.get(..len as usize).ok_or(VaultError::Malformed)?;
    let id = std::str::from_utf8(id).map_err(|_| VaultError::Malformed)?;
    Ok((id, 2 + len as usize))
}

/// The header is authenticated too, so a key id cannot be swapped.
fn aad(header: &[u8], p: Place<'_>) -> Vec<u8> {
    let mut aad = header.to_vec();
    for part in [p.table, p.column, p.row_id, &p.business_id.to_string()] {
        aad.extend_from_slice(&(part.len() as u32).to_be_bytes());
        aad.extend_from_slice(part.as_bytes());
    }
    aad
}

#[cfg(test)]
mod tests;
