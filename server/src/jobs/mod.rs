//! Background jobs on apalis: a storage-backed queue (apalis-postgres on
//! Postgres, apalis-sqlite on SQLite, sharing sea-orm's pool), cron ticks
//! deduplicated in the database, and one Monitor that drains on shutdown.

pub mod cron;
pub mod housekeeping;
pub mod refresh;
pub mod schedule;
pub mod sync;

use std::str::FromStr;
use std::time::Duration;

use apalis::layers::retry::HasherRng;
use apalis::layers::retry::backoff::{ExponentialBackoff, ExponentialBackoffMaker, MakeBackoff};
use apalis::prelude::*;
use apalis_cron::CronScheduler;
use apalis_postgres::PostgresStorage;
use apalis_sqlite::SqliteStorage;
use sea_orm::{DatabaseConnection, DbBackend};
use tokio_util::sync::CancellationToken;

use crate::config::Settings;
use housekeeping::HousekeepingJob;

/// Every job Pulseboard queues. Payloads carry ids, never tokens.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    Housekeeping(HousekeepingJob),
    RefreshConnection { connection_id: uuid::Uuid },
    SyncBusiness { run_id: uuid::Uuid },
}

impl Job {
    fn kind(&self) -> &'static str {
        match self {
            Job::Housekeeping(_) => "housekeeping",
            Job::RefreshConnection { .. } => "refresh_connection",
            Job::SyncBusiness { .. } => "sync_business",
        }
    }
}

/// The one handler the queue worker runs: dispatches by kind, and keeps the
/// job in this process's in-flight list while it runs (see [`InFlight`]).
pub async fn run_job(job: Job, deps: Data<JobDeps>, task_id: TaskId) -> Result<(), BoxDynError> {
    let kind = job.kind();
    tracing::debug!(task_id = %task_id, job = kind, "job started");
    let running = deps.in_flight.enter(&task_id, kind);
    let started = std::time::Instant::now();
    let result = match job {
        Job::Housekeeping(j) => housekeeping::run(j, deps).await,
        Job::RefreshConnection { connection_id } => refresh::run(connection_id, deps).await,
        Job::SyncBusiness { run_id } => sync::run(run_id, deps).await,
    };
    crate::observability::metrics::job_ended(kind, result.is_ok(), started);
    running.finish();
    result
}

/// The jobs running in this process, so that a shutdown which cannot wait
/// for one says which (it returns to the queue once its lease lapses).
#[derive(Default)]
pub struct InFlight {
    jobs: std::sync::Mutex<std::collections::HashMap<u64, (String, &'static str)>>,
    next: std::sync::atomic::AtomicU64,
}

impl InFlight {
    fn enter(self: &std::sync::Arc<Self>, task_id: &TaskId, kind: &'static str) -> Running {
        let key = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.lock().insert(key, (task_id.to_string(), kind));
        Running {
            key,
            registry: self.clone(),
            finished: false,
        }
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<u64, (String, &'static str)>> {
        self.jobs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Logs every job still running and forgets it; returns how many.
    pub fn abandon_remaining(&self) -> usize {
        let left: Vec<_> = self.lock().drain().map(|(_, job)| job).collect();
        for (task_id, kind) in &left {
            abandoned(task_id, kind);
        }
        left.len()
    }
}

fn abandoned(task_id: &str, kind: &str) {
    tracing::warn!(
        task_id,
        job = kind,
        "job abandoned at the shutdown grace; it runs again once its lease lapses"
    );
}

/// One running job. Dropped before `finish` (its worker stopped at the
/// grace), it is logged as abandoned.
struct Running {
    key: u64,
    registry: std::sync::Arc<InFlight>,
    finished: bool,
}

impl Running {
    fn finish(mut self) {
        self.finished = true;
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let job = self.registry.lock().remove(&self.key);
        if let (Some((task_id, kind)), false) = (job, self.finished) {
            abandoned(&task_id, kind);
        }
    }
}

/// Attempts per job before it is marked failed: the first run plus retries.
pub const MAX_ATTEMPTS: usize = 5;
const RETRIES: usize = MAX_ATTEMPTS - 1;

/// Where jobs are pushed. One variant per database, same behaviour.
#[derive(Clone)]
pub enum JobQueue {
    Postgres(PostgresStorage<Job>),
    Sqlite(SqliteStorage<Job>),
}

pub const QUEUE: &str = "pulseboard.jobs";

/// "Sync now" hands its new run to the queue as a SyncBusiness job.
impl backend::sync::now::RunQueue for JobQueue {
    fn enqueue(&self, run_id: uuid::Uuid) -> backend::sync::now::Pending<'_> {
        Box::pin(async move {
            self.push(Job::SyncBusiness { run_id })
                .await
                .map_err(|e| e.to_string())
        })
    }
}

impl JobQueue {
    /// Creates apalis' tables (idempotent) and the queue handle.
    pub async fn setup(db: &DatabaseConnection) -> anyhow::Result<Self> {
        match db.get_database_backend() {
            DbBackend::Postgres => {
                let pool = db.get_postgres_connection_pool();
                PostgresStorage::<()>::setup(pool).await?;
                Ok(JobQueue::Postgres(
                    PostgresStorage::new(pool).with_config(
                        apalis_postgres::Config::default()
                            .queue(QUEUE)
                            .heartbeat_interval(Duration::from_secs(10))
                            .missed_heartbeats(3),
                    ),
                ))
            }
            DbBackend::Sqlite => {
                let pool = db.get_sqlite_connection_pool();
                // Not `setup()`: it would switch the shared pool to synchronous=OFF.
                SqliteStorage::<()>::migrations().run(pool).await?;
                Ok(JobQueue::Sqlite(
                    SqliteStorage::new(pool).with_config(
                        apalis_sqlite::Config::default()
                            .queue(QUEUE)
                            .heartbeat_interval(Duration::from_secs(10))
                            .missed_heartbeats(3),
                    ),
                ))
            }
            other => anyhow::bail!("unsupported database backend {other:?}"),
        }
    }

    pub async fn push(&self, job: Job) -> anyhow::Result<()> {
        self.push_after(job, Duration::ZERO).await
    }

    /// Enqueues `job` to run no sooner than `delay` from now.
    pub async fn push_after(&self, job: Job, delay: Duration) -> anyhow::Result<()> {
        // Storage-side attempts must match in-process retries, or a failed job
        // is fetched again at once up to apalis' default of 25 times.
        let task = TaskBuilder::new(job)
            .max_attempts(MAX_ATTEMPTS)
            .run_after(delay)
            .build();
        match self.clone() {
            JobQueue::Postgres(mut s) => {
                s.push_task(task).await.map_err(|e| anyhow::anyhow!("{e}"))
            }
            JobQueue::Sqlite(mut s) => s.push_task(task).await.map_err(|e| anyhow::anyhow!("{e}")),
        }
    }
}

/// Shared by every handler; cheap to clone.
#[derive(Clone)]
pub struct JobDeps {
    pub db: DatabaseConnection,
    pub queue: JobQueue,
    /// This process's name in logs and claim rows.
    pub node: String,
    pub session_idle: chrono::Duration,
    pub vault: std::sync::Arc<backend::vault::Keyring>,
    pub providers: std::sync::Arc<backend::platforms::Providers>,
    /// Jobs running in this process (named in the log if shutdown abandons them).
    pub in_flight: std::sync::Arc<InFlight>,
    /// Where sync runs announce their changes.
    pub events: backend::sync::events::Events,
}

fn backoff() -> ExponentialBackoff {
    ExponentialBackoffMaker::new(
        Duration::from_secs(1),
        Duration::from_secs(60),
        0.5,
        HasherRng::default(),
    )
    .expect("static backoff bounds are valid")
    .make_backoff()
}

/// A name unique to this process: apalis refuses two live workers with one name.
pub fn node_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "local".into());
    format!(
        "{host}-{}-{}",
        std::process::id(),
        &uuid::Uuid::new_v4().simple().to_string()[..6]
    )
}

/// Builds the Monitor with every worker and runs it until `shutdown` fires,
/// then waits up to `grace` for in-flight jobs.
pub async fn run(
    settings: &Settings,
    deps: JobDeps,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let schedule = ::cron::Schedule::from_str(&settings.housekeeping_schedule).map_err(|e| {
        anyhow::anyhow!("housekeeping_schedule is not a valid cron expression: {e}")
    })?;
    let sweep_schedule =
        ::cron::Schedule::from_str(&settings.refresh_sweep_schedule).map_err(|e| {
            anyhow::anyhow!("refresh_sweep_schedule is not a valid cron expression: {e}")
        })?;
    let sync_schedule = ::cron::Schedule::from_str(&settings.sync_schedule_tick)
        .map_err(|e| anyhow::anyhow!("sync_schedule_tick is not a valid cron expression: {e}"))?;
    let concurrency = settings.worker_concurrency;
    let node = deps.node.clone();

    let cron_worker = {
        let deps = deps.clone();
        let node = node.clone();
        move |_restarts: usize| {
            WorkerBuilder::new(format!("housekeeping-cron-{node}"))
                .backend(CronScheduler::new(schedule.clone()))
                .data(deps.clone())
                .build(housekeeping::on_tick)
        }
    };

    let sweep_worker = {
        let deps = deps.clone();
        let node = node.clone();
        move |_restarts: usize| {
            WorkerBuilder::new(format!("refresh-sweep-cron-{node}"))
                .backend(CronScheduler::new(sweep_schedule.clone()))
                .data(deps.clone())
                .build(refresh::on_tick)
        }
    };

    let schedule_worker = {
        let deps = deps.clone();
        let node = node.clone();
        move |_restarts: usize| {
            WorkerBuilder::new(format!("sync-schedule-cron-{node}"))
                .backend(CronScheduler::new(sync_schedule.clone()))
                .data(deps.clone())
                .build(schedule::on_tick)
        }
    };

    let monitor = Monitor::new()
        .register(cron_worker)
        .register(sweep_worker)
        .register(schedule_worker);
    // The same worker over either storage (their types differ, the code not).
    macro_rules! queue_worker {
        ($storage:expr) => {{
            let (storage, deps, node) = ($storage, deps.clone(), node.clone());
            monitor.register(move |_| {
                WorkerBuilder::new(format!("jobs-{node}"))
                    .backend(storage.clone().poll_with_interval(Duration::from_secs(1)))
                    .data(deps.clone())
                    .concurrency(concurrency)
                    .retry(RetryPolicy::retries(RETRIES).with_backoff(backoff()))
                    .build(run_job)
            })
        }};
    }
    let monitor = match deps.queue.clone() {
        JobQueue::Postgres(storage) => queue_worker!(storage),
        JobQueue::Sqlite(storage) => queue_worker!(storage),
    };

    tracing::info!(node = %node, "job worker started");
    monitor
        .should_restart(|_ctx, err| {
            tracing::warn!(error = %err, "job worker stopped; restarting");
            true
        })
        .shutdown_timeout(Duration::from_secs(settings.shutdown_grace_seconds))
        .run_with_signal(async move {
            shutdown.cancelled().await;
            tracing::info!("job worker draining");
            Ok(())
        })
        .await?;
    let abandoned = deps.in_flight.abandon_remaining();
    tracing::info!(abandoned, "job worker stopped");
    Ok(())
}
