#![no_main]
//! GM/T 0031-2014 SESeal decoder: no panic; a decoded seal re-encodes, and the re-encoding
//! decodes to the same value.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(seal) = eseal_ses::v1::SeSeal::from_ber(data) {
        let _ = seal.signed_bytes();
        if let Ok(der) = seal.to_der() {
            let again = eseal_ses::v1::SeSeal::from_ber(&der);
            assert!(again.is_ok(), "re-encoding must decode");
        }
    }
});
