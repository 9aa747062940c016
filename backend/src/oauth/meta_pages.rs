//! Meta's Page choice: after authorization, the Pages a user manages wait
//! (see `pending`) until they pick one; the pick creates the Facebook Page
//! connection and, when the Page has one, its Instagram professional
//! account as a child connection.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use secrecy::ExposeSecret;
use uuid::Uuid;

use super::pending::{self, Pending};
use crate::connections::{audit, linked_elsewhere, place_of, upsert};
use crate::entities::connections::{self, TokenColumn};
use crate::error::Error;
use crate::platforms::Account;
pub use crate::platforms::meta::{Grant, Page};
use crate::platforms::tokens::TokenSet;
use crate::vault::Keyring;
use shared::domain::{AccountKind, AuditKind};
use shared::dto::MetaPageChoice;

/// Whether connecting `page` to `business_id` would link a Page already
/// connected to another business (and not yet to this one).
pub async fn page_linked_elsewhere(
    db: &impl ConnectionTrait,
    business_id: Uuid,
    page: &Page,
) -> Result<bool, Error> {
    Ok(
        crate::connections::find(db, business_id, AccountKind::Facebook, &page.id)
            .await?
            .is_none()
            && linked_elsewhere(db, business_id, AccountKind::Facebook, &page.id).await?,
    )
}

/// Parks the grant until the user picks a Page; returns the pending id.
pub async fn stash(
    db: &impl ConnectionTrait,
    vault: &Keyring,
    business_id: Uuid,
    user_id: Uuid,
    session_id: &str,
    grant: Grant,
) -> Result<Uuid, Error> {
    pending::stash(
        db,
        vault,
        business_id,
        user_id,
        session_id,
        &Pending::MetaPages(grant),
    )
    .await
}

fn grant_of(pending: Pending) -> Result<Grant, Error> {
    match pending {
        Pending::MetaPages(grant) => Ok(grant),
        // Another kind of decision: not a Page choice.
        Pending::Account(_) => Err(Error::NotFound),
    }
}

/// The Pages to choose from, for the user and session that authorized.
pub async fn choices(
    db: &impl ConnectionTrait,
    vault: &Keyring,
    pending_id: Uuid,
    user_id: Uuid,
    session_id: &str,
) -> Result<(Uuid, Vec<MetaPageChoice>), Error> {
    let (business_id, found) = pending::peek(db, vault, pending_id, user_id, session_id).await?;
    let grant = grant_of(found)?;
    let mut choices = Vec::with_capacity(grant.pages.len());
    for p in &grant.pages {
        choices.push(MetaPageChoice {
            id: p.id.clone(),
            name: p.name.clone(),
            instagram: p
                .instagram
                .as_ref()
                .map(|ig| ig.username.clone().unwrap_or_else(|| ig.id.clone())),
            linked_elsewhere: page_linked_elsewhere(db, business_id, p).await?,
        });
    }
    Ok((business_id, choices))
}

/// Consumes the pending choice and connects `page_id`. Returns the business.
pub async fn choose(
    db: &impl ConnectionTrait,
    vault: &Keyring,
    pending_id: Uuid,
    page_id: &str,
    user_id: Uuid,
    session_id: &str,
) -> Result<Uuid, Error> {
    // Validate before consuming: a wrong page id leaves the choice in place.
    let (_, found) = pending::peek(db, vault, pending_id, user_id, session_id).await?;
    if !grant_of(found)?.pages.iter().any(|p| p.id == page_id) {
        return Err(Error::Invalid {
            field: "page_id".into(),
            message: "Choose one of the listed Pages.".into(),
        });
    }
    let (business_id, found) = pending::take(db, vault, pending_id, user_id, session_id).await?;
    let grant = grant_of(found)?;
    let page = grant
        .pages
        .iter()
        .find(|p| p.id == page_id)
        .ok_or(Error::NotFound)?;
    connect_page(db, vault, business_id, &grant, page, &user_id.to_string()).await?;
    Ok(business_id)
}

/// Stores the Page (and its Instagram account) as connections.
pub async fn connect_page(
    db: &impl ConnectionTrait,
    vault: &Keyring,
    business_id: Uuid,
    grant: &Grant,
    page: &Page,
    actor: &str,
) -> Result<(), Error> {
    let now = Utc::now();
    // Page tokens derived from a long-lived user token do not expire; the
    // grant ends with data access (tracked) or when the user revokes it.
    let tokens = || TokenSet {
        access_token: page.access_token.clone(),
        refresh_token: None,
        expires_at: None,
        refresh_expires_at: None,
        scopes: crate::platforms::meta::SCOPES.join(","),
    };
    let account = Account {
        external_id: page.id.clone(),
        display_name: page.name.clone(),
    };
    let shared = page_linked_elsewhere(db, business_id, page).await?;
    let fb = upsert(
        db,
        vault,
        business_id,
        AccountKind::Facebook,
        &account,
        &tokens(),
        grant.sandbox,
        now,
    )
    .await?;
    let id = fb.id.to_string();
    let grant_ct = vault.encrypt(
        grant.user_token.expose_secret(),
        place_of(&id, business_id, TokenColumn::Grant.as_str()),
    );
    connections::Entity::update_many()
        .col_expr(
            connections::Column::GrantTokenCt,
            Expr::value(Some(grant_ct)),
        )
        .col_expr(
            connections::Column::DataAccessExpiresAt,
            Expr::value(grant.data_access_expires_at),
        )
        .filter(connections::Column::Id.eq(fb.id))
        .exec(db)
        .await?;
    audit(
        db,
        business_id,
        actor,
        AuditKind::Connected,
        &format!("facebook {} ({})", fb.id, fb.display_name),
    )
    .await?;
    if shared {
        audit(
            db,
            business_id,
            actor,
            AuditKind::LinkedElsewhere,
            &format!(
                "facebook {} is also connected to another business (chosen by the user)",
                fb.id
            ),
        )
        .await?;
    }
    if let Some(ig) = &page.instagram {
        let name = ig
            .username
            .as_ref()
            .map(|u| format!("@{u}"))
            .unwrap_or_else(|| format!("Instagram {}", ig.id));
        let account = Account {
            external_id: ig.id.clone(),
            display_name: name,
        };
        let insta = upsert(
            db,
            vault,
            business_id,
            AccountKind::Instagram,
            &account,
            &tokens(),
            grant.sandbox,
            now,
        )
        .await?;
        connections::Entity::update_many()
            .col_expr(connections::Column::ParentId, Expr::value(Some(fb.id)))
            .col_expr(
                connections::Column::DataAccessExpiresAt,
                Expr::value(grant.data_access_expires_at),
            )
            .filter(connections::Column::Id.eq(insta.id))
            .exec(db)
            .await?;
        audit(
            db,
            business_id,
            actor,
            AuditKind::Connected,
            &format!("instagram {} ({})", insta.id, insta.display_name),
        )
        .await?;
    }
    Ok(())
}
