//! sea-orm entities, one file per table. Behaviour lives in the modules beside
//! `entities/`, not here.

pub mod audit_events;
pub mod businesses;
pub mod connections;
pub mod cron_claims;
pub mod memberships;
pub mod metric_points;
pub mod oauth_transactions;
pub mod pending_connections;
pub mod posts;
pub mod sessions;
pub mod sync_run_items;
pub mod sync_runs;
pub mod unavailable_metrics;
pub mod users;
