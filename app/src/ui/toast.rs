//! Short-lived notifications in a polite live region.

use std::time::Duration;

use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToastKind {
    Success,
    Error,
    Info,
}

impl ToastKind {
    fn class(self) -> &'static str {
        match self {
            ToastKind::Success => "toast success",
            ToastKind::Error => "toast error",
            ToastKind::Info => "toast info",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Toast {
    id: u64,
    kind: ToastKind,
    text: String,
}

#[derive(Clone, Copy)]
pub struct Toasts {
    items: RwSignal<Vec<Toast>>,
    next: StoredValue<u64>,
}

impl Toasts {
    pub fn provide() {
        provide_context(Toasts {
            items: RwSignal::new(Vec::new()),
            next: StoredValue::new(0),
        });
    }

    pub fn expect() -> Self {
        expect_context::<Toasts>()
    }

    pub fn push(&self, kind: ToastKind, text: impl Into<String>) {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        self.items.update(|t| {
            t.push(Toast {
                id,
                kind,
                text: text.into(),
            })
        });
        let items = self.items;
        set_timeout(
            move || items.update(|t| t.retain(|x| x.id != id)),
            Duration::from_secs(6),
        );
    }

    fn dismiss(&self, id: u64) {
        self.items.update(|t| t.retain(|x| x.id != id));
    }
}

#[component]
pub fn ToastArea() -> impl IntoView {
    let toasts = Toasts::expect();
    view! {
        <div class="toasts" role="status" aria-live="polite">
            <For each=move || toasts.items.get() key=|t| t.id let:toast>
                <div class=toast.kind.class()>
                    <span>{toast.text.clone()}</span>
                    <button
                        type="button"
                        class="toast-close"
                        aria-label="Dismiss"
                        on:click=move |_| toasts.dismiss(toast.id)
                    >
                        "×"
                    </button>
                </div>
            </For>
        </div>
    }
}
