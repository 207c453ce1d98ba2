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
    /// Reading the package failed.
    #[error("I/O: {0}")]
    Io(String),
    /// The work would pass a bound set for it (bytes read and hashed, signatures,
    /// references): no verdict, the document is not checked further.
    #[error("too much work: {0}")]
    Limit(Text),
    /// The caller stopped the work (the client went away).
    #[error("stopped: the caller no longer waits for the result")]
    Cancelled,
}

impl DocError {
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
            DocError::Xml { file, why } => {
                // The pseudo-files of signing name a step, not a file in the package.
                let file = match file.as_str() {
                    "placement" => "盖章位置",
                    "seal" => "印章",
                    "signature" => "签名",
                    "timestamp" => "时间戳",
                    other => other,
                };
                format!("{file}：{}", why.zh)
            }
            DocError::Io(w) => format!("读取失败：{w}"),
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
