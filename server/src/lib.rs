//! The `pulseboard` binary's library: configuration, telemetry, the HTTP
//! router, background jobs and the command line. Integration tests build the
//! real application from here.

pub mod cli;
pub mod config;
pub mod db;
pub mod doctor;
pub mod http;
pub mod jobs;
pub mod keys;
pub mod observability;
pub mod providers;
pub mod startup;

/// The platform sandbox, when this build has it (the `sandbox` feature).
#[cfg(feature = "sandbox")]
pub use ::sandbox;
