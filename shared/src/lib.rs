//! Types both sides of Pulseboard use: the validated domain values, the
//! data the server functions exchange with the browser, and the formatting
//! both render with. Everything here compiles for wasm.

pub mod activity;
pub mod domain;
pub mod dto;
pub mod format;
pub mod insights;
pub mod kinds;
pub mod return_to;
pub mod sync_status;
pub mod zone;
