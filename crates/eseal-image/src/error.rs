//! The one error type of this crate.

/// Errors of eseal-image. Each says what was wrong with the input.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    /// The seal text is empty.
    #[error("the seal text is empty")]
    EmptyText,
    /// The text does not fit the style.
    #[error("{0}")]
    TextDoesNotFit(String),
    /// A size or resolution out of the accepted range.
    #[error("{0}")]
    BadSize(String),
    /// The font cannot be read or lacks a character.
    #[error("font: {0}")]
    Font(String),
    /// The input is not a PNG or JPEG image, or cannot be decoded.
    #[error("not an image eseal can read: {0}")]
    NotAnImage(String),
    /// No red ink was found in an image.
    #[error("no seal ink (red) found in the image")]
    NoInk,
    /// Encoding failed.
    #[error("encoding: {0}")]
    Encoding(String),
}
