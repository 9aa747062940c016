//! The live sync feed over a real WebSocket: a member hears their
//! business's status and run events — and nothing of another business —
//! and an upgrade for someone else's business, without a session, or from
//! a foreign or missing Origin is refused before any data is sent.

use std::time::Duration;

use futures::StreamExt;
use shared::dto::LiveMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};

use crate::harness::*;
use crate::oauth::connect_x;
use crate::on_both_databases;

on_both_databases!(a_member_hears_their_business_and_nobody_else_gets_in);

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens the feed of `business`; the refusal's status otherwise.
async fn open(
    app: &TestApp,
    cookie: Option<&str>,
    business: &str,
    origin: Option<&str>,
) -> Result<Socket, u16> {
    let url = format!(
        "{}/api/v1/analytics/sync-events/{business}",
        app.base.replace("http://", "ws://")
    );
    let mut req = url.into_client_request().unwrap();
    if let Some(c) = cookie {
        req.headers_mut().insert("cookie", c.parse().unwrap());
    }
    if let Some(o) = origin {
        req.headers_mut().insert("origin", o.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(req).await {
        Ok((ws, _)) => Ok(ws),
        Err(tungstenite::Error::Http(res)) => Err(res.status().as_u16()),
        Err(e) => panic!("{e}"),
    }
}

async fn next(ws: &mut Socket) -> Option<LiveMessage> {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(20), ws.next())
            .await
            .ok()??
            .ok()?;
        if let Message::Text(text) = msg {
            return Some(serde_json::from_str(&text).expect("a LiveMessage"));
        }
    }
}

/// Signs up on `client` and returns its session cookie (`name=value`).
async fn sign_up(app: &TestApp, client: &reqwest::Client, email: &str) -> String {
    let r = app
        .call_as(
            client,
            "auth/signup",
            &[("email", email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("pulseboard_session="))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_owned()
}

async fn a_member_hears_their_business_and_nobody_else_gets_in(b: Backend) {
    let Some(app) = spawn_app_with_worker(b, &[]).await else {
        return;
    };
    let alice = new_client();
    let alice_cookie = sign_up(&app, &alice, "alice@example.com").await;
    let mine = app.create_business_as(&alice, "Alice Bakery").await;
    connect_x(&app, &alice, &mine).await;
    let bob = new_client();
    let bob_cookie = sign_up(&app, &bob, "bob@example.com").await;
    let theirs = app.create_business_as(&bob, "Bob Books").await;
    let origin = app.base.clone();

    // Refused before any data: someone else's business, no session, a
    // foreign Origin, no Origin.
    assert_eq!(
        open(&app, Some(&alice_cookie), &theirs, Some(&origin))
            .await
            .err(),
        Some(404)
    );
    assert_eq!(
        open(&app, None, &mine, Some(&origin)).await.err(),
        Some(401)
    );
    assert_eq!(
        open(
            &app,
            Some(&alice_cookie),
            &mine,
            Some("https://evil.example")
        )
        .await
        .err(),
        Some(403)
    );
    assert_eq!(
        open(&app, Some(&alice_cookie), &mine, None).await.err(),
        Some(403)
    );

    let mut feed = open(&app, Some(&alice_cookie), &mine, Some(&origin))
        .await
        .expect("opens");
    match next(&mut feed).await {
        Some(LiveMessage::Status(s)) => {
            assert_eq!(s.business_id.to_string(), mine);
            assert!(s.in_flight.is_none() && s.last_run.is_none());
        }
        other => panic!("the feed opens with the status: {other:?}"),
    }
    // Bob's business syncs first: none of it may reach Alice.
    let mut bobs_feed = open(&app, Some(&bob_cookie), &theirs, Some(&origin))
        .await
        .expect("opens");
    assert!(matches!(
        next(&mut bobs_feed).await,
        Some(LiveMessage::Status(_))
    ));
    let sync = |client: &reqwest::Client, business: &str| {
        client
            .post(app.url(&format!("/api/v1/analytics/sync/{business}")))
            .send()
    };
    assert_eq!(sync(&bob, &theirs).await.unwrap().status(), 202);
    let mut bob_saw_his = false;
    while let Some(LiveMessage::Run(e)) = next(&mut bobs_feed).await {
        assert_eq!(e.business_id.to_string(), theirs);
        if !shared::domain::SyncStatus::parse(&e.run.status)
            .unwrap()
            .in_flight()
        {
            bob_saw_his = true;
            break;
        }
    }
    assert!(bob_saw_his, "Bob hears his own run end");

    let res = sync(&alice, &mine).await.unwrap();
    assert_eq!(res.status(), 202);
    let run_id = res.json::<serde_json::Value>().await.unwrap()["run_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut statuses = Vec::new();
    loop {
        match next(&mut feed).await {
            Some(LiveMessage::Run(e)) => {
                assert_eq!(e.business_id.to_string(), mine, "only Alice's business");
                assert_eq!(e.run.id.to_string(), run_id);
                statuses.push(e.run.status.clone());
                if e.run.status == "succeeded" {
                    assert_eq!((e.run.progress_done, e.run.progress_total), (1, 1));
                    break;
                }
            }
            other => panic!("run events until the end: {other:?} after {statuses:?}"),
        }
    }
    // Queued (unless the worker was quicker than the announcement), then
    // running with its progress, then the end.
    assert!(statuses.iter().any(|s| s == "running"), "{statuses:?}");
    assert!(statuses.len() >= 3, "{statuses:?}");
    app.stop().await;
}
