//! The business list (with the create form) and a business's dashboard.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_navigate, use_params_map};
use uuid::Uuid;

use super::forms::{Field, FormError, field_error, form_error};
use super::{NotFound, ToastKind, Toasts};
use crate::api::businesses::{
    CreateBusiness, DeleteBusiness, RenameBusiness, SetBusinessTimezone, get_business,
    list_businesses, list_timezones,
};
use crate::api::sync::SetSchedule;
use crate::error::AppError;
use shared::domain::BusinessName;
use shared::dto::BusinessView;
use shared::format;
use shared::format::isolate;
use shared::zone::LocalZone;

/// Every time zone, as the `zones` datalist the time-zone fields search
/// (by name or city, in any letter case).
#[component]
fn ZoneList() -> impl IntoView {
    let zones = OnceResource::new(list_timezones());
    view! {
        <datalist id="zones">
            <Suspense>
                {move || Suspend::new(async move {
                    zones
                        .await
                        .unwrap_or_default()
                        .into_iter()
                        .map(|z| {
                            let city = z.replace('_', " ");
                            view! { <option value=z>{city}</option> }
                        })
                        .collect_view()
                })}
            </Suspense>
        </datalist>
    }
}

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
                                        suggest=browser_zone
                                        list="zones"
                                        hint="Times and schedules follow this zone. Type a city or region, e.g. Berlin."
                                        server_error=field_error(move || value.get(), "timezone")
                                    />
                                    <ZoneList />
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

/// The browser's time zone (`Intl`), in the browser only: most businesses
/// are where their owner is, and UTC is right for few of them.
fn browser_zone() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        let options =
            js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
                .resolved_options();
        js_sys::Reflect::get(&options, &"timeZone".into())
            .ok()
            .and_then(|z| z.as_string())
    }
    #[cfg(not(feature = "hydrate"))]
    None
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
    let timezone = ServerAction::<SetBusinessTimezone>::new();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|s| Uuid::parse_str(&s).ok())
    };
    let business = Resource::new(
        move || {
            (
                id(),
                rename.version().get(),
                schedule.version().get(),
                timezone.version().get(),
            )
        },
        |(id, _, _, _)| async move {
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
    let saved = schedule.value();
    Effect::new(move |_| {
        if let Some(Ok(s)) = saved.get() {
            toasts.push(
                ToastKind::Success,
                format!("Schedule saved: {}.", s.summary),
            );
        }
    });
    let moved = timezone.value();
    Effect::new(move |_| {
        if let Some(Ok(d)) = moved.get() {
            toasts.push(
                ToastKind::Success,
                shared::zone::moved_message(&d.business, &d.zone),
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
                    Ok(d) => {
                        view! {
                            <BusinessOverview
                                business=d.business
                                zone=d.zone
                                actions=Actions { rename, schedule, timezone }
                                connections
                            />
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// The settings' actions, made once with the page (see the rename toast).
#[derive(Clone, Copy)]
struct Actions {
    rename: ServerAction<RenameBusiness>,
    schedule: ServerAction<SetSchedule>,
    timezone: ServerAction<SetBusinessTimezone>,
}

#[component]
fn BusinessOverview(
    business: BusinessView,
    zone: LocalZone,
    actions: Actions,
    connections: super::connections::ConnectionsData,
) -> impl IntoView {
    // Every time below reads in the business's zone.
    let now = chrono::Utc::now();
    let zone_now = format!("{} ({})", business.timezone, zone.local(now).1);
    let since = zone.date(business.created_at);
    provide_context(zone);
    let can_manage = business.role.can_manage();
    let is_owner = business.role == shared::domain::Role::Owner;
    let (settings, danger) = (business.clone(), business.clone());
    let runs_ended = RwSignal::new(0u32);
    view! {
        <Title text=business.name.clone() />
        <header class="page-header">
            <h1><bdi>{business.name.clone()}</bdi></h1>
            <p class="meta">
                {zone_now} " · syncs "
                {format::schedule(
                    business.sync_interval_minutes,
                    business.sync_daily_at_minute,
                    business.sync_paused,
                )} " · since " {since}
            </p>
        </header>
        <super::sync_card::SyncStatusCard business_id=business.id can_manage runs_ended />
        <super::analytics::AnalyticsSection business_id=business.id runs_ended />
        <super::connections::ConnectionsSection business_id=business.id data=connections />
        <super::history::SyncHistory business_id=business.id runs_ended />
        {can_manage.then(|| view! { <Settings business=settings actions /> })}
        {is_owner.then(|| view! { <DangerZone business=danger /> })}
    }
}

/// Business settings: owners and admins only.
#[component]
fn Settings(business: BusinessView, actions: Actions) -> impl IntoView {
    let Actions {
        rename,
        schedule,
        timezone,
    } = actions;
    let rename_value = rename.value();
    let timezone_value = timezone.value();
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
            <ActionForm action=timezone attr:novalidate=true>
                <input type="hidden" name="id" value=business.id.to_string() />
                <Field
                    label="Time zone"
                    name="timezone"
                    value=business.timezone.clone()
                    list="zones"
                    autocomplete="off"
                    hint="Times on these pages and the schedule's local times follow it. Type a city or region to search."
                    server_error=field_error(move || timezone_value.get(), "timezone")
                />
                <ZoneList />
                <FormError message=form_error(move || timezone_value.get()) />
                <button type="submit" class="button">
                    "Change time zone"
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
