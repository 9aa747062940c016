//! What the dashboard's sync status card says, decided outside any
//! component: the headline in words with its tone, relative times, and how
//! a live run event changes the status the card shows.

use chrono::{DateTime, Utc};

use crate::domain::SyncStatus;
use crate::domain::{AccountKind, ConnectionStatus, Platform};
use crate::dto::{FailedAccount, RunEvent, SyncStatusView};

/// How a headline is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Nothing synced yet.
    Idle,
    /// A run is queued or running.
    Busy,
    Good,
    /// Synced, with something missing.
    Warn,
    Bad,
}

impl Tone {
    /// The CSS class of the tone.
    pub fn class(self) -> &'static str {
        match self {
            Tone::Idle => "tone-idle",
            Tone::Busy => "tone-busy",
            Tone::Good => "tone-good",
            Tone::Warn => "tone-warn",
            Tone::Bad => "tone-bad",
        }
    }
}

/// The card's headline: what is going on, in words.
pub fn headline(s: &SyncStatusView) -> (String, Tone) {
    if let Some(run) = &s.in_flight {
        let status = SyncStatus::parse(&run.status);
        if status == Some(SyncStatus::Queued) || run.progress_total == 0 {
            return ("Sync queued…".to_owned(), Tone::Busy);
        }
        let mut text = format!(
            "Syncing… {} of {} accounts",
            run.progress_done, run.progress_total
        );
        if let Some(account) = &run.current_account {
            text.push_str(&format!(" — {account}"));
        }
        return (text, Tone::Busy);
    }
    let Some(run) = &s.last_run else {
        return ("Not synced yet".to_owned(), Tone::Idle);
    };
    match SyncStatus::parse(&run.status) {
        Some(SyncStatus::Succeeded) => ("Synced".to_owned(), Tone::Good),
        Some(SyncStatus::Partial) => (
            format!(
                "Synced, with gaps: {}",
                run.error_summary
                    .as_deref()
                    .unwrap_or("some metrics were not available")
            ),
            Tone::Warn,
        ),
        Some(SyncStatus::Cancelled) => ("The last sync was cancelled".to_owned(), Tone::Warn),
        _ => (
            format!(
                "The last sync failed: {}",
                run.error_summary.as_deref().unwrap_or("no account synced")
            ),
            Tone::Bad,
        ),
    }
}

/// What a run's end says in a toast: success, gaps, or which accounts
/// failed and why.
pub fn ended(run: &crate::dto::RunView) -> (Tone, String) {
    match SyncStatus::parse(&run.status) {
        Some(SyncStatus::Succeeded) => (Tone::Good, "Sync finished.".to_owned()),
        Some(SyncStatus::Partial) => (
            Tone::Warn,
            format!(
                "Sync finished with gaps: {}",
                run.error_summary
                    .as_deref()
                    .unwrap_or("some metrics were not available")
            ),
        ),
        _ => (
            Tone::Bad,
            format!(
                "Sync failed. {}",
                run.error_summary.as_deref().unwrap_or("No account synced.")
            ),
        ),
    }
}

/// What a user can do about an account the last run could not sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Remedy {
    /// The platform refused the sign-in: connect the platform again.
    Reconnect(Platform),
    /// The platform's rate limit holds until then; the next sync waits.
    WaitUntil(DateTime<Utc>),
    /// Something passing (an outage, a timeout): try again.
    Retry,
    /// An operator must act (a retired API version, unreadable tokens).
    Operator,
}

/// The fix the card offers for a failed account, from its error class.
pub fn remedy(f: &FailedAccount) -> Remedy {
    let platform = AccountKind::parse(&f.kind).map(AccountKind::platform);
    let class = f.error_class.as_deref();
    // The classes are the failure's `ProviderError::class()`.
    if class == Some(ConnectionStatus::RateLimited.as_str()) {
        return f
            .rate_limited_until
            .map_or(Remedy::Retry, Remedy::WaitUntil);
    }
    match (class, platform) {
        (Some("transient" | "invalid_response") | None, _) => Remedy::Retry,
        (Some("version_retired" | "token_unreadable"), _) => Remedy::Operator,
        (Some(_), Some(p)) => Remedy::Reconnect(p),
        (Some(_), None) => Remedy::Operator,
    }
}

/// The line the card shows for a failed account, in words; `exact` formats
/// a time (in the business's zone).
pub fn remedy_text(f: &FailedAccount, exact: impl Fn(DateTime<Utc>) -> String) -> String {
    let label = AccountKind::parse(&f.kind).map_or(f.kind.as_str(), |k| k.label());
    let who = format!("{} on {label}", f.display_name);
    match remedy(f) {
        Remedy::Reconnect(p) => format!("{who}: {} needs you to sign in again.", p.label()),
        Remedy::WaitUntil(t) => format!(
            "{who}: {label} limits how often we may ask; syncing resumes after {}.",
            exact(t)
        ),
        Remedy::Retry => format!("{who}: {label} had a passing problem; try again."),
        Remedy::Operator => {
            format!("{who}: this needs the operator (see `pulseboard doctor`).")
        }
    }
}

/// How long a run or item took: `0.4 s`, `42 s`, `3 min 5 s`; `—` when
/// it has not both started and ended.
pub fn took(started: Option<DateTime<Utc>>, finished: Option<DateTime<Utc>>) -> String {
    let (Some(a), Some(b)) = (started, finished) else {
        return "—".to_owned();
    };
    let ms = (b - a).num_milliseconds().max(0);
    match ms {
        m if m < 10_000 => format!("{:.1} s", m as f64 / 1000.0),
        m if m < 60_000 => format!("{} s", m / 1000),
        m => format!("{} min {} s", m / 60_000, (m % 60_000) / 1000),
    }
}

/// `just now`, `5 minutes ago`, `3 hours ago`, `2 days ago`; `in 20
/// minutes` for a time ahead.
pub fn relative(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - at).num_seconds();
    let (ahead, secs) = (secs < 0, secs.abs());
    let (n, unit) = match secs {
        s if s < 45 => return "just now".to_owned(),
        s if s < 3600 => ((s + 30) / 60, "minute"),
        s if s < 86_400 => ((s + 1800) / 3600, "hour"),
        s => ((s + 43_200) / 86_400, "day"),
    };
    let n = n.max(1);
    let plural = if n == 1 { "" } else { "s" };
    if ahead {
        format!("in {n} {unit}{plural}")
    } else {
        format!("{n} {unit}{plural} ago")
    }
}

/// Applies a live run event to the status a card shows; `true` when the
/// event ends a run (the card then reads the whole status again for its
/// counts, and says how the run went).
pub fn apply(s: &mut SyncStatusView, event: &RunEvent) -> bool {
    if event.business_id != s.business_id {
        return false;
    }
    let in_flight = SyncStatus::parse(&event.run.status).is_some_and(SyncStatus::in_flight);
    if in_flight {
        s.in_flight = Some(event.run.clone());
        return false;
    }
    if s.in_flight.as_ref().is_some_and(|r| r.id == event.run.id) {
        s.in_flight = None;
    }
    let ok = matches!(
        SyncStatus::parse(&event.run.status),
        Some(SyncStatus::Succeeded | SyncStatus::Partial)
    );
    if ok {
        s.last_success_at = event.run.finished_at;
    }
    s.last_run = Some(event.run.clone());
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::RunView;
    use uuid::Uuid;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn run(status: &str, done: i32, total: i32) -> RunView {
        RunView {
            id: Uuid::nil(),
            trigger: "manual".into(),
            status: status.into(),
            created_at: at("2026-12-03T10:00:00Z"),
            started_at: None,
            finished_at: (!SyncStatus::parse(status).unwrap().in_flight())
                .then(|| at("2026-12-03T10:01:00Z")),
            progress_done: done,
            progress_total: total,
            current_account: (status == "running").then(|| "Acme on X".into()),
            error_summary: (status == "failed").then(|| "Not synced: Acme on X".into()),
        }
    }

    fn status() -> SyncStatusView {
        SyncStatusView {
            business_id: Uuid::nil(),
            last_run: None,
            last_success_at: None,
            in_flight: None,
            next_sync_at: None,
            paused: false,
            last_run_counts: vec![],
            week_counts: vec![],
            last_run_failures: vec![],
        }
    }

    fn failed(kind: &str, class: Option<&str>) -> FailedAccount {
        FailedAccount {
            kind: kind.into(),
            display_name: "Northwind".into(),
            error_class: class.map(Into::into),
            rate_limited_until: (class == Some("rate_limited")).then(|| at("2026-12-03T11:15:00Z")),
        }
    }

    #[test]
    fn each_failure_class_gets_its_fix() {
        assert_eq!(
            remedy(&failed("instagram", Some("invalid_grant"))),
            Remedy::Reconnect(Platform::Meta),
            "an Instagram account reconnects through Meta"
        );
        assert_eq!(
            remedy(&failed("linkedin", Some("missing_permission"))),
            Remedy::Reconnect(Platform::LinkedIn)
        );
        assert_eq!(
            remedy(&failed("x", Some("rate_limited"))),
            Remedy::WaitUntil(at("2026-12-03T11:15:00Z"))
        );
        let mut unknown_until = failed("x", Some("rate_limited"));
        unknown_until.rate_limited_until = None;
        assert_eq!(remedy(&unknown_until), Remedy::Retry);
        assert_eq!(remedy(&failed("x", Some("transient"))), Remedy::Retry);
        assert_eq!(remedy(&failed("x", None)), Remedy::Retry);
        assert_eq!(
            remedy(&failed("facebook", Some("version_retired"))),
            Remedy::Operator
        );
    }

    #[test]
    fn the_fix_reads_as_a_sentence_naming_the_account() {
        let exact = |t: DateTime<Utc>| t.format("%H:%M").to_string();
        assert_eq!(
            remedy_text(&failed("instagram", Some("invalid_grant")), exact),
            "Northwind on Instagram: Facebook & Instagram needs you to sign in again."
        );
        assert_eq!(
            remedy_text(&failed("x", Some("rate_limited")), exact),
            "Northwind on X: X limits how often we may ask; syncing resumes after 11:15."
        );
        assert_eq!(
            remedy_text(&failed("linkedin", Some("transient")), exact),
            "Northwind on LinkedIn: LinkedIn had a passing problem; try again."
        );
    }

    #[test]
    fn the_headline_says_what_is_going_on() {
        let mut s = status();
        assert_eq!(headline(&s), ("Not synced yet".into(), Tone::Idle));
        s.in_flight = Some(run("queued", 0, 0));
        assert_eq!(headline(&s).1, Tone::Busy);
        s.in_flight = Some(run("running", 1, 4));
        assert_eq!(headline(&s).0, "Syncing… 1 of 4 accounts — Acme on X");
        s.in_flight = None;
        s.last_run = Some(run("failed", 4, 4));
        assert_eq!(
            headline(&s),
            (
                "The last sync failed: Not synced: Acme on X".into(),
                Tone::Bad
            )
        );
        s.last_run = Some(run("partial", 4, 4));
        assert_eq!(headline(&s).1, Tone::Warn);
        s.last_run = Some(run("succeeded", 4, 4));
        assert_eq!(headline(&s), ("Synced".into(), Tone::Good));
    }

    #[test]
    fn a_runs_end_names_what_failed() {
        assert_eq!(
            ended(&run("succeeded", 1, 1)),
            (Tone::Good, "Sync finished.".into())
        );
        assert_eq!(
            ended(&run("failed", 1, 1)),
            (Tone::Bad, "Sync failed. Not synced: Acme on X".into())
        );
    }

    #[test]
    fn durations_read_naturally() {
        let t = |s: &str| Some(at(s));
        assert_eq!(
            took(t("2026-12-03T10:00:00Z"), t("2026-12-03T10:00:00.400Z")),
            "0.4 s"
        );
        assert_eq!(
            took(t("2026-12-03T10:00:00Z"), t("2026-12-03T10:00:42Z")),
            "42 s"
        );
        assert_eq!(
            took(t("2026-12-03T10:00:00Z"), t("2026-12-03T10:03:05Z")),
            "3 min 5 s"
        );
        assert_eq!(took(t("2026-12-03T10:00:00Z"), None), "—");
    }

    #[test]
    fn times_read_relative_to_now() {
        let now = at("2026-12-03T12:00:00Z");
        assert_eq!(relative(at("2026-12-03T11:59:30Z"), now), "just now");
        assert_eq!(relative(at("2026-12-03T11:55:00Z"), now), "5 minutes ago");
        assert_eq!(relative(at("2026-12-03T11:00:00Z"), now), "1 hour ago");
        assert_eq!(relative(at("2026-12-03T09:00:00Z"), now), "3 hours ago");
        assert_eq!(relative(at("2026-12-01T12:00:00Z"), now), "2 days ago");
        assert_eq!(relative(at("2026-12-03T12:20:00Z"), now), "in 20 minutes");
    }

    #[test]
    fn events_move_the_run_from_in_flight_to_last() {
        let mut s = status();
        let event = |r: RunView| RunEvent {
            business_id: Uuid::nil(),
            run: r,
            at: at("2026-12-03T10:00:00Z"),
        };
        assert!(!apply(&mut s, &event(run("running", 0, 2))));
        assert_eq!(s.in_flight.as_ref().unwrap().progress_total, 2);
        assert!(apply(&mut s, &event(run("succeeded", 2, 2))));
        assert!(s.in_flight.is_none());
        assert_eq!(s.last_run.as_ref().unwrap().status, "succeeded");
        assert_eq!(s.last_success_at, Some(at("2026-12-03T10:01:00Z")));
        // Another business's event changes nothing.
        let mut other = event(run("running", 0, 1));
        other.business_id = Uuid::from_u128(7);
        assert!(!apply(&mut s, &other));
        assert!(s.in_flight.is_none());
    }
}
