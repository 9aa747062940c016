//! The sync survives what production does to it, with real processes on
//! Postgres: a `pulseboard worker` killed with SIGKILL mid-run (the run
//! finishes under the next worker, nothing twice, nothing left running);
//! two workers ticking every second (one run per business per slot); and
//! a Postgres restart under `serve` (it recovers without a restart of its
//! own, and scheduled syncs resume).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use backend::entities::{businesses, connections, metric_points, posts, sync_run_items, sync_runs};
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
};
use shared::domain::{SyncStatus, SyncTrigger};

use crate::harness::*;
use crate::oauth::{connect_x, set_fault};
use crate::shutdown::Cluster;

/// A `pulseboard worker` on `database_url`, reaching the sandbox of the web
/// process at `web` (its sandbox issued the tokens), with `keys`.
fn worker(database_url: &str, web: &str, keys: &str, tick: Option<&str>) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pulseboard"));
    cmd.arg("worker")
        .env("DATABASE_URL", database_url)
        .env("PULSEBOARD_CONFIG", "/nonexistent/Leptos.toml")
        .env("PULSEBOARD_SITE_ADDR", web.trim_start_matches("http://"))
        .env("PULSEBOARD_TOKEN_KEYS", keys)
        .env("PULSEBOARD_SANDBOX_ADMIN_TOKEN", SANDBOX_ADMIN_TOKEN)
        .env("PULSEBOARD_LOG_FORMAT", "json")
        .env(
            "PULSEBOARD_LOG_LEVEL",
            std::env::var("TEST_WORKER_LOG").unwrap_or("warn".into()),
        )
        .env_remove("RUST_LOG")
        .stdout(if std::env::var_os("TEST_WORKER_LOG").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .stderr(Stdio::null());
    if let Some(tick) = tick {
        cmd.env("PULSEBOARD_SYNC_SCHEDULE_TICK", tick);
    }
    cmd.spawn().expect("start a worker")
}

/// Waits up to `secs` for `check` to hold.
async fn eventually<F, Fut>(secs: u64, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..secs * 5 {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    false
}

async fn only_run(db: &DatabaseConnection) -> sync_runs::Model {
    sync_runs::Entity::find().one(db).await.unwrap().unwrap()
}

fn require_postgres() {
    if std::env::var_os("PULSEBOARD_REQUIRE_POSTGRES").is_some() {
        panic!("PostgreSQL is required for this test");
    }
    eprintln!("SKIPPED: no PostgreSQL");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_run_leaves_the_run_to_the_next_worker() {
    let Some(fresh) = FreshDb::create(Backend::Postgres).await else {
        return require_postgres();
    };
    let keys = test_keys();
    let settings = test_settings(&fresh.url, &[("token_keys", keys.as_str())]);
    // The web process only: the workers below run the jobs.
    let app = spawn_app_with_settings(&fresh, settings).await;
    let owner = new_client();
    app.signup_as(&owner, "owner@example.com").await;
    let business = app.create_business_as(&owner, "Acme").await;
    connect_x(&app, &owner, &business).await;

    // Every X call takes 3 s: the run is certainly mid-flight when killed.
    set_fault(&app, "x", Some("slow")).await;
    let mut first = worker(&fresh.url, &app.base, &keys, None);
    let res = owner
        .post(app.url(&format!("/api/v1/analytics/sync/{business}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let started = eventually(30, || async {
        let run = only_run(&app.db).await;
        run.status == SyncStatus::Running.as_str() && run.current_connection_id.is_some()
    })
    .await;
    assert!(started, "the first worker took the run");
    first.kill().unwrap();
    first.wait().unwrap();
    set_fault(&app, "x", None).await;
    let run = only_run(&app.db).await;
    assert!(run.finished_at.is_none(), "killed before the run ended");

    // The job returns after the dead worker's heartbeats lapse (3 × 10 s).
    let mut second = worker(&fresh.url, &app.base, &keys, None);
    let finished = eventually(90, || async {
        only_run(&app.db).await.finished_at.is_some()
    })
    .await;
    let _ = second.kill();
    let _ = second.wait();
    assert!(finished, "the next worker finished the run");
    let run = only_run(&app.db).await;
    assert_eq!(
        run.status,
        SyncStatus::Succeeded.as_str(),
        "{:?}",
        run.error_summary
    );
    assert_eq!(
        run.id.to_string(),
        res_run_id(&app, &owner, &business).await
    );
    assert_eq!(sync_runs::Entity::find().count(&app.db).await.unwrap(), 1);
    let items = sync_run_items::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(items.len(), 1, "one item, not one per attempt");
    assert_eq!(items[0].status, SyncStatus::Succeeded.as_str());

    // Nothing twice: the rows equal one clean sync's (the keys forbid
    // duplicates; the counts show nothing is missing either).
    let points = metric_points::Entity::find().count(&app.db).await.unwrap();
    let stored_posts = posts::Entity::find().count(&app.db).await.unwrap();
    assert!(points > 0 && stored_posts > 0);
    assert_eq!(items[0].records as u64, points + stored_posts);
    app.stop().await;
}

/// The id of the business's last run, as the status endpoint reports it.
async fn res_run_id(app: &TestApp, client: &reqwest::Client, business: &str) -> String {
    let status: serde_json::Value = client
        .get(app.url(&format!("/api/v1/analytics/sync-status/{business}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    status["last_run"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_ticking_make_one_run_per_business_per_slot() {
    let Some(fresh) = FreshDb::create(Backend::Postgres).await else {
        return require_postgres();
    };
    let keys = test_keys();
    let settings = test_settings(&fresh.url, &[("token_keys", keys.as_str())]);
    let app = spawn_app_with_settings(&fresh, settings).await;
    let owner = new_client();
    app.signup_as(&owner, "owner@example.com").await;
    let mut ids = Vec::new();
    for name in ["North", "South", "East"] {
        ids.push(app.create_business_as(&owner, name).await);
    }
    // Only businesses with an account are scheduled: each gets a copy of
    // the X connection made for the first.
    connect_x(&app, &owner, &ids[0]).await;
    let x = connections::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    for id in &ids[1..] {
        let copy = connections::Model {
            id: uuid::Uuid::new_v4(),
            business_id: id.parse().unwrap(),
            ..x.clone()
        };
        connections::ActiveModel::from(copy)
            .insert(&app.db)
            .await
            .unwrap();
    }
    // Every business's slot is due now.
    businesses::Entity::update_many()
        .col_expr(
            businesses::Column::NextSyncAt,
            Expr::value(Utc::now() - chrono::Duration::minutes(1)),
        )
        .exec(&app.db)
        .await
        .unwrap();
    let mut a = worker(&fresh.url, &app.base, &keys, Some("* * * * * *"));
    let mut b = worker(&fresh.url, &app.base, &keys, Some("* * * * * *"));
    let all_ended = eventually(30, || async {
        let runs = sync_runs::Entity::find().all(&app.db).await.unwrap();
        runs.len() >= ids.len() && runs.iter().all(|r| r.finished_at.is_some())
    })
    .await;
    // A few more ticks on both nodes: nothing new may appear.
    tokio::time::sleep(Duration::from_secs(3)).await;
    for child in [&mut a, &mut b] {
        let _ = child.kill();
        let _ = child.wait();
    }
    let runs = sync_runs::Entity::find().all(&app.db).await.unwrap();
    assert!(all_ended, "each business's due slot ran: {runs:#?}");
    let runs = sync_runs::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(runs.len(), ids.len(), "one run per business: {runs:#?}");
    for id in &ids {
        let mine: Vec<_> = runs
            .iter()
            .filter(|r| r.business_id.to_string() == *id)
            .collect();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].trigger, SyncTrigger::Schedule.as_str());
        assert!(mine[0].scheduled_for.is_some());
    }
    let later = businesses::Entity::find().all(&app.db).await.unwrap();
    assert!(
        later
            .iter()
            .all(|b| b.next_sync_at.is_some_and(|t| t > Utc::now()))
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_recovers_from_a_postgres_restart_and_scheduled_syncs_resume() {
    let Some(cluster) = Cluster::start() else {
        return require_postgres();
    };
    let settings = test_settings(&cluster.url(), &[("sync_schedule_tick", "* * * * * *")]);
    let fresh = FreshDb::borrowed_url(&cluster.url());
    let app = spawn_app_with_settings_and_worker(&fresh, settings, true).await;
    let owner = new_client();
    app.signup_as(&owner, "owner@example.com").await;
    let business = app.create_business_as(&owner, "Acme").await;
    connect_x(&app, &owner, &business).await;

    cluster.stop();
    let down = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(down.status(), 503);
    tokio::time::sleep(Duration::from_secs(2)).await;
    cluster.restart();

    let ready = eventually(30, || async {
        app.client
            .get(app.url("/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
    })
    .await;
    assert!(ready, "ready again without a restart");
    // The business's slot comes due: the ticking worker runs it.
    businesses::Entity::update_many()
        .col_expr(
            businesses::Column::NextSyncAt,
            Expr::value(Utc::now() - chrono::Duration::minutes(1)),
        )
        .exec(&app.db)
        .await
        .unwrap();
    let synced = eventually(60, || async {
        sync_runs::Entity::find()
            .filter(sync_runs::Column::Trigger.eq(SyncTrigger::Schedule.as_str()))
            .filter(sync_runs::Column::Status.eq(SyncStatus::Succeeded.as_str()))
            .count(&app.db)
            .await
            .is_ok_and(|n| n == 1)
    })
    .await;
    assert!(synced, "the scheduled sync ran after the restart");
    // Pages work again too.
    let page = owner
        .get(app.url(&format!("/businesses/{business}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    app.stop().await;
}
