//! The sync's storage promises on both databases: a repeated write leaves
//! the same rows, a business never has two runs in flight however many
//! callers ask at once, and a schedule slot gets one run.

use backend::entities::{businesses, connections, metric_points, posts, sync_runs};
use backend::sync::runs;
use backend::sync::schedule::{self, Schedule};
use backend::sync::store::{self, Point, PostRecord};
use chrono::{Duration, NaiveDate, SubsecRound, TimeZone, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use shared::domain::{Metric, SyncStatus, SyncTrigger};
use uuid::Uuid;

use crate::harness::*;
use crate::oauth::connect_x;
use crate::on_both_databases;

on_both_databases!(
    writing_the_same_analytics_twice_leaves_the_same_rows,
    twenty_concurrent_requests_make_one_run,
    a_schedule_slot_gets_one_run_and_a_finished_run_frees_the_business,
    downtime_over_three_slots_makes_one_catch_up_run,
);

/// A business with the sandbox X account connected: (business, connection).
pub(crate) async fn connected_business(app: &TestApp) -> (Uuid, Uuid) {
    let client = new_client();
    app.signup_as(&client, "owner@example.com").await;
    let business = app.create_business_as(&client, "Acme").await;
    connect_x(app, &client, &business).await;
    let connection = connections::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    (business.parse().unwrap(), connection.id)
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

async fn writing_the_same_analytics_twice_leaves_the_same_rows(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let (_, connection) = connected_business(&app).await;
    let now = Utc::now();
    let points: Vec<Point> = (1..=5)
        .map(|d| Point {
            metric: Metric::Views,
            day: day(d),
            value: f64::from(d * 100),
            native: "impressionCount".into(),
        })
        .collect();
    let post = PostRecord {
        external_id: "1850000000000000001".into(),
        published_at: Utc.with_ymd_and_hms(2026, 11, 3, 9, 30, 0).unwrap(),
        excerpt: "Hello".into(),
        url: None,
        metrics: vec![(Metric::Likes, 4.0)],
    };
    for _ in 0..2 {
        assert_eq!(
            store::upsert_points(&app.db, connection, &points, now)
                .await
                .unwrap(),
            5
        );
        store::upsert_posts(&app.db, connection, std::slice::from_ref(&post), now)
            .await
            .unwrap();
    }
    assert_eq!(
        metric_points::Entity::find().count(&app.db).await.unwrap(),
        5
    );
    assert_eq!(posts::Entity::find().count(&app.db).await.unwrap(), 1);

    // A revised day replaces its value; the other days are untouched.
    let revised = Point {
        value: 333.0,
        ..points[2].clone()
    };
    store::upsert_points(&app.db, connection, &[revised], now + Duration::hours(6))
        .await
        .unwrap();
    let stored = metric_points::Entity::find()
        .filter(metric_points::Column::Day.eq(day(3)))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.value, 333.0);
    assert_eq!(stored.metric, "views");
    assert_eq!(stored.native_metric, "impressionCount");
    let total: f64 = metric_points::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .iter()
        .map(|p| p.value)
        .sum();
    assert_eq!(total, 100.0 + 200.0 + 333.0 + 400.0 + 500.0);

    store::mark_unavailable(
        &app.db,
        connection,
        "page_impressions",
        "(#100) deprecated",
        now,
    )
    .await
    .unwrap();
    store::mark_unavailable(&app.db, connection, "page_impressions", "(#100) again", now)
        .await
        .unwrap();
    let refused = store::unavailable(&app.db, connection).await.unwrap();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].reason, "(#100) again");
    app.stop().await;
}

async fn twenty_concurrent_requests_make_one_run(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let (business, _) = connected_business(&app).await;
    let now = Utc::now();
    let asks = (0..20).map(|_| {
        let db = app.db.clone();
        tokio::spawn(async move {
            runs::request(&db, business, SyncTrigger::Manual, None, None, now)
                .await
                .unwrap()
        })
    });
    let answers = futures::future::join_all(asks).await;
    let answers: Vec<_> = answers.into_iter().map(Result::unwrap).collect();
    assert_eq!(answers.iter().filter(|a| a.created).count(), 1);
    assert!(answers.iter().all(|a| a.run.id == answers[0].run.id));
    assert_eq!(sync_runs::Entity::find().count(&app.db).await.unwrap(), 1);
    let run = runs::in_flight(&app.db, business).await.unwrap().unwrap();
    assert_eq!(run.status, "queued");
    app.stop().await;
}

async fn a_schedule_slot_gets_one_run_and_a_finished_run_frees_the_business(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let (business, _) = connected_business(&app).await;
    let now = Utc::now();
    let slot = Utc.with_ymd_and_hms(2026, 12, 3, 6, 0, 0).unwrap();
    let first = runs::request(
        &app.db,
        business,
        SyncTrigger::Schedule,
        None,
        Some(slot),
        now,
    )
    .await
    .unwrap();
    assert!(first.created);
    runs::start(&app.db, first.run.id, 1, now).await.unwrap();
    assert!(
        runs::finish(&app.db, first.run.id, SyncStatus::Succeeded, None, now)
            .await
            .unwrap()
    );
    assert!(
        !runs::finish(&app.db, first.run.id, SyncStatus::Failed, None, now)
            .await
            .unwrap(),
        "an ended run stays ended"
    );
    assert!(runs::in_flight(&app.db, business).await.unwrap().is_none());

    // Another node's tick for the same slot finds the slot's run.
    let again = runs::request(
        &app.db,
        business,
        SyncTrigger::Schedule,
        None,
        Some(slot),
        now,
    )
    .await
    .unwrap();
    assert!(!again.created);
    assert_eq!(again.run.id, first.run.id);
    assert_eq!(again.run.status, "succeeded");

    // A manual run is free to start now that nothing is in flight.
    let manual = runs::request(&app.db, business, SyncTrigger::Manual, None, None, now)
        .await
        .unwrap();
    assert!(manual.created);
    assert_eq!(
        sync_runs::Entity::find()
            .filter(sync_runs::Column::BusinessId.eq(business))
            .count(&app.db)
            .await
            .unwrap(),
        2
    );
    assert!(
        runs::finish(&app.db, manual.run.id, SyncStatus::Running, None, now)
            .await
            .is_err(),
        "a run cannot finish as running"
    );
    app.stop().await;
}

async fn downtime_over_three_slots_makes_one_catch_up_run(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let (business, _) = connected_business(&app).await;
    let now = Utc::now();

    // The first tick gives the schedule its next slot, and runs nothing.
    assert!(schedule::tick(&app.db, now).await.unwrap().is_empty());
    let row = businesses::Entity::find_by_id(business)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let schedule = Schedule::of(&row);
    assert_eq!(row.next_sync_at, Some(schedule.next_after(now)));

    // Down for three 6-hour slots: the oldest missed slot is still recorded.
    // (Slots are whole seconds; Postgres keeps microseconds.)
    let missed = (now - Duration::hours(19)).trunc_subsecs(0);
    businesses::Entity::update_many()
        .col_expr(businesses::Column::NextSyncAt, Expr::value(Some(missed)))
        .filter(businesses::Column::Id.eq(business))
        .exec(&app.db)
        .await
        .unwrap();
    // Two nodes tick at once, then again a minute later.
    let ticks = [app.db.clone(), app.db.clone()]
        .map(|db| tokio::spawn(async move { schedule::tick(&db, now).await.unwrap() }));
    let made: usize = futures::future::join_all(ticks)
        .await
        .into_iter()
        .map(|r| r.unwrap().len())
        .sum();
    assert_eq!(made, 1, "one catch-up run, not one per missed slot or node");
    let later = schedule::tick(&app.db, now + Duration::minutes(1))
        .await
        .unwrap();
    assert!(later.is_empty());
    let runs = sync_runs::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].scheduled_for, Some(missed));
    assert_eq!(runs[0].trigger, "schedule");
    let row = businesses::Entity::find_by_id(business)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.next_sync_at, Some(schedule.next_after(now)));
    assert!(row.next_sync_at.unwrap() > now);
    app.stop().await;
}
