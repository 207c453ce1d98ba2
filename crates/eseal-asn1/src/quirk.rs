//! Encoding quirks: departures from DER that genuine encoders in the field make, which the
//! tolerant reader accepts and records so that a report can name each one (the quirk, the
//! field and the byte offset). Accepting a quirk never changes the bytes a signature is
//! checked over: those are always the bytes as received.

use std::cell::RefCell;

/// What departs from DER.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum QuirkKind {
    /// A BIT STRING whose unused-bits octet is `count` (not 0) while those bits are all zero:
    /// the encoder wrote the number of trailing zero bits of the last octet there.
    BitStringUnusedBits {
        /// The unused-bits count as written.
        count: u8,
    },
    /// A fixed-length value (a digest, a signature) is `count` octets short and the missing
    /// octets are restored as trailing zeros: the encoder dropped final zero octets.
    DroppedTrailingZeros {
        /// How many zero octets were restored.
        count: usize,
    },
    /// An INTEGER that DER would encode negative (high bit set, no leading 0x00), read as
    /// the unsigned number the signer meant (ECC signature r/s).
    NegativeInteger,
    /// An INTEGER with superfluous leading 0x00 (or 0xFF) octets.
    NonMinimalInteger,
    /// A GeneralizedTime holding UTCTime text (two-digit year).
    GeneralizedTimeWithUtcText,
    /// A time with fractional seconds (DER seal times have whole seconds).
    FractionalSeconds,
    /// A time without `Z` or an offset, read as China Standard Time (UTC+8).
    NoTimeZone,
    /// A UTCTime or GeneralizedTime in the place of the other type.
    SwappedTimeType,
    /// A character string that is not UTF-8 but decodes as GB18030 (GBK).
    Gb18030Text,
    /// A character string with `count` trailing NUL characters (shown without them).
    TrailingNuls {
        /// How many NULs.
        count: usize,
    },
    /// A length in a non-minimal form or the indefinite form (BER, not DER).
    BerLength,
    /// A constructed (segmented) string, BER only.
    ConstructedString,
}

impl QuirkKind {
    /// What it is, in English.
    pub fn en(&self) -> String {
        match self {
            Self::BitStringUnusedBits { count } => format!(
                "BIT STRING unused-bits count is {count}, not 0, though those bits are zero (the encoder wrote the number of trailing zero bits)"
            ),
            Self::DroppedTrailingZeros { count } => format!(
                "{count} final zero byte(s) missing (dropped by the encoder), restored for the check"
            ),
            Self::NegativeInteger => {
                "INTEGER without the leading 0x00 (negative in DER), read as unsigned".to_owned()
            }
            Self::NonMinimalInteger => "INTEGER with superfluous leading bytes".to_owned(),
            Self::GeneralizedTimeWithUtcText => {
                "GeneralizedTime holding UTCTime text (2-digit year)".to_owned()
            }
            Self::FractionalSeconds => "time with fractional seconds".to_owned(),
            Self::NoTimeZone => {
                "time without a zone, read as China Standard Time (UTC+8)".to_owned()
            }
            Self::SwappedTimeType => "UTCTime and GeneralizedTime swapped".to_owned(),
            Self::Gb18030Text => "text in GB18030/GBK, not UTF-8".to_owned(),
            Self::TrailingNuls { count } => format!("text ends with {count} NUL character(s)"),
            Self::BerLength => "length in BER form (non-minimal or indefinite), not DER".to_owned(),
            Self::ConstructedString => "constructed (segmented) string, BER only".to_owned(),
        }
    }

    /// What it is, in Chinese.
    pub fn zh(&self) -> String {
        match self {
            Self::BitStringUnusedBits { count } => format!(
                "BIT STRING 的未用位数为 {count}（应为 0），这些位均为 0（编码器把末字节的尾部零位数写在了这里）"
            ),
            Self::DroppedTrailingZeros { count } => {
                format!("末尾缺少 {count} 个零字节（编码器丢弃），核验时已补回")
            }
            Self::NegativeInteger => {
                "INTEGER 缺少前导 0x00（按 DER 为负数），按无符号数读取".to_owned()
            }
            Self::NonMinimalInteger => "INTEGER 含多余的前导字节".to_owned(),
            Self::GeneralizedTimeWithUtcText => {
                "GeneralizedTime 中写的是 UTCTime 格式（两位年份）".to_owned()
            }
            Self::FractionalSeconds => "时间含小数秒".to_owned(),
            Self::NoTimeZone => "时间未写时区，按北京时间（UTC+8）读取".to_owned(),
            Self::SwappedTimeType => "UTCTime 与 GeneralizedTime 类型互换".to_owned(),
            Self::Gb18030Text => "文字为 GB18030/GBK 编码，而非 UTF-8".to_owned(),
            Self::TrailingNuls { count } => format!("文字末尾有 {count} 个 NUL 字符"),
            Self::BerLength => "长度为 BER 形式（非最短或不定长），不是 DER".to_owned(),
            Self::ConstructedString => "分段构造的字符串（仅 BER 允许）".to_owned(),
        }
    }

    /// A short stable code for the quirk (for JSON and docs/interop.md).
    pub fn code(&self) -> &'static str {
        match self {
            Self::BitStringUnusedBits { .. } => "bit-string-unused-bits",
            Self::DroppedTrailingZeros { .. } => "dropped-trailing-zeros",
            Self::NegativeInteger => "negative-integer",
            Self::NonMinimalInteger => "non-minimal-integer",
            Self::GeneralizedTimeWithUtcText => "generalized-time-utc-text",
            Self::FractionalSeconds => "fractional-seconds",
            Self::NoTimeZone => "no-time-zone",
            Self::SwappedTimeType => "swapped-time-type",
            Self::Gb18030Text => "gb18030-text",
            Self::TrailingNuls { .. } => "trailing-nuls",
            Self::BerLength => "ber-length",
            Self::ConstructedString => "constructed-string",
        }
    }
}

/// One quirk: what, in which field, at which byte of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quirk {
    /// What departs from DER.
    pub kind: QuirkKind,
    /// The field, by its name in the standard (`SES_Signature.signature`).
    pub field: String,
    /// The offset of the field's first identifier octet in the input.
    pub offset: usize,
    /// When the offset counts from the start of a value inside the input (an SM2 signature
    /// held in a BIT STRING), what that value is.
    pub within: Option<String>,
}

impl Quirk {
    /// "field (byte N): what", in English.
    pub fn en(&self) -> String {
        match &self.within {
            None => format!("{} (byte {}): {}", self.field, self.offset, self.kind.en()),
            Some(w) => format!(
                "{} (byte {} of {w}): {}",
                self.field,
                self.offset,
                self.kind.en()
            ),
        }
    }

    /// The same in Chinese.
    pub fn zh(&self) -> String {
        match &self.within {
            None => format!(
                "{}（第 {} 字节）：{}",
                self.field,
                self.offset,
                self.kind.zh()
            ),
            Some(w) => format!(
                "{}（{w}的第 {} 字节）：{}",
                self.field,
                self.offset,
                self.kind.zh()
            ),
        }
    }
}

/// Where a decode records the quirks it accepts. A decode without a log accepts the same
/// input; the log only records.
#[derive(Debug, Default)]
pub struct QuirkLog(RefCell<Vec<Quirk>>);

impl QuirkLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Record a quirk (the same quirk at the same place once).
    pub fn note(&self, kind: QuirkKind, field: &str, offset: usize) {
        let q = Quirk {
            kind,
            field: field.to_owned(),
            offset,
            within: None,
        };
        let mut v = self.0.borrow_mut();
        if !v.contains(&q) {
            v.push(q);
        }
    }

    /// The quirks in input order.
    pub fn into_quirks(self) -> Vec<Quirk> {
        let mut v = self.0.into_inner();
        v.sort_by_key(|q| q.offset);
        v
    }
}
