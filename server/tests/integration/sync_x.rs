//! A full sync of an X account against the sandbox: the numbers stored are
//! the numbers the sandbox served, private metrics only where X gives
//! them, and a second sync changes nothing twice.

use std::collections::HashMap;

use backend::entities::{connections, metric_points, posts, sync_run_items, sync_runs};
use backend::platforms::{Providers, for_platform};
use backend::sync::{engine, runs};
use backend::vault::Keyring;
use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use server::sandbox::x_analytics;
use shared::domain::{AccountKind, Platform, SyncStatus, SyncTrigger};

use crate::harness::*;
use crate::oauth::connect_x;
use crate::on_both_databases;

on_both_databases!(
    an_x_account_syncs_what_the_sandbox_serves,
    tokens_inside_their_buffer_are_refreshed_before_the_sync,
);

/// The app, with the keyring and provider clients its worker would use.
pub(crate) struct Synced {
    pub app: TestApp,
    pub vault: Keyring,
    pub providers: Providers,
    pub events: backend::sync::events::Events,
    pub fresh: FreshDb,
}

pub(crate) async fn spawn(b: Backend) -> Option<Synced> {
    spawn_with(b, &[]).await
}

/// [`spawn`] with `extra` settings.
pub(crate) async fn spawn_with(b: Backend, extra: &[(&str, &str)]) -> Option<Synced> {
    let fresh = FreshDb::create(b).await?;
    let keys = Keyring::generate_entry("k1");
    let settings = server::config::Settings {
        token_keys: Some(keys.clone()),
        ..test_settings(&fresh.url, extra)
    };
    let app = spawn_app_with_settings(&fresh, settings.clone()).await;
    let bound: std::net::SocketAddr = app.base.trim_start_matches("http://").parse().unwrap();
    let origin = settings.public_origin(bound);
    Some(Synced {
        providers: server::providers::configured(&settings, &origin, bound),
        vault: Keyring::parse(&keys).unwrap(),
        events: backend::sync::events::Events::local(),
        app,
        fresh,
    })
}

pub(crate) async fn sync_once(s: &Synced, business: uuid::Uuid) -> sync_runs::Model {
    let app = &s.app;
    let run = runs::request(
        &app.db,
        business,
        SyncTrigger::Manual,
        None,
        None,
        Utc::now(),
    )
    .await
    .unwrap()
    .run;
    let status = engine::execute(
        &app.db,
        &s.vault,
        &s.providers,
        &s.events,
        run.id,
        Utc::now(),
    )
    .await
    .unwrap();
    let run = sync_runs::Entity::find_by_id(run.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(run.status, status.as_str());
    run
}

async fn an_x_account_syncs_what_the_sandbox_serves(b: Backend) {
    let Some(s) = spawn(b).await else {
        return;
    };
    let app = &s.app;
    let client = new_client();
    app.signup_as(&client, "owner@example.com").await;
    let business = app.create_business_as(&client, "Acme").await;
    connect_x(app, &client, &business).await;
    let business: uuid::Uuid = business.parse().unwrap();
    let connection = connections::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();

    let run = sync_once(&s, business).await;
    let now = Utc::now();
    assert_eq!(run.status, SyncStatus::Succeeded.as_str());
    assert_eq!((run.progress_done, run.progress_total), (1, 1));
    assert!(run.active_for.is_none() && run.finished_at.is_some());
    let item = sync_run_items::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(item.status, "succeeded");
    // users/me, one public page for days 31–90, one private page for the last 30.
    assert_eq!(item.calls, 3);

    // Every post of the backfill window, with the sandbox's numbers.
    let backfill = for_platform(Platform::X).backfill(AccountKind::X);
    let since = (now.date_naive() - backfill)
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    let served: Vec<_> = x_analytics::posts(now)
        .into_iter()
        .filter(|p| p.created_at >= since)
        .collect();
    let stored: HashMap<String, posts::Model> = posts::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.external_id.clone(), p))
        .collect();
    assert_eq!(stored.len(), served.len());
    for p in &served {
        let row = &stored[&p.id];
        let m: serde_json::Value = serde_json::from_str(&row.metrics).unwrap();
        assert_eq!(m["likes"], p.likes as f64, "{}", p.id);
        assert_eq!(m["comments"], p.replies as f64);
        assert_eq!(m["shares"], (p.retweets + p.quotes) as f64);
        assert_eq!(m["views"], p.impressions as f64);
        assert_eq!(row.published_at, p.created_at);
        if now - p.created_at < Duration::days(29) {
            assert_eq!(m["clicks"], (p.link_clicks + p.profile_clicks) as f64);
            assert_eq!(m["engagements"], p.engagements as f64);
        } else if now - p.created_at > Duration::days(31) {
            assert!(m.get("clicks").is_none(), "no private metrics past 30 days");
        }
    }
    assert_eq!(
        item.records as usize,
        served.len() * 2 + 1,
        "posts, posts per day, followers"
    );

    let point = |metric: &'static str| {
        let db = app.db.clone();
        async move {
            metric_points::Entity::find()
                .filter(metric_points::Column::Metric.eq(metric))
                .all(&db)
                .await
                .unwrap()
        }
    };
    let followers = point("followers").await;
    assert_eq!(followers.len(), 1);
    assert_eq!(followers[0].day, now.date_naive());
    assert_eq!(followers[0].value, x_analytics::followers(now) as f64);
    let per_day = point("posts_published").await;
    assert_eq!(per_day.len(), served.len());
    assert!(
        per_day
            .iter()
            .all(|p| p.value == 1.0 && p.native_metric == "tweets")
    );
    assert!(per_day.iter().all(|p| p.connection_id == connection.id));

    // Again: only the trailing days are fetched, and nothing is duplicated.
    let points_before = metric_points::Entity::find().count(&app.db).await.unwrap();
    let again = sync_once(&s, business).await;
    assert_eq!(again.status, "succeeded");
    assert_ne!(again.id, run.id);
    let second = sync_run_items::Entity::find()
        .filter(sync_run_items::Column::RunId.eq(again.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(second.calls, 2, "users/me and one recent page");
    assert_eq!(
        posts::Entity::find().count(&app.db).await.unwrap() as usize,
        served.len()
    );
    assert_eq!(
        metric_points::Entity::find().count(&app.db).await.unwrap(),
        points_before
    );
    s.app.stop().await;
}

async fn tokens_inside_their_buffer_are_refreshed_before_the_sync(b: Backend) {
    let Some(s) = spawn(b).await else {
        return;
    };
    let app = &s.app;
    let client = new_client();
    app.signup_as(&client, "owner@example.com").await;
    let business = app.create_business_as(&client, "Acme").await;
    connect_x(app, &client, &business).await;
    let business: uuid::Uuid = business.parse().unwrap();
    // Five minutes left: inside X's ten-minute buffer.
    let soon = Utc::now() + Duration::minutes(5);
    connections::Entity::update_many()
        .col_expr(
            connections::Column::AccessExpiresAt,
            Expr::value(Some(soon)),
        )
        .exec(&app.db)
        .await
        .unwrap();
    let before = connections::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();

    let run = sync_once(&s, business).await;
    assert_eq!(run.status, "succeeded");
    let after = connections::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(after.version > before.version, "the tokens were rewritten");
    assert!(after.access_expires_at.unwrap() > Utc::now() + Duration::hours(1));
    assert!(after.last_refreshed_at > before.last_refreshed_at);
    s.app.stop().await;
}
