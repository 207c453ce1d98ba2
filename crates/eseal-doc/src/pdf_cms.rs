//! A CMS SignedData in a PDF signature's `/Contents` (formats.md §10 form a), verified: with
//! SM3 and SM2 (PKCS#7 or GM/T 0010 OIDs, eseal's own form a and other Chinese vendors'), or
//! with RSA or ECDSA and SHA-2 (another tool's PAdES signature, [`eseal_pki::intl`]) —
//! the messageDigest against the digest of the ByteRange, the ESS signing certificate, the
//! signature over the signed attributes, the RFC 3161 timestamp, the claimed signing time,
//! and the signer's chain at the time proved (or claimed).

use eseal_gm::Sm3Digest;
use eseal_gm::provider::Sm2Verifier;
use eseal_pki::intl::Hash;
use eseal_ses::gbt35275::SignedData;
use eseal_ses::verify::{fmt_time, timestamp_check};
use eseal_ses::{CertificateRole, CheckId, Outcome, Report, SubIndication, Text, VerifyPolicy};
use time::OffsetDateTime;

/// The algorithm family of a SignedData.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    /// SM3 (and SM2): the SM3 of the ByteRange is all it needs.
    Sm,
    /// RSA or ECDSA with this SHA-2 digest of the ByteRange.
    International(Hash),
    /// A digest this crate does not compute (SHA-1, an unknown OID).
    Unsupported,
}

/// The family of `sd`, read off its digest algorithm.
pub(crate) fn family(sd: &SignedData) -> Family {
    match &sd.digest_algorithm {
        None => Family::Sm,
        Some(d) if *d == eseal_gm::oid::SM3 => Family::Sm,
        Some(d) => match Hash::from_oid(d) {
            Some(h) => Family::International(h),
            None => Family::Unsupported,
        },
    }
}

/// The signer named in the report (its certificate's subject), when there is one.
pub(crate) fn check(
    report: &mut Report,
    sd: &SignedData,
    sm3: &Sm3Digest,
    sha2: Option<&[u8]>,
    policy: &VerifyPolicy,
    verifier: &dyn Sm2Verifier,
) -> Option<String> {
    let fam = family(sd);
    let algorithm = sd
        .signature_algorithm
        .map(|a| a.to_string())
        .unwrap_or_default();
    let (signed_by, role) = match fam {
        Family::Sm => {
            report.pass(
                CheckId::SignatureType,
                Text::new("CMS SignedData（SM2/SM3）", "CMS SignedData (SM2/SM3)"),
            );
            (None, CertificateRole::Signer)
        }
        Family::International(h) => {
            report.pass(
                CheckId::SignatureType,
                Text::new(
                    format!("CMS SignedData（{}，国际算法的 PAdES 签名）", h.name()),
                    format!(
                        "CMS SignedData ({}, an international-algorithm PAdES signature)",
                        h.name()
                    ),
                ),
            );
            (Some(h), CertificateRole::InternationalSigner)
        }
        Family::Unsupported => {
            let d = sd
                .digest_algorithm
                .map(|a| a.to_string())
                .unwrap_or_default();
            report.indeterminate(
                CheckId::SignatureType,
                SubIndication::CryptoConstraintsFailure,
                Text::new(
                    format!("CMS 签名的摘要算法 {d} 不受支持（SHA-1 已不安全）：未验证"),
                    format!("the CMS signature's digest algorithm {d} is not supported (SHA-1 is no longer secure): not verified"),
                ),
            );
            return None;
        }
    };
    // The digest of the covered bytes.
    let hash_ok = match (signed_by, sha2) {
        (None, _) => sd.covers(sm3),
        (Some(_), Some(d)) => sd.message_digest.as_deref() == Some(d),
        (Some(_), None) => false,
    };
    if hash_ok {
        report.pass(
            CheckId::DataHash,
            Text::new(
                "签名所签的摘要正是签名范围（ByteRange）内字节的摘要",
                "what was signed is the digest of the bytes in the ByteRange",
            ),
        );
    } else {
        report.fail(
            CheckId::DataHash,
            SubIndication::HashFailure,
            Text::new(
                "签名所签的摘要与签名范围（ByteRange）内字节的摘要不同：文件在签名后被改动过",
                "what was signed is not the digest of the bytes in the ByteRange: the file was changed after signing",
            ),
        );
    }
    let Some(cert) = &sd.signer_cert else {
        report.indeterminate(
            CheckId::SignerCertificate,
            SubIndication::SignedDataNotFound,
            Text::new(
                "CMS 签名中没有签名者证书",
                "the signer's certificate is not in the CMS signature",
            ),
        );
        return None;
    };
    let parsed = match eseal_pki::Certificate::from_der(cert) {
        Ok(c) => c,
        Err(e) => {
            report.indeterminate(
                CheckId::SignerCertificate,
                SubIndication::SignedDataNotFound,
                Text::new(
                    "签名者证书无法解析",
                    format!("the signer's certificate cannot be read: {e}"),
                ),
            );
            return None;
        }
    };
    let subject = parsed.subject();
    report.pass(
        CheckId::SignerCertificate,
        Text::new(
            format!(
                "主体 {subject}；序列号 {}；密钥 {}",
                parsed.serial_hex(),
                parsed.key_algorithm().name()
            ),
            format!(
                "subject {subject}; serial {}; key {}",
                parsed.serial_hex(),
                parsed.key_algorithm().name()
            ),
        ),
    );
    ess_check(report, sd, cert);
    // The signature over the signed attributes (or the content, in the hash-as-content form).
    let verified: Result<String, (bool, Text)> = match signed_by {
        None => match parsed.sm2_public_key() {
            Some(key) => sd
                .verify(&key)
                .map(|()| "SM2".to_owned())
                .map_err(|t| (false, t)),
            None => Err((
                true,
                Text::new(
                    "SM3 摘要的签名，但证书的公钥不是 SM2",
                    "an SM3 digest, but the certificate's key is not SM2",
                ),
            )),
        },
        Some(_) => {
            let alg = sd
                .signature_algorithm
                .unwrap_or(eseal_gm::oid::EC_PUBLIC_KEY);
            eseal_pki::intl::verify(
                &parsed.spki_der(),
                &alg,
                sd.digest_algorithm.as_ref(),
                &sd.signed_bytes,
                &sd.signature,
            )
            .map_err(|e| (e.unsupported, Text::new(e.zh, e.en)))
        }
    };
    match verified {
        Ok(name) => report.pass(
            CheckId::SignerSignature,
            Text::new(
                format!("{name} 签名对所签的 {} 字节验证通过", sd.signed_bytes.len()),
                format!(
                    "the {name} signature verifies over the {} signed bytes",
                    sd.signed_bytes.len()
                ),
            ),
        ),
        Err((true, why)) => report.indeterminate(
            CheckId::SignerSignature,
            SubIndication::CryptoConstraintsFailure,
            why.prefixed(
                &format!("签名算法 {algorithm} 未验证"),
                &format!("signature algorithm {algorithm} not verified"),
            ),
        ),
        Err((false, why)) => report.fail(
            CheckId::SignerSignature,
            SubIndication::SigCryptoFailure,
            why.prefixed("签名验证不通过", "the signature does not verify"),
        ),
    }
    let poe = timestamp(report, sd, verifier);
    let at = signing_time(report, sd, poe);
    match (&policy.chain_validator, at.or(policy.now)) {
        (Some(v), Some(t)) => {
            let role = if at.is_none() {
                CertificateRole::SignerNow
            } else {
                role
            };
            let verdict = v.validate(cert, t, role);
            report.push(
                CheckId::SignerCertificateChain,
                verdict.outcome,
                verdict.sub_indication,
                verdict.detail,
            );
        }
        (Some(_), None) => report.indeterminate(
            CheckId::SignerCertificateChain,
            SubIndication::NoCertificateChainFound,
            Text::new(
                "签名不含签名时间，而调用方未给出验证时间，无法校验证书链",
                "the signature carries no signing time and the caller gave no verification time: the chain cannot be validated",
            ),
        ),
        (None, _) => report.indeterminate(
            CheckId::SignerCertificateChain,
            SubIndication::NoCertificateChainFound,
            Text::new(
                "未配置信任锚（请用 --trust 目录给出）",
                "no trust store is configured (give --trust DIR)",
            ),
        ),
    }
    Some(subject)
}

/// The ESS signing-certificate(-v2) attribute binds the signer's certificate into what was
/// signed: its hash must be the certificate's (a substituted certificate is caught).
fn ess_check(report: &mut Report, sd: &SignedData, cert: &[u8]) {
    let Some((alg, hash)) = &sd.signing_certificate else {
        return;
    };
    let actual = if *alg == eseal_gm::oid::SM3 {
        Some(Sm3Digest::of(cert).as_bytes().to_vec())
    } else {
        Hash::from_oid(alg).map(|h| h.digest(cert))
    };
    match actual {
        Some(a) if a == *hash => report.pass(
            CheckId::SignerCertificate,
            Text::new(
                "签名属性 signing-certificate 中的证书摘要与签名者证书一致",
                "the signing-certificate attribute's hash matches the signer's certificate",
            ),
        ),
        Some(_) => report.fail(
            CheckId::SignerCertificate,
            SubIndication::SigConstraintsFailure,
            Text::new(
                "签名属性 signing-certificate 中的证书摘要与附带的签名者证书不同：证书被替换过",
                "the signing-certificate attribute's hash does not match the signer's certificate carried: the certificate was substituted",
            ),
        ),
        None => report.warn(
            CheckId::SignerCertificate,
            Text::new(
                format!("signing-certificate 属性使用摘要算法 {alg}，未核对"),
                format!("the signing-certificate attribute uses digest {alg}; not checked"),
            ),
        ),
    }
}

/// The signature timestamp (unsigned attribute): SM2 tokens are verified over the signature
/// value; a token of another algorithm is said, not verified. The time it proves.
fn timestamp(
    report: &mut Report,
    sd: &SignedData,
    verifier: &dyn Sm2Verifier,
) -> Option<OffsetDateTime> {
    if let Some(token) = &sd.timestamp_token
        && let Ok(t) = eseal_ses::timestamp::TimeStampToken::decode(token)
        && t.imprint_algorithm != eseal_gm::oid::SM3
    {
        report.indeterminate(
            CheckId::SignatureTimestamp,
            SubIndication::CryptoConstraintsFailure,
            Text::new(
                format!(
                    "时间戳使用摘要算法 {}（只验证 SM3/SM2 时间戳）",
                    t.imprint_algorithm
                ),
                format!(
                    "the timestamp uses digest {} (only SM3/SM2 timestamps are verified)",
                    t.imprint_algorithm
                ),
            ),
        );
        return None;
    }
    timestamp_check(
        report,
        CheckId::SignatureTimestamp,
        sd.timestamp_token.as_deref(),
        &sd.signature,
        verifier,
    )
}

/// The signing time: proved by the timestamp, else claimed by the signingTime attribute.
fn signing_time(
    report: &mut Report,
    sd: &SignedData,
    poe: Option<OffsetDateTime>,
) -> Option<OffsetDateTime> {
    match (poe, sd.signing_time) {
        (Some(p), claimed) => {
            report.pass(
                CheckId::SigningTime,
                Text::new(
                    format!(
                        "时间戳时间 {}（存在性证明）{}",
                        fmt_time(p),
                        claimed
                            .map(|c| format!("；签名者声称 {}", fmt_time(c)))
                            .unwrap_or_default()
                    ),
                    format!(
                        "timestamp genTime {} (proof of existence){}",
                        fmt_time(p),
                        claimed
                            .map(|c| format!("; claimed {}", fmt_time(c)))
                            .unwrap_or_default()
                    ),
                ),
            );
            Some(p)
        }
        (None, Some(c)) => {
            report.pass(
                CheckId::SigningTime,
                Text::new(
                    format!("{}（签名者声称，无时间戳证明）", fmt_time(c)),
                    format!(
                        "{} (claimed by the signer; no timestamp proves it)",
                        fmt_time(c)
                    ),
                ),
            );
            Some(c)
        }
        (None, None) => {
            report.push(
                CheckId::SigningTime,
                Outcome::NotApplicable,
                None,
                Text::new("签名不含签名时间", "the signature carries no signing time"),
            );
            None
        }
    }
}
