//! REST endpoints for connecting platforms:
//! `GET /api/v1/oauth/{platform}/authorize?business_id=…` → 303 to the platform,
//! `GET /api/v1/oauth/{platform}/callback` → 303 back to the business,
//! `DELETE /api/v1/oauth/{platform}/disconnect?business_id=…`,
//! `GET /api/v1/oauth/status?business_id=…`.
//! Same session and tenancy checks as the server functions.

use std::net::SocketAddr;

use app::backend::oauth::transactions::{self, Rejected};
use app::backend::oauth::{
    ProviderError, ProviderSettings, connections, linkedin, meta, meta_pages, x,
};
use app::backend::sessions::{self, ActiveSession};
use app::backend::{AppState, businesses};
use app::domain::Platform;
use app::error::AppError;
use axum::Json;
use axum::Router;
use axum::extract::{ConnectInfo, Path, Query, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{delete, get, post};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/oauth/status", get(status))
        .route("/api/v1/oauth/{platform}/authorize", get(authorize))
        .route("/api/v1/oauth/{platform}/callback", get(callback))
        .route("/api/v1/oauth/{platform}/disconnect", delete(disconnect))
        .route("/api/v1/oauth/{platform}/refresh", post(refresh))
}

#[derive(Deserialize)]
pub struct BusinessQuery {
    business_id: Uuid,
}

fn error_json(e: AppError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(json!({ "error": e }))).into_response()
}

/// A plain page for a refused callback: says what happened, offers the way back.
fn page(status: StatusCode, message: &str) -> Response {
    let body = format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Connection not completed · Pulseboard</title>
<link rel="stylesheet" href="/pkg/pulseboard.css"></head><body><main class="container"><section class="card narrow">
<h1>Connection not completed</h1><p>{}</p><p><a class="button" href="/businesses">Back to your businesses</a></p>
</section></main></body></html>"#,
        html_escape(message)
    );
    let mut res = (status, Html(body)).into_response();
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'self'; frame-ancestors 'none'"),
    );
    res
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

async fn session(app: &AppState, headers: &HeaderMap) -> Result<Option<ActiveSession>, AppError> {
    match sessions::token_from_headers(headers) {
        Some(token) => sessions::resolve(&app.db, &token, &app.sessions).await,
        None => Ok(None),
    }
}

/// Starts connecting a platform: 303 to its consent page.
#[utoipa::path(get, path = "/api/v1/oauth/{platform}/authorize", tag = "oauth",
    params(
        ("platform" = String, Path, description = "linkedin, x or meta"),
        ("business_id" = uuid::Uuid, Query, description = "The business to connect the account to"),
    ),
    responses(
        (status = 303, description = "To the platform's consent page (or /login when signed out)"),
        (status = 404, description = "Unknown platform, or not a member of the business"),
        (status = 409, description = "The platform is not configured on this server"),
        (status = 429, description = "Too many connect attempts"),
    ))]
pub async fn authorize(
    State(app): State<AppState>,
    Path(platform): Path<String>,
    Query(q): Query<BusinessQuery>,
    headers: HeaderMap,
) -> Response {
    let Some(platform) = Platform::parse(&platform) else {
        return error_json(AppError::NotFound);
    };
    let user = match session(&app, &headers).await {
        Ok(Some(user)) => user,
        Ok(None) => return Redirect::to("/login").into_response(),
        Err(e) => return error_json(e),
    };
    if let Err(e) = businesses::get(&app.db, user.user_id, q.business_id).await {
        return error_json(e);
    }
    let Some(cfg) = app.providers.get(platform) else {
        return page(
            StatusCode::CONFLICT,
            &format!("{} is not configured on this server yet.", platform.label()),
        );
    };
    if let Err(e) = app.limits.check_connect(user.user_id) {
        return error_json(e);
    }
    let return_to = format!("/businesses/{}", q.business_id);
    let started = match transactions::begin(
        &app.db,
        &app.vault,
        platform,
        user.user_id,
        &user.id,
        q.business_id,
        &return_to,
        Utc::now(),
    )
    .await
    {
        Ok(s) => s,
        Err(e) => return error_json(e),
    };
    let url = match platform {
        Platform::X => x::authorize_url(cfg, &started.state, started.challenge),
        Platform::LinkedIn => linkedin::authorize_url(cfg, &started.state, started.challenge),
        Platform::Meta => meta::authorize_url(cfg, &started.state, started.challenge),
    };
    match url {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(e) => error_json(AppError::internal(e)),
    }
}

/// Where the platform sends the browser back; 303 to the business with the outcome.
#[utoipa::path(get, path = "/api/v1/oauth/{platform}/callback", tag = "oauth",
    params(
        ("platform" = String, Path, description = "linkedin, x or meta"),
        ("state" = String, Query, description = "Exactly once; single use, bound to the session"),
        ("code" = Option<String>, Query, description = "The authorization code"),
        ("error" = Option<String>, Query, description = "The platform's error, e.g. access_denied"),
    ),
    responses(
        (status = 303, description = "To /businesses/{id}?oauth=connected|denied|failed&platform=…"),
        (status = 400, description = "Missing, duplicated, unknown, expired, replayed, foreign or mixed-up state: nothing was exchanged"),
    ))]
pub async fn callback(
    State(app): State<AppState>,
    Path(platform): Path<String>,
    RawQuery(query): RawQuery,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let mut res = callback_inner(app, platform, query.unwrap_or_default(), peer, headers).await;
    // The callback URL held a code and state: never leak it onward.
    res.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

async fn callback_inner(
    app: AppState,
    platform: String,
    query: String,
    peer: SocketAddr,
    headers: HeaderMap,
) -> Response {
    let Some(platform) = Platform::parse(&platform) else {
        return page(StatusCode::NOT_FOUND, "Unknown platform.");
    };
    if let Err(e) = app.limits.check_callback(peer.ip()) {
        return page(StatusCode::TOO_MANY_REQUESTS, &e.to_string());
    }
    let rejected = |r: Rejected| {
        tracing::warn!(platform = platform.slug(), reason = ?r, "oauth callback refused");
        page(StatusCode::BAD_REQUEST, &r.to_string())
    };
    let state = match transactions::single_state(&query) {
        Ok(s) => s,
        Err(r) => return rejected(r),
    };
    let current = match session(&app, &headers).await {
        Ok(s) => s,
        Err(e) => return page(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    };
    let now = Utc::now();
    let txn = match transactions::consume(
        &app.db,
        &app.vault,
        platform,
        &state,
        current.as_ref().map(|s| s.id.as_str()),
        now,
    )
    .await
    {
        Ok(Ok(txn)) => txn,
        Ok(Err(r)) => return rejected(r),
        Err(e) => return page(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    };
    if businesses::get(&app.db, txn.user_id, txn.business_id)
        .await
        .is_err()
    {
        return rejected(Rejected::UnknownState);
    }
    let Some(cfg) = app.providers.get(platform) else {
        return rejected(Rejected::PlatformMismatch);
    };
    let param = |name: &str| {
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    if let Some(iss) = param("iss") {
        let expected = url::Url::parse(&cfg.auth_url).map(|u| u.origin().ascii_serialization());
        if expected.as_deref() != Ok(iss.trim_end_matches('/')) {
            return rejected(Rejected::PlatformMismatch);
        }
    }
    let back = |outcome: &str| {
        Redirect::to(&format!(
            "{}?oauth={outcome}&platform={}",
            txn.return_to,
            platform.slug()
        ))
        .into_response()
    };
    let actor = txn.user_id.to_string();
    if let Some(error) = param("error") {
        let class: String = error
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(40)
            .collect();
        let _ = connections::audit(
            &app.db,
            txn.business_id,
            &actor,
            "connect_failed",
            &format!("{}: {class}", platform.slug()),
        )
        .await;
        let declined = matches!(
            class.as_str(),
            "access_denied" | "user_cancelled_authorize" | "user_cancelled_login"
        );
        return back(if declined { "denied" } else { "failed" });
    }
    let Some(code) = param("code").filter(|c| !c.is_empty()) else {
        return back("failed");
    };
    if platform == Platform::Meta {
        let session_id = current.as_ref().map(|s| s.id.clone()).unwrap_or_default();
        return meta_callback(&app, cfg, &txn, &code, &session_id).await;
    }
    let result: Result<_, ProviderError> = async {
        match platform {
            Platform::X => {
                let tokens =
                    x::exchange_code(cfg, &app.providers.http, &code, &txn.verifier).await?;
                let account = x::me(cfg, &app.providers.http, &tokens.access_token).await?;
                Ok(("x", account, tokens))
            }
            Platform::LinkedIn => {
                let tokens =
                    linkedin::exchange_code(cfg, &app.providers.http, &code, &txn.verifier).await?;
                let account = linkedin::me(cfg, &app.providers.http, &tokens.access_token).await?;
                Ok(("linkedin", account, tokens))
            }
            Platform::Meta => Err(ProviderError::Invalid("not supported".into())),
        }
    }
    .await;
    match result {
        Ok((account_platform, account, tokens)) => {
            match connections::upsert(
                &app.db,
                &app.vault,
                txn.business_id,
                account_platform,
                &account,
                &tokens,
                cfg.sandbox,
                now,
            )
            .await
            {
                Ok(conn) => {
                    tracing::info!(platform = platform.slug(), business_id = %txn.business_id, connection_id = %conn.id, "connected");
                    let _ = connections::audit(
                        &app.db,
                        txn.business_id,
                        &actor,
                        "connected",
                        &format!("{} {} ({})", conn.platform, conn.id, conn.display_name),
                    )
                    .await;
                    // Also linked to another business: say so, visibly, and record it.
                    let shared = connections::linked_elsewhere(
                        &app.db,
                        txn.business_id,
                        &conn.platform,
                        &conn.external_id,
                    )
                    .await
                    .unwrap_or(false);
                    if shared {
                        let _ = connections::audit(
                            &app.db,
                            txn.business_id,
                            &actor,
                            "linked_elsewhere",
                            &format!(
                                "{} {} is also connected to another business",
                                conn.platform, conn.id
                            ),
                        )
                        .await;
                        back("connected_shared")
                    } else {
                        back("connected")
                    }
                }
                Err(e) => page(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
            }
        }
        Err(e) => {
            tracing::warn!(platform = platform.slug(), business_id = %txn.business_id, error_class = e.class(), "connect failed");
            let _ = connections::audit(
                &app.db,
                txn.business_id,
                &actor,
                "connect_failed",
                &format!("{}: {}", platform.slug(), e.class()),
            )
            .await;
            back("failed")
        }
    }
}

/// Meta: long-lived exchange, data-access expiry, the Pages; one Page is
/// connected at once, several wait for the user's choice.
async fn meta_callback(
    app: &AppState,
    cfg: &ProviderSettings,
    txn: &transactions::Consumed,
    code: &str,
    session_id: &str,
) -> Response {
    let back = |outcome: &str| {
        Redirect::to(&format!("{}?oauth={outcome}&platform=meta", txn.return_to)).into_response()
    };
    let actor = txn.user_id.to_string();
    let http = &app.providers.http;
    let grant: Result<meta_pages::Grant, ProviderError> = async {
        let short = meta::exchange_code(cfg, http, code, &txn.verifier).await?;
        let long = meta::long_lived(cfg, http, &short.access_token).await?;
        let data_access = meta::data_access_expires_at(cfg, http, &long.access_token).await?;
        let pages = meta::pages(cfg, http, &long.access_token).await?;
        use secrecy::ExposeSecret;
        Ok(meta_pages::Grant {
            user_token: long.access_token.expose_secret().to_owned(),
            user_expires_at: long.expires_at,
            data_access_expires_at: data_access,
            pages,
            sandbox: cfg.sandbox,
        })
    }
    .await;
    let grant = match grant {
        Ok(g) => g,
        Err(e) => {
            tracing::warn!(platform = "meta", business_id = %txn.business_id, error_class = e.class(), "connect failed");
            let _ = connections::audit(
                &app.db,
                txn.business_id,
                &actor,
                "connect_failed",
                &format!("meta: {}", e.class()),
            )
            .await;
            return back("failed");
        }
    };
    match grant.pages.len() {
        0 => {
            let _ = connections::audit(
                &app.db,
                txn.business_id,
                &actor,
                "connect_failed",
                "meta: no_pages",
            )
            .await;
            back("failed")
        }
        1 => match meta_pages::connect_page(
            &app.db,
            &app.vault,
            txn.business_id,
            &grant,
            &grant.pages[0],
            &actor,
        )
        .await
        {
            Ok(()) => back("connected"),
            Err(e) => page(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        },
        _ => match meta_pages::stash(
            &app.db,
            &app.vault,
            txn.business_id,
            txn.user_id,
            session_id,
            &grant,
        )
        .await
        {
            Ok(pending) => Redirect::to(&format!("/businesses/{}/meta/{pending}", txn.business_id))
                .into_response(),
            Err(e) => page(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        },
    }
}

/// Revokes (where the platform can) and deletes the platform's connections.
#[utoipa::path(delete, path = "/api/v1/oauth/{platform}/disconnect", tag = "oauth",
    params(
        ("platform" = String, Path, description = "linkedin, x or meta"),
        ("business_id" = uuid::Uuid, Query, description = "The business"),
    ),
    responses(
        (status = 200, description = "`{disconnected: n, revoked_at_platform: bool}` (LinkedIn cannot revoke)"),
        (status = 401, description = "Not signed in"),
        (status = 404, description = "Unknown platform, or not a member of the business"),
    ))]
pub async fn disconnect(
    State(app): State<AppState>,
    Path(platform): Path<String>,
    Query(q): Query<BusinessQuery>,
    headers: HeaderMap,
) -> Response {
    let Some(platform) = Platform::parse(&platform) else {
        return error_json(AppError::NotFound);
    };
    let user = match session(&app, &headers).await {
        Ok(Some(user)) => user,
        Ok(None) => return error_json(AppError::Unauthorized),
        Err(e) => return error_json(e),
    };
    if let Err(e) = businesses::get(&app.db, user.user_id, q.business_id).await {
        return error_json(e);
    }
    match connections::disconnect(
        &app.db,
        &app.vault,
        &app.providers,
        q.business_id,
        platform,
        &user.user_id.to_string(),
    )
    .await
    {
        Ok(n) => Json(json!({
            "disconnected": n,
            "revoked_at_platform": platform != Platform::LinkedIn,
        }))
        .into_response(),
        Err(e) => error_json(e),
    }
}

/// Refreshes the platform's tokens now (single-flight per connection).
#[utoipa::path(post, path = "/api/v1/oauth/{platform}/refresh", tag = "oauth",
    params(
        ("platform" = String, Path, description = "linkedin, x or meta"),
        ("business_id" = uuid::Uuid, Query, description = "The business"),
    ),
    responses(
        (status = 200, description = "`{results: [{connection_id, outcome: refreshed|joined|not_due, version}]}`"),
        (status = 409, description = "Needs reconnect, or the platform cannot refresh"),
        (status = 429, description = "Rate-limited by the platform"),
        (status = 502, description = "The platform had a temporary failure"),
    ))]
pub async fn refresh(
    State(app): State<AppState>,
    Path(platform): Path<String>,
    Query(q): Query<BusinessQuery>,
    headers: HeaderMap,
) -> Response {
    use app::backend::oauth::refresh::{self, RefreshError, Refreshed};
    let Some(platform) = Platform::parse(&platform) else {
        return error_json(AppError::NotFound);
    };
    let user = match session(&app, &headers).await {
        Ok(Some(user)) => user,
        Ok(None) => return error_json(AppError::Unauthorized),
        Err(e) => return error_json(e),
    };
    if let Err(e) = businesses::get(&app.db, user.user_id, q.business_id).await {
        return error_json(e);
    }
    let rows = match connections::list(&app.db, q.business_id).await {
        Ok(rows) => rows,
        Err(e) => return error_json(e),
    };
    let mut results = Vec::new();
    for row in rows
        .iter()
        .filter(|c| connections::account_platforms(platform).contains(&c.platform.as_str()))
    {
        match refresh::refresh(&app.db, &app.vault, &app.providers, row.id, true).await {
            Ok(outcome) => {
                let (word, version) = match outcome {
                    Refreshed::Refreshed { version } => ("refreshed", version),
                    Refreshed::Joined { version } => ("joined", version),
                    Refreshed::NotDue { version } => ("not_due", version),
                };
                results
                    .push(json!({ "connection_id": row.id, "outcome": word, "version": version }));
            }
            Err(RefreshError::Provider(e)) => {
                let status = match e {
                    ProviderError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
                    ProviderError::Transient(_) => StatusCode::BAD_GATEWAY,
                    _ => StatusCode::CONFLICT,
                };
                return (
                    status,
                    Json(json!({ "error": e.class(), "connection_id": row.id })),
                )
                    .into_response();
            }
            Err(RefreshError::Unsupported(why)) => {
                return (
                    StatusCode::CONFLICT,
                    Json(json!({ "error": "unsupported", "reason": why })),
                )
                    .into_response();
            }
            Err(RefreshError::App(e)) => return error_json(e),
        }
    }
    Json(json!({ "results": results })).into_response()
}

/// Connections of a business and their token health (never tokens).
#[utoipa::path(get, path = "/api/v1/oauth/status", tag = "oauth",
    params(("business_id" = uuid::Uuid, Query, description = "The business")),
    responses(
        (status = 200, description = "`{connections: [...]}` with status, expiries and last refresh"),
        (status = 401, description = "Not signed in"),
        (status = 404, description = "Not a member of the business"),
    ))]
pub async fn status(
    State(app): State<AppState>,
    Query(q): Query<BusinessQuery>,
    headers: HeaderMap,
) -> Response {
    let user = match session(&app, &headers).await {
        Ok(Some(user)) => user,
        Ok(None) => return error_json(AppError::Unauthorized),
        Err(e) => return error_json(e),
    };
    if let Err(e) = businesses::get(&app.db, user.user_id, q.business_id).await {
        return error_json(e);
    }
    match connections::list(&app.db, q.business_id).await {
        Ok(rows) => Json(json!({
            "connections": rows.iter().map(connections::view).collect::<Vec<_>>(),
        }))
        .into_response(),
        Err(e) => error_json(e),
    }
}
