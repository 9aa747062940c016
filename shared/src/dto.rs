//! What server functions return: plain data, the same on both sides of the wire.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::{ConnectionStatus, Role};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: Uuid,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessView {
    pub id: Uuid,
    pub name: String,
    pub timezone: String,
    pub role: Role,
    pub sync_interval_minutes: i32,
    /// Daily at this minute of the local day, instead of the interval.
    pub sync_daily_at_minute: Option<i32>,
    pub sync_paused: bool,
    pub next_sync_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A business as its dashboard shows it: with its zone's offsets, so every
/// time on the page reads in the business's zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessDashboard {
    pub business: BusinessView,
    pub zone: crate::zone::LocalZone,
}

/// A connected account and its token health. Never carries a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionView {
    pub id: Uuid,
    /// `linkedin`, `x`, `facebook` or `instagram`.
    pub platform: String,
    pub display_name: String,
    pub status: ConnectionStatus,
    pub last_error_class: Option<String>,
    pub access_expires_at: Option<DateTime<Utc>>,
    pub refresh_expires_at: Option<DateTime<Utc>>,
    /// Meta: when data access lapses unless the person uses the app again.
    pub data_access_expires_at: Option<DateTime<Utc>>,
    pub has_refresh_token: bool,
    pub last_refreshed_at: Option<DateTime<Utc>>,
    pub rate_limited_until: Option<DateTime<Utc>>,
    pub sandbox: bool,
    pub connected_at: DateTime<Utc>,
    /// The status in words, as of when the server answered.
    pub status_text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditView {
    /// The event's kind (`connected`, `connect_failed`, …) and its raw
    /// detail, as recorded.
    pub kind: String,
    pub detail: String,
    pub at: DateTime<Utc>,
    /// Who did it (their email); none when Pulseboard itself acted.
    pub actor: Option<String>,
    /// The account kind (`x`, `facebook`, …) or platform (`meta`) it concerns.
    pub subject: Option<String>,
    /// The account's name, when known.
    pub account: Option<String>,
    /// The failure's class, for failures.
    pub reason: Option<String>,
    /// Days left, for expiry warnings.
    pub days: Option<i64>,
}

/// One platform's card on the Connections section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformCard {
    pub platform: crate::domain::Platform,
    /// App credentials (or the sandbox) are available for this platform.
    pub configured: bool,
    pub sandbox: bool,
    pub connections: Vec<ConnectionView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionsOverview {
    pub cards: Vec<PlatformCard>,
    pub audit: Vec<AuditView>,
    /// The caller is an owner or admin: may connect and disconnect (a viewer reads).
    pub can_manage: bool,
}

/// A Facebook Page offered after Meta's consent (no tokens).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetaPageChoice {
    pub id: String,
    pub name: String,
    /// The linked Instagram professional account's username, if any.
    pub instagram: Option<String>,
    /// Already connected to another business: choosing it links it here too.
    pub linked_elsewhere: bool,
}

/// An authorized account that is already connected to another business,
/// waiting for the user to link it here too, or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLinkView {
    pub business_id: Uuid,
    pub platform: crate::domain::Platform,
    pub display_name: String,
    /// The other businesses with this account that the user is a member of.
    pub also_in: Vec<String>,
    /// It is also connected to businesses the user cannot see.
    pub also_elsewhere: bool,
}

/// What the user decided about a pending link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkDecision {
    pub business_id: Uuid,
    pub platform: crate::domain::Platform,
    pub linked: bool,
}

/// Where a business's syncing stands: what the dashboard's status card and
/// `GET /api/v1/analytics/sync-status/{business_id}` show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncStatusView {
    pub business_id: Uuid,
    /// The last run that ended.
    pub last_run: Option<RunView>,
    /// When a run last ended succeeded or partial.
    pub last_success_at: Option<DateTime<Utc>>,
    /// The run queued or running now, with its progress.
    pub in_flight: Option<RunView>,
    pub next_sync_at: Option<DateTime<Utc>>,
    pub paused: bool,
    /// Accounts synced and failed in the last run, by account kind.
    pub last_run_counts: Vec<KindCounts>,
    /// The same over the runs of the last 7 days.
    pub week_counts: Vec<KindCounts>,
    /// The accounts the last run could not sync, with why: the card offers
    /// each one's fix.
    #[serde(default)]
    pub last_run_failures: Vec<FailedAccount>,
}

/// An account a run could not sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedAccount {
    /// `x`, `linkedin`, `facebook` or `instagram`.
    pub kind: String,
    pub display_name: String,
    /// The failure's class (`invalid_grant`, `rate_limited`, `transient`, …).
    pub error_class: Option<String>,
    /// When the platform's rate limit lifts, for `rate_limited`.
    pub rate_limited_until: Option<DateTime<Utc>>,
}

/// A business's sync schedule: every N minutes or daily at a local time,
/// paused or not, and its next slot. `GET`/`PUT
/// /api/v1/analytics/schedule/{business_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleView {
    /// Minutes between syncs, when not daily.
    pub every_minutes: Option<i32>,
    /// `HH:MM` in the business's time zone, when daily.
    pub daily_at: Option<String>,
    pub paused: bool,
    pub timezone: String,
    pub next_sync_at: Option<DateTime<Utc>>,
    /// In words: `every 6 hours`, `daily at 07:30`, `paused (…)`.
    pub summary: String,
}

/// What "Sync now" answers: the new run, or the one already in flight
/// (`created: false`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncNowView {
    pub run_id: Uuid,
    pub status: String,
    pub created: bool,
}

/// One sync run, as lists and cards show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunView {
    pub id: Uuid,
    /// `schedule`, `manual`, `retry` or `initial`.
    pub trigger: String,
    /// `queued`, `running`, `succeeded`, `partial`, `failed` or `cancelled`.
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub progress_done: i32,
    pub progress_total: i32,
    /// The account being synced now (display name).
    pub current_account: Option<String>,
    pub error_summary: Option<String>,
}

/// Per account kind (`x`, `linkedin`, `facebook`, `instagram`): accounts
/// synced (fully or partly) and failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindCounts {
    pub kind: String,
    pub succeeded: u32,
    pub failed: u32,
}

/// A page of sync history, newest first; `next` fetches the page after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPage {
    pub runs: Vec<HistoryRun>,
    /// The cursor for the next page (`?cursor=`), when there is one.
    pub next: Option<String>,
}

/// A run with each account's part of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryRun {
    #[serde(flatten)]
    pub run: RunView,
    pub items: Vec<ItemView>,
}

/// One account's part of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemView {
    pub connection_id: Option<Uuid>,
    /// `x`, `linkedin`, `facebook` or `instagram`.
    pub kind: String,
    pub display_name: String,
    pub status: String,
    pub records: i32,
    pub calls: i32,
    pub error_class: Option<String>,
    pub error_message: Option<String>,
    pub rate_limited_until: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// A business's metrics over a range of days, one series per account and
/// metric: what the charts, KPI tiles and CSV export read, and `GET
/// /api/v1/analytics/metrics/{business_id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricsView {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// `day` or `week`.
    pub granularity: String,
    pub series: Vec<SeriesView>,
}

/// One metric of one account, bucketed by day or week.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesView {
    pub connection_id: Uuid,
    /// `x`, `linkedin`, `facebook` or `instagram`.
    pub kind: String,
    pub display_name: String,
    /// The normalised name (`followers`, `views`, …).
    pub metric: String,
    /// What the platform calls it (`page_media_view`, `impressionCount`, …).
    pub native_metric: String,
    pub points: Vec<PointView>,
}

/// A day's value, or a week's (labelled by its Monday): the last follower
/// total of the week, the mean of a rate, the sum of anything else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointView {
    pub day: NaiveDate,
    pub value: f64,
}

/// A business's best posts published in a range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopPosts {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The metric the posts are ranked by.
    pub sort: String,
    pub posts: Vec<PostView>,
}

/// A post with its latest metrics, by normalised name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostView {
    pub connection_id: Uuid,
    pub kind: String,
    pub display_name: String,
    pub external_id: String,
    pub published_at: DateTime<Utc>,
    pub excerpt: String,
    pub url: Option<String>,
    pub metrics: BTreeMap<String, f64>,
}

/// A change of a sync run, as the events bus carries it to live screens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunEvent {
    pub business_id: Uuid,
    pub run: RunView,
    pub at: DateTime<Utc>,
}

/// What the live sync feed (`/api/v1/analytics/sync-events/{business_id}`)
/// sends: the status when it opens, then each run change; `resync` when
/// events were missed and the status should be read again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum LiveMessage {
    Status(Box<SyncStatusView>),
    Run(RunEvent),
    Resync,
}

/// The dashboard's analytics for a range of days: its metrics, the same
/// length of days before it (for the KPI changes), and its top posts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalyticsOverview {
    pub current: MetricsView,
    pub previous: MetricsView,
    pub posts: TopPosts,
    /// Whether the business has any account connected.
    pub connected: bool,
}
