#![doc = include_str!("../README.md")]

pub mod issue;

pub use issue::{CertificateKind, IssueRequest, Issuer, PkiError, issue_certificate};
