//! The one error answer of the HTTP layer. REST handlers return
//! `Result<_, ApiError>` (JSON `{"error": …}` with the error's status); the
//! OAuth callback, which a browser lands on, returns `ErrorPage` (a plain
//! HTML page with the way back). Both come from `backend::Error` and
//! `AppError` through `From`, so a handler only writes `?`.

use app::error::AppError;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Value, json};
use shared::format::escape_html;

/// A refused or failed REST request.
#[derive(Debug)]
pub enum ApiError {
    /// The error every server function also returns: `{"error": <AppError>}`.
    App(AppError),
    /// An answer with its own body (the refresh endpoint names the provider's class).
    Body(StatusCode, Value),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::App(e) => {
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }
            ApiError::Body(status, _) => *status,
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError::App(e)
    }
}

impl From<backend::Error> for ApiError {
    fn from(e: backend::Error) -> Self {
        ApiError::App(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        match self {
            ApiError::App(AppError::RateLimited { retry_after_secs }) => (
                status,
                [(
                    axum::http::header::RETRY_AFTER,
                    retry_after_secs.to_string(),
                )],
                Json(json!({ "error": AppError::RateLimited { retry_after_secs } })),
            )
                .into_response(),
            ApiError::App(e) => (status, Json(json!({ "error": e }))).into_response(),
            ApiError::Body(_, body) => (status, Json(body)).into_response(),
        }
    }
}

/// A plain page for a browser that cannot be sent back to the app: says
/// what happened and offers the way back.
#[derive(Debug)]
pub struct ErrorPage {
    pub status: StatusCode,
    pub message: String,
}

impl ErrorPage {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

impl From<AppError> for ErrorPage {
    fn from(e: AppError) -> Self {
        let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        ErrorPage::new(status, e.to_string())
    }
}

impl From<backend::Error> for ErrorPage {
    fn from(e: backend::Error) -> Self {
        AppError::from(e).into()
    }
}

impl IntoResponse for ErrorPage {
    fn into_response(self) -> Response {
        let body = format!(
            r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Connection not completed · Pulseboard</title>
<link rel="stylesheet" href="/pkg/pulseboard.css"><link rel="icon" href="/favicon.ico" sizes="32x32"><link rel="icon" href="/icon.svg" type="image/svg+xml"></head><body><main class="container"><section class="card narrow">
<h1>Connection not completed</h1><p>{}</p><p><a class="button" href="/businesses">Back to your businesses</a></p>
</section></main></body></html>"#,
            escape_html(&self.message)
        );
        let mut res = (self.status, Html(body)).into_response();
        res.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'self'; frame-ancestors 'none'",
            ),
        );
        res
    }
}
