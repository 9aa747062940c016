//! SECURITY.md G42 and I51, over every route and server function there is:
//! both lists come from the running application (the OpenAPI document and
//! the server-function registry), so a new one is covered without editing
//! this test. A stranger gets 404 on everything that names a business; a
//! viewer can read but gets 403 on every unsafe action.

use backend::entities::memberships;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};

use crate::harness::*;
use crate::on_both_databases;

on_both_databases!(
    every_route_hides_other_tenants_and_refuses_viewers,
    a_manager_demoted_during_consent_cannot_finish_it,
    a_viewer_is_shown_no_action_it_may_not_take,
);

/// The dashboard offers a viewer what it can do — read — and explains the
/// rest, instead of buttons that answer 403.
async fn a_viewer_is_shown_no_action_it_may_not_take(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let owner = new_client();
    app.signup_as(&owner, "owner@example.com").await;
    let business = app.create_business_as(&owner, "Northwind").await;
    let viewer = new_client();
    add_member(&app, &viewer, "viewer@example.com", &business, "viewer").await;
    let page = |client: reqwest::Client| {
        let url = app.url(&format!("/businesses/{business}"));
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let as_owner = page(owner).await;
    for action in ["Connect X", "Rename", "Delete business"] {
        assert!(as_owner.contains(action), "the owner sees {action}");
    }
    let as_viewer = page(viewer).await;
    assert!(
        as_viewer.contains("Northwind"),
        "the viewer reads the business"
    );
    for action in ["Connect X", "Rename", "Delete business", "Disconnect"] {
        assert!(
            !as_viewer.contains(action),
            "the viewer is not offered {action}"
        );
    }
    assert!(as_viewer.contains("Owners and admins of this business can connect"));
    app.stop().await;
}

/// Server functions that act on no business (the caller's own account).
const ACCOUNT_FUNCTIONS: &[&str] = &[
    "auth/",
    "businesses/list",
    "businesses/create",
    "businesses/zones",
    "deployment/",
];
/// Server functions that only read.
const READ_FUNCTIONS: &[&str] = &[
    "businesses/get",
    "connections/list",
    "sync/status",
    "sync/history",
    "analytics/overview",
];
/// Server functions keyed by a pending decision that belongs to the user and
/// session that authorized it: everyone else, viewer included, gets 404.
const PENDING_FUNCTIONS: &[&str] = &[
    "connections/meta-pages",
    "connections/meta-choose",
    "connections/pending-link",
    "connections/decide-link",
];
/// REST routes whose GET only reads (any other method on them changes).
const READ_ROUTES: &[&str] = &[
    "/api/v1/oauth/status",
    "/api/v1/analytics/sync-status/{business_id}",
    "/api/v1/analytics/sync-history/{business_id}",
    "/api/v1/analytics/metrics/{business_id}",
    "/api/v1/analytics/posts/{business_id}",
    "/api/v1/analytics/schedule/{business_id}",
];

async fn add_member(
    app: &TestApp,
    client: &reqwest::Client,
    email: &str,
    business: &str,
    role: &str,
) {
    let me = app.signup_as(client, email).await;
    let user_id: uuid::Uuid = me["id"]
        .as_str()
        .expect("signup returns the user")
        .parse()
        .unwrap();
    memberships::ActiveModel {
        user_id: Set(user_id),
        business_id: Set(business.parse().unwrap()),
        role: Set(role.to_owned()),
        created_at: Set(chrono::Utc::now()),
    }
    .insert(&app.db)
    .await
    .unwrap();
}

fn is(name: &str, list: &[&str]) -> bool {
    list.iter().any(|p| name.starts_with(p))
}

async fn every_route_hides_other_tenants_and_refuses_viewers(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let owner = new_client();
    app.signup_as(&owner, "owner@example.com").await;
    let business = app.create_business_as(&owner, "Northwind").await;
    let viewer = new_client();
    add_member(&app, &viewer, "viewer@example.com", &business, "viewer").await;
    let stranger = new_client();
    app.signup_as(&stranger, "stranger@example.com").await;
    let before = (
        count(&app.db, "businesses").await,
        count(&app.db, "memberships").await,
        count(&app.db, "oauth_transactions").await,
        count(&app.db, "audit_events").await,
    );

    // Server functions: one form carrying every argument any of them takes.
    let pending = uuid::Uuid::new_v4().to_string();
    let form: Vec<(&str, &str)> = vec![
        ("id", &business),
        ("business_id", &business),
        ("name", "Renamed"),
        ("confirm_name", "Northwind"),
        ("timezone", "Europe/Berlin"),
        ("platform", "x"),
        ("pending_id", &pending),
        ("page_id", "sbx-page-1"),
        ("link", "true"),
    ];
    let mut checked = 0;
    for (path, _) in leptos::server_fn::axum::server_fn_paths() {
        let name = path.trim_start_matches("/api/fn/");
        if is(name, ACCOUNT_FUNCTIONS) {
            continue;
        }
        checked += 1;
        let r = app.call_as(&stranger, name, &form).await;
        assert_eq!(r.status, 404, "{name} as a stranger: {:?}", r.body);
        let r = app.call_as(&viewer, name, &form).await;
        let expected = if is(name, READ_FUNCTIONS) {
            200
        } else if is(name, PENDING_FUNCTIONS) {
            404
        } else {
            403
        };
        assert_eq!(r.status, expected, "{name} as a viewer: {:?}", r.body);
    }
    assert!(
        checked >= 8,
        "the registry lists the server functions ({checked})"
    );

    // REST routes from the OpenAPI document.
    let doc: serde_json::Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut routes = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let names: Vec<&str> = op["parameters"]
                .as_array()
                .map(|ps| ps.iter().filter_map(|p| p["name"].as_str()).collect())
                .unwrap_or_default();
            if !names.contains(&"business_id") {
                continue;
            }
            routes += 1;
            let url = app.url(&format!(
                "{}?business_id={business}",
                path.replace("{platform}", "x")
                    .replace("{business_id}", &business)
            ));
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let status = |client: &reqwest::Client| {
                let req = client.request(method.clone(), url.clone());
                async move { req.send().await.unwrap().status().as_u16() }
            };
            assert_eq!(
                status(&stranger).await,
                404,
                "{method} {path} as a stranger"
            );
            let expected = if method == reqwest::Method::GET && READ_ROUTES.contains(&path.as_str())
            {
                200
            } else {
                403
            };
            assert_eq!(
                status(&viewer).await,
                expected,
                "{method} {path} as a viewer"
            );
        }
    }
    assert!(
        routes >= 4,
        "the document lists the business routes ({routes})"
    );

    // Nothing changed.
    let after = (
        count(&app.db, "businesses").await,
        count(&app.db, "memberships").await,
        count(&app.db, "oauth_transactions").await,
        count(&app.db, "audit_events").await,
    );
    assert_eq!(before, after);
    let got = app
        .call_as(&owner, "businesses/get", &[("id", business.as_str())])
        .await;
    assert_eq!(got.body["business"]["name"], "Northwind");
    app.stop().await;
}

/// A role checked once at the start of a flow is not enough: the callback
/// and the Page choice check it again.
async fn a_manager_demoted_during_consent_cannot_finish_it(b: Backend) {
    use backend::entities::connections;
    use sea_orm::sea_query::Expr;
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let admin = new_client();
    let owner = new_client();
    app.signup_as(&owner, "owner@example.com").await;
    let business = app.create_business_as(&owner, "Northwind").await;
    add_member(&app, &admin, "admin@example.com", &business, "admin").await;
    let res = admin
        .get(app.url(&format!("/api/v1/oauth/x/authorize?business_id={business}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "an admin may connect");
    let consent_url = res.headers()["location"].to_str().unwrap().to_owned();
    let q: std::collections::HashMap<String, String> = url::Url::parse(&consent_url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    memberships::Entity::update_many()
        .col_expr(memberships::Column::Role, Expr::value("viewer"))
        .exec(&app.db)
        .await
        .unwrap();
    let res = admin
        .post(app.url("/sandbox/x/i/oauth2/consent"))
        .form(&[
            ("decision", "approve"),
            ("redirect_uri", q["redirect_uri"].as_str()),
            ("state", q["state"].as_str()),
            ("scope", q["scope"].as_str()),
            ("code_challenge", q["code_challenge"].as_str()),
        ])
        .send()
        .await
        .unwrap();
    let callback = res.headers()["location"].to_str().unwrap().to_owned();
    let res = admin.get(callback).send().await.unwrap();
    assert_ne!(res.status(), 303, "refused, not connected");
    assert_eq!(
        connections::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
            .len(),
        0
    );
    app.stop().await;
}
