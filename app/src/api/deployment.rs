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

/// Whether this server's sandbox stands in for the platforms (the landing
/// page then offers to try Pulseboard with its demo accounts).
#[server(prefix = "/api/fn", endpoint = "deployment/sandbox")]
pub async fn sandbox_enabled() -> Result<bool, AppError> {
    use crate::api::request;
    use shared::domain::Platform;
    request::respond(async move {
        let providers = &request::state()?.providers;
        Ok(Platform::ALL
            .into_iter()
            .any(|p| providers.get(p).is_some_and(|c| c.sandbox)))
    })
    .await
}
