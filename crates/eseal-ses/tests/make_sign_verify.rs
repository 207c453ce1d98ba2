#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Making, signing and verifying with eseal's own keys, and every way a signature must fail.

use eseal_gm::provider::{SeededRandom, SoftwareSigner, SoftwareVerifier};
use eseal_gm::{Sm2PrivateKey, Sm3Digest};
use eseal_pki::{CertificateKind, IssueRequest, Issuer, issue_certificate};
use eseal_ses::common::{ExtData, ExtDataItem, ExtensionDatas, TagMode};
use eseal_ses::{
    AnySeal, AnySignature, CheckId, Indication, Outcome, SealRequest, SesErrorKind, SignRequest,
    SignedData, SubIndication, VerifyPolicy, Version, make_seal, prepare_signature, v4,
    verify_seal, verify_signature,
};
use time::OffsetDateTime;
use time::macros::datetime;

struct Party {
    key: Sm2PrivateKey,
    cert: Vec<u8>,
}

struct Fixture {
    root: eseal_pki::Certificate,
    root_key: Sm2PrivateKey,
    maker: Party,
    signer: Party,
    other: Party,
    tsa: Party,
}

const T0: OffsetDateTime = datetime!(2026-01-01 00:00 UTC);
const SIGNING: OffsetDateTime = datetime!(2026-03-01 08:00 UTC);

fn fixture() -> Fixture {
    let random = SeededRandom::new(b"eseal-ses make_sign_verify");
    let root_key = Sm2PrivateKey::generate(&random).unwrap();
    let root = SoftwareSigner::new(root_key.clone());
    let root_cert = issue_certificate(
        &IssueRequest {
            subject: "CN=Test Root,C=CN".parse().unwrap(),
            crl_distribution_point: None,
            ocsp_url: None,
            public_key: root_key.public_key(),
            kind: CertificateKind::Root,
            not_before: T0,
            not_after: datetime!(2036-01-01 00:00 UTC),
            serial: vec![1],
        },
        Issuer {
            certificate: None,
            signer: &root,
        },
    )
    .unwrap();
    let mut n = 1u8;
    let mut party = |subject: &str, kind| {
        n += 1;
        let key = Sm2PrivateKey::generate(&random).unwrap();
        let cert = issue_certificate(
            &IssueRequest {
                subject: subject.parse().unwrap(),
                crl_distribution_point: None,
                ocsp_url: None,
                public_key: key.public_key(),
                kind,
                not_before: T0,
                not_after: datetime!(2027-01-01 00:00 UTC),
                serial: vec![n],
            },
            Issuer {
                certificate: Some(&root_cert),
                signer: &root,
            },
        )
        .unwrap();
        Party { key, cert }
    };
    Fixture {
        root: eseal_pki::Certificate::from_der(&root_cert).unwrap(),
        root_key: root_key.clone(),
        maker: party("CN=Maker,O=Agency,C=CN", CertificateKind::Maker),
        signer: party(
            "CN=威海市测试有限公司,O=威海市测试有限公司,C=CN",
            CertificateKind::Organisation,
        ),
        other: party("CN=Someone Else,C=CN", CertificateKind::Person),
        tsa: party(
            "CN=Test TSA,O=Agency,C=CN",
            CertificateKind::TimestampAuthority,
        ),
    }
}

fn request(f: &Fixture, version: Version) -> SealRequest {
    SealRequest {
        version,
        vid: "eseal-test".into(),
        es_id: "37100000000001".into(),
        seal_type: 1,
        name: "威海市测试有限公司".into(),
        signer_certs: vec![f.signer.cert.clone()],
        list_digests: false,
        picture_type: "PNG".into(),
        picture: b"\x89PNG\r\n\x1a\nnot really a png".to_vec(),
        width_mm: 42,
        height_mm: 42,
        create_date: T0,
        valid_start: T0,
        valid_end: datetime!(2026-12-31 00:00 UTC),
        ext_datas: None,
    }
}

fn make(f: &Fixture, r: &SealRequest) -> AnySeal {
    make_seal(r, &f.maker.cert, &SoftwareSigner::new(f.maker.key.clone())).unwrap()
}

fn sign(f: &Fixture, seal: &AnySeal, data: &[u8]) -> AnySignature {
    prepare_signature(
        seal,
        &f.signer.cert,
        &SignRequest {
            data_hash: Sm3Digest::of(data),
            signing_time: SIGNING,
            property_info: "contract.pdf".into(),
        },
    )
    .unwrap()
    .sign(&SoftwareSigner::new(f.signer.key.clone()))
    .unwrap()
}

/// Chain validation through eseal-pki, as the CLI does it (crates/eseal-cli/src/trust.rs).
struct TestValidator(eseal_pki::TrustStore);

impl eseal_ses::CertificateValidator for TestValidator {
    fn validate(
        &self,
        cert: &[u8],
        at: OffsetDateTime,
        _role: eseal_ses::CertificateRole,
    ) -> eseal_ses::ChainVerdict {
        let cert = eseal_pki::Certificate::from_der(cert).unwrap();
        let r = eseal_pki::validate(&cert, &[], &self.0, &[], at, eseal_pki::Purpose::Signing);
        let (outcome, sub) = match r.status() {
            eseal_pki::ChainStatus::Valid => (Outcome::Passed, None),
            eseal_pki::ChainStatus::Invalid => (Outcome::Failed, Some(SubIndication::Revoked)),
            eseal_pki::ChainStatus::Indeterminate => {
                (Outcome::Indeterminate, Some(SubIndication::TryLater))
            }
        };
        eseal_ses::ChainVerdict {
            outcome,
            sub_indication: sub,
            detail: eseal_ses::Text::new(format!("{:?}", r.path), format!("{:?}", r.path)),
        }
    }
}

/// A policy trusting the fixture's root, with its CRL revoking `revoked` (serials).
fn policy_revoking(f: &Fixture, revoked: &[Vec<u8>]) -> VerifyPolicy {
    let mut store = eseal_pki::TrustStore::new();
    store.add_anchor(f.root.clone());
    let entries: Vec<_> = revoked
        .iter()
        .map(|s| eseal_pki::crl::RevokedEntry {
            serial: s.clone(),
            revoked_at: T0,
            reason: eseal_pki::crl::RevocationReason::KeyCompromise,
        })
        .collect();
    store.add_crl(
        eseal_pki::crl::build_crl(
            &f.root,
            &SoftwareSigner::new(f.root_key.clone()),
            1,
            T0,
            datetime!(2030-01-01 00:00 UTC),
            &entries,
        )
        .unwrap(),
    );
    VerifyPolicy {
        chain_validator: Some(std::sync::Arc::new(TestValidator(store))),
        ..VerifyPolicy::default()
    }
}

fn verify(sig: &AnySignature, data: &[u8]) -> eseal_ses::Report {
    let f = fixture();
    verify_signature(
        sig,
        SignedData::Digest(Sm3Digest::of(data)),
        &policy_revoking(&f, &[]),
        &SoftwareVerifier,
    )
}

#[test]
fn certificate_chains_come_from_the_injected_validator() {
    let f = fixture();
    let sig = sign(&f, &make(&f, &request(&f, Version::V4)), b"d");
    // No trust store: INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND for both certificates.
    let r = verify_signature(
        &sig,
        SignedData::Digest(Sm3Digest::of(b"d")),
        &VerifyPolicy::default(),
        &SoftwareVerifier,
    );
    assert_check(
        &r,
        CheckId::SignerCertificateChain,
        Outcome::Indeterminate,
        Some(SubIndication::NoCertificateChainFound),
    );
    assert_check(
        &r,
        CheckId::MakerCertificateChain,
        Outcome::Indeterminate,
        Some(SubIndication::NoCertificateChainFound),
    );
    assert_eq!(r.indication(), Indication::Indeterminate);
    // Trusted root, signer revoked.
    let signer_serial = eseal_pki::Certificate::from_der(&f.signer.cert)
        .unwrap()
        .serial_bytes()
        .to_vec();
    let r = verify_signature(
        &sig,
        SignedData::Digest(Sm3Digest::of(b"d")),
        &policy_revoking(&f, &[signer_serial]),
        &SoftwareVerifier,
    );
    assert_check(
        &r,
        CheckId::SignerCertificateChain,
        Outcome::Failed,
        Some(SubIndication::Revoked),
    );
    assert_check(&r, CheckId::MakerCertificateChain, Outcome::Passed, None);
    assert_eq!(r.indication(), Indication::Failed);
}

fn assert_check(r: &eseal_ses::Report, id: CheckId, outcome: Outcome, sub: Option<SubIndication>) {
    let c = r
        .check(id)
        .unwrap_or_else(|| panic!("{id:?} did not run: {r:#?}"));
    assert_eq!(
        (c.outcome, c.sub_indication),
        (outcome, sub),
        "{id:?}: {}",
        c.detail
    );
}

#[test]
fn every_version_makes_signs_verifies_and_round_trips() {
    let f = fixture();
    for version in [Version::V1, Version::V4, Version::V5] {
        let seal = make(&f, &request(&f, version));
        assert_eq!(seal.version(), version);
        let (decoded, _) = AnySeal::decode(seal.raw()).unwrap();
        assert_eq!(decoded, seal);
        assert_eq!(decoded.to_der().unwrap(), seal.raw());
        let r = verify_seal(&seal, SIGNING, &policy_revoking(&f, &[]), &SoftwareVerifier);
        assert_eq!(r.indication(), Indication::Passed, "{version:?}: {r:#?}");

        let sig = sign(&f, &seal, b"the contract");
        let (decoded, _) = AnySignature::decode(sig.raw()).unwrap();
        assert_eq!(decoded, sig);
        assert_eq!(decoded.to_der().unwrap(), sig.raw());
        let r = verify(&sig, b"the contract");
        assert_eq!(r.indication(), Indication::Passed, "{version:?}: {r:#?}");
        // The Chinese evidence is Chinese throughout (it once said "TBS_Sign as received").
        for c in &r.checks {
            assert_eq!(
                eseal_testkit::english_prose(&c.detail_zh),
                None,
                "{version:?} {:?}: {}",
                c.id,
                c.detail_zh
            );
        }
        // Times in the evidence are Beijing time, as on the pages around it.
        let beijing = eseal_core::text::beijing(SIGNING);
        assert!(beijing.ends_with("+08:00"), "{beijing}");
        let signing = r
            .checks
            .iter()
            .find(|c| c.id == CheckId::SigningTime)
            .unwrap();
        assert!(
            signing.detail_zh.contains(&beijing),
            "{}",
            signing.detail_zh
        );
        assert!(signing.detail.contains(&beijing), "{}", signing.detail);
        assert_eq!(sig.view().signing_time, Some(SIGNING));
        assert_eq!(sig.view().property_info, "contract.pdf");
    }
}

#[test]
fn v1_time_info_is_local_text() {
    let f = fixture();
    let sig = sign(&f, &make(&f, &request(&f, Version::V1)), b"x");
    // 08:00 UTC is 16:00 in China Standard Time.
    assert_eq!(sig.view().signing_time_text, "2026-03-01 16:00:00");
}

#[test]
fn cert_digest_lists_bind_the_signer() {
    let f = fixture();
    let mut r = request(&f, Version::V4);
    r.list_digests = true;
    let seal = make(&f, &r);
    let sig = sign(&f, &seal, b"d");
    let rep = verify(&sig, b"d");
    assert_check(&rep, CheckId::SignerInSeal, Outcome::Passed, None);
    assert_eq!(rep.indication(), Indication::Passed);
    r.version = Version::V1;
    let err = make_seal(&r, &f.maker.cert, &SoftwareSigner::new(f.maker.key.clone())).unwrap_err();
    assert_eq!(err.kind(), SesErrorKind::Refused);
}

#[test]
fn tampered_data_is_a_hash_failure() {
    let f = fixture();
    let sig = sign(&f, &make(&f, &request(&f, Version::V4)), b"pay 100 yuan");
    let r = verify(&sig, b"pay 900 yuan");
    assert_check(
        &r,
        CheckId::DataHash,
        Outcome::Failed,
        Some(SubIndication::HashFailure),
    );
    assert_check(&r, CheckId::SignerSignature, Outcome::Passed, None);
    assert_eq!(r.indication(), Indication::Failed);
}

/// Replace the first occurrence of `from` by `to` (same length) in `bytes`.
fn replace(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let at = bytes
        .windows(from.len())
        .position(|w| w == from)
        .expect("pattern present");
    let mut out = bytes.to_vec();
    out[at..at + to.len()].copy_from_slice(to);
    out
}

#[test]
fn tampered_seal_fails_the_maker_signature() {
    let f = fixture();
    let seal = make(&f, &request(&f, Version::V4));
    let tampered = replace(seal.raw(), b"not really", b"NOT REALLY");
    let (tampered, _) = AnySeal::decode(&tampered).unwrap();
    let r = verify_seal(
        &tampered,
        SIGNING,
        &VerifyPolicy::default(),
        &SoftwareVerifier,
    );
    assert_check(
        &r,
        CheckId::MakerSignature,
        Outcome::Failed,
        Some(SubIndication::SigCryptoFailure),
    );

    // Inside a signature, the seal swap breaks both the maker's and the signer's signature.
    let sig = sign(&f, &seal, b"doc");
    let tampered = replace(sig.raw(), b"not really", b"NOT REALLY");
    let (tampered, _) = AnySignature::decode(&tampered).unwrap();
    let r = verify(&tampered, b"doc");
    assert_check(
        &r,
        CheckId::MakerSignature,
        Outcome::Failed,
        Some(SubIndication::SigCryptoFailure),
    );
    assert_check(
        &r,
        CheckId::SignerSignature,
        Outcome::Failed,
        Some(SubIndication::SigCryptoFailure),
    );
}

#[test]
fn v1_tampered_seal_fails_too() {
    let f = fixture();
    let seal = make(&f, &request(&f, Version::V1));
    let tampered = replace(seal.raw(), b"not really", b"NOT REALLY");
    let (tampered, _) = AnySeal::decode(&tampered).unwrap();
    let r = verify_seal(
        &tampered,
        SIGNING,
        &VerifyPolicy::default(),
        &SoftwareVerifier,
    );
    assert_check(
        &r,
        CheckId::MakerSignature,
        Outcome::Failed,
        Some(SubIndication::SigCryptoFailure),
    );
}

#[test]
fn wrong_signer_certificate_is_refused_and_detected() {
    let f = fixture();
    let seal = make(&f, &request(&f, Version::V4));
    let err = prepare_signature(
        &seal,
        &f.other.cert,
        &SignRequest {
            data_hash: Sm3Digest::of(b"x"),
            signing_time: SIGNING,
            property_info: "x".into(),
        },
    )
    .unwrap_err();
    assert_eq!(err.kind(), SesErrorKind::Refused);

    // A listed certificate with the wrong key is refused at signing.
    let prepared = prepare_signature(
        &seal,
        &f.signer.cert,
        &SignRequest {
            data_hash: Sm3Digest::of(b"x"),
            signing_time: SIGNING,
            property_info: "x".into(),
        },
    )
    .unwrap();
    let err = prepared
        .sign(&SoftwareSigner::new(f.other.key.clone()))
        .unwrap_err();
    assert_eq!(err.kind(), SesErrorKind::Refused);

    // A signature whose cert field was swapped for another certificate.
    let AnySignature::V4(sig) = sign(&f, &seal, b"x") else {
        panic!()
    };
    let swapped = v4::SesSignature::new(
        sig.to_sign.clone(),
        f.other.cert.clone(),
        sig.signature_alg_id,
        sig.signature.clone(),
        None,
    )
    .unwrap();
    let r = verify(&AnySignature::V4(swapped), b"x");
    assert_check(
        &r,
        CheckId::SignerSignature,
        Outcome::Failed,
        Some(SubIndication::SigCryptoFailure),
    );
    assert_check(
        &r,
        CheckId::SignerInSeal,
        Outcome::Failed,
        Some(SubIndication::SigConstraintsFailure),
    );

    // Signed by the other party over a TBS that names the seal: not in the seal's list.
    let forged_sig = f
        .other
        .key
        .sign(&eseal_gm::SignerId::default(), sig.to_sign.raw())
        .unwrap();
    let forged = v4::SesSignature::new(
        sig.to_sign.clone(),
        f.other.cert.clone(),
        sig.signature_alg_id,
        forged_sig.to_der(),
        None,
    )
    .unwrap();
    let r = verify(&AnySignature::V4(forged), b"x");
    assert_check(&r, CheckId::SignerSignature, Outcome::Passed, None);
    assert_check(
        &r,
        CheckId::SignerInSeal,
        Outcome::Failed,
        Some(SubIndication::SigConstraintsFailure),
    );
    assert_eq!(r.indication(), Indication::Failed);
}

/// A v4 signature with a chosen time, signed by the fixture's signer (bypassing the
/// preparation checks, as a hostile or broken producer could).
fn sign_at(f: &Fixture, seal: &AnySeal, at: OffsetDateTime) -> AnySignature {
    let AnySeal::V4(s) = seal else { panic!() };
    let tbs = v4::TbsSign::new(
        4,
        s.clone(),
        eseal_ses::asn1_time::SesTime::generalized(at).unwrap(),
        Sm3Digest::of(b"d").as_bytes().to_vec(),
        eseal_ses::common::SesString::ia5("d").unwrap(),
        None,
    )
    .unwrap();
    let value = f
        .signer
        .key
        .sign(&eseal_gm::SignerId::default(), tbs.raw())
        .unwrap();
    AnySignature::V4(
        v4::SesSignature::new(
            tbs,
            f.signer.cert.clone(),
            eseal_gm::oid::SM2_WITH_SM3,
            value.to_der(),
            None,
        )
        .unwrap(),
    )
}

#[test]
fn expired_seal_at_signing_time() {
    let f = fixture();
    let mut r = request(&f, Version::V4);
    r.valid_end = datetime!(2026-02-01 00:00 UTC);
    let seal = make(&f, &r);
    // Preparation refuses to sign outside the seal's validity.
    let err = prepare_signature(
        &seal,
        &f.signer.cert,
        &SignRequest {
            data_hash: Sm3Digest::of(b"d"),
            signing_time: SIGNING,
            property_info: "d".into(),
        },
    )
    .unwrap_err();
    assert_eq!(err.kind(), SesErrorKind::Refused);
    // A claimed time after the seal's end, with no timestamp: INDETERMINATE, OUT_OF_BOUNDS_NO_POE.
    let rep = verify(&sign_at(&f, &seal, SIGNING), b"d");
    assert_check(
        &rep,
        CheckId::SealValidAtSigningTime,
        Outcome::Indeterminate,
        Some(SubIndication::OutOfBoundsNoPoe),
    );
    assert_eq!(rep.indication(), Indication::Indeterminate);
    // A claimed time before the seal's start: FAILED, NOT_YET_VALID.
    let mut r = request(&f, Version::V4);
    r.valid_start = datetime!(2026-06-01 00:00 UTC);
    let seal = make(&f, &r);
    let rep = verify(&sign_at(&f, &seal, SIGNING), b"d");
    assert_check(
        &rep,
        CheckId::SealValidAtSigningTime,
        Outcome::Failed,
        Some(SubIndication::NotYetValid),
    );
    // The seal alone, checked now (after its end): expired.
    let rep = verify_seal(
        &make(&f, &request(&f, Version::V4)),
        datetime!(2027-01-01 00:00 UTC),
        &VerifyPolicy::default(),
        &SoftwareVerifier,
    );
    assert_check(
        &rep,
        CheckId::SealValidity,
        Outcome::Failed,
        Some(SubIndication::Expired),
    );
}

#[test]
fn signer_certificate_expired_at_signing_time() {
    let f = fixture();
    let mut r = request(&f, Version::V4);
    r.valid_end = datetime!(2028-01-01 00:00 UTC);
    let seal = make(&f, &r);
    let rep = verify(&sign_at(&f, &seal, datetime!(2027-06-01 00:00 UTC)), b"d");
    assert_check(
        &rep,
        CheckId::SignerCertificateAtSigningTime,
        Outcome::Indeterminate,
        Some(SubIndication::OutOfBoundsNoPoe),
    );
}

/// Rebuild a v4 signature with another signature value.
fn with_signature_value(sig: &AnySignature, value: Vec<u8>) -> AnySignature {
    let AnySignature::V4(s) = sig else { panic!() };
    AnySignature::V4(
        v4::SesSignature::new(
            s.to_sign.clone(),
            s.cert.clone(),
            s.signature_alg_id,
            value,
            None,
        )
        .unwrap(),
    )
}

#[test]
fn signature_value_der_mutations_are_format_failures() {
    let f = fixture();
    let sig = sign(&f, &make(&f, &request(&f, Version::V4)), b"d");
    let AnySignature::V4(s) = &sig else { panic!() };
    let der = s.signature.clone();
    let body = der[2..].to_vec();
    let mut long_form = vec![0x30, 0x81, der[1]];
    long_form.extend(&body);
    let mut trailing = der.clone();
    trailing.push(0);
    // r with a superfluous leading zero: rewrite INTEGER r.
    let r_len = usize::from(der[3]);
    let r = &der[4..4 + r_len];
    let mut padded = vec![0x02, u8::try_from(r_len + 1).unwrap(), 0x00];
    padded.extend(r);
    padded.extend(&der[4 + r_len..]);
    let mut non_minimal = vec![0x30, u8::try_from(padded.len()).unwrap()];
    non_minimal.extend(padded);
    // A byte after the SEQUENCE is no signature encoding: FAILED, FORMAT_FAILURE.
    let rep = verify(&with_signature_value(&sig, trailing), b"d");
    assert_check(
        &rep,
        CheckId::SignerSignature,
        Outcome::Failed,
        Some(SubIndication::FormatFailure),
    );
    assert_eq!(rep.indication(), Indication::Failed);
    // BER lengths and superfluous zeros, as encoders in the field write them (issue 16): the
    // same r and s, so the signature verifies, each departure named as a WARNING.
    for (what, value) in [
        ("long-form length", long_form),
        ("non-minimal integer", non_minimal),
    ] {
        let rep = verify(&with_signature_value(&sig, value), b"d");
        assert_check(&rep, CheckId::SignerSignature, Outcome::Passed, None);
        let warning = rep
            .checks
            .iter()
            .find(|c| c.id == CheckId::Encoding)
            .unwrap_or_else(|| panic!("{what}: no encoding warning"));
        assert_eq!(warning.outcome, Outcome::Warning);
        assert!(
            warning.detail.contains("SES_Signature.signature"),
            "{what}: {}",
            warning.detail
        );
    }
    // The raw r‖s form seen in the field is accepted (formats.md E9).
    let parsed = eseal_gm::Sm2Signature::from_der(&der).unwrap();
    let rep = verify(&with_signature_value(&sig, parsed.to_raw().to_vec()), b"d");
    assert_check(&rep, CheckId::SignerSignature, Outcome::Passed, None);
}

#[test]
fn tolerant_decoding_keeps_signed_bytes() {
    let f = fixture();
    let seal = make(&f, &request(&f, Version::V4));
    let raw = seal.raw();
    // Outer SEQUENCE length rewritten in a non-minimal long form, plus trailing padding.
    let (tlv, _) = eseal_ses::ber::first_tlv(raw).unwrap();
    let mut ber = vec![0x30, 0x84];
    ber.extend(u32::try_from(tlv.value.len()).unwrap().to_be_bytes());
    ber.extend(tlv.value);
    ber.extend([0u8; 7]);
    let (decoded, notes) = AnySeal::decode(&ber).unwrap();
    assert!(notes.ber_lengths);
    assert_eq!(notes.trailing_bytes, 7);
    assert_eq!(
        decoded.to_der().unwrap(),
        raw,
        "re-encoding gives the canonical DER"
    );
    let r = verify_seal(
        &decoded,
        SIGNING,
        &VerifyPolicy::default(),
        &SoftwareVerifier,
    );
    assert_check(&r, CheckId::MakerSignature, Outcome::Passed, None);

    // Wrapped in an OCTET STRING.
    let mut wrapped = vec![0x04, 0x82];
    wrapped.extend(u16::try_from(raw.len()).unwrap().to_be_bytes());
    wrapped.extend(raw);
    let (decoded, notes) = AnySeal::decode(&wrapped).unwrap();
    assert!(notes.octet_string_wrapped);
    assert_eq!(decoded.raw(), raw);
}

#[test]
fn explicit_critical_false_and_swapped_time_types_are_kept() {
    let f = fixture();
    let mut r = request(&f, Version::V4);
    let ext = ExtData {
        extn_id: der::asn1::ObjectIdentifier::new_unwrap("1.2.156.10197.6.7.2.2.1"),
        critical: Some(false),
        extn_value: b"2.1".to_vec(),
    };
    r.ext_datas = Some(ExtensionDatas(vec![ExtDataItem::Ext(ext.clone())]));
    let seal = make(&f, &r);
    assert!(
        seal.raw().windows(3).any(|w| w == [0x01, 0x01, 0x00]),
        "explicit FALSE is written"
    );
    let (decoded, _) = AnySeal::decode(seal.raw()).unwrap();
    let AnySeal::V4(s) = &decoded else { panic!() };
    let entries: Vec<_> = s
        .e_seal_info
        .ext_datas
        .as_ref()
        .unwrap()
        .entries()
        .cloned()
        .collect();
    assert_eq!(entries, vec![ext]);
    let rep = verify_seal(
        &decoded,
        SIGNING,
        &VerifyPolicy::default(),
        &SoftwareVerifier,
    );
    assert_check(&rep, CheckId::MakerSignature, Outcome::Passed, None);

    // A v4 seal whose dates are UTCTime (swapped types) decodes with the right instants.
    let AnySeal::V4(orig) = make(&f, &request(&f, Version::V4)) else {
        panic!()
    };
    let mut info = orig.e_seal_info.clone();
    info.property.valid_end =
        eseal_ses::asn1_time::SesTime::utc(datetime!(2026-12-31 00:00 UTC)).unwrap();
    let info =
        v4::SesSealInfo::new(info.header, info.es_id, info.property, info.picture, None).unwrap();
    let sig = f
        .maker
        .key
        .sign(&eseal_gm::SignerId::default(), info.raw())
        .unwrap();
    let swapped = v4::SeSeal::new(
        info,
        f.maker.cert.clone(),
        eseal_gm::oid::SM2_WITH_SM3,
        sig.to_der(),
    )
    .unwrap();
    let (decoded, _) = AnySeal::decode(v4_raw(&swapped)).unwrap();
    assert_eq!(
        decoded.view().unwrap().valid_end,
        datetime!(2026-12-31 00:00 UTC)
    );
    let rep = verify_seal(
        &decoded,
        SIGNING,
        &policy_revoking(&f, &[]),
        &SoftwareVerifier,
    );
    assert_eq!(rep.indication(), Indication::Passed, "{rep:#?}");
}

fn v4_raw(s: &v4::SeSeal) -> &[u8] {
    use eseal_ses::v4::EmbeddedSeal;
    s.raw()
}

#[test]
fn timestamp_and_ext_datas_tag_modes_round_trip() {
    // SES_Signature.timeStamp as EXPLICIT [0] (what eseal writes) and IMPLICIT [0].
    let f = fixture();
    let AnySignature::V4(s) = sign(&f, &make(&f, &request(&f, Version::V4)), b"d") else {
        panic!()
    };
    for mode in [TagMode::Explicit, TagMode::Implicit] {
        let ts = v4::TimeStampField {
            token: vec![0x30, 0x00],
            mode,
        };
        let with_ts = v4::SesSignature::new(
            s.to_sign.clone(),
            s.cert.clone(),
            s.signature_alg_id,
            s.signature.clone(),
            Some(ts.clone()),
        )
        .unwrap();
        let (decoded, _) = AnySignature::decode(with_ts.raw()).unwrap();
        let AnySignature::V4(d) = &decoded else {
            panic!()
        };
        assert_eq!(d.time_stamp.as_ref(), Some(&ts));
        assert_eq!(decoded.to_der().unwrap(), with_ts.raw());
    }
}

#[test]
fn bad_input_is_a_clear_error_with_position() {
    for (input, kind) in [
        (&[][..], SesErrorKind::Truncated),
        (&[0x30, 0x05, 0x02][..], SesErrorKind::Truncated),
        (
            &[0x30, 0x03, 0x02, 0x01, 0x01][..],
            SesErrorKind::UnknownLayout,
        ),
    ] {
        let err = AnySeal::decode(input).unwrap_err();
        assert_eq!(err.kind(), kind, "{input:?}: {err}");
        assert!(err.position().is_some());
    }
    let err = AnySignature::decode(&[0x30, 0x03, 0x02, 0x01, 0x01]).unwrap_err();
    assert_eq!(err.kind(), SesErrorKind::UnknownLayout);
}

fn token(tsa: &Party, imprinted: &[u8], at: OffsetDateTime) -> Vec<u8> {
    eseal_ses::timestamp::make_token(
        imprinted,
        at,
        7,
        &der::asn1::ObjectIdentifier::new_unwrap("1.2.156.112562.1.1"),
        &tsa.cert,
        &SoftwareSigner::new(tsa.key.clone()),
    )
    .unwrap()
}

fn with_timestamp(sig: &AnySignature, token: Vec<u8>) -> AnySignature {
    let AnySignature::V4(s) = sig else { panic!() };
    let ts = v4::TimeStampField::explicit(token);
    AnySignature::V4(
        v4::SesSignature::new(
            s.to_sign.clone(),
            s.cert.clone(),
            s.signature_alg_id,
            s.signature.clone(),
            Some(ts),
        )
        .unwrap(),
    )
}

#[test]
fn signature_timestamp_verifies_and_proves_existence() {
    let f = fixture();
    let seal = make(&f, &request(&f, Version::V4));
    let sig = sign(&f, &seal, b"d");
    let AnySignature::V4(s) = &sig else { panic!() };
    let stamped = with_timestamp(
        &sig,
        token(&f.tsa, &s.signature, SIGNING + time::Duration::seconds(2)),
    );
    let (decoded, _) = AnySignature::decode(stamped.raw()).unwrap();
    let r = verify(&decoded, b"d");
    assert_check(&r, CheckId::SignatureTimestamp, Outcome::Passed, None);
    assert_eq!(r.indication(), Indication::Passed, "{r:#?}");

    // A claimed time after the certificate ended, but a timestamp inside its validity: the
    // timestamp is the proof of existence, so the time checks pass.
    let mut req = request(&f, Version::V4);
    req.valid_end = datetime!(2028-01-01 00:00 UTC);
    let seal = make(&f, &req);
    let late = sign_at(&f, &seal, datetime!(2027-06-01 00:00 UTC));
    let AnySignature::V4(s) = &late else { panic!() };
    let stamped = with_timestamp(
        &late,
        token(&f.tsa, &s.signature, datetime!(2026-12-01 00:00 UTC)),
    );
    let r = verify(&stamped, b"d");
    assert_check(
        &r,
        CheckId::SignerCertificateAtSigningTime,
        Outcome::Passed,
        None,
    );
    assert_check(&r, CheckId::SigningTime, Outcome::Warning, None);
}

#[test]
fn bad_timestamps_fail_with_the_reason() {
    let f = fixture();
    let sig = sign(&f, &make(&f, &request(&f, Version::V4)), b"d");
    let AnySignature::V4(s) = &sig else { panic!() };
    let cases = [
        (
            "imprint of something else",
            token(&f.tsa, b"another signature", SIGNING),
            "messageImprint",
        ),
        (
            "TSA without timeStamping usage",
            token(&f.other, &s.signature, SIGNING),
            "timeStamping",
        ),
        (
            "genTime outside the TSA certificate",
            token(&f.tsa, &s.signature, datetime!(2030-01-01 00:00 UTC)),
            "outside the TSA",
        ),
    ];
    for (what, tok, expect) in cases {
        let r = verify(&with_timestamp(&sig, tok), b"d");
        let c = r.check(CheckId::SignatureTimestamp).unwrap();
        assert_eq!(
            (c.outcome, c.sub_indication),
            (Outcome::Failed, Some(SubIndication::TimestampFailure)),
            "{what}"
        );
        assert!(c.detail.contains(expect), "{what}: {}", c.detail);
    }
    // A token changed after the TSA signed it: the serial number is inside TSTInfo.
    let good = token(&f.tsa, &s.signature, SIGNING);
    let tampered = replace(&good, &[0x02, 0x01, 0x07], &[0x02, 0x01, 0x08]);
    let r = verify(&with_timestamp(&sig, tampered), b"d");
    let c = r.check(CheckId::SignatureTimestamp).unwrap();
    assert_eq!(c.outcome, Outcome::Failed, "{}", c.detail);
    assert!(c.detail.contains("messageDigest"), "{}", c.detail);
}

#[test]
fn v5_seal_timestamp_must_follow_creation() {
    let f = fixture();
    let mut req = request(&f, Version::V5);
    req.create_date = T0 + time::Duration::days(10);
    let AnySeal::V5(seal) = make(&f, &req) else {
        panic!()
    };
    for (at, outcome, says) in [
        (T0 + time::Duration::days(11), Outcome::Passed, "genTime"),
        (T0 + time::Duration::days(1), Outcome::Failed, "createDate"),
    ] {
        let tok = token(&f.tsa, &seal.signed_value, at);
        let stamped = eseal_ses::v5::SeSeal::new(
            seal.e_seal_info.clone(),
            seal.cert.clone(),
            seal.sign_alg_id,
            seal.signed_value.clone(),
            Some(v4::TimeStampField::explicit(tok)),
        )
        .unwrap();
        let (decoded, _) = AnySeal::decode(v5_raw(&stamped)).unwrap();
        let r = verify_seal(
            &decoded,
            SIGNING,
            &VerifyPolicy::default(),
            &SoftwareVerifier,
        );
        let last = r
            .checks
            .iter()
            .rev()
            .find(|c| c.id == CheckId::SealTimestamp)
            .unwrap();
        assert_eq!(last.outcome, outcome, "{r:#?}");
        assert!(last.detail.contains(says), "{}", last.detail);
    }
}

fn v5_raw(s: &eseal_ses::v5::SeSeal) -> &[u8] {
    use eseal_ses::v4::EmbeddedSeal;
    s.raw()
}

/// A remembered decode is the decode: the same fields for the same bytes, a different
/// certificate decoded afresh, a damaged one refused as without the memo, and the memo
/// bounded (after more certificates than it keeps, the first still decodes the same).
#[test]
fn remembered_certificates_decode_as_without_the_memo() {
    use eseal_ses::cert::{CertificateInfo, MEMO_ENTRIES};
    let f = fixture();
    let show = |i: &CertificateInfo| {
        format!(
            "{} {} {} {} {} {:?} {:?} {:?}",
            i.subject,
            i.issuer,
            i.serial,
            i.not_before,
            i.not_after,
            i.public_key.as_ref().ok(),
            i.issuer_der,
            i.serial_bytes
        )
    };
    let fresh = CertificateInfo::from_der(&f.signer.cert).unwrap();
    for _ in 0..3 {
        let again = CertificateInfo::from_der_remembered(&f.signer.cert).unwrap();
        assert_eq!(show(&again), show(&fresh));
    }
    let maker = CertificateInfo::from_der_remembered(&f.maker.cert).unwrap();
    assert_ne!(show(&maker), show(&fresh));
    assert_eq!(
        show(&maker),
        show(&CertificateInfo::from_der(&f.maker.cert).unwrap())
    );
    let mut damaged = f.signer.cert.clone();
    let last = damaged.len() - 1;
    damaged.truncate(last);
    assert_eq!(
        CertificateInfo::from_der_remembered(&damaged).unwrap_err(),
        CertificateInfo::from_der(&damaged).unwrap_err()
    );
    // More distinct certificates than the memo keeps, then the first again.
    for i in 0..MEMO_ENTRIES + 2 {
        let (_, der) = certificate_with_serial(&f, 1000 + i as u64);
        let got = CertificateInfo::from_der_remembered(&der).unwrap();
        assert_eq!(show(&got), show(&CertificateInfo::from_der(&der).unwrap()));
    }
    assert_eq!(
        show(&CertificateInfo::from_der_remembered(&f.signer.cert).unwrap()),
        show(&fresh)
    );
}

/// A self-signed certificate under the fixture's root key with serial `serial` (distinct
/// bytes for each serial).
fn certificate_with_serial(f: &Fixture, serial: u64) -> (u64, Vec<u8>) {
    let signer = SoftwareSigner::new(f.root_key.clone());
    let der = issue_certificate(
        &IssueRequest {
            subject: "CN=Memo,C=CN".parse().unwrap(),
            crl_distribution_point: None,
            ocsp_url: None,
            public_key: f.root_key.public_key(),
            kind: CertificateKind::Root,
            not_before: T0,
            not_after: datetime!(2036-01-01 00:00 UTC),
            serial: serial.to_be_bytes().to_vec(),
        },
        Issuer {
            certificate: None,
            signer: &signer,
        },
    )
    .unwrap();
    (serial, der)
}
