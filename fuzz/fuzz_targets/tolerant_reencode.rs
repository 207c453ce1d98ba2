#![no_main]
//! The tolerant reader's contract (`eseal_ses::any::check_reencoding`): whatever it accepts
//! re-encodes stably, is checked over the bytes as received, and is DER whenever nothing was
//! noted. Seed with `testdata/ses/quirks/*.esl|*.dat` and the samples.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(why) = eseal_ses::any::check_reencoding(data) {
        panic!("{why}");
    }
});
