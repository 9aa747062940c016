//! The UI: the HTML shell, the router and the pages. Components render; the
//! decisions (validation, formatting) live in `domain` and `format`.

mod analytics;
mod auth_pages;
mod business_pages;
mod connections;
mod forms;
mod history;
mod layout;
mod link_confirm;
#[cfg(feature = "hydrate")]
mod live;
mod meta_picker;
mod schedule;
mod session;
mod sync_card;
mod toast;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::{SsrMode, path};

pub use session::Session;

/// The zone times are shown in: the business's on its pages (provided by
/// its dashboard), UTC elsewhere.
pub fn business_zone() -> shared::zone::LocalZone {
    use_context::<shared::zone::LocalZone>().unwrap_or_default()
}
pub use toast::{ToastKind, Toasts};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.ico" sizes="32x32" />
                <link rel="icon" href="/icon.svg" type="image/svg+xml" />
                <link rel="apple-touch-icon" href="/apple-touch-icon.png" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    Session::provide();
    Toasts::provide();

    // Effects run only in the browser: this attribute says the page is interactive.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    view! {
        <Stylesheet id="leptos" href="/pkg/pulseboard.css" />
        <Title formatter=|title| format!("{title} · Pulseboard") />
        <Router>
            <div class="app" data-hydrated=move || hydrated.get().then_some("true")>
                <a class="skip-link" href="#main">
                    "Skip to content"
                </a>
                <layout::DeploymentNotice />
                <layout::TopNav />
                <main id="main" class="container">
                    <Routes fallback=|| view! { <NotFound /> }>
                        <Route path=path!("/") view=HomePage />
                        <Route path=path!("/login") view=auth_pages::LoginPage />
                        <Route path=path!("/signup") view=auth_pages::SignupPage />
                        <Route
                            path=path!("/businesses")
                            view=business_pages::BusinessListPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/businesses/:id/meta/:pending")
                            view=meta_picker::MetaPagePicker
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/businesses/:id/link/:pending")
                            view=link_confirm::LinkConfirmPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/businesses/:id")
                            view=business_pages::BusinessPage
                            ssr=SsrMode::Async
                        />
                    </Routes>
                </main>
                <toast::ToastArea />
            </div>
        </Router>
    }
}

/// The landing page: what Pulseboard does today, the dashboard as it looks,
/// and, when this server's sandbox is on, a way in with demo accounts.
#[component]
fn HomePage() -> impl IntoView {
    let session = Session::expect();
    let sandbox = Resource::new(|| (), |_| crate::api::deployment::sandbox_enabled());
    view! {
        <Title text="Welcome" />
        <section class="hero">
            <h1>"Your social analytics, in one place."</h1>
            <p class="lede">
                "Pulseboard connects a business's LinkedIn page, X account, Facebook Pages and Instagram accounts, syncs their numbers on a schedule or when you ask, and keeps the daily history on your own server."
            </p>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let signed_in = matches!(session.user.await, Ok(Some(_)));
                    let try_it = sandbox.await.unwrap_or(false);
                    let start = if signed_in { "/businesses" } else { "/signup" };
                    view! {
                        <div class="actions">
                            {try_it
                                .then(|| {
                                    view! {
                                        <A href=start attr:class="button primary">
                                            "Try it with sandbox accounts"
                                        </A>
                                    }
                                })}
                            {if signed_in {
                                view! {
                                    <A href="/businesses" attr:class="button">
                                        "Go to your businesses"
                                    </A>
                                }
                                    .into_any()
                            } else {
                                view! {
                                    <A href="/signup" attr:class="button">
                                        "Create an account"
                                    </A>
                                    <A href="/login" attr:class="button">
                                        "Log in"
                                    </A>
                                }
                                    .into_any()
                            }}
                        </div>
                        {try_it
                            .then(|| {
                                view! {
                                    <p class="meta">
                                        "This server's sandbox stands in for LinkedIn, X and Meta: connect its demo accounts without real credentials, sync them and watch the dashboard fill in."
                                    </p>
                                }
                            })}
                    }
                })}
            </Transition>
        </section>
        <section class="features" aria-label="What Pulseboard does today">
            <ul>
                <li>
                    <strong>"Connect"</strong>
                    " LinkedIn organisation pages, X, Facebook Pages and their Instagram accounts by signing in to each platform. Sign-ins are stored encrypted and renewed before they expire."
                </li>
                <li>
                    <strong>"Sync"</strong>
                    " followers, views, reach, engagements and posts every few hours or daily at a set time, and whenever you press Sync now; the dashboard follows each run live."
                </li>
                <li>
                    <strong>"Keep"</strong>
                    " the daily history beyond what the platforms keep, see it as charts and top posts, and export it as CSV or read it through the REST API."
                </li>
            </ul>
        </section>
        <figure class="screenshot">
            <img
                src="/screenshot.png"
                width="1280"
                height="900"
                alt="A business dashboard: sync status with the last and next sync, follower and engagement charts, and the accounts connected"
            />
        </figure>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found" />
        <section class="card empty">
            <h1>"Not found"</h1>
            <p>"There is nothing here, or you do not have access to it."</p>
            <A href="/businesses">"Back to your businesses"</A>
        </section>
    }
}
