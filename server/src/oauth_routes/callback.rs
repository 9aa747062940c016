//! The callback: refuse anything but this session's own, unexpired,
//! single-use transaction for this platform — before any token request —
//! then exchange, store and redirect back with the outcome.

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
                // The token's own word on what was granted: all scopes, or no connection.
                linkedin::introspect(cfg, &app.providers.http, &tokens.access_token)
                    .await?
                    .check()?;
                let account = linkedin::me(cfg, &app.providers.http, &tokens.access_token).await?;
                Ok(("linkedin", account, tokens))
            }
            Platform::Meta => Err(ProviderError::Invalid("not supported".into())),
        }
    }
    .await;
    let session_id = current.as_ref().map(|s| s.id.clone()).unwrap_or_default();
    match result {
        Ok((account_platform, account, tokens)) => {
            let decide = connections::needs_link_decision(
                &app.db,
                txn.business_id,
                account_platform,
                &account.external_id,
            )
            .await;
            let saved = match decide {
                // Connected to another business already: the user decides, explicitly.
                Ok(true) => {
                    let waiting = pending::Pending::Account(pending::PendingAccount::new(
                        account_platform,
                        &account,
                        &tokens,
                        cfg.sandbox,
                    ));
                    return match pending::stash(
                        &app.db,
                        &app.vault,
                        txn.business_id,
                        txn.user_id,
                        &session_id,
                        &waiting,
                    )
                    .await
                    {
                        Ok(id) => {
                            Redirect::to(&format!("/businesses/{}/link/{id}", txn.business_id))
                                .into_response()
                        }
                        Err(e) => page(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
                    };
                }
                Ok(false) => {
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
                    .await
                }
                Err(e) => Err(e),
            };
            match saved {
                Ok(_) => back("connected"),
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
    let single_unshared = match grant.pages.as_slice() {
        [only] => match meta_pages::page_linked_elsewhere(&app.db, txn.business_id, only).await {
            Ok(shared) => !shared,
            Err(e) => return page(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        },
        _ => false,
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
        // One Page, not connected elsewhere: nothing to decide.
        1 if single_unshared => match meta_pages::connect_page(
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
        // Several Pages, or one already connected to another business: the picker.
        _ => match meta_pages::stash(
            &app.db,
            &app.vault,
            txn.business_id,
            txn.user_id,
            session_id,
            grant,
        )
        .await
        {
            Ok(pending) => Redirect::to(&format!("/businesses/{}/meta/{pending}", txn.business_id))
                .into_response(),
            Err(e) => page(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        },
    }
}
