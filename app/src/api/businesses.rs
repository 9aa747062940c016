use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
use shared::dto::BusinessView;

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

#[server(prefix = "/api/fn", endpoint = "businesses/get")]
pub async fn get_business(id: Uuid) -> Result<BusinessView, AppError> {
    use crate::api::request;
    use backend::accounts::businesses;
    request::respond(async move {
        let user = request::require_user().await?;
        Ok(businesses::get(&request::state()?.db, user.id, id).await?)
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
