//! A business's sync schedule over REST and the settings form: an interval
//! or a daily local time, paused or not. Bad choices are refused naming
//! the field and change nothing; a paused business gets no scheduled run,
//! and resuming does not catch up on the paused slots.

use backend::entities::{businesses, sync_runs};
use backend::sync::schedule;
use chrono::{Duration, Timelike, Utc};
use chrono_tz::Europe::Berlin;
use sea_orm::sea_query::Expr;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::harness::*;
use crate::oauth::connect_x;
use crate::on_both_databases;

on_both_databases!(a_schedule_is_set_paused_and_resumed_and_bad_choices_change_nothing);

async fn put(app: &TestApp, client: &reqwest::Client, business: &str, body: Value) -> (u16, Value) {
    let res = client
        .put(app.url(&format!("/api/v1/analytics/schedule/{business}")))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn a_schedule_is_set_paused_and_resumed_and_bad_choices_change_nothing(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let owner = new_client();
    app.signup_as(&owner, "owner@example.com").await;
    let business = app.create_business_as(&owner, "Acme").await;
    connect_x(&app, &owner, &business).await;
    let url = app.url(&format!("/api/v1/analytics/schedule/{business}"));
    let get = || async {
        owner
            .get(&url)
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    };
    let before = get().await;
    assert_eq!(before["every_minutes"], 360, "{before}");
    assert_eq!(before["summary"], "every 6 hours");

    // Daily at 07:30 Berlin time: the next slot is the next 07:30 there.
    let (status, set) = put(&app, &owner, &business, json!({ "daily_at": "07:30" })).await;
    assert_eq!(status, 200, "{set}");
    assert_eq!(
        (set["daily_at"].as_str(), set["every_minutes"].as_i64()),
        (Some("07:30"), None)
    );
    assert_eq!(set["summary"], "daily at 07:30");
    let next: chrono::DateTime<Utc> = set["next_sync_at"].as_str().unwrap().parse().unwrap();
    let local = next.with_timezone(&Berlin);
    assert_eq!((local.hour(), local.minute()), (7, 30));
    assert!(next > Utc::now() && next <= Utc::now() + Duration::hours(24));
    assert_eq!(get().await, set);

    // Each way to get it wrong: a clear error, and the schedule as it was.
    for (body, status, field) in [
        (json!({ "every_minutes": 45 }), 422, "every_minutes"),
        (
            json!({ "every_minutes": 60, "daily_at": "07:00" }),
            422,
            "daily_at",
        ),
        (json!({ "daily_at": "7 pm" }), 422, "daily_at"),
        (json!({}), 422, "every_minutes"),
        (json!({ "every_minutes": "often" }), 400, "every_minutes"),
    ] {
        let (got, answer) = put(&app, &owner, &business, body.clone()).await;
        assert_eq!(got, status, "{body}: {answer}");
        assert_eq!(
            answer["error"]["Invalid"]["field"], field,
            "{body}: {answer}"
        );
    }
    let res = owner
        .put(&url)
        .body("{")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let res = owner
        .put(&url)
        .body("every_minutes=60")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    assert_eq!(get().await, set, "nothing changed");

    // Paused: its slot comes and goes without a run.
    let (status, paused) = put(
        &app,
        &owner,
        &business,
        json!({ "every_minutes": 120, "paused": true }),
    )
    .await;
    assert_eq!(status, 200, "{paused}");
    assert_eq!(paused["summary"], "paused (every 2 hours)");
    businesses::Entity::update_many()
        .col_expr(
            businesses::Column::NextSyncAt,
            Expr::value(Utc::now() - Duration::hours(5)),
        )
        .exec(&app.db)
        .await
        .unwrap();
    assert!(
        schedule::tick(&app.db, Utc::now())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(sync_runs::Entity::find().count(&app.db).await.unwrap(), 0);

    // Resumed: the next slot is ahead, so no catch-up run for the pause.
    let (status, resumed) = put(&app, &owner, &business, json!({ "every_minutes": 120 })).await;
    assert_eq!(status, 200, "{resumed}");
    let next: chrono::DateTime<Utc> = resumed["next_sync_at"].as_str().unwrap().parse().unwrap();
    assert!(next > Utc::now() && next <= Utc::now() + Duration::hours(2));
    assert!(
        schedule::tick(&app.db, Utc::now())
            .await
            .unwrap()
            .is_empty()
    );

    // The settings form takes the same path.
    let form = |cadence: &'static str, at: &'static str| {
        vec![
            ("business_id", business.clone()),
            ("cadence", cadence.to_owned()),
            ("daily_at", at.to_owned()),
        ]
    };
    let r = app
        .call_as(&owner, "sync/schedule", &as_pairs(&form("daily", "06:15")))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["summary"], "daily at 06:15");
    let r = app
        .call_as(&owner, "sync/schedule", &as_pairs(&form("daily", "")))
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    let r = app
        .call_as(&owner, "sync/schedule", &as_pairs(&form("45", "")))
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert_eq!(get().await["summary"], "daily at 06:15");
    app.stop().await;
}

fn as_pairs<'a>(form: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    form.iter().map(|(k, v)| (*k, v.as_str())).collect()
}
