//! Canonical DER output. Lengths come from the `der` crate; the seal structures are simple
//! enough that each encoder is a concatenation of TLVs.

use crate::ber::tag;
use crate::error::{SesError, SesErrorKind};
use der::Encode;

/// identifier ‖ DER length ‖ content.
pub(crate) fn tlv(identifier: u8, content: &[u8]) -> Result<Vec<u8>, SesError> {
    let len = der::Length::try_from(content.len())
        .map_err(|_| SesError::new(SesErrorKind::Encoding, "length"))?;
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(identifier);
    len.encode_to_vec(&mut out)
        .map_err(|_| SesError::new(SesErrorKind::Encoding, "length"))?;
    out.extend_from_slice(content);
    Ok(out)
}

/// SEQUENCE of already encoded parts.
pub(crate) fn sequence(parts: &[&[u8]]) -> Result<Vec<u8>, SesError> {
    tlv(tag::SEQUENCE, &parts.concat())
}

/// INTEGER, minimal two's complement.
pub(crate) fn integer(v: i64) -> Result<Vec<u8>, SesError> {
    v.to_der()
        .map_err(|_| SesError::new(SesErrorKind::Encoding, "INTEGER"))
}

/// OBJECT IDENTIFIER.
pub(crate) fn oid(v: &der::asn1::ObjectIdentifier) -> Result<Vec<u8>, SesError> {
    tlv(tag::OID, v.as_bytes())
}

/// BIT STRING with 0 unused bits.
pub(crate) fn bit_string(payload: &[u8]) -> Result<Vec<u8>, SesError> {
    let mut content = Vec::with_capacity(payload.len() + 1);
    content.push(0);
    content.extend_from_slice(payload);
    tlv(tag::BIT_STRING, &content)
}

/// OCTET STRING.
pub(crate) fn octet_string(payload: &[u8]) -> Result<Vec<u8>, SesError> {
    tlv(tag::OCTET_STRING, payload)
}

/// BOOLEAN (DER: TRUE is 0xFF).
pub(crate) fn boolean(v: bool) -> Result<Vec<u8>, SesError> {
    tlv(tag::BOOLEAN, &[if v { 0xFF } else { 0x00 }])
}
