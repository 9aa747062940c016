//! The business's recent activity in words: each audit event as a sentence
//! a person understands, with who did it, the account's name (never its
//! id), an icon per kind and, where there is one, the fix. The raw kind and
//! detail stay in [`AuditView`] for the API.

use crate::domain::{AccountKind, AuditKind, ConnectionStatus, Platform};
use crate::dto::AuditView;
use crate::format::isolate;

/// One line of the activity feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// A glyph for the kind of event (decorative: the text says it all).
    pub icon: &'static str,
    pub text: String,
    /// Connecting this platform again fixes what the line reports.
    pub fix: Option<Platform>,
}

/// The classes a declined consent comes back with.
const DECLINED: [&str; 3] = [
    "access_denied",
    "user_cancelled_authorize",
    "user_cancelled_login",
];

pub fn line(a: &AuditView) -> Line {
    let subject = a.subject.as_deref().unwrap_or_default();
    let kind = AccountKind::parse(subject);
    let platform = kind
        .map(AccountKind::platform)
        .or_else(|| Platform::parse(subject));
    let label = match (kind, platform) {
        (Some(k), _) => k.label(),
        (None, Some(p)) => p.label(),
        (None, None) => "an account",
    };
    let platform_label = platform.map_or(label, Platform::label);
    let account = a
        .account
        .as_deref()
        .map_or_else(|| format!("an account on {label}"), isolate);
    let actor = a.actor.as_deref().map(isolate);
    let who = actor.clone().unwrap_or_else(|| "Someone".to_owned());
    let reason = a.reason.as_deref().unwrap_or_default();
    let (icon, text, fix) = match AuditKind::parse(&a.kind) {
        Some(AuditKind::Connected) => (
            "✓",
            match &actor {
                Some(actor) => format!("{actor} connected {label} as {account}."),
                None => format!("{label} was connected as {account}."),
            },
            None,
        ),
        Some(AuditKind::ConnectFailed) if DECLINED.contains(&reason) => (
            "✕",
            format!("Connecting {platform_label} was declined on {platform_label}'s page."),
            None,
        ),
        Some(AuditKind::ConnectFailed) if reason == "no_pages" => (
            "✕",
            "Connecting Facebook & Instagram found no Facebook Page to connect: create or get access to a Page, then connect again.".to_owned(),
            platform,
        ),
        Some(AuditKind::ConnectFailed) => (
            "✕",
            format!(
                "Connecting {platform_label} failed ({}).",
                reason_words(reason)
            ),
            platform,
        ),
        Some(AuditKind::Disconnected) => (
            "−",
            format!("{who} disconnected {account} ({label})."),
            None,
        ),
        Some(AuditKind::ExpiryWarning) => (
            "⏳",
            match a.days {
                Some(1) => format!(
                    "{label} access for {account} ends tomorrow — reconnect to keep syncing."
                ),
                Some(days) => format!(
                    "{label} access for {account} ends in {days} days — reconnect to keep syncing."
                ),
                None => format!("{label} access for {account} ends soon — reconnect to keep syncing."),
            },
            platform,
        ),
        Some(AuditKind::LinkDeclined) => (
            "↷",
            format!(
                "{who} chose not to connect a {platform_label} account another business already has."
            ),
            None,
        ),
        Some(AuditKind::LinkedElsewhere) => (
            "⇄",
            format!("{account} on {label} is also connected to another business."),
            None,
        ),
        Some(AuditKind::NeedsReconnect) => (
            "⚠",
            format!(
                "{label} needs you to sign in again for {account}: syncing it waits until you reconnect."
            ),
            platform,
        ),
        Some(AuditKind::RefreshFailed) => (
            "↻",
            format!(
                "Renewing the {label} sign-in for {account} failed ({}).",
                reason_words(reason)
            ),
            None,
        ),
        None => ("•", format!("Something changed on {label}."), None),
    };
    Line { icon, text, fix }
}

/// A failure class in words.
fn reason_words(class: &str) -> &'static str {
    if class == ConnectionStatus::MissingPermission.as_str() {
        return "a permission was not granted";
    }
    if class == ConnectionStatus::RateLimited.as_str() {
        return "the platform asked us to slow down";
    }
    match class {
        "invalid_grant" => "the platform no longer accepts the sign-in",
        "transient" => "a passing problem at the platform",
        "invalid_response" => "the platform answered something we did not understand",
        "state_mismatch" | "expired_state" => "the sign-in took too long or was opened twice",
        "token_unreadable" | "version_retired" => "a server setting needs the operator",
        _ => "an error at the platform",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn event(kind: AuditKind, subject: &str) -> AuditView {
        AuditView {
            kind: kind.as_str().to_owned(),
            detail: String::new(),
            at: Utc::now(),
            actor: Some("alice@example.com".into()),
            subject: Some(subject.into()),
            account: Some("@northwind".into()),
            reason: None,
            days: None,
        }
    }

    fn text(a: &AuditView) -> String {
        line(a).text.replace(['\u{2068}', '\u{2069}'], "")
    }

    #[test]
    fn every_kind_reads_as_a_sentence_without_ids() {
        let mut failed = event(AuditKind::ConnectFailed, "linkedin");
        failed.reason = Some("access_denied".into());
        let mut expiring = event(AuditKind::ExpiryWarning, "facebook");
        expiring.account = Some("Northwind Coffee".into());
        expiring.actor = None;
        expiring.days = Some(3);
        let mut refresh = event(AuditKind::RefreshFailed, "x");
        refresh.actor = None;
        refresh.reason = Some("invalid_grant".into());
        let cases = [
            (
                event(AuditKind::Connected, "x"),
                "alice@example.com connected X as @northwind.",
            ),
            (
                failed,
                "Connecting LinkedIn was declined on LinkedIn's page.",
            ),
            (
                event(AuditKind::Disconnected, "instagram"),
                "alice@example.com disconnected @northwind (Instagram).",
            ),
            (
                expiring,
                "Facebook access for Northwind Coffee ends in 3 days — reconnect to keep syncing.",
            ),
            (
                event(AuditKind::LinkDeclined, "meta"),
                "alice@example.com chose not to connect a Facebook & Instagram account another business already has.",
            ),
            (
                event(AuditKind::LinkedElsewhere, "x"),
                "@northwind on X is also connected to another business.",
            ),
            (
                event(AuditKind::NeedsReconnect, "linkedin"),
                "LinkedIn needs you to sign in again for @northwind: syncing it waits until you reconnect.",
            ),
            (
                refresh,
                "Renewing the X sign-in for @northwind failed (the platform no longer accepts the sign-in).",
            ),
        ];
        for (event, sentence) in cases {
            assert_eq!(text(&event), sentence, "{}", event.kind);
        }
    }

    #[test]
    fn lines_that_need_the_user_link_to_the_fix() {
        assert_eq!(
            line(&event(AuditKind::NeedsReconnect, "instagram")).fix,
            Some(Platform::Meta)
        );
        assert_eq!(
            line(&event(AuditKind::ExpiryWarning, "facebook")).fix,
            Some(Platform::Meta)
        );
        assert_eq!(line(&event(AuditKind::Connected, "x")).fix, None);
        let mut failed = event(AuditKind::ConnectFailed, "x");
        failed.reason = Some("transient".into());
        assert_eq!(line(&failed).fix, Some(Platform::X));
    }

    #[test]
    fn names_are_isolated_and_a_missing_account_still_reads() {
        let mut e = event(AuditKind::NeedsReconnect, "x");
        assert!(line(&e).text.contains("\u{2068}@northwind\u{2069}"));
        e.account = None;
        assert_eq!(
            text(&e),
            "X needs you to sign in again for an account on X: syncing it waits until you reconnect."
        );
        let mut no_pages = event(AuditKind::ConnectFailed, "meta");
        no_pages.reason = Some("no_pages".into());
        assert!(text(&no_pages).contains("no Facebook Page"));
        assert_eq!(line(&no_pages).icon, "✕");
    }
}
