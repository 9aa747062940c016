use secrecy::{ExposeSecret, SecretString};

use super::*;
use crate::platforms::meta::{InstagramAccount, Page};

fn grant() -> Pending {
    Pending::MetaPages(Grant {
        user_token: SecretString::from("USER-TOKEN-SENTINEL".to_owned()),
        user_expires_at: None,
        data_access_expires_at: None,
        pages: vec![Page {
            id: "p1".into(),
            name: "Northwind".into(),
            access_token: SecretString::from("PAGE-TOKEN-SENTINEL".to_owned()),
            instagram: Some(InstagramAccount {
                id: "ig1".into(),
                username: Some("northwind".into()),
            }),
        }],
        sandbox: true,
    })
}

/// Compiles only while `T` has no `Serialize`: with one, both impls
/// apply and the call below is ambiguous (a build failure, not a pass).
trait NotSerialize<A> {
    fn holds() {}
}
impl<T: ?Sized> NotSerialize<()> for T {}
struct Ambiguous;
impl<T: ?Sized + serde::Serialize> NotSerialize<Ambiguous> for T {}

#[test]
fn token_holders_cannot_be_serialized() {
    use crate::platforms::tokens::TokenSet;
    <Page as NotSerialize<_>>::holds();
    <Grant as NotSerialize<_>>::holds();
    <PendingAccount as NotSerialize<_>>::holds();
    <Pending as NotSerialize<_>>::holds();
    <TokenSet as NotSerialize<_>>::holds();
}

#[test]
fn debug_never_shows_a_token() {
    let Pending::MetaPages(g) = grant() else {
        unreachable!()
    };
    let shown = format!("{g:?} {:?}", g.pages[0]);
    assert!(shown.contains("Northwind"), "{shown}");
    assert!(!shown.contains("SENTINEL"), "{shown}");
    let account = PendingAccount {
        platform: AccountKind::X,
        external_id: "1".into(),
        display_name: "@n".into(),
        access_token: SecretString::from("AT-SENTINEL".to_owned()),
        refresh_token: Some(SecretString::from("RT-SENTINEL".to_owned())),
        expires_at: None,
        refresh_expires_at: None,
        scopes: String::new(),
        sandbox: false,
    };
    assert!(!format!("{account:?}").contains("SENTINEL"));
}

#[test]
fn the_wire_form_round_trips_every_token() {
    let json = serde_json::to_string(&wire::Payload::from(&grant())).unwrap();
    assert!(json.contains(r#""kind":"meta_pages""#), "{json}");
    let Pending::MetaPages(back) =
        Pending::from(serde_json::from_str::<wire::Payload>(&json).unwrap())
    else {
        panic!("kind changed")
    };
    assert_eq!(back.user_token.expose_secret(), "USER-TOKEN-SENTINEL");
    assert_eq!(
        back.pages[0].access_token.expose_secret(),
        "PAGE-TOKEN-SENTINEL"
    );
    assert_eq!(back.pages[0].instagram.as_ref().unwrap().id, "ig1");
}
