//! A business with all four account kinds (LinkedIn page, X, Facebook
//! Page, Instagram) synced against the sandbox: the numbers stored are the
//! ones the sandbox served, on each platform's own reporting day; a second
//! sync leaves the same rows; and each platform fault ends in the item
//! status and message a person understands, the rest of the sync going on.

use std::collections::BTreeMap;
use std::time::Instant;

use backend::entities::{connections, metric_points, posts, sync_run_items, unavailable_metrics};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::America::Los_Angeles;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use server::sandbox::{linkedin_analytics as li, meta_analytics as meta};
use shared::domain::{Metric, Platform, SyncStatus};
use shared::sync_status::{Remedy, remedy};
use uuid::Uuid;

use crate::harness::*;
use crate::oauth::connect::connect;
use crate::oauth::{connect_x, set_fault};
use crate::on_both_databases;
use crate::sync_x::{spawn, sync_once};

on_both_databases!(
    four_accounts_sync_what_the_sandbox_serves_and_twice_is_the_same,
    a_retired_metric_makes_its_item_partial_and_keeps_the_rest,
    platform_faults_end_in_the_right_item_status_and_message,
    a_platform_that_does_not_answer_in_time_is_a_network_failure,
);

/// A business with the sandbox's four accounts connected, and its owner.
pub(crate) async fn four_accounts(app: &TestApp) -> (reqwest::Client, Uuid) {
    let client = new_client();
    app.signup_as(&client, "owner@example.com").await;
    let business = app.create_business_as(&client, "Acme").await;
    connect_x(app, &client, &business).await;
    connect(app, &client, Platform::LinkedIn, &business).await;
    set_fault(app, "meta", Some("single_page")).await;
    connect(app, &client, Platform::Meta, &business).await;
    set_fault(app, "meta", None).await;
    assert_eq!(connections::Entity::find().count(&app.db).await.unwrap(), 4);
    (client, business.parse().unwrap())
}

pub(crate) async fn connection(app: &TestApp, kind: &str) -> connections::Model {
    connections::Entity::find()
        .filter(connections::Column::Platform.eq(kind))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

/// A stored point's value.
async fn value(app: &TestApp, c: Uuid, metric: Metric, day: NaiveDate) -> Option<f64> {
    metric_points::Entity::find_by_id((c, metric.as_str().to_owned(), day))
        .one(&app.db)
        .await
        .unwrap()
        .map(|p| p.value)
}

async fn items(app: &TestApp, run: Uuid) -> BTreeMap<String, sync_run_items::Model> {
    sync_run_items::Entity::find()
        .filter(sync_run_items::Column::RunId.eq(run))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|i| (i.account_kind.clone(), i))
        .collect()
}

/// Every stored point and post, as comparable rows.
async fn rows(
    app: &TestApp,
) -> (
    Vec<(Uuid, String, NaiveDate, String)>,
    Vec<(Uuid, String, String)>,
) {
    let points = metric_points::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.connection_id, p.metric, p.day, format!("{:.4}", p.value)))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let posts = posts::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.connection_id, p.external_id, p.metrics))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    (points, posts)
}

fn pacific(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&Los_Angeles).date_naive()
}

async fn four_accounts_sync_what_the_sandbox_serves_and_twice_is_the_same(b: Backend) {
    let Some(s) = spawn(b).await else {
        return;
    };
    let app = &s.app;
    let (_, business) = four_accounts(app).await;

    let started = Instant::now();
    let run = sync_once(&s, business).await;
    let took = started.elapsed();
    let now = Utc::now();
    let found = items(app, run.id).await;
    let calls: i32 = found.values().map(|i| i.calls).sum();
    eprintln!(
        "full sync of four accounts: {} ms, {calls} calls ({})",
        took.as_millis(),
        found
            .values()
            .map(|i| format!("{} {}", i.account_kind, i.calls))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for (kind, item) in &found {
        assert_eq!(
            item.status,
            SyncStatus::Succeeded.as_str(),
            "{kind}: {:?}",
            item.error_message
        );
        assert!(item.records > 0 && item.calls > 0, "{kind}");
    }
    assert_eq!(run.status, SyncStatus::Succeeded.as_str());
    assert_eq!((run.progress_done, run.progress_total), (4, 4));

    // LinkedIn: UTC days, the whole backfill, and our follower snapshot.
    let c = connection(app, "linkedin").await.id;
    let yesterday = now.date_naive() - Duration::days(1);
    let year_ago = now.date_naive() - Duration::days(300);
    assert_eq!(
        value(app, c, Metric::Followers, now.date_naive()).await,
        Some(li::followers(now) as f64)
    );
    for day in [yesterday, year_ago] {
        let (organic, paid) = li::follower_gains(day);
        assert_eq!(
            value(app, c, Metric::FollowerGain, day).await,
            Some((organic + paid) as f64)
        );
        let shares = li::shares_on(day);
        assert_eq!(
            value(app, c, Metric::Views, day).await,
            Some(shares.impressions as f64)
        );
        assert_eq!(
            value(app, c, Metric::Reach, day).await,
            Some(shares.unique_impressions as f64)
        );
        let rate = value(app, c, Metric::EngagementRate, day).await.unwrap();
        assert!((rate - shares.engagement()).abs() < 1e-9);
        assert_eq!(
            value(app, c, Metric::PageViews, day).await,
            Some(li::page_views(day) as f64)
        );
    }
    assert_eq!(
        value(app, c, Metric::Views, now.date_naive()).await,
        None,
        "today is not over"
    );
    let since = (now.date_naive() - Duration::days(364))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    let served: Vec<li::Post> = li::posts(now)
        .into_iter()
        .filter(|p| p.published_at >= since)
        .collect();
    let stored = posts::Entity::find()
        .filter(posts::Column::ConnectionId.eq(c))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(stored.len(), served.len());
    let newest = &served[0];
    let row = stored.iter().find(|p| p.external_id == newest.urn).unwrap();
    let metrics: serde_json::Value = serde_json::from_str(&row.metrics).unwrap();
    assert_eq!(metrics["likes"], newest.stats.likes as f64);
    assert_eq!(metrics["views"], newest.stats.impressions as f64);

    // Facebook: Pacific reporting days, 178 days back in two windows.
    let c = connection(app, "facebook").await.id;
    let today = pacific(now);
    let day = today - Duration::days(1);
    let old = today - Duration::days(150);
    assert_eq!(
        value(app, c, Metric::Followers, today).await,
        Some(meta::page_followers("sbx-page-1", now) as f64)
    );
    for d in [day, old] {
        let v = |m: &str| meta::page_value("sbx-page-1", m, d).unwrap().as_f64();
        assert_eq!(value(app, c, Metric::Views, d).await, v("page_media_view"));
        assert_eq!(
            value(app, c, Metric::Reach, d).await,
            v("page_total_media_view_unique")
        );
        assert_eq!(
            value(app, c, Metric::FollowerGain, d).await,
            v("page_daily_follows_unique")
        );
        assert_eq!(
            value(app, c, Metric::PageViews, d).await,
            v("page_views_total")
        );
        assert_eq!(value(app, c, Metric::Followers, d).await, v("page_follows"));
    }
    let fb_posts = posts::Entity::find()
        .filter(posts::Column::ConnectionId.eq(c))
        .all(&app.db)
        .await
        .unwrap();
    let first = meta::page_posts("sbx-page-1", now).remove(0);
    let row = fb_posts.iter().find(|p| p.external_id == first.id).unwrap();
    let metrics: serde_json::Value = serde_json::from_str(&row.metrics).unwrap();
    let reactions = &first
        .insights
        .iter()
        .find(|(n, _)| *n == "post_reactions_by_type_total")
        .unwrap()
        .1;
    let sum: f64 = reactions
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_f64().unwrap())
        .sum();
    assert_eq!(metrics["likes"], sum, "reaction breakdowns summed");

    // Instagram: series, one total per day, media by type.
    let c = connection(app, "instagram").await.id;
    for d in [day, today - Duration::days(29)] {
        let v = |m: &str| meta::instagram_value(m, d).map(|v| v as f64);
        assert_eq!(value(app, c, Metric::Reach, d).await, v("reach"));
        assert_eq!(
            value(app, c, Metric::FollowerGain, d).await,
            v("follower_count")
        );
        assert_eq!(value(app, c, Metric::Views, d).await, v("views"));
        assert_eq!(value(app, c, Metric::Saves, d).await, v("saves"));
        assert_eq!(
            value(app, c, Metric::Engagements, d).await,
            v("total_interactions")
        );
    }
    assert_eq!(
        value(app, c, Metric::Followers, today).await,
        Some(meta::instagram_followers(now) as f64)
    );
    let media = meta::media(now);
    let ig_posts = posts::Entity::find()
        .filter(posts::Column::ConnectionId.eq(c))
        .all(&app.db)
        .await
        .unwrap();
    assert!(!ig_posts.is_empty());
    for row in &ig_posts {
        let m = media.iter().find(|m| m.id == row.external_id).unwrap();
        let metrics: serde_json::Value = serde_json::from_str(&row.metrics).unwrap();
        let served = |n: &str| m.insights.iter().find(|(k, _)| *k == n).unwrap().1.as_f64();
        assert_eq!(metrics["likes"].as_f64(), served("likes"));
        if m.quiet {
            assert!(
                metrics.get("views").is_none(),
                "too few viewers: no insights"
            );
        } else {
            assert_eq!(metrics["views"].as_f64(), served("views"));
            assert_eq!(metrics["saves"].as_f64(), served("saved"));
        }
    }

    // The same sync again: the same rows.
    let before = rows(app).await;
    let again = sync_once(&s, business).await;
    assert_eq!(again.status, SyncStatus::Succeeded.as_str());
    assert_eq!(rows(app).await, before);
}

async fn a_retired_metric_makes_its_item_partial_and_keeps_the_rest(b: Backend) {
    let Some(s) = spawn(b).await else {
        return;
    };
    let app = &s.app;
    let (_, business) = four_accounts(app).await;
    set_fault(app, "meta", Some("deprecated_metric")).await;
    let run = sync_once(&s, business).await;
    assert_eq!(run.status, SyncStatus::Partial.as_str());
    let found = items(app, run.id).await;
    let fb = &found["facebook"];
    assert_eq!(fb.status, SyncStatus::Partial.as_str());
    assert!(
        fb.error_message
            .as_deref()
            .unwrap()
            .contains("page_views_total"),
        "{:?}",
        fb.error_message
    );
    assert_eq!(found["instagram"].status, SyncStatus::Partial.as_str());
    assert_eq!(found["x"].status, SyncStatus::Succeeded.as_str());
    assert_eq!(found["linkedin"].status, SyncStatus::Succeeded.as_str());

    // The other Facebook metrics were stored; the refused one remembered
    // with Meta's words.
    let c = connection(app, "facebook").await.id;
    let day = pacific(Utc::now()) - Duration::days(1);
    assert!(value(app, c, Metric::Views, day).await.is_some());
    assert_eq!(value(app, c, Metric::PageViews, day).await, None);
    let unavailable = unavailable_metrics::Entity::find()
        .filter(unavailable_metrics::Column::ConnectionId.eq(c))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(unavailable.len(), 1);
    assert_eq!(unavailable[0].native_metric, "page_views_total");
    assert!(
        unavailable[0].reason.contains("(#100)"),
        "{}",
        unavailable[0].reason
    );
}

async fn platform_faults_end_in_the_right_item_status_and_message(b: Backend) {
    let Some(s) = spawn(b).await else {
        return;
    };
    let app = &s.app;
    let (_, business) = four_accounts(app).await;

    // LinkedIn no longer serves the version: the operator's problem, said so.
    set_fault(app, "linkedin", Some("retired_version")).await;
    let run = sync_once(&s, business).await;
    let li_item = &items(app, run.id).await["linkedin"];
    assert_eq!(li_item.status, SyncStatus::Failed.as_str());
    assert_eq!(li_item.error_class.as_deref(), Some("version_retired"));
    assert!(
        li_item
            .error_message
            .as_deref()
            .unwrap()
            .contains("operator")
    );
    assert_eq!(run.status, SyncStatus::Partial.as_str());

    // LinkedIn's header-less 429 waits for midnight UTC; the next run does
    // not call it again before then.
    set_fault(app, "linkedin", Some("rate_limit")).await;
    let run = sync_once(&s, business).await;
    let li_item = &items(app, run.id).await["linkedin"];
    let midnight = (Utc::now().date_naive() + Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    assert_eq!(li_item.error_class.as_deref(), Some("rate_limited"));
    assert_eq!(li_item.rate_limited_until, Some(midnight));
    assert!(
        li_item
            .error_message
            .as_deref()
            .unwrap()
            .contains("limits requests until")
    );
    // The status card offers the wait, not a retry, for that account.
    assert_eq!(
        fixes(app, business).await,
        [("linkedin".to_owned(), Remedy::WaitUntil(midnight))]
    );
    set_fault(app, "linkedin", None).await;
    let run = sync_once(&s, business).await;
    let li_item = &items(app, run.id).await["linkedin"];
    assert_eq!(li_item.error_class.as_deref(), Some("rate_limited"));
    assert_eq!(li_item.calls, 0, "not called before its time");

    // Meta throttles with X-Business-Use-Case-Usage: 30 minutes.
    set_fault(app, "meta", Some("rate_limit")).await;
    let before = Utc::now();
    let run = sync_once(&s, business).await;
    let fb = &items(app, run.id).await["facebook"];
    let until = fb.rate_limited_until.unwrap();
    assert!(until >= before + Duration::minutes(30) && until <= Utc::now() + Duration::minutes(30));

    // A platform outage is temporary; a revoked grant needs the user.
    set_fault(app, "meta", None).await;
    set_fault(app, "x", Some("server_error")).await;
    let run = sync_once(&s, business).await;
    let x_item = &items(app, run.id).await["x"];
    assert_eq!(x_item.error_class.as_deref(), Some("transient"));
    assert!(
        x_item
            .error_message
            .as_deref()
            .unwrap()
            .contains("temporary problem")
    );
    set_fault(app, "x", Some("revoked")).await;
    let run = sync_once(&s, business).await;
    let x_item = &items(app, run.id).await["x"];
    assert_eq!(x_item.status, SyncStatus::Failed.as_str());
    assert!(
        x_item
            .error_message
            .as_deref()
            .unwrap()
            .starts_with("Reconnect X")
    );
    // Accounts still rate-limited wait; X needs its user.
    let offered = fixes(app, business).await;
    assert!(
        offered.contains(&("x".to_owned(), Remedy::Reconnect(Platform::X))),
        "{offered:?}"
    );
    assert!(
        offered.contains(&("linkedin".to_owned(), Remedy::WaitUntil(midnight))),
        "{offered:?}"
    );
}

/// The failed accounts of the business's last run, with the fix the
/// status card offers for each.
async fn fixes(app: &TestApp, business: Uuid) -> Vec<(String, Remedy)> {
    let status = backend::sync::status::of(&app.db, business, Utc::now())
        .await
        .unwrap();
    status
        .last_run_failures
        .iter()
        .map(|f| (f.kind.clone(), remedy(f)))
        .collect()
}

/// A platform that does not answer within the client's timeout: the item
/// fails as a network problem the next sync retries, and the run ends.
async fn a_platform_that_does_not_answer_in_time_is_a_network_failure(b: Backend) {
    let Some(mut s) = spawn(b).await else {
        return;
    };
    // The production client waits 20 s; the sandbox's slow X answers in 3.
    s.providers.http = backend::platforms::http_client_with(
        std::time::Duration::from_secs(1),
        std::time::Duration::from_secs(1),
    );
    let client = new_client();
    s.app.signup_as(&client, "owner@example.com").await;
    let business = s.app.create_business_as(&client, "Acme").await;
    connect_x(&s.app, &client, &business).await;
    set_fault(&s.app, "x", Some("slow")).await;
    let run = sync_once(&s, business.parse().unwrap()).await;
    let x_item = &items(&s.app, run.id).await["x"];
    assert_eq!(x_item.status, SyncStatus::Failed.as_str());
    assert_eq!(x_item.error_class.as_deref(), Some("transient"));
    assert_eq!(
        x_item.error_message.as_deref(),
        Some("X could not be reached (timeout); the next sync tries again.")
    );
    assert_eq!(run.status, SyncStatus::Failed.as_str());
    assert!(run.finished_at.is_some());
    // The run's summary names the account and why, for the failure toast.
    assert_eq!(
        run.error_summary,
        Some(format!(
            "Not synced: {} (X could not be reached (timeout); the next sync tries again.)",
            x_item.display_name
        ))
    );
}
