//! sea-orm entities, one file per table. Behaviour lives in the modules beside
//! `entities/`, not here.

pub mod audit_events;
pub mod businesses;
pub mod connections;
pub mod cron_claims;
pub mod memberships;
pub mod meta_pending;
pub mod oauth_transactions;
pub mod sessions;
pub mod users;
