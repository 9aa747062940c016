//! The events bus carries every change of a run, in order, to subscribers:
//! in-process on SQLite; on Postgres from a publisher that only NOTIFYs (a
//! worker process) to a separate bus that LISTENs (a web process).

use std::time::Duration;

use backend::sync::events::Events;
use backend::sync::{engine, runs};
use chrono::Utc;
use shared::domain::{SyncStatus, SyncTrigger};
use shared::dto::RunEvent;
use tokio::sync::broadcast::Receiver;

use crate::harness::*;
use crate::oauth::connect_x;
use crate::on_both_databases;
use crate::sync_x::spawn;

on_both_databases!(a_runs_changes_reach_another_processs_subscribers_in_order);

async fn next(rx: &mut Receiver<RunEvent>, wait: Duration) -> Option<RunEvent> {
    tokio::time::timeout(wait, rx.recv()).await.ok()?.ok()
}

async fn a_runs_changes_reach_another_processs_subscribers_in_order(b: Backend) {
    let Some(s) = spawn(b).await else {
        return;
    };
    let app = &s.app;
    let client = new_client();
    app.signup_as(&client, "owner@example.com").await;
    let business = app.create_business_as(&client, "Acme").await;
    connect_x(app, &client, &business).await;
    let business: uuid::Uuid = business.parse().unwrap();

    let (publisher, subscriber) = match b {
        Backend::Postgres => (
            Events::postgres_publisher(),
            Events::postgres(s.fresh.url.clone()),
        ),
        Backend::Sqlite => {
            let bus = Events::local();
            (bus.clone(), bus)
        }
    };
    let mut rx = subscriber.subscribe();
    let run = runs::request(
        &app.db,
        business,
        SyncTrigger::Manual,
        None,
        None,
        Utc::now(),
    )
    .await
    .unwrap()
    .run;
    // The listener connects in the background: announce the queued run
    // until it is heard.
    let mut queued = None;
    for _ in 0..50 {
        publisher.run_changed(&app.db, run.id).await;
        if let Some(e) = next(&mut rx, Duration::from_millis(200)).await {
            queued = Some(e);
            break;
        }
    }
    let queued = queued.expect("the subscriber hears the queued run");
    assert_eq!(queued.run.status, SyncStatus::Queued.as_str());
    while next(&mut rx, Duration::from_millis(300)).await.is_some() {}

    let status = engine::execute(
        &app.db,
        &s.vault,
        &s.providers,
        &publisher,
        run.id,
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(status, SyncStatus::Succeeded);
    let mut seen = Vec::new();
    while let Some(e) = next(&mut rx, Duration::from_secs(10)).await {
        let done = !SyncStatus::parse(&e.run.status).unwrap().in_flight();
        seen.push(e);
        if done {
            break;
        }
    }
    let steps: Vec<(&str, i32, i32, Option<&str>)> = seen
        .iter()
        .map(|e| {
            assert_eq!(e.business_id, business);
            assert_eq!(e.run.id, run.id);
            (
                e.run.status.as_str(),
                e.run.progress_done,
                e.run.progress_total,
                e.run.current_account.as_deref(),
            )
        })
        .collect();
    let account = steps[1].3.expect("the account in progress is named");
    assert_eq!(
        steps,
        vec![
            ("running", 0, 1, None),
            ("running", 0, 1, Some(account)),
            ("running", 1, 1, Some(account)),
            ("succeeded", 1, 1, None),
        ]
    );
    assert!(seen.last().unwrap().run.finished_at.is_some());
}
