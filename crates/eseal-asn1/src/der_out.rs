//! Canonical DER output. Lengths come from the `der` crate; the seal structures are simple
//! enough that each encoder is a concatenation of TLVs.

use crate::ber::tag;
use crate::{Asn1Error, Asn1ErrorKind};
use der::Encode;

/// identifier ‖ DER length ‖ content.
pub fn tlv(identifier: u8, content: &[u8]) -> Result<Vec<u8>, Asn1Error> {
    let len = der::Length::try_from(content.len())
        .map_err(|_| Asn1Error::new(Asn1ErrorKind::Encoding, "length"))?;
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(identifier);
    len.encode_to_vec(&mut out)
        .map_err(|_| Asn1Error::new(Asn1ErrorKind::Encoding, "length"))?;
    out.extend_from_slice(content);
    Ok(out)
}

/// SEQUENCE of already encoded parts.
pub fn sequence(parts: &[&[u8]]) -> Result<Vec<u8>, Asn1Error> {
    tlv(tag::SEQUENCE, &parts.concat())
}

/// INTEGER, minimal two's complement.
pub fn integer(v: i64) -> Result<Vec<u8>, Asn1Error> {
    v.to_der()
        .map_err(|_| Asn1Error::new(Asn1ErrorKind::Encoding, "INTEGER"))
}

/// OBJECT IDENTIFIER.
pub fn oid(v: &der::asn1::ObjectIdentifier) -> Result<Vec<u8>, Asn1Error> {
    tlv(tag::OID, v.as_bytes())
}

/// BIT STRING with 0 unused bits.
pub fn bit_string(payload: &[u8]) -> Result<Vec<u8>, Asn1Error> {
    let mut content = Vec::with_capacity(payload.len() + 1);
    content.push(0);
    content.extend_from_slice(payload);
    tlv(tag::BIT_STRING, &content)
}

/// OCTET STRING.
pub fn octet_string(payload: &[u8]) -> Result<Vec<u8>, Asn1Error> {
    tlv(tag::OCTET_STRING, payload)
}

/// BOOLEAN (DER: TRUE is 0xFF).
pub fn boolean(v: bool) -> Result<Vec<u8>, Asn1Error> {
    tlv(tag::BOOLEAN, &[if v { 0xFF } else { 0x00 }])
}
