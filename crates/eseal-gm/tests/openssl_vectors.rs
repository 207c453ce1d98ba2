#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Vectors made with the OpenSSL 3.0 CLI (testdata/gm/NOTES.md says how).

use eseal_gm::{ErrorKind, SignerId, Sm2PrivateKey, Sm2PublicKey, Sm2Signature};

const KEY: &str = include_str!("../../../testdata/gm/openssl-sm2.key.pem");
const PUB: &str = include_str!("../../../testdata/gm/openssl-sm2.pub.pem");
const MESSAGE: &[u8] = include_bytes!("../../../testdata/gm/message.txt");
const SIG_DEFAULT_ID: &[u8] = include_bytes!("../../../testdata/gm/openssl-sm2-hello.sig.der");
const SIG_ALICE_ID: &[u8] = include_bytes!("../../../testdata/gm/openssl-sm2-hello-alice.sig.der");

#[test]
fn reads_openssl_genpkey_pkcs8_and_writes_it_back_identically() {
    let key = Sm2PrivateKey::from_pem(KEY).unwrap();
    assert_eq!(key.to_pkcs8_pem().unwrap().as_str(), KEY);
    let public = Sm2PublicKey::from_spki_pem(PUB).unwrap();
    assert_eq!(key.public_key(), public);
    assert_eq!(public.to_spki_pem().unwrap(), PUB);
}

#[test]
fn verifies_openssl_signature_with_the_default_id_only() {
    let public = Sm2PublicKey::from_spki_pem(PUB).unwrap();
    let sig = Sm2Signature::from_der(SIG_DEFAULT_ID).unwrap();
    public.verify(&SignerId::default(), MESSAGE, &sig).unwrap();
    let err = public
        .verify(&SignerId::new("ALICE123@YAHOO.COM").unwrap(), MESSAGE, &sig)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SignatureMismatch);
    let err = public
        .verify(&SignerId::default(), b"hellp", &sig)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SignatureMismatch);
}

#[test]
fn verifies_openssl_signature_with_a_configured_id() {
    let public = Sm2PublicKey::from_spki_pem(PUB).unwrap();
    let sig = Sm2Signature::from_der(SIG_ALICE_ID).unwrap();
    public
        .verify(&SignerId::new("ALICE123@YAHOO.COM").unwrap(), MESSAGE, &sig)
        .unwrap();
    assert!(public.verify(&SignerId::default(), MESSAGE, &sig).is_err());
}

#[test]
fn openssl_der_signature_reencodes_identically() {
    let sig = Sm2Signature::from_der(SIG_DEFAULT_ID).unwrap();
    assert_eq!(sig.to_der(), SIG_DEFAULT_ID);
}
