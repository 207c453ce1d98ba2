//! Test helpers shared by eseal's test suites (a dev-dependency only).
//!
//! Both helpers follow one rule: a missing prerequisite is a printed skip on a developer's
//! machine and a failure under `CI`, never a silent pass.

#![allow(clippy::panic)] // a failed prerequisite under CI must fail the test

pub mod ofd;
pub mod rawzip;

use std::path::PathBuf;
use std::process::Command;

/// The real-world samples: `$ESEAL_SAMPLES`, else `../shared/samples` beside the checkout.
pub fn samples() -> Option<PathBuf> {
    let dir = std::env::var_os("ESEAL_SAMPLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/samples")
        });
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "samples folder {} is missing (set ESEAL_SAMPLES)",
            dir.display()
        );
    }
    eprintln!("SKIPPED: samples folder {} is missing", dir.display());
    None
}

/// Whether the `openssl` CLI runs (`.ci/run` installs it).
pub fn openssl_available() -> bool {
    let ok = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var_os("CI").is_some() {
            panic!("openssl is required under CI");
        }
        eprintln!("SKIPPED: openssl not found");
    }
    ok
}

/// The PostgreSQL test database URL from `ESEAL_TEST_PG` (`.ci/run` sets it).
pub fn pg_url() -> Option<String> {
    match std::env::var("ESEAL_TEST_PG") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => {
            panic!("CI is set but ESEAL_TEST_PG is not: the PostgreSQL backend would go untested")
        }
        _ => {
            eprintln!("SKIPPED: ESEAL_TEST_PG not set, PostgreSQL backend NOT tested");
            None
        }
    }
}

/// SoftHSM2's PKCS#11 module (Debian's `softhsm2` package; `ESEAL_SOFTHSM` overrides the
/// path) and its `softhsm2-util`, for the HSM tests. Missing: skipped visibly, or a failure
/// under CI (`.ci/run` installs the package).
pub fn softhsm() -> Option<PathBuf> {
    let module = std::env::var_os("ESEAL_SOFTHSM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/lib/softhsm/libsofthsm2.so"));
    let util = Command::new("softhsm2-util")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if module.is_file() && util {
        return Some(module);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "SoftHSM2 is required under CI ({} or softhsm2-util missing)",
            module.display()
        );
    }
    eprintln!("SKIPPED: SoftHSM2 not found ({})", module.display());
    None
}

/// Whether Python's `openapi-spec-validator` is installed (`.ci/run` installs it with pip).
pub fn openapi_validator() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import openapi_spec_validator"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var_os("CI").is_some() {
            panic!(
                "openapi-spec-validator is required under CI (pip install openapi-spec-validator)"
            );
        }
        eprintln!("SKIPPED: openapi-spec-validator not installed");
    }
    ok
}

/// The first run of English prose in text meant to be Chinese: two or more lowercase English
/// words in a row (`does not verify`, `as received`). Structure names (`SESeal.signedValue`),
/// file names, OIDs and quoted values are single tokens and pass.
pub fn english_prose(zh: &str) -> Option<String> {
    // Quoted values (file names, seal names) are data, not sentences: left out.
    let mut unquoted = String::with_capacity(zh.len());
    let mut quoted = false;
    let mut escaped = false;
    for c in zh.chars() {
        match (quoted, escaped, c) {
            (true, false, '\\') => escaped = true,
            (true, true, _) => escaped = false,
            (_, _, '"') => {
                quoted = !quoted;
                unquoted.push(' ');
            }
            (false, _, c) => unquoted.push(c),
            (true, false, _) => {}
        }
    }
    let mut run: Vec<&str> = Vec::new();
    for word in unquoted.split(|c: char| c == ' ' || !c.is_ascii()) {
        let prose = word.len() >= 2 && word.bytes().all(|b| b.is_ascii_lowercase());
        if prose {
            run.push(word);
            if run.len() >= 2 {
                return Some(run.join(" "));
            }
        } else {
            run.clear();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn english_prose_is_found_and_names_are_not() {
        assert_eq!(
            super::english_prose("签名验证不通过：the signature does not verify").as_deref(),
            Some("the signature")
        );
        assert_eq!(
            super::english_prose("对所收到的 TBS_Sign as received（1700 字节）验证通过").as_deref(),
            Some("as received")
        );
        assert_eq!(
            super::english_prose("SESeal.signedValue：值无法编码（第 3 字节）"),
            None
        );
        assert_eq!(
            super::english_prose("条目 \"Doc_0/a bc de.xml\" 不存在"),
            None
        );
        assert_eq!(
            super::english_prose("\"a \\\" quoted\" and then this is prose").as_deref(),
            Some("and then")
        );
    }
}
