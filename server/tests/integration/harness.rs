//! `spawn_app`: builds the real application against a fresh database and
//! serves it on an ephemeral port; `TestApp` drops the database afterwards.

use std::path::Path;

use reqwest::header::HeaderMap;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::Value;
use server::config::Settings;
use server::startup::{Application, Roles};
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates one test per backend from an `async fn(Backend)`.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() { super::$name($crate::harness::Backend::Sqlite).await }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() { super::$name($crate::harness::Backend::Postgres).await }
            }
        )*
    };
}

pub fn admin_postgres_url() -> String {
    std::env::var("PULSEBOARD_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn postgres_required() -> bool {
    std::env::var_os("PULSEBOARD_REQUIRE_POSTGRES").is_some()
}

/// A fresh, empty database of the given kind. `None` only when Postgres is
/// unreachable and not required (then the test is skipped, saying so).
pub struct FreshDb {
    pub url: String,
    pg_name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl FreshDb {
    pub async fn create(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
                Some(Self {
                    url,
                    pg_name: None,
                    _dir: Some(dir),
                })
            }
            Backend::Postgres => {
                let admin_url = admin_postgres_url();
                let admin = match Database::connect(&admin_url).await {
                    Ok(db) => db,
                    Err(e) if !postgres_required() => {
                        eprintln!(
                            "SKIPPED: no PostgreSQL at {admin_url} ({e}); set PULSEBOARD_REQUIRE_POSTGRES to fail instead"
                        );
                        return None;
                    }
                    Err(e) => panic!("PostgreSQL is required but unreachable at {admin_url}: {e}"),
                };
                let name = format!("pb_test_{}", uuid::Uuid::new_v4().simple());
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                let base = admin_url.rsplit_once('/').expect("url has a database").0;
                Some(Self {
                    url: format!("{base}/{name}"),
                    pg_name: Some(name),
                    _dir: None,
                })
            }
        }
    }
}

impl FreshDb {
    /// A handle on a database someone else owns (a test's own cluster).
    pub fn borrowed_url(url: &str) -> Self {
        Self::borrowed(url)
    }

    /// A handle on a database someone else owns and will drop.
    fn borrowed(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            pg_name: None,
            _dir: None,
        }
    }
}

impl Drop for FreshDb {
    fn drop(&mut self) {
        if let Some(name) = self.pg_name.take() {
            // Drop runs outside async context: use a private runtime on a thread.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    if let Ok(admin) = Database::connect(&admin_postgres_url()).await {
                        let _ = admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ))
                            .await;
                    }
                });
            })
            .join();
        }
    }
}

pub fn test_settings(database_url: &str, extra: &[(&str, &str)]) -> Settings {
    let mut figment = Settings::figment(Path::new("/nonexistent/Leptos.toml"))
        .expect("figment")
        .merge(("database_url", database_url))
        .merge(("site_addr", "127.0.0.1:0"))
        .merge(("metrics_addr", "127.0.0.1:0"))
        .merge(("log_level", "warn"))
        .merge(("token_keys", test_keys()))
        .merge(("sandbox_admin_token", SANDBOX_ADMIN_TOKEN));
    for (k, v) in extra {
        // Parsed like an environment variable: "3" is a number, "true" a bool.
        let value: figment::value::Value = v.parse().expect("value");
        figment = figment.merge((*k, value));
    }
    Settings::from_figment(figment).expect("test settings")
}

/// The sandbox admin token every test app is configured with: `_faults` and
/// `_stats` answer only requests carrying it.
pub const SANDBOX_ADMIN_TOKEN: &str = "test-sandbox-admin-7c2f9e";

/// A fresh keyring entry, so no test writes a development key file.
pub fn test_keys() -> String {
    use secrecy::ExposeSecret;
    backend::vault::Keyring::generate_entry("test")
        .expose_secret()
        .to_owned()
}

pub struct TestApp {
    pub base: String,
    /// `http://host:port` of the metrics listener, when it is on.
    pub metrics: Option<String>,
    pub db: DatabaseConnection,
    pub client: reqwest::Client,
    shutdown: CancellationToken,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _db: FreshDb,
}

pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, &[]).await
}

pub async fn spawn_app_with(backend: Backend, extra: &[(&str, &str)]) -> Option<TestApp> {
    let fresh = FreshDb::create(backend).await?;
    Some(start(fresh, extra, false).await)
}

/// Web and the embedded job worker, as `pulseboard serve` runs them.
pub async fn spawn_app_with_worker(backend: Backend, extra: &[(&str, &str)]) -> Option<TestApp> {
    let fresh = FreshDb::create(backend).await?;
    Some(start(fresh, extra, true).await)
}

/// Serves an existing database (one a test prepared first). The database
/// stays owned by the caller.
pub async fn spawn_app_on(fresh: &FreshDb) -> TestApp {
    start(FreshDb::borrowed(&fresh.url), &[], false).await
}

async fn start(fresh: FreshDb, extra: &[(&str, &str)], worker: bool) -> TestApp {
    let settings = test_settings(&fresh.url, extra);
    start_with(fresh, settings, worker).await
}

/// Serves `fresh` with exactly these settings (web only).
pub async fn spawn_app_with_settings(
    fresh: &FreshDb,
    settings: server::config::Settings,
) -> TestApp {
    start_with(FreshDb::borrowed(&fresh.url), settings, false).await
}

/// [`spawn_app_with_settings`], with this process's job worker running
/// when `worker` is set.
pub async fn spawn_app_with_settings_and_worker(
    fresh: &FreshDb,
    settings: server::config::Settings,
    worker: bool,
) -> TestApp {
    start_with(FreshDb::borrowed(&fresh.url), settings, worker).await
}

async fn start_with(fresh: FreshDb, settings: server::config::Settings, worker: bool) -> TestApp {
    let app = Application::build(settings, Roles { web: true, worker })
        .await
        .expect("application builds");
    let addr = app.local_addr().expect("bound");
    let metrics = app.metrics_addr().map(|a| format!("http://{a}"));
    let db = app.db().clone();
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(app.run(shutdown.clone()));
    TestApp {
        base: format!("http://{addr}"),
        metrics,
        db,
        client: new_client(),
        shutdown,
        server: Some(server),
        _db: fresh,
    }
}

/// A browser-like client: its own cookie jar, redirects not followed.
pub fn new_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl TestApp {
    /// The database this app serves (for dumps).
    pub fn db_url(&self) -> &str {
        &self._db.url
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Calls a server function the way the browser does (form-encoded POST).
    pub async fn call_as(
        &self,
        client: &reqwest::Client,
        name: &str,
        form: &[(&str, &str)],
    ) -> Reply {
        let res = client
            .post(self.url(&format!("/api/fn/{name}")))
            .form(form)
            .send()
            .await
            .expect("request");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn call(&self, name: &str, form: &[(&str, &str)]) -> Reply {
        self.call_as(&self.client, name, form).await
    }

    /// Signs up `email` on `client`; panics unless it succeeds.
    pub async fn signup_as(&self, client: &reqwest::Client, email: &str) -> Value {
        let r = self
            .call_as(
                client,
                "auth/signup",
                &[("email", email), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(r.status, 200, "signup failed: {:?}", r.body);
        r.body
    }

    pub async fn create_business_as(&self, client: &reqwest::Client, name: &str) -> String {
        let r = self
            .call_as(
                client,
                "businesses/create",
                &[("name", name), ("timezone", "Europe/Berlin")],
            )
            .await;
        assert_eq!(r.status, 200, "create failed: {:?}", r.body);
        r.body["id"].as_str().unwrap().to_owned()
    }

    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(server) = self.server.take() {
            server.await.unwrap().unwrap();
        }
    }
}

pub const PASSWORD: &str = "correct horse battery staple";

pub async fn count(db: &DatabaseConnection, table: &str) -> i64 {
    use sea_orm::{FromQueryResult, Statement};
    #[derive(FromQueryResult)]
    struct N {
        n: i64,
    }
    N::find_by_statement(Statement::from_string(
        db.get_database_backend(),
        format!("SELECT COUNT(*) AS n FROM {table}"),
    ))
    .one(db)
    .await
    .unwrap()
    .unwrap()
    .n
}
