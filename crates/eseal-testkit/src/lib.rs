//! Test helpers shared by eseal's test suites (a dev-dependency only).
//!
//! Both helpers follow one rule: a missing prerequisite is a printed skip on a developer's
//! machine and a failure under `CI`, never a silent pass.

#![allow(clippy::panic)] // a failed prerequisite under CI must fail the test

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
