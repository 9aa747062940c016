//! The server-side half of an authorization attempt: `state` (256 random
//! bits, stored only as a hash), the PKCE verifier (encrypted), who started
//! it, for which business, and where to return. Single use: consumed with
//! DELETE … RETURNING, so a replayed callback finds nothing.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use oauth2::{PkceCodeChallenge, PkceCodeVerifier};
use rand::RngCore;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::entities::oauth_transactions;
use crate::error::Error;
use crate::vault::{Keyring, Place};
use shared::domain::Platform;

pub const LIFETIME: Duration = Duration::minutes(15);

/// What the authorize redirect needs.
pub struct Started {
    pub state: String,
    pub challenge: PkceCodeChallenge,
}

/// A consumed transaction, verified against the callback.
pub struct Consumed {
    pub user_id: Uuid,
    pub business_id: Uuid,
    pub return_to: String,
    pub verifier: PkceCodeVerifier,
}

/// Why a callback was refused. No token request is made for any of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Rejected {
    #[error("The sign-in response had no state.")]
    MissingState,
    #[error("The sign-in response had more than one state.")]
    DuplicateState,
    #[error("This sign-in link is unknown or was already used.")]
    UnknownState,
    #[error("This sign-in attempt expired. Start again.")]
    Expired,
    #[error("This sign-in was started in another session.")]
    ForeignSession,
    #[error("This sign-in response came back from a different platform.")]
    PlatformMismatch,
}

fn hash(state: &str) -> String {
    Sha256::digest(state.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn place(state_hash: &str, business_id: Uuid) -> Place<'_> {
    Place {
        table: "oauth_transactions",
        column: "verifier",
        row_id: state_hash,
        business_id,
    }
}

/// `return_to` is only ever a local path: anything else becomes `/`.
pub fn safe_return_to(path: &str) -> String {
    shared::return_to::same_site(path).unwrap_or("/").to_owned()
}

#[allow(clippy::too_many_arguments)]
pub async fn begin(
    db: &impl ConnectionTrait,
    vault: &Keyring,
    platform: Platform,
    user_id: Uuid,
    session_id: &str,
    business_id: Uuid,
    return_to: &str,
    now: DateTime<Utc>,
) -> Result<Started, Error> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let state = URL_SAFE_NO_PAD.encode(bytes);
    let state_hash = hash(&state);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let verifier_ct = vault.encrypt(verifier.secret(), place(&state_hash, business_id));
    oauth_transactions::ActiveModel {
        state_hash: Set(state_hash),
        platform: Set(platform.slug().to_owned()),
        verifier_ct: Set(verifier_ct),
        user_id: Set(user_id),
        session_id: Set(session_id.to_owned()),
        business_id: Set(business_id),
        return_to: Set(safe_return_to(return_to)),
        created_at: Set(now),
        expires_at: Set(now + LIFETIME),
    }
    .insert(db)
    .await?;
    Ok(Started { state, challenge })
}

/// Deletes the transaction for `state` and checks it belongs to this callback.
/// It is consumed even when a check fails: a state is never tried twice.
pub async fn consume(
    db: &impl ConnectionTrait,
    vault: &Keyring,
    platform: Platform,
    state: &str,
    session_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Result<Consumed, Rejected>, Error> {
    let state_hash = hash(state);
    let Some(row) = oauth_transactions::Entity::delete_by_id(state_hash.clone())
        .exec_with_returning(db)
        .await?
    else {
        return Ok(Err(Rejected::UnknownState));
    };
    // Both clocks: the stored expiry, and the age since it was issued (a row
    // whose expiry was written wrong still dies after LIFETIME).
    if row.expires_at <= now || now - row.created_at > LIFETIME {
        return Ok(Err(Rejected::Expired));
    }
    if session_id != Some(row.session_id.as_str()) {
        return Ok(Err(Rejected::ForeignSession));
    }
    if row.platform != platform.slug() {
        return Ok(Err(Rejected::PlatformMismatch));
    }
    let verifier = vault
        .decrypt(&row.verifier_ct, place(&state_hash, row.business_id))
        .map_err(Error::internal)?;
    Ok(Ok(Consumed {
        user_id: row.user_id,
        business_id: row.business_id,
        return_to: safe_return_to(&row.return_to),
        verifier: PkceCodeVerifier::new(verifier.expose_secret().to_owned()),
    }))
}

/// The single `state` of a callback's query, or why there isn't one.
pub fn single_state(query: &str) -> Result<String, Rejected> {
    let mut states = oauth2::url::form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned());
    match (states.next(), states.next()) {
        (None, _) => Err(Rejected::MissingState),
        (Some(_), Some(_)) => Err(Rejected::DuplicateState),
        (Some(s), None) if s.is_empty() => Err(Rejected::MissingState),
        (Some(s), None) => Ok(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_must_appear_exactly_once() {
        assert_eq!(single_state("code=c&state=abc"), Ok("abc".into()));
        assert_eq!(single_state("code=c"), Err(Rejected::MissingState));
        assert_eq!(single_state("code=c&state="), Err(Rejected::MissingState));
        assert_eq!(
            single_state("state=a&state=b"),
            Err(Rejected::DuplicateState)
        );
        assert_eq!(
            single_state("state=a&state=a"),
            Err(Rejected::DuplicateState)
        );
    }

    #[test]
    fn return_to_is_a_local_path_only() {
        assert_eq!(safe_return_to("/businesses/1"), "/businesses/1");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "evil",
            "/x?u=https://e",
        ] {
            assert_eq!(safe_return_to(bad), "/", "{bad}");
        }
    }

    #[test]
    fn states_are_stored_hashed() {
        assert_eq!(hash("abc").len(), 64);
        assert_ne!(hash("abc"), "abc");
    }
}
