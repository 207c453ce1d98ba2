#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! OCSP answers: what a responder says is read back; a forged, replayed, stale or
//! mismatched answer is refused with a reason.

use eseal_gm::Sm2PrivateKey;
use eseal_gm::provider::{SeededRandom, SoftwareSigner};
use eseal_pki::ca::{CaSignatureId, DevCa};
use eseal_pki::crl::RevocationReason;
use eseal_pki::name::name_from_slashes;
use eseal_pki::ocsp::{self, OcspStatus};
use time::macros::datetime;

const NOW: time::OffsetDateTime = datetime!(2026-12-02 08:00 UTC);

fn ca(seed: &[u8]) -> DevCa {
    let random = SeededRandom::new(seed);
    let new =
        eseal_pki::ca::init(&random, NOW, "OCSP Test", None, CaSignatureId::Standard).unwrap();
    DevCa::open(new.issuing, new.issuing_key, new.state).unwrap()
}

#[test]
fn answers_are_checked_before_they_are_believed() {
    let random = SeededRandom::new(b"ocsp leaf");
    let mut a = ca(b"ocsp ca a");
    let key = Sm2PrivateKey::generate(&random).unwrap();
    let leaf = a
        .issue(
            &random,
            NOW,
            "org",
            name_from_slashes("/C=CN/CN=Leaf").unwrap(),
            &key.public_key(),
            30,
        )
        .unwrap();
    let issuer = a.issuing.clone();
    let nonce = [7u8; 16];
    let req = ocsp::request(&leaf, &issuer, &nonce).unwrap();
    // Good, then revoked.
    let answer = ocsp::check_response(
        &a.respond_ocsp(&req, NOW).unwrap(),
        &leaf,
        &issuer,
        Some(&nonce),
        NOW,
    )
    .unwrap();
    assert_eq!(answer.status, OcspStatus::Good);
    assert_eq!(answer.responder, issuer.subject());
    a.revoke(&leaf.serial_hex(), RevocationReason::Superseded, NOW)
        .unwrap();
    let revoked = a.respond_ocsp(&req, NOW).unwrap();
    let answer = ocsp::check_response(&revoked, &leaf, &issuer, Some(&nonce), NOW).unwrap();
    assert_eq!(
        answer.status,
        OcspStatus::Revoked(NOW, RevocationReason::Superseded)
    );
    // Replayed for another request (another nonce): refused.
    let e = ocsp::check_response(&revoked, &leaf, &issuer, Some(&[8u8; 16]), NOW).unwrap_err();
    assert!(e.en.contains("nonce"), "{e}");
    // Past its nextUpdate (an hour): refused as stale.
    let e = ocsp::check_response(
        &revoked,
        &leaf,
        &issuer,
        Some(&nonce),
        NOW + time::Duration::hours(2),
    )
    .unwrap_err();
    assert!(e.en.contains("stale"), "{e}");
    // Signed by another CA's key although it names this issuer: refused.
    let b = ca(b"ocsp ca b");
    let forged = ocsp::respond(
        &req,
        &issuer,
        &SoftwareSigner::new(Sm2PrivateKey::generate(&random).unwrap()),
        &|_| Some(OcspStatus::Good),
        NOW,
        NOW + time::Duration::hours(1),
    )
    .unwrap();
    let e = ocsp::check_response(&forged, &leaf, &issuer, Some(&nonce), NOW).unwrap_err();
    assert!(e.en.contains("signed neither by the issuer"), "{e}");
    // An answer about another issuer's certificate: not about this one.
    let e = ocsp::check_response(
        &b.respond_ocsp(&req, NOW).unwrap(),
        &leaf,
        &issuer,
        Some(&nonce),
        NOW,
    )
    .unwrap_err();
    assert!(!e.en.is_empty());
    // One flipped bit anywhere in a good answer: never accepted as it was.
    let good = a.respond_ocsp(&req, NOW).unwrap();
    for i in 0..good.len() {
        let mut bad = good.clone();
        bad[i] ^= 0x01;
        if let Ok(x) = ocsp::check_response(&bad, &leaf, &issuer, Some(&nonce), NOW) {
            panic!("byte {i} flipped and accepted: {x:?}");
        }
    }
    // Garbage and a request that is not one.
    assert!(ocsp::check_response(b"garbage", &leaf, &issuer, None, NOW).is_err());
    let malformed = a.respond_ocsp(b"\x30\x00", NOW).unwrap();
    let e = ocsp::check_response(&malformed, &leaf, &issuer, None, NOW).unwrap_err();
    assert!(e.en.contains("malformedRequest"), "{e}");
}
