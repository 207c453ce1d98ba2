#![no_main]
//! eseal's SM2 arithmetic (eseal-gm `ec`) against RustCrypto's `sm2`, the reference: for a
//! fuzzed private scalar, message and (possibly hostile) signature, both agree on whether
//! the key is usable, on the public key, on the deterministic signature (RFC 6979 without
//! added randomness: identical bytes), and on whether the fuzzed (r, s) verifies.
use libfuzzer_sys::fuzz_target;
use signature::Verifier;
use signature::hazmat::PrehashSigner;

fuzz_target!(|data: &[u8]| {
    let Some((scalar, rest)) = data.split_first_chunk::<32>() else {
        return;
    };
    let Some((rs, message)) = rest.split_first_chunk::<64>() else {
        return;
    };
    let ours = eseal_gm::Sm2PrivateKey::from_scalar_bytes(scalar);
    let theirs = sm2::SecretKey::from_slice(scalar);
    let (ours, theirs) = match (ours, theirs) {
        (Ok(o), Ok(t)) => (o, t),
        // d = n − 1 is refused by eseal (no (1 + d)⁻¹) but accepted as a scalar by `sm2`.
        (Err(_), Ok(t)) => {
            assert_eq!(t.to_bytes().as_slice(), &N_MINUS_1, "eseal refused a usable key");
            return;
        }
        (Ok(_), Err(_)) => panic!("eseal accepted a scalar the reference refuses"),
        (Err(_), Err(_)) => return,
    };
    let id = eseal_gm::SignerId::default();
    let signing = sm2::dsa::SigningKey::new(id.as_str(), &theirs).unwrap();
    assert_eq!(
        ours.public_key().to_sec1_uncompressed(),
        signing.verifying_key().to_sec1_bytes().to_vec()
    );
    let public = ours.public_key();
    let mut h = eseal_gm::Sm3Hasher::new();
    h.update(public.z(&id).unwrap().as_bytes());
    h.update(message);
    let e = h.finalize();
    let mine = ours.sign_digest_with(e.as_bytes(), &[]).unwrap();
    let reference: sm2::dsa::Signature = signing.sign_prehash(e.as_bytes()).unwrap();
    assert_eq!(mine.to_raw().as_slice(), reference.to_bytes().as_slice());
    // A fuzzed (r, s): accepted by one exactly when accepted by the other.
    let ours_ok = eseal_gm::Sm2Signature::from_raw(rs)
        .map(|sig| public.verify(&id, message, &sig).is_ok())
        .unwrap_or(false);
    let theirs_ok = sm2::dsa::Signature::from_slice(rs)
        .map(|sig| signing.verifying_key().verify(message, &sig).is_ok())
        .unwrap_or(false);
    assert_eq!(ours_ok, theirs_ok);
});

const N_MINUS_1: [u8; 32] = [
    0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0x72, 0x03, 0xDF, 0x6B, 0x21, 0xC6, 0x05, 0x2B, 0x53, 0xBB, 0xF4, 0x09, 0x39, 0xD5, 0x41, 0x22,
];
