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

impl PkiError {
    /// The error in Chinese: what went wrong in words, the decoder's own detail (English,
    /// technical) kept in parentheses for whoever must diagnose it.
    pub fn zh(&self) -> String {
        let (what, detail) = match self {
            Self::BadName(name, why) => (format!("名称 {name:?} 无法解析"), why.as_str()),
            Self::BadCertificate(why) => ("证书无法解码".to_owned(), why.as_str()),
            Self::BadCrl(why) => ("证书吊销列表（CRL）无法解码".to_owned(), why.as_str()),
            Self::Pkcs12(why) => ("PKCS#12 文件无法读取".to_owned(), why.as_str()),
            Self::Pem(why) => ("PEM 内容无法读取".to_owned(), why.as_str()),
            Self::Build(why) => ("证书无法生成".to_owned(), why.as_str()),
            Self::IssuerKeyMismatch => ("签发者私钥与签发者证书不匹配".to_owned(), ""),
            Self::Refused(why) => ("操作被拒绝".to_owned(), why.as_str()),
        };
        if detail.is_empty() {
            what
        } else {
            format!("{what}（技术细节：{detail}）")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::PkiError;

    #[test]
    fn every_error_has_chinese() {
        let e = PkiError::BadCertificate("unknown tag".into());
        assert_eq!(e.zh(), "证书无法解码（技术细节：unknown tag）");
        assert_eq!(
            PkiError::IssuerKeyMismatch.zh(),
            "签发者私钥与签发者证书不匹配"
        );
    }
}
