//! No N+1 on the dashboard: each card's data is read with a fixed number
//! of SQL statements, however many accounts, runs and posts the business
//! has. The statements are counted with sea-orm's metric callback on a
//! connection of our own, once with one account and one run, once with
//! four accounts and several runs.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use backend::reports::{Range, metrics, posts};
use backend::sync::history;
use chrono::{Duration, Utc};
use sea_orm::{Database, DatabaseConnection};
use shared::domain::{Granularity, Metric, Platform};
use uuid::Uuid;

use crate::harness::*;
use crate::oauth::connect::connect;
use crate::oauth::{connect_x, set_fault};
use crate::on_both_databases;
use crate::sync_x::{spawn, sync_once};

on_both_databases!(each_dashboard_card_reads_a_fixed_number_of_statements);

/// Statements per card: status, history, analytics, connections.
#[derive(Debug, PartialEq, Eq)]
struct PerCard {
    status: usize,
    history: usize,
    analytics: usize,
    connections: usize,
}

async fn count(
    db: &DatabaseConnection,
    counter: &AtomicUsize,
    read: impl AsyncFnOnce(&DatabaseConnection),
) -> usize {
    let before = counter.load(Ordering::SeqCst);
    read(db).await;
    counter.load(Ordering::SeqCst) - before
}

async fn per_card(url: &str, business: Uuid) -> PerCard {
    let counter = Arc::new(AtomicUsize::new(0));
    let mut db = Database::connect(url).await.unwrap();
    let seen = counter.clone();
    db.set_metric_callback(move |_| {
        seen.fetch_add(1, Ordering::SeqCst);
    });
    let today = Utc::now().date_naive();
    let range = Range {
        from: today - Duration::days(29),
        to: today,
    };
    let filter = history::Filter {
        platform: None,
        status: None,
        trigger: None,
        cursor: None,
        limit: 20,
    };
    PerCard {
        status: count(&db, &counter, async |db| {
            backend::sync::status::of(db, business, Utc::now())
                .await
                .unwrap();
        })
        .await,
        history: count(&db, &counter, async |db| {
            let page = history::page(db, business, &filter).await.unwrap();
            assert!(!page.runs.is_empty());
        })
        .await,
        // What the analytics card's server function reads (the period and
        // the one before, the top posts, whether anything is connected).
        analytics: count(&db, &counter, async |db| {
            for range in [range, range] {
                let query = metrics::Query {
                    range,
                    platform: None,
                    metric: None,
                    granularity: Granularity::Day,
                };
                metrics::series(db, business, query).await.unwrap();
            }
            let query = posts::Query {
                range,
                platform: None,
                sort: Metric::Engagements,
                limit: 10,
            };
            posts::top(db, business, query).await.unwrap();
            backend::connections::list(db, business).await.unwrap();
        })
        .await,
        connections: count(&db, &counter, async |db| {
            backend::connections::list(db, business).await.unwrap();
        })
        .await,
    }
}

async fn each_dashboard_card_reads_a_fixed_number_of_statements(b: Backend) {
    let Some(s) = spawn(b).await else {
        return;
    };
    let app = &s.app;
    let client = new_client();
    app.signup_as(&client, "owner@example.com").await;
    let business = app.create_business_as(&client, "Acme").await;
    connect_x(app, &client, &business).await;
    let business: Uuid = business.parse().unwrap();
    sync_once(&s, business).await;
    let small = per_card(&s.fresh.url, business).await;

    connect(app, &client, Platform::LinkedIn, &business.to_string()).await;
    set_fault(app, "meta", Some("single_page")).await;
    connect(app, &client, Platform::Meta, &business.to_string()).await;
    set_fault(app, "meta", None).await;
    for _ in 0..3 {
        sync_once(&s, business).await;
    }
    let large = per_card(&s.fresh.url, business).await;

    eprintln!("statements per card, 1 account/1 run: {small:?}; 4 accounts/4 runs: {large:?}");
    assert_eq!(small, large, "a card's statements grow with its data");
    assert!(large.status <= 6, "{large:?}");
    assert!(large.history <= 2, "{large:?}");
    assert!(large.analytics <= 7, "{large:?}");
}
