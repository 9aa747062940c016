//! Every route and server function hides other tenants' businesses (404).

use crate::harness::*;
use crate::on_both_databases;

on_both_databases!(
    another_users_business_is_not_found_anywhere,
    owner_can_manage_business
);

async fn another_users_business_is_not_found_anywhere(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let alice = new_client();
    let bob = new_client();
    app.signup_as(&alice, "alice@example.com").await;
    app.signup_as(&bob, "bob@example.com").await;
    let id = app.create_business_as(&alice, "Alice Bakery").await;

    // Server functions, table-driven.
    let calls: [(&str, Vec<(&str, &str)>); 3] = [
        ("businesses/get", vec![("id", id.as_str())]),
        (
            "businesses/rename",
            vec![("id", id.as_str()), ("name", "Bob's now")],
        ),
        (
            "businesses/delete",
            vec![("id", id.as_str()), ("confirm_name", "Alice Bakery")],
        ),
    ];
    for (name, form) in &calls {
        let r = app.call_as(&bob, name, form).await;
        assert_eq!(r.status, 404, "{name} as another user: {:?}", r.body);
        assert_eq!(r.body, serde_json::json!("NotFound"), "{name}");
    }
    // A business id that does not exist at all looks exactly the same.
    let missing = uuid::Uuid::new_v4().to_string();
    let r = app
        .call_as(&bob, "businesses/get", &[("id", missing.as_str())])
        .await;
    assert_eq!((r.status, r.body), (404, serde_json::json!("NotFound")));

    // Lists only show one's own.
    let list = app.call_as(&bob, "businesses/list", &[]).await;
    assert_eq!(list.body, serde_json::json!([]));

    // Pages.
    let page = bob
        .get(app.url(&format!("/businesses/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);
    assert!(!page.text().await.unwrap().contains("Alice Bakery"));
    let own = alice
        .get(app.url(&format!("/businesses/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200);
    assert!(own.text().await.unwrap().contains("Alice Bakery"));

    // Nothing changed.
    let still = app
        .call_as(&alice, "businesses/get", &[("id", id.as_str())])
        .await;
    assert_eq!(still.body["business"]["name"], "Alice Bakery");

    // Signed out: 401 for data, never someone's business.
    let anon = new_client();
    let r = app
        .call_as(&anon, "businesses/get", &[("id", id.as_str())])
        .await;
    assert_eq!(r.status, 401);
    app.stop().await;
}

async fn owner_can_manage_business(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let owner = new_client();
    app.signup_as(&owner, "owner@example.com").await;

    let bad_tz = app
        .call_as(
            &owner,
            "businesses/create",
            &[("name", "Acme"), ("timezone", "Mars/Olympus")],
        )
        .await;
    assert_eq!(bad_tz.status, 422);
    assert_eq!(bad_tz.body["Invalid"]["field"], "timezone");
    assert_eq!(count(&app.db, "businesses").await, 0);

    let id = app.create_business_as(&owner, "Acme").await;
    let got = app
        .call_as(&owner, "businesses/get", &[("id", id.as_str())])
        .await;
    assert_eq!(got.body["business"]["timezone"], "Europe/Berlin");
    assert_eq!(got.body["business"]["role"], "Owner");

    let renamed = app
        .call_as(
            &owner,
            "businesses/rename",
            &[("id", id.as_str()), ("name", "  Acme Ltd ")],
        )
        .await;
    assert_eq!(renamed.body["name"], "Acme Ltd");

    // The zone: any letter case; an abbreviation is refused with the zone
    // to choose, and changes nothing.
    let est = app
        .call_as(
            &owner,
            "businesses/timezone",
            &[("id", id.as_str()), ("timezone", "EST")],
        )
        .await;
    assert_eq!(est.status, 422);
    assert_eq!(est.body["Invalid"]["field"], "timezone");
    assert!(
        est.body["Invalid"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("America/New_York")),
        "{}",
        est.body
    );
    let moved = app
        .call_as(
            &owner,
            "businesses/timezone",
            &[("id", id.as_str()), ("timezone", "america/los_angeles")],
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(moved.body["business"]["timezone"], "America/Los_Angeles");
    assert_eq!(moved.body["zone"]["name"], "America/Los_Angeles");
    let got = app
        .call_as(&owner, "businesses/get", &[("id", id.as_str())])
        .await;
    assert_eq!(got.body["business"]["timezone"], "America/Los_Angeles");

    let wrong_confirm = app
        .call_as(
            &owner,
            "businesses/delete",
            &[("id", id.as_str()), ("confirm_name", "Acme")],
        )
        .await;
    assert_eq!(wrong_confirm.status, 422);
    assert_eq!(count(&app.db, "businesses").await, 1);

    let deleted = app
        .call_as(
            &owner,
            "businesses/delete",
            &[("id", id.as_str()), ("confirm_name", "Acme Ltd")],
        )
        .await;
    assert_eq!(deleted.status, 200, "{:?}", deleted.body);
    assert_eq!(count(&app.db, "businesses").await, 0);
    assert_eq!(
        count(&app.db, "memberships").await,
        0,
        "memberships go with the business"
    );
    app.stop().await;
}
