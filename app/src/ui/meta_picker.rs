//! Choosing which Facebook Page (and its Instagram account) to connect,
//! when the person manages several.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};
use uuid::Uuid;

use super::NotFound;
use crate::api::connections::{ChooseMetaPage, meta_page_choices};
use crate::error::AppError;

#[component]
pub fn MetaPagePicker() -> impl IntoView {
    let params = use_params_map();
    let pending = move || {
        params
            .read()
            .get("pending")
            .and_then(|s| Uuid::parse_str(&s).ok())
    };
    let business = move || params.read().get("id").unwrap_or_default();
    let choices = Resource::new(pending, |pending| async move {
        match pending {
            Some(id) => meta_page_choices(id).await,
            None => Err(AppError::NotFound),
        }
    });
    let choose = ServerAction::<ChooseMetaPage>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(business)) = choose.value().get() {
            navigate(
                &format!("/businesses/{business}?oauth=connected&platform=meta"),
                Default::default(),
            );
        }
    });
    view! {
        <Title text="Choose a Facebook Page" />
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || {
                // Read here, where the route parameters are tracked, not
                // inside the async block (outside any reactive context).
                let pending_id = pending().map(|p| p.to_string());
                Suspend::new(async move {
                match choices.await {
                    Err(AppError::NotFound) => view! {
                        <NotFound />
                        <p class="hint">"A Page choice lasts 15 minutes: connect Facebook & Instagram again from the business."</p>
                    }
                    .into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(pages) => view! {
                        <section class="card narrow">
                            <h1>"Choose a Facebook Page"</h1>
                            <p>"You manage several Pages. Pulseboard connects one per business, with its Instagram account when it has one."</p>
                            <ActionForm action=choose>
                                <input type="hidden" name="pending_id" value=pending_id />
                                <fieldset class="choices">
                                    <legend>"Pages"</legend>
                                    {pages
                                        .into_iter()
                                        .enumerate()
                                        .map(|(i, p)| {
                                            let id = format!("page-{}", p.id);
                                            view! {
                                                <div class="choice">
                                                    <input type="radio" name="page_id" id=id.clone() value=p.id checked=i == 0 />
                                                    <label for=id>
                                                        <strong>{p.name}</strong>
                                                        {p.instagram.map(|ig| view! { <span class="meta">" · Instagram @"{ig}</span> })}
                                                        {p.linked_elsewhere.then(|| view! {
                                                            <span class="notice">" Already connected to another business: choosing it connects it here too."</span>
                                                        })}
                                                    </label>
                                                </div>
                                            }
                                        })
                                        .collect_view()}
                                </fieldset>
                                <button type="submit" class="button primary">"Connect this Page"</button>
                                <a class="button" href=move || format!("/businesses/{}", business())>"Cancel"</a>
                            </ActionForm>
                            {move || choose.value().get().and_then(|r| r.err()).map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })}
                        </section>
                    }
                    .into_any(),
                }
                })
            }}
        </Suspense>
    }
}
