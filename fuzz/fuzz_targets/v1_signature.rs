#![no_main]
//! GM/T 0031-2014 SES_Signature decoder: no panic; re-encodings decode; the view and the
//! verifier never panic on what decodes.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(sig) = eseal_ses::v1::SesSignature::from_ber(data) {
        let _ = sig.to_sign.signing_time();
        if let Ok(der) = sig.to_der() {
            assert!(eseal_ses::v1::SesSignature::from_ber(&der).is_ok());
        }
        let any = eseal_ses::AnySignature::V1(sig);
        let _ = eseal_ses::verify_signature(
            &any,
            eseal_ses::SignedData::NotProvided,
            &Default::default(),
            &eseal_gm::provider::SoftwareVerifier,
        );
    }
});
