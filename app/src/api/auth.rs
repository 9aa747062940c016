use leptos::prelude::*;

use crate::error::AppError;
use shared::dto::UserView;

#[cfg(feature = "ssr")]
async fn start_session(state: &backend::AppState, user_id: uuid::Uuid) -> Result<(), AppError> {
    use crate::api::request;
    use backend::accounts::sessions;
    // Rotation: whatever session id the browser held before login dies here.
    if let Some(old) = request::presented_token()? {
        sessions::delete(&state.db, &old).await?;
    }
    let token = sessions::create(&state.db, user_id, &state.sessions).await?;
    request::set_cookie(&token.set_cookie(&state.sessions))
}

/// Creates an account and signs it in.
#[server(prefix = "/api/fn", endpoint = "auth/signup")]
pub async fn signup(email: String, password: String) -> Result<UserView, AppError> {
    use crate::api::request;
    use backend::accounts::users;
    use shared::domain::{Email, Password};
    request::respond(async move {
        let state = request::state()?;
        state.limits.check_signup(request::client_ip())?;
        let email = Email::parse(&email).map_err(|e| AppError::invalid("email", e))?;
        let password = Password::parse(&password).map_err(|e| AppError::invalid("password", e))?;
        let user = users::create(&state.db, &email, password).await?;
        start_session(&state, user.id).await?;
        tracing::info!(user_id = %user.id, "account created");
        Ok(UserView {
            id: user.id,
            email: user.email,
        })
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "auth/login")]
pub async fn login(email: String, password: String) -> Result<UserView, AppError> {
    use crate::api::request;
    use backend::accounts::users;
    request::respond(async move {
        let state = request::state()?;
        let key = shared::domain::Email::parse(&email).ok();
        state
            .limits
            .check_login(request::client_ip(), key.as_ref())?;
        let user = users::authenticate(&state.db, &email, password).await?;
        start_session(&state, user.id).await?;
        tracing::info!(user_id = %user.id, "logged in");
        Ok(UserView {
            id: user.id,
            email: user.email,
        })
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "auth/logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::api::request;
    use backend::accounts::sessions;
    request::respond(async move {
        let state = request::state()?;
        if let Some(token) = request::presented_token()? {
            sessions::delete(&state.db, &token).await?;
        }
        request::set_cookie(&sessions::clear_cookie(&state.sessions))
    })
    .await
}

/// The signed-in user, or `None`.
#[server(prefix = "/api/fn", endpoint = "auth/me")]
pub async fn me() -> Result<Option<UserView>, AppError> {
    use crate::api::request;
    use backend::accounts::users;
    request::respond(async move {
        let state = request::state()?;
        let Some(current) = request::current_user().await? else {
            return Ok(None);
        };
        Ok(users::find(&state.db, current.id).await?.map(|u| UserView {
            id: u.id,
            email: u.email,
        }))
    })
    .await
}
