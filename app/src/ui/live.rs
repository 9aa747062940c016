//! The dashboard's live link to the sync (browser only): the WebSocket feed
//! of the business's run events, and — whenever the socket is down —
//! polling of the status every 30 seconds, while the socket is retried
//! with backoff (1 s doubling to 30 s). Either way the card's status signal
//! is kept current; `on_end` hears each run that ends.

use std::cell::Cell;
use std::rc::Rc;

use gloo_timers::callback::{Interval, Timeout};
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{MessageEvent, WebSocket};

use crate::api::sync::sync_status;
use shared::dto::{LiveMessage, RunView, SyncStatusView};
use shared::sync_status::apply;

/// How often the status is polled while the socket is down.
const POLL_MS: u32 = 30_000;
const MAX_BACKOFF_MS: u32 = 30_000;

/// The feed's address on this page's own origin.
fn feed_url(business_id: Uuid) -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    Some(format!(
        "{scheme}://{}/api/v1/analytics/sync-events/{business_id}",
        location.host().ok()?
    ))
}

/// Reads the whole status again (counts and all) into `status`.
fn refresh(business_id: Uuid, status: RwSignal<SyncStatusView>) {
    spawn_local(async move {
        if let Ok(s) = sync_status(business_id).await {
            status.set(s);
        }
    });
}

/// Follows the business's sync until the page goes away.
pub fn follow(
    business_id: Uuid,
    status: RwSignal<SyncStatusView>,
    on_end: impl Fn(RunView) + 'static,
) {
    let on_end: Rc<dyn Fn(RunView)> = Rc::new(on_end);
    let backoff = Rc::new(Cell::new(1_000u32));
    connect(business_id, status, on_end, backoff);
}

fn connect(
    business_id: Uuid,
    status: RwSignal<SyncStatusView>,
    on_end: Rc<dyn Fn(RunView)>,
    backoff: Rc<Cell<u32>>,
) {
    let Some(url) = feed_url(business_id) else {
        return;
    };
    // Polls until the socket opens; stopped by `onopen`, restarted on close.
    let poll = Rc::new(Cell::new(None::<Interval>));
    let start_polling = {
        let poll = poll.clone();
        move || {
            refresh(business_id, status);
            poll.set(Some(Interval::new(POLL_MS, move || {
                refresh(business_id, status)
            })));
        }
    };
    let Ok(socket) = WebSocket::new(&url) else {
        start_polling();
        return;
    };

    let onopen = {
        let (poll, backoff) = (poll.clone(), backoff.clone());
        Closure::<dyn FnMut()>::new(move || {
            poll.set(None);
            backoff.set(1_000);
        })
    };
    socket.set_onopen(Some(onopen.as_ref().unchecked_ref()));
    onopen.forget();

    let onmessage = {
        let on_end = on_end.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let Some(text) = e.data().as_string() else {
                return;
            };
            match serde_json::from_str::<LiveMessage>(&text) {
                Ok(LiveMessage::Status(s)) => status.set(*s),
                Ok(LiveMessage::Run(event)) => {
                    let mut ended = false;
                    status.update(|s| ended = apply(s, &event));
                    if ended {
                        on_end(event.run);
                        refresh(business_id, status);
                    }
                }
                Ok(LiveMessage::Resync) => refresh(business_id, status),
                Err(_) => {}
            }
        })
    };
    socket.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();

    let onclose = {
        let (poll, backoff) = (poll.clone(), backoff.clone());
        Closure::<dyn FnMut()>::new(move || {
            // Poll meanwhile, and try the socket again later.
            refresh(business_id, status);
            let poll_again = poll.clone();
            poll.set(Some(Interval::new(POLL_MS, move || {
                refresh(business_id, status)
            })));
            let wait = backoff.get();
            backoff.set((wait * 2).min(MAX_BACKOFF_MS));
            let (on_end, backoff) = (on_end.clone(), backoff.clone());
            Timeout::new(wait, move || {
                poll_again.set(None);
                connect(business_id, status, on_end, backoff);
            })
            .forget();
        })
    };
    socket.set_onclose(Some(onclose.as_ref().unchecked_ref()));
    onclose.forget();
}
