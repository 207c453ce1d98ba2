//! The one error type of this crate: a kind plus context.

use std::fmt;

/// What went wrong, as a stable category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A key (private or public) could not be decoded or is not on the SM2 curve.
    InvalidKey,
    /// A PEM / PKCS#8 / SPKI container could not be decoded.
    InvalidKeyEncoding,
    /// A signature value is not a strict DER `SM2Signature` (see [`SignatureDerError`]).
    InvalidSignatureEncoding(SignatureDerError),
    /// The signature does not verify.
    SignatureMismatch,
    /// The signer ID is longer than 8191 bytes (ENTL is 16 bits of bit length).
    InvalidSignerId,
    /// Signing failed (the key or the device refused).
    SigningFailed,
    /// SM4 encryption or decryption failed (bad length, padding or authentication tag).
    CipherFailure,
    /// The random source failed.
    RandomFailure,
}

/// Why a signature value is not a strict DER `SM2Signature ::= SEQUENCE { r INTEGER, s INTEGER }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureDerError {
    /// A tag other than the expected one (SEQUENCE or INTEGER).
    UnexpectedTag,
    /// The input ended before the announced length.
    Truncated,
    /// A length in BER form: long form where short would do, leading zero octets, or indefinite.
    NonMinimalLength,
    /// Bytes after the end of the SEQUENCE, or inside it after `s`.
    TrailingBytes,
    /// An INTEGER with a superfluous leading 0x00 or 0xFF octet, or with no content.
    NonMinimalInteger,
    /// A negative INTEGER.
    NegativeInteger,
    /// r or s is 0 or not below the group order n.
    OutOfRange,
}

/// The error of every fallible operation in this crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    /// Byte position in the input where the problem was found, when there is one.
    position: Option<usize>,
    context: &'static str,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, context: &'static str) -> Self {
        Self {
            kind,
            position: None,
            context,
        }
    }

    pub(crate) fn at(kind: ErrorKind, position: usize, context: &'static str) -> Self {
        Self {
            kind,
            position: Some(position),
            context,
        }
    }

    /// The category of the error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The byte offset in the input where decoding failed, if known.
    pub fn position(&self) -> Option<usize> {
        self.position
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {:?}", self.context, self.kind)?;
        if let Some(p) = self.position {
            write!(f, " at byte {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}
