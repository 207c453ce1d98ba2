#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! The encoder-quirk vectors of `testdata/ses/quirks/` (made by `examples/quirk_vectors.rs`,
//! see its NOTES.md): each verifies with a WARNING that names the quirk, the field and the
//! byte offset; the same file with one bit flipped in its signed bytes is FAILED; and the
//! tolerant reader keeps its contract on them and on thousands of mutations of them.

use eseal_gm::Sm3Digest;
use eseal_gm::provider::SoftwareVerifier;
use eseal_ses::{
    AnySeal, AnySignature, CertificateRole, CertificateValidator, ChainVerdict, CheckId,
    Indication, Outcome, Report, SignedData, SubIndication, VerifyPolicy, verify_seal,
    verify_signature,
};
use std::path::PathBuf;
use std::sync::Arc;
use time::OffsetDateTime;
use time::macros::datetime;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/ses/quirks")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The vectors' root and its CRL, through eseal-pki.
struct Trust(eseal_pki::TrustStore);

impl CertificateValidator for Trust {
    fn validate(&self, cert: &[u8], at: OffsetDateTime, _: CertificateRole) -> ChainVerdict {
        let cert = eseal_pki::Certificate::from_der(cert).unwrap();
        let r = eseal_pki::validate(&cert, &[], &self.0, &[], at, eseal_pki::Purpose::Signing);
        let (outcome, sub_indication) = match r.status() {
            eseal_pki::ChainStatus::Valid => (Outcome::Passed, None),
            eseal_pki::ChainStatus::Invalid => (
                Outcome::Failed,
                Some(SubIndication::ChainConstraintsFailure),
            ),
            eseal_pki::ChainStatus::Indeterminate => (
                Outcome::Indeterminate,
                Some(SubIndication::NoCertificateChainFound),
            ),
        };
        ChainVerdict {
            outcome,
            sub_indication,
            detail: eseal_ses::Text::new(
                format!("测试信任锚：证书链{}", r.status().label().0),
                format!("test trust anchor: chain {}", r.status().label().1),
            ),
        }
    }
}

fn policy() -> VerifyPolicy {
    let files = vec![
        ("root.der".to_owned(), read("trust/root.der")),
        ("root.crl".to_owned(), read("trust/root.crl")),
    ];
    let (store, _) = eseal_pki::TrustStore::from_files(&files).unwrap();
    VerifyPolicy {
        chain_validator: Some(Arc::new(Trust(store))),
        ..VerifyPolicy::default()
    }
}

const AT: OffsetDateTime = datetime!(2026-06-01 00:00 UTC);

/// (file, the warning's check, what the English evidence must say, what the Chinese must say)
const VECTORS: &[(&str, CheckId, &str, &str)] = &[
    (
        "seal-bitstring-unused-bits.esl",
        CheckId::Encoding,
        "SESeal.signedValue (byte 1167): BIT STRING unused-bits count is 1",
        "BIT STRING 的未用位数为 1",
    ),
    (
        "seal-negative-r.esl",
        CheckId::Encoding,
        "SM2Signature.r (byte 2 of SESeal.signedValue (SM2Signature)): INTEGER without the leading 0x00",
        "缺少前导 0x00",
    ),
    (
        "seal-dropped-zero.esl",
        CheckId::Encoding,
        "1 final zero byte(s) missing",
        "末尾缺少 1 个零字节",
    ),
    (
        "seal-times.esl",
        CheckId::Encoding,
        "SES_ESPropertyInfo.createDate (byte 589): GeneralizedTime holding UTCTime text",
        "两位年份",
    ),
    (
        "seal-times.esl",
        CheckId::Encoding,
        "SES_ESPropertyInfo.validStart (byte 604): time without a zone",
        "北京时间",
    ),
    (
        "seal-non-minimal-integer.esl",
        CheckId::Encoding,
        "SES_ESPropertyInfo.type (byte 51): INTEGER with superfluous leading bytes",
        "多余的前导字节",
    ),
    (
        "seal-v1-header-v4.esl",
        CheckId::VersionConsistency,
        "SES_Header.version is 4 in a v1 layout",
        "",
    ),
    (
        "seal-v1-gb18030-name.esl",
        CheckId::Encoding,
        "SES_ESPropertyInfo.name (byte 54): text in GB18030/GBK",
        "GB18030",
    ),
    (
        "seal-v1-gb18030-name.esl",
        CheckId::Encoding,
        "text ends with 2 NUL character(s)",
        "NUL",
    ),
    (
        "sig-bitstring-unused-bits.dat",
        CheckId::Encoding,
        "SES_Signature.signature (byte 1830): BIT STRING unused-bits count is 1",
        "未用位数",
    ),
    (
        "sig-negative-s.dat",
        CheckId::Encoding,
        "SM2Signature.s (byte 36 of SES_Signature.signature (SM2Signature))",
        "按无符号数读取",
    ),
    (
        "sig-dropped-zero.dat",
        CheckId::Encoding,
        "byte 70 of SES_Signature.signature (SM2Signature)): 1 final zero byte(s) missing",
        "核验时已补回",
    ),
    (
        "sig-tbs-quirks.dat",
        CheckId::Encoding,
        "TBS_Sign.version (byte 8): INTEGER with superfluous leading bytes",
        "多余的前导字节",
    ),
    (
        "sig-tbs-quirks.dat",
        CheckId::Encoding,
        "TBS_Sign.timeInfo (byte 1254): GeneralizedTime holding UTCTime text",
        "UTCTime",
    ),
    (
        "sig-datahash-dropped-zero.dat",
        CheckId::Encoding,
        "TBS_Sign.dataHash (byte 1270): BIT STRING unused-bits count is 1",
        "未用位数",
    ),
    (
        "sig-datahash-dropped-zero.dat",
        CheckId::DataHash,
        "matches dataHash, which has 31 bytes: the encoder dropped the final 1 zero byte(s)",
        "丢弃了末尾 1 个零字节",
    ),
];

fn data_for(name: &str) -> Vec<u8> {
    let own = name.replace(".dat", ".data");
    if dir().join(&own).exists() {
        read(&own)
    } else {
        read("data.txt")
    }
}

fn verify_file(name: &str, bytes: &[u8]) -> Report {
    if name.ends_with(".esl") {
        match AnySeal::decode(bytes) {
            Ok((seal, _)) => verify_seal(&seal, AT, &policy(), &SoftwareVerifier),
            Err(e) => failed(e),
        }
    } else {
        match AnySignature::decode(bytes) {
            Ok((sig, _)) => verify_signature(
                &sig,
                SignedData::Digest(Sm3Digest::of(&data_for(name))),
                &policy(),
                &SoftwareVerifier,
            ),
            Err(e) => failed(e),
        }
    }
}

fn failed(e: eseal_ses::SesError) -> Report {
    let mut r = Report::default();
    r.checks.push(eseal_ses::Check {
        id: CheckId::Structure,
        outcome: Outcome::Failed,
        sub_indication: Some(SubIndication::FormatFailure),
        detail: e.to_string(),
        detail_zh: e.zh(),
    });
    r
}

#[test]
fn each_quirk_verifies_with_a_warning_naming_it() {
    for (name, id, en, zh) in VECTORS {
        let r = verify_file(name, &read(name));
        assert_eq!(r.indication(), Indication::Passed, "{name}: {r:#?}");
        let warning = r
            .checks
            .iter()
            .find(|c| c.id == *id && c.outcome == Outcome::Warning && c.detail.contains(en))
            .unwrap_or_else(|| panic!("{name}: no warning {en:?} in {r:#?}"));
        if !zh.is_empty() {
            let text = &warning.detail_zh;
            assert!(text.contains(zh), "{name}: Chinese evidence {text:?}");
        }
    }
}

#[test]
fn a_flipped_bit_in_the_signed_bytes_fails() {
    let picture: &[u8] = b"quirk vector picture";
    for (name, _, _, _) in VECTORS {
        let mut bytes = read(name);
        // The picture is signed by the maker (and, inside TBS_Sign, by the signer).
        let at = bytes
            .windows(picture.len())
            .position(|w| w == picture)
            .unwrap_or_else(|| panic!("{name}: no picture"));
        bytes[at + 3] ^= 0x01;
        let r = verify_file(name, &bytes);
        assert_eq!(r.indication(), Indication::Failed, "{name}: {r:#?}");
        assert_eq!(
            r.outcome(CheckId::MakerSignature),
            Some(Outcome::Failed),
            "{name}"
        );
        if name.ends_with(".dat") {
            assert_eq!(
                r.outcome(CheckId::SignerSignature),
                Some(Outcome::Failed),
                "{name}"
            );
        }
    }
    // Other data than the signed: the dataHash check fails, whatever the encoding.
    for name in ["sig-datahash-dropped-zero.dat", "sig-dropped-zero.dat"] {
        let (sig, _) = AnySignature::decode(&read(name)).unwrap();
        let r = verify_signature(
            &sig,
            SignedData::Digest(Sm3Digest::of(b"other data")),
            &policy(),
            &SoftwareVerifier,
        );
        assert_eq!(
            r.outcome(CheckId::DataHash),
            Some(Outcome::Failed),
            "{name}"
        );
    }
}

/// A deterministic generator for the mutations.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }
}

#[test]
fn the_tolerant_reader_keeps_its_contract_under_mutation() {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".esl") || n.ends_with(".dat"))
        .collect();
    names.sort();
    assert!(names.len() >= 12, "{names:?}");
    let mut rng = Lcg(16);
    let mut accepted = 0;
    for name in &names {
        let original = read(name);
        assert_eq!(
            eseal_ses::any::check_reencoding(&original),
            Ok(true),
            "{name}"
        );
        for _ in 0..300 {
            let mut m = original.clone();
            let at = rng.next() % m.len();
            match rng.next() % 3 {
                0 => m[at] ^= 1 << (rng.next() % 8),
                1 => m[at] = (rng.next() % 256) as u8,
                _ => {
                    m.remove(at);
                }
            }
            match eseal_ses::any::check_reencoding(&m) {
                Ok(true) => accepted += 1,
                Ok(false) => {}
                Err(why) => panic!("{name}, mutation at byte {at}: {why}"),
            }
        }
    }
    assert!(accepted > 100, "only {accepted} mutations were accepted");
}

/// Reports are for people: every check has its own Chinese evidence, no Rust type or error
/// name reaches them, and a FAILED or INDETERMINATE report says what it means (issue 16 item 3).
#[test]
fn evidence_is_bilingual_without_rust_names() {
    const RUST_NAMES: &[&str] = &[
        "BadBitString",
        "NegativeInteger",
        "NonMinimalInteger",
        "InvalidSignatureEncoding",
        "UnexpectedTag",
        "Truncated",
        "BadTime",
        "UnknownLayout",
        "KeyCompromise",
        "Some(",
        "None",
    ];
    let mut reports = Vec::new();
    for (name, _, _, _) in VECTORS {
        let bytes = read(name);
        reports.push(verify_file(name, &bytes));
        let mut flipped = bytes.clone();
        let at = flipped.len() / 2;
        flipped[at] ^= 0x10;
        reports.push(verify_file(name, &flipped));
        reports.push(verify_file(name, &bytes[..bytes.len() - 5]));
    }
    let mut advised = 0;
    for r in &reports {
        for c in &r.checks {
            assert_ne!(c.detail, c.detail_zh, "{:?} has no Chinese evidence", c.id);
            assert_eq!(
                eseal_testkit::english_prose(&c.detail_zh),
                None,
                "English in the Chinese evidence of {:?}: {}",
                c.id,
                c.detail_zh
            );
            for n in RUST_NAMES {
                assert!(
                    !c.detail.contains(n) && !c.detail_zh.contains(n),
                    "{n} in {:?}: {} / {}",
                    c.id,
                    c.detail,
                    c.detail_zh
                );
            }
        }
        match r.indication() {
            Indication::Passed => assert!(r.advice().is_none()),
            _ => {
                let a = r
                    .advice()
                    .expect("advice for a FAILED or INDETERMINATE report");
                assert!(!a.zh.is_empty() && !a.en.is_empty());
                advised += 1;
            }
        }
    }
    assert!(advised >= VECTORS.len(), "{advised}");
}
