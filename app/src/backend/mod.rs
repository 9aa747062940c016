//! Server-only code used by the server functions: database entities, the
//! session store, password hashing, tenancy checks and rate limits.
//! Compiled only with the `ssr` feature; nothing here reaches the browser.

pub mod businesses;
pub mod client_addr;
pub mod entities;
pub mod limits;
pub mod oauth;
pub mod passwords;
pub mod request;
pub mod sessions;
pub mod state;
pub mod users;
pub mod vault;

pub use state::AppState;
