#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! GM/T 0099 integrity protection (OFDEntries.xml + signedvalue.dat): the vectors of
//! testdata/ofd/integrity verify, and every way of changing a protected package is named.

use eseal_doc::{OfdReport, Package, PkiValidator, ProtectRequest, protect_ofd, verify_ofd};
use eseal_gm::Sm2PrivateKey;
use eseal_gm::provider::{SoftwareSigner, SoftwareVerifier};
use eseal_pki::TrustStore;
use eseal_ses::{CheckId, Indication, Outcome, SubIndication, VerifyPolicy};
use std::io::{Cursor, Read};
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/ofd/integrity")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).unwrap()
}

fn trusted() -> VerifyPolicy {
    let files = ["trust/root.der", "trust/root.crl"]
        .iter()
        .map(|n| (n.to_string(), read(n)))
        .collect::<Vec<_>>();
    let (store, _) = TrustStore::from_files(&files).unwrap();
    VerifyPolicy {
        chain_validator: Some(std::sync::Arc::new(PkiValidator { store })),
        now: Some(time::OffsetDateTime::now_utc()),
        ..VerifyPolicy::default()
    }
}

fn verify(bytes: &[u8], policy: &VerifyPolicy) -> OfdReport {
    let mut pkg = Package::open(Cursor::new(bytes.to_vec())).unwrap();
    verify_ofd(&mut pkg, policy, &SoftwareVerifier).unwrap()
}

/// The one integrity result of a package without other signatures.
fn only(r: &OfdReport) -> &eseal_doc::SignatureResult {
    assert_eq!(r.signatures.len(), 1, "{r:#?}");
    assert_eq!(r.signatures[0].kind, "GM/T 0099");
    &r.signatures[0]
}

fn check(s: &eseal_doc::SignatureResult, id: CheckId) -> &eseal_ses::Check {
    s.report
        .check(id)
        .unwrap_or_else(|| panic!("{id:?} missing: {:#?}", s.report))
}

use eseal_testkit::rawzip::rewrite;

fn keep(_: &str, d: &[u8]) -> Option<Vec<u8>> {
    Some(d.to_vec())
}

#[test]
fn both_forms_verify_and_the_form_without_digests_says_what_it_proves() {
    let policy = trusted();
    let s = only(&verify(&read("protected.ofd"), &policy)).clone();
    assert_eq!(s.indication, Indication::Passed, "{:#?}", s.report);
    assert_eq!(s.provider, "eseal integrity vectors");
    assert!(
        s.report.checks.iter().all(|c| c.outcome == Outcome::Passed),
        "{:#?}",
        s.report
    );
    let s = only(&verify(&read("protected-ofdrw-form.ofd"), &policy)).clone();
    assert_eq!(s.indication, Indication::Passed);
    let refs = check(&s, CheckId::DocumentReferences);
    assert_eq!(refs.outcome, Outcome::Warning);
    assert!(refs.detail.contains("not their content"), "{}", refs.detail);
    assert!(refs.detail_zh.contains("不证明这些文件的内容"));
    // Without trust anchors: INDETERMINATE, with the reason.
    let s = only(&verify(&read("protected.ofd"), &VerifyPolicy::default())).clone();
    assert_eq!(
        (s.indication, s.sub_indication),
        (
            Indication::Indeterminate,
            Some(SubIndication::NoCertificateChainFound)
        )
    );
    // A package without the list has no integrity result at all.
    assert!(
        verify(&read("unprotected.ofd"), &policy)
            .signatures
            .is_empty()
    );
}

#[test]
fn every_change_to_a_protected_package_fails_and_is_named() {
    let policy = trusted();
    let protected = read("protected.ofd");
    let verdict = |bytes: &[u8], id: CheckId| {
        let r = verify(bytes, &policy);
        let s = only(&r).clone();
        assert_eq!(s.indication, Indication::Failed, "{:#?}", s.report);
        let c = check(&s, id).clone();
        assert_eq!(c.outcome, Outcome::Failed, "{c:#?}");
        assert!(s.advice.is_some());
        (c.detail, c.detail_zh)
    };
    // One bit of the list flipped: the signature no longer covers it.
    let flipped = rewrite(
        &protected,
        |n, d| {
            let mut d = d.to_vec();
            if n == "OFDEntries.xml" {
                let at = d.len() - 30;
                d[at] ^= 0x01;
            }
            Some(d)
        },
        &[],
    );
    let r = verify(&flipped, &policy);
    assert_eq!(only(&r).indication, Indication::Failed);
    // A listed file changed.
    let changed = rewrite(
        &protected,
        |n, d| {
            let mut d = d.to_vec();
            if n == "Doc_0/Res/attachment.bin" {
                d[100] ^= 0x80;
            }
            Some(d)
        },
        &[],
    );
    let (en, zh) = verdict(&changed, CheckId::DocumentReferences);
    assert!(
        en.contains("changed") && en.contains("attachment.bin"),
        "{en}"
    );
    assert!(zh.contains("已被改动"), "{zh}");
    // A listed file removed.
    let removed = rewrite(
        &protected,
        |n, d| (n != "Doc_0/Res/attachment.bin").then(|| d.to_vec()),
        &[],
    );
    let (en, _) = verdict(&removed, CheckId::DocumentReferences);
    assert!(en.contains("removed"), "{en}");
    // A file smuggled in.
    let smuggled = rewrite(&protected, keep, &[("Doc_0/Res/payload.exe", b"MZ")]);
    let (en, zh) = verdict(&smuggled, CheckId::DocumentCoverage);
    assert!(
        en.contains("payload.exe") && en.contains("smuggled"),
        "{en}"
    );
    assert!(zh.contains("夹带"), "{zh}");
    // A signature added after the protection: said so.
    let later = rewrite(
        &protected,
        keep,
        &[("Doc_0/Signs/Sign_9/Signature.xml", b"<Signature/>")],
    );
    let (en, zh) = verdict(&later, CheckId::DocumentCoverage);
    assert!(en.contains("added after the integrity protection"), "{en}");
    assert!(zh.contains("重新做完整性保护"), "{zh}");
    // The other form's signature value under this list: it signs another list.
    let swapped_value = {
        let other = read("protected-ofdrw-form.ofd");
        let mut z = zip::ZipArchive::new(Cursor::new(other)).unwrap();
        let mut v = Vec::new();
        z.by_name("signedvalue.dat")
            .unwrap()
            .read_to_end(&mut v)
            .unwrap();
        v
    };
    let swapped = rewrite(
        &protected,
        |n, d| {
            Some(if n == "signedvalue.dat" {
                swapped_value.clone()
            } else {
                d.to_vec()
            })
        },
        &[],
    );
    let (en, _) = verdict(&swapped, CheckId::DataHash);
    assert!(en.contains("changed after signing"), "{en}");
}

#[test]
fn a_broken_or_unknown_protection_is_reported_not_ignored() {
    let policy = trusted();
    let protected = read("protected.ofd");
    // A signature value eseal cannot read: INDETERMINATE "unsupported signature kind".
    let garbage = rewrite(
        &protected,
        |n, d| {
            Some(if n == "signedvalue.dat" {
                b"\x30\x03\x02\x01\x01".to_vec()
            } else {
                d.to_vec()
            })
        },
        &[],
    );
    let r = verify(&garbage, &policy);
    let s = only(&r);
    assert_eq!(s.indication, Indication::Indeterminate);
    let c = check(s, CheckId::SignatureType);
    assert!(
        c.detail.contains("unsupported signature kind"),
        "{}",
        c.detail
    );
    assert!(c.detail_zh.contains("不支持的签名类型"));
    assert!(s.advice.as_ref().unwrap().zh.contains("不支持的签名类型"));
    // A list without its SignedValueLoc, or not XML: FAILED, format, with the file named.
    for bad in [
        b"<?xml version=\"1.0\"?><ofd:OFDEntries xmlns:ofd=\"x\"><ofd:FileList/></ofd:OFDEntries>"
            .as_slice(),
        b"<not xml".as_slice(),
        b"<?xml version=\"1.0\"?><Other/>".as_slice(),
    ] {
        let broken = rewrite(
            &protected,
            |n, d| {
                Some(if n == "OFDEntries.xml" {
                    bad.to_vec()
                } else {
                    d.to_vec()
                })
            },
            &[],
        );
        let r = verify(&broken, &policy);
        let s = only(&r);
        assert_eq!(
            (s.indication, s.sub_indication),
            (Indication::Failed, Some(SubIndication::FormatFailure))
        );
        let c = check(s, CheckId::Structure);
        assert!(c.detail.contains("OFDEntries.xml"), "{}", c.detail);
        assert!(c.detail_zh.contains("完整性保护"), "{}", c.detail_zh);
    }
    // The value file it names is missing.
    let no_value = rewrite(
        &protected,
        |n, d| (n != "signedvalue.dat").then(|| d.to_vec()),
        &[],
    );
    let r = verify(&no_value, &policy);
    assert_eq!(only(&r).indication, Indication::Failed);
}

#[test]
fn protecting_copies_every_entry_and_replaces_an_earlier_protection() {
    let key = Sm2PrivateKey::from_pem(&String::from_utf8(read("signer.key.pem")).unwrap()).unwrap();
    let cert = read("signer.der");
    let signer = SoftwareSigner::new(key);
    let request = ProtectRequest {
        signer_cert: &cert,
        time: time::macros::datetime!(2026-12-02 09:00 UTC),
        creator: "test",
    };
    let protect = |input: &[u8]| {
        let mut out = Cursor::new(Vec::new());
        protect_ofd(Cursor::new(input.to_vec()), &mut out, &request, &signer).unwrap();
        out.into_inner()
    };
    let base = read("unprotected.ofd");
    let once = protect(&base);
    let twice = protect(&once);
    let policy = trusted();
    for bytes in [&once, &twice] {
        let s = only(&verify(bytes, &policy)).clone();
        assert_eq!(s.indication, Indication::Passed, "{:#?}", s.report);
    }
    // Every original entry is in the output byte for byte.
    let raw = eseal_testkit::rawzip::entries(&twice);
    for e in eseal_testkit::rawzip::entries(&base) {
        let copy = raw.iter().find(|c| c.name == e.name).expect("entry kept");
        assert_eq!(
            (copy.method, copy.crc, &copy.data),
            (e.method, e.crc, &e.data)
        );
    }
    // The earlier list is not listed by the later one.
    let entries = eseal_testkit::rawzip::read(&twice, "OFDEntries.xml");
    let text = String::from_utf8(entries).unwrap();
    assert!(!text.contains("FileLoc=\"/OFDEntries.xml\""), "{text}");
    assert!(!text.contains("FileLoc=\"/signedvalue.dat\""), "{text}");
    // A wrong key for the certificate is refused, and nothing is written as if it worked.
    let other = SoftwareSigner::new(Sm2PrivateKey::from_scalar_bytes(&[7u8; 32]).unwrap());
    let mut out = Cursor::new(Vec::new());
    assert!(protect_ofd(Cursor::new(base.clone()), &mut out, &request, &other).is_err());
}

/// A seal signature made elsewhere, then protected: both verify as before, and the seal's
/// report does not warn about the protection's own files.
#[test]
#[cfg_attr(
    eseal_skip_samples,
    ignore = "needs the real-world samples: ../shared/samples or ESEAL_SAMPLES"
)]
fn a_signed_sample_protected_afterwards_keeps_its_verdict() {
    let Some(samples) = eseal_testkit::samples() else {
        return;
    };
    let signed = std::fs::read(samples.join("allprotected.ofd")).unwrap();
    let before = verify(&signed, &VerifyPolicy::default());
    let key = Sm2PrivateKey::from_pem(&String::from_utf8(read("signer.key.pem")).unwrap()).unwrap();
    let cert = read("signer.der");
    let mut out = Cursor::new(Vec::new());
    protect_ofd(
        Cursor::new(signed),
        &mut out,
        &ProtectRequest {
            signer_cert: &cert,
            time: time::macros::datetime!(2026-12-02 09:00 UTC),
            creator: "test",
        },
        &SoftwareSigner::new(key),
    )
    .unwrap();
    let after = verify(&out.into_inner(), &trusted());
    assert_eq!(after.signatures.len(), before.signatures.len() + 1);
    let (seal, integrity) = (&after.signatures[0], &after.signatures[1]);
    assert_eq!(seal.indication, before.signatures[0].indication);
    assert_eq!(
        check(seal, CheckId::DocumentCoverage).outcome,
        check(&before.signatures[0], CheckId::DocumentCoverage).outcome
    );
    assert_eq!(
        integrity.indication,
        Indication::Passed,
        "{:#?}",
        integrity.report
    );
}
