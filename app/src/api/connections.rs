use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
use shared::dto::ConnectionsOverview;

/// Every platform's card for a business, with its connections and recent events.
#[server(prefix = "/api/fn", endpoint = "connections/list")]
pub async fn list_connections(business_id: Uuid) -> Result<ConnectionsOverview, AppError> {
    use crate::api::request;
    use backend::accounts::businesses;
    use backend::connections;
    use shared::domain::Platform;
    use shared::dto::PlatformCard;
    request::respond(async move {
        let user = request::require_user().await?;
        let state = request::state()?;
        let business = businesses::get(&state.db, user.id, business_id).await?;
        let rows = connections::list(&state.db, business_id).await?;
        let cards = Platform::ALL
            .into_iter()
            .map(|platform| {
                let cfg = state.providers.get(platform);
                PlatformCard {
                    platform,
                    configured: cfg.is_some(),
                    sandbox: cfg.is_some_and(|c| c.sandbox),
                    connections: rows
                        .iter()
                        .filter(|c| c.kind().is_some_and(|k| k.platform() == platform))
                        .map(connections::view)
                        .collect(),
                }
            })
            .collect();
        let audit = connections::recent_audit(&state.db, business_id, 10).await?;
        Ok(ConnectionsOverview {
            cards,
            audit,
            can_manage: business.role.can_manage(),
        })
    })
    .await
}

/// Revokes (where the platform allows) and removes a platform's connections.
#[server(prefix = "/api/fn", endpoint = "connections/disconnect")]
/// Returns the display names of the accounts removed.
pub async fn disconnect_platform(
    business_id: Uuid,
    platform: String,
) -> Result<Vec<String>, AppError> {
    use crate::api::request;
    use backend::accounts::businesses;
    use backend::oauth::disconnect::disconnect;
    use shared::domain::Platform;
    request::respond(async move {
        let user = request::require_user().await?;
        let state = request::state()?;
        businesses::require_manager(&state.db, user.id, business_id).await?;
        let platform = Platform::parse(&platform).ok_or(AppError::NotFound)?;
        let done = disconnect(
            &state.db,
            &state.vault,
            &state.providers,
            business_id,
            platform,
            &user.id.to_string(),
        )
        .await?;
        Ok(done.names)
    })
    .await
}

/// The Pages waiting for the user's choice after Meta's consent.
#[server(prefix = "/api/fn", endpoint = "connections/meta-pages")]
pub async fn meta_page_choices(
    pending_id: Uuid,
) -> Result<Vec<shared::dto::MetaPageChoice>, AppError> {
    use crate::api::request;
    use backend::accounts::businesses;
    use backend::oauth::meta_pages;
    request::respond(async move {
        let user = request::require_user().await?;
        let state = request::state()?;
        let (business, pages) = meta_pages::choices(
            &state.db,
            &state.vault,
            pending_id,
            user.id,
            &user.session_id,
        )
        .await?;
        businesses::get(&state.db, user.id, business).await?;
        Ok(pages)
    })
    .await
}

/// Connects the chosen Page (and its Instagram account); returns the business id.
#[server(prefix = "/api/fn", endpoint = "connections/meta-choose")]
pub async fn choose_meta_page(pending_id: Uuid, page_id: String) -> Result<Uuid, AppError> {
    use crate::api::request;
    use backend::accounts::businesses;
    use backend::oauth::meta_pages;
    request::respond(async move {
        let user = request::require_user().await?;
        let state = request::state()?;
        let (business, _) = meta_pages::choices(
            &state.db,
            &state.vault,
            pending_id,
            user.id,
            &user.session_id,
        )
        .await?;
        businesses::require_manager(&state.db, user.id, business).await?;
        Ok(meta_pages::choose(
            &state.db,
            &state.vault,
            pending_id,
            &page_id,
            user.id,
            &user.session_id,
        )
        .await?)
    })
    .await
}

/// An account already connected to another business, waiting for the
/// user's decision (only for the user and session that authorized it).
#[server(prefix = "/api/fn", endpoint = "connections/pending-link")]
pub async fn pending_link(pending_id: Uuid) -> Result<shared::dto::PendingLinkView, AppError> {
    use crate::api::request;
    use backend::accounts::businesses;
    use backend::connections;
    use backend::oauth::pending;
    request::respond(async move {
        let user = request::require_user().await?;
        let state = request::state()?;
        let (business_id, account) = pending::account(
            &state.db,
            &state.vault,
            pending_id,
            user.id,
            &user.session_id,
        )
        .await?;
        businesses::get(&state.db, user.id, business_id).await?;
        let holders = connections::holders(&state.db, account.platform, &account.external_id)
            .await?
            .into_iter()
            .filter(|b| *b != business_id)
            .collect::<Vec<_>>();
        let mine = businesses::list(&state.db, user.id).await?;
        let also_in: Vec<String> = mine
            .iter()
            .filter(|b| holders.contains(&b.id))
            .map(|b| b.name.clone())
            .collect();
        Ok(shared::dto::PendingLinkView {
            business_id,
            platform: account.platform.platform(),
            display_name: account.display_name,
            also_elsewhere: holders.len() > also_in.len(),
            also_in,
        })
    })
    .await
}

/// Links the pending account to its business (`link`), or discards it.
#[server(prefix = "/api/fn", endpoint = "connections/decide-link")]
pub async fn decide_link(
    pending_id: Uuid,
    link: bool,
) -> Result<shared::dto::LinkDecision, AppError> {
    use crate::api::request;
    use backend::accounts::businesses;
    use backend::oauth::pending;
    request::respond(async move {
        let user = request::require_user().await?;
        let state = request::state()?;
        let (business_id, _) = pending::account(
            &state.db,
            &state.vault,
            pending_id,
            user.id,
            &user.session_id,
        )
        .await?;
        businesses::require_manager(&state.db, user.id, business_id).await?;
        let (business_id, platform) = pending::decide_account(
            &state.db,
            &state.vault,
            pending_id,
            user.id,
            &user.session_id,
            link,
        )
        .await?;
        Ok(shared::dto::LinkDecision {
            business_id,
            platform: platform.platform(),
            linked: link,
        })
    })
    .await
}
