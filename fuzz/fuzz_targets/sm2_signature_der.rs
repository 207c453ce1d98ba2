#![no_main]
//! Strict SM2 signature DER: no panic; what is accepted re-encodes to the same bytes (DER is
//! canonical, so acceptance must imply byte identity).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(sig) = eseal_gm::Sm2Signature::from_der(data) {
        assert_eq!(sig.to_der(), data, "accepted DER must be canonical");
    }
    let _ = eseal_gm::Sm2Signature::from_der_or_raw(data);
});
