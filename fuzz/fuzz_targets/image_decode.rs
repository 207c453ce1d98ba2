#![no_main]
//! PNG/JPEG decoding and ink extraction for impression comparison: errors, never panics.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(img) = eseal_image::decode(data) {
        let _ = eseal_image::compare::Ink::from_rgba(&img);
    }
});
