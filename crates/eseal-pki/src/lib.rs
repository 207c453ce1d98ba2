//! # eseal-pki
//!
//! X.509 certificates with SM2 keys. This first part issues certificates signed through the
//! [`eseal_gm::provider::Sm2Signer`] trait (so the issuing key can live in an HSM), with the
//! extensions a Chinese CA puts in: basic constraints, key usage, extended key usage where
//! relevant, subject and authority key identifiers. The development CA, chain validation,
//! CRLs, CSRs and PKCS#12 import build on it.

pub mod issue;

pub use issue::{CertificateKind, IssueRequest, Issuer, PkiError, issue_certificate};
