#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Differential tests of eseal's SM2 (crates/eseal-gm/src/ec) against RustCrypto's `sm2`,
//! the implementation eseal used before: random keys, messages and signer IDs, each way.
//! `ESEAL_SM2_DIFF_N` sets the count of messages (default 100,000 each way, a fresh random
//! key every 10 messages; a long run sets more).
//! The OpenSSL side is in `sm2_openssl_differential.rs`.

use eseal_gm::provider::{SecureRandom, SeededRandom};
use eseal_gm::{SignerId, Sm2PrivateKey, Sm2PublicKey, Sm2Signature, Sm3Hasher};
use signature::hazmat::PrehashSigner;
use signature::{Signer, Verifier};

mod common;
use common::count;

struct Case {
    ours: Sm2PrivateKey,
    theirs: sm2::dsa::SigningKey,
    id: SignerId,
    message: Vec<u8>,
}

/// Case i: a new key (and signer ID) when i is a multiple of 10, else the previous case's.
fn case(random: &SeededRandom, i: usize, previous: Option<Case>) -> Case {
    let message = common::message(random);
    if let Some(p) = previous.filter(|_| !i.is_multiple_of(10)) {
        return Case { message, ..p };
    }
    let ours = loop {
        if let Ok(k) = Sm2PrivateKey::generate(random) {
            break k;
        }
    };
    let pem = ours.to_pkcs8_pem().unwrap();
    // Every fourth key uses another signer ID (Z changes), one in 16 the empty ID.
    let id = match (i / 10) % 16 {
        0 => SignerId::empty(),
        4 | 8 | 12 => SignerId::new(&format!("signer-{i}@example.cn")).unwrap(),
        _ => SignerId::default(),
    };
    use pkcs8::DecodePrivateKey;
    let secret = sm2::SecretKey::from_pkcs8_pem(&pem).unwrap();
    let theirs = sm2::dsa::SigningKey::new(id.as_str(), &secret).unwrap();
    Case {
        ours,
        theirs,
        id,
        message,
    }
}

fn theirs_to_ours(sig: &sm2::dsa::Signature) -> Sm2Signature {
    Sm2Signature::from_scalars(sig.r_bytes().into(), sig.s_bytes().into()).unwrap()
}

fn ours_to_theirs(sig: &Sm2Signature) -> sm2::dsa::Signature {
    sm2::dsa::Signature::from_scalars(*sig.r(), *sig.s()).unwrap()
}

#[test]
fn eseal_signs_what_rustcrypto_verifies_and_derives_the_same_keys() {
    let random = SeededRandom::new(b"sm2 differential: eseal signs");
    let mut previous = None;
    for i in 0..count() {
        let c = case(&random, i, previous.take());
        let ours_public = c.ours.public_key();
        let theirs_public = c.theirs.verifying_key();
        assert_eq!(
            ours_public.to_sec1_uncompressed(),
            theirs_public.to_sec1_bytes().to_vec(),
            "public key, case {i}"
        );
        // Hedged signature: verified by the reference.
        let sig = c.ours.sign(&c.id, &c.message).unwrap();
        theirs_public
            .verify(&c.message, &ours_to_theirs(&sig))
            .unwrap_or_else(|_| panic!("reference refused eseal's signature, case {i}"));
        // Without added randomness both derive the nonce per RFC 6979 from (d, e): the
        // signatures must be identical bit for bit.
        let mut h = Sm3Hasher::new();
        h.update(ours_public.z(&c.id).unwrap().as_bytes());
        h.update(&c.message);
        let e = h.finalize();
        let deterministic = c.ours.sign_digest_with(e.as_bytes(), &[]).unwrap();
        let reference: sm2::dsa::Signature = c.theirs.sign_prehash(e.as_bytes()).unwrap();
        assert_eq!(deterministic, theirs_to_ours(&reference), "case {i}");
        // A changed message is refused by both.
        let mut other = c.message.clone();
        other.push(1);
        assert!(ours_public.verify(&c.id, &other, &sig).is_err());
        previous = Some(c);
    }
}

#[test]
fn eseal_verifies_what_rustcrypto_signs_and_refuses_what_it_refuses() {
    let random = SeededRandom::new(b"sm2 differential: rustcrypto signs");
    let mut previous = None;
    for i in 0..count() {
        let c = case(&random, i, previous.take());
        let public = Sm2PublicKey::from_sec1(&c.theirs.verifying_key().to_sec1_bytes()).unwrap();
        let sig: sm2::dsa::Signature = c.theirs.sign(&c.message);
        let ours = theirs_to_ours(&sig);
        public
            .verify(&c.id, &c.message, &ours)
            .unwrap_or_else(|_| panic!("eseal refused the reference's signature, case {i}"));
        // Flip one bit of r, of s or of the message: both refuse (or the value leaves
        // [1, n − 1] and cannot be decoded at all).
        let mut bit = [0u8; 2];
        random.fill(&mut bit).unwrap();
        let (byte, mask) = (usize::from(bit[0] % 64), 1u8 << (bit[1] % 8));
        let mut raw = ours.to_raw();
        raw[byte] ^= mask;
        if let Ok(bad) = Sm2Signature::from_raw(&raw) {
            assert!(public.verify(&c.id, &c.message, &bad).is_err(), "case {i}");
            assert!(
                c.theirs
                    .verifying_key()
                    .verify(&c.message, &ours_to_theirs(&bad))
                    .is_err()
            );
        }
        if !c.message.is_empty() {
            let mut m = c.message.clone();
            let at = usize::from(bit[0]) % m.len();
            m[at] ^= mask;
            assert!(public.verify(&c.id, &m, &ours).is_err(), "case {i}");
        }
        previous = Some(c);
    }
}

/// The same through [`KeyTableVerifier`]: a new key every 64 messages, so that each key's
/// table is built after its 16th verification and used for the rest (and, with one
/// verifier for the whole run, tables are given up and counts forgotten along the way).
#[test]
fn a_key_table_verifier_agrees_with_rustcrypto() {
    use eseal_gm::keytables::{KeyTableVerifier, MAX_TABLES};
    use eseal_gm::provider::Sm2Verifier;
    let random = SeededRandom::new(b"sm2 differential: key tables");
    let verifier = KeyTableVerifier::default();
    let mut key = None;
    for i in 0..count() / 2 {
        if i % 64 == 0 {
            let k = loop {
                if let Ok(k) = Sm2PrivateKey::generate(&random) {
                    break k;
                }
            };
            use pkcs8::DecodePrivateKey;
            let secret = sm2::SecretKey::from_pkcs8_pem(&k.to_pkcs8_pem().unwrap()).unwrap();
            key = Some(sm2::dsa::SigningKey::new(SignerId::default().as_str(), &secret).unwrap());
        }
        let theirs = key.as_ref().unwrap();
        let public = Sm2PublicKey::from_sec1(&theirs.verifying_key().to_sec1_bytes()).unwrap();
        let id = SignerId::default();
        let message = common::message(&random);
        let sig: sm2::dsa::Signature = theirs.sign(&message);
        let ours = theirs_to_ours(&sig);
        verifier
            .verify(&public, &id, &message, &ours)
            .unwrap_or_else(|_| panic!("refused the reference's signature, case {i}"));
        let mut bit = [0u8; 2];
        random.fill(&mut bit).unwrap();
        let mut raw = ours.to_raw();
        raw[usize::from(bit[0] % 64)] ^= 1u8 << (bit[1] % 8);
        if let Ok(bad) = Sm2Signature::from_raw(&raw) {
            assert!(
                verifier.verify(&public, &id, &message, &bad).is_err(),
                "case {i}"
            );
        }
    }
    assert!((1..=MAX_TABLES).contains(&verifier.tables()));
}
