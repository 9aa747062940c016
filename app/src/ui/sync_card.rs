//! The business dashboard's sync status card: what is syncing or how the
//! last sync went (in words and colour), when, what comes next, the
//! accounts synced and failed by kind, and "Sync now" for owners and
//! admins. Server-rendered with the real status; once hydrated it follows
//! the live feed (or polls) and toasts each run's end.

use leptos::prelude::*;
use uuid::Uuid;

use super::{ToastKind, Toasts};
use crate::api::sync::{SyncNow, sync_status};
use crate::error::AppError;
use shared::dto::{FailedAccount, KindCounts, SyncStatusView};
use shared::sync_status::{Remedy, headline, relative, remedy, remedy_text};

#[component]
pub fn SyncStatusCard(
    business_id: Uuid,
    can_manage: bool,
    /// Incremented each time a run ends (the history reloads on it).
    runs_ended: RwSignal<u32>,
) -> impl IntoView {
    let initial = Resource::new(|| (), move |_| sync_status(business_id));
    view! {
        <section class="card sync-card" aria-labelledby="sync-heading">
            <h2 id="sync-heading">"Sync status"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match initial.await {
                        Ok(s) => {
                            view! { <Card initial=s business_id can_manage runs_ended /> }
                                .into_any()
                        }
                        Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

fn counts_row(label: &'static str, counts: Vec<KindCounts>) -> impl IntoView {
    view! {
        <tr>
            <th scope="row">{label}</th>
            <td>
                {if counts.is_empty() {
                    "—".to_owned()
                } else {
                    counts
                        .iter()
                        .map(|c| format!("{}: {} synced, {} failed", c.kind, c.succeeded, c.failed))
                        .collect::<Vec<_>>()
                        .join(" · ")
                }}
            </td>
        </tr>
    }
}

/// One failed account of the last run: why, and its fix (a Reconnect
/// link, the time syncing resumes, or Retry).
fn fix_item(
    f: FailedAccount,
    business_id: Uuid,
    can_manage: bool,
    sync: ServerAction<SyncNow>,
) -> impl IntoView {
    let zone = super::business_zone();
    let text = remedy_text(&f, |t| zone.datetime(t));
    let action = match (remedy(&f), can_manage) {
        (Remedy::Reconnect(p), true) => {
            let href = format!(
                "/api/v1/oauth/{}/authorize?business_id={business_id}",
                p.slug()
            );
            view! {
                <a class="button" href=href rel="external">
                    {format!("Reconnect {}", p.label())}
                </a>
            }
            .into_any()
        }
        (Remedy::Retry, true) => view! {
            <button
                type="button"
                class="button"
                disabled=move || sync.pending().get()
                on:click=move |_| {
                    sync.dispatch(SyncNow { business_id });
                }
            >
                "Retry"
            </button>
        }
        .into_any(),
        _ => ().into_any(),
    };
    view! {
        <li>
            <span>{text}</span>
            " "
            {action}
        </li>
    }
}

#[component]
fn Card(
    initial: SyncStatusView,
    business_id: Uuid,
    can_manage: bool,
    runs_ended: RwSignal<u32>,
) -> impl IntoView {
    let status = RwSignal::new(initial);
    let toasts = Toasts::expect();
    let sync = ServerAction::<SyncNow>::new();
    let sync_value = sync.value();

    #[cfg(not(feature = "hydrate"))]
    let _ = runs_ended;
    #[cfg(feature = "hydrate")]
    {
        super::live::follow(business_id, status, move |run| {
            let (tone, text) = shared::sync_status::ended(&run);
            let kind = match tone {
                shared::sync_status::Tone::Good => ToastKind::Success,
                shared::sync_status::Tone::Bad => ToastKind::Error,
                _ => ToastKind::Info,
            };
            toasts.push(kind, text);
            runs_ended.update(|n| *n += 1);
        });
    }
    Effect::new(move |_| match sync_value.get() {
        Some(Ok(v)) if !v.created => {
            toasts.push(ToastKind::Info, "A sync is already running: following it.");
        }
        Some(Err(AppError::RateLimited { retry_after_secs })) => toasts.push(
            ToastKind::Info,
            format!("A sync just ran. You can sync again in {retry_after_secs} seconds."),
        ),
        Some(Err(e)) => toasts.push(ToastKind::Error, e.to_string()),
        _ => {}
    });

    let busy = move || status.with(|s| s.in_flight.is_some()) || sync.pending().get();
    let line = move || status.with(headline);
    // Set once hydrated (effects run only in the browser): the card is live.
    let live = RwSignal::new(false);
    Effect::new(move |_| live.set(true));
    let zone = StoredValue::new(super::business_zone());
    let when = move |at: Option<chrono::DateTime<chrono::Utc>>| {
        at.map(|t| {
            (
                relative(t, chrono::Utc::now()),
                zone.with_value(|z| z.datetime(t)),
            )
        })
    };
    view! {
        <p
            class=move || format!("headline {}", line().1.class())
            aria-live="polite"
            data-live=move || live.get().to_string()
        >
            {move || line().0}
        </p>
        <Show when=move || status.with(|s| s.in_flight.as_ref().is_some_and(|r| r.progress_total > 0))>
            <progress
                max=move || status.with(|s| s.in_flight.as_ref().map_or(1, |r| r.progress_total))
                value=move || status.with(|s| s.in_flight.as_ref().map_or(0, |r| r.progress_done))
                aria-label="Accounts synced"
            ></progress>
        </Show>
        <dl class="facts">
            <dt>"Last sync"</dt>
            <dd>
                {move || match when(status.with(|s| s.last_run.as_ref().and_then(|r| r.finished_at))) {
                    Some((rel, exact)) => view! { <time title=exact>{rel}</time> }.into_any(),
                    None => view! { <span>"never"</span> }.into_any(),
                }}
            </dd>
            <dt>"Last success"</dt>
            <dd>
                {move || match when(status.with(|s| s.last_success_at)) {
                    Some((rel, exact)) => view! { <time title=exact>{rel}</time> }.into_any(),
                    None => view! { <span>"never"</span> }.into_any(),
                }}
            </dd>
            <dt>"Next scheduled sync"</dt>
            <dd>
                {move || {
                    if status.with(|s| s.paused) {
                        return view! { <span>"paused"</span> }.into_any();
                    }
                    match when(status.with(|s| s.next_sync_at)) {
                        Some((rel, exact)) => view! { <time title=exact>{rel}</time> }.into_any(),
                        None => view! { <span>"once an account is connected"</span> }.into_any(),
                    }
                }}
            </dd>
        </dl>
        <table class="sync-counts">
            <tbody>
                {move || counts_row("Last run", status.with(|s| s.last_run_counts.clone()))}
                {move || counts_row("Last 7 days", status.with(|s| s.week_counts.clone()))}
            </tbody>
        </table>
        <Show when=move || {
            status.with(|s| s.in_flight.is_none() && !s.last_run_failures.is_empty())
        }>
            <ul class="fixes" aria-label="What to do">
                {move || {
                    status
                        .with(|s| s.last_run_failures.clone())
                        .into_iter()
                        .map(|f| fix_item(f, business_id, can_manage, sync))
                        .collect_view()
                }}
            </ul>
        </Show>
        {can_manage
            .then(|| {
                view! {
                    <button
                        type="button"
                        class="button"
                        disabled=busy
                        aria-busy=move || busy().to_string()
                        on:click=move |_| {
                            sync.dispatch(SyncNow { business_id });
                        }
                    >
                        {move || if busy() { "Syncing…" } else { "Sync now" }}
                    </button>
                }
            })}
    }
}
