//! The one place that maps a platform to its adapter.

use super::{OAuthProvider, linkedin, meta, x};
use shared::domain::Platform;

/// The implementation for `platform`.
pub fn for_platform(platform: Platform) -> &'static dyn OAuthProvider {
    match platform {
        Platform::X => &x::X,
        Platform::LinkedIn => &linkedin::LinkedIn,
        Platform::Meta => &meta::Meta,
    }
}
