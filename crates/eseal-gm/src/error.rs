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

impl ErrorKind {
    /// What it means, in Chinese and in English.
    pub fn describe(self) -> (&'static str, &'static str) {
        use SignatureDerError as D;
        match self {
            Self::InvalidKey => (
                "密钥无法解码或不在 SM2 曲线上",
                "the key cannot be decoded or is not on the SM2 curve",
            ),
            Self::InvalidKeyEncoding => (
                "密钥文件（PEM/PKCS#8/SPKI）无法解码",
                "the key container (PEM/PKCS#8/SPKI) cannot be decoded",
            ),
            Self::InvalidSignatureEncoding(d) => match d {
                D::UnexpectedTag => (
                    "签名值的标签不对（应为 SEQUENCE 和 INTEGER）",
                    "unexpected tag in the signature value (SEQUENCE and INTEGER expected)",
                ),
                D::Truncated => ("签名值不完整", "the signature value is cut short"),
                D::NonMinimalLength => (
                    "签名值的长度不是 DER 最短形式",
                    "a length in the signature value is not in minimal DER form",
                ),
                D::TrailingBytes => ("签名值后面有多余字节", "bytes follow the signature value"),
                D::NonMinimalInteger => (
                    "签名值的整数含多余前导字节",
                    "an integer of the signature value has superfluous leading bytes",
                ),
                D::NegativeInteger => (
                    "签名值的整数为负数",
                    "an integer of the signature value is negative",
                ),
                D::OutOfRange => (
                    "签名值 r 或 s 不在 [1, n-1] 范围内",
                    "r or s is not in [1, n-1]",
                ),
            },
            Self::SignatureMismatch => ("签名验证不通过", "the signature does not verify"),
            Self::InvalidSignerId => ("签名者标识过长", "the signer ID is too long"),
            Self::SigningFailed => (
                "签名失败（密钥或设备拒绝）",
                "signing failed (the key or the device refused)",
            ),
            Self::CipherFailure => ("SM4 加解密失败", "SM4 encryption or decryption failed"),
            Self::RandomFailure => ("随机数源失败", "the random source failed"),
        }
    }
}

/// What was being done, in Chinese (the contexts are the fixed names of this crate).
fn context_zh(context: &'static str) -> &'static str {
    match context {
        "signer ID" => "签名者标识",
        "SM2 signing key" => "SM2 签名私钥",
        "seeded random lock" => "确定性随机数源",
        "encode SPKI" => "编码公钥（SPKI）",
        "encode SPKI PEM" => "编码公钥 PEM",
        "encode PKCS#8" => "编码私钥（PKCS#8）",
        "SM4-GCM encrypt" => "SM4-GCM 加密",
        "SM4-GCM decrypt" => "SM4-GCM 解密",
        "SM4-CBC decrypt" => "SM4-CBC 解密",
        "SM2 verify" => "SM2 验签",
        "SM2 verify (prehash)" => "SM2 验签（预先摘要）",
        "SM2 sign" => "SM2 签名",
        "SM2 public key" => "SM2 公钥",
        "SM2 public key point" => "SM2 公钥点",
        "SM2 private scalar" => "SM2 私钥",
        "SM2 key generation" => "SM2 密钥生成",
        "SM2 SubjectPublicKeyInfo" => "SM2 公钥信息（SubjectPublicKeyInfo）",
        "SM2 PUBLIC KEY PEM" => "SM2 公钥 PEM",
        "SM2 PKCS#8 PRIVATE KEY PEM" => "SM2 私钥 PEM（PKCS#8）",
        "SM2 PKCS#8 DER" => "SM2 私钥 DER（PKCS#8）",
        "SM2 EC PRIVATE KEY PEM" => "SM2 私钥 PEM（EC PRIVATE KEY）",
        "OS random" => "操作系统随机数源",
        other => other,
    }
}

impl Error {
    /// The error in Chinese.
    pub fn zh(&self) -> String {
        let mut out = format!("{}：{}", context_zh(self.context), self.kind.describe().0);
        if let Some(p) = self.position {
            out.push_str(&format!("（第 {p} 字节）"));
        }
        out
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.context, self.kind.describe().1)?;
        if let Some(p) = self.position {
            write!(f, " at byte {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}
