//! Pulseboard's domain logic, free of Leptos and of any HTTP server: the
//! database entities, accounts and sessions, the token vault, the OAuth
//! flows and the platform adapters. The server's REST routes, its job
//! worker and the UI's server functions all call into this crate.

pub mod accounts;
pub mod connections;
pub mod entities;
pub mod error;
pub mod oauth;
pub mod platforms;
pub mod reports;
pub mod state;
pub mod sync;
pub mod vault;

pub use error::Error;
pub use state::AppState;
