#![no_main]
//! PKCS#12 import (BER, legacy PBE): errors, never panics. The MAC is checked first, so
//! mutated files mostly stop there; seeds are the sample files with their password.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = eseal_pki::p12::read_pkcs12(data, "777777");
});
