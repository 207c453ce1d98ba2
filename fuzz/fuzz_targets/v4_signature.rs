#![no_main]
//! GB/T 38540 / GM/T 0031-2025 SES_Signature decoder: no panic; re-encodings decode; the
//! verifier never panics on what decodes.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(sig) = eseal_ses::v4::SesSignature::from_ber(data)
        && let Ok(der) = sig.to_der()
    {
        assert!(eseal_ses::v4::SesSignature::from_ber(&der).is_ok());
    }
    if let Ok((any, _)) = eseal_ses::AnySignature::decode(data) {
        let _ = eseal_ses::verify_signature(
            &any,
            eseal_ses::SignedData::NotProvided,
            &Default::default(),
            &eseal_gm::provider::SoftwareVerifier,
        );
    }
});
