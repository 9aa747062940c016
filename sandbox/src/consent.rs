//! The consent step every platform shares: its page, what it posts back,
//! the checks an authorize request must pass (this deployment's callback,
//! PKCE S256), and the answers (a code, a denial, an OAuth error).

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Json, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::json;

use crate::{Sandbox, random_token};

/// HTML-escapes text reflected into the consent pages.
pub use shared::format::escape_html as esc;

/// `uri` with `pairs` appended to its query.
pub fn with_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let q: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    let sep = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{sep}{q}")
}

/// What the consent page posts back.
#[derive(Deserialize)]
pub struct ConsentForm {
    pub decision: String,
    pub redirect_uri: String,
    pub state: String,
    #[serde(default)]
    pub scope: String,
    pub code_challenge: String,
}

/// A 400 page for a request the sandbox refuses; nothing redirects.
pub fn error_page(msg: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Html(format!(
            "<!doctype html><title>Sandbox error</title><p>{}</p>",
            esc(msg)
        )),
    )
        .into_response()
}

/// Whether `challenge` looks like an S256 challenge: the unpadded base64url
/// of a SHA-256 digest is exactly 43 characters.
fn s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// What every authorize page refuses before it shows consent: a redirect
/// anywhere but this deployment's own callback for `platform` (else the
/// sandbox would be an open redirect on the app's origin), and a request
/// without PKCE S256 (the client always sends it, so a request without it
/// did not come from the client).
pub fn check_authorize(
    s: &Sandbox,
    platform: &str,
    redirect_uri: &str,
    challenge: Option<&str>,
    method: Option<&str>,
) -> Result<(), Box<Response>> {
    if !s.redirect_allowed(platform, redirect_uri) {
        return Err(Box::new(error_page(
            "redirect_uri is not this deployment's callback URL for this platform",
        )));
    }
    if method != Some("S256") || !challenge.is_some_and(s256_challenge) {
        return Err(Box::new(error_page("PKCE with S256 is required")));
    }
    Ok(())
}

/// The consent page's answer: a denial goes back with the platform's own
/// error parameters; an approval mints a code, hands it to `store` (which
/// remembers what the code grants) and goes back with it. Both carry `state`.
/// The form's hidden fields are the user's to edit, so the redirect and the
/// challenge are checked again here, exactly as the authorize page did.
pub fn consent_answer(
    s: &Sandbox,
    platform: &str,
    c: &ConsentForm,
    denial: &[(&str, &str)],
    code_prefix: &str,
    store: impl FnOnce(String),
) -> Response {
    use axum::response::Redirect;
    if let Err(refused) = check_authorize(
        s,
        platform,
        &c.redirect_uri,
        Some(c.code_challenge.as_str()),
        Some("S256"),
    ) {
        return *refused;
    }
    if c.decision != "approve" {
        let mut pairs = denial.to_vec();
        pairs.push(("state", &c.state));
        return Redirect::to(&with_query(&c.redirect_uri, &pairs)).into_response();
    }
    let code = random_token(code_prefix);
    store(code.clone());
    Redirect::to(&with_query(
        &c.redirect_uri,
        &[("code", &code), ("state", &c.state)],
    ))
    .into_response()
}

/// An RFC 6749 error body.
pub fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

/// Whether `verifier` hashes (S256) to `challenge`.
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    use sha2::Digest;
    verifier.len() >= 43
        && URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes())) == challenge
}

/// The consent page: approve or deny, with the request's fields carried along.
pub fn consent_page(
    platform: &str,
    account: &str,
    scope: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> Response {
    use axum::http::HeaderValue;
    let hidden: String = fields
        .iter()
        .map(|(name, value)| {
            format!(
                r#"<input type="hidden" name="{name}" value="{}">"#,
                esc(value)
            )
        })
        .collect();
    let page = format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Authorize app · {platform} sandbox</title><link rel="stylesheet" href="/pkg/pulseboard.css"></head>
<body><main class="container"><section class="card narrow">
<p class="meta">Pulseboard sandbox · stands in for {platform}</p>
<h1>Authorize Pulseboard to use your account?</h1>
<p>Signed in as <strong>{}</strong>. The app asks for: <code>{}</code></p>
<form method="post" action="{action}">{hidden}<input type="hidden" name="decision" value="approve">
<button type="submit" class="button primary">Authorize app</button></form>
<form method="post" action="{action}">{hidden}<input type="hidden" name="decision" value="deny">
<button type="submit" class="button">Cancel</button></form>
</section></main></body></html>"#,
        esc(account),
        esc(scope)
    );
    let mut res = Html(page).into_response();
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'self'; form-action 'self' http: https:; frame-ancestors 'none'"),
    );
    res
}
