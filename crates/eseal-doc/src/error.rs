//! The one error type of this crate. What it says is in Chinese and English ([`Text`]): it
//! reaches people as the reason a document cannot be verified or signed.

pub use eseal_ses::report::Text;

/// Errors of eseal-doc: what was wrong and where.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DocError {
    /// The package is not a usable ZIP, or breaks a safety rule (traversal, duplicates, bombs).
    #[error("OFD package: {0}")]
    Package(Text),
    /// The package ends before its structure does: cut short (an interrupted download or
    /// copy), or not a ZIP file at all.
    #[error("OFD package incomplete: {0}")]
    Incomplete(Text),
    /// A file the structure points to is missing.
    #[error("{0}: not in the package")]
    Missing(String),
    /// An XML file cannot be read.
    #[error("{file}: {why}")]
    Xml {
        /// Which file.
        file: String,
        /// What is wrong.
        why: Text,
    },
    /// A PDF's structure cannot be read (syntax, cross-reference data, objects).
    #[error("PDF: {0}")]
    Pdf(Text),
    /// A PDF ends before its structure does: cut short, or not a PDF at all.
    #[error("PDF incomplete: {0}")]
    PdfIncomplete(Text),
    /// Reading or writing failed: what was being done, and the system's reason.
    #[error("I/O: {0}")]
    Io(Text),
    /// The work would pass a bound set for it (bytes read and hashed, signatures,
    /// references): no verdict, the document is not checked further.
    #[error("too much work: {0}")]
    Limit(Text),
    /// The caller stopped the work (the client went away).
    #[error("stopped: the caller no longer waits for the result")]
    Cancelled,
    /// Signing could not be done: which step, and why (the document itself may be fine).
    #[error("{step}: {why}")]
    Sign {
        /// The step that failed.
        step: SignStep,
        /// What is wrong.
        why: Text,
    },
}

/// The steps of signing a document that can fail on their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignStep {
    /// Where the stamp goes (no such page, off the page, keyword not found).
    Placement,
    /// The seal (missing, unreadable).
    Seal,
    /// The signature value (the signer, the SES_Signature or SignedData).
    Signature,
    /// The timestamp from the TSA.
    Timestamp,
}

impl SignStep {
    /// Its name: Chinese, English.
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            SignStep::Placement => ("盖章位置", "placement"),
            SignStep::Seal => ("印章", "seal"),
            SignStep::Signature => ("签名", "signature"),
            SignStep::Timestamp => ("时间戳", "timestamp"),
        }
    }
}

impl std::fmt::Display for SignStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.names().1)
    }
}

impl DocError {
    /// An I/O failure while doing what `zh` / `en` say ("读取 X", "reading X").
    pub fn io(zh: &str, en: &str, e: &std::io::Error) -> Self {
        DocError::Io(Text::new(
            format!("{zh}失败：{}", eseal_core::error::io_zh(e)),
            format!("{en}: {e}"),
        ))
    }

    /// [`DocError::io`] for the ZIP writer's errors.
    pub(crate) fn zip_io(zh: &str, en: &str, e: &zip::result::ZipError) -> Self {
        match e {
            zip::result::ZipError::Io(e) => Self::io(zh, en, e),
            other => DocError::Io(Text::new(
                format!("{zh}失败（ZIP：{other}）"),
                format!("{en}: {other}"),
            )),
        }
    }

    /// The error in Chinese.
    pub fn zh(&self) -> String {
        match self {
            DocError::Package(w) => format!("OFD 文件包有问题：{}", w.zh),
            DocError::Incomplete(w) => {
                format!(
                    "OFD 文件包不完整（下载或复制中断，或根本不是 ZIP）：{}",
                    w.zh
                )
            }
            DocError::Missing(f) => format!("{f}：文件包中没有这个文件"),
            DocError::Xml { file, why } => format!("{file}：{}", why.zh),
            DocError::Pdf(w) => format!("PDF 文件有问题：{}", w.zh),
            DocError::PdfIncomplete(w) => {
                format!("PDF 文件不完整（下载或复制中断，或不是 PDF）：{}", w.zh)
            }
            DocError::Sign { step, why } => format!("{}：{}", step.names().0, why.zh),
            DocError::Io(w) => w.zh.clone(),
            DocError::Limit(w) => format!("工作量超出上限，未继续核验：{}", w.zh),
            DocError::Cancelled => "已停止：调用方不再等待结果".to_owned(),
        }
    }

    /// Whether the work was stopped by a bound or by the caller, rather than by the document:
    /// such an error ends a verification instead of failing one signature.
    pub fn stops_work(&self) -> bool {
        matches!(self, DocError::Limit(_) | DocError::Cancelled)
    }
}
