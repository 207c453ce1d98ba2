//! The one error type of this crate: a kind, a byte position and what was being read.

use std::fmt;

/// What went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub enum SesErrorKind {
    /// The input ended inside a TLV.
    Truncated,
    /// A length that cannot be right (overflow, beyond the enclosing value).
    BadLength,
    /// Nested deeper than the decoder allows (a defence against hostile input).
    TooDeep,
    /// A tag other than the one the standard puts here.
    UnexpectedTag,
    /// A SEQUENCE with too few or too many elements for any known version.
    WrongElementCount,
    /// An INTEGER that does not fit the field (or is empty).
    BadInteger,
    /// A BIT STRING whose unused-bits octet is not 0.
    BadBitString,
    /// An OBJECT IDENTIFIER that cannot be decoded.
    BadOid,
    /// A time that cannot be read in any accepted form.
    BadTime,
    /// The input is none of the known seal / signature layouts.
    UnknownLayout,
    /// A value cannot be encoded (too long, bad characters for the string type).
    Encoding,
    /// Making or signing was refused (e.g. the signer certificate is not in the seal).
    Refused,
    /// The crypto provider failed.
    Crypto,
}

/// The error of every fallible operation in this crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SesError {
    kind: SesErrorKind,
    position: Option<usize>,
    context: String,
    /// The context in Chinese, where it is a phrase rather than a structure name.
    context_zh: Option<String>,
}

impl SesError {
    pub(crate) fn at(kind: SesErrorKind, position: usize, context: impl Into<String>) -> Self {
        Self {
            kind,
            position: Some(position),
            context: context.into(),
            context_zh: None,
        }
    }

    pub(crate) fn new(kind: SesErrorKind, context: impl Into<String>) -> Self {
        Self {
            kind,
            position: None,
            context: context.into(),
            context_zh: None,
        }
    }

    /// An error of `kind` whose context is given in both languages.
    pub(crate) fn text(kind: SesErrorKind, context: crate::report::Text) -> Self {
        Self::new(kind, context.en).zh_context(context.zh)
    }

    /// The same error with its context phrased in Chinese for [`SesError::zh`] (the English
    /// context stays for `Display`). Structure names (`SESeal.esealInfo`) need none.
    pub(crate) fn zh_context(mut self, zh: impl Into<String>) -> Self {
        self.context_zh = Some(zh.into());
        self
    }

    /// The category.
    pub fn kind(&self) -> SesErrorKind {
        self.kind
    }

    /// Byte offset in the input where decoding failed, when it applies.
    pub fn position(&self) -> Option<usize> {
        self.position
    }

    /// What was being read or done.
    pub fn context(&self) -> &str {
        &self.context
    }
}

impl SesErrorKind {
    /// What it means, in Chinese and in English.
    pub fn describe(self) -> (&'static str, &'static str) {
        use eseal_asn1::Asn1ErrorKind as A;
        match self {
            // The kinds the BER reader reports are described once, there.
            Self::Truncated => A::Truncated.describe(),
            Self::BadLength => A::BadLength.describe(),
            Self::TooDeep => A::TooDeep.describe(),
            Self::UnexpectedTag => A::UnexpectedTag.describe(),
            Self::BadInteger => A::BadInteger.describe(),
            Self::BadBitString => A::BadBitString.describe(),
            Self::BadOid => A::BadOid.describe(),
            Self::Encoding => A::Encoding.describe(),
            Self::WrongElementCount => (
                "元素个数不符合任何已知版本",
                "the number of elements fits no known version",
            ),
            Self::BadTime => ("时间无法读取", "a time that cannot be read"),
            Self::UnknownLayout => (
                "不是已知的印章或签章数据格式",
                "none of the known seal or signature layouts",
            ),
            Self::Refused => ("请求被拒绝", "refused"),
            Self::Crypto => ("密码运算失败", "a cryptographic operation failed"),
        }
    }
}

impl SesError {
    /// The error in Chinese.
    pub fn zh(&self) -> String {
        let context = self.context_zh.as_deref().unwrap_or(&self.context);
        let mut out = format!("{context}：{}", self.kind.describe().0);
        if let Some(p) = self.position {
            out.push_str(&format!("（第 {p} 字节）"));
        }
        out
    }
}

impl fmt::Display for SesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.context, self.kind.describe().1)?;
        if let Some(p) = self.position {
            write!(f, " at byte {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SesError {}

impl From<eseal_gm::Error> for SesError {
    fn from(e: eseal_gm::Error) -> Self {
        SesError::new(SesErrorKind::Crypto, e.to_string()).zh_context(e.zh())
    }
}

impl From<eseal_asn1::Asn1Error> for SesError {
    fn from(e: eseal_asn1::Asn1Error) -> Self {
        use eseal_asn1::Asn1ErrorKind as A;
        let kind = match e.kind() {
            A::Truncated => SesErrorKind::Truncated,
            A::BadLength => SesErrorKind::BadLength,
            A::TooDeep => SesErrorKind::TooDeep,
            A::UnexpectedTag => SesErrorKind::UnexpectedTag,
            A::BadInteger => SesErrorKind::BadInteger,
            A::BadBitString => SesErrorKind::BadBitString,
            A::BadOid => SesErrorKind::BadOid,
            _ => SesErrorKind::Encoding,
        };
        SesError {
            kind,
            position: e.position(),
            context: e.context().to_owned(),
            context_zh: e.context_zh().map(str::to_owned),
        }
    }
}
