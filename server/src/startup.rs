//! Builds the application (router, state, job queue) from settings, binds it
//! (port 0 works, for tests) and runs web and jobs until shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use backend::sync::events::Events;
use sea_orm::DatabaseConnection;
use secrecy::ExposeSecret;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::{Environment, Settings};
use crate::jobs::{self, JobDeps, JobQueue};
use crate::{db, http, providers};

/// Which parts of Pulseboard this process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Roles {
    pub web: bool,
    pub worker: bool,
}

pub struct Application {
    settings: Settings,
    roles: Roles,
    listener: Option<TcpListener>,
    /// Prometheus' own listener (`metrics_addr`), when it could bind.
    metrics: Option<(TcpListener, Router)>,
    router: Option<Router>,
    deps: JobDeps,
}

impl Application {
    /// Connects, migrates, sets up the job storage and binds the listener.
    pub async fn build(settings: Settings, roles: Roles) -> anyhow::Result<Self> {
        let vault = Arc::new(crate::keys::load(&settings)?);
        let db = db::connect(&settings.database_url).await?;
        db::migrate(&db).await?;
        let queue = JobQueue::setup(&db).await?;
        let listener = match roles.web {
            true => Some(TcpListener::bind(settings.site_addr).await?),
            false => None,
        };
        // A worker-only process reaches the sandbox at the configured web address.
        let bound = match &listener {
            Some(l) => l.local_addr()?,
            None => settings.site_addr,
        };
        if listener.is_some()
            && settings.env == Environment::Development
            && !bound.ip().is_loopback()
        {
            // Development relaxes what production enforces (http origin,
            // generated keys, the sandbox): fine on loopback, not on a network.
            tracing::warn!(
                addr = %bound,
                "running in development mode on a non-loopback address: set PULSEBOARD_ENV=production (with PULSEBOARD_PUBLIC_URL and PULSEBOARD_TOKEN_KEYS) before exposing it"
            );
        }
        crate::doctor::warn_about_versions(&settings, chrono::Utc::now().date_naive());
        let origin = settings.public_origin(bound);
        let providers = Arc::new(providers::configured(&settings, &origin, bound));
        let events = match (settings.is_postgres(), roles.web) {
            (false, _) => Events::local(),
            (true, true) => Events::postgres(settings.database_url.expose_secret().to_owned()),
            (true, false) => Events::postgres_publisher(),
        };
        let deps = JobDeps {
            db: db.clone(),
            queue,
            node: jobs::node_name(),
            session_idle: chrono::Duration::minutes(settings.session_idle_minutes),
            vault: vault.clone(),
            providers: providers.clone(),
            in_flight: Default::default(),
            events: events.clone(),
        };
        let metrics = metrics_listener(&settings, &deps).await;
        let router = listener.as_ref().map(|_| {
            http::router(
                &settings,
                db,
                vault,
                providers,
                deps.queue.clone(),
                events.clone(),
                bound,
            )
        });
        Ok(Self {
            settings,
            roles,
            listener,
            metrics,
            router,
            deps,
        })
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// Where `/metrics` is served, if its listener is on.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().and_then(|(l, _)| l.local_addr().ok())
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.deps.db
    }

    /// Serves until `shutdown` is cancelled, then drains requests and jobs.
    pub async fn run(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        if let Some((listener, router)) = self.metrics {
            tracing::info!(addr = %listener.local_addr()?, "serving metrics");
            let token = shutdown.clone();
            tokio::spawn(async move {
                let served = axum::serve(listener, router)
                    .with_graceful_shutdown(async move { token.cancelled().await })
                    .await;
                if let Err(e) = served {
                    tracing::warn!(error = %e, "the metrics listener stopped");
                }
            });
        }
        let worker = self.roles.worker.then(|| {
            let settings = self.settings.clone();
            let deps = self.deps.clone();
            let token = shutdown.clone();
            tokio::spawn(async move { jobs::run(&settings, deps, token).await })
        });
        if let (Some(listener), Some(router)) = (self.listener, self.router) {
            tracing::info!(addr = %listener.local_addr()?, "listening");
            let token = shutdown.clone();
            let serve = axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async move { token.cancelled().await })
            .into_future();
            tokio::pin!(serve);
            // Draining gets the grace period and no more, whatever clients do.
            let grace = Duration::from_secs(self.settings.shutdown_grace_seconds);
            tokio::select! {
                served = &mut serve => served?,
                () = shutdown.cancelled() => match tokio::time::timeout(grace, &mut serve).await {
                    Ok(served) => served?,
                    Err(_) => tracing::warn!(
                        grace_seconds = grace.as_secs(),
                        "connections still open after the shutdown grace; closing them"
                    ),
                },
            }
            tracing::info!("web server stopped");
        } else {
            shutdown.cancelled().await;
        }
        if let Some(worker) = worker {
            worker.await??;
        }
        Ok(())
    }
}

/// Binds `metrics_addr` for Prometheus. A second process on the same host
/// (web and worker side by side) finds the port taken: it says so and runs
/// on without its own metrics rather than failing to start.
async fn metrics_listener(settings: &Settings, deps: &JobDeps) -> Option<(TcpListener, Router)> {
    let addr = settings.metrics_addr.trim();
    if addr.is_empty() {
        return None;
    }
    match TcpListener::bind(addr).await {
        Ok(listener) => {
            let sources = crate::observability::metrics::Sources {
                db: deps.db.clone(),
                events: deps.events.clone(),
                handle: crate::observability::metrics::handle(),
            };
            Some((listener, crate::observability::metrics::router(sources)))
        }
        Err(e) => {
            tracing::warn!(
                addr,
                error = %e,
                "metrics_addr is not available: this process serves no /metrics (give each process its own PULSEBOARD_METRICS_ADDR)"
            );
            None
        }
    }
}
