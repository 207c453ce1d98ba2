#![no_main]
//! RFC 3161 / GB/T 20520 timestamp tokens: decoding and verification never panic.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(token) = eseal_ses::timestamp::TimeStampToken::decode(data) {
        let _ = token.verify(b"signature value", &eseal_gm::provider::SoftwareVerifier);
    }
});
