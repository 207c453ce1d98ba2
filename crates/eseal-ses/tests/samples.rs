#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! The real seals and signatures in `../shared/samples/` (made by ofdrw with BouncyCastle; see
//! its NOTES.md). Each must parse, re-encode byte-identically (all are DER) and verify, or fail
//! for the exact reason asserted here (testdata/ses/NOTES.md explains each).

use eseal_gm::provider::SoftwareVerifier;
use eseal_ses::{
    AnySeal, AnySignature, CheckId, Indication, Outcome, SignedData, StructureKind, SubIndication,
    VerifyPolicy, Version, detect, verify_seal, verify_signature,
};
use eseal_testkit::samples;
use time::macros::datetime;

fn read(name: &str) -> Option<Vec<u8>> {
    let dir = samples()?;
    Some(std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}")))
}

fn seal(name: &str) -> Option<AnySeal> {
    let bytes = read(name)?;
    assert_eq!(detect(&bytes).unwrap(), StructureKind::Seal, "{name}");
    let (seal, notes) = AnySeal::decode(&bytes).unwrap();
    assert_eq!(notes.trailing_bytes, 0);
    assert!(!notes.ber_lengths, "{name} is DER");
    assert_eq!(
        seal.to_der().unwrap(),
        bytes,
        "{name} must re-encode byte-identically"
    );
    assert_eq!(eseal_ses::any::check_reencoding(&bytes), Ok(true), "{name}");
    Some(seal)
}

fn signature(name: &str) -> Option<AnySignature> {
    let bytes = read(name)?;
    assert_eq!(detect(&bytes).unwrap(), StructureKind::Signature, "{name}");
    let (sig, notes) = AnySignature::decode(&bytes).unwrap();
    assert!(!notes.ber_lengths, "{name} is DER");
    assert_eq!(
        sig.to_der().unwrap(),
        bytes,
        "{name} must re-encode byte-identically"
    );
    assert_eq!(eseal_ses::any::check_reencoding(&bytes), Ok(true), "{name}");
    Some(sig)
}

fn policy() -> VerifyPolicy {
    VerifyPolicy::default()
}

/// Every check passed (or warned, or does not apply) except the maker's chain, which is
/// INDETERMINATE: the samples chain to ofdrw's test root, which is in no trust store here
/// (eseal-pki's tests validate that chain with the root added: still INDETERMINATE, no CRL).
fn assert_passed_but_untrusted(r: &eseal_ses::Report) {
    for c in &r.checks {
        if c.id == CheckId::MakerCertificateChain || c.id == CheckId::SignerCertificateChain {
            assert_eq!(
                (c.outcome, c.sub_indication),
                (
                    Outcome::Indeterminate,
                    Some(SubIndication::NoCertificateChainFound)
                )
            );
        } else {
            assert!(
                matches!(
                    c.outcome,
                    Outcome::Passed | Outcome::Warning | Outcome::NotApplicable
                ),
                "{c:#?}"
            );
        }
    }
    assert_eq!(r.indication(), Indication::Indeterminate);
}

#[test]
#[cfg_attr(
    eseal_skip_samples,
    ignore = "needs the real-world samples: ../shared/samples or ESEAL_SAMPLES"
)]
fn user_v1_seal_verifies_with_the_wrapper_rule() {
    let Some(s) = seal("UserV1.esl") else { return };
    assert_eq!(s.version(), Version::V1);
    let view = s.view().unwrap();
    assert_eq!(view.name.text(), "OFDRW测试用印章");
    assert_eq!(view.header_version, 1);
    assert_eq!(view.vid.text(), "OFDR&WTest");
    assert_eq!((view.picture.width, view.picture.height), (40, 40));
    // Verified at a time inside its validity (2020-04-22 .. 2022-04-22).
    let r = verify_seal(
        &s,
        datetime!(2021-01-01 00:00 UTC),
        &policy(),
        &SoftwareVerifier,
    );
    assert_passed_but_untrusted(&r);
    assert_eq!(r.outcome(CheckId::MakerSignature), Some(Outcome::Passed));
}

#[test]
#[cfg_attr(
    eseal_skip_samples,
    ignore = "needs the real-world samples: ../shared/samples or ESEAL_SAMPLES"
)]
fn user_v4_seal_verifies_and_is_expired_now() {
    let Some(s) = seal("UserV4.esl") else { return };
    assert_eq!(s.version(), Version::V4);
    assert_eq!(s.view().unwrap().name.text(), "OFD R&W 测试用印章");
    let r = verify_seal(
        &s,
        datetime!(2021-01-01 00:00 UTC),
        &policy(),
        &SoftwareVerifier,
    );
    assert_passed_but_untrusted(&r);
    let now = verify_seal(
        &s,
        datetime!(2026-11-25 00:00 UTC),
        &policy(),
        &SoftwareVerifier,
    );
    assert_eq!(now.outcome(CheckId::MakerSignature), Some(Outcome::Passed));
    let c = now.check(CheckId::SealValidity).unwrap();
    assert_eq!(
        (c.outcome, c.sub_indication),
        (Outcome::Failed, Some(SubIndication::Expired))
    );
}

#[test]
#[cfg_attr(
    eseal_skip_samples,
    ignore = "needs the real-world samples: ../shared/samples or ESEAL_SAMPLES"
)]
fn user_v5_seal_created_after_maker_certificate_expired_warns() {
    let Some(s) = seal("UserV5.esl") else { return };
    assert_eq!(s.version(), Version::V5);
    let r = verify_seal(
        &s,
        datetime!(2026-11-25 00:00 UTC),
        &policy(),
        &SoftwareVerifier,
    );
    assert_eq!(r.outcome(CheckId::MakerSignature), Some(Outcome::Passed));
    // createDate 2026-04-24 is after the maker certificate's end (2022-04-21): a warning by
    // default, a failure under the strict policy.
    assert_eq!(
        r.outcome(CheckId::MakerCertificateAtCreation),
        Some(Outcome::Warning)
    );
    assert_passed_but_untrusted(&r);
    let strict = VerifyPolicy {
        maker_certificate_at_creation: eseal_ses::verify::CreationPolicy::Strict,
        ..VerifyPolicy::default()
    };
    let r = verify_seal(
        &s,
        datetime!(2026-11-25 00:00 UTC),
        &strict,
        &SoftwareVerifier,
    );
    assert_eq!(
        r.outcome(CheckId::MakerCertificateAtCreation),
        Some(Outcome::Failed)
    );
}

#[test]
#[cfg_attr(
    eseal_skip_samples,
    ignore = "needs the real-world samples: ../shared/samples or ESEAL_SAMPLES"
)]
fn user_v5_ts_seal_has_a_dummy_timestamp_that_fails() {
    let Some(s) = seal("UserV5_ts.esl") else {
        return;
    };
    let AnySeal::V5(v5) = &s else {
        panic!("expected v5")
    };
    let ts = v5.time_stamp.as_ref().unwrap();
    assert_eq!(ts.token, vec![1, 2, 3]);
    assert_eq!(ts.mode, eseal_ses::common::TagMode::Explicit);
    let r = verify_seal(
        &s,
        datetime!(2026-11-25 00:00 UTC),
        &policy(),
        &SoftwareVerifier,
    );
    assert_eq!(r.outcome(CheckId::MakerSignature), Some(Outcome::Passed));
    let c = r.check(CheckId::SealTimestamp).unwrap();
    assert_eq!(
        (c.outcome, c.sub_indication),
        (Outcome::Failed, Some(SubIndication::TimestampFailure))
    );
}

#[test]
#[cfg_attr(
    eseal_skip_samples,
    ignore = "needs the real-world samples: ../shared/samples or ESEAL_SAMPLES"
)]
fn signed_value_v4_verifies_except_its_zero_data_hash() {
    let Some(sig) = signature("SignedValueV4.dat") else {
        return;
    };
    assert_eq!(sig.version(), Version::V4);
    // Its embedded seal is UserV4.esl byte for byte.
    let user_v4 = read("UserV4.esl").unwrap();
    assert_eq!(sig.seal().raw(), user_v4.as_slice());
    let view = sig.view();
    assert_eq!(
        view.data_hash,
        &[0u8; 32][..],
        "ofdrw's test wrote 32 zero bytes"
    );
    let r = verify_signature(&sig, SignedData::NotProvided, &policy(), &SoftwareVerifier);
    for id in [
        CheckId::SignerSignature,
        CheckId::MakerSignature,
        CheckId::SignerInSeal,
        CheckId::SealValidAtSigningTime,
        CheckId::SignerCertificateAtSigningTime,
    ] {
        assert_eq!(r.outcome(id), Some(Outcome::Passed), "{id:?}: {r:#?}");
    }
    assert_eq!(r.indication(), Indication::Indeterminate);
    assert_eq!(r.sub_indication(), Some(SubIndication::SignedDataNotFound));
    // Checked against some data, the zero hash fails as a hash failure.
    let r = verify_signature(
        &sig,
        SignedData::Digest(eseal_gm::Sm3Digest::of(b"any document")),
        &policy(),
        &SoftwareVerifier,
    );
    assert_eq!(r.indication(), Indication::Failed);
    assert_eq!(r.sub_indication(), Some(SubIndication::HashFailure));
}

#[test]
#[cfg_attr(
    eseal_skip_samples,
    ignore = "needs the real-world samples: ../shared/samples or ESEAL_SAMPLES"
)]
fn signed_value_v5_signer_certificate_expired_before_signing() {
    let Some(sig) = signature("SignedValueV5.dat") else {
        return;
    };
    assert_eq!(sig.version(), Version::V5);
    let r = verify_signature(&sig, SignedData::NotProvided, &policy(), &SoftwareVerifier);
    assert_eq!(r.outcome(CheckId::SignerSignature), Some(Outcome::Passed));
    assert_eq!(r.outcome(CheckId::MakerSignature), Some(Outcome::Passed));
    // timeInfo 2026-04-24 is after the signer certificate's end (2022-04-21), and no timestamp
    // proves an earlier time: INDETERMINATE / OUT_OF_BOUNDS_NO_POE.
    let c = r.check(CheckId::SignerCertificateAtSigningTime).unwrap();
    assert_eq!(
        (c.outcome, c.sub_indication),
        (
            Outcome::Indeterminate,
            Some(SubIndication::OutOfBoundsNoPoe)
        )
    );
    assert_eq!(r.indication(), Indication::Indeterminate);
}

#[test]
#[cfg_attr(
    eseal_skip_samples,
    ignore = "needs the real-world samples: ../shared/samples or ESEAL_SAMPLES"
)]
fn signature_sample_seals_verify_as_seals() {
    for name in ["SignedValueV4.dat", "SignedValueV5.dat"] {
        let Some(sig) = signature(name) else { return };
        let r = verify_seal(
            &sig.seal(),
            sig.view().signing_time.unwrap(),
            &policy(),
            &SoftwareVerifier,
        );
        assert_eq!(
            r.outcome(CheckId::MakerSignature),
            Some(Outcome::Passed),
            "{name}"
        );
        assert_eq!(
            r.outcome(CheckId::SealValidity),
            Some(Outcome::Passed),
            "{name}"
        );
    }
}

/// Every `*.esl` and `*.dat` in the folder, including any added later: detected, decoded,
/// re-encoded byte-identically when DER, and its maker's signature verified.
#[test]
#[cfg_attr(
    eseal_skip_samples,
    ignore = "needs the real-world samples: ../shared/samples or ESEAL_SAMPLES"
)]
fn every_sample_file_parses_reencodes_and_its_maker_signature_verifies() {
    let Some(dir) = samples() else { return };
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default();
        if ext != "esl" && ext != "dat" {
            continue;
        }
        seen += 1;
        let bytes = std::fs::read(&path).unwrap();
        let name = path.display();
        let seal = match detect(&bytes).unwrap_or_else(|e| panic!("{name}: {e}")) {
            StructureKind::Seal => {
                let (seal, notes) =
                    AnySeal::decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
                if !notes.ber_lengths && notes.trailing_bytes == 0 {
                    assert_eq!(seal.to_der().unwrap(), bytes, "{name}");
                }
                seal
            }
            StructureKind::Signature => {
                let (sig, notes) =
                    AnySignature::decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
                if !notes.ber_lengths && notes.trailing_bytes == 0 {
                    assert_eq!(sig.to_der().unwrap(), bytes, "{name}");
                }
                let r =
                    verify_signature(&sig, SignedData::NotProvided, &policy(), &SoftwareVerifier);
                assert_eq!(
                    r.outcome(CheckId::SignerSignature),
                    Some(Outcome::Passed),
                    "{name}"
                );
                sig.seal()
            }
        };
        let r = verify_seal(
            &seal,
            datetime!(2026-11-25 00:00 UTC),
            &policy(),
            &SoftwareVerifier,
        );
        assert_eq!(
            r.outcome(CheckId::MakerSignature),
            Some(Outcome::Passed),
            "{name}"
        );
    }
    assert!(
        seen >= 6,
        "expected the six sample seals and signatures, found {seen}"
    );
}
