//! The analytics sync: runs (one per business per sync, never two in
//! flight), and the store every fetcher writes through — daily metric
//! points, posts and refused metrics, each upserted so a repeated sync
//! changes nothing twice and never deletes history.

pub mod engine;
pub mod events;
pub mod history;
pub mod now;
pub mod runs;
pub mod schedule;
pub mod status;
pub mod store;
