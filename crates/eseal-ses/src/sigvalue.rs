//! SM2 signature values as encoders in the field write them (formats.md E9): strict DER or raw
//! `r ‖ s` first; then, tolerantly and with each departure named, r/s written without the
//! leading 0x00 (negative in DER) or with superfluous zeros, BER lengths, and a value whose
//! final zero bytes were dropped. The numbers read are the ones the signer meant; whether they
//! are a signature over the data is for the SM2 verification alone to say.

use crate::ber::Tlv;
use crate::error::{SesError, SesErrorKind};
use eseal_asn1::{Quirk, QuirkKind, QuirkLog};
use eseal_gm::Sm2Signature;
use eseal_gm::sm2::SignatureEncoding;
use std::borrow::Cow;

/// At most this many final zero bytes are restored (an encoder that strips trailing zero bits
/// loses one byte in 256 signatures, two in 65536).
const MAX_DROPPED: usize = 2;

/// Decode a signature value found in `field`; quirks are at offsets within the value.
pub fn decode(
    bytes: &[u8],
    field: &str,
) -> Result<(Sm2Signature, SignatureEncoding, Vec<Quirk>), SesError> {
    decode_inner(bytes, field).map(|(sig, enc, quirks)| {
        let quirks = quirks
            .into_iter()
            .map(|q| Quirk {
                within: Some(format!("{field} (SM2Signature)")),
                ..q
            })
            .collect();
        (sig, enc, quirks)
    })
}

fn decode_inner(
    bytes: &[u8],
    field: &str,
) -> Result<(Sm2Signature, SignatureEncoding, Vec<Quirk>), SesError> {
    let strict = match Sm2Signature::from_der_or_raw(bytes) {
        Ok((sig, enc)) => return Ok((sig, enc, Vec::new())),
        Err(e) => e,
    };
    let log = QuirkLog::new();
    if bytes.first() != Some(&0x30) {
        // Raw r ‖ s, short by the zero bytes an encoder dropped.
        let missing = 64usize.saturating_sub(bytes.len());
        if (1..=MAX_DROPPED).contains(&missing) {
            log.note(
                QuirkKind::DroppedTrailingZeros { count: missing },
                "SM2Signature",
                bytes.len(),
            );
            let mut v = bytes.to_vec();
            v.resize(64, 0);
            let sig = Sm2Signature::from_raw(&v)?;
            return Ok((sig, SignatureEncoding::RawRs, log.into_quirks()));
        }
        return Err(strict.into());
    }
    let padded = restore_dropped_zeros(bytes, &log)?;
    let (seq, rest) = Tlv::read_logged(&padded, 0, &log)?;
    if !rest.is_empty() {
        return Err(SesError::at(
            SesErrorKind::BadLength,
            padded.len() - rest.len(),
            format!("{field}: {} bytes after the SM2 signature", rest.len()),
        )
        .zh_context(format!("{field}：SM2 签名值之后还有 {} 字节", rest.len())));
    }
    if !seq.minimal_lengths() {
        seq.note(QuirkKind::BerLength, "SM2Signature");
    }
    let parts = seq.sequence("SM2Signature")?;
    let [r, s] = parts.as_slice() else {
        return Err(SesError::at(
            SesErrorKind::WrongElementCount,
            seq.offset,
            format!(
                "{field}: {} elements, an SM2 signature has r and s",
                parts.len()
            ),
        )
        .zh_context(format!(
            "{field}：有 {} 个元素，SM2 签名值应只有 r 和 s",
            parts.len()
        )));
    };
    let r = scalar(r, "SM2Signature.r")?;
    let s = scalar(s, "SM2Signature.s")?;
    let sig = Sm2Signature::from_scalars(r, s)?;
    Ok((sig, SignatureEncoding::Der, log.into_quirks()))
}

fn scalar(tlv: &Tlv<'_>, what: &str) -> Result<[u8; 32], SesError> {
    let magnitude = tlv.unsigned_integer(what, 32)?;
    let mut out = [0u8; 32];
    let start = 32 - magnitude.len();
    out.get_mut(start..)
        .ok_or_else(|| SesError::at(SesErrorKind::BadInteger, tlv.offset, what.to_owned()))?
        .copy_from_slice(&magnitude);
    Ok(out)
}

/// A SEQUENCE whose declared length runs 1–2 bytes past the end: the encoder dropped final
/// zero bytes (they are the last bytes of s). Anything else is returned as it is.
fn restore_dropped_zeros<'a>(bytes: &'a [u8], log: &QuirkLog) -> Result<Cow<'a, [u8]>, SesError> {
    let declared = match bytes.get(1) {
        Some(&n) if n < 0x80 => Some(2 + usize::from(n)),
        Some(0x81) => bytes.get(2).map(|n| 3 + usize::from(*n)),
        _ => None,
    };
    match declared {
        Some(total) if total > bytes.len() && total - bytes.len() <= MAX_DROPPED => {
            let missing = total - bytes.len();
            log.note(
                QuirkKind::DroppedTrailingZeros { count: missing },
                "SM2Signature",
                bytes.len(),
            );
            let mut v = bytes.to_vec();
            v.resize(total, 0);
            Ok(Cow::Owned(v))
        }
        _ => Ok(Cow::Borrowed(bytes)),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn der(r: &[u8], s: &[u8]) -> Vec<u8> {
        let mut body = vec![0x02, r.len() as u8];
        body.extend(r);
        body.extend([0x02, s.len() as u8]);
        body.extend(s);
        let mut out = vec![0x30, body.len() as u8];
        out.extend(body);
        out
    }

    #[test]
    fn negative_r_and_dropped_final_zero_read_as_meant() {
        let mut r = [0x11u8; 32];
        r[0] = 0x85;
        let mut s = [0x22u8; 32];
        s[31] = 0;
        let good = Sm2Signature::from_scalars(r, s).unwrap();
        // r without its 0x00; s complete: negative-integer.
        let (sig, _, q) = decode(&der(&r, &s), "sig").unwrap();
        assert_eq!(sig, good);
        assert_eq!(q[0].kind, QuirkKind::NegativeInteger);
        assert_eq!(q[0].field, "SM2Signature.r");
        assert!(q[0].en().contains("byte 2 of sig"), "{}", q[0].en());
        // The same with the final zero byte of s dropped.
        let mut short = der(&r, &s);
        short.pop();
        let (sig, _, q) = decode(&short, "sig").unwrap();
        assert_eq!(sig, good);
        assert!(
            q.iter()
                .any(|q| q.kind == QuirkKind::DroppedTrailingZeros { count: 1 })
        );
        // Raw r ‖ s with its final zero dropped.
        let mut raw = good.to_raw().to_vec();
        raw.pop();
        raw[0] = 0x85;
        let (sig, enc, _) = decode(&raw, "sig").unwrap();
        assert_eq!((sig, enc), (good, SignatureEncoding::RawRs));
        // Three bytes short is not a dropped zero: refused.
        let mut shorter = der(&r, &s);
        shorter.truncate(shorter.len() - 3);
        assert!(decode(&shorter, "sig").is_err());
    }
}
