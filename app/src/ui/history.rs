//! The business's sync history: a table of runs, newest first, a page at a
//! time ("Show older runs" follows the keyset cursor), filtered by
//! platform, status and trigger; each row opens to its accounts' records,
//! calls and messages.

use leptos::prelude::*;
use uuid::Uuid;

use crate::api::sync::sync_history;
use shared::domain::{Platform, SyncStatus, SyncTrigger};
use shared::dto::{HistoryRun, ItemView};
use shared::sync_status::took;

/// The filters, as the selects hold them ("" is any).
#[derive(Clone, Default, PartialEq)]
struct Filters {
    platform: String,
    status: String,
    trigger: String,
}

fn opt(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

#[component]
pub fn SyncHistory(
    business_id: Uuid,
    /// Counts the runs that ended while the page was open: each one reloads
    /// the first page.
    runs_ended: RwSignal<u32>,
) -> impl IntoView {
    let filters = RwSignal::new(Filters::default());
    let first = Resource::new(
        move || (filters.get(), runs_ended.get()),
        move |(f, _)| {
            sync_history(
                business_id,
                opt(&f.platform),
                opt(&f.status),
                opt(&f.trigger),
                None,
            )
        },
    );
    // Older pages, loaded on request after the first; emptied when the
    // filters change.
    let older = RwSignal::new(Vec::<HistoryRun>::new());
    let older_next = RwSignal::new(None::<Option<String>>);
    let load = Action::new(move |cursor: &String| {
        let (f, cursor) = (filters.get_untracked(), cursor.clone());
        async move {
            sync_history(
                business_id,
                opt(&f.platform),
                opt(&f.status),
                opt(&f.trigger),
                Some(cursor),
            )
            .await
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(p)) = load.value().get() {
            older.update(|o| o.extend(p.runs));
            older_next.set(Some(p.next));
        }
    });
    let select = |label: &'static str,
                  id: &'static str,
                  options: Vec<(&'static str, &'static str)>,
                  set: fn(&mut Filters, String)| {
        view! {
            <label for=id>{label}</label>
            <select
                id=id
                on:change=move |ev| {
                    let v = event_target_value(&ev);
                    older.set(Vec::new());
                    older_next.set(None);
                    filters.update(|f| set(f, v));
                }
            >
                <option value="">"any"</option>
                {options
                    .into_iter()
                    .map(|(value, text)| view! { <option value=value>{text}</option> })
                    .collect_view()}
            </select>
        }
    };
    view! {
        <section class="card history" aria-labelledby="history-heading">
            <h2 id="history-heading">"Sync history"</h2>
            <div class="filters">
                {select(
                    "Platform",
                    "history-platform",
                    Platform::ALL.into_iter().map(|p| (p.slug(), p.label())).collect(),
                    |f, v| f.platform = v,
                )}
                {select(
                    "Status",
                    "history-status",
                    SyncStatus::ALL.into_iter().map(|s| (s.as_str(), s.as_str())).collect(),
                    |f, v| f.status = v,
                )}
                {select(
                    "Trigger",
                    "history-trigger",
                    SyncTrigger::ALL.into_iter().map(|t| (t.as_str(), t.as_str())).collect(),
                    |f, v| f.trigger = v,
                )}
            </div>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let page = match first.await {
                        Ok(p) => p,
                        Err(e) => {
                            return view! { <p class="form-error">{e.to_string()}</p> }.into_any();
                        }
                    };
                    if page.runs.is_empty() {
                        return view! { <p class="empty">"No syncs match."</p> }.into_any();
                    }
                    let first_next = page.next.clone();
                    let next = move || older_next.get().unwrap_or_else(|| first_next.clone());
                    let rows = page
                        .runs
                        .into_iter()
                        .map(|r| view! { <RunRows run=r /> })
                        .collect_view()
                        .into_any();
                    view! {
                        <div class="table-scroll" tabindex="0" role="region" aria-label="Sync runs">
                            <table class="runs">
                                <thead>
                                    <tr>
                                        <th scope="col">"Started"</th>
                                        <th scope="col">"Trigger"</th>
                                        <th scope="col">"Took"</th>
                                        <th scope="col">"Status"</th>
                                        <th scope="col">"Accounts"</th>
                                    </tr>
                                </thead>
                                {rows}
                                <For each=move || older.get() key=|r| r.run.id let:r>
                                    <RunRows run=r />
                                </For>
                            </table>
                        </div>
                        {
                            let next_for_click = next.clone();
                            view! {
                                <Show when=move || next().is_some()>
                                    <button
                                        type="button"
                                        class="button"
                                        disabled=move || load.pending().get()
                                        on:click={
                                            let next_for_click = next_for_click.clone();
                                            move |_| {
                                                if let Some(c) = next_for_click() {
                                                    load.dispatch(c);
                                                }
                                            }
                                        }
                                    >
                                        "Show older runs"
                                    </button>
                                </Show>
                            }
                        }
                    }
                        .into_any()
                })}
            </Transition>
        </section>
    }
}

fn badge(item: &ItemView) -> impl IntoView + use<> {
    let class = format!("badge status-{}", item.status);
    view! { <span class=class title=item.display_name.clone()>{format!("{} {}", item.kind, item.status)}</span> }
}

#[component]
fn RunRows(run: HistoryRun) -> AnyView {
    let open = RwSignal::new(false);
    let r = run.run;
    let items = run.items;
    let started = r.started_at.unwrap_or(r.created_at);
    let badges = items.iter().map(badge).collect_view();
    let details = items
        .iter()
        .map(|i| {
            view! {
                <li>
                    <strong>{i.display_name.clone()}</strong>
                    {format!(
                        " ({}): {} — {} records, {} calls, {}",
                        i.kind,
                        i.status,
                        i.records,
                        i.calls,
                        took(i.started_at, i.finished_at),
                    )}
                    {i.error_message.clone().map(|m| view! { <p class="item-error">{m}</p> })}
                </li>
            }
        })
        .collect_view();
    view! {
        <tbody>
            <tr class=format!("run status-{}", r.status)>
                <td>
                    <button
                        type="button"
                        class="link"
                        aria-expanded=move || open.get().to_string()
                        on:click=move |_| open.update(|o| *o = !*o)
                    >
                        {super::business_zone().datetime(started)}
                    </button>
                </td>
                <td>{r.trigger.clone()}</td>
                <td>{took(r.started_at, r.finished_at)}</td>
                <td>{r.status.clone()}</td>
                <td>{badges}</td>
            </tr>
            <tr class="run-details" hidden=move || !open.get()>
                <td colspan="5">
                    <ul>{details}</ul>
                    {r.error_summary.clone().map(|m| view! { <p class="item-error">{m}</p> })}
                </td>
            </tr>
        </tbody>
    }
    .into_any()
}
