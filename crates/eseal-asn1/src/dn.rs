//! Distinguished names as text (RFC 4514, as `x509-cert` writes them), remembered.
//!
//! `x509-cert` names each attribute by scanning the whole `const-oid` database, once per
//! attribute per call: with a hundred signatures in one file, each naming the same few
//! certificates several times, that scan was a fifth of a verification (issue 22). The text
//! of a name depends on its DER alone, so it is kept here, keyed by that DER, for the
//! process; the cache is bounded (cleared when full), so hostile input cannot grow it.

use der::Encode;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use x509_cert::name::Name;

/// Most names kept at once.
const CAPACITY: usize = 4096;

/// The RFC 4514 text of `name`, exactly as `x509-cert`'s `Display` writes it.
pub fn text(name: &Name) -> String {
    static CACHE: OnceLock<Mutex<HashMap<Vec<u8>, String>>> = OnceLock::new();
    let Ok(der) = name.to_der() else {
        return name.to_string();
    };
    let cache = CACHE.get_or_init(Default::default);
    if let Some(t) = cache.lock().ok().and_then(|c| c.get(&der).cloned()) {
        return t;
    }
    let t = name.to_string();
    if let Ok(mut c) = cache.lock() {
        if c.len() >= CAPACITY {
            c.clear();
        }
        c.insert(der, t.clone());
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn same_text_as_x509_cert_and_remembered() {
        let name = Name::from_str("CN=测试 \\+ 单位,O=Example,C=CN").unwrap_or_default();
        assert_eq!(text(&name), name.to_string());
        assert_eq!(text(&name), name.to_string());
        assert!(text(&name).contains("CN="));
    }
}
