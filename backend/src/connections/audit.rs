//! The business's audit trail of what happened to its connections.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use crate::entities::{audit_events, connections, users};
use crate::error::Error;
use shared::domain::AuditKind;
use shared::dto::AuditView;

pub async fn audit(
    db: &impl ConnectionTrait,
    business_id: Uuid,
    actor: &str,
    kind: AuditKind,
    detail: &str,
) -> Result<(), Error> {
    audit_events::ActiveModel {
        id: Set(Uuid::new_v4()),
        business_id: Set(business_id),
        actor: Set(actor.to_owned()),
        kind: Set(kind.as_str().to_owned()),
        detail: Set(detail.to_owned()),
        at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The business's latest events, newest first, with who acted (their
/// email) and each account's name: three queries, whatever the count.
pub async fn recent_audit(
    db: &impl ConnectionTrait,
    business_id: Uuid,
    limit: u64,
) -> Result<Vec<AuditView>, Error> {
    let events = audit_events::Entity::find()
        .filter(audit_events::Column::BusinessId.eq(business_id))
        .order_by_desc(audit_events::Column::At)
        .limit(limit)
        .all(db)
        .await?;
    let actor_ids: Vec<Uuid> = events
        .iter()
        .filter_map(|e| Uuid::parse_str(&e.actor).ok())
        .collect();
    let emails: HashMap<Uuid, String> = match actor_ids.is_empty() {
        true => HashMap::new(),
        false => users::Entity::find()
            .filter(users::Column::Id.is_in(actor_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.email))
            .collect(),
    };
    let names: HashMap<Uuid, String> = connections::Entity::find()
        .filter(connections::Column::BusinessId.eq(business_id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.display_name))
        .collect();
    Ok(events
        .into_iter()
        .map(|e| {
            let d = Detail::parse(&e.detail);
            let account = d
                .name
                .or_else(|| d.connection_id.and_then(|id| names.get(&id).cloned()));
            AuditView {
                actor: Uuid::parse_str(&e.actor)
                    .ok()
                    .and_then(|id| emails.get(&id).cloned()),
                subject: d.subject,
                account,
                reason: d.reason,
                days: d.days,
                kind: e.kind,
                detail: e.detail,
                at: e.at,
            }
        })
        .collect())
}

/// What an event's detail text holds, as [`audit`]'s callers write it:
/// `{kind} {connection id} ({name})`, `{kind} {connection id}: {reason}`,
/// `{kind} {connection id}: reconnect within {n} days (ends …)`,
/// `{platform}: {reason}`, or `{kind} {connection id} is also …`.
#[derive(Debug, Default, PartialEq)]
struct Detail {
    subject: Option<String>,
    connection_id: Option<Uuid>,
    name: Option<String>,
    reason: Option<String>,
    days: Option<i64>,
}

impl Detail {
    fn parse(detail: &str) -> Detail {
        let end = detail.find([' ', ':']).unwrap_or(detail.len());
        let mut d = Detail {
            subject: Some(detail[..end].to_owned()).filter(|s| !s.is_empty()),
            ..Detail::default()
        };
        let mut rest = detail[end..].trim_start_matches(' ');
        if let Some(id) = rest.get(..36).and_then(|s| Uuid::parse_str(s).ok()) {
            d.connection_id = Some(id);
            rest = &rest[36..];
        }
        if let Some(name) = rest.strip_prefix(" (").and_then(|r| r.strip_suffix(')')) {
            d.name = Some(name.to_owned());
        } else if let Some(why) = rest.strip_prefix(": ").or_else(|| rest.strip_prefix(':')) {
            let why = why.trim();
            match why.strip_prefix("reconnect within ") {
                Some(days) => {
                    d.days = days.split(' ').next().and_then(|n| n.parse().ok());
                }
                None if !why.contains(' ') => d.reason = Some(why.to_owned()),
                None => {}
            }
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0a5a70bf-17d1-41d5-b99c-9a91b675867e";

    #[test]
    fn each_detail_format_gives_up_its_parts() {
        let id = Some(Uuid::parse_str(ID).unwrap());
        let p = |s: &str| Detail::parse(s);
        let connected = p(&format!("facebook {ID} (Northwind (Berlin))"));
        assert_eq!(connected.subject.as_deref(), Some("facebook"));
        assert_eq!(connected.connection_id, id);
        assert_eq!(connected.name.as_deref(), Some("Northwind (Berlin)"));
        let refresh = p(&format!("x {ID}: invalid_grant"));
        assert_eq!(
            (refresh.connection_id, refresh.reason.as_deref()),
            (id, Some("invalid_grant"))
        );
        let expiry = p(&format!(
            "instagram {ID}: reconnect within 7 days (ends 2026-12-10)"
        ));
        assert_eq!((expiry.days, expiry.reason), (Some(7), None));
        let failed = p("meta: no_pages");
        assert_eq!(failed.subject.as_deref(), Some("meta"));
        assert_eq!(failed.reason.as_deref(), Some("no_pages"));
        assert_eq!(failed.connection_id, None);
        let declined = p("x: an account connected to another business was not linked");
        assert_eq!(
            (declined.subject.as_deref(), declined.reason),
            (Some("x"), None)
        );
        let shared = p(&format!(
            "x {ID} is also connected to another business (confirmed by the user)"
        ));
        assert_eq!((shared.connection_id, shared.name), (id, None));
        let bare = p(&format!("linkedin {ID}"));
        assert_eq!(
            (bare.subject.as_deref(), bare.connection_id),
            (Some("linkedin"), id)
        );
    }
}
