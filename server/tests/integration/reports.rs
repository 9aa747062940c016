//! The metrics and posts endpoints after a full sync of four accounts:
//! they answer with the numbers the sandbox served — by day, by week (a
//! follower total is the week's last day, a rate its mean, a count its
//! sum) and filtered by platform and metric — and refuse bad ranges and
//! unknown names with a message naming the field.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, Utc};
use serde_json::Value;
use server::sandbox::{linkedin_analytics as li, meta_analytics as meta};
use uuid::Uuid;

use crate::harness::*;
use crate::on_both_databases;
use crate::sync_platforms::four_accounts;
use crate::sync_x::{spawn, sync_once};

on_both_databases!(metrics_and_posts_answer_with_what_the_sandbox_served);

async fn get(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, Value) {
    let res = client.get(app.url(path)).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// The points of the one series of `kind` in an answer, by day.
fn points(body: &Value, kind: &str, metric: &str) -> BTreeMap<NaiveDate, f64> {
    let series: Vec<&Value> = body["series"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] == kind && s["metric"] == metric)
        .collect();
    assert_eq!(series.len(), 1, "one {kind} {metric} series in {body}");
    series[0]["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["day"].as_str().unwrap().parse().unwrap(),
                p["value"].as_f64().unwrap(),
            )
        })
        .collect()
}

fn monday(d: NaiveDate) -> NaiveDate {
    use chrono::Datelike;
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

async fn metrics_and_posts_answer_with_what_the_sandbox_served(b: Backend) {
    let Some(s) = spawn(b).await else {
        return;
    };
    let app = &s.app;
    let (owner, business) = four_accounts(app).await;
    sync_once(&s, business).await;
    let now = Utc::now();
    let base = |path: &str| format!("/api/v1/analytics/{path}/{business}");

    // LinkedIn views by UTC day over three weeks, ending before any day
    // that is still running in UTC or in Pacific time.
    let to = now.date_naive() - Duration::days(2);
    let from = to - Duration::days(20);
    let (status, body) = get(
        app,
        &owner,
        &format!(
            "{}?platform=linkedin&metric=views&from={from}&to={to}",
            base("metrics")
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["series"].as_array().unwrap().len(), 1, "{body}");
    assert_eq!(body["series"][0]["native_metric"], "impressionCount");
    let days = points(&body, "linkedin", "views");
    assert_eq!(days.len(), 21);
    for (day, value) in &days {
        assert_eq!(*value, li::shares_on(*day).impressions as f64, "{day}");
    }

    // By week: sums, means and last totals of the same days.
    let (status, body) = get(
        app,
        &owner,
        &format!("{}?from={from}&to={to}&granularity=week", base("metrics")),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let weeks = points(&body, "linkedin", "views");
    let rates = points(&body, "linkedin", "engagement_rate");
    let mut expected: BTreeMap<NaiveDate, (f64, f64, u32)> = BTreeMap::new();
    for day in from.iter_days().take_while(|d| *d <= to) {
        let shares = li::shares_on(day);
        let e = expected.entry(monday(day)).or_default();
        e.0 += shares.impressions as f64;
        e.1 += shares.engagement();
        e.2 += 1;
    }
    assert_eq!(weeks.len(), expected.len());
    for (week, (views, rate_sum, n)) in &expected {
        assert_eq!(weeks[week], *views, "views in the week of {week}");
        assert!(
            (rates[week] - rate_sum / f64::from(*n)).abs() < 1e-9,
            "{week}"
        );
    }
    let page = "sbx-page-1";
    let fb_followers = points(&body, "facebook", "followers");
    for week in expected.keys() {
        // Facebook's `page_follows` is a daily total on Pacific days: the
        // week's value is its last day in the range.
        let last = (*week + Duration::days(6)).min(to);
        let served = meta::page_value(page, "page_follows", last).and_then(|v| v.as_f64());
        assert_eq!(fb_followers.get(week).copied(), served, "{week}");
    }

    // A platform filter keeps that platform's accounts only.
    let (_, body) = get(
        app,
        &owner,
        &format!("{}?platform=meta&from={from}&to={to}", base("metrics")),
    )
    .await;
    let kinds: std::collections::BTreeSet<&str> = body["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["facebook", "instagram"].into());

    // Top LinkedIn posts by likes, from what the sandbox published.
    let since = now.date_naive() - Duration::days(90);
    let (status, body) = get(
        app,
        &owner,
        &format!(
            "{}?platform=linkedin&sort=likes&limit=3&from={since}&to={}",
            base("posts"),
            now.date_naive()
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let mut served: Vec<li::Post> = li::posts(now)
        .into_iter()
        .filter(|p| p.published_at.date_naive() >= since)
        .collect();
    served.sort_by_key(|p| std::cmp::Reverse(p.stats.likes));
    let got: Vec<f64> = body["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["metrics"]["likes"].as_f64().unwrap())
        .collect();
    let want: Vec<f64> = served
        .iter()
        .take(3)
        .map(|p| p.stats.likes as f64)
        .collect();
    assert_eq!(got, want);
    let top = &body["posts"][0];
    let post = served.iter().find(|p| p.urn == top["external_id"]).unwrap();
    assert_eq!(top["metrics"]["views"], post.stats.impressions as f64);
    assert_eq!(top["kind"], "linkedin");

    // The same numbers as CSV, one row per point.
    let res = owner
        .get(app.url(&format!(
            "{}?platform=linkedin&metric=views&from={from}&to={to}&format=csv",
            base("metrics")
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = res.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "account,kind,metric,native_metric,day,value");
    assert_eq!(lines.len(), 1 + 21);
    let first = li::shares_on(from).impressions;
    assert!(
        lines[1].ends_with(&format!(",{from},{first}")),
        "{}",
        lines[1]
    );

    // The dashboard's overview: the last 30 days, the 30 before, top posts.
    let form = [
        ("business_id", business.to_string()),
        ("days", "30".to_owned()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = app.call_as(&owner, "analytics/overview", &form).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["connected"], true);
    assert!(!r.body["current"]["series"].as_array().unwrap().is_empty());
    assert!(!r.body["previous"]["series"].as_array().unwrap().is_empty());
    assert!(!r.body["posts"]["posts"].as_array().unwrap().is_empty());
    let days: chrono::NaiveDate = r.body["current"]["from"].as_str().unwrap().parse().unwrap();
    let before: chrono::NaiveDate = r.body["previous"]["to"].as_str().unwrap().parse().unwrap();
    assert_eq!(before, days - Duration::days(1));
    let bad = [
        ("business_id", business.to_string()),
        ("days", "5".to_owned()),
    ];
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        app.call_as(&owner, "analytics/overview", &bad).await.status,
        422
    );

    // Picked dates: that range, compared with as many days before it.
    let dates = [
        ("business_id", business.to_string()),
        ("from", from.to_string()),
        ("to", (from + Duration::days(9)).to_string()),
    ];
    let dates: Vec<(&str, &str)> = dates.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = app.call_as(&owner, "analytics/overview", &dates).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["current"]["from"], from.to_string());
    assert_eq!(
        r.body["current"]["to"],
        (from + Duration::days(9)).to_string()
    );
    assert_eq!(
        r.body["previous"]["from"],
        (from - Duration::days(10)).to_string()
    );
    assert_eq!(
        r.body["previous"]["to"],
        (from - Duration::days(1)).to_string()
    );
    let reversed = [
        ("business_id", business.to_string()),
        ("from", from.to_string()),
        ("to", (from - Duration::days(1)).to_string()),
    ];
    let reversed: Vec<(&str, &str)> = reversed.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = app.call_as(&owner, "analytics/overview", &reversed).await;
    assert_eq!(r.status, 422);
    assert!(r.body.to_string().contains("from"), "{:?}", r.body);

    // Bad input: a clear 422 naming the field, for each way to get it wrong.
    for (query, field) in [
        (format!("from={to}&to={from}"), "from"),
        ("from=2026-13-01".to_owned(), "from"),
        ("to=yesterday".to_owned(), "to"),
        ("from=2020-01-01&to=2026-01-01".to_owned(), "from"),
        ("metric=page_impressions".to_owned(), "metric"),
        ("granularity=month".to_owned(), "granularity"),
        ("platform=tiktok".to_owned(), "platform"),
        ("format=xml".to_owned(), "format"),
    ] {
        let (status, body) = get(app, &owner, &format!("{}?{query}", base("metrics"))).await;
        assert_eq!(status, 422, "{query}: {body}");
        assert!(body.to_string().contains(field), "{query}: {body}");
    }
    let (status, body) = get(app, &owner, &format!("{}?sort=nope", base("posts"))).await;
    assert_eq!(status, 422, "{body}");

    // Another business's id, or none of ours: nothing, as everywhere.
    let stranger = new_client();
    app.signup_as(&stranger, "stranger@example.com").await;
    for path in [
        base("metrics"),
        base("posts"),
        format!("/api/v1/analytics/metrics/{}", Uuid::new_v4()),
    ] {
        let (status, _) = get(app, &stranger, &path).await;
        assert_eq!(status, 404, "{path}");
    }
}
