//! The REST API's OpenAPI document (`/api/v1/openapi.json`) and a docs page
//! rendered from it on the server (`/api/docs`): no CDN, no script, works
//! without internet access.

use axum::Json;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use utoipa::OpenApi;
use utoipa::openapi::RefOr;
use utoipa::openapi::path::Operation;

use crate::http::oauth as oauth_routes;
use crate::observability::health;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Pulseboard API",
        version = "1",
        description = "Connect platforms, read token health and start syncs. Authentication is the browser session cookie; every endpoint answers 404 for a business the caller is not a member of."
    ),
    paths(
        oauth_routes::authorize,
        oauth_routes::callback,
        oauth_routes::refresh,
        oauth_routes::disconnect,
        oauth_routes::status,
        crate::http::analytics::sync_now,
        crate::http::analytics::sync_status,
        crate::http::analytics::sync_history,
        crate::http::reports::metrics_of,
        crate::http::reports::top_posts,
        crate::http::schedule::schedule_of,
        crate::http::schedule::set_schedule,
        health::healthz,
        health::readyz,
    ),
    tags(
        (name = "oauth", description = "Connecting LinkedIn, X and Meta accounts"),
        (name = "analytics", description = "Syncing analytics"),
        (name = "health", description = "Probes for load balancers and orchestrators")
    )
)]
pub struct ApiDoc;

pub async fn openapi_json() -> impl IntoResponse {
    Json(ApiDoc::openapi())
}

use shared::format::escape_html as esc;

/// The spec's Markdown (from the handlers' doc comments) as HTML: code
/// spans, lists, emphasis and links. Raw HTML in it is shown as text.
fn markdown(md: &str) -> String {
    use pulldown_cmark::{Event, Parser, html};
    let events = Parser::new(md).map(|e| match e {
        Event::Html(t) | Event::InlineHtml(t) => Event::Text(t),
        e => e,
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

/// [`markdown`] for a phrase inside a line: without its paragraph.
fn inline_markdown(md: &str) -> String {
    let html = markdown(md);
    let trimmed = html.trim_end();
    match trimmed
        .strip_prefix("<p>")
        .and_then(|s| s.strip_suffix("</p>"))
    {
        Some(inner) if !inner.contains("<p>") => inner.to_owned(),
        _ => html,
    }
}

fn operation_html(method: &str, path: &str, op: &Operation) -> String {
    let params: String = op
        .parameters
        .iter()
        .flatten()
        .map(|p| {
            format!(
                "<li><code>{}</code> ({}){}</li>",
                esc(&p.name),
                match p.parameter_in {
                    utoipa::openapi::path::ParameterIn::Path => "path",
                    utoipa::openapi::path::ParameterIn::Query => "query",
                    utoipa::openapi::path::ParameterIn::Header => "header",
                    utoipa::openapi::path::ParameterIn::Cookie => "cookie",
                },
                p.description
                    .as_deref()
                    .map(|d| format!(" — {}", inline_markdown(d)))
                    .unwrap_or_default()
            )
        })
        .collect();
    let responses: String = op
        .responses
        .responses
        .iter()
        .map(|(code, r)| {
            let text = match r {
                RefOr::T(r) => inline_markdown(&r.description),
                RefOr::Ref(r) => esc(&r.ref_location),
            };
            format!("<li><code>{}</code> {text}</li>", esc(code))
        })
        .collect();
    format!(
        r#"<section class="card"><h2><code>{method} {}</code></h2>{}{}{}<h3>Responses</h3><ul>{responses}</ul></section>"#,
        esc(path),
        markdown(op.summary.as_deref().unwrap_or("")),
        markdown(op.description.as_deref().unwrap_or("")),
        if params.is_empty() {
            String::new()
        } else {
            format!("<h3>Parameters</h3><ul>{params}</ul>")
        },
    )
}

pub async fn docs_page() -> Response {
    let spec = ApiDoc::openapi();
    let mut body = String::new();
    for (path, item) in &spec.paths.paths {
        for (method, op) in [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("DELETE", &item.delete),
        ] {
            if let Some(op) = op {
                body.push_str(&operation_html(method, path, op));
            }
        }
    }
    let page = format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>API · Pulseboard</title><link rel="stylesheet" href="/pkg/pulseboard.css"><link rel="icon" href="/favicon.ico" sizes="32x32"><link rel="icon" href="/icon.svg" type="image/svg+xml"></head><body><main class="container">
<h1>{}</h1>{}<p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3.1).</p>{body}</main></body></html>"#,
        esc(&spec.info.title),
        markdown(spec.info.description.as_deref().unwrap_or(""))
    );
    let mut res = Html(page).into_response();
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'",
        ),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_renders_code_and_lists_and_never_raw_html() {
        let html = markdown("Starts a sync:\n\n- `202` when queued\n- *409* when one runs");
        assert!(html.contains("<code>202</code>"), "{html}");
        assert!(
            html.contains("<ul>") && html.contains("<em>409</em>"),
            "{html}"
        );
        assert!(!html.contains('`'));
        let html = markdown("<script>alert(1)</script> and <b>bold</b>");
        assert!(
            !html.contains("<script>") && !html.contains("<b>"),
            "{html}"
        );
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert_eq!(
            inline_markdown("the `platform` slug"),
            "the <code>platform</code> slug"
        );
    }

    #[tokio::test]
    async fn the_docs_page_shows_no_literal_markdown() {
        let res = docs_page().await;
        let body = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        let page = String::from_utf8(body.to_vec()).unwrap();
        assert!(page.contains("<code>"), "no code spans rendered");
        // Backticks survive only inside code blocks (none in our docs).
        assert!(!page.contains('`'), "literal Markdown on the page");
    }

    #[test]
    fn documents_every_rest_endpoint() {
        let spec = ApiDoc::openapi();
        let paths: Vec<&String> = spec.paths.paths.keys().collect();
        for p in [
            "/api/v1/oauth/{platform}/authorize",
            "/api/v1/oauth/{platform}/callback",
            "/api/v1/oauth/{platform}/refresh",
            "/api/v1/oauth/{platform}/disconnect",
            "/api/v1/oauth/status",
            "/healthz",
            "/readyz",
        ] {
            assert!(
                spec.paths.paths.contains_key(p),
                "{p} missing from {paths:?}"
            );
        }
    }
}
