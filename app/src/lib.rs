//! Pulseboard's UI and its server functions, shared by the server (feature
//! `ssr`) and the browser (feature `hydrate`).

pub mod api;
pub mod domain;
pub mod dto;
pub mod error;
pub mod format;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod backend;

pub use ui::{App, shell};
