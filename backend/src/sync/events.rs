//! The events bus: every change of a run — queued, started, an account
//! done, ended — as a [`RunEvent`] to whoever listens (the dashboard's
//! WebSocket). On SQLite everything runs in one process and an in-process
//! broadcast carries the events. On Postgres web and worker processes may
//! be separate, so a change is published with `pg_notify` and every
//! process — the publisher included — hears it through `LISTEN` and
//! re-broadcasts it locally: each subscriber sees each event once, from
//! whichever process made it. Events are hints for live screens; the
//! database stays the truth, and a missed event is caught up by the
//! status endpoint.

use std::time::Duration;

use chrono::Utc;
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, Statement};
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::entities::{connections, sync_runs};
use shared::dto::RunEvent;

/// The Postgres channel events travel on.
pub const CHANNEL: &str = "pulseboard_sync_events";

/// Events buffered per subscriber before a slow one starts missing some.
const BUFFER: usize = 256;

/// A handle on the bus; cloning is cheap and every clone shares it.
#[derive(Clone)]
pub struct Events {
    tx: broadcast::Sender<RunEvent>,
    /// Publish through `pg_notify` (Postgres) instead of locally.
    notify: bool,
}

impl Default for Events {
    fn default() -> Self {
        Self::local()
    }
}

impl Events {
    /// A bus within this process only (SQLite, tests).
    pub fn local() -> Self {
        Self {
            tx: broadcast::channel(BUFFER).0,
            notify: false,
        }
    }

    /// Publishes to the Postgres bus without listening to it (a
    /// worker-only process, which has no live screens to feed).
    pub fn postgres_publisher() -> Self {
        Self {
            tx: broadcast::channel(1).0,
            notify: true,
        }
    }

    /// A bus shared by every process on the Postgres database at `url`:
    /// publishes with `pg_notify` and relays what `LISTEN` hears, starting
    /// a listener task that reconnects until the process ends.
    pub fn postgres(url: String) -> Self {
        let events = Self {
            tx: broadcast::channel(BUFFER).0,
            notify: true,
        };
        tokio::spawn(relay(url, events.tx.downgrade()));
        events
    }

    /// Every event from now on. A subscriber that falls more than
    /// `BUFFER` events behind is told it lagged and goes on from there.
    pub fn subscribe(&self) -> broadcast::Receiver<RunEvent> {
        self.tx.subscribe()
    }

    /// How many listeners (live dashboards) this process has now.
    pub fn subscribers(&self) -> usize {
        self.tx.receiver_count()
    }

    /// Publishes the run's current state. Never fails the caller: an event
    /// that cannot be sent is logged and dropped (the database has it).
    pub async fn run_changed(&self, db: &impl ConnectionTrait, run_id: Uuid) {
        match self.event_of(db, run_id).await {
            Ok(Some(event)) => self.publish(db, event).await,
            Ok(None) => {}
            Err(e) => tracing::warn!(run_id = %run_id, error = %e, "sync event not published"),
        }
    }

    async fn event_of(
        &self,
        db: &impl ConnectionTrait,
        run_id: Uuid,
    ) -> Result<Option<RunEvent>, sea_orm::DbErr> {
        let Some(run) = sync_runs::Entity::find_by_id(run_id).one(db).await? else {
            return Ok(None);
        };
        let current = match run.current_connection_id {
            Some(id) if run.finished_at.is_none() => connections::Entity::find_by_id(id)
                .one(db)
                .await?
                .map(|c| c.display_name),
            _ => None,
        };
        Ok(Some(RunEvent {
            business_id: run.business_id,
            run: super::status::view(run, current),
            at: Utc::now(),
        }))
    }

    async fn publish(&self, db: &impl ConnectionTrait, event: RunEvent) {
        if !self.notify {
            // No subscriber is not an error.
            let _ = self.tx.send(event);
            return;
        }
        let Ok(payload) = serde_json::to_string(&event) else {
            return;
        };
        let sent = db
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_notify($1, $2)",
                [CHANNEL.into(), payload.into()],
            ))
            .await;
        if let Err(e) = sent {
            tracing::warn!(run_id = %event.run.id, error = %e, "sync event not published");
        }
    }
}

/// Relays `LISTEN` to the local broadcast, reconnecting with backoff
/// (1 s doubling to 30 s) when the connection drops. Ends once every
/// handle on the bus is gone.
async fn relay(url: String, tx: broadcast::WeakSender<RunEvent>) {
    use sea_orm::sqlx::postgres::PgListener;
    let mut wait = Duration::from_secs(1);
    while tx.strong_count() > 0 {
        let listener = async {
            let mut l = PgListener::connect(&url).await?;
            l.listen(CHANNEL).await?;
            Ok::<_, sea_orm::sqlx::Error>(l)
        };
        match listener.await {
            Ok(mut l) => {
                tracing::debug!(channel = CHANNEL, "listening for sync events");
                wait = Duration::from_secs(1);
                // `None`: the connection dropped; what was sent meanwhile is lost.
                while let Ok(Some(n)) = l.try_recv().await {
                    let Some(tx) = tx.upgrade() else { return };
                    if let Ok(event) = serde_json::from_str::<RunEvent>(n.payload()) {
                        let _ = tx.send(event);
                    }
                }
                tracing::warn!("sync events listener lost its connection; reconnecting");
            }
            // sqlx's connection errors name the failure, not the URL.
            Err(e) => tracing::warn!(error = %e, "sync events listener cannot connect"),
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(30));
    }
}
