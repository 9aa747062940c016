//! Housekeeping through the real job runtime: cron tick → claim → queue →
//! worker, on both databases, and exactly once per tick across two processes.

use std::time::Duration;

use backend::entities::{businesses, cron_claims, oauth_transactions, sessions, users};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use server::startup::{Application, Roles};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::harness::*;
use crate::on_both_databases;

on_both_databases!(housekeeping_runs_from_the_queue, ticks_are_claimed_once);

/// One user with three sessions (expired, idle-expired, live) and two OAuth
/// transactions (expired, live). Returns the ids that must survive.
pub(crate) async fn seed(db: &DatabaseConnection) -> (String, String) {
    let now = Utc::now();
    let user = Uuid::new_v4();
    users::ActiveModel {
        id: Set(user),
        email: Set(format!("{user}@example.com")),
        password_hash: Set("x".into()),
        created_at: Set(now),
    }
    .insert(db)
    .await
    .unwrap();
    let business = Uuid::new_v4();
    businesses::ActiveModel {
        id: Set(business),
        name: Set("B".into()),
        timezone: Set("UTC".into()),
        sync_interval_minutes: Set(360),
        sync_daily_at_minute: Set(None),
        sync_paused: Set(false),
        next_sync_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await
    .unwrap();
    let session = |id: &str, last_seen: chrono::DateTime<Utc>, expires: chrono::DateTime<Utc>| {
        sessions::ActiveModel {
            id: Set(id.into()),
            user_id: Set(user),
            created_at: Set(now - chrono::Duration::days(40)),
            last_seen_at: Set(last_seen),
            expires_at: Set(expires),
        }
    };
    session("expired", now, now - chrono::Duration::minutes(1))
        .insert(db)
        .await
        .unwrap();
    session(
        "idle",
        now - chrono::Duration::days(8),
        now + chrono::Duration::days(1),
    )
    .insert(db)
    .await
    .unwrap();
    session("live", now, now + chrono::Duration::days(1))
        .insert(db)
        .await
        .unwrap();
    let txn = |state: &str, expires: chrono::DateTime<Utc>| oauth_transactions::ActiveModel {
        state_hash: Set(state.into()),
        platform: Set("x".into()),
        verifier_ct: Set(vec![1, 2, 3]),
        user_id: Set(user),
        session_id: Set("live".into()),
        business_id: Set(business),
        return_to: Set("/".into()),
        created_at: Set(now - chrono::Duration::minutes(20)),
        expires_at: Set(expires),
    };
    txn("old", now - chrono::Duration::minutes(5))
        .insert(db)
        .await
        .unwrap();
    txn("fresh", now + chrono::Duration::minutes(10))
        .insert(db)
        .await
        .unwrap();
    ("live".into(), "fresh".into())
}

async fn wait_for_claims(db: &DatabaseConnection, at_least: usize) -> Vec<cron_claims::Model> {
    for _ in 0..100 {
        let rows = cron_claims::Entity::find()
            .order_by_asc(cron_claims::Column::Slot)
            .all(db)
            .await
            .unwrap();
        if rows.iter().filter(|r| r.executions > 0).count() >= at_least {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("housekeeping did not run {at_least} time(s) within 20 s");
}

async fn housekeeping_runs_from_the_queue(b: Backend) {
    let Some(fresh) = FreshDb::create(b).await else {
        return;
    };
    let settings = test_settings(&fresh.url, &[("housekeeping_schedule", "* * * * * *")]);
    let app = Application::build(
        settings,
        Roles {
            web: false,
            worker: true,
        },
    )
    .await
    .unwrap();
    let db = app.db().clone();
    let (live_session, live_txn) = seed(&db).await;
    let token = CancellationToken::new();
    let running = tokio::spawn(app.run(token.clone()));

    let claims = wait_for_claims(&db, 1).await;
    assert!(claims.iter().all(|c| c.executions <= 1));
    let done = claims.iter().find(|c| c.executions == 1).unwrap();
    assert!(done.outcome.as_deref().unwrap().contains("sessions="));

    let left: Vec<String> = sessions::Entity::find()
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(left, vec![live_session]);
    let left: Vec<String> = oauth_transactions::Entity::find()
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.state_hash)
        .collect();
    assert_eq!(left, vec![live_txn]);

    token.cancel();
    tokio::time::timeout(Duration::from_secs(30), running)
        .await
        .expect("worker drains within the grace period")
        .unwrap()
        .unwrap();
}

async fn ticks_are_claimed_once(b: Backend) {
    let Some(fresh) = FreshDb::create(b).await else {
        return;
    };
    let settings = test_settings(&fresh.url, &[]);
    let app = Application::build(
        settings,
        Roles {
            web: false,
            worker: false,
        },
    )
    .await
    .unwrap();
    let slot = Utc::now()
        .date_naive()
        .and_hms_opt(12, 0, 0)
        .unwrap()
        .and_utc();
    use server::jobs::cron::claim;
    assert!(
        claim(app.db(), "housekeeping", slot, "node-a")
            .await
            .unwrap()
    );
    assert!(
        !claim(app.db(), "housekeeping", slot, "node-b")
            .await
            .unwrap()
    );
    assert!(
        claim(
            app.db(),
            "housekeeping",
            slot + chrono::Duration::minutes(1),
            "node-b"
        )
        .await
        .unwrap()
    );
    assert!(claim(app.db(), "other-job", slot, "node-b").await.unwrap());
    let rows = cron_claims::Entity::find().all(app.db()).await.unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows.iter()
            .find(|r| r.job == "housekeeping" && r.slot == slot)
            .unwrap()
            .node,
        "node-a"
    );
}

/// Two real `pulseboard worker` processes on one Postgres, ticking every
/// second: every slot is claimed by one node and its job runs once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_worker_processes_run_each_tick_once() {
    let Some(fresh) = FreshDb::create(Backend::Postgres).await else {
        return;
    };
    // Migrate and seed before the workers start.
    let settings = test_settings(&fresh.url, &[]);
    let app = Application::build(
        settings,
        Roles {
            web: false,
            worker: false,
        },
    )
    .await
    .unwrap();
    let db = app.db().clone();
    let (live_session, _) = seed(&db).await;

    let keys = test_keys();
    let spawn = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_pulseboard"))
            .arg("worker")
            .env("DATABASE_URL", &fresh.url)
            .env("PULSEBOARD_CONFIG", "/nonexistent/Leptos.toml")
            .env("PULSEBOARD_HOUSEKEEPING_SCHEDULE", "* * * * * *")
            .env("PULSEBOARD_LOG_FORMAT", "json")
            .env("PULSEBOARD_LOG_LEVEL", "warn,server=debug")
            .env("PULSEBOARD_TOKEN_KEYS", &keys)
            .env_remove("RUST_LOG")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start worker")
    };
    let a = spawn();
    let b = spawn();
    tokio::time::sleep(Duration::from_secs(7)).await;
    for child in [&a, &b] {
        // SIGTERM: the graceful path.
        std::process::Command::new("kill")
            .arg(child.id().to_string())
            .status()
            .unwrap();
    }
    let out_a = a.wait_with_output().unwrap();
    let out_b = b.wait_with_output().unwrap();
    assert!(
        out_a.status.success() && out_b.status.success(),
        "both workers drain and exit cleanly"
    );
    let logs = [
        String::from_utf8_lossy(&out_a.stdout).to_string(),
        String::from_utf8_lossy(&out_b.stdout).to_string(),
    ];
    let ticks = |log: &str| {
        log.lines()
            .filter(|l| l.contains("tick claimed") || l.contains("tick already claimed"))
            .count()
    };
    let claimed: usize = logs
        .iter()
        .map(|l| l.matches("tick claimed; job enqueued").count())
        .sum();
    assert!(
        ticks(&logs[0]) >= 3 && ticks(&logs[1]) >= 3,
        "both nodes ticked: {} / {}",
        ticks(&logs[0]),
        ticks(&logs[1])
    );

    // Only housekeeping's ticks: the refresh sweep claims its own (per minute).
    let rows = cron_claims::Entity::find()
        .filter(cron_claims::Column::Job.eq(server::jobs::housekeeping::JOB))
        .all(&db)
        .await
        .unwrap();
    assert!(
        rows.len() >= 3,
        "one claim per elapsed second, got {}",
        rows.len()
    );
    assert_eq!(
        rows.len(),
        claimed,
        "every claim row was won by exactly one tick"
    );
    let distinct: std::collections::HashSet<_> = rows.iter().map(|r| r.slot).collect();
    assert_eq!(distinct.len(), rows.len());
    let executed: Vec<i32> = rows.iter().map(|r| r.executions).collect();
    assert!(
        executed.iter().all(|&n| n <= 1),
        "no tick ran twice: {executed:?}"
    );
    assert!(
        executed.iter().filter(|&&n| n == 1).count() >= 2,
        "ticks ran: {executed:?}"
    );

    let left: Vec<String> = sessions::Entity::find()
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(left, vec![live_session]);
}
