//! Password hashing with argon2id (OWASP parameters: 19 MiB, 2 passes, 1 lane).
//! Hashing is CPU-bound, so it runs on the blocking pool.

use std::sync::LazyLock;

use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::Error;
use shared::domain::Password;

fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("static argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Verified against when the email is unknown, so both answers take as long.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    hash_blocking("pulseboard-timing-equaliser").expect("hashing a constant succeeds")
});

fn hash_blocking(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(hasher()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

pub async fn hash(password: Password) -> Result<String, Error> {
    tokio::task::spawn_blocking(move || hash_blocking(password.expose()))
        .await
        .map_err(Error::internal)?
        .map_err(Error::internal)
}

/// `stored` is `None` when no user has the email; the check still costs a full hash.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, Error> {
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        let parsed = PasswordHash::new(&phc).map_err(Error::internal)?;
        let ok = hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(known && ok)
    })
    .await
    .map_err(Error::internal)?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_salted() {
        let a = hash(Password::parse("correct horse battery").unwrap())
            .await
            .unwrap();
        let b = hash(Password::parse("correct horse battery").unwrap())
            .await
            .unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
    }

    #[tokio::test]
    async fn verifies_the_right_password_only() {
        let stored = hash(Password::parse("correct horse battery").unwrap())
            .await
            .unwrap();
        assert!(
            verify("correct horse battery".into(), Some(stored.clone()))
                .await
                .unwrap()
        );
        assert!(
            !verify("wrong horse battery".into(), Some(stored))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn unknown_user_never_verifies() {
        assert!(
            !verify("pulseboard-timing-equaliser".into(), None)
                .await
                .unwrap()
        );
    }
}
