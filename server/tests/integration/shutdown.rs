//! Timeouts and shutdown: a stalled client cannot keep the web process past
//! its grace, and the readiness probe answers quickly when the database is
//! gone (on a throwaway PostgreSQL cluster, never the shared server).

use std::process::Command;
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;

use crate::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_client_does_not_delay_shutdown_past_the_grace() {
    let app = spawn_app_with(Backend::Sqlite, &[("shutdown_grace_seconds", "2")])
        .await
        .unwrap();
    // Headers and part of a body, then nothing: the classic slow client.
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut stalled = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stalled
        .write_all(
            b"POST /api/fn/businesses/list HTTP/1.1\r\nHost: x\r\n\
              Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nab",
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    app.stop().await;
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(8),
        "stopped {took:?} after the signal; the grace is 2 s"
    );
    drop(stalled);
}

/// A private PostgreSQL cluster a test may stop and start.
pub(crate) struct Cluster {
    dir: tempfile::TempDir,
    port: u16,
    bin: std::path::PathBuf,
    stopped: std::cell::Cell<bool>,
}

impl Cluster {
    pub(crate) fn start() -> Option<Self> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("bin"))
            .find(|p| p.join("initdb").exists())?;
        let dir = tempfile::tempdir().ok()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let data = dir.path().join("data");
        as_postgres(&format!("chown postgres {}", dir.path().display()), true);
        let c = Self {
            dir,
            port,
            bin,
            stopped: std::cell::Cell::new(false),
        };
        c.pg(&format!(
            "{}/initdb -A trust -U postgres -D {} >/dev/null",
            c.bin.display(),
            data.display()
        ));
        c.pg(&format!(
            "{}/pg_ctl -D {} -o '-p {} -k {} -c listen_addresses=127.0.0.1' -w -l {}/log start >/dev/null",
            c.bin.display(),
            data.display(),
            c.port,
            c.dir.path().display(),
            c.dir.path().display()
        ));
        Some(c)
    }

    fn pg(&self, cmd: &str) {
        as_postgres(cmd, false);
    }

    pub(crate) fn stop(&self) {
        if self.stopped.replace(true) {
            return;
        }
        self.pg(&format!(
            "{}/pg_ctl -D {}/data -m immediate -w stop >/dev/null",
            self.bin.display(),
            self.dir.path().display()
        ));
    }

    /// Starts the stopped cluster again on the same port.
    pub(crate) fn restart(&self) {
        self.pg(&format!(
            "{}/pg_ctl -D {}/data -o '-p {} -k {} -c listen_addresses=127.0.0.1' -w -l {}/log start >/dev/null",
            self.bin.display(),
            self.dir.path().display(),
            self.port,
            self.dir.path().display(),
            self.dir.path().display()
        ));
        self.stopped.set(false);
    }

    pub(crate) fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop();
    }
}

fn as_postgres(cmd: &str, as_root: bool) {
    let status = if as_root {
        Command::new("sh").args(["-c", cmd]).status()
    } else {
        Command::new("runuser")
            .args(["-u", "postgres", "--", "sh", "-c", cmd])
            .status()
    }
    .expect("run a cluster command");
    assert!(status.success(), "{cmd}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_answers_503_quickly_when_the_database_is_gone() {
    let Some(cluster) = Cluster::start() else {
        if std::env::var_os("PULSEBOARD_REQUIRE_POSTGRES").is_some() {
            panic!("PostgreSQL binaries are required to start a throwaway cluster");
        }
        eprintln!("SKIPPED: no PostgreSQL binaries for a throwaway cluster");
        return;
    };
    let settings = test_settings(&cluster.url(), &[]);
    let app = spawn_app_with_settings(&FreshDb::borrowed_url(&cluster.url()), settings).await;
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    cluster.stop();
    let started = Instant::now();
    let res = app.client.get(app.url("/readyz")).send().await.unwrap();
    let took = started.elapsed();
    assert_eq!(res.status(), 503);
    assert!(
        took < Duration::from_secs(5),
        "answered in {took:?}, not after the pool's 10 s acquire timeout"
    );
    app.stop().await;
}

/// A cron tick that cannot be claimed because the database is gone is
/// logged by job and slot, not lost silently.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tick_lost_to_a_database_outage_is_logged() {
    let logs = crate::capture::Captured::install(tracing::Level::INFO);
    let Some(cluster) = Cluster::start() else {
        if std::env::var_os("PULSEBOARD_REQUIRE_POSTGRES").is_some() {
            panic!("PostgreSQL binaries are required to start a throwaway cluster");
        }
        eprintln!("SKIPPED: no PostgreSQL binaries for a throwaway cluster");
        return;
    };
    let settings = test_settings(
        &cluster.url(),
        &[
            ("housekeeping_schedule", "* * * * * *"),
            ("refresh_sweep_schedule", "* * * * * *"),
            ("shutdown_grace_seconds", "1"),
        ],
    );
    let app = server::startup::Application::build(
        settings,
        server::startup::Roles {
            web: false,
            worker: true,
        },
    )
    .await
    .unwrap();
    let shutdown = tokio_util::sync::CancellationToken::new();
    let running = tokio::spawn(app.run(shutdown.clone()));
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(
        logs.text().contains("tick claimed"),
        "ticks run while the database is up"
    );
    cluster.stop();
    let mut logged = false;
    for _ in 0..150 {
        if logs.text().contains("cron tick could not be claimed") {
            logged = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    shutdown.cancel();
    let _ = tokio::time::timeout(Duration::from_secs(10), running).await;
    assert!(logged, "a lost tick is logged: {}", logs.text());
}

/// A job still running when the shutdown grace ends is logged with its id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_abandoned_at_the_grace_is_logged_with_its_id() {
    use backend::entities::connections;
    use sea_orm::EntityTrait;
    use sea_orm::sea_query::Expr;
    let logs = crate::capture::Captured::install(tracing::Level::DEBUG);
    let app = spawn_app_with_worker(
        Backend::Sqlite,
        &[
            ("shutdown_grace_seconds", "1"),
            ("refresh_sweep_schedule", "* * * * * *"),
        ],
    )
    .await
    .unwrap();
    let client = new_client();
    app.signup_as(&client, "owner@example.com").await;
    let business = app.create_business_as(&client, "Northwind").await;
    crate::oauth::connect_x(&app, &client, &business).await;
    // X answers in 3 s; the refresh is due now, so the sweep queues it.
    crate::oauth::set_fault(&app, "x", Some("slow")).await;
    connections::Entity::update_many()
        .col_expr(
            connections::Column::AccessExpiresAt,
            Expr::value(Some(chrono::Utc::now() + chrono::Duration::minutes(5))),
        )
        .exec(&app.db)
        .await
        .unwrap();
    let mut started = false;
    for _ in 0..150 {
        if logs.text().contains("job started") && logs.text().contains("refresh_connection") {
            started = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(started, "the refresh job started");
    // Let its call reach the (slow) sandbox first: stopped sooner, the web
    // server (the sandbox's host) is already gone and the job fails fast
    // instead of running into the grace.
    tokio::time::sleep(Duration::from_millis(500)).await;
    app.stop().await;
    let text = logs.text();
    let line = text
        .lines()
        .find(|l| l.contains("job abandoned at the shutdown grace"))
        .unwrap_or_else(|| panic!("the abandoned job is logged: {text}"));
    assert!(
        line.contains("task_id=") && line.contains("refresh_connection"),
        "{line}"
    );
}
