//! What server functions return: plain data, the same on both sides of the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::Role;

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
    pub created_at: DateTime<Utc>,
}
