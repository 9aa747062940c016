//! A Graph API version past its end: Meta answers with the oldest version
//! it still serves and says so in `facebook-api-version`. The sync goes on
//! (Meta did answer) and the operator is told, at start and at the sync,
//! which version was asked for and which one answered.

use shared::domain::{Platform, SyncStatus};

use crate::capture::Captured;
use crate::harness::*;
use crate::oauth::connect::connect;
use crate::oauth::set_fault;
use crate::sync_x::{spawn_with, sync_once};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retired_graph_version_is_reported_with_the_one_that_answered() {
    let logs = Captured::install(tracing::Level::WARN);
    let s = spawn_with(Backend::Sqlite, &[("meta.api_version", "v20.0")])
        .await
        .unwrap();
    let app = &s.app;
    assert!(
        logs.text()
            .contains("API version v20.0 is no longer served"),
        "warned at start: {}",
        logs.text()
    );
    let client = new_client();
    app.signup_as(&client, "owner@example.com").await;
    let business = app.create_business_as(&client, "Acme").await;
    set_fault(app, "meta", Some("single_page")).await;
    connect(app, &client, Platform::Meta, &business).await;
    set_fault(app, "meta", None).await;

    let run = sync_once(&s, business.parse().unwrap()).await;
    assert_eq!(
        run.status,
        SyncStatus::Succeeded.as_str(),
        "{:?}",
        run.error_summary
    );
    let text = logs.text();
    let warning = text
        .lines()
        .find(|l| l.contains("Meta answered with another Graph API version"))
        .unwrap_or_else(|| panic!("the sync warns: {text}"));
    assert!(
        warning.contains("requested=\"v20.0\"") || warning.contains("requested=v20.0"),
        "{warning}"
    );
    assert!(warning.contains("served=v21.0"), "{warning}");
}
