//! The `pulseboard` binary's library: configuration, telemetry, the HTTP
//! router, background jobs and the command line. Integration tests build the
//! real application from here.

pub mod api_docs;
pub mod bad_input;
pub mod cli;
pub mod config;
pub mod db;
pub mod health;
pub mod jobs;
pub mod keys;
pub mod oauth_routes;
pub mod scrub;
pub mod security;
pub mod startup;
pub mod telemetry;

/// The platform sandbox, when this build has it (the `sandbox` feature).
#[cfg(feature = "sandbox")]
pub use ::sandbox;
