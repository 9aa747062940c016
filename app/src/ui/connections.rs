//! The Connections section of a business: a card per platform with
//! Connect / Reconnect / Disconnect, statuses in words, and recent events.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use super::{ToastKind, Toasts};
use crate::api::connections::{DisconnectPlatform, list_connections};
use crate::error::AppError;
use shared::activity;
use shared::domain::{OAuthOutcome, Platform};
use shared::dto::{AuditView, ConnectionView, ConnectionsOverview, PlatformCard};
use shared::format;
use shared::sync_status::relative;

/// The toast for an OAuth round trip's outcome (`?oauth=…&platform=…`).
pub fn outcome_message(outcome: &str, platform: &str) -> (ToastKind, String) {
    let label = Platform::parse(platform)
        .map(|p| p.label())
        .unwrap_or("the platform");
    match OAuthOutcome::parse(outcome) {
        Some(OAuthOutcome::Connected) => (ToastKind::Success, format!("Connected {label}.")),
        Some(OAuthOutcome::ConnectedShared) => (
            ToastKind::Success,
            format!("Connected {label}. It stays connected to the other business too."),
        ),
        Some(OAuthOutcome::NotLinked) => (
            ToastKind::Info,
            format!("{label} was not connected: it stays with the other business only."),
        ),
        Some(OAuthOutcome::Denied) => (
            ToastKind::Error,
            format!("{label}: the connection was declined."),
        ),
        _ => (
            ToastKind::Error,
            format!("Could not connect {label}. Try again."),
        ),
    }
}

/// The section's data. Made with the page, not inside its Suspense: a
/// resource created after an `.await` on the server can be numbered
/// differently there than in the browser, which then hydrates the wrong data.
#[derive(Clone, Copy)]
pub struct ConnectionsData {
    overview: Resource<Result<ConnectionsOverview, AppError>>,
    disconnect: ServerAction<DisconnectPlatform>,
}

impl ConnectionsData {
    pub fn new(business_id: impl Fn() -> Option<Uuid> + Send + Sync + 'static) -> Self {
        let disconnect = ServerAction::<DisconnectPlatform>::new();
        let overview = Resource::new(
            move || (business_id(), disconnect.version().get()),
            |(id, _)| async move {
                match id {
                    Some(id) => list_connections(id).await,
                    None => Err(AppError::NotFound),
                }
            },
        );
        Self {
            overview,
            disconnect,
        }
    }
}

#[component]
pub fn ConnectionsSection(business_id: Uuid, data: ConnectionsData) -> impl IntoView {
    let ConnectionsData {
        overview,
        disconnect,
    } = data;
    let toasts = Toasts::expect();
    let query = use_query_map();
    Effect::new(move |_| {
        let q = query.read();
        if let (Some(outcome), Some(platform)) = (q.get("oauth"), q.get("platform")) {
            let (kind, text) = outcome_message(&outcome, &platform);
            toasts.push(kind, text);
        }
    });
    Effect::new(move |_| match disconnect.value().get() {
        Some(Ok(names)) => toasts.push(ToastKind::Info, disconnected_message(&names)),
        Some(Err(e)) => toasts.push(ToastKind::Error, e.to_string()),
        None => {}
    });

    view! {
        <section class="card" aria-labelledby="connections-heading">
            <h2 id="connections-heading">"Connections"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                        Ok(o) => {
                            let none = o.cards.iter().all(|c| c.connections.is_empty());
                            let can_manage = o.can_manage;
                            view! {
                                <Show when=move || none>
                                    <p class="empty-note">
                                        <strong>"No accounts connected yet"</strong>
                                        ". Connect a platform and Pulseboard will sync its analytics on a schedule."
                                    </p>
                                </Show>
                                <div class="platform-grid">
                                    {o.cards
                                        .into_iter()
                                        .map(|card| view! { <PlatformCardView card business_id disconnect can_manage /> })
                                        .collect_view()}
                                </div>
                                <AuditList events=o.audit business_id can_manage />
                            }
                                .into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn PlatformCardView(
    card: PlatformCard,
    business_id: Uuid,
    disconnect: ServerAction<DisconnectPlatform>,
    /// Owners and admins see the actions; viewers read.
    can_manage: bool,
) -> impl IntoView {
    let platform = card.platform;
    let connect_href = format!(
        "/api/v1/oauth/{}/authorize?business_id={business_id}",
        platform.slug()
    );
    let confirming = RwSignal::new(false);
    let connected = !card.connections.is_empty();
    let card_sandbox = card.sandbox;
    let body = if !card.configured {
        view! { <p class="meta">"Not available on this server yet."</p> }.into_any()
    } else if !can_manage {
        view! {
            {card.connections.into_iter().map(|c| view! { <ConnectionLine c card_sandbox /> }).collect_view()}
            <p class="meta">
                {if connected { "" } else { "Not connected. " }}
                "Owners and admins of this business can connect and disconnect accounts."
            </p>
        }
        .into_any()
    } else if !connected {
        view! {
            <p>"Not connected."</p>
            <a class="button primary" href=connect_href rel="external">
                {format!("Connect {}", platform.label())}
            </a>
        }
        .into_any()
    } else {
        view! {
            {card.connections.into_iter().map(|c| view! { <ConnectionLine c card_sandbox /> }).collect_view()}
            <div class="actions">
                <a class="button" href=connect_href rel="external">
                    "Reconnect"
                </a>
                <Show
                    when=move || confirming.get()
                    fallback=move || {
                        view! {
                            <button type="button" class="button danger" on:click=move |_| confirming.set(true)>
                                "Disconnect"
                            </button>
                        }
                    }
                >
                    <ActionForm action=disconnect>
                        <input type="hidden" name="business_id" value=business_id.to_string() />
                        <input type="hidden" name="platform" value=platform.slug() />
                        <button type="submit" class="button danger">
                            "Confirm disconnect"
                        </button>
                    </ActionForm>
                    <button type="button" class="button" on:click=move |_| confirming.set(false)>
                        "Cancel"
                    </button>
                </Show>
            </div>
            {(platform == Platform::LinkedIn)
                .then(|| {
                    view! {
                        <p class="hint">
                            "LinkedIn offers no way to revoke access from here: after disconnecting, also remove Pulseboard under LinkedIn's Settings › Data privacy › Permitted services."
                        </p>
                    }
                })}
        }
        .into_any()
    };
    view! {
        <article class="platform-card" data-platform=platform.slug()>
            <header>
                <h3>{platform.label()}</h3>
                {card.sandbox.then(|| view! { <span class="badge">"Sandbox"</span> })}
            </header>
            {body}
        </article>
    }
}

#[component]
fn ConnectionLine(c: ConnectionView, card_sandbox: bool) -> impl IntoView {
    let zone = super::business_zone();
    let status = format::connection_status_in(&c, chrono::Utc::now(), |t| zone.time(t));
    view! {
        <div class="connection">
            <p class="account">
                <strong>{c.display_name.clone()}</strong>
                // The card's badge says "Sandbox" once; an account says it
                // only when it differs from its card.
                {(c.sandbox && !card_sandbox).then(|| view! { <span class="badge">"Sandbox"</span> })}
            </p>
            <p class="status" data-status=c.status.as_str()>
                {status}
            </p>
            <p class="meta">
                // Token upkeep, in words distinct from data syncs.
                {c.last_refreshed_at.map(|t| format!("Sign-in renewed {}", zone.datetime(t)))}
                {c.access_expires_at.map(|t| format!(" · Sign-in valid until {}", zone.datetime(t)))}
            </p>
        </div>
    }
}

#[component]
fn AuditList(events: Vec<AuditView>, business_id: Uuid, can_manage: bool) -> impl IntoView {
    let zone = super::business_zone();
    (!events.is_empty()).then(|| {
        view! {
            <h3>"Recent activity"</h3>
            <ul class="audit">
                {events
                    .into_iter()
                    .map(|e| {
                        let line = activity::line(&e);
                        let fix = line.fix.filter(|_| can_manage).map(|p| {
                            let href = format!(
                                "/api/v1/oauth/{}/authorize?business_id={business_id}",
                                p.slug()
                            );
                            view! {
                                " "
                                <a href=href rel="external">
                                    {format!("Reconnect {}", p.label())}
                                </a>
                            }
                        });
                        view! {
                            <li data-kind=e.kind.clone()>
                                <span class="icon" aria-hidden="true">{line.icon}</span>
                                <span>
                                    {line.text}
                                    {fix}
                                    " "
                                    <time class="meta" title=zone.datetime(e.at)>
                                        {relative(e.at, chrono::Utc::now())}
                                    </time>
                                </span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
    })
}

/// The toast after a disconnect, naming what was removed.
fn disconnected_message(names: &[String]) -> String {
    match names {
        [] => "Nothing was connected.".to_owned(),
        names => format!(
            "Disconnected {}.",
            names
                .iter()
                .map(|n| shared::format::isolate(n))
                .collect::<Vec<_>>()
                .join(" and ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_disconnect_names_the_accounts_removed() {
        assert_eq!(
            disconnected_message(&["@acme".into()]),
            "Disconnected \u{2068}@acme\u{2069}."
        );
        assert_eq!(
            disconnected_message(&["Acme".into(), "@acme.ig".into()]),
            "Disconnected \u{2068}Acme\u{2069} and \u{2068}@acme.ig\u{2069}."
        );
        assert_eq!(disconnected_message(&[]), "Nothing was connected.");
    }

    #[test]
    fn outcome_messages() {
        assert_eq!(
            outcome_message("connected", "x"),
            (ToastKind::Success, "Connected X.".into())
        );
        assert_eq!(outcome_message("denied", "x").0, ToastKind::Error);
        assert!(outcome_message("denied", "x").1.contains("declined"));
        assert!(outcome_message("failed", "nope").1.contains("the platform"));
    }
}
