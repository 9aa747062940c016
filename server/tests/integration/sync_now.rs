//! "Sync now" over REST with a real worker: 20 presses at once make one
//! run, the worker runs it to the end, and the tenant checks hold.

use backend::entities::{metric_points, sync_runs};
use sea_orm::sea_query::Expr;
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::harness::*;
use crate::oauth::{connect_x, set_fault};
use crate::on_both_databases;

on_both_databases!(sync_now_makes_one_run_and_the_worker_finishes_it);

async fn sync_now_makes_one_run_and_the_worker_finishes_it(b: Backend) {
    let Some(app) = spawn_app_with_worker(b, &[]).await else {
        return;
    };
    let owner = new_client();
    app.signup_as(&owner, "owner@example.com").await;
    let business = app.create_business_as(&owner, "Acme").await;
    connect_x(&app, &owner, &business).await;
    let url = app.url(&format!("/api/v1/analytics/sync/{business}"));

    // Connected, not yet ticked: the card already says when the first
    // scheduled sync comes.
    let status: serde_json::Value = owner
        .get(app.url(&format!("/api/v1/analytics/sync-status/{business}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let next: chrono::DateTime<chrono::Utc> =
        status["next_sync_at"].as_str().unwrap().parse().unwrap();
    // Slots sit on the business's local 6-hour grid: the next is within 6 hours.
    let now = chrono::Utc::now();
    assert!(
        next > now && next <= now + chrono::Duration::hours(6),
        "{status}"
    );

    // Strangers and signed-out callers cannot start a sync, or learn the business exists.
    let stranger = new_client();
    app.signup_as(&stranger, "stranger@example.com").await;
    assert_eq!(stranger.post(&url).send().await.unwrap().status(), 404);
    assert_eq!(new_client().post(&url).send().await.unwrap().status(), 401);
    assert_eq!(sync_runs::Entity::find().count(&app.db).await.unwrap(), 0);

    // X answers slowly, so the run is still in flight while the presses land.
    set_fault(&app, "x", Some("slow")).await;
    let presses = (0..20).map(|_| {
        let (client, url) = (owner.clone(), url.clone());
        tokio::spawn(async move {
            let res = client.post(url).send().await.unwrap();
            assert_eq!(res.status(), 202);
            res.json::<serde_json::Value>().await.unwrap()
        })
    });
    let answers: Vec<serde_json::Value> = futures::future::join_all(presses)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(answers.iter().filter(|a| a["created"] == true).count(), 1);
    assert!(answers.iter().all(|a| a["run_id"] == answers[0]["run_id"]));
    set_fault(&app, "x", None).await;

    let mut run = None;
    for _ in 0..100 {
        let row = sync_runs::Entity::find()
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        if row.finished_at.is_some() {
            run = Some(row);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let run = run.expect("the worker finished the run");
    assert_eq!(run.status, "succeeded");
    assert_eq!(run.id.to_string(), answers[0]["run_id"].as_str().unwrap());
    assert_eq!(sync_runs::Entity::find().count(&app.db).await.unwrap(), 1);
    assert!(metric_points::Entity::find().count(&app.db).await.unwrap() > 0);

    // Pressed again within a minute of the last press: told when to retry,
    // and nothing starts.
    let res = owner.post(&url).send().await.unwrap();
    assert_eq!(res.status(), 429);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(body["error"]["RateLimited"].is_object(), "{body}");
    assert_eq!(sync_runs::Entity::find().count(&app.db).await.unwrap(), 1);

    // The status endpoint tells members (only) how it went.
    let status_url = app.url(&format!("/api/v1/analytics/sync-status/{business}"));
    assert_eq!(
        stranger.get(&status_url).send().await.unwrap().status(),
        404
    );
    let res = owner.get(&status_url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let status: serde_json::Value = res.json().await.unwrap();
    assert_eq!(status["last_run"]["id"], answers[0]["run_id"]);
    assert_eq!(status["last_run"]["status"], "succeeded");
    assert_eq!(status["last_run"]["progress_done"], 1);
    assert!(status["in_flight"].is_null());
    assert_eq!(status["last_success_at"], status["last_run"]["finished_at"]);
    let x_only = serde_json::json!([{ "kind": "x", "succeeded": 1, "failed": 0 }]);
    assert_eq!(status["last_run_counts"], x_only);
    assert_eq!(status["week_counts"], x_only);

    // The history shows the run with its account's outcome.
    let history_url = app.url(&format!("/api/v1/analytics/sync-history/{business}"));
    let page: serde_json::Value = owner
        .get(&history_url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["runs"][0]["id"], answers[0]["run_id"]);
    assert_eq!(page["runs"][0]["items"][0]["kind"], "x");
    assert_eq!(page["runs"][0]["items"][0]["status"], "succeeded");
    assert_eq!(page["runs"][0]["items"][0]["calls"], 3);
    assert!(page["next"].is_null());
    let res = owner
        .get(format!("{history_url}?status=bogus"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["Invalid"]["field"], "status");

    // A minute after the last press, a press starts a new run (X slow
    // again, so it is still in flight below).
    set_fault(&app, "x", Some("slow")).await;
    sync_runs::Entity::update_many()
        .col_expr(
            sync_runs::Column::CreatedAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::seconds(61)),
        )
        .exec(&app.db)
        .await
        .unwrap();
    let res = owner.post(&url).send().await.unwrap();
    assert_eq!(res.status(), 202);
    let again: serde_json::Value = res.json().await.unwrap();
    assert_eq!(again["created"], true);
    assert_ne!(again["run_id"], answers[0]["run_id"]);

    // The dashboard's server functions take the same path: pressed while
    // that run is in flight, Sync now joins it, and the status shows it.
    let form = [("business_id", business.as_str())];
    let joined = app.call_as(&owner, "sync/now", &form).await;
    assert_eq!(joined.status, 200, "{:?}", joined.body);
    assert_eq!(joined.body["created"], false, "{:?}", joined.body);
    assert_eq!(joined.body["run_id"], again["run_id"]);
    let history = app.call_as(&owner, "sync/history", &form).await;
    assert_eq!(history.status, 200, "{:?}", history.body);
    assert_eq!(history.body["runs"].as_array().unwrap().len(), 2);
    let bogus = [("business_id", business.as_str()), ("status", "bogus")];
    let refused = app.call_as(&owner, "sync/history", &bogus).await;
    assert_eq!(refused.status, 422, "{:?}", refused.body);
    let status = app.call_as(&owner, "sync/status", &form).await;
    assert_eq!(
        status.body["in_flight"]["id"], again["run_id"],
        "{:?}",
        status.body
    );
    set_fault(&app, "x", None).await;
    app.stop().await;
}
