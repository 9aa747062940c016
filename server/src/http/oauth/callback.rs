//! The callback: refuse anything but this session's own, unexpired,
//! single-use transaction for this platform — before any token request —
//! then exchange, store and redirect back with the outcome.

use backend::oauth::{meta_pages, pending};
use backend::platforms::Authorized;
use shared::domain::{AuditKind, OAuthOutcome, Platform};

use super::*;

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
    let mut res = callback_inner(app, platform, query.unwrap_or_default(), peer, headers)
        .await
        .unwrap_or_else(IntoResponse::into_response);
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
) -> Result<Response, ErrorPage> {
    let Some(platform) = Platform::parse(&platform) else {
        return Err(ErrorPage::new(StatusCode::NOT_FOUND, "Unknown platform."));
    };
    app.limits
        .check_callback(app.proxies.client(peer.ip(), &headers))?;
    let rejected = |r: Rejected| {
        tracing::warn!(platform = platform.slug(), reason = ?r, "oauth callback refused");
        Err(ErrorPage::new(StatusCode::BAD_REQUEST, r.to_string()))
    };
    let state = match transactions::single_state(&query) {
        Ok(s) => s,
        Err(r) => return rejected(r),
    };
    let current = session(&app, &headers).await.map_err(page_of)?;
    let now = Utc::now();
    let txn = match transactions::consume(
        &app.db,
        &app.vault,
        platform,
        &state,
        current.as_ref().map(|s| s.id.as_str()),
        now,
    )
    .await?
    {
        Ok(txn) => txn,
        Err(r) => return rejected(r),
    };
    // Still a manager of the business (a role can change during consent).
    if businesses::require_manager(&app.db, txn.user_id, txn.business_id)
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
    let back = |outcome: OAuthOutcome| Ok(back_to(&txn, platform, outcome));
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
            AuditKind::ConnectFailed,
            &format!("{}: {class}", platform.slug()),
        )
        .await;
        let declined = matches!(
            class.as_str(),
            "access_denied" | "user_cancelled_authorize" | "user_cancelled_login"
        );
        return back(if declined {
            OAuthOutcome::Denied
        } else {
            OAuthOutcome::Failed
        });
    }
    let Some(code) = param("code").filter(|c| !c.is_empty()) else {
        return back(OAuthOutcome::Failed);
    };
    let session_id = current.as_ref().map(|s| s.id.clone()).unwrap_or_default();
    let result = for_platform(platform)
        .complete(cfg, &app.providers.http, &code, &txn.verifier)
        .await;
    let result = match result {
        Ok(Authorized::Pages(grant)) => {
            return pages_callback(&app, &txn, grant, &session_id).await;
        }
        Ok(Authorized::Account {
            kind,
            account,
            tokens,
        }) => Ok((kind, account, tokens)),
        Err(e) => Err(e),
    };
    match result {
        Ok((account_platform, account, tokens)) => {
            let decide = connections::needs_link_decision(
                &app.db,
                txn.business_id,
                account_platform,
                &account.external_id,
            )
            .await?;
            match decide {
                // Connected to another business already: the user decides, explicitly.
                true => {
                    let waiting = pending::Pending::Account(pending::PendingAccount::new(
                        account_platform,
                        &account,
                        &tokens,
                        cfg.sandbox,
                    ));
                    let id = pending::stash(
                        &app.db,
                        &app.vault,
                        txn.business_id,
                        txn.user_id,
                        &session_id,
                        &waiting,
                    )
                    .await?;
                    Ok(
                        Redirect::to(&format!("/businesses/{}/link/{id}", txn.business_id))
                            .into_response(),
                    )
                }
                false => {
                    connections::connect_account(
                        &app.db,
                        &app.vault,
                        txn.business_id,
                        account_platform,
                        &account,
                        &tokens,
                        cfg.sandbox,
                        &actor,
                        false,
                    )
                    .await?;
                    back(OAuthOutcome::Connected)
                }
            }
        }
        Err(e) => {
            tracing::warn!(platform = platform.slug(), business_id = %txn.business_id, error_class = e.class(), "connect failed");
            let _ = connections::audit(
                &app.db,
                txn.business_id,
                &actor,
                AuditKind::ConnectFailed,
                &format!("{}: {}", platform.slug(), e.class()),
            )
            .await;
            back(OAuthOutcome::Failed)
        }
    }
}

/// A grant over several accounts (Meta's Pages): one Page not connected
/// elsewhere is connected at once; otherwise the user chooses.
async fn pages_callback(
    app: &AppState,
    txn: &transactions::Consumed,
    grant: meta_pages::Grant,
    session_id: &str,
) -> Result<Response, ErrorPage> {
    let back = |outcome: OAuthOutcome| Ok(back_to(txn, Platform::Meta, outcome));
    let actor = txn.user_id.to_string();
    let single_unshared = match grant.pages.as_slice() {
        [only] => !meta_pages::page_linked_elsewhere(&app.db, txn.business_id, only).await?,
        _ => false,
    };
    match grant.pages.len() {
        0 => {
            let _ = connections::audit(
                &app.db,
                txn.business_id,
                &actor,
                AuditKind::ConnectFailed,
                "meta: no_pages",
            )
            .await;
            back(OAuthOutcome::Failed)
        }
        // One Page, not connected elsewhere: nothing to decide.
        1 if single_unshared => {
            meta_pages::connect_page(
                &app.db,
                &app.vault,
                txn.business_id,
                &grant,
                &grant.pages[0],
                &actor,
            )
            .await?;
            back(OAuthOutcome::Connected)
        }
        // Several Pages, or one already connected to another business: the picker.
        _ => {
            let pending = meta_pages::stash(
                &app.db,
                &app.vault,
                txn.business_id,
                txn.user_id,
                session_id,
                grant,
            )
            .await?;
            Ok(
                Redirect::to(&format!("/businesses/{}/meta/{pending}", txn.business_id))
                    .into_response(),
            )
        }
    }
}

/// 303 back to the business with the outcome (`?oauth=…&platform=…`).
fn back_to(txn: &transactions::Consumed, platform: Platform, outcome: OAuthOutcome) -> Response {
    Redirect::to(&format!(
        "{}?oauth={outcome}&platform={}",
        txn.return_to,
        platform.slug()
    ))
    .into_response()
}

/// A REST error met on the callback, shown as the callback's page.
fn page_of(e: ApiError) -> ErrorPage {
    match e {
        ApiError::App(e) => e.into(),
        ApiError::Body(status, _) => ErrorPage::new(status, "The request could not be completed."),
    }
}
