//! SECURITY.md I53: malformed input to any route or server function is a
//! 4xx with a plain message and changes nothing. Routes and functions come
//! from the running application (OpenAPI document, server-function
//! registry), so a new one is covered without editing this test.

use crate::harness::*;
use crate::on_both_databases;

on_both_databases!(no_malformed_request_gets_a_5xx_or_changes_anything);

/// What the database holds that a request could change.
async fn snapshot(app: &TestApp) -> Vec<i64> {
    let mut out = Vec::new();
    for table in [
        "users",
        "businesses",
        "memberships",
        "connections",
        "oauth_transactions",
        "pending_connections",
        "audit_events",
    ] {
        out.push(count(&app.db, table).await);
    }
    out
}

async fn no_malformed_request_gets_a_5xx_or_changes_anything(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let owner = new_client();
    app.signup_as(&owner, "owner@example.com").await;
    let business = app.create_business_as(&owner, "Northwind").await;
    let before = snapshot(&app).await;
    let unknown = uuid::Uuid::new_v4().to_string();
    let huge = "A".repeat(1024 * 1024);

    // (content type, body) pairs: each a way to get a request wrong.
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("application/x-www-form-urlencoded", Vec::new()),
        ("application/json", br#"{"id":"x","business_id":"y"}"#.to_vec()),
        ("application/json", br#"{"id":"#.to_vec()),
        ("text/plain", b"id=1".to_vec()),
        (
            "application/x-www-form-urlencoded",
            b"id=nope&business_id=nope&pending_id=nope&link=maybe&name[]=1".to_vec(),
        ),
        (
            "application/x-www-form-urlencoded",
            format!("id={unknown}&business_id={unknown}&pending_id={unknown}&platform=x&link=true&page_id=p&confirm_name=n")
                .into_bytes(),
        ),
        (
            "application/x-www-form-urlencoded",
            format!("id={business}&business_id={business}&name={huge}").into_bytes(),
        ),
        (
            "application/x-www-form-urlencoded",
            format!("email={huge}&password=x&timezone=UTC&platform={huge}").into_bytes(),
        ),
        (
            "application/x-www-form-urlencoded",
            format!("id={business}&business_id={business}&name=%FF%FE&platform=%C0").into_bytes(),
        ),
        ("application/x-www-form-urlencoded", b"name=\xff\xfe&id=\xc0".to_vec()),
    ];

    let mut failures = Vec::new();
    let mut functions = 0;
    for (path, _) in leptos::server_fn::axum::server_fn_paths() {
        // Signing out would end the session the other calls use.
        if path.ends_with("/auth/logout") {
            continue;
        }
        functions += 1;
        for (i, (ctype, body)) in bodies.iter().enumerate() {
            let res = owner
                .post(app.url(path))
                .header("content-type", *ctype)
                .body(body.clone())
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let text = res.text().await.unwrap_or_default();
            if status >= 500 {
                failures.push(format!("{path} variant {i}: {status} {text:.200}"));
            }
            assert!(
                !text.contains("serde") && !text.contains("expected an optional prefix"),
                "{path} variant {i} leaks decoder internals: {text:.300}"
            );
        }
    }
    assert!(functions >= 8, "the registry lists the server functions");

    let doc: serde_json::Value = owner
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let queries = [
        String::new(),
        "business_id=nope".to_owned(),
        format!("business_id={unknown}"),
        // A URI cannot carry 1 MB: as long as clients will send.
        format!("business_id={}", "A".repeat(16 * 1024)),
        "business_id=%FF%FE".to_owned(),
        format!("business_id={business}&business_id=nope"),
    ];
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            for platform in ["x", "nope"] {
                for q in &queries {
                    let url = app.url(&format!("{}?{q}", path.replace("{platform}", platform)));
                    let res = owner
                        .request(method.clone(), url)
                        .header("content-type", "application/json")
                        .body(r#"{"business_id":"#)
                        .send()
                        .await
                        .unwrap();
                    let status = res.status().as_u16();
                    let text = res.text().await.unwrap_or_default();
                    if status >= 500 {
                        failures.push(format!("{method} {path} ({platform}, {q:.60}): {status}"));
                    }
                    assert!(
                        !text.contains("UUID parsing failed")
                            && !text.contains("Failed to deserialize"),
                        "{method} {path} leaks parser text: {text:.300}"
                    );
                }
            }
        }
    }
    assert!(failures.is_empty(), "5xx answers: {failures:#?}");
    assert_eq!(snapshot(&app).await, before, "nothing changed");
    let r = app
        .call_as(&owner, "businesses/get", &[("id", business.as_str())])
        .await;
    assert_eq!(r.body["business"]["name"], "Northwind");

    // The message names the field.
    let r = owner
        .post(app.url("/api/fn/businesses/get"))
        .form(&[("nope", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["Invalid"]["field"], "id", "{body}");
    let r = owner
        .post(app.url("/api/v1/oauth/x/refresh?business_id=nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["Invalid"]["field"], "business_id", "{body}");
    app.stop().await;
}
