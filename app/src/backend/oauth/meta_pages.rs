//! Meta's Page choice: after authorization, the Pages a user manages wait
//! (encrypted, 15 minutes, for this session only) until they pick one; the
//! pick creates the Facebook Page connection and, when the Page has one,
//! its Instagram professional account as a child connection.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Account;
use super::connections::{audit, place_of, upsert};
use super::meta::Page;
use super::tokens::TokenSet;
use crate::backend::entities::{connections, meta_pending};
use crate::backend::vault::{Keyring, Place};
use crate::error::AppError;

/// What a pending choice holds. Serialized only into vault ciphertext.
#[derive(Serialize, Deserialize)]
pub struct Grant {
    pub user_token: String,
    pub user_expires_at: Option<DateTime<Utc>>,
    pub data_access_expires_at: Option<DateTime<Utc>>,
    pub pages: Vec<Page>,
    pub sandbox: bool,
}

/// A Page as the picker shows it: no tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageChoice {
    pub id: String,
    pub name: String,
    pub instagram: Option<String>,
}

fn place(id: &str, business_id: Uuid) -> Place<'_> {
    Place {
        table: "meta_pending",
        column: "payload",
        row_id: id,
        business_id,
    }
}

pub async fn stash(
    db: &impl ConnectionTrait,
    vault: &Keyring,
    business_id: Uuid,
    user_id: Uuid,
    session_id: &str,
    grant: &Grant,
) -> Result<Uuid, AppError> {
    let id = Uuid::new_v4();
    let json = serde_json::to_string(grant).map_err(AppError::internal)?;
    meta_pending::ActiveModel {
        id: Set(id),
        business_id: Set(business_id),
        user_id: Set(user_id),
        session_id: Set(session_id.to_owned()),
        payload_ct: Set(vault.encrypt(&json, place(&id.to_string(), business_id))),
        expires_at: Set(Utc::now() + Duration::minutes(15)),
    }
    .insert(db)
    .await?;
    Ok(id)
}

fn open(
    vault: &Keyring,
    row: &meta_pending::Model,
    user_id: Uuid,
    session_id: &str,
) -> Result<Grant, AppError> {
    if row.user_id != user_id || row.session_id != session_id || row.expires_at <= Utc::now() {
        return Err(AppError::NotFound);
    }
    let json = vault
        .decrypt(&row.payload_ct, place(&row.id.to_string(), row.business_id))
        .map_err(AppError::internal)?;
    serde_json::from_str(json.expose_secret()).map_err(AppError::internal)
}

/// The Pages to choose from, for the user and session that authorized.
pub async fn choices(
    db: &impl ConnectionTrait,
    vault: &Keyring,
    pending_id: Uuid,
    user_id: Uuid,
    session_id: &str,
) -> Result<(Uuid, Vec<PageChoice>), AppError> {
    let row = meta_pending::Entity::find_by_id(pending_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let grant = open(vault, &row, user_id, session_id)?;
    Ok((
        row.business_id,
        grant
            .pages
            .iter()
            .map(|p| PageChoice {
                id: p.id.clone(),
                name: p.name.clone(),
                instagram: p
                    .instagram
                    .as_ref()
                    .map(|ig| ig.username.clone().unwrap_or_else(|| ig.id.clone())),
            })
            .collect(),
    ))
}

/// Consumes the pending choice and connects `page_id`. Returns the business.
pub async fn choose(
    db: &impl ConnectionTrait,
    vault: &Keyring,
    pending_id: Uuid,
    page_id: &str,
    user_id: Uuid,
    session_id: &str,
) -> Result<Uuid, AppError> {
    let row = meta_pending::Entity::delete_by_id(pending_id)
        .exec_with_returning(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let grant = open(vault, &row, user_id, session_id)?;
    let page = grant
        .pages
        .iter()
        .find(|p| p.id == page_id)
        .ok_or_else(|| AppError::Invalid {
            field: "page_id".into(),
            message: "Choose one of the listed Pages.".into(),
        })?;
    connect_page(
        db,
        vault,
        row.business_id,
        &grant,
        page,
        &user_id.to_string(),
    )
    .await?;
    Ok(row.business_id)
}

/// Stores the Page (and its Instagram account) as connections.
pub async fn connect_page(
    db: &impl ConnectionTrait,
    vault: &Keyring,
    business_id: Uuid,
    grant: &Grant,
    page: &Page,
    actor: &str,
) -> Result<(), AppError> {
    let now = Utc::now();
    // Page tokens derived from a long-lived user token do not expire; the
    // grant ends with data access (tracked) or when the user revokes it.
    let tokens = || TokenSet {
        access_token: SecretString::from(page.access_token.clone()),
        refresh_token: None,
        expires_at: None,
        refresh_expires_at: None,
        scopes: super::meta::SCOPES.join(","),
    };
    let account = Account {
        external_id: page.id.clone(),
        display_name: page.name.clone(),
    };
    let fb = upsert(
        db,
        vault,
        business_id,
        "facebook",
        &account,
        &tokens(),
        grant.sandbox,
        now,
    )
    .await?;
    let id = fb.id.to_string();
    let grant_ct = vault.encrypt(&grant.user_token, place_of(&id, business_id, "grant_token"));
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
        "connected",
        &format!("facebook {} ({})", fb.id, fb.display_name),
    )
    .await?;
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
            "instagram",
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
            "connected",
            &format!("instagram {} ({})", insta.id, insta.display_name),
        )
        .await?;
    }
    Ok(())
}

/// The long-lived user token a Page connection keeps for revocation.
pub fn grant_token(vault: &Keyring, c: &connections::Model) -> Option<SecretString> {
    let ct = c.grant_token_ct.as_ref()?;
    vault
        .decrypt(
            ct,
            place_of(&c.id.to_string(), c.business_id, "grant_token"),
        )
        .ok()
}
