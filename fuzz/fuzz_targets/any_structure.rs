#![no_main]
//! Version detection and the version-independent views, as `eseal seal inspect` uses them.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = eseal_ses::detect(data);
    if let Ok((seal, _)) = eseal_ses::AnySeal::decode(data) {
        let _ = seal.view();
        let _ = eseal_ses::verify_seal(
            &seal,
            time::OffsetDateTime::UNIX_EPOCH,
            &Default::default(),
            &eseal_gm::provider::SoftwareVerifier,
        );
    }
});
