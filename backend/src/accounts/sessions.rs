//! Server-side sessions in the database, referenced by an opaque cookie.
//!
//! The cookie holds 256 random bits; the table holds only their SHA-256, so a
//! database dump yields no usable session. A session ends at the first of: its
//! absolute expiry (fixed at login), `idle` without a request, or logout.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, Set,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::entities::sessions;
use crate::error::Error;

pub const COOKIE_NAME: &str = "pulseboard_session";
/// The name under https. Browsers accept a `__Host-` cookie only when it is
/// Secure, host-only and `Path=/`, so a sibling subdomain or a plain-http
/// page can neither plant nor shadow the session.
pub const SECURE_COOKIE_NAME: &str = "__Host-pulseboard_session";

/// Session lifetimes and cookie attributes, from settings.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    pub idle: Duration,
    pub absolute: Duration,
    /// Set `Secure` on the cookie (the site is served over https).
    pub secure_cookie: bool,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            idle: Duration::days(7),
            absolute: Duration::days(30),
            secure_cookie: false,
        }
    }
}

/// The cookie value handed to the browser. Never logged, never stored.
pub struct SessionToken(String);

impl SessionToken {
    fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    pub fn from_cookie(value: &str) -> Self {
        Self(value.to_owned())
    }

    /// The primary key under which the session is stored.
    pub fn id(&self) -> String {
        hex(&Sha256::digest(self.0.as_bytes()))
    }

    pub fn set_cookie(&self, cfg: &SessionConfig) -> String {
        let secure = if cfg.secure_cookie { "; Secure" } else { "" };
        format!(
            "{}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
            cfg.cookie_name(),
            self.0,
            cfg.absolute.num_seconds()
        )
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(<redacted>)")
    }
}

pub fn clear_cookie(cfg: &SessionConfig) -> String {
    let secure = if cfg.secure_cookie { "; Secure" } else { "" };
    format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}",
        cfg.cookie_name()
    )
}

impl SessionConfig {
    /// The session cookie's name: `__Host-` prefixed under https.
    pub fn cookie_name(&self) -> &'static str {
        if self.secure_cookie {
            SECURE_COOKIE_NAME
        } else {
            COOKIE_NAME
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The session cookie's value from a `Cookie` header, if present. Only the
/// name this deployment sets counts: under https an unprefixed cookie (which
/// anyone on a sibling host could have planted) is ignored.
pub fn token_from_headers(headers: &http::HeaderMap, cfg: &SessionConfig) -> Option<SessionToken> {
    let name = cfg.cookie_name();
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, value)| *n == name && !value.is_empty())
        .map(|(_, value)| SessionToken::from_cookie(value))
}

/// Starts a session for `user_id`. Callers delete any session the browser
/// already had first: that is the rotation at login.
pub async fn create(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    cfg: &SessionConfig,
) -> Result<SessionToken, Error> {
    let token = SessionToken::generate();
    let now = Utc::now();
    sessions::ActiveModel {
        id: Set(token.id()),
        user_id: Set(user_id),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + cfg.absolute),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// A live session's row.
#[derive(Debug, Clone)]
pub struct ActiveSession {
    pub id: String,
    pub user_id: Uuid,
}

/// Resolves a token to its live session, refreshing its idle clock at most
/// once a minute (so a page of parallel requests writes once).
pub async fn resolve(
    db: &impl ConnectionTrait,
    token: &SessionToken,
    cfg: &SessionConfig,
) -> Result<Option<ActiveSession>, Error> {
    let Some(row) = sessions::Entity::find_by_id(token.id()).one(db).await? else {
        return Ok(None);
    };
    let now = Utc::now();
    if !is_live(&row, now, cfg) {
        sessions::Entity::delete_by_id(row.id).exec(db).await?;
        return Ok(None);
    }
    if now - row.last_seen_at > Duration::minutes(1) {
        sessions::Entity::update_many()
            .col_expr(sessions::Column::LastSeenAt, Expr::value(now))
            .filter(sessions::Column::Id.eq(row.id.clone()))
            .exec(db)
            .await?;
    }
    Ok(Some(ActiveSession {
        id: row.id,
        user_id: row.user_id,
    }))
}

pub fn is_live(row: &sessions::Model, now: DateTime<Utc>, cfg: &SessionConfig) -> bool {
    row.expires_at > now && row.last_seen_at + cfg.idle > now
}

pub async fn delete(db: &impl ConnectionTrait, token: &SessionToken) -> Result<(), Error> {
    sessions::Entity::delete_by_id(token.id()).exec(db).await?;
    Ok(())
}

/// Deletes sessions past their absolute or idle expiry; returns how many.
pub async fn delete_expired(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    idle: Duration,
) -> Result<u64, sea_orm::DbErr> {
    let res = sessions::Entity::delete_many()
        .filter(
            sessions::Column::ExpiresAt
                .lte(now)
                .or(sessions::Column::LastSeenAt.lte(now - idle)),
        )
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        created: DateTime<Utc>,
        last_seen: DateTime<Utc>,
        cfg: &SessionConfig,
    ) -> sessions::Model {
        sessions::Model {
            id: "x".into(),
            user_id: Uuid::nil(),
            created_at: created,
            last_seen_at: last_seen,
            expires_at: created + cfg.absolute,
        }
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let a = SessionToken::generate();
        let b = SessionToken::generate();
        assert_ne!(a.0, b.0);
        assert_eq!(a.0.len(), 43, "256 bits in unpadded base64url");
        assert_eq!(a.id().len(), 64);
        assert_ne!(a.id(), a.0);
        assert!(!format!("{a:?}").contains(&a.0));
    }

    #[test]
    fn cookie_attributes() {
        let token = SessionToken::from_cookie("abc");
        let mut cfg = SessionConfig::default();
        let c = token.set_cookie(&cfg);
        assert!(c.starts_with("pulseboard_session=abc; Path=/; HttpOnly; SameSite=Lax"));
        assert!(!c.contains("Secure"));
        cfg.secure_cookie = true;
        let secure = token.set_cookie(&cfg);
        assert!(
            secure.starts_with("__Host-pulseboard_session=abc; Path=/;"),
            "{secure}"
        );
        assert!(secure.ends_with("; Secure") && !secure.contains("Domain"));
        assert!(clear_cookie(&cfg).starts_with("__Host-pulseboard_session=;"));
        assert!(clear_cookie(&cfg).contains("Max-Age=0"));
    }

    #[test]
    fn idle_and_absolute_expiry() {
        let cfg = SessionConfig::default();
        let t0 = Utc::now();
        assert!(is_live(&row(t0, t0, &cfg), t0 + Duration::days(6), &cfg));
        assert!(
            !is_live(&row(t0, t0, &cfg), t0 + Duration::days(8), &cfg),
            "idle"
        );
        let active = row(t0, t0 + Duration::days(29) + Duration::hours(23), &cfg);
        assert!(!is_live(&active, t0 + Duration::days(30), &cfg), "absolute");
    }

    #[test]
    fn finds_the_cookie_among_others() {
        let mut h = http::HeaderMap::new();
        h.insert(
            http::header::COOKIE,
            "a=1; pulseboard_session=tok; b=2".parse().unwrap(),
        );
        let plain = SessionConfig::default();
        assert_eq!(token_from_headers(&h, &plain).unwrap().0, "tok");
        let https = SessionConfig {
            secure_cookie: true,
            ..SessionConfig::default()
        };
        assert!(
            token_from_headers(&h, &https).is_none(),
            "under https an unprefixed cookie is not the session"
        );
        h.insert(
            http::header::COOKIE,
            "pulseboard_session=x; __Host-pulseboard_session=tok"
                .parse()
                .unwrap(),
        );
        assert_eq!(token_from_headers(&h, &https).unwrap().0, "tok");
        h.insert(http::header::COOKIE, "pulseboard_session=".parse().unwrap());
        assert!(token_from_headers(&h, &plain).is_none());
    }
}
