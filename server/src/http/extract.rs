//! Who is asking, as axum extractors: `SignedIn` (a live session), `Member`
//! (signed in and a member of `?business_id=`) and `Manager` (an owner or
//! admin of it). The membership rule itself lives in
//! `backend::accounts::businesses`; server functions apply the same rule to
//! the business id in their body. `PlatformPath` reads `{platform}`.

use axum::extract::{FromRef, FromRequestParts, Path};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use backend::AppState;
use backend::accounts::businesses;
use backend::accounts::sessions::{self, ActiveSession};
use serde::Deserialize;
use shared::domain::Platform;
use shared::dto::BusinessView;
use uuid::Uuid;

use super::bad_input::{Params, bad_field};
use super::error::ApiError;
use app::error::AppError;

/// The caller's live session, if the request carries one.
pub async fn session(
    app: &AppState,
    headers: &HeaderMap,
) -> Result<Option<ActiveSession>, ApiError> {
    match sessions::token_from_headers(headers, &app.sessions) {
        Some(token) => Ok(sessions::resolve(&app.db, &token, &app.sessions).await?),
        None => Ok(None),
    }
}

/// A signed-in caller; 401 otherwise.
pub struct SignedIn(pub ActiveSession);

impl<S> FromRequestParts<S> for SignedIn
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let app = AppState::from_ref(state);
        session(&app, &parts.headers)
            .await?
            .map(SignedIn)
            .ok_or(AppError::Unauthorized.into())
    }
}

#[derive(Deserialize)]
struct BusinessQuery {
    business_id: Uuid,
}

/// A signed-in member of the business named by `{business_id}` in the path
/// or else `?business_id=`: 400 for a
/// missing or malformed id, 401 signed out, 404 not a member (another
/// tenant's business does not exist).
pub struct Member {
    pub session: ActiveSession,
    pub business: BusinessView,
}

/// A signed-in owner or admin of `?business_id=`: what every unsafe route
/// needs. A viewer gets 403.
pub struct Manager {
    pub session: ActiveSession,
    pub business: BusinessView,
}

async fn business_of<S>(parts: &mut Parts, state: &S) -> Result<(ActiveSession, Uuid), ApiError>
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    let business_id = match business_in_path(parts, state).await? {
        Some(id) => id,
        None => {
            let Params(q) = Params::<BusinessQuery>::from_request_parts(parts, state).await?;
            q.business_id
        }
    };
    let SignedIn(session) = SignedIn::from_request_parts(parts, state).await?;
    Ok((session, business_id))
}

/// The `{business_id}` path segment, when the route has one: a malformed
/// one is a 400 naming the field, never a fall-back to the query.
async fn business_in_path<S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
) -> Result<Option<Uuid>, ApiError> {
    let Ok(Path(params)) =
        Path::<std::collections::HashMap<String, String>>::from_request_parts(parts, state).await
    else {
        return Ok(None);
    };
    match params.get("business_id") {
        None => Ok(None),
        Some(raw) => raw
            .parse()
            .map(Some)
            .map_err(|_| bad_field(Some("business_id".into()))),
    }
}

impl<S> FromRequestParts<S> for Member
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let (session, business_id) = business_of(parts, state).await?;
        let app = AppState::from_ref(state);
        let business = businesses::get(&app.db, session.user_id, business_id).await?;
        Ok(Member { session, business })
    }
}

impl<S> FromRequestParts<S> for Manager
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let (session, business_id) = business_of(parts, state).await?;
        let app = AppState::from_ref(state);
        let business = businesses::require_manager(&app.db, session.user_id, business_id).await?;
        Ok(Manager { session, business })
    }
}

/// The `{platform}` path segment; 404 for one Pulseboard does not know.
pub struct PlatformPath(pub Platform);

impl<S: Send + Sync> FromRequestParts<S> for PlatformPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(slug) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::from(AppError::NotFound))?;
        Platform::parse(&slug)
            .map(PlatformPath)
            .ok_or(AppError::NotFound.into())
    }
}
