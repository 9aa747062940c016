//! Meta (Facebook Page + Instagram) through the sandbox, with the Page picker.

use super::*;
use crate::on_both_databases;

on_both_databases!(
    meta_connects_a_chosen_page_with_its_instagram_account,
    a_single_page_is_connected_without_the_picker,
    metas_failures_show_no_secret_anywhere,
);

/// SECURITY.md C16: when Meta's exchange fails, neither the page the user
/// lands on, nor the API's view of the business, nor the audit trail carry
/// the code, the app secret, or a token.
async fn metas_failures_show_no_secret_anywhere(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let (client, business) = owner_with_business(&app, "owner@example.com").await;
    for fault in ["server_error", "invalid_grant", "rate_limit"] {
        set_fault(&app, "meta", Some(fault)).await;
        let callback = meta_consent(&app, &client, &business, "approve").await;
        let code = query_of(&callback)["code"].clone();
        let res = client.get(&callback).send().await.unwrap();
        let to = location(&res);
        assert!(to.contains("oauth=failed"), "{fault}: {to}");
        let landing = client
            .get(app.url(&to))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let list = app
            .call_as(
                &client,
                "connections/list",
                &[("business_id", business.as_str())],
            )
            .await
            .body
            .to_string();
        let audit: String = audit_events::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.detail)
            .collect();
        for (what, text) in [
            ("landing page", &landing),
            ("API", &list),
            ("audit", &audit),
            ("redirect", &to),
        ] {
            for secret in [
                code.as_str(),
                "sandbox-meta-app-secret",
                "meta-st-",
                "meta-lt-",
                "meta-pt",
                "fb_exchange_token",
                "input_token",
            ] {
                assert!(!text.contains(secret), "{fault}: {what} shows {secret}");
            }
        }
    }
    set_fault(&app, "meta", None).await;
    assert!(connections_of(&app).await.is_empty());
    app.stop().await;
}

async fn a_single_page_is_connected_without_the_picker(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let (client, business) = owner_with_business(&app, "owner@example.com").await;
    set_fault(&app, "meta", Some("single_page")).await;
    let callback = meta_consent(&app, &client, &business, "approve").await;
    let (status, to, _) = finish(&client, &callback).await;
    assert_eq!(
        (status, to),
        (
            303,
            format!("/businesses/{business}?oauth=connected&platform=meta")
        )
    );
    let mut rows: Vec<(String, String, bool)> = connections_of(&app)
        .await
        .into_iter()
        .map(|c| {
            (
                c.platform,
                c.display_name,
                c.data_access_expires_at.is_some(),
            )
        })
        .collect();
    rows.sort();
    assert_eq!(
        rows,
        vec![
            ("facebook".into(), "Northwind Coffee".into(), true),
            ("instagram".into(), "@northwind.coffee".into(), true),
        ]
    );
    assert_eq!(
        count(&app.db, "pending_connections").await,
        0,
        "nothing left pending"
    );

    // The same single Page for a second business: the picker asks first.
    let second = app.create_business_as(&client, "Second").await;
    let callback = meta_consent(&app, &client, &second, "approve").await;
    let (_, to, _) = finish(&client, &callback).await;
    let prefix = format!("/businesses/{second}/meta/");
    assert!(to.starts_with(&prefix), "{to}");
    let pending = to.trim_start_matches(&prefix).to_owned();
    let html = client
        .get(app.url(&to))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Already connected to another business"));
    let choices = app
        .call_as(
            &client,
            "connections/meta-pages",
            &[("pending_id", pending.as_str())],
        )
        .await;
    assert_eq!(
        choices.body[0]["linked_elsewhere"], true,
        "{:?}",
        choices.body
    );
    assert_eq!(
        connections_of(&app).await.len(),
        2,
        "nothing saved before the choice"
    );
    let chosen = app
        .call_as(
            &client,
            "connections/meta-choose",
            &[("pending_id", pending.as_str()), ("page_id", "sbx-page-1")],
        )
        .await;
    assert_eq!(chosen.status, 200);
    assert_eq!(connections_of(&app).await.len(), 4);
    assert!(
        audit_actions(&app)
            .await
            .iter()
            .any(|(k, d)| k == "linked_elsewhere" && d.starts_with("facebook"))
    );
    set_fault(&app, "meta", None).await;
    app.stop().await;
}

pub(super) async fn meta_consent(
    app: &TestApp,
    client: &reqwest::Client,
    business: &str,
    decision: &str,
) -> String {
    let consent_url = connect::authorize(app, client, Platform::Meta, business).await;
    assert!(
        consent_url.contains("/sandbox/meta/dialog/oauth?"),
        "{consent_url}"
    );
    connect::decide(app, client, Platform::Meta, &consent_url, decision, None).await
}

async fn meta_connects_a_chosen_page_with_its_instagram_account(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let (client, business) = owner_with_business(&app, "owner@example.com").await;

    let denied = meta_consent(&app, &client, &business, "deny").await;
    let (_, to, _) = finish(&client, &denied).await;
    assert!(to.ends_with("oauth=denied&platform=meta"), "{to}");
    assert_eq!(sandbox_stats(&app, "meta").await["token_calls"], 0);

    let callback = meta_consent(&app, &client, &business, "approve").await;
    let (status, to, _) = finish(&client, &callback).await;
    assert_eq!(status, 303);
    let prefix = format!("/businesses/{business}/meta/");
    assert!(to.starts_with(&prefix), "several Pages: the picker ({to})");
    let pending = to.trim_start_matches(&prefix).to_owned();
    assert_eq!(
        sandbox_stats(&app, "meta").await["token_calls"],
        2,
        "code exchange + long-lived exchange"
    );

    let picker = client.get(app.url(&to)).send().await.unwrap();
    assert_eq!(picker.status(), 200);
    let html = picker.text().await.unwrap();
    assert!(html.contains("Northwind Coffee") && html.contains("Northwind Roastery"));
    assert!(
        !html.contains("meta-pt") && !html.contains("meta-lt"),
        "no token reaches the page"
    );

    let choices = app
        .call_as(
            &client,
            "connections/meta-pages",
            &[("pending_id", pending.as_str())],
        )
        .await;
    assert_eq!(choices.body[0]["instagram"], "northwind.coffee");
    assert_eq!(choices.body.as_array().unwrap().len(), 2);

    // Someone else cannot see or take the pending choice.
    let other = new_client();
    app.signup_as(&other, "other@example.com").await;
    let r = app
        .call_as(
            &other,
            "connections/meta-pages",
            &[("pending_id", pending.as_str())],
        )
        .await;
    assert_eq!(r.status, 404);
    let r = app
        .call_as(
            &other,
            "connections/meta-choose",
            &[("pending_id", pending.as_str()), ("page_id", "sbx-page-1")],
        )
        .await;
    assert_eq!(r.status, 404);

    let chosen = app
        .call_as(
            &client,
            "connections/meta-choose",
            &[("pending_id", pending.as_str()), ("page_id", "sbx-page-1")],
        )
        .await;
    assert_eq!(
        (chosen.status, chosen.body.as_str()),
        (200, Some(business.as_str()))
    );
    let replay = app
        .call_as(
            &client,
            "connections/meta-choose",
            &[("pending_id", pending.as_str()), ("page_id", "sbx-page-2")],
        )
        .await;
    assert_eq!(replay.status, 404, "a choice is single use");
    assert_eq!(count(&app.db, "pending_connections").await, 0);

    let rows = connections_of(&app).await;
    let fb = rows
        .iter()
        .find(|c| c.platform == "facebook")
        .expect("the Page");
    let ig = rows
        .iter()
        .find(|c| c.platform == "instagram")
        .expect("its Instagram account");
    assert_eq!(
        (fb.display_name.as_str(), ig.display_name.as_str()),
        ("Northwind Coffee", "@northwind.coffee")
    );
    assert_eq!(ig.parent_id, Some(fb.id));
    assert!(fb.grant_token_ct.is_some() && fb.access_expires_at.is_none());
    let days = (fb.data_access_expires_at.unwrap() - chrono::Utc::now()).num_days();
    assert!((89..=90).contains(&days), "data access tracked: {days}");
    let dump = dump_database(&app).await;
    assert!(!dump.contains("meta-lt") && !dump.contains("meta-pt") && !dump.contains("meta-st"));

    // Disconnect revokes the grant at Meta and removes both connections.
    let res = client
        .delete(app.url(&format!(
            "/api/v1/oauth/meta/disconnect?business_id={business}"
        )))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["disconnected"], 2);
    assert_eq!(
        body["revoked_at_platform"], true,
        "the platform confirmed it"
    );
    assert_eq!(sandbox_stats(&app, "meta").await["revocations"], 1);
    assert!(connections_of(&app).await.is_empty());
    app.stop().await;
}
