//! Integration tests: the real server on port 0, a fresh database per test,
//! on SQLite and on PostgreSQL. One binary, so it links once.

mod auth;
mod bad_input;
mod capture;
mod cli;
mod deployment;
mod dump;
mod events;
mod harness;
mod jobs;
mod keys;
mod leaks;
mod live;
mod metrics;
mod oauth;
mod proxies;
mod queries;
mod reports;
mod roles;
mod sandbox_guard;
mod schedule;
mod shutdown;
mod spans;
mod sync;
mod sync_history;
mod sync_now;
mod sync_platforms;
mod sync_resilience;
mod sync_versions;
mod sync_x;
mod tenancy;
mod web;
