//! "This account is already connected to another business: connect it here
//! too?" — linking one platform account to two businesses is a decision the
//! user makes, never a side effect of connecting.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};
use uuid::Uuid;

use super::NotFound;
use crate::api::connections::{DecideLink, pending_link};
use crate::error::AppError;
use shared::domain::OAuthOutcome;

#[component]
pub fn LinkConfirmPage() -> impl IntoView {
    let params = use_params_map();
    let pending = move || {
        params
            .read()
            .get("pending")
            .and_then(|s| Uuid::parse_str(&s).ok())
    };
    let business = move || params.read().get("id").unwrap_or_default();
    let waiting = Resource::new(pending, |pending| async move {
        match pending {
            Some(id) => pending_link(id).await,
            None => Err(AppError::NotFound),
        }
    });
    let decide = ServerAction::<DecideLink>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(d)) = decide.value().get() {
            let outcome = if d.linked {
                OAuthOutcome::ConnectedShared
            } else {
                OAuthOutcome::NotLinked
            };
            navigate(
                &format!(
                    "/businesses/{}?oauth={outcome}&platform={}",
                    d.business_id,
                    d.platform.slug()
                ),
                Default::default(),
            );
        }
    });
    let pending_value = move || pending().map(|p| p.to_string());
    view! {
        <Title text="Connect an account that is already connected elsewhere?" />
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match waiting.await {
                    Err(AppError::NotFound) => view! {
                        <NotFound />
                        <p class="hint">"This decision lasts 15 minutes: connect the account again from the business."</p>
                    }
                    .into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(v) => {
                        let where_ = elsewhere_words(&v.also_in, v.also_elsewhere);
                        view! {
                            <section class="card narrow link-decision" aria-labelledby="link-heading">
                                <h1 id="link-heading">"Already connected to another business"</h1>
                                <p>
                                    <strong>{v.display_name}</strong>" ("{v.platform.label()}") is already connected to "
                                    {where_}"."
                                </p>
                                <p>"Connecting it here too shares the account's analytics with this business. Both connections use the same "{v.platform.label()}" grant: disconnecting one may end the other."</p>
                                <div class="actions">
                                    <ActionForm action=decide>
                                        <input type="hidden" name="pending_id" value=pending_value />
                                        <input type="hidden" name="link" value="true" />
                                        <button type="submit" class="button primary">"Connect it here too"</button>
                                    </ActionForm>
                                    <ActionForm action=decide>
                                        <input type="hidden" name="pending_id" value=pending_value />
                                        <input type="hidden" name="link" value="false" />
                                        <button type="submit" class="button">"Don't connect"</button>
                                    </ActionForm>
                                </div>
                                {move || decide.value().get().and_then(|r| r.err()).map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })}
                                <p class="hint"><a href=move || format!("/businesses/{}", business())>"Back to the business"</a></p>
                            </section>
                        }
                        .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// "Acme Coffee", "Acme Coffee and a business you are not a member of", …
pub fn elsewhere_words(also_in: &[String], hidden: bool) -> String {
    let mut parts: Vec<String> = also_in.iter().map(|n| format!("“{n}”")).collect();
    if hidden || parts.is_empty() {
        parts.push("a business you are not a member of".into());
    }
    match parts.as_slice() {
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
        [] => unreachable!("at least one part"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_visible_businesses_and_hides_the_others() {
        assert_eq!(elsewhere_words(&["Acme".into()], false), "“Acme”");
        assert_eq!(
            elsewhere_words(&["Acme".into(), "Beta".into()], true),
            "“Acme”, “Beta” and a business you are not a member of"
        );
        assert_eq!(
            elsewhere_words(&[], true),
            "a business you are not a member of"
        );
    }
}
