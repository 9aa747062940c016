//! What an operator sees: structured logs with request ids (`telemetry`),
//! secrets scrubbed from logs and Sentry events (`scrub`), Prometheus
//! metrics (`metrics`), and the health and readiness probes (`health`).

pub mod health;
pub mod metrics;
pub mod scrub;
pub mod telemetry;
