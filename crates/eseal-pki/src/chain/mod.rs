//! Chain building and validation against configured trust anchors, with revocation by OCSP
//! answers and CRLs the caller gathered (offline: from files; online: fetched, see
//! `eseal_server::revocation`), each result naming its source.
//! The result is a report of every check on every certificate, not a bool.

use crate::cert::{Certificate, KeyAlgorithm, SignatureIdUsed};
use crate::crl::Crl;
use crate::error::PkiError;
use crate::ocsp::{OcspAnswer, OcspStatus};
use serde::Serialize;
use time::OffsetDateTime;
use x509_cert::ext::pkix::KeyUsages;

/// id-kp-timeStamping.
const KP_TIME_STAMPING: &str = "1.3.6.1.5.5.7.3.8";
/// The longest path eseal builds (leaf + intermediates + anchor).
const MAX_PATH: usize = 8;

/// What the end-entity certificate is being used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Purpose {
    /// Signing documents or seal data: digitalSignature or nonRepudiation.
    Signing,
    /// Timestamping: digitalSignature/nonRepudiation and the timeStamping extended key usage.
    TimeStamping,
    /// Issuing certificates: a CA.
    CertificateSigning,
    /// Signing documents with any algorithm [`crate::intl`] verifies (another tool's RSA or
    /// ECDSA PAdES signature): as [`Purpose::Signing`], but the key need not be SM2.
    DocumentSigning,
}

/// The trust anchors, intermediate certificates and CRLs a validation may use.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    anchors: Vec<Certificate>,
    intermediates: Vec<Certificate>,
    crls: Vec<Crl>,
    /// Where a CRL came from (its DER → URL or file), for the report.
    crl_sources: Vec<(Vec<u8>, String)>,
    /// Checked OCSP answers, each with the URL that gave it.
    ocsp: Vec<(OcspAnswer, String)>,
}

impl TrustStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Trust `cert` as an anchor.
    pub fn add_anchor(&mut self, cert: Certificate) {
        self.anchors.push(cert);
    }

    /// Offer `cert` as an intermediate (not trusted by itself).
    pub fn add_intermediate(&mut self, cert: Certificate) {
        self.intermediates.push(cert);
    }

    /// Offer a CRL.
    pub fn add_crl(&mut self, crl: Crl) {
        self.crls.push(crl);
    }

    /// Offer a CRL fetched from `source` (a URL), named in the report.
    pub fn add_crl_from(&mut self, crl: Crl, source: &str) {
        self.crl_sources
            .push((crl.der().to_vec(), source.to_owned()));
        self.crls.push(crl);
    }

    /// Offer an OCSP answer, checked by [`crate::ocsp::check_response`], from `source`.
    /// An answer about a certificate is preferred to a CRL.
    pub fn add_ocsp(&mut self, answer: OcspAnswer, source: &str) {
        self.ocsp.push((answer, source.to_owned()));
    }

    /// The OCSP answers offered, with their sources.
    pub fn ocsp_answers(&self) -> &[(OcspAnswer, String)] {
        &self.ocsp
    }

    /// The CRLs offered.
    pub fn crls(&self) -> &[Crl] {
        &self.crls
    }

    /// The intermediates offered.
    pub fn intermediates(&self) -> &[Certificate] {
        &self.intermediates
    }

    /// Adds everything `other` holds (anchors, intermediates, CRLs, OCSP answers).
    pub fn merge(&mut self, other: &TrustStore) {
        self.anchors.extend(other.anchors.iter().cloned());
        self.intermediates
            .extend(other.intermediates.iter().cloned());
        self.crls.extend(other.crls.iter().cloned());
        self.crl_sources.extend(other.crl_sources.iter().cloned());
        self.ocsp.extend(other.ocsp.iter().cloned());
    }

    /// The anchors.
    pub fn anchors(&self) -> &[Certificate] {
        &self.anchors
    }

    /// Build a store from the files of a trust-store directory: self-issued certificates are
    /// anchors, other certificates intermediates, CRLs CRLs. Returns notes on files skipped,
    /// in both languages.
    pub fn from_files(
        files: &[(String, Vec<u8>)],
    ) -> Result<(Self, Vec<eseal_core::Text>), PkiError> {
        let mut store = Self::new();
        let mut notes = Vec::new();
        for (name, bytes) in files {
            let text = std::str::from_utf8(bytes).ok();
            let has =
                |label: &str| text.is_some_and(|t| t.contains(&format!("-----BEGIN {label}-----")));
            if has("X509 CRL") || (!has("CERTIFICATE") && name.ends_with(".crl")) {
                for crl in
                    Crl::parse_all(bytes).map_err(|e| PkiError::BadCrl(format!("{name}: {e}")))?
                {
                    store.add_crl(crl);
                }
            }
            if has("CERTIFICATE") || (text.is_none() && !name.ends_with(".crl")) {
                match Certificate::parse_all(bytes) {
                    Ok(certs) => {
                        for c in certs {
                            if c.is_self_issued() {
                                store.add_anchor(c);
                            } else {
                                store.add_intermediate(c);
                            }
                        }
                    }
                    Err(e) => notes.push(eseal_core::Text::new(
                        format!("{name}：已跳过（{}）", e.zh()),
                        format!("{name}: skipped ({e})"),
                    )),
                }
            } else if !has("X509 CRL") && !name.ends_with(".crl") {
                notes.push(eseal_core::Text::new(
                    format!("{name}：已跳过（既不是证书也不是 CRL）"),
                    format!("{name}: skipped (no certificate or CRL)"),
                ));
            }
        }
        Ok((store, notes))
    }
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChainOutcome {
    /// Passed.
    Passed,
    /// Failed: the certificate or path is not valid.
    Failed,
    /// Could not be decided (no chain to an anchor, no CRL, unsupported algorithm).
    Indeterminate,
    /// Passed with a reservation.
    Warning,
}

/// The checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChainCheck {
    /// A path to a trust anchor was found.
    PathFound,
    /// The issuer's signature on the certificate verifies.
    Signature,
    /// The time of interest is inside the validity period.
    Validity,
    /// The issuer is a CA (basicConstraints cA = TRUE).
    BasicConstraints,
    /// Key usage fits the role (keyCertSign for CAs; digitalSignature/nonRepudiation for signers).
    KeyUsage,
    /// Extended key usage fits the purpose.
    ExtendedKeyUsage,
    /// pathLenConstraint is respected.
    PathLength,
    /// The issuer name equals the issuer's subject.
    NameChaining,
    /// No critical extension is left unprocessed.
    CriticalExtensions,
    /// The certificate is not revoked at the time of interest.
    Revocation,
}

impl ChainCheck {
    /// The check's name in Chinese and in English.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            Self::PathFound => ("证书链", "path to a trust anchor"),
            Self::Signature => ("签发者签名", "issuer signature"),
            Self::Validity => ("有效期", "validity"),
            Self::BasicConstraints => ("基本约束", "basic constraints"),
            Self::KeyUsage => ("密钥用途", "key usage"),
            Self::ExtendedKeyUsage => ("扩展密钥用途", "extended key usage"),
            Self::PathLength => ("路径长度", "path length"),
            Self::NameChaining => ("名称链接", "name chaining"),
            Self::CriticalExtensions => ("关键扩展", "critical extensions"),
            Self::Revocation => ("撤销状态", "revocation"),
        }
    }
}

/// One check on one certificate of the path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainCheckResult {
    /// Position in the path (0 = end entity).
    pub depth: usize,
    /// Subject of the certificate checked.
    pub subject: String,
    /// Which check.
    pub check: ChainCheck,
    /// Outcome.
    pub outcome: ChainOutcome,
    /// Evidence (English).
    pub detail: String,
    /// Evidence (Chinese).
    pub detail_zh: String,
}

/// The overall status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChainStatus {
    /// Every check passed.
    Valid,
    /// Some check failed.
    Invalid,
    /// Nothing failed but something could not be decided.
    Indeterminate,
}

impl ChainStatus {
    /// The status in Chinese and in English.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            Self::Valid => ("有效", "valid"),
            Self::Invalid => ("无效", "invalid"),
            Self::Indeterminate => ("不确定", "indeterminate"),
        }
    }
}

/// The report of a validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    /// Subjects of the path, end entity first.
    pub path: Vec<String>,
    /// Every check, in order.
    pub checks: Vec<ChainCheckResult>,
}

impl ChainReport {
    /// Valid, invalid or indeterminate.
    pub fn status(&self) -> ChainStatus {
        if self
            .checks
            .iter()
            .any(|c| c.outcome == ChainOutcome::Failed)
        {
            ChainStatus::Invalid
        } else if self
            .checks
            .iter()
            .any(|c| c.outcome == ChainOutcome::Indeterminate)
        {
            ChainStatus::Indeterminate
        } else {
            ChainStatus::Valid
        }
    }

    /// The first check with this outcome.
    pub fn first(&self, outcome: ChainOutcome) -> Option<&ChainCheckResult> {
        self.checks.iter().find(|c| c.outcome == outcome)
    }

    /// The outcome of a check on the certificate at `depth`.
    pub fn outcome(&self, depth: usize, check: ChainCheck) -> Option<ChainOutcome> {
        self.checks
            .iter()
            .find(|c| c.depth == depth && c.check == check)
            .map(|c| c.outcome)
    }

    fn push(
        &mut self,
        depth: usize,
        cert: &Certificate,
        check: ChainCheck,
        outcome: ChainOutcome,
        (zh, en): (impl Into<String>, impl Into<String>),
    ) {
        self.checks.push(ChainCheckResult {
            depth,
            subject: cert.subject(),
            check,
            outcome,
            detail: en.into(),
            detail_zh: zh.into(),
        });
    }
}

/// A time in a chain's evidence: RFC 3339 at Beijing time, as in the report around it.
fn fmt(t: OffsetDateTime) -> String {
    eseal_core::text::beijing(t)
}

/// Find the issuer of `cert` among the candidates: same name, matching key identifier when both
/// sides have one, and (when it can be checked) a key that verifies the signature.
fn find_issuer<'a>(
    cert: &Certificate,
    candidates: &[&'a Certificate],
    path: &[Certificate],
) -> Option<&'a Certificate> {
    let issuer = cert.issuer_der();
    let aki = cert.authority_key_id();
    let mut named: Vec<&Certificate> = candidates
        .iter()
        .copied()
        .filter(|c| c.subject_der() == issuer && !path.contains(c))
        .filter(|c| match (&aki, c.subject_key_id()) {
            (Some(a), Some(s)) => *a == s,
            _ => true,
        })
        .collect();
    // Prefer a candidate whose key verifies the signature.
    named.sort_by_key(|c| {
        c.sm2_public_key()
            .and_then(|k| cert.verify_signed_by(&k))
            .is_none()
    });
    named.into_iter().next()
}

/// Validate `leaf` at `at` for `purpose`: build a path through `untrusted` and the store's
/// intermediates to one of its anchors, then check every certificate on it.
pub fn validate(
    leaf: &Certificate,
    untrusted: &[Certificate],
    store: &TrustStore,
    extra_crls: &[Crl],
    at: OffsetDateTime,
    purpose: Purpose,
) -> ChainReport {
    let mut report = ChainReport {
        path: Vec::new(),
        checks: Vec::new(),
    };
    let candidates: Vec<&Certificate> = store
        .anchors
        .iter()
        .chain(store.intermediates.iter())
        .chain(untrusted.iter())
        .collect();
    let mut path = vec![leaf.clone()];
    let mut anchored = store.anchors.contains(leaf);
    while !anchored && path.len() < MAX_PATH {
        let Some(current) = path.last() else { break };
        let Some(issuer) = find_issuer(current, &candidates, &path) else {
            break;
        };
        anchored = store.anchors.contains(issuer);
        path.push(issuer.clone());
    }
    report.path = path.iter().map(Certificate::subject).collect();
    let top = path.last().unwrap_or(leaf);
    if anchored {
        report.push(
            path.len() - 1,
            top,
            ChainCheck::PathFound,
            ChainOutcome::Passed,
            (
                format!("共 {} 张证书，直到信任锚 {}", path.len(), top.subject()),
                format!(
                    "{} certificate(s) up to the trust anchor {}",
                    path.len(),
                    top.subject()
                ),
            ),
        );
    } else {
        report.push(
            path.len() - 1,
            top,
            ChainCheck::PathFound,
            ChainOutcome::Indeterminate,
            (
                format!("签发者 {} 没有可信的信任锚：无法建立证书链", top.issuer()),
                format!(
                    "no trust anchor for issuer {} (NO_CERTIFICATE_CHAIN_FOUND)",
                    top.issuer()
                ),
            ),
        );
    }
    let crls: Vec<&Crl> = store.crls.iter().chain(extra_crls.iter()).collect();
    let last = path.len() - 1;
    for (depth, cert) in path.iter().enumerate() {
        let is_anchor = anchored && depth == last;
        let issuer = path.get(depth + 1);
        // Signature by the next certificate up (an anchor is trusted as configured).
        if let Some(issuer) = issuer {
            match (cert.key_algorithm(), issuer.sm2_public_key()) {
                (_, Some(key)) => match cert.verify_signed_by(&key) {
                    Some(SignatureIdUsed::Standard) => report.push(
                        depth,
                        cert,
                        ChainCheck::Signature,
                        ChainOutcome::Passed,
                        (
                            format!("由 {} 签发（SM2，标识 1234567812345678）", issuer.subject()),
                            format!("signed by {} (SM2, ID 1234567812345678)", issuer.subject()),
                        ),
                    ),
                    Some(SignatureIdUsed::Empty) => report.push(
                        depth,
                        cert,
                        ChainCheck::Signature,
                        ChainOutcome::Passed,
                        (
                            format!(
                                "由 {} 签发（SM2，空标识，OpenSSL 3 的默认值）",
                                issuer.subject()
                            ),
                            format!(
                                "signed by {} (SM2 with the empty ID, OpenSSL 3's default)",
                                issuer.subject()
                            ),
                        ),
                    ),
                    None if cert.signature_algorithm() != eseal_gm::oid::SM2_WITH_SM3 => report
                        .push(
                            depth,
                            cert,
                            ChainCheck::Signature,
                            ChainOutcome::Indeterminate,
                            (
                                format!("不支持签名算法 {}", cert.signature_algorithm()),
                                format!(
                                    "signature algorithm {} is not supported",
                                    cert.signature_algorithm()
                                ),
                            ),
                        ),
                    None => report.push(
                        depth,
                        cert,
                        ChainCheck::Signature,
                        ChainOutcome::Failed,
                        (
                            format!("用 {} 的公钥验证证书签名不通过", issuer.subject()),
                            format!(
                                "the signature does not verify with the key of {}",
                                issuer.subject()
                            ),
                        ),
                    ),
                },
                (_, None) => match cert.verify_signed_by_international(issuer) {
                    Ok(algorithm) => report.push(
                        depth,
                        cert,
                        ChainCheck::Signature,
                        ChainOutcome::Passed,
                        (
                            format!("由 {} 签发（{algorithm}）", issuer.subject()),
                            format!("signed by {} ({algorithm})", issuer.subject()),
                        ),
                    ),
                    Err(why) => report.push(
                        depth,
                        cert,
                        ChainCheck::Signature,
                        if why.unsupported {
                            ChainOutcome::Indeterminate
                        } else {
                            ChainOutcome::Failed
                        },
                        (
                            format!("{}（签发者 {}）", why.zh, issuer.subject()),
                            format!("{} (issuer {})", why.en, issuer.subject()),
                        ),
                    ),
                },
            }
            if cert.issuer_der() == issuer.subject_der() {
                report.push(
                    depth,
                    cert,
                    ChainCheck::NameChaining,
                    ChainOutcome::Passed,
                    (
                        format!("签发者 = {}", issuer.subject()),
                        format!("issuer = {}", issuer.subject()),
                    ),
                );
            } else {
                report.push(
                    depth,
                    cert,
                    ChainCheck::NameChaining,
                    ChainOutcome::Failed,
                    (
                        format!("签发者 {} 与 {} 不同", cert.issuer(), issuer.subject()),
                        format!("issuer {} differs from {}", cert.issuer(), issuer.subject()),
                    ),
                );
            }
        }
        // Validity.
        if at < cert.not_before() {
            report.push(
                depth,
                cert,
                ChainCheck::Validity,
                ChainOutcome::Failed,
                (
                    format!(
                        "在 {} 尚未生效：自 {} 起有效",
                        fmt(at),
                        fmt(cert.not_before())
                    ),
                    format!(
                        "not yet valid at {}: valid from {}",
                        fmt(at),
                        fmt(cert.not_before())
                    ),
                ),
            );
        } else if at > cert.not_after() {
            report.push(
                depth,
                cert,
                ChainCheck::Validity,
                ChainOutcome::Failed,
                (
                    format!("在 {} 已过期：有效期至 {}", fmt(at), fmt(cert.not_after())),
                    format!(
                        "expired at {}: valid until {}",
                        fmt(at),
                        fmt(cert.not_after())
                    ),
                ),
            );
        } else {
            report.push(
                depth,
                cert,
                ChainCheck::Validity,
                ChainOutcome::Passed,
                (
                    format!(
                        "{} 在有效期 {} 至 {} 内",
                        fmt(at),
                        fmt(cert.not_before()),
                        fmt(cert.not_after())
                    ),
                    format!(
                        "{} within {} .. {}",
                        fmt(at),
                        fmt(cert.not_before()),
                        fmt(cert.not_after())
                    ),
                ),
            );
        }
        let unknown = cert.unknown_critical_extensions();
        if unknown.is_empty() {
            report.push(
                depth,
                cert,
                ChainCheck::CriticalExtensions,
                ChainOutcome::Passed,
                (
                    "所有关键扩展均可识别",
                    "every critical extension is understood",
                ),
            );
        } else {
            report.push(
                depth,
                cert,
                ChainCheck::CriticalExtensions,
                ChainOutcome::Failed,
                (
                    format!("无法识别的关键扩展 {}", unknown.join(", ")),
                    format!("unknown critical extension(s) {}", unknown.join(", ")),
                ),
            );
        }
        let acts_as_ca = depth > 0 || purpose == Purpose::CertificateSigning;
        if acts_as_ca {
            let before = report.checks.len();
            check_ca(&mut report, depth, cert, &path);
            if is_anchor {
                // RFC 5280 6.1: a trust anchor is an input to path validation, not a certificate
                // on the path; its own constraints are reported, not enforced.
                for c in report.checks.iter_mut().skip(before) {
                    if c.outcome == ChainOutcome::Failed {
                        c.outcome = ChainOutcome::Warning;
                        c.detail = format!("{} (trust anchor: reported, not enforced)", c.detail);
                        c.detail_zh = format!("{}（信任锚：仅报告，不强制）", c.detail_zh);
                    }
                }
            }
        } else {
            check_end_entity(&mut report, cert, purpose);
        }
        if !is_anchor {
            let ocsp = issuer.and_then(|i| {
                store.ocsp.iter().find(|(a, _)| {
                    a.serial == cert.serial_bytes() && a.issuer_der == i.subject_der()
                })
            });
            match ocsp {
                Some((answer, source)) => {
                    check_ocsp(&mut report, depth, cert, answer, source, at);
                }
                None => check_revocation(
                    &mut report,
                    depth,
                    cert,
                    issuer,
                    &crls,
                    &store.crl_sources,
                    at,
                ),
            }
        }
    }
    report
}

fn check_ca(report: &mut ChainReport, depth: usize, cert: &Certificate, path: &[Certificate]) {
    match cert.basic_constraints() {
        Some((_, true, path_len)) => {
            report.push(
                depth,
                cert,
                ChainCheck::BasicConstraints,
                ChainOutcome::Passed,
                ("cA = TRUE（是 CA）", "cA = TRUE"),
            );
            // Intermediate CAs below this one (self-issued ones do not count, RFC 5280 6.1.4).
            let below = path
                .iter()
                .take(depth)
                .skip(1)
                .filter(|c| !c.is_self_issued())
                .count();
            match path_len {
                Some(max) if below > usize::from(max) => report.push(
                    depth,
                    cert,
                    ChainCheck::PathLength,
                    ChainOutcome::Failed,
                    (
                        format!("路径长度约束为 {max}，但下面还有 {below} 张 CA 证书"),
                        format!("pathLenConstraint {max} but {below} CA certificate(s) follow"),
                    ),
                ),
                Some(max) => report.push(
                    depth,
                    cert,
                    ChainCheck::PathLength,
                    ChainOutcome::Passed,
                    (
                        format!("路径长度约束 {max}，下面有 {below} 张 CA 证书"),
                        format!("pathLenConstraint {max}, {below} CA certificate(s) follow"),
                    ),
                ),
                None => report.push(
                    depth,
                    cert,
                    ChainCheck::PathLength,
                    ChainOutcome::Passed,
                    ("无路径长度约束", "no pathLenConstraint"),
                ),
            }
        }
        Some((_, false, _)) => report.push(
            depth,
            cert,
            ChainCheck::BasicConstraints,
            ChainOutcome::Failed,
            (
                "cA = FALSE：此证书无权签发证书",
                "cA = FALSE: this certificate may not issue certificates",
            ),
        ),
        None => report.push(
            depth,
            cert,
            ChainCheck::BasicConstraints,
            ChainOutcome::Failed,
            (
                "没有基本约束扩展：缺少 CA 标志",
                "no basicConstraints: the CA flag is missing",
            ),
        ),
    }
    match cert.key_usage() {
        Some(ku) if ku.contains(KeyUsages::KeyCertSign) => report.push(
            depth,
            cert,
            ChainCheck::KeyUsage,
            ChainOutcome::Passed,
            ("密钥用途含证书签发（keyCertSign）", "keyCertSign"),
        ),
        Some(_) => report.push(
            depth,
            cert,
            ChainCheck::KeyUsage,
            ChainOutcome::Failed,
            (
                "密钥用途缺少证书签发（keyCertSign）",
                "keyUsage lacks keyCertSign",
            ),
        ),
        None => report.push(
            depth,
            cert,
            ChainCheck::KeyUsage,
            ChainOutcome::Warning,
            (
                "没有密钥用途扩展（按 RFC 5280 可作任何用途）",
                "no keyUsage extension (any use allowed by RFC 5280)",
            ),
        ),
    }
}

fn check_end_entity(report: &mut ChainReport, cert: &Certificate, purpose: Purpose) {
    match cert.key_usage() {
        Some(ku)
            if ku.contains(KeyUsages::DigitalSignature)
                || ku.contains(KeyUsages::NonRepudiation) =>
        {
            report.push(
                0,
                cert,
                ChainCheck::KeyUsage,
                ChainOutcome::Passed,
                (
                    "数字签名 / 不可否认（digitalSignature / nonRepudiation）",
                    "digitalSignature / nonRepudiation",
                ),
            );
        }
        Some(_) => report.push(
            0,
            cert,
            ChainCheck::KeyUsage,
            ChainOutcome::Failed,
            (
                "密钥用途既无数字签名也无不可否认：不是签名证书",
                "keyUsage has neither digitalSignature nor nonRepudiation: not a signing certificate",
            ),
        ),
        None => report.push(
            0,
            cert,
            ChainCheck::KeyUsage,
            ChainOutcome::Warning,
            (
                "没有密钥用途扩展（按 RFC 5280 可作任何用途）",
                "no keyUsage extension (any use allowed by RFC 5280)",
            ),
        ),
    }
    if purpose == Purpose::TimeStamping {
        let ok = cert
            .extended_key_usage()
            .is_some_and(|e| e.iter().any(|o| o.to_string() == KP_TIME_STAMPING));
        if ok {
            report.push(
                0,
                cert,
                ChainCheck::ExtendedKeyUsage,
                ChainOutcome::Passed,
                ("扩展密钥用途含时间戳（timeStamping）", "timeStamping"),
            );
        } else {
            report.push(
                0,
                cert,
                ChainCheck::ExtendedKeyUsage,
                ChainOutcome::Failed,
                (
                    "扩展密钥用途缺少时间戳（timeStamping）",
                    "extendedKeyUsage lacks timeStamping",
                ),
            );
        }
    }
    if cert.key_algorithm() != KeyAlgorithm::Sm2 && purpose != Purpose::DocumentSigning {
        report.push(
            0,
            cert,
            ChainCheck::KeyUsage,
            ChainOutcome::Indeterminate,
            (
                format!(
                    "密钥是 {}，不是 SM2：不能用于签署印章数据",
                    cert.key_algorithm().name()
                ),
                format!(
                    "the key is {}, not SM2: it cannot sign seal data",
                    cert.key_algorithm().name()
                ),
            ),
        );
    }
}

mod revocation;
use revocation::{check_ocsp, check_revocation};
