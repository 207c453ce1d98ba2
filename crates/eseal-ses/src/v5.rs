//! GM/T 0031-2025 (header version 5): GB/T 38540-2020 plus a timestamp on the seal.
//!
//! Every production except `SESeal` is the v4 one, re-exported here; `TBS_Sign` and
//! `SES_Signature` embed the v5 `SESeal`.

use crate::ber::{Tlv, tag};
use crate::common::count_error;
use crate::der_out;
use crate::error::SesError;
use crate::v4::{self, EmbeddedSeal};
pub use crate::v4::{CertDigestObj, SesCertList, SesESPropertyInfo, SesSealInfo, TimeStampField};
use der::asn1::ObjectIdentifier;

/// ```text
/// SESeal ::= SEQUENCE {
///     eSealInfo    SES_SealInfo,
///     cert         OCTET STRING,
///     signAlgID    OBJECT IDENTIFIER,
///     signedValue  BIT STRING,
///     timeStamp    [0] BIT STRING OPTIONAL   -- a token over signedValue (GB/T 20520)
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeSeal {
    /// `eSealInfo`.
    pub e_seal_info: SesSealInfo,
    /// `cert`: the maker certificate, DER.
    pub cert: Vec<u8>,
    /// `signAlgID`.
    pub sign_alg_id: ObjectIdentifier,
    /// `signedValue`: the BIT STRING payload.
    pub signed_value: Vec<u8>,
    /// `timeStamp`.
    pub time_stamp: Option<TimeStampField>,
    raw: Vec<u8>,
}

impl SeSeal {
    /// Build from fields (the stored bytes are the DER encoding).
    pub fn new(
        e_seal_info: SesSealInfo,
        cert: Vec<u8>,
        sign_alg_id: ObjectIdentifier,
        signed_value: Vec<u8>,
        time_stamp: Option<TimeStampField>,
    ) -> Result<Self, SesError> {
        let mut s = Self {
            e_seal_info,
            cert,
            sign_alg_id,
            signed_value,
            time_stamp,
            raw: Vec::new(),
        };
        s.raw = s.to_der()?;
        Ok(s)
    }

    /// Decode the first TLV of `input` (trailing bytes ignored).
    pub fn from_ber(input: &[u8]) -> Result<Self, SesError> {
        let (tlv, _) = crate::ber::first_tlv(input)?;
        Self::decode_tlv(&tlv)
    }
}

impl EmbeddedSeal for SeSeal {
    fn decode_tlv(tlv: &Tlv<'_>) -> Result<Self, SesError> {
        let f = tlv.sequence("SESeal")?;
        if f.len() != 4 && f.len() != 5 {
            return Err(count_error(tlv, "SESeal (v5)", 5, f.len()));
        }
        let base = v4::SeSeal::decode_fields(tlv, &f)?;
        let time_stamp = f
            .get(4)
            .map(|t| TimeStampField::decode(t, "SESeal.timeStamp"))
            .transpose()?;
        Ok(Self {
            e_seal_info: base.e_seal_info,
            cert: base.cert,
            sign_alg_id: base.sign_alg_id,
            signed_value: base.signed_value,
            time_stamp,
            raw: tlv.raw.to_vec(),
        })
    }

    fn raw(&self) -> &[u8] {
        &self.raw
    }

    fn to_der(&self) -> Result<Vec<u8>, SesError> {
        let mut parts = v4::SeSeal::encode_fields(
            &self.e_seal_info,
            &self.cert,
            &self.sign_alg_id,
            &self.signed_value,
        )?;
        if let Some(ts) = &self.time_stamp {
            parts.push(ts.encode()?);
        }
        der_out::tlv(tag::SEQUENCE, &parts.concat())
    }

    fn seal_info(&self) -> &SesSealInfo {
        &self.e_seal_info
    }
}

/// The v5 `TBS_Sign` (the v4 production embedding a v5 `SESeal`).
pub type TbsSign = v4::TbsSignOf<SeSeal>;
/// The v5 `SES_Signature`.
pub type SesSignature = v4::SesSignatureOf<SeSeal>;
