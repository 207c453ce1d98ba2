//! Certificate chains for signature and seal verification: `eseal-pki` validation behind the
//! `eseal_ses::CertificateValidator` trait (the CLI, and later the service, plug it in).

use eseal_pki::Certificate;
use eseal_pki::chain::{ChainCheck, ChainOutcome, ChainStatus, Purpose, TrustStore, validate};
use eseal_ses::{
    CertificateRole, CertificateValidator, ChainVerdict, Outcome, SubIndication, Text,
};
use time::OffsetDateTime;

/// Validates against a trust store loaded from a directory.
#[derive(Debug)]
pub struct PkiValidator {
    /// Anchors, intermediates and CRLs.
    pub store: TrustStore,
}

impl CertificateValidator for PkiValidator {
    fn validate(&self, cert: &[u8], at: OffsetDateTime, role: CertificateRole) -> ChainVerdict {
        let cert = match Certificate::from_der(cert) {
            Ok(c) => c,
            Err(e) => {
                return ChainVerdict {
                    outcome: Outcome::Indeterminate,
                    sub_indication: Some(SubIndication::CertificateChainGeneralFailure),
                    detail: {
                        Text::new(
                            "证书无法解析：不是有效的 DER X.509 证书",
                            format!("the certificate cannot be read: {e}"),
                        )
                    },
                };
            }
        };
        let purpose = match role {
            CertificateRole::InternationalSigner => Purpose::DocumentSigning,
            _ => Purpose::Signing,
        };
        let report = validate(&cert, &[], &self.store, &[], at, purpose);
        let (who_zh, who) = match role {
            CertificateRole::Maker => (
                "制章者证书（按制章时间）",
                "maker certificate at createDate",
            ),
            CertificateRole::Signer => (
                "签章者证书（按签章时间）",
                "signer certificate at the signing time",
            ),
            CertificateRole::InternationalSigner => (
                "签名者证书（按签名时间）",
                "signer certificate at the signing time",
            ),
            CertificateRole::SignerNow => (
                "签名者证书（按当前时间：这种签名不带签名时间）",
                "signer certificate now (this kind of signature carries no signing time)",
            ),
        };
        let path = report.path.join(" -> ");
        let why = |outcome: ChainOutcome| {
            report
                .first(outcome)
                .map(|c| {
                    let (l_zh, l_en) = c.check.label();
                    (
                        format!("{}：{l_zh}：{}", c.subject, c.detail_zh),
                        format!("{}: {l_en}: {}", c.subject, c.detail),
                    )
                })
                .unwrap_or_default()
        };
        match report.status() {
            ChainStatus::Valid => {
                // The end entity's revocation evidence says which source answered.
                let revocation = report
                    .checks
                    .iter()
                    .find(|c| c.depth == 0 && c.check == ChainCheck::Revocation);
                let (rz, re) = revocation.map_or((String::new(), String::new()), |c| {
                    (
                        format!("；撤销状态：{}", c.detail_zh),
                        format!("; revocation: {}", c.detail),
                    )
                });
                ChainVerdict {
                    outcome: Outcome::Passed,
                    sub_indication: None,
                    detail: Text::new(
                        format!("{who_zh}：证书链有效 {path}{rz}"),
                        format!("{who}: valid chain {path}{re}"),
                    ),
                }
            }
            ChainStatus::Invalid => {
                let sub = match report.first(ChainOutcome::Failed).map(|c| c.check) {
                    Some(ChainCheck::Revocation) => SubIndication::Revoked,
                    Some(ChainCheck::Signature) => SubIndication::CertificateChainGeneralFailure,
                    _ => SubIndication::ChainConstraintsFailure,
                };
                let (zh, en) = why(ChainOutcome::Failed);
                ChainVerdict {
                    outcome: Outcome::Failed,
                    sub_indication: Some(sub),
                    detail: Text::new(
                        format!("{who_zh}：{zh}（证书路径 {path}）"),
                        format!("{who}: {en} (path {path})"),
                    ),
                }
            }
            ChainStatus::Indeterminate => {
                let sub = match report.first(ChainOutcome::Indeterminate).map(|c| c.check) {
                    Some(ChainCheck::PathFound) => SubIndication::NoCertificateChainFound,
                    Some(ChainCheck::Revocation) => SubIndication::TryLater,
                    _ => SubIndication::CertificateChainGeneralFailure,
                };
                let (zh, en) = why(ChainOutcome::Indeterminate);
                ChainVerdict {
                    outcome: Outcome::Indeterminate,
                    sub_indication: Some(sub),
                    detail: Text::new(
                        format!("{who_zh}：{zh}（证书路径 {path}）"),
                        format!("{who}: {en} (path {path})"),
                    ),
                }
            }
        }
    }
}
