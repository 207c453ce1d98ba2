#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! OFD verification against the samples (two real VAT e-invoices among them), and tampering.

use eseal_doc::{Package, verify_ofd};
use eseal_gm::provider::SoftwareVerifier;
use eseal_ses::{CheckId, Indication, Outcome, SubIndication, VerifyPolicy};
use std::io::Cursor;

fn verify_bytes(bytes: Vec<u8>) -> eseal_doc::OfdReport {
    let mut pkg = Package::open(Cursor::new(bytes)).unwrap();
    verify_ofd(&mut pkg, &VerifyPolicy::default(), &SoftwareVerifier).unwrap()
}

fn outcome(s: &eseal_doc::SignatureResult, id: CheckId) -> Outcome {
    s.report
        .checks
        .iter()
        .find(|c| c.id == id)
        .map(|c| c.outcome)
        .unwrap_or_else(|| panic!("{id:?} missing: {:#?}", s.report))
}

/// Every check that does not depend on trust anchors passes for the genuine files; the chains
/// are INDETERMINATE because the tax authority's and ofdrw's roots are in no trust store here.
#[test]
#[cfg_attr(
    eseal_skip_samples,
    ignore = "needs the real-world samples: ../shared/samples or ESEAL_SAMPLES"
)]
fn sample_ofds_verify_with_their_expected_indications() {
    let Some(dir) = eseal_testkit::samples() else {
        return;
    };
    let read = |n: &str| std::fs::read(dir.join(n)).unwrap();
    for (file, sub) in [
        ("v4signed.ofd", SubIndication::NoCertificateChainFound),
        ("signedFile.ofd", SubIndication::NoCertificateChainFound),
        ("allprotected.ofd", SubIndication::NoCertificateChainFound),
        // Signed in 2026 with certificates that ended in 2022, no timestamp.
        ("SESV4SignDoc.ofd", SubIndication::OutOfBoundsNoPoe),
    ] {
        let r = verify_bytes(read(file));
        assert_eq!(r.signatures.len(), 1, "{file}");
        let s = &r.signatures[0];
        for id in [
            CheckId::DocumentReferences,
            CheckId::SignerSignature,
            CheckId::MakerSignature,
            CheckId::DataHash,
            CheckId::SignerInSeal,
        ] {
            assert_eq!(
                outcome(s, id),
                Outcome::Passed,
                "{file} {id:?}: {:#?}",
                s.report
            );
        }
        assert_eq!(
            (s.indication, s.sub_indication),
            (Indication::Indeterminate, Some(sub)),
            "{file}"
        );
    }
    // The Jiangsu invoice's seal was created before its maker certificate started: a warning.
    let r = verify_bytes(read("signedFile.ofd"));
    assert_eq!(
        outcome(&r.signatures[0], CheckId::MakerCertificateAtCreation),
        Outcome::Warning
    );
    assert_eq!(
        r.signatures[0].seal_name.as_deref(),
        Some("国家税务总局江苏省税务局")
    );
    // The seal file beside the signature is the seal inside it.
    assert_eq!(
        outcome(
            &verify_bytes(read("allprotected.ofd")).signatures[0],
            CheckId::SealFile
        ),
        Outcome::Passed
    );
    // Type=Sign with a bare SM2 signature: the signer is unknown.
    let r = verify_bytes(read("DigitalSign.ofd"));
    assert_eq!(
        outcome(&r.signatures[0], CheckId::SignatureType),
        Outcome::Indeterminate
    );
    // An unsigned document is not a signed one.
    let r = verify_bytes(read("helloworld.ofd"));
    assert!(r.signatures.is_empty());
    assert_eq!(r.indication(), Indication::Failed);
}

use eseal_testkit::rawzip::rewrite;

#[test]
#[cfg_attr(
    eseal_skip_samples,
    ignore = "needs the real-world samples: ../shared/samples or ESEAL_SAMPLES"
)]
fn tampering_is_detected() {
    let Some(dir) = eseal_testkit::samples() else {
        return;
    };
    let original = std::fs::read(dir.join("allprotected.ofd")).unwrap();
    // Every byte of every protected file (all are under 64 KB), flipped one at a time:
    // FAILED with HASH_FAILURE each time.
    let protected: Vec<(String, usize)> = {
        let mut p = Package::open(Cursor::new(original.clone())).unwrap();
        p.files()
            .into_iter()
            .filter(|f| !f.ends_with("Signature.xml") && !f.ends_with("SignedValue.dat"))
            .map(|f| {
                let n = p.read(&f).unwrap().len();
                (f, n)
            })
            .collect()
    };
    assert!(protected.len() >= 6, "{protected:?}");
    let mut flips = 0;
    for (file, len) in &protected {
        assert!(*len <= 64 * 1024);
        for i in 0..*len {
            let t = rewrite(
                &original,
                |n, d| {
                    Some(if n == file {
                        let mut d = d.to_vec();
                        d[i] ^= 0x01;
                        d
                    } else {
                        d.to_vec()
                    })
                },
                &[],
            );
            flips += 1;
            // A flip that breaks OFD.xml or Signatures.xml refuses the document, or loses the
            // signature: FAILED either way. Otherwise the reference names the file.
            let mut pkg = Package::open(Cursor::new(t)).unwrap();
            let Ok(report) = verify_ofd(&mut pkg, &VerifyPolicy::default(), &SoftwareVerifier)
            else {
                continue;
            };
            assert_eq!(report.indication(), Indication::Failed, "{file} byte {i}");
            let Some(s) = report.signatures.first() else {
                continue;
            };
            let c = s
                .report
                .checks
                .iter()
                .find(|c| c.id == CheckId::DocumentReferences);
            if let Some(c) = c {
                assert_eq!(
                    (c.outcome, c.sub_indication),
                    (Outcome::Failed, Some(SubIndication::HashFailure)),
                    "{file} byte {i}"
                );
                assert!(c.detail.contains(file.as_str()), "{file}: {}", c.detail);
            }
        }
    }
    eprintln!(
        "{flips} single-byte flips over {} protected files: all FAILED (HASH_FAILURE, or refused where the structure broke)",
        protected.len()
    );
    let page = "Doc_0/Pages/Page_0/Content.xml";
    // Signature.xml changed: the data hash fails.
    let t = rewrite(
        &original,
        |n, d| {
            Some(if n.ends_with("Signature.xml") {
                let mut d = d.to_vec();
                let k = d.len() - 3;
                d[k] ^= 0x20;
                d
            } else {
                d.to_vec()
            })
        },
        &[],
    );
    let s = &verify_bytes(t).signatures[0];
    assert!(
        s.report
            .checks
            .iter()
            .any(|c| c.id == CheckId::DataHash && c.outcome == Outcome::Failed)
            || outcome(s, CheckId::Structure) == Outcome::Failed
    );
    // The seal file swapped for another seal.
    let other = std::fs::read(dir.join("UserV1.esl")).unwrap();
    let t = rewrite(
        &original,
        |n, d| {
            Some(if n.ends_with("Seal.esl") {
                other.clone()
            } else {
                d.to_vec()
            })
        },
        &[],
    );
    let s = &verify_bytes(t).signatures[0];
    assert_eq!(outcome(s, CheckId::SealFile), Outcome::Failed);
    assert_eq!(s.indication, Indication::Failed);
    // A file added after signing is reported as not protected.
    let t = rewrite(
        &original,
        |_, d| Some(d.to_vec()),
        &[("Doc_0/Res/added.png", b"\x89PNG")],
    );
    let s = &verify_bytes(t).signatures[0];
    let c = s
        .report
        .checks
        .iter()
        .find(|c| c.id == CheckId::DocumentCoverage)
        .unwrap();
    assert_eq!(c.outcome, Outcome::Warning);
    assert!(c.detail.contains("Doc_0/Res/added.png"), "{}", c.detail);
    // A protected file removed.
    let t = rewrite(
        &original,
        |n, d| if n == page { None } else { Some(d.to_vec()) },
        &[],
    );
    assert_eq!(
        outcome(&verify_bytes(t).signatures[0], CheckId::DocumentReferences),
        Outcome::Failed
    );
}

#[test]
#[cfg_attr(
    eseal_skip_samples,
    ignore = "needs the real-world samples: ../shared/samples or ESEAL_SAMPLES"
)]
fn zip_attacks_are_refused() {
    let Some(dir) = eseal_testkit::samples() else {
        return;
    };
    let original = std::fs::read(dir.join("allprotected.ofd")).unwrap();
    for (name, why) in [
        ("../evil.xml", "outside"),
        ("Doc_0/../../evil.xml", "outside"),
        ("OFD.XML", "two entries"),
    ] {
        let t = rewrite(&original, |_, d| Some(d.to_vec()), &[(name, b"<x/>")]);
        let err = Package::open(Cursor::new(t)).unwrap_err();
        let (en, zh) = (err.to_string(), err.zh());
        assert!(en.contains(why) || en.contains("climbs"), "{name}: {en}");
        assert_eq!(eseal_testkit::english_prose(&zh), None, "{name}: {zh}");
    }
    // Cut short, not a ZIP, damaged central directory: said in Chinese too.
    let mut cut = original.clone();
    cut.truncate(original.len() - 30);
    let mut damaged = original.clone();
    let eocd = damaged.len() - 22;
    damaged[eocd + 16] ^= 0x01; // the central directory's offset
    for (what, bytes) in [
        ("not a zip", b"not a zip".to_vec()),
        ("cut short", cut),
        ("damaged directory", damaged),
    ] {
        let err = Package::open(Cursor::new(bytes)).unwrap_err();
        let zh = err.zh();
        assert_eq!(eseal_testkit::english_prose(&zh), None, "{what}: {zh}");
        assert_ne!(zh, err.to_string(), "{what}");
    }
    // A signature list pointing outside the package.
    let t = rewrite(
        &original,
        |n, d| {
            Some(if n == "Doc_0/Signs/Signatures.xml" {
                String::from_utf8_lossy(d)
                    .replace("/Doc_0/Signs/Sign_0/Signature.xml", "/../../etc/passwd")
                    .into_bytes()
            } else {
                d.to_vec()
            })
        },
        &[],
    );
    let r = verify_bytes(t);
    assert_eq!(r.indication(), Indication::Failed);
}

/// A second signature list smuggled into the package is reported as unprotected, and the
/// verifier follows only OFD.xml's pointer.
#[test]
#[cfg_attr(
    eseal_skip_samples,
    ignore = "needs the real-world samples: ../shared/samples or ESEAL_SAMPLES"
)]
fn a_second_signature_list_is_reported() {
    let Some(dir) = eseal_testkit::samples() else {
        return;
    };
    let original = std::fs::read(dir.join("v4signed.ofd")).unwrap();
    let fake =
        b"<?xml version=\"1.0\"?><ofd:Signatures xmlns:ofd=\"http://www.ofdspec.org/2016\"/>";
    let t = rewrite(
        &original,
        |_, d| Some(d.to_vec()),
        &[("Doc_0/Signs/Signatures2.xml", fake)],
    );
    let r = verify_bytes(t);
    assert_eq!(r.signatures.len(), 1);
    let c = r.signatures[0]
        .report
        .checks
        .iter()
        .find(|c| c.id == CheckId::DocumentCoverage)
        .unwrap();
    assert_eq!(c.outcome, Outcome::Warning);
    assert!(c.detail.contains("Signatures2.xml"), "{}", c.detail);
}

/// A signature that protected Signatures.xml fails once a later signature is added to the list
/// (the list must change to name it): the report says that this is the only change.
#[test]
#[cfg_attr(
    eseal_skip_samples,
    ignore = "needs the real-world samples: ../shared/samples or ESEAL_SAMPLES"
)]
fn a_later_signature_appended_to_a_protected_list_is_named() {
    let Some(dir) = eseal_testkit::samples() else {
        return;
    };
    let original = std::fs::read(dir.join("allprotected.ofd")).unwrap();
    let appended = rewrite(
        &original,
        |n, d| {
            Some(if n == "Doc_0/Signs/Signatures.xml" {
                String::from_utf8(d.to_vec())
                    .unwrap()
                    .replace(
                        "<ofd:MaxSignId>",
                        "<ofd:Signature ID=\"003\" Type=\"Seal\" BaseLoc=\"/Doc_0/Signs/Sign_1/Signature.xml\"/><ofd:MaxSignId>",
                    )
                    .into_bytes()
            } else {
                d.to_vec()
            })
        },
        &[(
            "Doc_0/Signs/Sign_1/Signature.xml",
            b"<?xml version=\"1.0\"?><ofd:Signature xmlns:ofd=\"http://www.ofdspec.org/2016\"/>",
        )],
    );
    let r = verify_bytes(appended);
    let first = &r.signatures[0];
    let refs = first
        .report
        .check(CheckId::DocumentReferences)
        .expect("references checked");
    assert_eq!(refs.outcome, Outcome::Failed);
    assert!(
        refs.detail.contains("a later signature was appended"),
        "{}",
        refs.detail
    );
    assert!(refs.detail_zh.contains("追加了签名"), "{}", refs.detail_zh);
    let advice = first
        .advice
        .as_ref()
        .expect("advice for a FAILED signature");
    assert!(advice.zh.contains("签名列表"), "{}", advice.zh);
}
