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
    /// The same evidence in Chinese, where the check provides it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail_zh: Option<String>,
}

impl Check {
    /// The evidence in Chinese (`zh`) or English.
    pub fn detail_in(&self, zh: bool) -> &str {
        match &self.detail_zh {
            Some(t) if zh => t,
            _ => &self.detail,
        }
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

/// A report: the checks in the order they ran.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Report {
    /// The checks.
    pub checks: Vec<Check>,
}

impl Report {
    pub(crate) fn push(
        &mut self,
        id: CheckId,
        outcome: Outcome,
        sub_indication: Option<SubIndication>,
        detail: impl Into<String>,
    ) {
        self.checks.push(Check {
            id,
            outcome,
            sub_indication,
            detail: detail.into(),
            detail_zh: None,
        });
    }

    /// A check with its evidence in both languages.
    pub(crate) fn push_text(
        &mut self,
        id: CheckId,
        outcome: Outcome,
        sub_indication: Option<SubIndication>,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) {
        self.checks.push(Check {
            id,
            outcome,
            sub_indication,
            detail: en.into(),
            detail_zh: Some(zh.into()),
        });
    }

    /// One WARNING check per encoding quirk.
    pub(crate) fn quirks(&mut self, quirks: &[eseal_asn1::Quirk]) {
        for q in quirks {
            self.push_text(CheckId::Encoding, Outcome::Warning, None, q.zh(), q.en());
        }
    }

    pub(crate) fn pass(&mut self, id: CheckId, detail: impl Into<String>) {
        self.push(id, Outcome::Passed, None, detail);
    }

    pub(crate) fn fail(&mut self, id: CheckId, sub: SubIndication, detail: impl Into<String>) {
        self.push(id, Outcome::Failed, Some(sub), detail);
    }

    pub(crate) fn indeterminate(
        &mut self,
        id: CheckId,
        sub: SubIndication,
        detail: impl Into<String>,
    ) {
        self.push(id, Outcome::Indeterminate, Some(sub), detail);
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
        if self.checks.iter().any(|c| c.outcome == Outcome::Failed) {
            Indication::Failed
        } else if self
            .checks
            .iter()
            .any(|c| c.outcome == Outcome::Indeterminate)
        {
            Indication::Indeterminate
        } else {
            Indication::Passed
        }
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
