#![doc = include_str!("../README.md")]

pub mod ber;
pub mod der_out;
pub mod der_text;
pub mod dn;
pub mod quirk;

pub use quirk::{Quirk, QuirkKind, QuirkLog};

/// The text of a BMPString's content (UTF-16BE; an odd last byte and unpaired surrogates are
/// replaced, never refused).
pub fn bmp_text(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks(2)
        .map(|c| {
            u16::from_be_bytes([
                c.first().copied().unwrap_or(0),
                c.get(1).copied().unwrap_or(0),
            ])
        })
        .collect();
    String::from_utf16_lossy(&units)
}

use std::fmt;

/// What went wrong while reading or writing ASN.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Asn1ErrorKind {
    /// The input ended inside a TLV.
    Truncated,
    /// A length that cannot be right.
    BadLength,
    /// Nested deeper than allowed.
    TooDeep,
    /// A tag other than the expected one.
    UnexpectedTag,
    /// An INTEGER that does not fit (or is empty).
    BadInteger,
    /// A BIT STRING whose unused-bits octet is not 0.
    BadBitString,
    /// An OBJECT IDENTIFIER that cannot be decoded.
    BadOid,
    /// A value that cannot be encoded.
    Encoding,
}

/// An error with its kind, byte position and what was being read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asn1Error {
    kind: Asn1ErrorKind,
    position: Option<usize>,
    context: String,
    context_zh: Option<String>,
}

impl Asn1Error {
    /// An error at a byte position.
    pub fn at(kind: Asn1ErrorKind, position: usize, context: impl Into<String>) -> Self {
        Self {
            kind,
            position: Some(position),
            context: context.into(),
            context_zh: None,
        }
    }

    /// An error without a position.
    pub fn new(kind: Asn1ErrorKind, context: impl Into<String>) -> Self {
        Self {
            kind,
            position: None,
            context: context.into(),
            context_zh: None,
        }
    }

    /// The same error with its context phrased in Chinese for [`Asn1Error::zh`] (structure
    /// names such as `TLV header` need none).
    pub fn zh_context(mut self, zh: impl Into<String>) -> Self {
        self.context_zh = Some(zh.into());
        self
    }

    /// The context in Chinese, when it was given one.
    pub fn context_zh(&self) -> Option<&str> {
        self.context_zh.as_deref()
    }

    /// The kind.
    pub fn kind(&self) -> Asn1ErrorKind {
        self.kind
    }

    /// The byte position, when known.
    pub fn position(&self) -> Option<usize> {
        self.position
    }

    /// What was being read.
    pub fn context(&self) -> &str {
        &self.context
    }
}

impl Asn1ErrorKind {
    /// What it means, in Chinese and in English.
    pub fn describe(self) -> (&'static str, &'static str) {
        match self {
            Self::Truncated => (
                "数据不完整（在一个 TLV 中间结束）",
                "the input ends inside a value",
            ),
            Self::BadLength => ("长度不合理", "a length that cannot be right"),
            Self::TooDeep => ("嵌套过深", "nested too deep"),
            Self::UnexpectedTag => ("此处的标签不符合标准", "not the tag the standard puts here"),
            Self::BadInteger => (
                "整数为空或超出范围",
                "an integer that is empty or out of range",
            ),
            Self::BadBitString => (
                "BIT STRING 的未用位不为零",
                "a BIT STRING whose unused bits are not zero",
            ),
            Self::BadOid => (
                "对象标识符无法解码",
                "an object identifier that cannot be decoded",
            ),
            Self::Encoding => ("值无法编码", "a value that cannot be encoded"),
        }
    }
}

impl Asn1Error {
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

impl fmt::Display for Asn1Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.context, self.kind.describe().1)?;
        if let Some(p) = self.position {
            write!(f, " at byte {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Asn1Error {}
