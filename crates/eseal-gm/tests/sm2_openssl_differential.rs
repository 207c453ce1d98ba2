#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Differential tests of eseal's SM2 against the system's OpenSSL 3 (libcrypto through the
//! `openssl` crate), each way. OpenSSL's `EVP_DigestSign` with an SM2 key hashes Z with the
//! empty signer ID when none is set, so these cases use [`SignerId::empty`]; the default
//! ID is covered by `openssl_vectors.rs` (CLI-made signatures) and the RustCrypto
//! differential. `ESEAL_SM2_DIFF_N` sets the count (default 100,000 each way, a fresh key
//! every 10 messages).

use eseal_gm::provider::SeededRandom;
use eseal_gm::{SignerId, Sm2PrivateKey, Sm2PublicKey, Sm2Signature};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private, Public};
use openssl::sign::{Signer, Verifier};

mod common;
use common::{count, message};

struct Keys {
    ours: Sm2PrivateKey,
    public: Sm2PublicKey,
    theirs: PKey<Private>,
    theirs_public: PKey<Public>,
}

fn keys(random: &SeededRandom) -> Keys {
    let ours = loop {
        if let Ok(k) = Sm2PrivateKey::generate(random) {
            break k;
        }
    };
    let theirs = PKey::private_key_from_pem(ours.to_pkcs8_pem().unwrap().as_bytes()).unwrap();
    let spki = ours.public_key().to_spki_pem().unwrap();
    let theirs_public = PKey::public_key_from_pem(spki.as_bytes()).unwrap();
    // OpenSSL derives the same public key from the private one.
    assert_eq!(
        theirs.public_key_to_der().unwrap(),
        ours.public_key().to_spki_der().unwrap()
    );
    Keys {
        public: ours.public_key(),
        ours,
        theirs,
        theirs_public,
    }
}

/// Runs `check` on `count()` cases: a random message, a fresh key pair every 10 cases.
fn each_case(seed: &[u8], mut check: impl FnMut(usize, &Keys, &[u8])) {
    let random = SeededRandom::new(seed);
    let mut k = keys(&random);
    for i in 0..count() {
        if i.is_multiple_of(10) && i > 0 {
            k = keys(&random);
        }
        check(i, &k, &message(&random));
    }
}

#[test]
fn openssl_verifies_what_eseal_signs() {
    let id = SignerId::empty();
    each_case(b"openssl differential: eseal signs", |i, k, m| {
        let sig = k.ours.sign(&id, m).unwrap();
        let mut v = Verifier::new(MessageDigest::sm3(), &k.theirs_public).unwrap();
        v.update(m).unwrap();
        assert!(v.verify(&sig.to_der()).unwrap(), "OpenSSL refused case {i}");
        // And refuses it over another message.
        let mut v = Verifier::new(MessageDigest::sm3(), &k.theirs_public).unwrap();
        v.update(m).unwrap();
        v.update(b"x").unwrap();
        assert!(!v.verify(&sig.to_der()).unwrap_or(false), "case {i}");
    });
}

#[test]
fn eseal_verifies_what_openssl_signs() {
    let id = SignerId::empty();
    each_case(b"openssl differential: openssl signs", |i, k, m| {
        let mut s = Signer::new(MessageDigest::sm3(), &k.theirs).unwrap();
        s.update(m).unwrap();
        let der = s.sign_to_vec().unwrap();
        let sig = Sm2Signature::from_der(&der).unwrap();
        assert_eq!(sig.to_der(), der, "DER re-encoding, case {i}");
        k.public
            .verify(&id, m, &sig)
            .unwrap_or_else(|_| panic!("eseal refused OpenSSL's signature, case {i}"));
        assert!(k.public.verify(&SignerId::default(), m, &sig).is_err());
        let mut raw = sig.to_raw();
        raw[usize::from(m.len() as u8 % 64)] ^= 0x10;
        if let Ok(bad) = Sm2Signature::from_raw(&raw) {
            assert!(k.public.verify(&id, m, &bad).is_err(), "case {i}");
        }
    });
}
