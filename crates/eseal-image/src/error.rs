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

impl ImageError {
    /// The error in Chinese: what went wrong in words; the drawing's or decoder's own detail
    /// (English, with the numbers) in parentheses after it.
    pub fn zh(&self) -> String {
        let (what, detail) = match self {
            Self::EmptyText => return "印章文字为空".to_owned(),
            Self::NoInk => return "图片中没有找到印章的红色印迹".to_owned(),
            Self::TextDoesNotFit(d) => ("印章文字在此样式中放不下", d),
            Self::BadSize(d) => ("尺寸或分辨率超出允许范围", d),
            Self::Font(d) => ("字体无法读取或缺少所需的字", d),
            Self::NotAnImage(d) => ("不是可读取的图片（PNG 或 JPEG）", d),
            Self::Encoding(d) => ("图片无法编码", d),
        };
        format!("{what}（{detail}）")
    }
}

#[cfg(test)]
mod tests {
    use super::ImageError;

    #[test]
    fn every_error_has_chinese() {
        assert_eq!(ImageError::EmptyText.zh(), "印章文字为空");
        assert_eq!(
            ImageError::TextDoesNotFit("18 characters at 3.5 mm".into()).zh(),
            "印章文字在此样式中放不下（18 characters at 3.5 mm）"
        );
    }
}
