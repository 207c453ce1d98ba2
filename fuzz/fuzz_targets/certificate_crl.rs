#![no_main]
//! Certificates and CRLs (PEM or DER) and every accessor the chain validator uses.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(certs) = eseal_pki::Certificate::parse_all(data) {
        for c in &certs {
            let _ = (c.subject(), c.key_algorithm(), c.basic_constraints(), c.key_usage());
            let _ = (c.extended_key_usage(), c.subject_key_id(), c.authority_key_id());
            let _ = (c.crl_distribution_points(), c.unknown_critical_extensions());
            let _ = eseal_pki::name::subject_info(c.subject_name());
            if let Some(k) = c.sm2_public_key() {
                let _ = c.verify_signed_by(&k);
            }
        }
    }
    if let Ok(crls) = eseal_pki::crl::Crl::parse_all(data) {
        for c in &crls {
            let _ = (c.issuer(), c.next_update(), c.lookup(&[1]));
        }
    }
});
