#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! PDF signatures across implementations (issue 20): eseal signs in form (a) (CMS with
//! SM2/SM3), then pyHanko — an independent PAdES implementation — adds an RSA-2048 and an
//! ECDSA P-256 signature of its own test CAs (testdata/pdf/pades.py), as vendors do so that
//! foreign readers also see a signature. `eseal verify --trust` verifies all three, names each
//! signer, finds that pyHanko's later revisions leave eseal's signature intact, and fails a
//! changed byte; without the foreign anchors their signatures are INDETERMINATE. qpdf's
//! structural check accepts the signed files.

use std::path::Path;
use std::process::{Command, Output};

fn eseal(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_eseal"))
        .args(args)
        .env("ESEAL_LANG", "en")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// pyHanko (PyPI) and qpdf are there — or, under CI, the test fails rather than skip.
fn tools() -> bool {
    let pyhanko = Command::new("python3")
        .args(["-c", "import pyhanko.sign, cryptography"])
        .output()
        .is_ok_and(|o| o.status.success());
    let qpdf = Command::new("qpdf").arg("--version").output().is_ok();
    if !(pyhanko && qpdf) {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs pyHanko (pip install pyhanko) and qpdf (.ci/run installs both)"
        );
        eprintln!("skipped: pyHanko or qpdf is not installed");
        return false;
    }
    true
}

fn verify_json(file: &Path, trust: &Path) -> (i32, serde_json::Value) {
    let o = eseal(&[
        "verify",
        &file.to_string_lossy(),
        "--trust",
        &trust.to_string_lossy(),
        "--json",
    ]);
    let v = serde_json::from_slice(&o.stdout).unwrap_or_else(|_| panic!("{}", text(&o)));
    (o.status.code().unwrap(), v)
}

#[test]
fn eseal_and_pyhanko_signatures_in_one_pdf() {
    if !tools() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let demo = tmp.path().join("demo");
    let o = eseal(&["demo", "--dir", &demo.to_string_lossy()]);
    assert!(o.status.success(), "{}", text(&o));
    let p = |n: &str| demo.join(n).to_string_lossy().into_owned();
    let input = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/pdf/chromium.pdf"
    );
    // eseal's form (a).
    let ours = tmp.path().join("ours.pdf");
    let o = eseal(&[
        "sign",
        "pdf",
        "--form",
        "cms",
        "--seal",
        &p("seal.esl"),
        "--cert",
        &p("signer.pem"),
        "--key",
        &p("signer.key"),
        "--in",
        input,
        "--out",
        &ours.to_string_lossy(),
        "--x",
        "120",
        "--y",
        "30",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let (code, v) = verify_json(&ours, &demo);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["signatures"][0]["form"], "cms");
    assert_eq!(v["signatures"][0]["sub_filter"], "adbe.pkcs7.detached");
    assert!(
        v["signatures"][0]["signer"]
            .as_str()
            .unwrap()
            .contains("CN="),
        "{v:#}"
    );
    // pyHanko adds its RSA and ECDSA signatures.
    let out = tmp.path().join("pades");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/pdf/pades.py");
    let o = Command::new("python3")
        .args([script, &ours.to_string_lossy(), &out.to_string_lossy()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    // One trust directory: the demo CA and both of pyHanko's test CAs with their CRLs.
    let trust = tmp.path().join("trust");
    std::fs::create_dir_all(&trust).unwrap();
    for f in ["root.pem", "root-crl.pem"] {
        std::fs::copy(demo.join(f), trust.join(f)).unwrap();
    }
    for kind in ["rsa", "ec"] {
        for f in ["ca.pem", "ca.crl"] {
            std::fs::copy(
                out.join(format!("{kind}-trust")).join(f),
                trust.join(format!("{kind}-{f}")),
            )
            .unwrap();
        }
    }
    let all = out.join("both.pdf");
    for f in [&ours, &all] {
        let q = Command::new("qpdf").arg("--check").arg(f).output().unwrap();
        assert!(
            q.status.success(),
            "qpdf --check {}: {}",
            f.display(),
            text(&q)
        );
    }
    let (code, v) = verify_json(&all, &trust);
    assert_eq!(code, 0, "{v:#}");
    let sigs = v["signatures"].as_array().unwrap();
    assert_eq!(sigs.len(), 3);
    assert_eq!(v["revisions"], 4);
    for s in sigs {
        assert_eq!(s["indication"], "PASSED", "{s:#}");
    }
    assert!(sigs[1]["signer"].as_str().unwrap().contains("RSA Signer"));
    assert!(sigs[2]["signer"].as_str().unwrap().contains("EC Signer"));
    let said = |s: &serde_json::Value| s["report"].to_string();
    assert!(
        said(&sigs[1]).contains("RSA-2048 PKCS#1 v1.5 SHA-256"),
        "{}",
        said(&sigs[1])
    );
    assert!(
        said(&sigs[2]).contains("ECDSA P-256 SHA-256"),
        "{}",
        said(&sigs[2])
    );
    // eseal's signature covers revision 2 of 4; what pyHanko added is only signatures and
    // metadata, so it passes without a warning.
    assert!(
        said(&sigs[0]).contains("revision 2 of 4"),
        "{}",
        said(&sigs[0])
    );
    assert!(!said(&sigs[0]).contains("WARNING"), "{}", said(&sigs[0]));
    // Without pyHanko's anchors its signatures cannot be trusted: INDETERMINATE, never PASSED.
    let (code, v) = verify_json(&all, &demo);
    assert_eq!(code, 2, "{v:#}");
    assert_eq!(v["signatures"][0]["indication"], "PASSED");
    assert_eq!(v["signatures"][1]["indication"], "INDETERMINATE");
    assert_eq!(v["signatures"][2]["indication"], "INDETERMINATE");
    // A byte inside every range changed (in the original document's text): all FAILED.
    let mut bytes = std::fs::read(&all).unwrap();
    let at = bytes.windows(8).position(|w| w == b"/Creator").unwrap() + 2;
    bytes[at] ^= 0x20;
    let bad = tmp.path().join("bad.pdf");
    std::fs::write(&bad, &bytes).unwrap();
    let (code, v) = verify_json(&bad, &trust);
    assert_eq!(code, 1, "{v:#}");
    for s in v["signatures"].as_array().unwrap() {
        assert_eq!(s["indication"], "FAILED", "{s:#}");
    }
}
