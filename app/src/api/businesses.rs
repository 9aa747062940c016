use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
use shared::dto::{BusinessDashboard, BusinessView};

#[server(prefix = "/api/fn", endpoint = "businesses/list")]
pub async fn list_businesses() -> Result<Vec<BusinessView>, AppError> {
    use crate::api::request;
    use backend::accounts::businesses;
    request::respond(async move {
        let user = request::require_user().await?;
        Ok(businesses::list(&request::state()?.db, user.id).await?)
    })
    .await
}

/// A business with its zone's offsets, for its dashboard.
#[server(prefix = "/api/fn", endpoint = "businesses/get")]
pub async fn get_business(id: Uuid) -> Result<BusinessDashboard, AppError> {
    use crate::api::request;
    use backend::accounts::businesses;
    use shared::zone::LocalZone;
    request::respond(async move {
        let user = request::require_user().await?;
        let business = businesses::get(&request::state()?.db, user.id, id).await?;
        let zone = LocalZone::for_business(&business.timezone, chrono::Utc::now());
        Ok(BusinessDashboard { business, zone })
    })
    .await
}

/// Every time zone a business may choose, for the picker.
#[server(prefix = "/api/fn", endpoint = "businesses/zones")]
pub async fn list_timezones() -> Result<Vec<String>, AppError> {
    use crate::api::request;
    request::respond(async move {
        request::require_user().await?;
        Ok(shared::domain::Timezone::all()
            .into_iter()
            .map(str::to_owned)
            .collect())
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "businesses/timezone")]
pub async fn set_business_timezone(
    id: Uuid,
    timezone: String,
) -> Result<BusinessDashboard, AppError> {
    use crate::api::request;
    use backend::accounts::businesses;
    use shared::domain::Timezone;
    request::respond(async move {
        let user = request::require_user().await?;
        let timezone = Timezone::parse(&timezone).map_err(|e| AppError::invalid("timezone", e))?;
        let db = &request::state()?.db;
        let business =
            businesses::set_timezone(db, user.id, id, timezone, chrono::Utc::now()).await?;
        tracing::info!(user_id = %user.id, business_id = %id, "business time zone changed");
        let zone = shared::zone::LocalZone::for_business(&business.timezone, chrono::Utc::now());
        Ok(BusinessDashboard { business, zone })
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "businesses/create")]
pub async fn create_business(name: String, timezone: String) -> Result<BusinessView, AppError> {
    use crate::api::request;
    use backend::accounts::businesses;
    use shared::domain::{BusinessName, Timezone};
    request::respond(async move {
        let user = request::require_user().await?;
        let name = BusinessName::parse(&name).map_err(|e| AppError::invalid("name", e))?;
        let timezone = Timezone::parse(&timezone).map_err(|e| AppError::invalid("timezone", e))?;
        let business = businesses::create(&request::state()?.db, user.id, name, timezone).await?;
        tracing::info!(user_id = %user.id, business_id = %business.id, "business created");
        Ok(business)
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "businesses/rename")]
pub async fn rename_business(id: Uuid, name: String) -> Result<BusinessView, AppError> {
    use crate::api::request;
    use backend::accounts::businesses;
    use shared::domain::BusinessName;
    request::respond(async move {
        let user = request::require_user().await?;
        let name = BusinessName::parse(&name).map_err(|e| AppError::invalid("name", e))?;
        Ok(businesses::rename(&request::state()?.db, user.id, id, name).await?)
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "businesses/delete")]
pub async fn delete_business(id: Uuid, confirm_name: String) -> Result<(), AppError> {
    use crate::api::request;
    use backend::accounts::businesses;
    request::respond(async move {
        let user = request::require_user().await?;
        businesses::delete(&request::state()?.db, user.id, id, &confirm_name).await?;
        tracing::info!(user_id = %user.id, business_id = %id, "business deleted");
        Ok(())
    })
    .await
}
