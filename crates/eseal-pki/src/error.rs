//! The one error type of this crate.

/// Errors of eseal-pki.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PkiError {
    /// A distinguished name could not be parsed.
    #[error("bad distinguished name {0:?}: {1}")]
    BadName(String, String),
    /// A certificate could not be decoded.
    #[error("bad certificate: {0}")]
    BadCertificate(String),
    /// A CRL could not be decoded.
    #[error("bad CRL: {0}")]
    BadCrl(String),
    /// A PKCS#12 file could not be read.
    #[error("PKCS#12: {0}")]
    Pkcs12(String),
    /// A PEM container could not be read.
    #[error("PEM: {0}")]
    Pem(String),
    /// Encoding or building failed.
    #[error("certificate building failed: {0}")]
    Build(String),
    /// The issuer key does not match the issuer certificate.
    #[error("the issuer key does not belong to the issuer certificate")]
    IssuerKeyMismatch,
    /// A CA operation was refused (e.g. revoking an unknown serial).
    #[error("refused: {0}")]
    Refused(String),
}

impl From<der::Error> for PkiError {
    fn from(e: der::Error) -> Self {
        PkiError::Build(e.to_string())
    }
}
