//! Who is signed in, as a resource every page can read and refresh.

use leptos::prelude::*;

use crate::api::auth::me;
use crate::error::AppError;
use shared::dto::UserView;

#[derive(Clone, Copy)]
pub struct Session {
    pub user: Resource<Result<Option<UserView>, AppError>>,
    version: RwSignal<u32>,
}

impl Session {
    pub fn provide() {
        let version = RwSignal::new(0);
        let user = Resource::new(move || version.get(), |_| me());
        provide_context(Session { user, version });
    }

    pub fn expect() -> Self {
        expect_context::<Session>()
    }

    /// Re-reads the session after login or logout.
    pub fn changed(&self) {
        self.version.update(|v| *v += 1);
    }
}
