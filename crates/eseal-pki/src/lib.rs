#![doc = include_str!("../README.md")]

pub mod ca;
pub mod cert;
pub mod chain;
pub mod crl;
pub mod csr;
pub mod error;
pub mod intl;
pub mod issue;
pub mod name;
pub mod ocsp;
pub mod p12;
pub mod pem;

pub use cert::Certificate;
pub use chain::{ChainReport, ChainStatus, Purpose, TrustStore, validate};
pub use error::PkiError;
pub use issue::{CertificateKind, IssueRequest, Issuer, issue_certificate};
