//! Builds the application (router, state, job queue) from settings, binds it
//! (port 0 works, for tests) and runs web and jobs until shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use app::backend::AppState;
use app::backend::client_addr::TrustedProxies;
use app::backend::limits::RateLimits;
use app::backend::oauth::{ProviderSettings, Providers};
use app::backend::sessions::SessionConfig;
use app::backend::vault::Keyring;
use app::{App, shell};
use axum::Router;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{any, get};
use leptos::config::LeptosOptions;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, ResponseOptions, generate_route_list};
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};
use tower_http::trace::TraceLayer;

use crate::config::{Environment, PlatformSettings, Settings};
use crate::jobs::{self, JobDeps, JobQueue};
use crate::security::{self, WebSecurity};
use crate::telemetry::{self, MakeId, REQUEST_ID};
use crate::{db, health};

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
        let origin = settings.public_origin(bound);
        let providers = Arc::new(Providers::new(
            provider(&settings, &settings.x, "x", &origin, bound),
            provider(&settings, &settings.linkedin, "linkedin", &origin, bound),
            provider(&settings, &settings.meta, "meta", &origin, bound),
        ));
        let deps = JobDeps {
            db: db.clone(),
            queue,
            node: jobs::node_name(),
            session_idle: chrono::Duration::minutes(settings.session_idle_minutes),
            vault: vault.clone(),
            providers: providers.clone(),
            in_flight: Default::default(),
        };
        let router = listener
            .as_ref()
            .map(|_| router(&settings, db, vault, providers, bound));
        Ok(Self {
            settings,
            roles,
            listener,
            router,
            deps,
        })
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.as_ref().and_then(|l| l.local_addr().ok())
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.deps.db
    }

    /// Serves until `shutdown` is cancelled, then drains requests and jobs.
    pub async fn run(self, shutdown: CancellationToken) -> anyhow::Result<()> {
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

/// Runs inside every page render: sets the nonce-based CSP for this page.
fn page_context(dev_reload: Option<Arc<str>>) -> impl Fn() + Clone + Send + Sync + 'static {
    move || {
        if let (Some(nonce), Some(res)) = (use_nonce(), use_context::<ResponseOptions>()) {
            let csp = security::page_csp(&nonce, dev_reload.as_deref());
            if let Ok(value) = HeaderValue::from_str(&csp) {
                res.insert_header(header::CONTENT_SECURITY_POLICY, value);
            }
        }
    }
}

pub fn router(
    settings: &Settings,
    db: DatabaseConnection,
    vault: Arc<Keyring>,
    providers: Arc<Providers>,
    bound: SocketAddr,
) -> Router {
    let leptos_options = LeptosOptions::builder()
        .output_name("pulseboard")
        .site_root(settings.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(bound)
        .build();
    let public_origin = settings.public_origin(bound);
    let sandbox = settings.sandbox_enabled();
    let https = public_origin.starts_with("https://");
    let state = AppState {
        leptos_options: leptos_options.clone(),
        db,
        sessions: Arc::new(SessionConfig {
            idle: chrono::Duration::minutes(settings.session_idle_minutes),
            absolute: chrono::Duration::minutes(settings.session_absolute_minutes),
            secure_cookie: https,
        }),
        limits: Arc::new(RateLimits::new(&settings.rate_limits)),
        notice: (settings.env == crate::config::Environment::Production && sandbox).then(|| {
            "This deployment runs the platform sandbox: connected accounts are simulated, not real LinkedIn, X or Meta accounts.".into()
        }),
        // Checked by `Settings::validate`.
        proxies: Arc::new(TrustedProxies::parse(&settings.trusted_proxies).unwrap_or_default()),
        vault,
        providers,
    };
    let public_origin_for_sandbox = public_origin.clone();
    let sec = WebSecurity {
        public_origin: public_origin.into(),
        https,
    };
    // `cargo leptos watch` live-reload socket; only present in development.
    let dev_reload: Option<Arc<str>> = std::env::var("LEPTOS_WATCH")
        .ok()
        .map(|_| format!("ws://{}:{}", bound.ip(), leptos_options.reload_port).into());
    let context = page_context(dev_reload);
    let routes = generate_route_list(App);

    let mut router = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/api/v1/openapi.json", get(crate::api_docs::openapi_json))
        .route("/api/docs", get(crate::api_docs::docs_page))
        .merge(crate::oauth_routes::routes());
    router = mount_sandbox(router, settings, &public_origin_for_sandbox, sandbox);
    router
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, shell))
        .layer(from_fn(crate::bad_input::server_fn_status))
        // A stalled client can hold neither a worker task nor shutdown.
        .layer(RequestBodyTimeoutLayer::new(Duration::from_secs(
            settings.request_body_timeout_seconds,
        )))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(settings.request_timeout_seconds),
        ))
        .layer(from_fn_with_state(sec.clone(), security::csrf_guard))
        .layer(from_fn_with_state(sec, security::security_headers))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(telemetry::request_span)
                .on_request(())
                .on_response(telemetry::on_response),
        )
        .layer(PropagateRequestIdLayer::new(HeaderName::from_static(
            REQUEST_ID,
        )))
        .layer(SetRequestIdLayer::new(
            HeaderName::from_static(REQUEST_ID),
            MakeId,
        ))
        .layer(from_fn(drop_unusable_request_id))
        .with_state(state)
}

async fn sandbox_off() -> StatusCode {
    StatusCode::NOT_FOUND
}

/// The sandbox's routes when it is on; otherwise nothing under /sandbox
/// exists, whatever the method: a plain 404, not a page render or a 405.
fn mount_sandbox(
    router: Router<AppState>,
    settings: &Settings,
    public_origin: &str,
    enabled: bool,
) -> Router<AppState> {
    #[cfg(feature = "sandbox")]
    if enabled {
        return router.merge(::sandbox::router(sandbox_config(settings, public_origin)));
    }
    let _ = (settings, public_origin, enabled);
    router
        .route("/sandbox", any(sandbox_off))
        .route("/sandbox/{*rest}", any(sandbox_off))
}

/// What the sandbox may redirect to (this deployment's callbacks, plus any
/// redirect URI the operator configured) and who may use its admin paths.
#[cfg(feature = "sandbox")]
fn sandbox_config(settings: &Settings, public_origin: &str) -> ::sandbox::SandboxConfig {
    let configured = |p: &PlatformSettings| p.redirect_uri.iter().cloned().collect::<Vec<_>>();
    ::sandbox::SandboxConfig {
        public_origin: public_origin.to_owned(),
        allowed_redirects: std::collections::HashMap::from([
            ("x", configured(&settings.x)),
            ("linkedin", configured(&settings.linkedin)),
            ("meta", configured(&settings.meta)),
        ]),
        admin_token: settings.sandbox_admin_token.clone(),
    }
}

/// The sandbox standing in for `slug`, as a provider configuration.
#[cfg(feature = "sandbox")]
fn sandbox_provider(
    slug: &str,
    public_origin: &str,
    bound: SocketAddr,
    redirect_uri: String,
) -> Option<ProviderSettings> {
    // The browser goes through the public origin; the server calls itself on loopback.
    let local = if bound.ip().is_unspecified() {
        SocketAddr::from(([127, 0, 0, 1], bound.port()))
    } else {
        bound
    };
    let e = ::sandbox::endpoints(slug, public_origin, &format!("http://{local}"))?;
    Some(ProviderSettings {
        client_id: e.client_id,
        client_secret: e.client_secret,
        redirect_uri,
        auth_url: e.auth_url,
        token_url: e.token_url,
        api_url: e.api_url,
        sandbox: true,
    })
}

/// This build has no sandbox.
#[cfg(not(feature = "sandbox"))]
fn sandbox_provider(_: &str, _: &str, _: SocketAddr, _: String) -> Option<ProviderSettings> {
    None
}

/// A platform's client: real credentials when configured, else the sandbox
/// (when enabled), else none (the UI says it is not configured).
fn provider(
    settings: &Settings,
    platform: &PlatformSettings,
    slug: &str,
    public_origin: &str,
    bound: SocketAddr,
) -> Option<ProviderSettings> {
    let redirect_uri = platform
        .redirect_uri
        .clone()
        .unwrap_or_else(|| format!("{public_origin}/api/v1/oauth/{slug}/callback"));
    match (&platform.client_id, &platform.client_secret) {
        (Some(id), Some(secret)) => Some(ProviderSettings {
            client_id: id.clone(),
            client_secret: secret.clone(),
            redirect_uri,
            auth_url: platform.auth_url.clone(),
            token_url: platform.token_url.clone(),
            api_url: platform.api_url.clone(),
            sandbox: false,
        }),
        _ if settings.sandbox_enabled() => {
            sandbox_provider(slug, public_origin, bound, redirect_uri)
        }
        _ => None,
    }
}

async fn drop_unusable_request_id(
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if let Some(v) = req.headers().get(REQUEST_ID)
        && !telemetry::is_acceptable_request_id(v)
    {
        req.headers_mut().remove(REQUEST_ID);
    }
    next.run(req).await
}
