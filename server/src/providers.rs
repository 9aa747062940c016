//! Which client each platform gets: real credentials when configured, else
//! the sandbox (when enabled and built in), else none — the UI then says
//! the platform is not configured.

use std::net::SocketAddr;

use backend::platforms::{ProviderSettings, Providers};
use shared::domain::Platform;

use crate::config::{PlatformSettings, Settings};

/// Every platform's client for this deployment.
pub fn configured(settings: &Settings, public_origin: &str, bound: SocketAddr) -> Providers {
    let client = |p: Platform| {
        provider(
            settings,
            settings.platform(p),
            p.slug(),
            public_origin,
            bound,
        )
        .map(|cfg| with_version(cfg, settings.platform(p)))
    };
    Providers::new(
        client(Platform::X),
        client(Platform::LinkedIn),
        client(Platform::Meta),
    )
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
        api_version: None,
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
            api_version: None,
            sandbox: false,
        }),
        _ if settings.sandbox_enabled() => {
            sandbox_provider(slug, public_origin, bound, redirect_uri)
        }
        _ => None,
    }
}

/// The configured API version, put wherever a URL says `{version}` (the
/// sandbox's versioned paths as much as the platform's).
fn with_version(cfg: ProviderSettings, platform: &PlatformSettings) -> ProviderSettings {
    ProviderSettings {
        auth_url: platform.versioned(&cfg.auth_url),
        token_url: platform.versioned(&cfg.token_url),
        api_url: platform.versioned(&cfg.api_url),
        api_version: platform.api_version.clone(),
        ..cfg
    }
}
