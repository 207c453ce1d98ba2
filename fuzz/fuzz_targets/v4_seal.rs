#![no_main]
//! GB/T 38540 SESeal decoder (and the v5 variant): no panic; re-encodings decode.
use eseal_ses::v4::EmbeddedSeal;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(seal) = eseal_ses::v4::SeSeal::from_ber(data)
        && let Ok(der) = seal.to_der()
    {
        assert!(eseal_ses::v4::SeSeal::from_ber(&der).is_ok());
    }
    if let Ok(seal) = eseal_ses::v5::SeSeal::from_ber(data)
        && let Ok(der) = seal.to_der()
    {
        assert!(eseal_ses::v5::SeSeal::from_ber(&der).is_ok());
    }
});
