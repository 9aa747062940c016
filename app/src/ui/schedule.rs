//! The sync schedule in business settings: how often (every 1–12 hours or
//! daily at a local time), paused or not, and when the next sync is.

use leptos::prelude::*;

use super::forms::{FormError, form_error};
use crate::api::sync::SetSchedule;
use crate::error::AppError;
use shared::dto::BusinessView;
use shared::format;

/// The cadences offered, in minutes; `daily` is the other choice.
const INTERVALS: [i32; 8] = [60, 120, 180, 240, 360, 480, 720, 1440];

#[component]
pub fn ScheduleSettings(
    business: BusinessView,
    action: ServerAction<SetSchedule>,
) -> impl IntoView {
    // Its toast is the business page's: this form is made again when the
    // saved schedule reloads the business.
    let value = action.value();
    // A choice the server refused, whichever field it names.
    let invalid = Signal::derive(move || match value.get() {
        Some(Err(e @ AppError::Invalid { .. })) => Some(e.to_string()),
        _ => None,
    });
    let daily = RwSignal::new(business.sync_daily_at_minute.is_some());
    let daily_at = business
        .sync_daily_at_minute
        .map(format::clock)
        .unwrap_or_else(|| "07:00".to_owned());
    let current = business.sync_interval_minutes;
    let next = business
        .next_sync_at
        .map(|t| format!("Next sync: {}.", super::business_zone().datetime(t)))
        .unwrap_or_else(|| "No sync planned yet: the first is planned within a minute of an account being connected.".to_owned());
    view! {
        <ActionForm action=action attr:novalidate=true attr:class="schedule-form">
            <h3 id="schedule-heading">"Sync schedule"</h3>
            <input type="hidden" name="business_id" value=business.id.to_string() />
            <div class="field">
                <label for="cadence">"Sync"</label>
                <select
                    id="cadence"
                    name="cadence"
                    on:change=move |ev| daily.set(event_target_value(&ev) == "daily")
                >
                    {INTERVALS
                        .iter()
                        .map(|m| {
                            let selected = !daily.get_untracked() && *m == current;
                            view! {
                                <option value=m.to_string() selected=selected>
                                    {format::interval(*m)}
                                </option>
                            }
                        })
                        .collect_view()}
                    <option value="daily" selected=daily.get_untracked()>
                        "daily at a set time"
                    </option>
                </select>
            </div>
            <Show when=move || daily.get()>
                <div class="field">
                    <label for="daily_at">"At (" {business.timezone.clone()} ")"</label>
                    <input id="daily_at" name="daily_at" type="time" value=daily_at.clone() />
                </div>
            </Show>
            <div class="field checkbox">
                <input
                    id="paused"
                    name="paused"
                    type="checkbox"
                    value="true"
                    checked=business.sync_paused
                />
                <label for="paused">"Pause scheduled syncs (Sync now still works)"</label>
            </div>
            <p class="meta">{next}</p>
            <FormError message=form_error(move || value.get()) />
            <FormError message=invalid />
            <button type="submit" class="button">
                "Save schedule"
            </button>
        </ActionForm>
    }
}
