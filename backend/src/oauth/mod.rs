//! The OAuth flows on top of the platform adapters: the single-use
//! transactions that carry `state` and the PKCE verifier, the pending
//! choices (Meta's Pages, link confirmations), disconnecting, refreshing
//! tokens before they expire and warning before grants end.

pub mod disconnect;
pub mod expiry;
pub mod meta_pages;
pub mod pending;
pub mod refresh;
pub mod transactions;
