//! Top navigation with the user menu, and the deployment's notice banner.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use super::{Session, ToastKind, Toasts};
use crate::api::auth::Logout;
use crate::api::deployment::deployment_notice;
use shared::dto::UserView;
use shared::format;

#[component]
pub fn TopNav() -> impl IntoView {
    let session = Session::expect();
    view! {
        <header class="topnav">
            <nav class="container" aria-label="Main">
                <A href="/" attr:class="brand">
                    "Pulseboard"
                </A>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match session.user.await {
                            Ok(Some(user)) => view! { <SignedInNav user /> }.into_any(),
                            _ => {
                                view! {
                                    <div class="nav-links">
                                        <A href="/login">"Log in"</A>
                                        <A href="/signup" attr:class="button primary small">
                                            "Sign up"
                                        </A>
                                    </div>
                                }
                                    .into_any()
                            }
                        }
                    })}
                </Transition>
            </nav>
        </header>
    }
}

#[component]
fn SignedInNav(user: UserView) -> impl IntoView {
    let open = RwSignal::new(false);
    let session = Session::expect();
    let toasts = Toasts::expect();
    let navigate = use_navigate();
    let logout = ServerAction::<Logout>::new();
    Effect::new(move |_| match logout.value().get() {
        Some(Ok(())) => {
            session.changed();
            toasts.push(ToastKind::Info, "You are logged out.");
            navigate("/login", Default::default());
        }
        Some(Err(e)) => toasts.push(ToastKind::Error, e.to_string()),
        None => {}
    });
    let letter = format::avatar_letter(&user.email);
    view! {
        <div class="nav-links">
            <A href="/businesses">"Businesses"</A>
            <div class="user-menu">
                <button
                    type="button"
                    class="avatar"
                    aria-haspopup="true"
                    aria-expanded=move || open.get().to_string()
                    aria-controls="user-menu-panel"
                    aria-label="Account menu"
                    on:click=move |_| open.update(|o| *o = !*o)
                >
                    {letter}
                </button>
                <div id="user-menu-panel" class="menu-panel" hidden=move || !open.get()>
                    <p class="menu-email">{user.email.clone()}</p>
                    <ActionForm action=logout>
                        <button type="submit" class="menu-item">
                            "Log out"
                        </button>
                    </ActionForm>
                </div>
            </div>
        </div>
    }
}

/// A banner on every page when the deployment runs in a way its users must
/// know about (the platform sandbox enabled in production).
#[component]
pub fn DeploymentNotice() -> impl IntoView {
    let notice = Resource::new(|| (), |_| deployment_notice());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                notice
                    .await
                    .ok()
                    .flatten()
                    .map(|text| {
                        view! {
                            <div class="deployment-notice" role="status">
                                <p class="container">{text}</p>
                            </div>
                        }
                    })
            })}
        </Transition>
    }
}
