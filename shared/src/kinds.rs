//! The closed sets Pulseboard stores as text: roles, platforms, account
//! kinds, connection statuses, OAuth outcomes, audit kinds, metrics, sync
//! statuses and triggers. Each value's text appears once, here; everything
//! else matches on the enum.

use serde::{Deserialize, Serialize};

/// An enum whose variants are stored (in the database, a URL or a log
/// field) as fixed text: `as_str`, `parse` and `ALL`, from one table.
macro_rules! text_enum {
    (@count) => { 0 };
    (@count $head:ident $($rest:ident)*) => { 1 + text_enum!(@count $($rest)*) };
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $($(#[$vmeta])* $variant,)+ }

        impl $name {
            pub const ALL: [$name; text_enum!(@count $($variant)+)] = [$($name::$variant,)+];

            /// The stored text.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }

            /// The value whose stored text is exactly `raw`.
            pub fn parse(raw: &str) -> Option<Self> {
                Self::ALL.into_iter().find(|v| v.as_str() == raw)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum! {
    /// A member's role in a business.
    pub enum Role {
        Owner = "owner",
        Admin = "admin",
        Viewer = "viewer",
    }
}

impl Role {
    /// Owners and admins connect, disconnect and change settings; viewers read.
    pub fn can_manage(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }
}

text_enum! {
    /// A platform a business connects through one OAuth flow. Meta's flow
    /// yields a Facebook Page connection and, when linked, an Instagram one.
    pub enum Platform {
        LinkedIn = "linkedin",
        X = "x",
        Meta = "meta",
    }
}

impl Platform {
    /// The path segment in `/api/v1/oauth/{platform}/…` and the settings key.
    pub fn slug(self) -> &'static str {
        self.as_str()
    }

    pub fn label(self) -> &'static str {
        match self {
            Platform::LinkedIn => "LinkedIn",
            Platform::X => "X",
            Platform::Meta => "Facebook & Instagram",
        }
    }

    /// The kinds of account this platform's flow connects.
    pub fn accounts(self) -> &'static [AccountKind] {
        match self {
            Platform::LinkedIn => &[AccountKind::LinkedIn],
            Platform::X => &[AccountKind::X],
            Platform::Meta => &[AccountKind::Facebook, AccountKind::Instagram],
        }
    }
}

text_enum! {
    /// What one connection is an account of, as stored in `connections.platform`.
    pub enum AccountKind {
        LinkedIn = "linkedin",
        X = "x",
        Facebook = "facebook",
        Instagram = "instagram",
    }
}

impl AccountKind {
    /// The platform whose OAuth flow connects this kind of account.
    pub fn platform(self) -> Platform {
        match self {
            AccountKind::LinkedIn => Platform::LinkedIn,
            AccountKind::X => Platform::X,
            AccountKind::Facebook | AccountKind::Instagram => Platform::Meta,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AccountKind::LinkedIn => "LinkedIn",
            AccountKind::X => "X",
            AccountKind::Facebook => "Facebook",
            AccountKind::Instagram => "Instagram",
        }
    }
}

text_enum! {
    /// A connection's health, as stored in `connections.status`.
    pub enum ConnectionStatus {
        Connected = "connected",
        NeedsReconnect = "needs_reconnect",
        MissingPermission = "missing_permission",
        RateLimited = "rate_limited",
    }
}

text_enum! {
    /// How a connect attempt ended, as the callback reports it to the page
    /// (`?outcome=` on the business page).
    pub enum OAuthOutcome {
        Connected = "connected",
        /// Connected, and the account is also connected to another business.
        ConnectedShared = "connected_shared",
        /// The user declined on the platform's consent page.
        Denied = "denied",
        Failed = "failed",
        /// The user chose not to link an account another business has.
        NotLinked = "not_linked",
    }
}

text_enum! {
    /// What an audit event records, as stored in `audit_events.kind`.
    pub enum AuditKind {
        Connected = "connected",
        ConnectFailed = "connect_failed",
        Disconnected = "disconnected",
        ExpiryWarning = "expiry_warning",
        LinkDeclined = "link_declined",
        LinkedElsewhere = "linked_elsewhere",
        NeedsReconnect = "needs_reconnect",
        RefreshFailed = "refresh_failed",
    }
}

text_enum! {
    /// The normalised metric vocabulary every platform's native metrics map
    /// onto, as stored in `metric_points.metric`.
    pub enum Metric {
        /// The account's follower total on the day.
        Followers = "followers",
        FollowerGain = "follower_gain",
        /// Views or impressions: how often content was seen.
        Views = "views",
        /// Reach or unique viewers: how many accounts saw content.
        Reach = "reach",
        Engagements = "engagements",
        /// Engagements per impression (LinkedIn's `engagement`), a ratio.
        EngagementRate = "engagement_rate",
        /// Accounts that engaged (Instagram's `accounts_engaged`).
        EngagedAccounts = "engaged_accounts",
        Likes = "likes",
        Comments = "comments",
        Shares = "shares",
        Clicks = "clicks",
        Saves = "saves",
        /// Views of the page or profile itself.
        PageViews = "page_views",
        PostsPublished = "posts_published",
    }
}

text_enum! {
    /// Where a run, or one account's part of it, stands.
    pub enum SyncStatus {
        Queued = "queued",
        Running = "running",
        Succeeded = "succeeded",
        /// Some metric groups failed; the rest were stored.
        Partial = "partial",
        Failed = "failed",
        Cancelled = "cancelled",
    }
}

impl SyncStatus {
    /// Queued or running: the run still holds its business's one slot.
    pub fn in_flight(self) -> bool {
        matches!(self, SyncStatus::Queued | SyncStatus::Running)
    }
}

text_enum! {
    /// What started a run.
    pub enum SyncTrigger {
        Schedule = "schedule",
        Manual = "manual",
        Retry = "retry",
        /// The first sync after an account is connected (a backfill).
        Initial = "initial",
    }
}

text_enum! {
    /// How a metric series is bucketed for charts and exports.
    pub enum Granularity {
        Day = "day",
        /// ISO weeks, Monday to Sunday, labelled by their Monday.
        Week = "week",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_round_trip_through_their_slugs() {
        for p in Platform::ALL {
            assert_eq!(Platform::parse(p.slug()), Some(p));
        }
        assert_eq!(Platform::parse("twitter"), None);
        assert_eq!(Platform::parse("X"), None, "slugs are lower-case");
    }

    #[test]
    fn roles_round_trip() {
        for r in [Role::Owner, Role::Admin, Role::Viewer] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn every_account_kind_belongs_to_the_platform_that_lists_it() {
        for kind in AccountKind::ALL {
            assert!(kind.platform().accounts().contains(&kind));
            assert_eq!(AccountKind::parse(kind.as_str()), Some(kind));
        }
        let listed: usize = Platform::ALL.iter().map(|p| p.accounts().len()).sum();
        assert_eq!(listed, AccountKind::ALL.len());
    }

    #[test]
    fn texts_are_distinct_within_each_enum() {
        fn distinct(texts: Vec<&str>) -> bool {
            let mut sorted = texts.clone();
            sorted.sort_unstable();
            sorted.dedup();
            sorted.len() == texts.len()
        }
        assert!(distinct(
            AuditKind::ALL.iter().map(|k| k.as_str()).collect()
        ));
        assert!(distinct(
            OAuthOutcome::ALL.iter().map(|k| k.as_str()).collect()
        ));
        assert!(distinct(
            ConnectionStatus::ALL.iter().map(|k| k.as_str()).collect()
        ));
    }
}
