//! Linking an account that another business already has: asked, never assumed.

use super::*;
use crate::on_both_databases;

on_both_databases!(linking_an_account_already_connected_elsewhere_is_an_explicit_decision);

/// Connects X to `business` up to the callback; returns where it sent the browser.
async fn connect_x_to(app: &TestApp, client: &reqwest::Client, business: &str) -> String {
    let callback = consent(app, client, &start(app, client, business).await, "approve").await;
    let (status, to, _) = finish(client, &callback).await;
    assert_eq!(status, 303);
    to
}

async fn linking_an_account_already_connected_elsewhere_is_an_explicit_decision(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let (client, first) = owner_with_business(&app, "owner@example.com").await;
    connect_x(&app, &client, &first).await;
    let second = app.create_business_as(&client, "Second").await;

    // The second business: nothing is saved until the user decides.
    let to = connect_x_to(&app, &client, &second).await;
    let prefix = format!("/businesses/{second}/link/");
    assert!(to.starts_with(&prefix), "{to}");
    let pending = to.trim_start_matches(&prefix).to_owned();
    assert_eq!(connections_of(&app).await.len(), 1);
    let dump = dump_database(&app).await;
    assert!(
        !dump.contains("x-at-") && !dump.contains("x-rt-"),
        "waiting tokens are encrypted too"
    );
    let page = client.get(app.url(&to)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Already connected to another business"),
        "{html}"
    );
    assert!(
        html.contains("“Acme”"),
        "names the user's own other business"
    );
    assert!(!html.contains("x-at-") && !html.contains("x-rt-"));

    // Nobody else sees or decides it.
    let other = new_client();
    app.signup_as(&other, "other@example.com").await;
    let pending_form = [("pending_id", pending.as_str())];
    let r = app
        .call_as(&other, "connections/pending-link", &pending_form)
        .await;
    assert_eq!(r.status, 404);
    let r = app
        .call_as(
            &other,
            "connections/decide-link",
            &[("pending_id", pending.as_str()), ("link", "true")],
        )
        .await;
    assert_eq!(r.status, 404);
    let r = app
        .call_as(&client, "connections/pending-link", &pending_form)
        .await;
    assert_eq!(
        (
            r.status,
            r.body["display_name"].as_str(),
            r.body["also_in"][0].as_str()
        ),
        (200, Some("@pulseboard_demo"), Some("Acme")),
        "{:?}",
        r.body
    );

    // "Don't connect": the tokens are dropped, the decision is used up.
    let r = app
        .call_as(
            &client,
            "connections/decide-link",
            &[("pending_id", pending.as_str()), ("link", "false")],
        )
        .await;
    assert_eq!((r.status, r.body["linked"].as_bool()), (200, Some(false)));
    assert_eq!(connections_of(&app).await.len(), 1);
    assert_eq!(count(&app.db, "pending_connections").await, 0);

    // Asked again, "Connect it here too": a second, deliberate connection.
    let to = connect_x_to(&app, &client, &second).await;
    let pending = to.trim_start_matches(&prefix).to_owned();
    let decide = [("pending_id", pending.as_str()), ("link", "true")];
    let r = app
        .call_as(&client, "connections/decide-link", &decide)
        .await;
    assert_eq!((r.status, r.body["linked"].as_bool()), (200, Some(true)));
    let r = app
        .call_as(&client, "connections/decide-link", &decide)
        .await;
    assert_eq!(r.status, 404, "a decision is made once");
    let rows = connections_of(&app).await;
    assert_eq!(rows.len(), 2, "one connection per business");
    let kinds: Vec<(String, String)> = audit_actions(&app).await;
    assert!(kinds.iter().any(|(k, _)| k == "link_declined"), "{kinds:?}");
    assert!(
        kinds.iter().any(|(k, _)| k == "linked_elsewhere"),
        "{kinds:?}"
    );

    // Already linked here: reconnecting asks nothing.
    let to = connect_x_to(&app, &client, &second).await;
    assert!(to.ends_with("oauth=connected&platform=x"), "{to}");
    app.stop().await;
}
