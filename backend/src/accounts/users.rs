//! Accounts: sign-up and credential checks.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, SqlErr,
};
use uuid::Uuid;

use super::passwords;
use crate::entities::users;
use crate::error::Error;
use shared::domain::{Email, Password};

pub async fn create(
    db: &impl ConnectionTrait,
    email: &Email,
    password: Password,
) -> Result<users::Model, Error> {
    let password_hash = passwords::hash(password).await?;
    let user = users::ActiveModel {
        id: Set(Uuid::new_v4()),
        email: Set(email.as_str().to_owned()),
        password_hash: Set(password_hash),
        created_at: Set(Utc::now()),
    };
    match user.insert(db).await {
        Ok(user) => Ok(user),
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Err(Error::invalid(
                "email",
                shared::domain::Invalid(
                    "An account with this email already exists. Log in instead.",
                ),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// The user whose email and password match; `BadCredentials` otherwise,
/// taking the same time whether or not the email exists.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    email: &str,
    password: String,
) -> Result<users::Model, Error> {
    let user = match Email::parse(email) {
        Ok(email) => {
            users::Entity::find()
                .filter(users::Column::Email.eq(email.as_str()))
                .one(db)
                .await?
        }
        Err(_) => None,
    };
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    if passwords::verify(password, stored).await? {
        user.ok_or(Error::BadCredentials)
    } else {
        Err(Error::BadCredentials)
    }
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<users::Model>, Error> {
    Ok(users::Entity::find_by_id(id).one(db).await?)
}
