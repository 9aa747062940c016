//! Server functions: the browser's API. Each one authenticates, checks
//! tenancy through `backend`, and returns `AppError` on failure.

pub mod analytics;
pub mod auth;
pub mod businesses;
pub mod connections;
pub mod deployment;
pub mod sync;

#[cfg(feature = "ssr")]
pub mod request;
