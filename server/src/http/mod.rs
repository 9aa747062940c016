//! The web side: one router for the pages (Leptos, server-rendered and
//! hydrated), the server functions, the REST API, health and the sandbox,
//! wrapped in the security, timeout, tracing and request-id layers.

pub mod analytics;
pub mod api_docs;
pub mod bad_input;
pub mod error;
pub mod extract;
pub mod live;
pub mod oauth;
pub mod reports;
pub mod schedule;
pub mod security;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use app::{App, shell};
use axum::Router;
use axum::extract::FromRef;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{any, get};
use backend::AppState;
use backend::accounts::client_addr::TrustedProxies;
use backend::accounts::limits::RateLimits;
use backend::accounts::sessions::SessionConfig;
use backend::platforms::Providers;
use backend::vault::Keyring;
use leptos::config::LeptosOptions;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, ResponseOptions, generate_route_list};
use sea_orm::DatabaseConnection;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};
use tower_http::trace::TraceLayer;

use crate::config::Settings;
use crate::jobs::JobQueue;
use crate::observability::telemetry::{self, MakeId, REQUEST_ID};
use crate::observability::{health, metrics};
use security::WebSecurity;

/// The router's state: Leptos' options for rendering, and the backend's
/// state every handler reads (through `FromRef`).
#[derive(Clone, FromRef)]
pub struct WebState {
    pub leptos_options: LeptosOptions,
    pub app: AppState,
    /// Our public origin, for checks a layer cannot make (WebSocket upgrades).
    pub security: WebSecurity,
}

/// Runs inside every page render: sets the nonce-based CSP for this page.
/// Also gives the server functions the backend's state.
fn page_context(
    app: AppState,
    dev_reload: Option<Arc<str>>,
) -> impl Fn() + Clone + Send + Sync + 'static {
    move || {
        provide_context(app.clone());
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
    queue: JobQueue,
    events: backend::sync::events::Events,
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
    let app = AppState {
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
        events,
        runs: Arc::new(queue),
    };
    let public_origin_for_sandbox = public_origin.clone();
    let sec = WebSecurity {
        public_origin: public_origin.into(),
        https,
    };
    let state = WebState {
        leptos_options: leptos_options.clone(),
        app: app.clone(),
        security: sec.clone(),
    };
    // `cargo leptos watch` live-reload socket; only present in development.
    let dev_reload: Option<Arc<str>> = std::env::var("LEPTOS_WATCH")
        .ok()
        .map(|_| format!("ws://{}:{}", bound.ip(), leptos_options.reload_port).into());
    let context = page_context(app.clone(), dev_reload);
    let routes = generate_route_list(App);

    let mut router = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/api/v1/openapi.json", get(api_docs::openapi_json))
        .route("/api/docs", get(api_docs::docs_page))
        .route("/screenshot.png", get(screenshot))
        .merge(oauth::routes())
        .merge(analytics::routes())
        .merge(reports::routes())
        .merge(schedule::routes())
        .merge(live::routes());
    router = mount_sandbox(router, settings, &public_origin_for_sandbox, sandbox);
    // Metrics on the public address only behind the operator's token.
    if let Some(token) = settings.metrics_token.clone() {
        let sources = metrics::Sources {
            db: app.db.clone(),
            events: app.events.clone(),
            handle: metrics::handle(),
        };
        router = router.route_service("/metrics", metrics::public_router(sources, token));
    }
    router
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            WebState,
            _,
        >(context, shell))
        .layer(from_fn(bad_input::server_fn_status))
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
                .on_response({
                    let slow = Duration::from_millis(settings.slow_request_ms);
                    move |res: &axum::response::Response,
                          latency: Duration,
                          span: &tracing::Span| {
                        telemetry::on_response(res, latency, span, slow)
                    }
                }),
        )
        .layer(PropagateRequestIdLayer::new(HeaderName::from_static(
            REQUEST_ID,
        )))
        .layer(SetRequestIdLayer::new(
            HeaderName::from_static(REQUEST_ID),
            MakeId,
        ))
        .layer(from_fn(drop_unusable_request_id))
        .layer(from_fn(metrics::track_requests))
        .with_state(state)
}

async fn sandbox_off() -> StatusCode {
    StatusCode::NOT_FOUND
}

/// The sandbox's routes when it is on; otherwise nothing under /sandbox
/// exists, whatever the method: a plain 404, not a page render or a 405.
fn mount_sandbox(
    router: Router<WebState>,
    settings: &Settings,
    public_origin: &str,
    enabled: bool,
) -> Router<WebState> {
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
    use crate::config::PlatformSettings;
    use shared::domain::Platform;
    let configured = |p: &PlatformSettings| p.redirect_uri.iter().cloned().collect::<Vec<_>>();
    ::sandbox::SandboxConfig {
        public_origin: public_origin.to_owned(),
        allowed_redirects: Platform::ALL
            .into_iter()
            .map(|p| (p.slug(), configured(settings.platform(p))))
            .collect(),
        admin_token: settings.sandbox_admin_token.clone(),
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

/// The dashboard screenshot the README shows, for the landing page: one
/// copy, in docs/.
async fn screenshot() -> impl axum::response::IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_bytes!("../../../docs/screenshot.png").as_slice(),
    )
}
