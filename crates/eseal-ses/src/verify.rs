//! Verification of seals and signatures (formats.md §6.3), producing a [`Report`].
//!
//! Every signature is checked over the bytes as received. Certificate chains and revocation
//! are evaluated by `eseal-pki`; the checks here use the certificates' own validity periods.

use crate::any::{AnySeal, AnySignature, CertListView, SealView, Version};
use crate::cert::CertificateInfo;
use crate::report::{CheckId, Outcome, Report, SubIndication};
use eseal_gm::provider::Sm2Verifier;
use eseal_gm::sm2::SignatureEncoding;
use eseal_gm::{SignerId, Sm3Digest};
use time::OffsetDateTime;

/// What to do when a seal's createDate is outside its maker certificate's validity (a quirk
/// of genuine tax-invoice seals, formats.md §6.3 / E19).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CreationPolicy {
    /// Report a warning (default).
    #[default]
    Warn,
    /// Fail the seal.
    Strict,
}

/// Which certificate a chain validation is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateRole {
    /// The seal maker's (制章者) certificate, validated at the seal's createDate.
    Maker,
    /// The signer's (签章者) certificate, validated at the signing time.
    Signer,
}

/// The verdict of a chain validation, for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainVerdict {
    /// Passed, Failed, Indeterminate or Warning.
    pub outcome: Outcome,
    /// Why, when not passed.
    pub sub_indication: Option<SubIndication>,
    /// The evidence (path, the check that decided).
    pub detail: String,
}

/// Chain building, validity, key usage and revocation against trust anchors. `eseal-pki`
/// provides the implementation; this crate only asks (style rule 3: injected, not built in).
pub trait CertificateValidator: Send + Sync {
    /// Validate the DER certificate `cert` at `at` for `role`.
    fn validate(&self, cert: &[u8], at: OffsetDateTime, role: CertificateRole) -> ChainVerdict;
}

/// Verification settings.
#[derive(Clone)]
pub struct VerifyPolicy {
    /// The signer ID for Z (default `1234567812345678`).
    pub signer_id: SignerId,
    /// See [`CreationPolicy`].
    pub maker_certificate_at_creation: CreationPolicy,
    /// Chain validation; without one, the chain checks are INDETERMINATE
    /// (NO_CERTIFICATE_CHAIN_FOUND): nothing says the certificates are trusted.
    pub chain_validator: Option<std::sync::Arc<dyn CertificateValidator>>,
    /// The time the verification is made as of, for the checks that have no signing time to
    /// go by (a Type=Sign OFD signature's certificate): `None` is the caller's now.
    pub now: Option<OffsetDateTime>,
}

impl std::fmt::Debug for VerifyPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyPolicy")
            .field("signer_id", &self.signer_id)
            .field(
                "maker_certificate_at_creation",
                &self.maker_certificate_at_creation,
            )
            .field("chain_validator", &self.chain_validator.is_some())
            .field("now", &self.now)
            .finish()
    }
}

impl Default for VerifyPolicy {
    fn default() -> Self {
        Self {
            signer_id: SignerId::default(),
            maker_certificate_at_creation: CreationPolicy::Warn,
            chain_validator: None,
            now: None,
        }
    }
}

fn chain_check(
    report: &mut Report,
    policy: &VerifyPolicy,
    id: CheckId,
    cert: &[u8],
    at: OffsetDateTime,
    role: CertificateRole,
) {
    match &policy.chain_validator {
        None => report.indeterminate(
            id,
            SubIndication::NoCertificateChainFound,
            "no trust store is configured, so the certificate cannot be traced to a trust anchor (give --trust DIR)",
        ),
        Some(v) => {
            let verdict = v.validate(cert, at, role);
            report.push(id, verdict.outcome, verdict.sub_indication, verdict.detail);
        }
    }
}

/// The data a signature is checked against.
#[derive(Debug, Clone, Copy)]
pub enum SignedData {
    /// The SM3 digest of the original (computed by the caller, e.g. streamed from a file).
    Digest(Sm3Digest),
    /// The original is not available: the data-hash check is indeterminate.
    NotProvided,
}

fn fmt_time(t: OffsetDateTime) -> String {
    let f = time::format_description::well_known::Rfc3339;
    t.format(&f).unwrap_or_else(|_| t.to_string())
}

fn check_algorithm(report: &mut Report, id: CheckId, oid: der::asn1::ObjectIdentifier) -> bool {
    if oid == eseal_gm::oid::SM2_WITH_SM3 {
        report.pass(id, format!("{oid} (SM2-with-SM3)"));
        true
    } else {
        report.indeterminate(
            id,
            SubIndication::CryptoConstraintsFailure,
            format!("algorithm {oid} is not SM2-with-SM3 (1.2.156.10197.1.501); not supported"),
        );
        false
    }
}

/// Decode a certificate for a check; a certificate without an SM2 key is indeterminate.
fn certificate_check(report: &mut Report, id: CheckId, der: &[u8]) -> Option<CertificateInfo> {
    match CertificateInfo::from_der(der) {
        Ok(info) => match &info.public_key {
            Ok(_) => {
                report.pass(
                    id,
                    format!(
                        "subject {}; serial {}; valid {} .. {}",
                        info.subject,
                        info.serial,
                        fmt_time(info.not_before),
                        fmt_time(info.not_after)
                    ),
                );
                Some(info)
            }
            Err(why) => {
                report.indeterminate(id, SubIndication::CryptoConstraintsFailure, why.clone());
                None
            }
        },
        Err(why) => {
            report.indeterminate(id, SubIndication::SignedDataNotFound, why);
            None
        }
    }
}

/// Verify `value` over `signed` with the certificate's key (`None`: no usable certificate or
/// algorithm, so the check is indeterminate).
#[allow(clippy::too_many_arguments)] // one call per signature kind; a struct would only rename them
fn signature_check(
    report: &mut Report,
    id: CheckId,
    certificate: Option<&CertificateInfo>,
    signer_id: &SignerId,
    signed: &[u8],
    value: &[u8],
    what: &str,
    verifier: &dyn Sm2Verifier,
    mismatch: &str,
) {
    let Some(key) = certificate.and_then(|c| c.public_key.as_ref().ok()) else {
        report.indeterminate(
            id,
            SubIndication::SignedDataNotFound,
            "not verified: no usable certificate or algorithm",
        );
        return;
    };
    let field = match id {
        CheckId::MakerSignature => "SESeal.signedValue",
        CheckId::SignerSignature => "SES_Signature.signature",
        _ => "signature",
    };
    match crate::sigvalue::decode(value, field) {
        Err(why) => report.fail(
            id,
            SubIndication::FormatFailure,
            format!("signature value is not an SM2 signature: {why}"),
        ),
        Ok((sig, enc, quirks)) => {
            report.quirks(&quirks);
            match verifier.verify(key, signer_id, signed, &sig) {
                Ok(()) => report.pass(
                    id,
                    format!(
                        "verifies over the {} bytes of {what}{}",
                        signed.len(),
                        if enc == SignatureEncoding::RawRs {
                            " (signature as raw r||s, not DER)"
                        } else {
                            ""
                        }
                    ),
                ),
                Err(_) => report.fail(id, SubIndication::SigCryptoFailure, mismatch),
            }
        }
    }
}

/// Verify the seal alone: its maker signature, and its validity at `at` (usually now).
pub fn verify_seal(
    seal: &AnySeal,
    at: OffsetDateTime,
    policy: &VerifyPolicy,
    verifier: &dyn Sm2Verifier,
) -> Report {
    let mut report = Report::default();
    let view = match seal.view() {
        Ok(v) => v,
        Err(e) => {
            report.fail(
                CheckId::Structure,
                SubIndication::FormatFailure,
                e.to_string(),
            );
            return report;
        }
    };
    report.pass(
        CheckId::Structure,
        format!("SESeal {}", view.version.name()),
    );
    report.quirks(&seal.quirks());
    seal_checks(&mut report, &view, policy, verifier);
    validity_window(
        &mut report,
        CheckId::SealValidity,
        &view,
        at,
        SubIndication::Expired,
        "now",
    );
    chain_check(
        &mut report,
        policy,
        CheckId::MakerCertificateChain,
        view.maker_cert,
        view.create_date,
        CertificateRole::Maker,
    );
    report
}

fn validity_window(
    report: &mut Report,
    id: CheckId,
    view: &SealView<'_>,
    at: OffsetDateTime,
    after_end: SubIndication,
    what: &str,
) {
    let window = format!(
        "{} .. {}",
        fmt_time(view.valid_start),
        fmt_time(view.valid_end)
    );
    if at < view.valid_start {
        report.fail(
            id,
            SubIndication::NotYetValid,
            format!(
                "{what} {} is before the seal's validity {window}",
                fmt_time(at)
            ),
        );
    } else if at > view.valid_end {
        let detail = format!(
            "{what} {} is after the seal's validity {window}",
            fmt_time(at)
        );
        if after_end == SubIndication::OutOfBoundsNoPoe {
            report.indeterminate(id, after_end, detail);
        } else {
            report.fail(id, after_end, detail);
        }
    } else {
        report.pass(id, format!("{what} {} within {window}", fmt_time(at)));
    }
}

/// The checks of the seal itself (formats.md §6.3 "Seal"), shared by seal and signature
/// verification.
fn seal_checks(
    report: &mut Report,
    view: &SealView<'_>,
    policy: &VerifyPolicy,
    verifier: &dyn Sm2Verifier,
) {
    let expected_header = match view.version {
        Version::V1 => 1,
        Version::V4 => 4,
        Version::V5 => 5,
    };
    match expected_header {
        v if v != view.header_version => report.push(
            CheckId::VersionConsistency,
            Outcome::Warning,
            None,
            format!(
                "SES_Header.version is {} in a {} layout",
                view.header_version,
                view.version.name()
            ),
        ),
        _ => report.pass(
            CheckId::VersionConsistency,
            format!(
                "SES_Header.version {} with the {} layout",
                view.header_version,
                view.version.name()
            ),
        ),
    }
    let alg_ok = check_algorithm(
        report,
        CheckId::SealSignatureAlgorithm,
        view.maker_algorithm,
    );
    let maker = certificate_check(report, CheckId::MakerCertificate, view.maker_cert);
    let what = if view.version == Version::V1 {
        "SEQUENCE{SES_SealInfo, cert, signatureAlgorithm}"
    } else {
        "SES_SealInfo"
    };
    signature_check(
        report,
        CheckId::MakerSignature,
        maker.as_ref().filter(|_| alg_ok),
        &policy.signer_id,
        &view.maker_signed_bytes,
        view.maker_signature,
        what,
        verifier,
        "the maker's signature does not verify over the seal information: the seal was altered or not signed by this maker certificate",
    );
    if let Some(info) = &maker {
        if info.valid_at(view.create_date) {
            report.pass(
                CheckId::MakerCertificateAtCreation,
                format!(
                    "createDate {} within the maker certificate's validity",
                    fmt_time(view.create_date)
                ),
            );
        } else {
            let detail = format!(
                "createDate {} is outside the maker certificate's validity {} .. {}",
                fmt_time(view.create_date),
                fmt_time(info.not_before),
                fmt_time(info.not_after)
            );
            match policy.maker_certificate_at_creation {
                CreationPolicy::Warn => report.push(
                    CheckId::MakerCertificateAtCreation,
                    Outcome::Warning,
                    None,
                    detail,
                ),
                CreationPolicy::Strict => report.fail(
                    CheckId::MakerCertificateAtCreation,
                    SubIndication::NotYetValid,
                    detail,
                ),
            }
        }
    }
    if let Some(gen_time) = timestamp_check(
        report,
        CheckId::SealTimestamp,
        view.time_stamp,
        view.maker_signature,
        verifier,
    ) && view.create_date > gen_time
    {
        report.fail(
            CheckId::SealTimestamp,
            SubIndication::TimestampFailure,
            format!(
                "createDate {} is after the seal timestamp's genTime {}",
                fmt_time(view.create_date),
                fmt_time(gen_time)
            ),
        );
    }
}

/// A timestamp token over `imprinted` (the signature value it stamps). Returns genTime when
/// the token verifies.
fn timestamp_check(
    report: &mut Report,
    id: CheckId,
    token: Option<&[u8]>,
    imprinted: &[u8],
    verifier: &dyn Sm2Verifier,
) -> Option<OffsetDateTime> {
    let Some(token) = token else {
        report.push(id, Outcome::NotApplicable, None, "no timestamp");
        return None;
    };
    let parsed = match crate::timestamp::TimeStampToken::decode(token) {
        Ok(t) => t,
        Err(e) => {
            report.fail(
                id,
                SubIndication::TimestampFailure,
                format!(
                    "the {}-byte timestamp field is not a timestamp token: {e}",
                    token.len()
                ),
            );
            return None;
        }
    };
    match parsed.verify(imprinted, verifier) {
        Ok(tsa) => {
            report.pass(
                id,
                format!(
                    "genTime {} from TSA {tsa}; the imprint matches the signature value",
                    fmt_time(parsed.gen_time)
                ),
            );
            Some(parsed.gen_time)
        }
        Err(why) => {
            report.fail(id, SubIndication::TimestampFailure, why);
            None
        }
    }
}

/// Verify a signature: the signer's signature, its binding to the seal, the seal, the times,
/// and the data digest.
pub fn verify_signature(
    signature: &AnySignature,
    data: SignedData,
    policy: &VerifyPolicy,
    verifier: &dyn Sm2Verifier,
) -> Report {
    let mut report = Report::default();
    let view = signature.view();
    let seal = signature.seal();
    let seal_view = match seal.view() {
        Ok(v) => v,
        Err(e) => {
            report.fail(
                CheckId::Structure,
                SubIndication::FormatFailure,
                e.to_string(),
            );
            return report;
        }
    };
    report.pass(
        CheckId::Structure,
        format!(
            "SES_Signature {} with an SESeal {}",
            view.version.name(),
            seal_view.version.name()
        ),
    );
    report.quirks(&signature.quirks());
    seal_checks(&mut report, &seal_view, policy, verifier);
    if view.version != Version::V1 && view.tbs_version != seal_view.header_version {
        report.push(
            CheckId::VersionConsistency,
            Outcome::Warning,
            None,
            format!(
                "TBS_Sign.version {} differs from the seal's header version {}",
                view.tbs_version, seal_view.header_version
            ),
        );
    }

    let alg_ok = check_algorithm(&mut report, CheckId::SignatureAlgorithm, view.algorithm);
    let signer = certificate_check(&mut report, CheckId::SignerCertificate, view.signer_cert);
    signature_check(
        &mut report,
        CheckId::SignerSignature,
        signer.as_ref().filter(|_| alg_ok),
        &policy.signer_id,
        view.to_be_signed,
        view.signature,
        "TBS_Sign as received",
        verifier,
        "the signer's signature does not verify over TBS_Sign: the signature data was altered or made with another key",
    );

    signer_in_seal(&mut report, &seal_view, view.signer_cert);
    let poe = timestamp_check(
        &mut report,
        CheckId::SignatureTimestamp,
        view.time_stamp,
        view.signature,
        verifier,
    );

    match view.signing_time {
        None => report.indeterminate(
            CheckId::SigningTime,
            SubIndication::SignedDataNotFound,
            format!("cannot read the signing time {:?}", view.signing_time_text),
        ),
        Some(claimed) => {
            let t = poe.unwrap_or(claimed);
            let how = if poe.is_some() {
                format!(
                    "timestamp genTime {} (proof of existence); claimed {}",
                    fmt_time(t),
                    fmt_time(claimed)
                )
            } else {
                format!(
                    "{} (claimed by the signer; no timestamp proves it)",
                    fmt_time(claimed)
                )
            };
            if poe.is_some_and(|g| claimed > g + time::Duration::minutes(10)) {
                report.push(
                    CheckId::SigningTime,
                    Outcome::Warning,
                    None,
                    format!("the claimed signing time is after the timestamp: {how}"),
                );
            } else {
                report.pass(CheckId::SigningTime, how);
            }
            let what = if poe.is_some() {
                "time proved by the timestamp"
            } else {
                "signing time"
            };
            validity_window(
                &mut report,
                CheckId::SealValidAtSigningTime,
                &seal_view,
                t,
                SubIndication::OutOfBoundsNoPoe,
                what,
            );
            if let Some(info) = &signer {
                let window = format!(
                    "{} .. {}",
                    fmt_time(info.not_before),
                    fmt_time(info.not_after)
                );
                if t < info.not_before {
                    report.fail(
                        CheckId::SignerCertificateAtSigningTime,
                        SubIndication::NotYetValid,
                        format!(
                            "{what} {} is before the signer certificate's validity {window}",
                            fmt_time(t)
                        ),
                    );
                } else if t > info.not_after {
                    report.indeterminate(
                        CheckId::SignerCertificateAtSigningTime,
                        SubIndication::OutOfBoundsNoPoe,
                        format!(
                            "{what} {} is after the signer certificate's validity {window}",
                            fmt_time(t)
                        ),
                    );
                } else {
                    report.pass(
                        CheckId::SignerCertificateAtSigningTime,
                        format!("{what} {} within {window}", fmt_time(t)),
                    );
                }
            }
        }
    }

    match data {
        SignedData::NotProvided => report.indeterminate(
            CheckId::DataHash,
            SubIndication::SignedDataNotFound,
            "the signed data was not provided",
        ),
        SignedData::Digest(d) => {
            let dropped = d.as_bytes().len().saturating_sub(view.data_hash.len());
            if view.data_hash == d.as_bytes() {
                report.pass(CheckId::DataHash, format!("SM3 {d} matches dataHash"));
            } else if (1..=2).contains(&dropped)
                && d.as_bytes().starts_with(view.data_hash)
                && d.as_bytes().iter().rev().take(dropped).all(|b| *b == 0)
            {
                // The encoder dropped the digest's final zero byte(s) (formats.md E9): the
                // signer's signature covers dataHash as written, and it is the digest.
                report.push_text(
                    CheckId::DataHash,
                    Outcome::Warning,
                    None,
                    format!(
                        "SM3 {d} 与 dataHash 一致；dataHash 只有 {} 字节，编码器丢弃了末尾 {dropped} 个零字节",
                        view.data_hash.len()
                    ),
                    format!(
                        "SM3 {d} matches dataHash, which has {} bytes: the encoder dropped the final {dropped} zero byte(s)",
                        view.data_hash.len()
                    ),
                );
            } else {
                report.fail(
                    CheckId::DataHash,
                    SubIndication::HashFailure,
                    format!(
                        "SM3 of the data is {d} but dataHash is {} ({} bytes): the data was changed after signing",
                        view.data_hash.iter().map(|b| format!("{b:02x}")).collect::<String>(),
                        view.data_hash.len()
                    ),
                );
            }
        }
    }
    chain_check(
        &mut report,
        policy,
        CheckId::MakerCertificateChain,
        seal_view.maker_cert,
        seal_view.create_date,
        CertificateRole::Maker,
    );
    if let Some(t) = poe.or(view.signing_time) {
        chain_check(
            &mut report,
            policy,
            CheckId::SignerCertificateChain,
            view.signer_cert,
            t,
            CertificateRole::Signer,
        );
    } else {
        report.indeterminate(
            CheckId::SignerCertificateChain,
            SubIndication::SignedDataNotFound,
            "no readable signing time to validate the signer certificate at",
        );
    }
    report
}

fn signer_in_seal(report: &mut Report, seal: &SealView<'_>, signer_cert: &[u8]) {
    match &seal.signer_certs {
        CertListView::Certs(certs) => {
            if let Some(i) = certs.iter().position(|c| *c == signer_cert) {
                report.pass(
                    CheckId::SignerInSeal,
                    format!(
                        "the signer certificate is entry {} of the seal's certList",
                        i + 1
                    ),
                );
            } else {
                report.fail(
                    CheckId::SignerInSeal,
                    SubIndication::SigConstraintsFailure,
                    format!(
                        "the signer certificate is none of the {} certificates the seal lists",
                        certs.len()
                    ),
                );
            }
        }
        CertListView::Digests(digests) => {
            let sm3 = Sm3Digest::of(signer_cert);
            let mut unknown = Vec::new();
            for (alg, value) in digests {
                let a = alg.trim().to_ascii_lowercase();
                if a == "sm3" || a == eseal_gm::oid::SM3.to_string() {
                    if *value == sm3.as_bytes() {
                        report.pass(
                            CheckId::SignerInSeal,
                            format!(
                                "the signer certificate's SM3 {sm3} is in the seal's certDigestList"
                            ),
                        );
                        return;
                    }
                } else {
                    unknown.push(alg.clone());
                }
            }
            if unknown.is_empty() {
                report.fail(
                    CheckId::SignerInSeal,
                    SubIndication::SigConstraintsFailure,
                    format!(
                        "the signer certificate's SM3 {sm3} is not in the seal's certDigestList"
                    ),
                );
            } else {
                report.indeterminate(
                    CheckId::SignerInSeal,
                    SubIndication::CryptoConstraintsFailure,
                    format!(
                        "no SM3 match; digest types not supported: {}",
                        unknown.join(", ")
                    ),
                );
            }
        }
    }
}
