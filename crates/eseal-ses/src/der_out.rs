//! The DER writer of `eseal-asn1`, with this crate's error type.

use crate::error::SesError;
use eseal_asn1::der_out as out;

pub(crate) fn tlv(identifier: u8, content: &[u8]) -> Result<Vec<u8>, SesError> {
    Ok(out::tlv(identifier, content)?)
}

pub(crate) fn sequence(parts: &[&[u8]]) -> Result<Vec<u8>, SesError> {
    Ok(out::sequence(parts)?)
}

pub(crate) fn integer(v: i64) -> Result<Vec<u8>, SesError> {
    Ok(out::integer(v)?)
}

pub(crate) fn oid(v: &der::asn1::ObjectIdentifier) -> Result<Vec<u8>, SesError> {
    Ok(out::oid(v)?)
}

pub(crate) fn bit_string(payload: &[u8]) -> Result<Vec<u8>, SesError> {
    Ok(out::bit_string(payload)?)
}

pub(crate) fn octet_string(payload: &[u8]) -> Result<Vec<u8>, SesError> {
    Ok(out::octet_string(payload)?)
}

pub(crate) fn boolean(v: bool) -> Result<Vec<u8>, SesError> {
    Ok(out::boolean(v)?)
}
