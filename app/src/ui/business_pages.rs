//! The business list (with the create form) and a business's dashboard.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_navigate, use_params_map};
use uuid::Uuid;

use super::forms::{Field, FormError, field_error, form_error};
use super::{NotFound, ToastKind, Toasts};
use crate::api::businesses::{
    CreateBusiness, DeleteBusiness, RenameBusiness, get_business, list_businesses,
};
use crate::api::sync::SetSchedule;
use crate::error::AppError;
use shared::domain::BusinessName;
use shared::dto::BusinessView;
use shared::format;
use shared::format::isolate;

/// Offered in the time-zone field; any IANA name is accepted.
const COMMON_ZONES: &[&str] = &[
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Tokyo",
    "Asia/Singapore",
    "Asia/Kolkata",
    "Australia/Sydney",
];

fn check_name(v: &str) -> Option<String> {
    BusinessName::parse(v).err().map(|e| e.to_string())
}

#[component]
fn SignInPrompt() -> impl IntoView {
    // Logging in comes back here.
    let location = use_location();
    let login = move || {
        shared::return_to::login_link(&format!(
            "{}{}",
            location.pathname.get(),
            location.search.get()
        ))
    };
    view! {
        <section class="card narrow">
            <h1>"Please log in"</h1>
            <p>"You need to be signed in to see this page."</p>
            <A href=login attr:class="button primary">
                "Log in"
            </A>
        </section>
    }
}

/// What every page shows for an error from loading its data.
fn error_view(err: AppError) -> AnyView {
    match err {
        AppError::Unauthorized => view! { <SignInPrompt /> }.into_any(),
        AppError::NotFound => view! { <NotFound /> }.into_any(),
        other => view! {
            <section class="card">
                <p class="form-error" role="alert">{other.to_string()}</p>
            </section>
        }
        .into_any(),
    }
}

#[component]
pub fn BusinessListPage() -> impl IntoView {
    let create = ServerAction::<CreateBusiness>::new();
    let value = create.value();
    let businesses = Resource::new(move || create.version().get(), |_| list_businesses());
    let toasts = Toasts::expect();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(b)) = value.get() {
            toasts.push(ToastKind::Success, format!("Created {}.", isolate(&b.name)));
            navigate(&format!("/businesses/{}", b.id), Default::default());
        }
    });

    view! {
        <Title text="Businesses" />
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match businesses.await {
                    Err(e) => error_view(e),
                    Ok(list) => {
                        view! {
                            <h1>"Your businesses"</h1>
                            <BusinessList list />
                            <section class="card">
                                <h2>"Add a business"</h2>
                                <ActionForm action=create attr:novalidate=true>
                                    <Field
                                        label="Name"
                                        name="name"
                                        autocomplete="organization"
                                        check=check_name
                                        server_error=field_error(move || value.get(), "name")
                                    />
                                    <Field
                                        label="Time zone"
                                        name="timezone"
                                        value="UTC".to_owned()
                                        list="zones"
                                        hint="Schedules and daily numbers follow this zone, e.g. Europe/Berlin."
                                        server_error=field_error(move || value.get(), "timezone")
                                    />
                                    <datalist id="zones">
                                        {COMMON_ZONES
                                            .iter()
                                            .map(|z| view! { <option value=*z></option> })
                                            .collect_view()}
                                    </datalist>
                                    <FormError message=form_error(move || value.get()) />
                                    <button
                                        type="submit"
                                        class="button primary"
                                        disabled=move || create.pending().get()
                                    >
                                        "Create business"
                                    </button>
                                </ActionForm>
                            </section>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
fn BusinessList(list: Vec<BusinessView>) -> impl IntoView {
    if list.is_empty() {
        return view! {
            <p class="empty-note">"You have no businesses yet. Add your first one below."</p>
        }
        .into_any();
    }
    view! {
        <ul class="business-list">
            {list
                .into_iter()
                .map(|b| {
                    view! {
                        <li class="card business-card">
                            <A href=format!("/businesses/{}", b.id)><bdi>{b.name}</bdi></A>
                            <span class="meta">{b.timezone}</span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

/// A business: its connections, activity and settings (the live dashboard
/// of analytics and sync status arrives with the sync engine).
#[component]
pub fn BusinessPage() -> impl IntoView {
    let params = use_params_map();
    let rename = ServerAction::<RenameBusiness>::new();
    let schedule = ServerAction::<SetSchedule>::new();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|s| Uuid::parse_str(&s).ok())
    };
    let business = Resource::new(
        move || (id(), rename.version().get(), schedule.version().get()),
        |(id, _, _)| async move {
            match id {
                Some(id) => get_business(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let connections = super::connections::ConnectionsData::new(id);
    // Here, made once with the page: inside the overview it would be made
    // again when the rename reloads the business, and toast twice.
    let toasts = Toasts::expect();
    let renamed = rename.value();
    Effect::new(move |_| {
        if let Some(Ok(b)) = renamed.get() {
            toasts.push(
                ToastKind::Success,
                format!("Renamed to {}.", isolate(&b.name)),
            );
        }
    });
    // A Transition keeps the page while a rename reloads it: no "Loading…"
    // in its place, no jump to the top.
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match business.await {
                    Err(e) => error_view(e),
                    Ok(b) => {
                        view! { <BusinessOverview business=b rename schedule connections /> }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn BusinessOverview(
    business: BusinessView,
    rename: ServerAction<RenameBusiness>,
    schedule: ServerAction<SetSchedule>,
    connections: super::connections::ConnectionsData,
) -> impl IntoView {
    let can_manage = business.role.can_manage();
    let is_owner = business.role == shared::domain::Role::Owner;
    let (settings, danger) = (business.clone(), business.clone());
    let runs_ended = RwSignal::new(0u32);
    view! {
        <Title text=business.name.clone() />
        <header class="page-header">
            <h1><bdi>{business.name.clone()}</bdi></h1>
            <p class="meta">
                {business.timezone.clone()} " · syncs "
                {format::schedule(
                    business.sync_interval_minutes,
                    business.sync_daily_at_minute,
                    business.sync_paused,
                )} " · since "
                {format::date(business.created_at)}
            </p>
        </header>
        <super::sync_card::SyncStatusCard business_id=business.id can_manage runs_ended />
        <super::analytics::AnalyticsSection business_id=business.id runs_ended />
        <super::connections::ConnectionsSection business_id=business.id data=connections />
        <super::history::SyncHistory business_id=business.id runs_ended />
        {can_manage.then(|| view! { <Settings business=settings rename schedule /> })}
        {is_owner.then(|| view! { <DangerZone business=danger /> })}
    }
}

/// Business settings: owners and admins only.
#[component]
fn Settings(
    business: BusinessView,
    rename: ServerAction<RenameBusiness>,
    schedule: ServerAction<SetSchedule>,
) -> impl IntoView {
    let rename_value = rename.value();
    let name = business.name.clone();
    let for_schedule = business.clone();
    view! {
        <section class="card" aria-labelledby="settings-heading">
            <h2 id="settings-heading">"Settings"</h2>
            <ActionForm action=rename attr:novalidate=true>
                <input type="hidden" name="id" value=business.id.to_string() />
                <Field
                    label="Business name"
                    name="name"
                    value=name
                    check=check_name
                    server_error=field_error(move || rename_value.get(), "name")
                />
                <FormError message=form_error(move || rename_value.get()) />
                <button type="submit" class="button">
                    "Rename"
                </button>
            </ActionForm>
            <super::schedule::ScheduleSettings business=for_schedule action=schedule />
        </section>
    }
}

#[component]
fn DangerZone(business: BusinessView) -> impl IntoView {
    let delete = ServerAction::<DeleteBusiness>::new();
    let value = delete.value();
    let typed = RwSignal::new(String::new());
    let toasts = Toasts::expect();
    let navigate = use_navigate();
    let name = business.name.clone();
    Effect::new(move |_| {
        if let Some(Ok(())) = value.get() {
            toasts.push(ToastKind::Success, "Business deleted.");
            navigate("/businesses", Default::default());
        }
    });
    let matches = move || typed.get().trim() == name;
    view! {
        <section class="card danger" aria-labelledby="danger-heading">
            <h2 id="danger-heading">"Delete this business"</h2>
            <p>
                "This removes the business and everything synced for it. It cannot be undone. Type "
                <strong><bdi>{business.name.clone()}</bdi></strong> " to confirm."
            </p>
            <ActionForm action=delete attr:novalidate=true>
                <input type="hidden" name="id" value=business.id.to_string() />
                <Field
                    label="Business name"
                    name="confirm_name"
                    autocomplete="off"
                    server_error=field_error(move || value.get(), "confirm_name")
                    on_value=typed.write_only()
                />
                <FormError message=form_error(move || value.get()) />
                <button type="submit" class="button danger" disabled=move || !matches()>
                    "Delete business"
                </button>
            </ActionForm>
        </section>
    }
}
