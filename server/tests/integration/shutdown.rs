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

/// A private PostgreSQL cluster this test may stop.
struct Cluster {
    dir: tempfile::TempDir,
    port: u16,
    bin: std::path::PathBuf,
    stopped: std::cell::Cell<bool>,
}

impl Cluster {
    fn start() -> Option<Self> {
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

    fn stop(&self) {
        if self.stopped.replace(true) {
            return;
        }
        self.pg(&format!(
            "{}/pg_ctl -D {}/data -m immediate -w stop >/dev/null",
            self.bin.display(),
            self.dir.path().display()
        ));
    }

    fn url(&self) -> String {
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
