//! The JSON inside a pending row's ciphertext. Private: plain strings exist
//! only between these types and the vault, in `stash` and `open`.

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::{Grant, Pending, PendingAccount};
use crate::platforms::meta::{InstagramAccount, Page};
use shared::domain::AccountKind;

#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(super) enum Payload {
    MetaPages(GrantWire),
    Account(AccountWire),
}

#[derive(Serialize, Deserialize)]
pub(super) struct GrantWire {
    user_token: String,
    user_expires_at: Option<DateTime<Utc>>,
    data_access_expires_at: Option<DateTime<Utc>>,
    pages: Vec<PageWire>,
    sandbox: bool,
}

#[derive(Serialize, Deserialize)]
pub(super) struct PageWire {
    id: String,
    name: String,
    access_token: String,
    instagram: Option<InstagramAccount>,
}

#[derive(Serialize, Deserialize)]
pub(super) struct AccountWire {
    #[serde(with = "kind_text")]
    platform: AccountKind,
    external_id: String,
    display_name: String,
    access_token: String,
    refresh_token: Option<String>,
    expires_at: Option<DateTime<Utc>>,
    refresh_expires_at: Option<DateTime<Utc>>,
    scopes: String,
    sandbox: bool,
}

fn text(s: &SecretString) -> String {
    s.expose_secret().to_owned()
}

impl From<&Pending> for Payload {
    fn from(p: &Pending) -> Self {
        match p {
            Pending::MetaPages(g) => Payload::MetaPages(GrantWire {
                user_token: text(&g.user_token),
                user_expires_at: g.user_expires_at,
                data_access_expires_at: g.data_access_expires_at,
                pages: g
                    .pages
                    .iter()
                    .map(|p| PageWire {
                        id: p.id.clone(),
                        name: p.name.clone(),
                        access_token: text(&p.access_token),
                        instagram: p.instagram.clone(),
                    })
                    .collect(),
                sandbox: g.sandbox,
            }),
            Pending::Account(a) => Payload::Account(AccountWire {
                platform: a.platform,
                external_id: a.external_id.clone(),
                display_name: a.display_name.clone(),
                access_token: text(&a.access_token),
                refresh_token: a.refresh_token.as_ref().map(text),
                expires_at: a.expires_at,
                refresh_expires_at: a.refresh_expires_at,
                scopes: a.scopes.clone(),
                sandbox: a.sandbox,
            }),
        }
    }
}

impl From<Payload> for Pending {
    fn from(p: Payload) -> Self {
        match p {
            Payload::MetaPages(g) => Pending::MetaPages(Grant {
                user_token: SecretString::from(g.user_token),
                user_expires_at: g.user_expires_at,
                data_access_expires_at: g.data_access_expires_at,
                pages: g
                    .pages
                    .into_iter()
                    .map(|p| Page {
                        id: p.id,
                        name: p.name,
                        access_token: SecretString::from(p.access_token),
                        instagram: p.instagram,
                    })
                    .collect(),
                sandbox: g.sandbox,
            }),
            Payload::Account(a) => Pending::Account(PendingAccount {
                platform: a.platform,
                external_id: a.external_id,
                display_name: a.display_name,
                access_token: SecretString::from(a.access_token),
                refresh_token: a.refresh_token.map(SecretString::from),
                expires_at: a.expires_at,
                refresh_expires_at: a.refresh_expires_at,
                scopes: a.scopes,
                sandbox: a.sandbox,
            }),
        }
    }
}

/// The kind as its stored text (`x`, `linkedin`), as every other column holds it.
mod kind_text {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};
    use shared::domain::AccountKind;

    pub fn serialize<S: Serializer>(kind: &AccountKind, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(kind.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<AccountKind, D::Error> {
        let raw = String::deserialize(d)?;
        AccountKind::parse(&raw).ok_or_else(|| D::Error::custom("unknown account kind"))
    }
}
