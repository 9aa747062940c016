//! `/metrics`: Prometheus text that a parser reads, counters that move when
//! requests and jobs happen, gauges counted at scrape time, and nothing on
//! the public address unless the operator's bearer token comes with it.

use backend::entities::sync_runs;
use prometheus_parse::{Scrape, Value};
use sea_orm::EntityTrait;

use crate::harness::*;
use crate::oauth::connect_x;
use crate::on_both_databases;

on_both_databases!(metrics_follow_requests_jobs_and_connections);
on_both_databases!(public_metrics_need_the_token);

async fn scrape(url: &str) -> Scrape {
    let res = reqwest::get(url).await.unwrap();
    assert_eq!(res.status(), 200, "{url}");
    let kind = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    let text = res.text().await.unwrap();
    Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).expect("Prometheus text format")
}

/// The sum of the samples of `name` whose labels include `labels`.
fn value(s: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    s.samples
        .iter()
        .filter(|x| x.metric == name)
        .filter(|x| labels.iter().all(|(k, v)| x.labels.get(k) == Some(*v)))
        .map(|x| match &x.value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => *v,
            Value::Histogram(buckets) => buckets.last().map_or(0.0, |b| b.count),
            Value::Summary(_) => 0.0,
        })
        .sum()
}

async fn metrics_follow_requests_jobs_and_connections(b: Backend) {
    let Some(app) = spawn_app_with_worker(b, &[]).await else {
        return;
    };
    let metrics = format!("{}/metrics", app.metrics.clone().expect("metrics listener"));
    let before = scrape(&metrics).await;
    let healthz = [("route", "/healthz"), ("method", "GET"), ("status", "200")];
    for _ in 0..3 {
        app.client.get(app.url("/healthz")).send().await.unwrap();
    }
    let owner = new_client();
    app.signup_as(&owner, "owner@example.com").await;
    let business = app.create_business_as(&owner, "Acme").await;
    connect_x(&app, &owner, &business).await;
    let res = owner
        .post(app.url(&format!("/api/v1/analytics/sync/{business}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    for _ in 0..100 {
        let run = sync_runs::Entity::find().one(&app.db).await.unwrap();
        if run.is_some_and(|r| r.finished_at.is_some()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    // The job's counter moves once its handler has returned.
    let mut after = scrape(&metrics).await;
    for _ in 0..50 {
        if value(
            &after,
            "pulseboard_jobs_total",
            &[("kind", "sync_business")],
        ) > 0.0
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        after = scrape(&metrics).await;
    }

    let requests = "pulseboard_http_requests_total";
    assert_eq!(
        value(&after, requests, &healthz) - value(&before, requests, &healthz),
        3.0,
        "each request counted once, by its route template"
    );
    // Ids never become labels: the sync route is counted by its template.
    let routes: Vec<&str> = after
        .samples
        .iter()
        .filter(|x| x.metric == requests)
        .filter_map(|x| x.labels.get("route"))
        .collect();
    assert!(
        value(
            &after,
            requests,
            &[("route", "/api/v1/analytics/sync/:business_id")]
        ) >= 1.0,
        "{routes:?}"
    );
    assert!(
        !after
            .samples
            .iter()
            .any(|s| s.labels.values().any(|v| v.contains(&business))),
        "a business id became a label"
    );
    assert!(
        value(
            &after,
            "pulseboard_http_request_duration_seconds",
            &[("route", "/healthz")]
        ) >= 3.0
    );
    let ok = [("kind", "sync_business"), ("outcome", "ok")];
    assert_eq!(value(&after, "pulseboard_jobs_total", &ok), 1.0);
    assert_eq!(
        value(
            &after,
            "pulseboard_job_duration_seconds",
            &[("kind", "sync_business")]
        ),
        1.0
    );
    assert_eq!(
        value(
            &after,
            "pulseboard_sync_runs_total",
            &[("status", "succeeded")]
        ),
        1.0
    );
    // Counted at scrape: one connected account, every other status at zero.
    assert_eq!(
        value(&after, "pulseboard_connections", &[("status", "connected")]),
        1.0
    );
    assert_eq!(
        value(
            &after,
            "pulseboard_connections",
            &[("status", "needs_reconnect")]
        ),
        0.0
    );
    let due = after
        .samples
        .iter()
        .find(|s| s.metric == "pulseboard_oldest_due_job_age_seconds")
        .expect("the oldest due job's age is reported");
    assert!(matches!(due.value, Value::Gauge(v) if v >= 0.0));
    assert!(
        after
            .samples
            .iter()
            .any(|s| s.metric == "pulseboard_events_subscribers")
    );
    assert!(
        after.docs.contains_key("pulseboard_http_requests_total"),
        "every metric is described"
    );

    // Not on the public address: no token is configured.
    let public = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(public.status(), 404);
    app.stop().await;
}

async fn public_metrics_need_the_token(b: Backend) {
    let token = "scrape-token-0123456789abcdef";
    let Some(app) = spawn_app_with(b, &[("metrics_token", token), ("metrics_addr", "\"\"")]).await
    else {
        return;
    };
    assert!(app.metrics.is_none(), "an empty metrics_addr binds nothing");
    let url = app.url("/metrics");
    let res = app.client.get(&url).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["www-authenticate"], "Bearer");
    for wrong in ["Bearer nope", "Bearer scrape-token-0123456789abcdeX", token] {
        let res = app
            .client
            .get(&url)
            .header("authorization", wrong)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{wrong}");
    }
    let res = app
        .client
        .get(&url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    let parsed = Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).expect("parses");
    assert!(
        parsed
            .samples
            .iter()
            .any(|s| s.metric == "pulseboard_connections")
    );
    app.stop().await;
}
