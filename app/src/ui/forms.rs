//! Accessible form fields: a label, the input, and an inline error that comes
//! either from a client-side check on blur or from the server's answer.

use leptos::prelude::*;

use crate::error::AppError;

/// A client-side check: `None` when the value is acceptable.
pub type Check = fn(&str) -> Option<String>;

#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional, into)] value: Option<String>,
    #[prop(optional)] list: Option<&'static str>,
    /// The server's message for this field, if its last answer had one.
    #[prop(into)]
    server_error: Signal<Option<String>>,
    #[prop(optional)] check: Option<Check>,
    /// Updated on every keystroke, for controls that depend on this field.
    #[prop(optional)]
    on_value: Option<WriteSignal<String>>,
    /// A better first value known only in the browser (its time zone):
    /// put in once the field is live, unless someone has typed already.
    #[prop(optional)]
    suggest: Option<fn() -> Option<String>>,
) -> impl IntoView {
    let local_error = RwSignal::new(None::<String>);
    let input_ref = NodeRef::<leptos::html::Input>::new();
    if let Some(suggest) = suggest {
        let initial = value.clone().unwrap_or_default();
        // Runs again when the input is mounted (effects run in the browser only).
        Effect::new(move |_| {
            if let Some(input) = input_ref.get()
                && input.value() == initial
                && let Some(better) = suggest()
            {
                input.set_value(&better);
            }
        });
    }
    let error = move || local_error.get().or_else(|| server_error.get());
    let error_id = format!("{name}-error");
    let hint_id = format!("{name}-hint");
    let described_by = {
        let error_id = error_id.clone();
        let hint_id = hint_id.clone();
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if error().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:invalid=move || error().is_some()>
            <label for=name>{label}</label>
            <input
                node_ref=input_ref
                id=name
                name=name
                type=kind
                value=value
                list=list
                autocomplete=autocomplete
                aria-invalid=move || if error().is_some() { "true" } else { "false" }
                aria-describedby=described_by
                on:blur=move |ev| {
                    // Focus leaving for a button is the click that submits:
                    // the server answers for the field then.
                    if towards_button(&ev) {
                        return;
                    }
                    if let Some(check) = check {
                        local_error.set(check(&event_target_value(&ev)));
                    }
                }
                on:input=move |ev| {
                    local_error.set(None);
                    if let Some(sink) = on_value {
                        sink.set(event_target_value(&ev));
                    }
                }
            />
            {hint.map(|h| view! { <p class="hint" id=hint_id>{h}</p> })}
            <p class="error-text" id=error_id role="alert">
                {error}
            </p>
        </div>
    }
}

/// Whether a blur moves focus to a button (a press on Create account or
/// Rename): checking then would show an error above the button, move it
/// under the pointer and swallow the press.
fn towards_button(ev: &leptos::ev::FocusEvent) -> bool {
    use leptos::wasm_bindgen::JsCast;
    ev.related_target()
        .and_then(|t| t.dyn_into::<leptos::web_sys::Element>().ok())
        .is_some_and(|e| e.tag_name().eq_ignore_ascii_case("button"))
}

/// The server's message for `field` from an action's last result.
pub fn field_error<T: Send + Sync + 'static>(
    value: impl Fn() -> Option<Result<T, AppError>> + Send + Sync + 'static,
    field: &'static str,
) -> Signal<Option<String>> {
    Signal::derive(move || {
        value()
            .and_then(|r| r.err())
            .and_then(|e| e.field_message(field))
    })
}

/// A form-level message: any error that is not about a single field.
pub fn form_error<T: Send + Sync + 'static>(
    value: impl Fn() -> Option<Result<T, AppError>> + Send + Sync + 'static,
) -> Signal<Option<String>> {
    Signal::derive(move || match value() {
        Some(Err(AppError::Invalid { .. })) | Some(Ok(_)) | None => None,
        Some(Err(e)) => Some(e.to_string()),
    })
}

#[component]
pub fn FormError(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || message.get().is_some()>
            <p class="form-error" role="alert">
                {move || message.get()}
            </p>
        </Show>
    }
}
