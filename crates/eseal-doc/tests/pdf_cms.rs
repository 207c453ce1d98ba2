#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! PDF signatures in form (a), a detached CMS SignedData with SM2/SM3 (issue 20): signed with
//! its signed attributes (contentType, signingTime, messageDigest, signing-certificate-v2)
//! and a timestamp, verified; mixed with the SES form in a row of three signatures; tampering
//! caught; and the structure cross-checked with the OpenSSL 3 CLI (`openssl cms -verify`
//! reads and checks it; the SM2 signature over the signed attributes verifies with
//! `openssl pkeyutl … distid:1234567812345678`; the messageDigest is `openssl dgst -sm3` of
//! the ByteRange bytes).

mod common;

use common::{Kit, kit_with};
use eseal_doc::pdf::{CMS_SUBFILTER, PdfSignatureForm};
use eseal_doc::{PdfForm, PdfPlacement, PdfSignRequest, sign_pdf, verify_pdf};
use eseal_gm::provider::SoftwareVerifier;
use eseal_ses::{CheckId, Indication, Outcome};
use std::process::Command;
use time::macros::datetime;

fn base() -> Vec<u8> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/pdf/");
    std::fs::read(format!("{dir}chromium.pdf")).unwrap()
}

fn seal_kit() -> Kit {
    kit_with("PNG", include_bytes!("../../../testdata/image/round.png"))
}

fn sign(
    k: &Kit,
    input: &[u8],
    name: &str,
    form: PdfForm,
    tsa: Option<&eseal_doc::sign::Timestamper<'_>>,
) -> (Vec<u8>, Vec<u8>) {
    let signed = sign_pdf(
        input,
        &PdfSignRequest {
            seal: &k.seal,
            signer_cert: &k.signer_cert,
            signing_time: datetime!(2026-06-01 08:00 UTC),
            placement: Some(
                PdfPlacement {
                    page: 1,
                    x: 30.0,
                    y: 40.0,
                }
                .into(),
            ),
            field_name: name.to_owned(),
            timestamper: tsa,
            picture: None,
            certify: None,
            form,
        },
        &k.signer,
    )
    .unwrap();
    ([input, &signed.update].concat(), signed.signature)
}

fn verify(k: &Kit, bytes: &[u8]) -> eseal_doc::PdfReport {
    verify_pdf(bytes, &k.policy, &SoftwareVerifier).unwrap()
}

fn outcome(s: &eseal_doc::pdf::PdfSignatureResult, id: CheckId) -> Vec<Outcome> {
    s.report
        .checks
        .iter()
        .filter(|c| c.id == id)
        .map(|c| c.outcome)
        .collect()
}

#[test]
fn form_a_carries_its_attributes_and_verifies() {
    let k = seal_kit();
    let input = base();
    let tsa = |value: &[u8]| {
        eseal_ses::timestamp::make_token(
            value,
            datetime!(2026-06-01 08:00:05 UTC),
            7,
            &der::asn1::ObjectIdentifier::new_unwrap("1.2.156.10197.6.1.4.2.99"),
            &k.tsa_cert,
            &k.tsa,
        )
        .map_err(|e| e.to_string())
    };
    let (signed, cms) = sign(&k, &input, "cms-1", PdfForm::Cms, Some(&tsa));
    let text = String::from_utf8_lossy(&signed[input.len()..]).into_owned();
    assert!(text.contains("/SubFilter/adbe.pkcs7.detached"), "{text}");
    assert!(text.contains("/Filter/Adobe.PPKLite"), "{text}");
    // What the CMS holds, read back.
    let sd = eseal_ses::gbt35275::SignedData::decode(&cms).unwrap();
    assert_eq!(sd.digest_algorithm, Some(eseal_gm::oid::SM3));
    assert_eq!(sd.signature_algorithm, Some(eseal_gm::oid::SM2_WITH_SM3));
    assert_eq!(sd.signing_time, Some(datetime!(2026-06-01 08:00 UTC)));
    assert_eq!(
        sd.signing_certificate,
        Some((
            eseal_gm::oid::SM3,
            eseal_gm::Sm3Digest::of(&k.signer_cert).as_bytes().to_vec()
        ))
    );
    assert!(sd.timestamp_token.is_some());
    let r = verify(&k, &signed);
    let s = &r.signatures[0];
    assert_eq!(s.form, PdfSignatureForm::Cms);
    assert_eq!(s.sub_filter, CMS_SUBFILTER);
    assert_eq!(s.indication, Indication::Passed, "{:#?}", s.report);
    assert_eq!(
        s.signer.as_deref(),
        Some("CN=威海市测试有限公司,O=威海市测试有限公司,C=CN")
    );
    for id in [
        CheckId::DataHash,
        CheckId::SignerSignature,
        CheckId::SignatureTimestamp,
        CheckId::SigningTime,
        CheckId::SignerCertificateChain,
    ] {
        assert_eq!(
            outcome(s, id),
            vec![Outcome::Passed],
            "{id:?}: {:#?}",
            s.report
        );
    }
    // The certificate and its signing-certificate-v2 hash both checked.
    assert_eq!(
        outcome(s, CheckId::SignerCertificate),
        vec![Outcome::Passed, Outcome::Passed]
    );
    // A covered byte flipped (one in every 97, from the header to the trailer): FAILED.
    let (b, c) = (s.byte_range[1] as usize, s.byte_range[2] as usize);
    for at in (0..signed.len()).step_by(97).filter(|i| *i < b || *i >= c) {
        let mut t = signed.clone();
        t[at] ^= 0x01;
        let r = eseal_doc::verify_pdf(t.as_slice(), &k.policy, &SoftwareVerifier);
        if let Ok(r) = r {
            assert!(
                r.signatures
                    .iter()
                    .all(|s| s.indication != Indication::Passed),
                "byte {at} flipped still passes"
            );
        }
    }
}

/// Three signatures in a row — CMS, SES, CMS — each keeps the ones before valid.
#[test]
fn three_signatures_of_both_forms_in_a_row() {
    let k = seal_kit();
    let (one, _) = sign(&k, &base(), "a", PdfForm::Cms, None);
    let (two, _) = sign(&k, &one, "b", PdfForm::Ses, None);
    let (three, _) = sign(&k, &two, "c", PdfForm::Cms, None);
    let r = verify(&k, &three);
    assert_eq!(r.revisions, 4);
    let forms: Vec<_> = r.signatures.iter().map(|s| s.form).collect();
    assert_eq!(
        forms,
        [
            PdfSignatureForm::Cms,
            PdfSignatureForm::Ses,
            PdfSignatureForm::Cms
        ]
    );
    for s in &r.signatures {
        assert_eq!(
            s.indication,
            Indication::Passed,
            "{}: {:#?}",
            s.field,
            s.report
        );
    }
    assert_eq!(
        r.signatures.iter().map(|s| s.revision).collect::<Vec<_>>(),
        [Some(2), Some(3), Some(4)]
    );
}

/// OpenSSL's CMS reader takes eseal's form (a) apart, and its pieces check out with the
/// OpenSSL CLI: `openssl cms -verify -no_attr_verify` finds the signer and checks the
/// messageDigest against the ByteRange bytes (a changed byte: "content verify error"); the SM2
/// signature over the DER signed attributes verifies with `openssl pkeyutl` and the GM/T 0009
/// signer ID (OpenSSL 3.0's `cms` cannot be given an SM2 ID: its own signature step fails
/// for any GM/T 0010 signer, ours or another vendor's).
#[test]
fn openssl_reads_form_a() {
    if Command::new("openssl").arg("version").output().is_err() {
        assert!(std::env::var_os("CI").is_none(), "CI needs the openssl CLI");
        return;
    }
    let k = seal_kit();
    let input = base();
    let (signed, cms) = sign(&k, &input, "cms", PdfForm::Cms, None);
    let r = verify(&k, &signed);
    let range = &r.signatures[0].byte_range;
    let (b, c, d) = (range[1] as usize, range[2] as usize, range[3] as usize);
    let content = [&signed[..b], &signed[c..c + d]].concat();
    let dir = std::env::temp_dir().join(format!("eseal-pdf-cms-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = |n: &str| dir.join(n).to_string_lossy().into_owned();
    std::fs::write(path("sig.der"), &cms).unwrap();
    std::fs::write(path("content.bin"), &content).unwrap();
    std::fs::write(
        path("signer.pem"),
        eseal_pki::Certificate::from_der(&k.signer_cert)
            .unwrap()
            .to_pem(),
    )
    .unwrap();
    let run = |args: &[&str]| Command::new("openssl").args(args).output().unwrap();
    // The structure as OpenSSL prints it.
    let printed = run(&[
        "cms",
        "-cmsout",
        "-print",
        "-inform",
        "DER",
        "-in",
        &path("sig.der"),
    ]);
    let printed_text = String::from_utf8_lossy(&printed.stdout).into_owned();
    assert!(printed.status.success(), "{printed:?}");
    for want in [
        "pkcs7-signedData",
        "messageDigest",
        "signingTime",
        "id-smime-aa-signingCertificateV2",
        "1.2.156.10197.1.501",
    ] {
        assert!(
            printed_text.contains(want) || printed_text.contains("SM2-with-SM3"),
            "{want} not in\n{printed_text}"
        );
    }
    // messageDigest = SM3 of the ByteRange bytes, as openssl dgst computes it.
    let dgst = run(&["dgst", "-sm3", "-r", &path("content.bin")]);
    let hex = String::from_utf8_lossy(&dgst.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let sd = eseal_ses::gbt35275::SignedData::decode(&cms).unwrap();
    assert_eq!(hex::encode(sd.message_digest.as_ref().unwrap()), hex);
    // The SM2 signature over the signed attributes' DER SET.
    std::fs::write(path("tbs.der"), &sd.signed_bytes).unwrap();
    std::fs::write(path("sig.bin"), &sd.signature).unwrap();
    assert!(
        run(&[
            "x509",
            "-in",
            &path("signer.pem"),
            "-pubkey",
            "-noout",
            "-out",
            &path("pub.pem")
        ])
        .status
        .success()
    );
    let v = run(&[
        "pkeyutl",
        "-verify",
        "-pubin",
        "-inkey",
        &path("pub.pem"),
        "-rawin",
        "-digest",
        "sm3",
        "-pkeyopt",
        "distid:1234567812345678",
        "-in",
        &path("tbs.der"),
        "-sigfile",
        &path("sig.bin"),
    ]);
    assert!(
        String::from_utf8_lossy(&v.stdout).contains("Signature Verified Successfully"),
        "{v:?}"
    );
    // openssl cms -verify over the ByteRange bytes: with the content changed it reports a
    // digest failure; with the right content it gets past the digest.
    let cms_verify = |content: &str| {
        run(&[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            &path("sig.der"),
            "-content",
            content,
            "-noverify",
            "-no_attr_verify",
            "-out",
            &path("out.bin"),
        ])
    };
    let right = cms_verify(&path("content.bin"));
    assert!(right.status.success(), "{right:?}");
    assert!(
        String::from_utf8_lossy(&right.stderr).contains("Verification successful"),
        "{right:?}"
    );
    let mut wrong = content.clone();
    wrong[10] ^= 1;
    std::fs::write(path("wrong.bin"), &wrong).unwrap();
    let bad = cms_verify(&path("wrong.bin"));
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("content verify error"),
        "{bad:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
