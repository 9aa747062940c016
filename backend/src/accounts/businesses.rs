//! Businesses and memberships. Every function takes the acting user and reads
//! through their membership: a business they are not a member of does not
//! exist as far as they can tell (`NotFound`, never `Forbidden`).

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait, Set, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use crate::entities::{businesses, memberships};
use crate::error::Error;
use shared::domain::{BusinessName, Role, Timezone};
use shared::dto::BusinessView;

fn view(b: businesses::Model, role: &str) -> BusinessView {
    BusinessView {
        id: b.id,
        name: b.name,
        timezone: b.timezone,
        role: Role::parse(role).unwrap_or(Role::Viewer),
        sync_interval_minutes: b.sync_interval_minutes,
        sync_daily_at_minute: b.sync_daily_at_minute,
        sync_paused: b.sync_paused,
        next_sync_at: b.next_sync_at,
        created_at: b.created_at,
    }
}

fn member_query(user_id: Uuid) -> sea_orm::Select<businesses::Entity> {
    businesses::Entity::find()
        .join(JoinType::InnerJoin, businesses::Relation::Memberships.def())
        .filter(memberships::Column::UserId.eq(user_id))
        .column_as(memberships::Column::Role, "role")
}

#[derive(Debug, sea_orm::FromQueryResult)]
struct WithRole {
    id: Uuid,
    name: String,
    timezone: String,
    sync_interval_minutes: i32,
    sync_daily_at_minute: Option<i32>,
    sync_paused: bool,
    next_sync_at: Option<chrono::DateTime<Utc>>,
    created_at: chrono::DateTime<Utc>,
    role: String,
}

impl WithRole {
    fn into_view(self) -> BusinessView {
        let role = self.role.clone();
        view(
            businesses::Model {
                id: self.id,
                name: self.name,
                timezone: self.timezone,
                sync_interval_minutes: self.sync_interval_minutes,
                sync_daily_at_minute: self.sync_daily_at_minute,
                sync_paused: self.sync_paused,
                next_sync_at: self.next_sync_at,
                created_at: self.created_at,
            },
            &role,
        )
    }
}

pub async fn list(db: &impl ConnectionTrait, user_id: Uuid) -> Result<Vec<BusinessView>, Error> {
    let rows = member_query(user_id)
        .order_by_asc(businesses::Column::Name)
        .into_model::<WithRole>()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(WithRole::into_view).collect())
}

/// The business if `user_id` is a member of it, else `NotFound`.
pub async fn get(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    business_id: Uuid,
) -> Result<BusinessView, Error> {
    member_query(user_id)
        .filter(businesses::Column::Id.eq(business_id))
        .into_model::<WithRole>()
        .one(db)
        .await?
        .map(WithRole::into_view)
        .ok_or(Error::NotFound)
}

pub async fn create(
    db: &(impl ConnectionTrait + TransactionTrait),
    user_id: Uuid,
    name: BusinessName,
    timezone: Timezone,
) -> Result<BusinessView, Error> {
    let now = Utc::now();
    let id = Uuid::new_v4();
    let txn = db.begin().await?;
    let business = businesses::ActiveModel {
        id: Set(id),
        name: Set(name.into_inner()),
        timezone: Set(timezone.as_str().to_owned()),
        sync_interval_minutes: Set(360),
        sync_daily_at_minute: Set(None),
        sync_paused: Set(false),
        next_sync_at: Set(None),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    memberships::ActiveModel {
        user_id: Set(user_id),
        business_id: Set(id),
        role: Set(Role::Owner.as_str().to_owned()),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(view(business, Role::Owner.as_str()))
}

/// Membership with at least `admin` rights, or the reason there is none:
/// NotFound for a stranger (existence is not revealed), Forbidden for a
/// viewer. Every unsafe action on a business goes through here.
pub async fn require_manager(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    business_id: Uuid,
) -> Result<BusinessView, Error> {
    let business = get(db, user_id, business_id).await?;
    if business.role.can_manage() {
        Ok(business)
    } else {
        Err(Error::Forbidden)
    }
}

pub async fn rename(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    business_id: Uuid,
    name: BusinessName,
) -> Result<BusinessView, Error> {
    let mut business = require_manager(db, user_id, business_id).await?;
    businesses::ActiveModel {
        id: Set(business_id),
        name: Set(name.as_str().to_owned()),
        ..Default::default()
    }
    .update(db)
    .await?;
    business.name = name.into_inner();
    Ok(business)
}

/// Moves a business to another time zone. Its schedule keeps its local
/// times (daily at 07:30 stays 07:30, now in the new zone), so the next slot
/// is counted again; the returned business carries it.
pub async fn set_timezone(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    business_id: Uuid,
    timezone: Timezone,
    now: chrono::DateTime<Utc>,
) -> Result<BusinessView, Error> {
    let mut business = require_manager(db, user_id, business_id).await?;
    let row = businesses::Entity::find_by_id(business_id)
        .one(db)
        .await?
        .ok_or(Error::NotFound)?;
    let moved = businesses::Model {
        timezone: timezone.as_str().to_owned(),
        ..row
    };
    // Only a planned slot moves: a business without accounts has none yet.
    let next = moved
        .next_sync_at
        .map(|_| crate::sync::schedule::Schedule::of(&moved).next_after(now));
    businesses::ActiveModel {
        id: Set(business_id),
        timezone: Set(moved.timezone.clone()),
        next_sync_at: Set(next),
        ..Default::default()
    }
    .update(db)
    .await?;
    business.timezone = moved.timezone;
    business.next_sync_at = next;
    Ok(business)
}

/// Deletes the business and, by cascade, everything that hangs off it.
/// Owner only; `confirm_name` must repeat the current name exactly.
pub async fn delete(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    business_id: Uuid,
    confirm_name: &str,
) -> Result<(), Error> {
    let business = get(db, user_id, business_id).await?;
    if business.role != Role::Owner {
        return Err(Error::Forbidden);
    }
    if confirm_name.trim() != business.name {
        return Err(Error::Invalid {
            field: "confirm_name".into(),
            message: "Type the business name exactly to confirm.".into(),
        });
    }
    businesses::Entity::delete_by_id(business_id)
        .exec(db)
        .await?;
    Ok(())
}
