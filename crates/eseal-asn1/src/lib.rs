#![doc = include_str!("../README.md")]

pub mod ber;
pub mod der_out;
pub mod quirk;

pub use quirk::{Quirk, QuirkKind, QuirkLog};

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
}

impl Asn1Error {
    /// An error at a byte position.
    pub fn at(kind: Asn1ErrorKind, position: usize, context: impl Into<String>) -> Self {
        Self {
            kind,
            position: Some(position),
            context: context.into(),
        }
    }

    /// An error without a position.
    pub fn new(kind: Asn1ErrorKind, context: impl Into<String>) -> Self {
        Self {
            kind,
            position: None,
            context: context.into(),
        }
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

impl fmt::Display for Asn1Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {:?}", self.context, self.kind)?;
        if let Some(p) = self.position {
            write!(f, " at byte {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Asn1Error {}
