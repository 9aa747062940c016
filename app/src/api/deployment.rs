//! What every page must say about how this deployment runs.

use leptos::prelude::*;

use crate::error::AppError;

/// A warning for every page, if there is one: today, that the platform
/// sandbox is enabled in production (connections there are not real).
#[server(prefix = "/api/fn", endpoint = "deployment/notice")]
pub async fn deployment_notice() -> Result<Option<String>, AppError> {
    use crate::api::request;
    request::respond(async move { Ok(request::state()?.notice.as_deref().map(str::to_owned)) })
        .await
}
