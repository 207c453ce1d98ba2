//! Verification reports: every check with its outcome and evidence, never a bare bool.
//! Indications follow ETSI EN 319 102-1: PASSED, FAILED or INDETERMINATE, with a
//! sub-indication where one applies.

use serde::Serialize;

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Outcome {
    /// The check passed.
    Passed,
    /// The check failed: the object is not valid.
    Failed,
    /// The check could not decide (missing information, unsupported algorithm, no proof of time).
    Indeterminate,
    /// Passed with a reservation worth showing (a known quirk of genuine files).
    Warning,
    /// Not evaluated here, with the reason in the detail (does not change the indication).
    NotChecked,
    /// Does not apply to this object (e.g. no timestamp present).
    NotApplicable,
}

/// The checks eseal performs on seals and signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckId {
    /// The structure decodes as a known version.
    Structure,
    /// A departure from DER that genuine encoders make, accepted and named (one check each).
    Encoding,
    /// Version fields agree with the layout (header version, TBS version).
    VersionConsistency,
    /// The maker's signature algorithm is SM2-with-SM3.
    SealSignatureAlgorithm,
    /// The maker certificate decodes and holds an SM2 key.
    MakerCertificate,
    /// The maker's signature over the seal information verifies.
    MakerSignature,
    /// The maker certificate was valid when the seal was created.
    MakerCertificateAtCreation,
    /// The seal's validity window contains the time of interest (now, for a seal alone).
    SealValidity,
    /// The seal timestamp (v5).
    SealTimestamp,
    /// The signer's signature algorithm is SM2-with-SM3.
    SignatureAlgorithm,
    /// The signer certificate decodes and holds an SM2 key.
    SignerCertificate,
    /// The signer's signature over TBS_Sign verifies.
    SignerSignature,
    /// The signer certificate is one the seal lists.
    SignerInSeal,
    /// The signing time can be read.
    SigningTime,
    /// The signing time lies inside the seal's validity.
    SealValidAtSigningTime,
    /// The signing time lies inside the signer certificate's validity.
    SignerCertificateAtSigningTime,
    /// The data digest matches dataHash.
    DataHash,
    /// The signature timestamp.
    SignatureTimestamp,
    /// Every file a document signature references has the check value it records.
    DocumentReferences,
    /// Which files of the document the signature does not protect.
    DocumentCoverage,
    /// The seal file stored beside the signature is the seal inside it.
    SealFile,
    /// The signature's type is one eseal verifies.
    SignatureType,
    /// The maker certificate's chain to a trust anchor, and its revocation status, at createDate.
    MakerCertificateChain,
    /// The signer certificate's chain to a trust anchor, and its revocation status, at the
    /// signing time (the timestamp's, when one verifies).
    SignerCertificateChain,
}

/// Sub-indications (EN 319 102-1 names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SubIndication {
    /// The structure is not a valid seal / signature.
    FormatFailure,
    /// A digest does not match.
    HashFailure,
    /// A signature value does not verify.
    SigCryptoFailure,
    /// The signer is not bound to the seal (or the seal to the signature).
    SigConstraintsFailure,
    /// The time of interest is before a validity period.
    NotYetValid,
    /// The time of interest is after a validity period and nothing proves an earlier time.
    OutOfBoundsNoPoe,
    /// The seal has expired (for a seal checked at a given time).
    Expired,
    /// The algorithm is not supported.
    CryptoConstraintsFailure,
    /// Information needed for the check is missing.
    SignedDataNotFound,
    /// No chain to a trust anchor could be built.
    NoCertificateChainFound,
    /// The certificate was revoked before the time of interest.
    Revoked,
    /// Revocation information is not available (yet).
    TryLater,
    /// The chain breaks a constraint (CA flag, key usage, path length, validity).
    ChainConstraintsFailure,
    /// A signature in the chain does not verify, or another chain failure.
    CertificateChainGeneralFailure,
    /// The timestamp does not verify.
    TimestampFailure,
}

/// One check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Check {
    /// Which check.
    pub id: CheckId,
    /// Its outcome.
    pub outcome: Outcome,
    /// The sub-indication for a failed or indeterminate check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_indication: Option<SubIndication>,
    /// The evidence: what was compared with what (English).
    pub detail: String,
    /// The same evidence in Chinese.
    pub detail_zh: String,
}

impl Check {
    /// The evidence in Chinese (`zh`) or English.
    pub fn detail_in(&self, zh: bool) -> &str {
        if zh { &self.detail_zh } else { &self.detail }
    }
}

/// The overall indication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Indication {
    /// Every check passed (warnings allowed).
    Passed,
    /// At least one check failed.
    Failed,
    /// Nothing failed, but something could not be decided.
    Indeterminate,
}

impl Indication {
    /// Its label: Chinese (with the standard's word), English.
    pub fn labels(self) -> (&'static str, &'static str) {
        match self {
            Indication::Passed => ("有效 (PASSED)", "PASSED"),
            Indication::Failed => ("无效 (FAILED)", "FAILED"),
            Indication::Indeterminate => ("不确定 (INDETERMINATE)", "INDETERMINATE"),
        }
    }

    /// The rule for combining checks: FAILED if any failed, else INDETERMINATE if any is
    /// indeterminate, else PASSED.
    pub fn of(outcomes: impl IntoIterator<Item = Outcome>) -> Self {
        let mut out = Indication::Passed;
        for o in outcomes {
            match o {
                Outcome::Failed => return Indication::Failed,
                Outcome::Indeterminate => out = Indication::Indeterminate,
                _ => {}
            }
        }
        out
    }
}

/// A report: the checks in the order they ran.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Report {
    /// The checks.
    pub checks: Vec<Check>,
}

pub use eseal_core::Text;

impl Report {
    /// Add a check.
    pub fn push(
        &mut self,
        id: CheckId,
        outcome: Outcome,
        sub_indication: Option<SubIndication>,
        detail: Text,
    ) {
        self.checks.push(Check {
            id,
            outcome,
            sub_indication,
            detail: detail.en,
            detail_zh: detail.zh,
        });
    }

    /// Add a passed check.
    pub fn pass(&mut self, id: CheckId, detail: Text) {
        self.push(id, Outcome::Passed, None, detail);
    }

    /// Add a warning.
    pub fn warn(&mut self, id: CheckId, detail: Text) {
        self.push(id, Outcome::Warning, None, detail);
    }

    /// Add a failed check.
    pub fn fail(&mut self, id: CheckId, sub: SubIndication, detail: Text) {
        self.push(id, Outcome::Failed, Some(sub), detail);
    }

    /// Add an indeterminate check.
    pub fn indeterminate(&mut self, id: CheckId, sub: SubIndication, detail: Text) {
        self.push(id, Outcome::Indeterminate, Some(sub), detail);
    }

    /// One WARNING check per encoding quirk.
    pub(crate) fn quirks(&mut self, quirks: &[eseal_asn1::Quirk]) {
        for q in quirks {
            self.warn(CheckId::Encoding, Text::new(q.zh(), q.en()));
        }
    }

    /// The check with this id, if it ran.
    pub fn check(&self, id: CheckId) -> Option<&Check> {
        self.checks.iter().find(|c| c.id == id)
    }

    /// The outcome of a check, if it ran.
    pub fn outcome(&self, id: CheckId) -> Option<Outcome> {
        self.check(id).map(|c| c.outcome)
    }

    /// FAILED if any check failed, else INDETERMINATE if any is indeterminate, else PASSED.
    pub fn indication(&self) -> Indication {
        Indication::of(self.checks.iter().map(|c| c.outcome))
    }

    /// The sub-indication of the first failed (else indeterminate) check.
    pub fn sub_indication(&self) -> Option<SubIndication> {
        let first = |o: Outcome| {
            self.checks
                .iter()
                .find(|c| c.outcome == o)
                .and_then(|c| c.sub_indication)
        };
        match self.indication() {
            Indication::Failed => first(Outcome::Failed),
            Indication::Indeterminate => first(Outcome::Indeterminate),
            Indication::Passed => None,
        }
    }
}

/// What a verdict means and what the reader can do, one sentence in each language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Advice {
    /// 中文.
    pub zh: String,
    /// English.
    pub en: String,
}

impl Report {
    /// For a FAILED or INDETERMINATE report, what the decisive check (the first failed, else
    /// the first indeterminate) means and what to do; `None` when the report PASSED.
    pub fn advice(&self) -> Option<Advice> {
        let decisive = match self.indication() {
            Indication::Passed => return None,
            Indication::Failed => self.checks.iter().find(|c| c.outcome == Outcome::Failed),
            Indication::Indeterminate => self
                .checks
                .iter()
                .find(|c| c.outcome == Outcome::Indeterminate),
        }?;
        let sub = decisive.sub_indication?;
        let (zh, en) = advice_for(decisive.id, sub);
        Some(Advice {
            zh: zh.to_owned(),
            en: en.to_owned(),
        })
    }
}

fn advice_for(id: CheckId, sub: SubIndication) -> (&'static str, &'static str) {
    use SubIndication as S;
    match (sub, id) {
        (S::HashFailure, _) => (
            "文件在签章后被改动过：它不是签章时的那份文件（若只是签名列表因追加签名而变化，详见该项说明）。请向发送方索取原件。",
            "The file was changed after it was signed: it is not the file that was signed (if only the signature list changed because a signature was added later, the check says so). Ask the sender for the original.",
        ),
        (S::SigCryptoFailure, _) => (
            "签名值与所签数据不符：签章数据被篡改过，或不是用所示证书签的。不要信任此文件。",
            "The signature value does not match what was signed: the signature data was tampered with or not made with the certificate shown. Do not rely on this file.",
        ),
        (S::FormatFailure, _) => (
            "这不是有效的电子印章或签章数据，或文件已损坏：请向发送方重新索取。",
            "This is not valid seal or signature data, or the file is damaged: ask the sender for it again.",
        ),
        (S::SigConstraintsFailure, _) => (
            "签章者证书与印章不对应，或印章文件被替换：此签章不可信。",
            "The signer's certificate does not belong to the seal, or the seal file was swapped: this signature cannot be trusted.",
        ),
        (S::NotYetValid, _) => (
            "签章时间早于印章或证书的有效期：签章时它们尚未生效，此签章无效。",
            "The signing time is before the validity of the seal or certificate: they were not yet valid, so the signature is not valid.",
        ),
        (S::OutOfBoundsNoPoe, _) => (
            "签章时间晚于印章或证书的有效期，且没有时间戳证明更早的签署时间：请核实签署时间，或请签章方提供带时间戳的文件。",
            "The signing time is after the validity of the seal or certificate and no timestamp proves an earlier time: confirm when it was signed, or ask the signer for a timestamped file.",
        ),
        (S::Expired, _) => (
            "印章已过有效期：已签的文件仍可按签章时间核验，但这枚印章现在不能再用于签章。",
            "The seal has expired: documents signed earlier can still be verified at their signing time, but the seal can no longer be used to sign.",
        ),
        (S::CryptoConstraintsFailure, _) => (
            "使用了 eseal 不支持的算法（不是 SM2/SM3）：无法判断，请用支持该算法的工具核验。",
            "An algorithm eseal does not support (not SM2/SM3) is used: no verdict; verify with a tool that supports it.",
        ),
        (S::SignedDataNotFound, CheckId::DataHash) => (
            "没有提供原文：用 --data 给出所签的文件后再核验。",
            "The signed data was not given: verify again with the signed file (--data FILE).",
        ),
        (S::SignedDataNotFound, CheckId::SignatureType) => (
            "不支持的签名类型：eseal 无法核验这种签名，这不等于签名无效。",
            "Unsupported signature kind: eseal cannot verify this kind of signature, which does not mean it is invalid.",
        ),
        (S::SignedDataNotFound, _) => (
            "核验所需的信息缺失（证书、签章时间或原文）：补齐后再核验。",
            "Information the check needs is missing (a certificate, the signing time or the data): supply it and verify again.",
        ),
        (S::NoCertificateChainFound, _) => (
            "无法确认证书来自可信的 CA：用 --trust 给出信任锚（例如用 eseal trust fetch 取得的目录）后再核验。",
            "The certificate cannot be traced to a trusted CA: give the trust anchors with --trust (for example a directory made by eseal trust fetch) and verify again.",
        ),
        (S::Revoked, _) => (
            "证书在签章之前已被撤销：此签章无效。",
            "The certificate was revoked before the signing time: the signature is not valid.",
        ),
        (S::TryLater, _) => (
            "没有可用的证书撤销信息：取得签发者的最新证书撤销列表（eseal trust fetch --update）后再核验。",
            "No revocation information is available: get the issuer's current CRL (eseal trust fetch --update) and verify again.",
        ),
        (S::ChainConstraintsFailure, _) => (
            "证书链不符合约束（CA 标志、密钥用途、路径长度或有效期）：这张证书不能用于此签章。",
            "The certificate chain breaks a constraint (CA flag, key usage, path length or validity): the certificate may not be used for this signature.",
        ),
        (S::CertificateChainGeneralFailure, _) => (
            "证书链中的签名无法验证：证书可能是伪造的或已损坏。",
            "A signature in the certificate chain does not verify: a certificate may be forged or damaged.",
        ),
        (S::TimestampFailure, _) => (
            "时间戳无法验证：签署时间没有得到证明，文件可能被改动过。",
            "The timestamp does not verify: the signing time is not proved, and the file may have been altered.",
        ),
    }
}
impl CheckId {
    /// The check's name as people read it: (中文, English).
    pub fn labels(self) -> (&'static str, &'static str) {
        match self {
            Self::Structure => ("数据结构", "structure"),
            Self::Encoding => ("编码", "encoding"),
            Self::VersionConsistency => ("版本一致性", "version consistency"),
            Self::SealSignatureAlgorithm => ("制章签名算法", "seal signature algorithm"),
            Self::MakerCertificate => ("制章者证书", "maker certificate"),
            Self::MakerSignature => ("制章者签名", "maker signature"),
            Self::MakerCertificateAtCreation => {
                ("制章时制章者证书有效", "maker certificate at creation")
            }
            Self::SealValidity => ("印章有效期", "seal validity"),
            Self::SealTimestamp => ("印章时间戳", "seal timestamp"),
            Self::SignatureAlgorithm => ("签章算法", "signature algorithm"),
            Self::SignerCertificate => ("签章者证书", "signer certificate"),
            Self::SignerSignature => ("签章者签名", "signer signature"),
            Self::SignerInSeal => ("签章者证书属于印章", "signer listed in seal"),
            Self::SigningTime => ("签章时间", "signing time"),
            Self::SealValidAtSigningTime => ("签章时印章有效", "seal valid at signing time"),
            Self::SignerCertificateAtSigningTime => {
                ("签章时证书有效", "certificate valid at signing time")
            }
            Self::DataHash => ("原文杂凑", "data hash"),
            Self::SignatureTimestamp => ("签章时间戳", "signature timestamp"),
            Self::DocumentReferences => ("文件完整性", "document references"),
            Self::DocumentCoverage => ("保护范围", "protected files"),
            Self::SealFile => ("印章文件一致", "seal file"),
            Self::SignatureType => ("签名类型", "signature type"),
            Self::MakerCertificateChain => (
                "制章者证书链与吊销",
                "maker certificate chain and revocation",
            ),
            Self::SignerCertificateChain => (
                "签章者证书链与吊销",
                "signer certificate chain and revocation",
            ),
        }
    }
}

impl Outcome {
    /// The outcome as people read it: (中文, English).
    pub fn labels(self) -> (&'static str, &'static str) {
        match self {
            Self::Passed => ("通过", "PASSED"),
            Self::Failed => ("失败", "FAILED"),
            Self::Indeterminate => ("不确定", "INDETERMINATE"),
            Self::Warning => ("警告", "WARNING"),
            Self::NotChecked => ("未检查", "NOT CHECKED"),
            Self::NotApplicable => ("不适用", "N/A"),
        }
    }
}
