//! What an operator sees: structured logs with request ids (`telemetry`),
//! secrets scrubbed from logs and Sentry events (`scrub`), and the health
//! and readiness probes (`health`).

pub mod health;
pub mod scrub;
pub mod telemetry;
