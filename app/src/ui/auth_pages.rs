//! Sign-up and log-in pages.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use shared::return_to;

use super::forms::{Field, FormError, field_error, form_error};
use super::{Session, ToastKind, Toasts};
use crate::api::auth::{Login, Signup};
use shared::domain::{Email, Password};

fn check_email(v: &str) -> Option<String> {
    Email::parse(v).err().map(|e| e.to_string())
}

fn check_password(v: &str) -> Option<String> {
    Password::parse(v).err().map(|e| e.to_string())
}

/// After a successful login or signup: refresh the session and go to the app.
fn on_signed_in<T: Clone + Send + Sync + 'static>(
    value: impl Fn() -> Option<Result<T, crate::error::AppError>> + 'static,
    message: &'static str,
) {
    let session = Session::expect();
    let toasts = Toasts::expect();
    let navigate = use_navigate();
    let query = use_query_map();
    Effect::new(move |_| {
        if let Some(Ok(_)) = value() {
            session.changed();
            toasts.push(ToastKind::Success, message);
            // The page the visitor asked for, when it is one of ours.
            let asked = query.read().get("return_to").unwrap_or_default();
            let to = return_to::safe(&asked).unwrap_or(return_to::DEFAULT);
            navigate(to, Default::default());
        }
    });
}

#[component]
pub fn SignupPage() -> impl IntoView {
    let action = ServerAction::<Signup>::new();
    let value = action.value();
    on_signed_in(move || value.get(), "Welcome to Pulseboard.");
    view! {
        <Title text="Create an account" />
        <section class="card narrow">
            <h1>"Create your account"</h1>
            <ActionForm action=action attr:novalidate=true>
                <Field
                    label="Email"
                    name="email"
                    kind="email"
                    autocomplete="email"
                    check=check_email
                    server_error=field_error(move || value.get(), "email")
                />
                <Field
                    label="Password"
                    name="password"
                    kind="password"
                    autocomplete="new-password"
                    hint="At least 10 characters."
                    check=check_password
                    server_error=field_error(move || value.get(), "password")
                />
                <FormError message=form_error(move || value.get()) />
                <button type="submit" class="button primary" disabled=move || action.pending().get()>
                    "Create account"
                </button>
            </ActionForm>
            <p class="alt">"Already have an account? " <A href="/login">"Log in"</A></p>
        </section>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<Login>::new();
    let value = action.value();
    on_signed_in(move || value.get(), "Welcome back.");
    view! {
        <Title text="Log in" />
        <section class="card narrow">
            <h1>"Log in"</h1>
            <ActionForm action=action attr:novalidate=true>
                <Field
                    label="Email"
                    name="email"
                    kind="email"
                    autocomplete="username"
                    check=check_email
                    server_error=field_error(move || value.get(), "email")
                />
                <Field
                    label="Password"
                    name="password"
                    kind="password"
                    autocomplete="current-password"
                    server_error=field_error(move || value.get(), "password")
                />
                <FormError message=form_error(move || value.get()) />
                <button type="submit" class="button primary" disabled=move || action.pending().get()>
                    "Log in"
                </button>
            </ActionForm>
            <p class="alt">"New here? " <A href="/signup">"Create an account"</A></p>
        </section>
    }
}
