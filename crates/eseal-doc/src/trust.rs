//! Certificate chains for signature and seal verification: `eseal-pki` validation behind the
//! `eseal_ses::CertificateValidator` trait (the CLI, and later the service, plug it in).

use eseal_pki::Certificate;
use eseal_pki::chain::{ChainCheck, ChainOutcome, ChainStatus, Purpose, TrustStore, validate};
use eseal_ses::{CertificateRole, CertificateValidator, ChainVerdict, Outcome, SubIndication};
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
                    detail: e.to_string(),
                };
            }
        };
        let report = validate(&cert, &[], &self.store, &[], at, Purpose::Signing);
        let who = match role {
            CertificateRole::Maker => "maker certificate at createDate",
            CertificateRole::Signer => "signer certificate at the signing time",
        };
        let path = report.path.join(" -> ");
        match report.status() {
            ChainStatus::Valid => ChainVerdict {
                outcome: Outcome::Passed,
                sub_indication: None,
                detail: format!("{who}: valid chain {path}"),
            },
            ChainStatus::Invalid => {
                let first = report.first(ChainOutcome::Failed);
                let sub = match first.map(|c| c.check) {
                    Some(ChainCheck::Revocation) => SubIndication::Revoked,
                    Some(ChainCheck::Signature) => SubIndication::CertificateChainGeneralFailure,
                    _ => SubIndication::ChainConstraintsFailure,
                };
                let why = first
                    .map(|c| format!("{}: {:?}: {}", c.subject, c.check, c.detail))
                    .unwrap_or_default();
                ChainVerdict {
                    outcome: Outcome::Failed,
                    sub_indication: Some(sub),
                    detail: format!("{who}: {why} (path {path})"),
                }
            }
            ChainStatus::Indeterminate => {
                let first = report.first(ChainOutcome::Indeterminate);
                let sub = match first.map(|c| c.check) {
                    Some(ChainCheck::PathFound) => SubIndication::NoCertificateChainFound,
                    Some(ChainCheck::Revocation) => SubIndication::TryLater,
                    _ => SubIndication::CertificateChainGeneralFailure,
                };
                let why = first
                    .map(|c| format!("{}: {}", c.subject, c.detail))
                    .unwrap_or_default();
                ChainVerdict {
                    outcome: Outcome::Indeterminate,
                    sub_indication: Some(sub),
                    detail: format!("{who}: {why} (path {path})"),
                }
            }
        }
    }
}
