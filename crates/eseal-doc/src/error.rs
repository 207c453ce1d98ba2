//! The one error type of this crate.

/// Errors of eseal-doc: what was wrong and where.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DocError {
    /// The package is not a usable ZIP, or breaks a safety rule (traversal, duplicates, bombs).
    #[error("OFD package: {0}")]
    Package(String),
    /// A file the structure points to is missing.
    #[error("{0}: not in the package")]
    Missing(String),
    /// An XML file cannot be read.
    #[error("{file}: {why}")]
    Xml {
        /// Which file.
        file: String,
        /// What is wrong.
        why: String,
    },
    /// Reading the package failed.
    #[error("I/O: {0}")]
    Io(String),
}
