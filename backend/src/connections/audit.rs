//! The business's audit trail of what happened to its connections.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use crate::entities::audit_events;
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

pub async fn recent_audit(
    db: &impl ConnectionTrait,
    business_id: Uuid,
    limit: u64,
) -> Result<Vec<AuditView>, Error> {
    Ok(audit_events::Entity::find()
        .filter(audit_events::Column::BusinessId.eq(business_id))
        .order_by_desc(audit_events::Column::At)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(|e| AuditView {
            kind: e.kind,
            detail: e.detail,
            at: e.at,
        })
        .collect())
}
