//! Issue 17 item 3: the archive package a relying party keeps is made and checked by this
//! crate, which has no store, no async runtime and no HTTP client in its dependency tree
//! (`cargo tree -p eseal-archive -e normal` names no sqlx, tokio or reqwest). A package whose
//! timestamp is not a token, or that had a byte changed, or a file added, does not pass; each
//! finding is said in Chinese as well as English.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use eseal_archive::{
    ArchiveError, Bad, Document, DocumentKind, Evidence, VerifyOptions, create, read_zip, renew,
    verify, write_zip,
};
use eseal_ses::{Indication, Outcome};
use time::macros::datetime;

fn doc() -> Document {
    Document {
        kind: DocumentKind::Detached,
        name: "../../合同.ses".into(),
        bytes: b"not really a signature".to_vec(),
        data: Some(("合同.pdf".into(), b"%PDF-1.7 data".to_vec())),
    }
}

fn options() -> VerifyOptions {
    VerifyOptions {
        trust: eseal_pki::chain::TrustStore::new(),
        root_sm3: Vec::new(),
        log_key: None,
        now: datetime!(2036-01-01 00:00 UTC),
    }
}

#[test]
fn a_package_is_made_without_any_service_and_its_flaws_are_found_offline() {
    // A "TSA" that answers with something that is not a token.
    let stamp = |manifest: &[u8]| -> Result<Vec<u8>, Bad> {
        Ok(format!("token over {} bytes", manifest.len()).into_bytes())
    };
    let package = create(doc(), Evidence::default(), &stamp).unwrap();
    let files = read_zip(&package).unwrap();
    // The name a person gave cannot climb out of document/.
    assert!(
        files.contains_key("document/合同.ses"),
        "{:?}",
        files.keys()
    );
    assert!(files.contains_key("META-INF/manifest-0001.json"));

    let report = verify(&package, &options());
    assert_eq!(report.generations, 1);
    assert_eq!(report.checks[0].id, "container");
    assert_eq!(report.checks[0].outcome, Outcome::Passed);
    let ts = report
        .checks
        .iter()
        .find(|c| c.id == "timestamp")
        .expect("a timestamp check");
    assert_ne!(ts.outcome, Outcome::Passed, "{ts:?}");
    assert_ne!(report.indication, Indication::Passed);
    for c in &report.checks {
        assert!(
            eseal_testkit::english_prose(&c.detail_zh).is_none(),
            "{}: {}",
            c.id,
            c.detail_zh
        );
    }

    // A file slipped in afterwards is covered by no manifest.
    let mut added = files.clone();
    added.insert("document/extra.txt".into(), b"later".to_vec());
    let report = verify(&write_zip(&added).unwrap(), &options());
    assert!(
        report.checks.iter().any(|c| c.id == "manifest"
            && c.outcome == Outcome::Failed
            && c.detail.contains("document/extra.txt")),
        "{:?}",
        report.checks
    );

    // One changed byte anywhere: the package is not what it was.
    for i in [10, package.len() / 2, package.len() - 3] {
        let mut changed = package.clone();
        changed[i] ^= 0x20;
        assert_ne!(verify(&changed, &options()).indication, Indication::Passed);
    }
}

#[test]
fn renewal_adds_a_generation_and_a_failing_tsa_is_its_own_error() {
    let stamp = |_: &[u8]| -> Result<Vec<u8>, Bad> { Ok(b"t".to_vec()) };
    let package = create(doc(), Evidence::default(), &stamp).unwrap();
    let renewed = renew(&package, Evidence::default(), &stamp).unwrap();
    assert_eq!(verify(&renewed, &options()).generations, 2);

    let down = |_: &[u8]| -> Result<Vec<u8>, Bad> {
        Err(Bad {
            zh: "时间戳服务无响应".into(),
            en: "the TSA did not answer".into(),
        })
    };
    let err = renew(&package, Evidence::default(), &down).unwrap_err();
    assert!(matches!(err, ArchiveError::Timestamp(_)), "{err:?}");
    assert!(
        err.text().zh.contains("时间戳服务无响应"),
        "{}",
        err.text().zh
    );
    // Not a package at all: the input is wrong, said where.
    let err = renew(b"PK\x03\x04 garbage", Evidence::default(), &stamp).unwrap_err();
    assert!(matches!(err, ArchiveError::Invalid(_)), "{err:?}");
}

/// The offline verifiers' crates (this one, and eseal-tlog for the audit export and the seal
/// log proofs) have no store, async runtime or HTTP client in their dependency tree.
#[test]
fn the_offline_crates_link_no_store_runtime_or_network() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    for krate in ["eseal-archive", "eseal-tlog"] {
        let out = std::process::Command::new(&cargo)
            .args([
                "tree",
                "--offline",
                "-e",
                "normal",
                "--prefix",
                "none",
                "-p",
                krate,
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("cargo tree runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let tree = String::from_utf8_lossy(&out.stdout);
        for banned in ["sqlx", "tokio", "reqwest", "hyper", "eseal-store"] {
            assert!(
                !tree
                    .lines()
                    .any(|l| l.split_whitespace().next() == Some(banned)),
                "{krate} depends on {banned}:\n{tree}"
            );
        }
        assert!(tree.lines().count() > 5, "{tree}");
    }
}
