use super::*;

fn ring(entries: &[&SecretString]) -> Keyring {
    let spec = entries
        .iter()
        .map(|e| e.expose_secret())
        .collect::<Vec<_>>()
        .join(",");
    Keyring::parse(&SecretString::from(spec)).unwrap()
}

fn place(row: &str) -> Place<'_> {
    Place {
        table: "connections",
        column: "access_token",
        row_id: row,
        business_id: Uuid::from_u128(7),
    }
}

#[test]
fn round_trips_with_a_fresh_nonce_each_time() {
    let k = ring(&[&Keyring::generate_entry("k1")]);
    let a = k.encrypt("token-value", place("r1"));
    let b = k.encrypt("token-value", place("r1"));
    assert_ne!(a, b, "random nonce per encryption");
    assert_eq!(
        k.decrypt(&a, place("r1")).unwrap().expose_secret(),
        "token-value"
    );
    assert!(!a.windows(11).any(|w| w == b"token-value"));
}

#[test]
fn ciphertext_is_bound_to_its_place() {
    let k = ring(&[&Keyring::generate_entry("k1")]);
    let ct = k.encrypt("secret", place("r1"));
    assert_eq!(
        k.decrypt(&ct, place("r2")).err(),
        Some(VaultError::Unauthentic),
        "another row"
    );
    let other_column = Place {
        column: "refresh_token",
        ..place("r1")
    };
    assert_eq!(
        k.decrypt(&ct, other_column).err(),
        Some(VaultError::Unauthentic)
    );
    let other_business = Place {
        business_id: Uuid::from_u128(8),
        ..place("r1")
    };
    assert_eq!(
        k.decrypt(&ct, other_business).err(),
        Some(VaultError::Unauthentic)
    );
    let other_table = Place {
        table: "oauth_transactions",
        ..place("r1")
    };
    assert_eq!(
        k.decrypt(&ct, other_table).err(),
        Some(VaultError::Unauthentic)
    );
}

#[test]
fn tampering_is_detected() {
    let k = ring(&[&Keyring::generate_entry("k1")]);
    let mut ct = k.encrypt("secret", place("r1"));
    let last = ct.len() - 1;
    ct[last] ^= 1;
    assert_eq!(
        k.decrypt(&ct, place("r1")).err(),
        Some(VaultError::Unauthentic)
    );
    assert_eq!(
        k.decrypt(&[], place("r1")).err(),
        Some(VaultError::Malformed)
    );
    assert_eq!(
        k.decrypt(&[9, 0], place("r1")).err(),
        Some(VaultError::UnknownVersion(9))
    );
}

#[test]
fn rotation_newest_encrypts_all_decrypt() {
    let old = Keyring::generate_entry("old");
    let new = Keyring::generate_entry("new");
    let before = ring(&[&old]);
    let ct_old = before.encrypt("secret", place("r1"));

    let during = ring(&[&new, &old]);
    assert_eq!(during.primary_id(), "new");
    assert!(during.needs_rotation(&ct_old).unwrap());
    let ct_new = during.reencrypt(&ct_old, place("r1")).unwrap();
    assert!(!during.needs_rotation(&ct_new).unwrap());

    let after = ring(&[&new]);
    assert_eq!(
        after.decrypt(&ct_new, place("r1")).unwrap().expose_secret(),
        "secret"
    );
    assert_eq!(
        after.decrypt(&ct_old, place("r1")).err(),
        Some(VaultError::UnknownKey("old".into()))
    );
}

#[test]
fn failures_are_counted_and_reseal_moves_to_the_primary_key() {
    let old = Keyring::generate_entry("old");
    let new = Keyring::generate_entry("new");
    let ct = ring(&[&old]).encrypt("secret", place("r1"));
    let both = ring(&[&new, &old]);
    let before = decrypt_failures();
    assert!(both.decrypt(&ct, place("r2")).is_err());
    assert!(decrypt_failures() > before, "a failure is counted");
    let resealed = both.reseal(&ct, place("r1")).unwrap();
    assert_eq!(key_id_of(&resealed).unwrap(), "new");
    assert_eq!(
        both.reseal(&resealed, place("r1")).unwrap(),
        resealed,
        "already on the primary key: unchanged"
    );
    assert_eq!(key_id_of(&ct).unwrap(), "old");
}

#[test]
fn key_ids_cannot_be_swapped_between_keys() {
    let a = Keyring::generate_entry("a");
    let b = Keyring::generate_entry("b");
    let k = ring(&[&a, &b]);
    let mut ct = k.encrypt("secret", place("r1"));
    ct[2] = b'b'; // claim the other key made it
    assert_eq!(
        k.decrypt(&ct, place("r1")).err(),
        Some(VaultError::Unauthentic)
    );
}

#[test]
fn bad_keyrings_are_refused_with_reasons() {
    let parse = |s: &str| Keyring::parse(&SecretString::from(s.to_owned()));
    assert_eq!(parse("").unwrap_err(), VaultError::NoKeys);
    assert!(matches!(
        parse("k1:c2hvcnQ="),
        Err(VaultError::BadKey(_, "keys must be exactly 32 bytes"))
    ));
    assert!(matches!(
        parse("k1:!!!"),
        Err(VaultError::BadKey(_, "not valid base64"))
    ));
    assert!(matches!(parse("nocolon"), Err(VaultError::BadKey(_, _))));
    let e = Keyring::generate_entry("k1");
    let twice = format!("{0},{0}", e.expose_secret());
    assert!(matches!(
        parse(&twice),
        Err(VaultError::BadKey(_, "listed twice"))
    ));
    assert!(!format!("{:?}", ring(&[&e])).contains(&e.expose_secret()[3..]));
}
