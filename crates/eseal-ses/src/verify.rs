//! Verification of seals and signatures (formats.md §6.3), producing a [`Report`].
//!
//! Every signature is checked over the bytes as received. Certificate chains and revocation
//! are evaluated by `eseal-pki`; the checks here use the certificates' own validity periods.

use crate::any::{AnySeal, AnySignature, CertListView, SealView, Version};
use crate::cert::CertificateInfo;
use crate::report::{CheckId, Outcome, Report, SubIndication, Text};
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CertificateRole {
    /// The seal maker's (制章者) certificate, validated at the seal's createDate.
    Maker,
    /// The signer's (签章者) certificate, validated at the signing time.
    Signer,
    /// The signer's certificate of a signature that carries no signing time (GB/T 35275
    /// SignedData in the hash-as-content form), validated now.
    SignerNow,
    /// The signer's certificate of an RSA or ECDSA signature (another tool's PAdES
    /// signature of a PDF), validated at the signing time; its key need not be SM2.
    InternationalSigner,
}

/// The verdict of a chain validation, for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainVerdict {
    /// Passed, Failed, Indeterminate or Warning.
    pub outcome: Outcome,
    /// Why, when not passed.
    pub sub_indication: Option<SubIndication>,
    /// The evidence (path, the check that decided), in both languages.
    pub detail: Text,
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
    /// go by (a Type=Sign OFD signature's certificate). The libraries read no clock: the
    /// caller gives its now (the service its injected clock, the CLI the system's); `None`
    /// leaves those checks INDETERMINATE.
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
            Text::new(
                "未配置信任锚，无法把证书追溯到可信根（请用 --trust 目录给出信任锚）",
                "no trust store is configured, so the certificate cannot be traced to a trust anchor (give --trust DIR)",
            ),
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

/// A time in a report's evidence: RFC 3339 at Beijing time (`eseal_core::text::beijing`).
pub fn fmt_time(t: OffsetDateTime) -> String {
    eseal_core::text::beijing(t)
}

fn check_algorithm(report: &mut Report, id: CheckId, oid: der::asn1::ObjectIdentifier) -> bool {
    if oid == eseal_gm::oid::SM2_WITH_SM3 {
        report.pass(
            id,
            Text::new(
                format!("{oid}（SM2-with-SM3）"),
                format!("{oid} (SM2-with-SM3)"),
            ),
        );
        true
    } else {
        report.indeterminate(
            id,
            SubIndication::CryptoConstraintsFailure,
            Text::new(
                format!("算法 {oid} 不是 SM2-with-SM3（1.2.156.10197.1.501），不支持"),
                format!("algorithm {oid} is not SM2-with-SM3 (1.2.156.10197.1.501); not supported"),
            ),
        );
        false
    }
}

/// Decode a certificate for a check; a certificate without an SM2 key is indeterminate.
fn certificate_check(report: &mut Report, id: CheckId, der: &[u8]) -> Option<CertificateInfo> {
    match CertificateInfo::from_der_remembered(der) {
        Ok(info) => match &info.public_key {
            Ok(_) => {
                report.pass(
                    id,
                    Text::new(
                        format!(
                            "主体 {}；序列号 {}；有效期 {} 至 {}",
                            info.subject,
                            info.serial,
                            fmt_time(info.not_before),
                            fmt_time(info.not_after)
                        ),
                        format!(
                            "subject {}; serial {}; valid {} .. {}",
                            info.subject,
                            info.serial,
                            fmt_time(info.not_before),
                            fmt_time(info.not_after)
                        ),
                    ),
                );
                Some(info)
            }
            Err(why) => {
                report.indeterminate(
                    id,
                    SubIndication::CryptoConstraintsFailure,
                    why.prefixed("证书的公钥不可用", "the certificate's key cannot be used"),
                );
                None
            }
        },
        Err(why) => {
            report.indeterminate(
                id,
                SubIndication::SignedDataNotFound,
                why.prefixed("证书无法解析", "the certificate cannot be read"),
            );
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
    mismatch: Text,
) {
    let Some(key) = certificate.and_then(|c| c.public_key.as_ref().ok()) else {
        report.indeterminate(
            id,
            SubIndication::SignedDataNotFound,
            Text::new(
                "未核验：没有可用的证书或算法",
                "not verified: no usable certificate or algorithm",
            ),
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
            Text::new(
                format!("签名值不是 SM2 签名：{}", why.zh()),
                format!("signature value is not an SM2 signature: {why}"),
            ),
        ),
        Ok((sig, enc, quirks)) => {
            report.quirks(&quirks);
            match verifier.verify(key, signer_id, signed, &sig) {
                Ok(()) => {
                    let raw = enc == SignatureEncoding::RawRs;
                    report.pass(
                        id,
                        Text::new(
                            format!(
                                "对所收到的 {what}（{} 字节）验证通过{}",
                                signed.len(),
                                if raw {
                                    "（签名为 r‖s 原始格式，非 DER）"
                                } else {
                                    ""
                                }
                            ),
                            format!(
                                "verifies over the {} bytes of {what} as received{}",
                                signed.len(),
                                if raw {
                                    " (signature as raw r||s, not DER)"
                                } else {
                                    ""
                                }
                            ),
                        ),
                    )
                }
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
                Text::new(e.zh(), e.to_string()),
            );
            return report;
        }
    };
    report.pass(
        CheckId::Structure,
        Text::new(
            format!("电子印章（SESeal）{}", view.version.name()),
            format!("SESeal {}", view.version.name()),
        ),
    );
    report.quirks(&seal.quirks());
    seal_checks(&mut report, &view, policy, verifier);
    validity_window(
        &mut report,
        CheckId::SealValidity,
        &view,
        at,
        SubIndication::Expired,
        ("当前时间", "now"),
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
    (what_zh, what): (&str, &str),
) {
    let (start, end) = (fmt_time(view.valid_start), fmt_time(view.valid_end));
    let t = fmt_time(at);
    if at < view.valid_start {
        report.fail(
            id,
            SubIndication::NotYetValid,
            Text::new(
                format!("{what_zh} {t} 早于印章有效期 {start} 至 {end}"),
                format!("{what} {t} is before the seal's validity {start} .. {end}"),
            ),
        );
    } else if at > view.valid_end {
        let detail = Text::new(
            format!("{what_zh} {t} 晚于印章有效期 {start} 至 {end}"),
            format!("{what} {t} is after the seal's validity {start} .. {end}"),
        );
        if after_end == SubIndication::OutOfBoundsNoPoe {
            report.indeterminate(id, after_end, detail);
        } else {
            report.fail(id, after_end, detail);
        }
    } else {
        report.pass(
            id,
            Text::new(
                format!("{what_zh} {t} 在印章有效期 {start} 至 {end} 内"),
                format!("{what} {t} within {start} .. {end}"),
            ),
        );
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
        v if v != view.header_version => report.warn(
            CheckId::VersionConsistency,
            Text::new(
                format!(
                    "SES_Header.version 为 {}，而数据结构是 {} 格式（按结构读取）",
                    view.header_version,
                    view.version.name()
                ),
                format!(
                    "SES_Header.version is {} in a {} layout",
                    view.header_version,
                    view.version.name()
                ),
            ),
        ),
        _ => report.pass(
            CheckId::VersionConsistency,
            Text::new(
                format!(
                    "SES_Header.version {} 与 {} 格式一致",
                    view.header_version,
                    view.version.name()
                ),
                format!(
                    "SES_Header.version {} with the {} layout",
                    view.header_version,
                    view.version.name()
                ),
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
        Text::new(
            "制章者签名对印章信息验证不通过：印章被改动过，或不是用这张制章者证书签的",
            "the maker's signature does not verify over the seal information: the seal was altered or not signed by this maker certificate",
        ),
    );
    if let Some(info) = &maker {
        if info.valid_at(view.create_date) {
            report.pass(
                CheckId::MakerCertificateAtCreation,
                Text::new(
                    format!(
                        "制章时间 {} 在制章者证书有效期内",
                        fmt_time(view.create_date)
                    ),
                    format!(
                        "createDate {} within the maker certificate's validity",
                        fmt_time(view.create_date)
                    ),
                ),
            );
        } else {
            let (c, b, a) = (
                fmt_time(view.create_date),
                fmt_time(info.not_before),
                fmt_time(info.not_after),
            );
            let detail = Text::new(
                format!("制章时间 {c} 不在制章者证书有效期 {b} 至 {a} 内"),
                format!("createDate {c} is outside the maker certificate's validity {b} .. {a}"),
            );
            match policy.maker_certificate_at_creation {
                CreationPolicy::Warn => report.warn(CheckId::MakerCertificateAtCreation, detail),
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
            Text::new(
                format!(
                    "制章时间 {} 晚于印章时间戳的时间 {}",
                    fmt_time(view.create_date),
                    fmt_time(gen_time)
                ),
                format!(
                    "createDate {} is after the seal timestamp's genTime {}",
                    fmt_time(view.create_date),
                    fmt_time(gen_time)
                ),
            ),
        );
    }
}

/// A timestamp token over `imprinted` (the signature value it stamps). Returns genTime when
/// the token verifies.
/// The check of a signature's RFC 3161 / GM/T 0033 timestamp `token` (absent: not
/// applicable) over `imprinted` (the signature value); the time it proves, if it holds.
pub fn timestamp_check(
    report: &mut Report,
    id: CheckId,
    token: Option<&[u8]>,
    imprinted: &[u8],
    verifier: &dyn Sm2Verifier,
) -> Option<OffsetDateTime> {
    let Some(token) = token else {
        report.push(
            id,
            Outcome::NotApplicable,
            None,
            Text::new("无时间戳", "no timestamp"),
        );
        return None;
    };
    let parsed = match crate::timestamp::TimeStampToken::decode(token) {
        Ok(t) => t,
        Err(e) => {
            report.fail(
                id,
                SubIndication::TimestampFailure,
                Text::new(
                    format!("{} 字节的时间戳字段不是时间戳令牌：{}", token.len(), e.zh()),
                    format!(
                        "the {}-byte timestamp field is not a timestamp token: {e}",
                        token.len()
                    ),
                ),
            );
            return None;
        }
    };
    match parsed.verify(imprinted, verifier) {
        Ok(tsa) => {
            report.pass(
                id,
                Text::new(
                    format!(
                        "时间戳服务 {tsa} 的时间 {}；印记与签名值一致",
                        fmt_time(parsed.gen_time)
                    ),
                    format!(
                        "genTime {} from TSA {tsa}; the imprint matches the signature value",
                        fmt_time(parsed.gen_time)
                    ),
                ),
            );
            Some(parsed.gen_time)
        }
        Err(why) => {
            report.fail(
                id,
                SubIndication::TimestampFailure,
                why.prefixed("时间戳核验不通过", "the timestamp does not hold"),
            );
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
                Text::new(e.zh(), e.to_string()),
            );
            return report;
        }
    };
    report.pass(
        CheckId::Structure,
        Text::new(
            format!(
                "电子签章数据（SES_Signature）{}，内含电子印章 {}",
                view.version.name(),
                seal_view.version.name()
            ),
            format!(
                "SES_Signature {} with an SESeal {}",
                view.version.name(),
                seal_view.version.name()
            ),
        ),
    );
    report.quirks(&signature.quirks());
    seal_checks(&mut report, &seal_view, policy, verifier);
    if view.version != Version::V1 && view.tbs_version != seal_view.header_version {
        report.warn(
            CheckId::VersionConsistency,
            Text::new(
                format!(
                    "TBS_Sign.version {} 与印章头版本 {} 不同",
                    view.tbs_version, seal_view.header_version
                ),
                format!(
                    "TBS_Sign.version {} differs from the seal's header version {}",
                    view.tbs_version, seal_view.header_version
                ),
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
        "TBS_Sign",
        verifier,
        Text::new(
            "签章者签名对待签数据（TBS_Sign）验证不通过：签章数据被改动过，或是用另一把密钥签的",
            "the signer's signature does not verify over TBS_Sign: the signature data was altered or made with another key",
        ),
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
            Text::new(
                format!("无法读取签章时间 {:?}", view.signing_time_text),
                format!("cannot read the signing time {:?}", view.signing_time_text),
            ),
        ),
        Some(claimed) => {
            let t = poe.unwrap_or(claimed);
            let how = if poe.is_some() {
                Text::new(
                    format!(
                        "时间戳时间 {}（存在性证明）；签章者声称 {}",
                        fmt_time(t),
                        fmt_time(claimed)
                    ),
                    format!(
                        "timestamp genTime {} (proof of existence); claimed {}",
                        fmt_time(t),
                        fmt_time(claimed)
                    ),
                )
            } else {
                Text::new(
                    format!("{}（签章者声称，无时间戳证明）", fmt_time(claimed)),
                    format!(
                        "{} (claimed by the signer; no timestamp proves it)",
                        fmt_time(claimed)
                    ),
                )
            };
            if poe.is_some_and(|g| claimed > g + time::Duration::minutes(10)) {
                report.warn(
                    CheckId::SigningTime,
                    Text::new(
                        format!("声称的签章时间晚于时间戳：{}", how.zh),
                        format!(
                            "the claimed signing time is after the timestamp: {}",
                            how.en
                        ),
                    ),
                );
            } else {
                report.pass(CheckId::SigningTime, how);
            }
            let what = if poe.is_some() {
                ("时间戳证明的时间", "time proved by the timestamp")
            } else {
                ("签章时间", "signing time")
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
                let (b, a, at) = (
                    fmt_time(info.not_before),
                    fmt_time(info.not_after),
                    fmt_time(t),
                );
                let (what_zh, what) = what;
                if t < info.not_before {
                    report.fail(
                        CheckId::SignerCertificateAtSigningTime,
                        SubIndication::NotYetValid,
                        Text::new(
                            format!("{what_zh} {at} 早于签章者证书有效期 {b} 至 {a}"),
                            format!(
                                "{what} {at} is before the signer certificate's validity {b} .. {a}"
                            ),
                        ),
                    );
                } else if t > info.not_after {
                    report.indeterminate(
                        CheckId::SignerCertificateAtSigningTime,
                        SubIndication::OutOfBoundsNoPoe,
                        Text::new(
                            format!("{what_zh} {at} 晚于签章者证书有效期 {b} 至 {a}"),
                            format!(
                                "{what} {at} is after the signer certificate's validity {b} .. {a}"
                            ),
                        ),
                    );
                } else {
                    report.pass(
                        CheckId::SignerCertificateAtSigningTime,
                        Text::new(
                            format!("{what_zh} {at} 在证书有效期 {b} 至 {a} 内"),
                            format!("{what} {at} within {b} .. {a}"),
                        ),
                    );
                }
            }
        }
    }

    match data {
        SignedData::NotProvided => report.indeterminate(
            CheckId::DataHash,
            SubIndication::SignedDataNotFound,
            Text::new("未提供原文", "the signed data was not provided"),
        ),
        SignedData::Digest(d) => {
            let dropped = d.as_bytes().len().saturating_sub(view.data_hash.len());
            if view.data_hash == d.as_bytes() {
                report.pass(
                    CheckId::DataHash,
                    Text::new(
                        format!("原文 SM3 {d} 与 dataHash 一致"),
                        format!("SM3 {d} matches dataHash"),
                    ),
                );
            } else if (1..=2).contains(&dropped)
                && d.as_bytes().starts_with(view.data_hash)
                && d.as_bytes().iter().rev().take(dropped).all(|b| *b == 0)
            {
                // The encoder dropped the digest's final zero byte(s) (formats.md E9): the
                // signer's signature covers dataHash as written, and it is the digest.
                report.warn(
                    CheckId::DataHash,
                    Text::new(
                    format!(
                        "SM3 {d} 与 dataHash 一致；dataHash 只有 {} 字节，编码器丢弃了末尾 {dropped} 个零字节",
                        view.data_hash.len()
                    ),
                    format!(
                        "SM3 {d} matches dataHash, which has {} bytes: the encoder dropped the final {dropped} zero byte(s)",
                        view.data_hash.len()
                    ),
                    ),
                );
            } else {
                report.fail(
                    CheckId::DataHash,
                    SubIndication::HashFailure,
                    {
                        let hex: String =
                            view.data_hash.iter().map(|b| format!("{b:02x}")).collect();
                        let n = view.data_hash.len();
                        Text::new(
                            format!(
                                "原文 SM3 为 {d}，而 dataHash 为 {hex}（{n} 字节）：原文在签章后被改动过"
                            ),
                            format!(
                                "SM3 of the data is {d} but dataHash is {hex} ({n} bytes): the data was changed after signing"
                            ),
                        )
                    },
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
            Text::new(
                "没有可读的签章时间，无法按签章时间核验签章者证书",
                "no readable signing time to validate the signer certificate at",
            ),
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
                    Text::new(
                        format!("签章者证书是印章证书列表（certList）的第 {} 项", i + 1),
                        format!(
                            "the signer certificate is entry {} of the seal's certList",
                            i + 1
                        ),
                    ),
                );
            } else {
                report.fail(
                    CheckId::SignerInSeal,
                    SubIndication::SigConstraintsFailure,
                    Text::new(
                        format!(
                            "签章者证书不在印章列出的 {} 张证书之中：这枚印章不允许此证书使用",
                            certs.len()
                        ),
                        format!(
                            "the signer certificate is none of the {} certificates the seal lists",
                            certs.len()
                        ),
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
                            Text::new(
                                format!("签章者证书的 SM3 {sm3} 在印章的证书摘要列表中"),
                                format!(
                                    "the signer certificate's SM3 {sm3} is in the seal's certDigestList"
                                ),
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
                    Text::new(
                        format!("签章者证书的 SM3 {sm3} 不在印章的证书摘要列表中"),
                        format!(
                            "the signer certificate's SM3 {sm3} is not in the seal's certDigestList"
                        ),
                    ),
                );
            } else {
                report.indeterminate(
                    CheckId::SignerInSeal,
                    SubIndication::CryptoConstraintsFailure,
                    Text::new(
                        format!(
                            "没有匹配的 SM3 摘要；不支持的摘要类型：{}",
                            unknown.join(", ")
                        ),
                        format!(
                            "no SM3 match; digest types not supported: {}",
                            unknown.join(", ")
                        ),
                    ),
                );
            }
        }
    }
}
