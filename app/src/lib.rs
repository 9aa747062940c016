//! Pulseboard's UI and its server functions, shared by the server (feature
//! `ssr`) and the browser (feature `hydrate`).

pub mod api;
pub mod error;
pub mod ui;

pub use ui::{App, shell};
