//! Prometheus metrics. Code everywhere records through the `metrics` facade
//! (`metrics::counter!` and friends); this module installs the one recorder
//! per process, names and describes every metric, reads the gauges that are
//! cheaper to count at scrape time than to keep (connections by status, the
//! oldest due job, the events bus's subscribers) and serves the text format.
//!
//! Served on `metrics_addr` (default 127.0.0.1:9464, a listener of its own)
//! and, only when `metrics_token` is set, at `/metrics` on the public address
//! behind `Authorization: Bearer <token>`. Never open to the world by default.

use std::sync::OnceLock;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use backend::sync::events::Events;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use secrecy::{ExposeSecret, SecretString};

pub const HTTP_REQUESTS: &str = "pulseboard_http_requests_total";
pub const HTTP_DURATION: &str = "pulseboard_http_request_duration_seconds";
pub const JOBS: &str = "pulseboard_jobs_total";
pub const JOB_DURATION: &str = "pulseboard_job_duration_seconds";
pub const SYNC_RUNS: &str = "pulseboard_sync_runs_total";
pub const CONNECTIONS: &str = "pulseboard_connections";
pub const OLDEST_DUE_JOB: &str = "pulseboard_oldest_due_job_age_seconds";
pub const BUS_SUBSCRIBERS: &str = "pulseboard_events_subscribers";

/// Seconds: a fast request to a slow platform call.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// The process's recorder, installed on first use.
pub fn handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let handle = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &BUCKETS)
                .expect("buckets are not empty")
                .install_recorder()
                .expect("only this module installs a metrics recorder");
            describe();
            handle
        })
        .clone()
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests by route template, method and status"
    );
    describe_histogram!(
        HTTP_DURATION,
        "HTTP request latency by route template and method"
    );
    describe_counter!(JOBS, "Jobs run by kind and outcome (ok, error)");
    describe_histogram!(JOB_DURATION, "Job run time by kind");
    describe_counter!(SYNC_RUNS, "Sync runs ended, by status");
    describe_gauge!(
        CONNECTIONS,
        "Connected accounts by status, counted at scrape"
    );
    describe_gauge!(
        OLDEST_DUE_JOB,
        "Age of the oldest job that is due but not started (0 when none)"
    );
    describe_gauge!(
        BUS_SUBSCRIBERS,
        "Live dashboards listening to sync events in this process"
    );
}

/// Counts and times every request by its route template (never the raw
/// path: ids and queries would make a series per request). Parameters read
/// `:business_id`, not axum's `{business_id}`: braces inside label values
/// trip common exposition parsers.
pub async fn track_requests(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |m| m.as_str())
        .replace('{', ":")
        .replace('}', "");
    let method = req.method().as_str().to_owned();
    let started = Instant::now();
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    metrics::histogram!(HTTP_DURATION, "route" => route.clone(), "method" => method.clone())
        .record(started.elapsed().as_secs_f64());
    metrics::counter!(HTTP_REQUESTS, "route" => route, "method" => method, "status" => status)
        .increment(1);
    res
}

/// Records one job's end.
pub fn job_ended(kind: &'static str, ok: bool, started: Instant) {
    let outcome = if ok { "ok" } else { "error" };
    metrics::counter!(JOBS, "kind" => kind, "outcome" => outcome).increment(1);
    metrics::histogram!(JOB_DURATION, "kind" => kind).record(started.elapsed().as_secs_f64());
}

/// Where the scrape-time gauges come from.
#[derive(Clone)]
pub struct Sources {
    pub db: DatabaseConnection,
    pub events: Events,
    pub handle: PrometheusHandle,
}

/// The exposition, with the gauges read now. A gauge whose query fails is
/// left out of this scrape (and logged), not reported as zero.
pub async fn render(sources: &Sources) -> String {
    metrics::gauge!(BUS_SUBSCRIBERS).set(sources.events.subscribers() as f64);
    match connections_by_status(&sources.db).await {
        Ok(rows) => {
            for (status, n) in rows {
                metrics::gauge!(CONNECTIONS, "status" => status).set(n as f64);
            }
        }
        Err(e) => tracing::warn!(error = %e, "metrics: counting connections failed"),
    }
    match oldest_due_job_age(&sources.db).await {
        Ok(age) => metrics::gauge!(OLDEST_DUE_JOB).set(age),
        Err(e) => tracing::warn!(error = %e, "metrics: reading the job queue failed"),
    }
    sources.handle.render()
}

async fn connections_by_status(
    db: &DatabaseConnection,
) -> Result<Vec<(String, i64)>, sea_orm::DbErr> {
    use backend::entities::connections;
    use sea_orm::{ColumnTrait, EntityTrait, QuerySelect};
    // Every status appears, at zero when no account has it, so an alert on
    // "needs reconnect > 0" has a series to read.
    let mut counts: Vec<(String, i64)> = shared::domain::ConnectionStatus::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), 0))
        .collect();
    let rows: Vec<(String, i64)> = connections::Entity::find()
        .select_only()
        .column(connections::Column::Status)
        .column_as(connections::Column::Id.count(), "n")
        .group_by(connections::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    for (status, n) in rows {
        match counts.iter_mut().find(|(s, _)| *s == status) {
            Some(c) => c.1 = n,
            None => counts.push((status, n)),
        }
    }
    Ok(counts)
}

/// Seconds since the oldest job that should have started (pending, or
/// failed with attempts left) became due; 0 when none is waiting.
async fn oldest_due_job_age(db: &DatabaseConnection) -> Result<f64, sea_orm::DbErr> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT COALESCE(EXTRACT(EPOCH FROM (now() - min(run_at))), 0)::float8 AS age \
             FROM apalis.jobs WHERE run_at <= now() \
             AND (status IN ('Pending', 'Queued') OR (status = 'Failed' AND attempts < max_attempts))"
        }
        _ => {
            "SELECT CAST(COALESCE(strftime('%s', 'now') - min(run_at), 0) AS REAL) AS age \
             FROM Jobs WHERE run_at <= strftime('%s', 'now') \
             AND (status IN ('Pending', 'Queued') OR (status = 'Failed' AND attempts < max_attempts))"
        }
    };
    let row = db
        .query_one_raw(Statement::from_string(backend, sql))
        .await?;
    Ok(row
        .and_then(|r| r.try_get::<f64>("", "age").ok())
        .unwrap_or(0.0)
        .max(0.0))
}

async fn exposition(State(sources): State<Sources>) -> Response {
    let body = render(&sources).await;
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

/// The metrics listener's router: `/metrics` and nothing else.
pub fn router(sources: Sources) -> Router {
    Router::new()
        .route("/metrics", get(exposition))
        .with_state(sources)
}

/// `/metrics` on the public address: only with the configured bearer token.
pub fn public_router(sources: Sources, token: SecretString) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(move |State(sources): State<Sources>, req: Request| {
                let token = token.clone();
                async move {
                    let given = req
                        .headers()
                        .get(header::AUTHORIZATION)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.strip_prefix("Bearer "));
                    if given.is_some_and(|g| constant_time_eq(g, token.expose_secret())) {
                        exposition(State(sources)).await
                    } else {
                        (
                            StatusCode::UNAUTHORIZED,
                            [(header::WWW_AUTHENTICATE, "Bearer")],
                        )
                            .into_response()
                    }
                }
            }),
        )
        .with_state(sources)
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}
