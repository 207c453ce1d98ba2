//! Unit tests of users, passwords, TOTP and tokens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
use super::*;

/// RFC 6238 appendix B, SHA-1 (8 digits there; the last 6 are ours).
#[test]
fn totp_matches_rfc6238() {
    let secret = b"12345678901234567890";
    for (t, code) in [
        (59, "94287082"),
        (1_111_111_109, "07081804"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
    ] {
        let got = totp_code(secret, t / 30);
        assert_eq!(got, &code[2..], "t={t}");
    }
}

#[test]
fn base32_matches_rfc4648() {
    assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
    assert_eq!(base32(b"f"), "MY");
    assert_eq!(base32_decode("MZXW6YTBOI").unwrap(), b"foobar");
    assert_eq!(base32_decode("mzxw 6ytb oi==").unwrap(), b"foobar");
    assert!(base32_decode("M1").is_none());
}

#[test]
fn password_policy_and_roles() {
    assert!(check_password_policy("short").is_err());
    assert!(check_password_policy("alllowercaseletters").is_err());
    assert!(check_password_policy("Good-Password-2026").is_ok());
    let r = eseal_gm::provider::SeededRandom::new(b"t");
    let k = DataKey::new(1, [7; 16]);
    assert!(
        new_user(
            "a",
            "A",
            &[Role::Auditor, Role::Maker],
            "Good-Password-2026",
            false,
            &k,
            &r
        )
        .is_err()
    );
    assert!(
        new_user(
            "a b",
            "A",
            &[Role::Maker],
            "Good-Password-2026",
            false,
            &k,
            &r
        )
        .is_err()
    );
    let (u, e) = new_user(
        "a",
        "A",
        &[Role::Maker],
        "Good-Password-2026",
        false,
        &k,
        &r,
    )
    .unwrap();
    assert!(password_ok("Good-Password-2026", &u.password_hash));
    assert!(!password_ok("Good-Password-2027", &u.password_hash));
    assert!(e.otpauth_uri.contains(&e.totp_secret));
    let secret = totp_secret(&u, &k).unwrap();
    assert_eq!(base32(&secret), e.totp_secret);
    assert!(!u.totp_secret.contains(&hex::encode(&secret)));
    assert!(totp_secret(&u, &DataKey::new(1, [8; 16])).is_none());
}

/// A person reads each role's name in both languages, never its wire identifier.
#[test]
fn every_role_has_words_in_both_languages() {
    for r in Role::ALL {
        assert!(!r.en().contains('_') && !r.en().is_empty(), "{:?}", r);
        assert!(!r.zh().is_ascii(), "{:?}", r);
    }
    assert_eq!(Role::SystemAdmin.en(), "system administrator");
}
