//! Sync history by keyset pages with filters, and runs whose worker is gone.

use backend::entities::{sync_run_items, sync_runs};
use backend::sync::history::{self, Filter};
use backend::sync::runs;
use chrono::{Duration, SubsecRound, Utc};
use sea_orm::{ActiveModelTrait, EntityTrait};
use shared::domain::{Platform, SyncStatus, SyncTrigger};
use uuid::Uuid;

use crate::harness::*;
use crate::on_both_databases;
use crate::sync::connected_business;

on_both_databases!(
    history_pages_by_keyset_without_gaps_or_repeats_and_filters,
    a_run_whose_worker_is_gone_ends_failed_with_a_reason,
);

async fn history_pages_by_keyset_without_gaps_or_repeats_and_filters(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let (business, connection) = connected_business(&app).await;
    // 25 runs created in the same instant: the id breaks the ties.
    let now = Utc::now().trunc_subsecs(0);
    let mut made = Vec::new();
    for i in 0..25 {
        let run = runs::request(&app.db, business, SyncTrigger::Manual, None, None, now)
            .await
            .unwrap()
            .run;
        let (status, kind) = if i % 5 == 0 {
            (SyncStatus::Failed, "linkedin")
        } else {
            (SyncStatus::Succeeded, "x")
        };
        sync_run_items::ActiveModel::from(sync_run_items::Model {
            id: Uuid::new_v4(),
            run_id: run.id,
            connection_id: Some(connection),
            account_kind: kind.into(),
            display_name: format!("account {i}"),
            status: status.as_str().into(),
            records: i,
            calls: 1,
            error_class: None,
            error_message: None,
            rate_limited_until: None,
            started_at: None,
            finished_at: None,
        })
        .insert(&app.db)
        .await
        .unwrap();
        runs::finish(&app.db, run.id, status, None, now)
            .await
            .unwrap();
        made.push(run.id);
    }

    let mut seen = Vec::new();
    let mut filter = Filter {
        limit: 10,
        ..Filter::default()
    };
    let mut pages = 0;
    loop {
        let page = history::page(&app.db, business, &filter).await.unwrap();
        pages += 1;
        assert!(page.runs.iter().all(|r| r.items.len() == 1));
        seen.extend(page.runs.iter().map(|r| r.run.id));
        match page.next {
            Some(next) => filter.cursor = history::Cursor::parse(&next),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let mut expected = made.clone();
    expected.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(seen, expected, "newest first, every run once");

    let failed = history::page(
        &app.db,
        business,
        &Filter {
            status: Some(SyncStatus::Failed),
            limit: 100,
            ..Filter::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(failed.runs.len(), 5);
    assert!(failed.runs.iter().all(|r| r.run.status == "failed"));
    let linkedin = history::page(
        &app.db,
        business,
        &Filter {
            platform: Some(Platform::LinkedIn),
            limit: 100,
            ..Filter::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(linkedin.runs.len(), 5);
    assert!(linkedin.runs.iter().all(|r| r.items[0].kind == "linkedin"));
    let none = history::page(
        &app.db,
        business,
        &Filter {
            trigger: Some(SyncTrigger::Schedule),
            limit: 100,
            ..Filter::default()
        },
    )
    .await
    .unwrap();
    assert!(none.runs.is_empty() && none.next.is_none());
    app.stop().await;
}

async fn a_run_whose_worker_is_gone_ends_failed_with_a_reason(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let (business, _) = connected_business(&app).await;
    let now = Utc::now();
    let lost = runs::request(
        &app.db,
        business,
        SyncTrigger::Manual,
        None,
        None,
        now - Duration::hours(3),
    )
    .await
    .unwrap()
    .run;
    runs::start(&app.db, lost.id, 1, now - Duration::hours(3))
        .await
        .unwrap();
    assert_eq!(
        runs::fail_stale(&app.db, now - Duration::hours(2))
            .await
            .unwrap(),
        0,
        "not yet stale then"
    );
    assert_eq!(runs::fail_stale(&app.db, now).await.unwrap(), 1);
    let run = sync_runs::Entity::find_by_id(lost.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(run.status, "failed");
    assert!(run.active_for.is_none() && run.finished_at.is_some());
    assert!(run.error_summary.unwrap().contains("did not finish"));
    // The business is free for its next sync.
    assert!(
        runs::request(&app.db, business, SyncTrigger::Manual, None, None, now)
            .await
            .unwrap()
            .created
    );
    app.stop().await;
}
