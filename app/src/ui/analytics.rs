//! The dashboard's analytics: KPI tiles with their change against the
//! period before, followers over time per account, engagements per
//! platform, the top posts, and a CSV export of the numbers shown. Charts
//! are hand-drawn SVG scaled by `shared::insights`.

use chrono::NaiveDate;
use leptos::prelude::*;
use uuid::Uuid;

use crate::api::analytics::{RANGES, load_analytics};
use shared::domain::{AccountKind, Metric};
use shared::dto::{AnalyticsOverview, SeriesView};
use shared::insights::{
    change_text, engagement_score, engagements_by_kind, kpi_value, kpis, nice_ceiling, plot_for,
    thousands,
};

const W: f64 = 600.0;
const H: f64 = 160.0;

/// The days the section shows: the last N days, or dates the user picked.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Period {
    Last(i64),
    Dates(NaiveDate, NaiveDate),
}

#[component]
pub fn AnalyticsSection(business_id: Uuid, runs_ended: RwSignal<u32>) -> impl IntoView {
    let period = RwSignal::new(Period::Last(30));
    let custom = RwSignal::new(false);
    let weekly = RwSignal::new(false);
    let data = Resource::new(
        move || (period.get(), weekly.get(), runs_ended.get()),
        move |(p, w, _)| {
            let granularity = Some(if w { "week" } else { "day" }.to_owned());
            match p {
                Period::Last(d) => load_analytics(business_id, Some(d), None, None, granularity),
                Period::Dates(from, to) => {
                    load_analytics(business_id, None, Some(from), Some(to), granularity)
                }
            }
        },
    );
    // The date inputs start at the range shown; a change applies once both
    // ends are valid dates.
    let from_input = RwSignal::new(String::new());
    let to_input = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(Ok(o)) = data.get() {
            from_input.set(o.current.from.to_string());
            to_input.set(o.current.to.to_string());
        }
    });
    let apply_dates = move || {
        let parse = |s: String| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok();
        if let (Some(from), Some(to)) = (parse(from_input.get()), parse(to_input.get())) {
            period.set(Period::Dates(from, to));
        }
    };
    view! {
        <section class="card analytics" aria-labelledby="analytics-heading">
            <h2 id="analytics-heading">"Analytics"</h2>
            <div class="filters">
                <label for="analytics-range">"Range"</label>
                <select
                    id="analytics-range"
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        if value == "dates" {
                            custom.set(true);
                        } else if let Ok(d) = value.parse() {
                            custom.set(false);
                            period.set(Period::Last(d));
                        }
                    }
                >
                    {RANGES
                        .iter()
                        .map(|d| {
                            view! {
                                <option value=d.to_string() selected=*d == 30>
                                    {format!("last {d} days")}
                                </option>
                            }
                        })
                        .collect_view()}
                    <option value="dates">"dates…"</option>
                </select>
                <Show when=move || custom.get()>
                    <label for="analytics-from">"From"</label>
                    <input
                        id="analytics-from"
                        type="date"
                        prop:value=move || from_input.get()
                        on:change=move |ev| {
                            from_input.set(event_target_value(&ev));
                            apply_dates();
                        }
                    />
                    <label for="analytics-to">"To"</label>
                    <input
                        id="analytics-to"
                        type="date"
                        prop:value=move || to_input.get()
                        on:change=move |ev| {
                            to_input.set(event_target_value(&ev));
                            apply_dates();
                        }
                    />
                </Show>
                <label for="analytics-granularity">"By"</label>
                <select
                    id="analytics-granularity"
                    on:change=move |ev| weekly.set(event_target_value(&ev) == "week")
                >
                    <option value="day">"day"</option>
                    <option value="week">"week"</option>
                </select>
            </div>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(o) => overview(business_id, o),
                        Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

fn overview(business_id: Uuid, o: AnalyticsOverview) -> AnyView {
    if !o.connected {
        return view! {
            <p class="empty">"Connect an account below to see its followers, views and engagement here."</p>
        }
        .into_any();
    }
    if o.current.series.is_empty() {
        return view! {
            <p class="empty">
                "No numbers yet: the first sync is on its way — or press Sync now."
            </p>
        }
        .into_any();
    }
    let tiles = kpis(&o.current, &o.previous)
        .into_iter()
        .map(|k| {
            let up = k.change.is_some_and(|c| c >= 0.0);
            view! {
                <li class="kpi">
                    <span class="label">{k.label}</span>
                    <strong class="value">{kpi_value(&k)}</strong>
                    <span class=if up { "change up" } else { "change down" }>
                        {change_text(k.change)}
                    </span>
                </li>
            }
        })
        .collect_view();
    let csv = format!(
        "/api/v1/analytics/metrics/{business_id}?from={}&to={}&granularity={}&format=csv",
        o.current.from, o.current.to, o.current.granularity
    );
    view! {
        <ul class="kpis" aria-label="Key figures against the period before">{tiles}</ul>
        {followers_chart(&o)}
        {engagement_bars(&o)}
        {top_posts(&o)}
        <p>
            <a href=csv download="pulseboard-metrics.csv">"Export these metrics (CSV)"</a>
        </p>
    }
    .into_any()
}

fn followers_chart(o: &AnalyticsOverview) -> AnyView {
    let series: Vec<&SeriesView> = o
        .current
        .series
        .iter()
        .filter(|s| s.metric == Metric::Followers.as_str() && !s.points.is_empty())
        .collect();
    if series.is_empty() {
        return view! { <p class="empty">"No follower numbers in this range yet."</p> }.into_any();
    }
    let plot = plot_for(&series, o.current.from, o.current.to, W, H);
    let lines = series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            view! { <polyline class=format!("line line-{}", i % 6) points=plot.polyline(s) fill="none" /> }
        })
        .collect_view();
    let legend = series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let last = s.points.last().map_or(0.0, |p| p.value);
            view! {
                <li class=format!("line-{}", i % 6)>
                    {format!("{} ({}): {}", s.display_name, s.kind, thousands(last.round() as i64))}
                </li>
            }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <figcaption>{format!("Followers, up to {}", thousands(plot.max as i64))}</figcaption>
            <svg viewBox=format!("0 0 {W} {H}") role="img" aria-label="Followers over time per account">
                <line class="axis" x1="0" y1=H.to_string() x2=W.to_string() y2=H.to_string() />
                {lines}
            </svg>
            <ul class="legend">{legend}</ul>
        </figure>
    }
    .into_any()
}

fn engagement_bars(o: &AnalyticsOverview) -> AnyView {
    let bars = engagements_by_kind(&o.current);
    if bars.is_empty() {
        return ().into_any();
    }
    let max = nice_ceiling(bars.iter().map(|(_, v)| *v).fold(0.0, f64::max));
    let rows = bars
        .into_iter()
        .map(|(kind, v)| {
            // An SVG rect, not an inline style: the page's CSP refuses those.
            let width = format!("{:.1}", v / max * 100.0);
            view! {
                <li>
                    <span class="label">{kind}</span>
                    <svg class="bar" viewBox="0 0 100 1" preserveAspectRatio="none" aria-hidden="true">
                        <rect width=width height="1" rx="0.5"></rect>
                    </svg>
                    <span class="value">{thousands(v.round() as i64)}</span>
                </li>
            }
        })
        .collect_view();
    // X reports engagement per post only (no daily account series).
    let x = AccountKind::X.as_str();
    let has_x = o.current.series.iter().any(|s| s.kind == x);
    let x_note = (has_x
        && !o
            .current
            .series
            .iter()
            .any(|s| s.kind == x && s.metric == Metric::Engagements.as_str()))
    .then(
        || view! { <p class="note">"X reports engagement per post only: see its posts below."</p> },
    );
    view! {
        <figure class="bars">
            <figcaption>"Engagements per platform"</figcaption>
            <ul>{rows}</ul>
            {x_note}
        </figure>
    }
    .into_any()
}

fn top_posts(o: &AnalyticsOverview) -> AnyView {
    if o.posts.posts.is_empty() {
        return view! { <p class="empty">"No posts published in this range."</p> }.into_any();
    }
    let rows = o
        .posts
        .posts
        .iter()
        .map(|p| {
            let metric = |m: Metric| {
                p.metrics
                    .get(m.as_str())
                    .map_or("—".to_owned(), |v| thousands(v.round() as i64))
            };
            let engagements = thousands(engagement_score(&p.metrics).round() as i64);
            view! {
                <tr>
                    <td>{super::business_zone().date(p.published_at)}</td>
                    <td>{p.kind.clone()}</td>
                    <td class="excerpt">{p.excerpt.clone()}</td>
                    <td>{metric(Metric::Views)}</td>
                    <td>{engagements}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        // Focusable: a keyboard user can scroll it on a narrow screen.
        <div class="table-scroll" tabindex="0" role="region" aria-label="Top posts">
            <table class="top-posts">
                <caption>"Top posts"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Published"</th>
                        <th scope="col">"Platform"</th>
                        <th scope="col">"Post"</th>
                        <th scope="col">"Views"</th>
                        <th scope="col">"Engagements"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
