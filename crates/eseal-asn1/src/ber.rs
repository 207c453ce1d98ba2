//! A tolerant BER reader that keeps the exact byte range of every node.
//!
//! The `der` crate is deliberately DER-only, but seals in the field carry BER (long-form and
//! indefinite lengths, constructed strings; formats.md E2), and every signature must be checked
//! over the bytes as received. So decoding goes through this reader, which accepts BER and
//! remembers for each node its offset, its whole TLV and its content; encoding goes through
//! [`crate::der_out`] and the `der` crate, which write canonical DER.

use crate::quirk::{QuirkKind, QuirkLog};
use crate::{Asn1Error, Asn1ErrorKind};

/// Nesting limit; real seals nest about 8 deep.
const MAX_DEPTH: usize = 48;

/// Universal tags used by the seal structures.
pub mod tag {
    pub const BOOLEAN: u8 = 0x01;
    pub const INTEGER: u8 = 0x02;
    pub const BIT_STRING: u8 = 0x03;
    pub const OCTET_STRING: u8 = 0x04;
    pub const OID: u8 = 0x06;
    pub const UTF8_STRING: u8 = 0x0C;
    pub const PRINTABLE_STRING: u8 = 0x13;
    pub const T61_STRING: u8 = 0x14;
    pub const IA5_STRING: u8 = 0x16;
    pub const UTC_TIME: u8 = 0x17;
    pub const GENERALIZED_TIME: u8 = 0x18;
    pub const BMP_STRING: u8 = 0x1E;
    pub const SEQUENCE: u8 = 0x30;
    pub const SET: u8 = 0x31;
    /// `[0]` constructed (EXPLICIT, or IMPLICIT of a constructed type).
    pub const CONTEXT_0_CONSTRUCTED: u8 = 0xA0;
    /// `[0]` primitive (IMPLICIT of a primitive type).
    pub const CONTEXT_0_PRIMITIVE: u8 = 0x80;
}

/// One decoded node: identifier, where it is, its whole encoding and its content.
#[derive(Debug, Clone, Copy)]
pub struct Tlv<'a> {
    /// The first identifier octet (class, constructed bit, and the tag number when < 31).
    pub tag: u8,
    /// For high tag numbers (first octet & 0x1F == 0x1F), the full number; otherwise the low bits.
    pub number: u32,
    /// Offset of the first identifier octet in the original input.
    pub offset: usize,
    /// The whole TLV exactly as in the input (identifier, length, content, end-of-contents).
    pub raw: &'a [u8],
    /// The content octets (without end-of-contents for the indefinite form).
    pub value: &'a [u8],
    /// Offset of the first content octet in the original input.
    pub value_offset: usize,
    /// True if the length was indefinite (BER only).
    pub indefinite: bool,
    /// True if the length was not in minimal DER form.
    pub non_minimal_length: bool,
    /// Where the quirks accepted under this node are recorded (children inherit it).
    pub log: Option<&'a QuirkLog>,
}

impl<'a> Tlv<'a> {
    /// Is the constructed bit set?
    pub fn constructed(&self) -> bool {
        self.tag & 0x20 != 0
    }

    /// Read the first TLV of `input`; `base` is the offset of `input` in the original buffer.
    /// Returns the node and what follows it.
    pub fn read(input: &'a [u8], base: usize) -> Result<(Tlv<'a>, &'a [u8]), Asn1Error> {
        Self::read_depth(input, base, 0, None)
    }

    /// [`Tlv::read`], recording the quirks accepted under the node in `log`.
    pub fn read_logged(
        input: &'a [u8],
        base: usize,
        log: &'a QuirkLog,
    ) -> Result<(Tlv<'a>, &'a [u8]), Asn1Error> {
        Self::read_depth(input, base, 0, Some(log))
    }

    /// Read a TLV found inside this one's content (an OCTET STRING-wrapped value), keeping
    /// this node's log.
    pub fn read_inner(
        &self,
        input: &'a [u8],
        base: usize,
    ) -> Result<(Tlv<'a>, &'a [u8]), Asn1Error> {
        Self::read_depth(input, base, 0, self.log)
    }

    /// Record a quirk of this node under the field name `what`.
    pub fn note(&self, kind: QuirkKind, what: &str) {
        if let Some(log) = self.log {
            log.note(kind, what, self.offset);
        }
    }

    fn read_depth(
        input: &'a [u8],
        base: usize,
        depth: usize,
        log: Option<&'a QuirkLog>,
    ) -> Result<(Tlv<'a>, &'a [u8]), Asn1Error> {
        if depth > MAX_DEPTH {
            return Err(Asn1Error::at(Asn1ErrorKind::TooDeep, base, "nesting"));
        }
        let trunc = |p: usize| Asn1Error::at(Asn1ErrorKind::Truncated, base + p, "TLV header");
        let tag = *input.first().ok_or_else(|| trunc(0))?;
        let mut pos = 1usize;
        let mut number = u32::from(tag & 0x1F);
        if number == 0x1F {
            number = 0;
            loop {
                let b = *input.get(pos).ok_or_else(|| trunc(pos))?;
                pos += 1;
                number = number
                    .checked_mul(128)
                    .and_then(|n| n.checked_add(u32::from(b & 0x7F)))
                    .ok_or_else(|| Asn1Error::at(Asn1ErrorKind::BadLength, base, "tag number"))?;
                if b & 0x80 == 0 {
                    break;
                }
            }
        }
        let first = *input.get(pos).ok_or_else(|| trunc(pos))?;
        pos += 1;
        let mut non_minimal_length = false;
        if first == 0x80 {
            // Indefinite length: only for constructed encodings; content runs to 00 00.
            if tag & 0x20 == 0 {
                return Err(Asn1Error::at(
                    Asn1ErrorKind::BadLength,
                    base,
                    "indefinite length on a primitive value",
                )
                .zh_context("基本类型的值使用了不定长编码"));
            }
            let value_start = pos;
            let mut rest = input.get(pos..).ok_or_else(|| trunc(pos))?;
            loop {
                if rest.len() >= 2 && rest.first() == Some(&0) && rest.get(1) == Some(&0) {
                    let value_end = input.len() - rest.len();
                    let end = value_end + 2;
                    let tlv = Tlv {
                        tag,
                        number,
                        offset: base,
                        raw: input.get(..end).ok_or_else(|| trunc(end))?,
                        value: input
                            .get(value_start..value_end)
                            .ok_or_else(|| trunc(end))?,
                        value_offset: base + value_start,
                        indefinite: true,
                        non_minimal_length: true,
                        log,
                    };
                    return Ok((tlv, input.get(end..).unwrap_or_default()));
                }
                if rest.is_empty() {
                    return Err(trunc(input.len()));
                }
                let child_base = base + (input.len() - rest.len());
                let (_, after) = Self::read_depth(rest, child_base, depth + 1, None)?;
                rest = after;
            }
        }
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let count = usize::from(first & 0x7F);
            if count > 4 {
                return Err(
                    Asn1Error::at(Asn1ErrorKind::BadLength, base, "length of length")
                        .zh_context("长度字段的字节数"),
                );
            }
            let bytes = input.get(pos..pos + count).ok_or_else(|| trunc(pos))?;
            pos += count;
            let mut len = 0usize;
            for b in bytes {
                len = (len << 8) | usize::from(*b);
            }
            if bytes.first() == Some(&0)
                || len < 0x80
                || (count > 1 && len < (1 << (8 * (count - 1))))
            {
                non_minimal_length = true;
            }
            len
        };
        let end = pos
            .checked_add(len)
            .ok_or_else(|| Asn1Error::at(Asn1ErrorKind::BadLength, base, "length overflow"))?;
        if end > input.len() {
            return Err(Asn1Error::at(
                Asn1ErrorKind::Truncated,
                base,
                format!("value of {len} bytes runs past the end"),
            )
            .zh_context(format!("{len} 字节的值超出了数据末尾")));
        }
        let tlv = Tlv {
            tag,
            number,
            offset: base,
            raw: input.get(..end).unwrap_or_default(),
            value: input.get(pos..end).unwrap_or_default(),
            value_offset: base + pos,
            indefinite: false,
            non_minimal_length,
            log,
        };
        Ok((tlv, input.get(end..).unwrap_or_default()))
    }

    /// The children of a constructed node.
    pub fn children(&self) -> Result<Vec<Tlv<'a>>, Asn1Error> {
        if !self.constructed() {
            return Err(Asn1Error::at(
                Asn1ErrorKind::UnexpectedTag,
                self.offset,
                "expected a constructed value",
            )
            .zh_context("此处应为结构类型的值"));
        }
        let mut out = Vec::new();
        let mut rest = self.value;
        let mut at = self.value_offset;
        while !rest.is_empty() {
            let (child, after) = Tlv::read_depth(rest, at, 0, self.log)?;
            at += rest.len() - after.len();
            rest = after;
            out.push(child);
        }
        Ok(out)
    }

    /// Require a given first identifier octet.
    pub fn expect(&self, tag: u8, what: &str) -> Result<(), Asn1Error> {
        if self.tag == tag {
            Ok(())
        } else {
            Err(Asn1Error::at(
                Asn1ErrorKind::UnexpectedTag,
                self.offset,
                format!("{what}: expected tag 0x{tag:02X}, found 0x{:02X}", self.tag),
            )
            .zh_context(format!(
                "{what}：应为标签 0x{tag:02X}，实为 0x{:02X}",
                self.tag
            )))
        }
    }

    /// The children of a SEQUENCE (tag 0x30).
    pub fn sequence(&self, what: &str) -> Result<Vec<Tlv<'a>>, Asn1Error> {
        self.expect(tag::SEQUENCE, what)?;
        self.children()
    }

    /// The content of a string type with universal number `number`, flattening the
    /// constructed BER form (segments of the same type).
    pub fn string_bytes(&self, what: &str) -> Result<Vec<u8>, Asn1Error> {
        if self.constructed() {
            self.note(QuirkKind::ConstructedString, what);
            let mut out = Vec::new();
            for child in self.children()? {
                // BER: the segments of a constructed string are primitive strings of the type.
                if child.tag != self.tag & !0x20 && child.tag != self.tag {
                    return Err(Asn1Error::at(
                        Asn1ErrorKind::UnexpectedTag,
                        child.offset,
                        format!("{what}: segment of another type in a constructed string"),
                    )
                    .zh_context(format!("{what}：分段字符串中有另一类型的分段")));
                }
                out.extend(child.string_bytes(what)?);
            }
            Ok(out)
        } else {
            Ok(self.value.to_vec())
        }
    }

    /// An INTEGER that fits in an i64 (every integer field of the seal structures does).
    pub fn integer(&self, what: &str) -> Result<i64, Asn1Error> {
        self.expect(tag::INTEGER, what)?;
        if self.value.is_empty() || self.value.len() > 8 {
            return Err(Asn1Error::at(
                Asn1ErrorKind::BadInteger,
                self.offset,
                what.to_owned(),
            ));
        }
        let mut v: i64 = if self.value.first().is_some_and(|b| b & 0x80 != 0) {
            -1
        } else {
            0
        };
        for b in self.value {
            v = (v << 8) | i64::from(*b);
        }
        if let [first, second, ..] = self.value
            && ((*first == 0 && second & 0x80 == 0) || (*first == 0xFF && second & 0x80 != 0))
        {
            self.note(QuirkKind::NonMinimalInteger, what);
        }
        Ok(v)
    }

    /// A non-negative INTEGER of at most `max_len` octets as big-endian magnitude without
    /// leading zeros (ECC signature r and s). Encoders in the field drop the 0x00 that DER puts
    /// before a magnitude whose high bit is set (so the value reads as negative in DER) or pad
    /// with extra zeros; both are read as the unsigned number meant, and noted.
    pub fn unsigned_integer(&self, what: &str, max_len: usize) -> Result<Vec<u8>, Asn1Error> {
        self.expect(tag::INTEGER, what)?;
        let v = self.value;
        let Some(first) = v.first() else {
            return Err(Asn1Error::at(
                Asn1ErrorKind::BadInteger,
                self.offset,
                format!("{what}: empty INTEGER"),
            )
            .zh_context(format!("{what}：INTEGER 为空")));
        };
        if first & 0x80 != 0 {
            self.note(QuirkKind::NegativeInteger, what);
        } else if v.len() > 1 && *first == 0 && v.get(1).is_some_and(|b| b & 0x80 == 0) {
            self.note(QuirkKind::NonMinimalInteger, what);
        }
        let start = v.iter().position(|b| *b != 0).unwrap_or(v.len());
        let magnitude = v.get(start..).unwrap_or_default();
        if magnitude.len() > max_len {
            return Err(Asn1Error::at(
                Asn1ErrorKind::BadInteger,
                self.offset,
                format!("{what}: {} bytes, at most {max_len}", magnitude.len()),
            )
            .zh_context(format!(
                "{what}：{} 字节，最多 {max_len} 字节",
                magnitude.len()
            )));
        }
        Ok(magnitude.to_vec())
    }

    /// An OBJECT IDENTIFIER.
    pub fn oid(&self, what: &str) -> Result<der::asn1::ObjectIdentifier, Asn1Error> {
        self.expect(tag::OID, what)?;
        der::asn1::ObjectIdentifier::from_bytes(self.value)
            .map_err(|_| Asn1Error::at(Asn1ErrorKind::BadOid, self.offset, what.to_owned()))
    }

    /// The payload of a BIT STRING (the unused-bits octet stripped). DER wants 0 unused bits
    /// for every field of the seal structures; a non-zero count whose bits are all zero (some
    /// encoders write the number of trailing zero bits of the last octet) is accepted and
    /// noted, the payload unchanged. Unused bits that are not zero are refused: the value
    /// would not be a whole number of octets.
    pub fn bit_string(&self, what: &str) -> Result<Vec<u8>, Asn1Error> {
        self.expect_any(&[tag::BIT_STRING, tag::BIT_STRING | 0x20], what)?;
        if self.constructed() {
            // Constructed BER BIT STRING: every segment starts with its own unused-bits octet.
            self.note(QuirkKind::ConstructedString, what);
            let mut out = Vec::new();
            for child in self.children()? {
                out.extend(child.bit_string(what)?);
            }
            return Ok(out);
        }
        match self.value.split_first() {
            Some((0, payload)) => Ok(payload.to_vec()),
            Some((&count, payload)) => {
                let last = payload.last().copied();
                let zero_bits = count <= 7
                    && last.is_some_and(|b| u32::from(b).trailing_zeros() >= u32::from(count));
                if zero_bits {
                    self.note(QuirkKind::BitStringUnusedBits { count }, what);
                    Ok(payload.to_vec())
                } else {
                    Err(Asn1Error::at(
                        Asn1ErrorKind::BadBitString,
                        self.value_offset,
                        format!(
                            "{what}: {count} unused bits that are not zero (the value is not whole bytes)"
                        ),
                    ))
                }
            }
            None => Err(Asn1Error::at(
                Asn1ErrorKind::BadBitString,
                self.offset,
                format!("{what}: empty BIT STRING"),
            )
            .zh_context(format!("{what}：BIT STRING 为空"))),
        }
    }

    /// Require one of several identifier octets.
    pub fn expect_any(&self, tags: &[u8], what: &str) -> Result<(), Asn1Error> {
        if tags.contains(&self.tag) {
            Ok(())
        } else {
            Err(Asn1Error::at(
                Asn1ErrorKind::UnexpectedTag,
                self.offset,
                format!("{what}: unexpected tag 0x{:02X}", self.tag),
            )
            .zh_context(format!("{what}：标签 0x{:02X} 不符合标准", self.tag)))
        }
    }

    /// True if this node and everything under it is in DER form as far as lengths go.
    pub fn minimal_lengths(&self) -> bool {
        if self.indefinite || self.non_minimal_length {
            return false;
        }
        if self.constructed() {
            match self.children() {
                Ok(children) => children.iter().all(Tlv::minimal_lengths),
                Err(_) => false,
            }
        } else {
            true
        }
    }
}

/// Read exactly the first TLV of a buffer, ignoring trailing bytes (formats.md E1).
/// Returns the node and the number of trailing bytes.
pub fn first_tlv(input: &[u8]) -> Result<(Tlv<'_>, usize), Asn1Error> {
    let (tlv, rest) = Tlv::read(input, 0)?;
    Ok((tlv, rest.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_long_form_and_indefinite_lengths_keeping_raw_bytes() {
        // SEQUENCE (indefinite) { INTEGER 5 with a long-form length } EOC, then trailing 0xFF.
        let input = [0x30, 0x80, 0x02, 0x81, 0x01, 0x05, 0x00, 0x00, 0xFF];
        let (tlv, trailing) = first_tlv(&input).unwrap();
        assert!(tlv.indefinite);
        assert_eq!(tlv.raw, &input[..8]);
        assert_eq!(trailing, 1);
        let children = tlv.children().unwrap();
        assert_eq!(children.len(), 1);
        assert_eq!(children[0].integer("x").unwrap(), 5);
        assert_eq!(children[0].offset, 2);
        assert!(children[0].non_minimal_length);
        assert!(!tlv.minimal_lengths());
    }

    #[test]
    fn rejects_lengths_past_the_end_with_position() {
        let err = first_tlv(&[0x30, 0x05, 0x02, 0x01]).unwrap_err();
        assert_eq!(err.kind(), Asn1ErrorKind::Truncated);
        assert_eq!(err.position(), Some(0));
    }

    #[test]
    fn child_past_parent_end_is_reported_at_its_offset() {
        // SEQUENCE of 3 bytes whose child claims 5 bytes of content.
        // The outer TLV is complete; the INTEGER inside claims 5 bytes but has 1.
        let input = [0x30, 0x03, 0x02, 0x05, 0x01, 0, 0, 0, 0];
        let (tlv, trailing) = Tlv::read(&input, 0).unwrap();
        assert_eq!(trailing.len(), 4);
        let err = tlv.children().unwrap_err();
        assert_eq!(err.kind(), Asn1ErrorKind::Truncated);
        assert_eq!(err.position(), Some(2));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let mut input = Vec::new();
        for _ in 0..100 {
            input.extend([0x30, 0x80]);
        }
        for _ in 0..100 {
            input.extend([0, 0]);
        }
        assert_eq!(
            Tlv::read(&input, 0).unwrap_err().kind(),
            Asn1ErrorKind::TooDeep
        );
    }

    #[test]
    fn bit_string_unused_bits_must_be_zero_bits() {
        let (ok, _) = first_tlv(&[0x03, 0x02, 0x00, 0xAB]).unwrap();
        assert_eq!(ok.bit_string("x").unwrap(), vec![0xAB]);
        // 1 unused bit, and the last bit of 0xAB is 1: refused.
        let (bad, _) = first_tlv(&[0x03, 0x02, 0x01, 0xAB]).unwrap();
        assert_eq!(
            bad.bit_string("x").unwrap_err().kind(),
            Asn1ErrorKind::BadBitString
        );
        // 3 unused bits, and 0xA8 ends in three zero bits: accepted, payload unchanged, noted.
        let log = QuirkLog::new();
        let input = [0x30, 0x04, 0x03, 0x02, 0x03, 0xA8];
        let (seq, _) = Tlv::read_logged(&input, 0, &log).unwrap();
        let bits = seq.children().unwrap()[0];
        assert_eq!(bits.bit_string("f").unwrap(), vec![0xA8]);
        let quirks = log.into_quirks();
        assert_eq!(quirks.len(), 1);
        assert_eq!(quirks[0].kind, QuirkKind::BitStringUnusedBits { count: 3 });
        assert_eq!((quirks[0].field.as_str(), quirks[0].offset), ("f", 2));
        // 4 unused bits over 0xA8 (only three zero bits): refused.
        let (bad, _) = first_tlv(&[0x03, 0x02, 0x04, 0xA8]).unwrap();
        assert!(bad.bit_string("x").is_err());
    }

    #[test]
    fn signature_integers_read_as_unsigned_with_notes() {
        let log = QuirkLog::new();
        // SEQUENCE { INTEGER 0x80 01 (negative in DER), INTEGER 00 00 05 (non-minimal) }
        let input = [
            0x30, 0x09, 0x02, 0x02, 0x80, 0x01, 0x02, 0x03, 0x00, 0x00, 0x05,
        ];
        let (seq, _) = Tlv::read_logged(&input, 0, &log).unwrap();
        let c = seq.children().unwrap();
        assert_eq!(c[0].unsigned_integer("r", 32).unwrap(), vec![0x80, 0x01]);
        assert_eq!(c[1].unsigned_integer("s", 32).unwrap(), vec![0x05]);
        let kinds: Vec<_> = log.into_quirks().into_iter().map(|q| q.kind).collect();
        assert_eq!(
            kinds,
            vec![QuirkKind::NegativeInteger, QuirkKind::NonMinimalInteger]
        );
        let (long, _) = first_tlv(&[0x02, 0x03, 0x01, 0x02, 0x03]).unwrap();
        assert!(long.unsigned_integer("r", 2).is_err());
    }
}
