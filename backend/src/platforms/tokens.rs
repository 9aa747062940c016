//! Token responses: strict parsing and error classification shared by the
//! providers that speak RFC 6749 JSON.

use chrono::{DateTime, Duration, Utc};
use secrecy::SecretString;
use serde::Deserialize;

use super::{ProviderError, ProviderSettings};

/// Expiry is stored this much early, so a token is never used at its last second.
pub const EXPIRY_SKEW: Duration = Duration::seconds(60);

/// A validated token response. Secrets stay wrapped.
#[derive(Debug)]
pub struct TokenSet {
    pub access_token: SecretString,
    pub refresh_token: Option<SecretString>,
    pub expires_at: Option<DateTime<Utc>>,
    /// LinkedIn: when the refresh token itself dies (refreshing does not extend it).
    pub refresh_expires_at: Option<DateTime<Utc>>,
    pub scopes: String,
}

#[derive(Deserialize)]
struct Raw {
    access_token: Option<String>,
    token_type: Option<String>,
    expires_in: Option<serde_json::Value>,
    refresh_token: Option<String>,
    refresh_token_expires_in: Option<i64>,
    scope: Option<String>,
}

/// Accepts only a complete bearer token: non-empty `access_token`,
/// `token_type` bearer, positive integer `expires_in` when `require_expiry`.
pub fn parse_token_response(
    body: &[u8],
    now: DateTime<Utc>,
    require_expiry: bool,
) -> Result<TokenSet, ProviderError> {
    let raw: Raw = serde_json::from_slice(body)
        .map_err(|_| ProviderError::Invalid("token response is not JSON".into()))?;
    let access = raw
        .access_token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ProviderError::Invalid("no access_token".into()))?;
    match raw.token_type.as_deref() {
        Some(t) if t.eq_ignore_ascii_case("bearer") => {}
        _ => return Err(ProviderError::Invalid("token_type is not bearer".into())),
    }
    let expires_in = match raw.expires_in {
        None if !require_expiry => None,
        Some(serde_json::Value::Number(n)) => match n.as_i64() {
            Some(secs) if secs > 0 => Some(secs),
            _ => {
                return Err(ProviderError::Invalid(
                    "expires_in is not a positive integer".into(),
                ));
            }
        },
        _ => {
            return Err(ProviderError::Invalid(
                "expires_in missing or not a number".into(),
            ));
        }
    };
    Ok(TokenSet {
        access_token: SecretString::from(access),
        refresh_token: raw
            .refresh_token
            .filter(|t| !t.is_empty())
            .map(SecretString::from),
        expires_at: expires_in.map(|s| now + Duration::seconds(s) - EXPIRY_SKEW),
        refresh_expires_at: raw
            .refresh_token_expires_in
            .filter(|s| *s > 0)
            .map(|s| now + Duration::seconds(s) - EXPIRY_SKEW),
        scopes: raw.scope.unwrap_or_default(),
    })
}

/// How a platform wants the client to prove who it is at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// HTTP Basic `client_id:client_secret` (X).
    Basic,
    /// `client_id` and `client_secret` in the form body (LinkedIn, Meta).
    Body,
}

/// A form POST with client authentication.
pub(super) async fn post_form(
    cfg: &ProviderSettings,
    http: &reqwest::Client,
    url: &str,
    auth: ClientAuth,
    form: &[(&str, &str)],
) -> Result<(u16, Option<String>, Vec<u8>), ProviderError> {
    use secrecy::ExposeSecret;
    let mut body: Vec<(&str, &str)> = form.to_vec();
    let req = match auth {
        ClientAuth::Basic => http
            .post(url)
            .basic_auth(&cfg.client_id, Some(cfg.client_secret.expose_secret())),
        ClientAuth::Body => {
            body.push(("client_id", &cfg.client_id));
            body.push(("client_secret", cfg.client_secret.expose_secret()));
            http.post(url)
        }
    };
    send(req.form(&body)).await
}

/// Sends a request: its status, `Retry-After` and body, or a transient
/// error that names the failure's kind (never the URL).
pub(super) async fn send(
    req: reqwest::RequestBuilder,
) -> Result<(u16, Option<String>, Vec<u8>), ProviderError> {
    let res = req
        .send()
        .await
        .map_err(|e| ProviderError::Transient(super::client::transport(&e)))?;
    let status = res.status().as_u16();
    let retry_after = res
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = res
        .bytes()
        .await
        .map_err(|e| ProviderError::Transient(super::client::transport(&e)))?;
    Ok((status, retry_after, bytes.to_vec()))
}

/// POSTs `form` to the token endpoint and validates the answer strictly.
/// `implicit_bearer`: the platform omits `token_type` (LinkedIn) and every
/// token it issues is a bearer token.
pub(super) async fn token_request(
    cfg: &ProviderSettings,
    http: &reqwest::Client,
    auth: ClientAuth,
    form: &[(&str, &str)],
    implicit_bearer: bool,
) -> Result<TokenSet, ProviderError> {
    let (status, retry_after, body) = post_form(cfg, http, &cfg.token_url, auth, form).await?;
    let now = Utc::now();
    if status != 200 {
        return Err(classify_error(status, retry_after.as_deref(), &body, now));
    }
    if implicit_bearer {
        let mut json: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|_| ProviderError::Invalid("token response is not JSON".into()))?;
        if json.is_object() && json.get("token_type").is_none() {
            json["token_type"] = serde_json::json!("Bearer");
        }
        parse_token_response(json.to_string().as_bytes(), now, true)
    } else {
        parse_token_response(&body, now, true)
    }
}

#[derive(Deserialize)]
struct RawError {
    error: Option<String>,
}

/// Classifies a failed token-endpoint answer (RFC 6749 §5.2 body, status, Retry-After).
pub fn classify_error(
    status: u16,
    retry_after: Option<&str>,
    body: &[u8],
    now: DateTime<Utc>,
) -> ProviderError {
    if status == 429 {
        let wait = retry_after
            .and_then(|v| v.trim().parse::<i64>().ok())
            .unwrap_or(60);
        return ProviderError::RateLimited {
            until: now + Duration::seconds(wait.clamp(1, 86_400)),
        };
    }
    if status >= 500 {
        return ProviderError::Transient(format!("HTTP {status}"));
    }
    let code = serde_json::from_slice::<RawError>(body)
        .ok()
        .and_then(|e| e.error)
        .unwrap_or_default();
    match code.as_str() {
        "invalid_grant" | "invalid_client" | "unauthorized_client" => {
            ProviderError::NeedsReauth(code)
        }
        "invalid_scope" | "insufficient_scope" | "access_denied" => {
            ProviderError::MissingPermission(code)
        }
        "temporarily_unavailable" | "server_error" => ProviderError::Transient(code),
        "" => ProviderError::Invalid(format!("HTTP {status}")),
        other => ProviderError::Invalid(
            other
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                .take(40)
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    #[test]
    fn accepts_a_complete_bearer_token() {
        let t = parse_token_response(
            br#"{"token_type":"bearer","access_token":"a1","refresh_token":"r1","expires_in":7200,"scope":"tweet.read offline.access"}"#,
            now(),
            true,
        )
        .unwrap();
        assert_eq!(t.access_token.expose_secret(), "a1");
        assert_eq!(t.refresh_token.unwrap().expose_secret(), "r1");
        assert_eq!(
            t.expires_at,
            Some(now() + Duration::seconds(7200) - EXPIRY_SKEW)
        );
    }

    #[test]
    fn rejects_anything_less() {
        for body in [
            &br#"{"token_type":"bearer","expires_in":7200}"#[..],
            br#"{"token_type":"bearer","access_token":"","expires_in":7200}"#,
            br#"{"token_type":"mac","access_token":"a","expires_in":7200}"#,
            br#"{"access_token":"a","expires_in":7200}"#,
            br#"{"token_type":"bearer","access_token":"a","expires_in":0}"#,
            br#"{"token_type":"bearer","access_token":"a","expires_in":-5}"#,
            br#"{"token_type":"bearer","access_token":"a","expires_in":"7200"}"#,
            br#"{"token_type":"bearer","access_token":"a"}"#,
            b"<html>oops</html>",
        ] {
            assert!(
                parse_token_response(body, now(), true).is_err(),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn errors_are_classified() {
        assert_eq!(
            classify_error(400, None, br#"{"error":"invalid_grant"}"#, now()),
            ProviderError::NeedsReauth("invalid_grant".into())
        );
        assert_eq!(
            classify_error(401, None, br#"{"error":"invalid_client"}"#, now()),
            ProviderError::NeedsReauth("invalid_client".into())
        );
        assert_eq!(
            classify_error(429, Some("120"), b"", now()),
            ProviderError::RateLimited {
                until: now() + Duration::seconds(120)
            }
        );
        assert!(matches!(
            classify_error(503, None, b"", now()),
            ProviderError::Transient(_)
        ));
        assert!(matches!(
            classify_error(400, None, b"{}", now()),
            ProviderError::Invalid(_)
        ));
    }
}
