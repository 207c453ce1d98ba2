//! GM/T 0031-2014 ("v1", header version 1 in every seal seen): the seal and signature
//! structures. Separate types from v4: field lists, time types and what is signed differ.

use crate::asn1_time::{SesTime, parse_text_time};
use crate::ber::{Tlv, tag};
use crate::common::{
    Cert, ExtensionDatas, SesESPictrueInfo, SesHeader, SesString, count_error, octets,
};
use crate::der_out;
use crate::error::{SesError, SesErrorKind};
use der::asn1::ObjectIdentifier;
use time::OffsetDateTime;

/// ```text
/// SES_ESPropertyInfo ::= SEQUENCE {
///     type        INTEGER,
///     name        UTF8String,
///     certList    SEQUENCE OF cert,   -- cert ::= OCTET STRING (DER X.509)
///     createDate  UTCTime,
///     validStart  UTCTime,
///     validEnd    UTCTime
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SesESPropertyInfo {
    /// `type`.
    pub seal_type: i64,
    /// `name`.
    pub name: SesString,
    /// `certList`: the signer certificates.
    pub cert_list: Vec<Cert>,
    /// `createDate`.
    pub create_date: SesTime,
    /// `validStart`.
    pub valid_start: SesTime,
    /// `validEnd`.
    pub valid_end: SesTime,
}

impl SesESPropertyInfo {
    fn decode(tlv: &Tlv<'_>) -> Result<Self, SesError> {
        let f = tlv.sequence("SES_ESPropertyInfo")?;
        let [t, name, cl, created, start, end] = f.as_slice() else {
            return Err(count_error(tlv, "SES_ESPropertyInfo (v1)", 6, f.len()));
        };
        Ok(Self {
            seal_type: t.integer("SES_ESPropertyInfo.type")?,
            name: SesString::decode(name, "SES_ESPropertyInfo.name")?,
            cert_list: cl
                .sequence("SES_ESPropertyInfo.certList")?
                .iter()
                .map(|c| Cert::decode(c, "SES_ESPropertyInfo.certList"))
                .collect::<Result<_, _>>()?,
            create_date: SesTime::decode(created, "SES_ESPropertyInfo.createDate", tag::UTC_TIME)?,
            valid_start: SesTime::decode(start, "SES_ESPropertyInfo.validStart", tag::UTC_TIME)?,
            valid_end: SesTime::decode(end, "SES_ESPropertyInfo.validEnd", tag::UTC_TIME)?,
        })
    }

    fn encode(&self) -> Result<Vec<u8>, SesError> {
        let mut certs = Vec::new();
        for c in &self.cert_list {
            certs.extend(c.encode()?);
        }
        der_out::sequence(&[
            &der_out::integer(self.seal_type)?,
            &self.name.encode()?,
            &der_out::tlv(tag::SEQUENCE, &certs)?,
            &self.create_date.encode()?,
            &self.valid_start.encode()?,
            &self.valid_end.encode()?,
        ])
    }
}

/// How v1 `extDatas` was wrapped where it was found (formats.md E5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtDatasWrapping {
    /// A bare `SEQUENCE OF ExtData` (ofdrw, dms360; what eseal writes).
    Untagged,
    /// A context-specific constructed tag around it (Infosec NetSeal); the identifier octet.
    Explicit(u8),
    /// Inside an OCTET STRING (accepted by ofdrw's compatibility code).
    OctetString,
}

/// ```text
/// SES_SealInfo ::= SEQUENCE {
///     header    SES_Header,
///     esID      IA5String,
///     property  SES_ESPropertyInfo,
///     picture   SES_ESPictrueInfo,
///     extDatas  ExtensionDatas OPTIONAL
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SesSealInfo {
    /// `header`.
    pub header: SesHeader,
    /// `esID`.
    pub es_id: SesString,
    /// `property`.
    pub property: SesESPropertyInfo,
    /// `picture`.
    pub picture: SesESPictrueInfo,
    /// `extDatas` and its wrapping.
    pub ext_datas: Option<(ExtensionDatas, ExtDatasWrapping)>,
    raw: Vec<u8>,
}

impl SesSealInfo {
    /// Build from fields (the stored bytes are the DER encoding).
    pub fn new(
        header: SesHeader,
        es_id: SesString,
        property: SesESPropertyInfo,
        picture: SesESPictrueInfo,
        ext_datas: Option<ExtensionDatas>,
    ) -> Result<Self, SesError> {
        let mut s = Self {
            header,
            es_id,
            property,
            picture,
            ext_datas: ext_datas.map(|e| (e, ExtDatasWrapping::Untagged)),
            raw: Vec::new(),
        };
        s.raw = s.to_der()?;
        Ok(s)
    }

    fn decode(tlv: &Tlv<'_>) -> Result<Self, SesError> {
        let f = tlv.sequence("SES_SealInfo")?;
        let (h, id, p, pic, ext) = match f.as_slice() {
            [h, id, p, pic] => (h, id, p, pic, None),
            [h, id, p, pic, ext] => (h, id, p, pic, Some(ext)),
            _ => return Err(count_error(tlv, "SES_SealInfo", 4, f.len())),
        };
        let ext_datas = match ext {
            None => None,
            Some(e) if e.tag == tag::SEQUENCE => {
                Some((ExtensionDatas::decode(e)?, ExtDatasWrapping::Untagged))
            }
            Some(e) if e.tag & 0xE0 == 0xA0 => {
                let children = e.children()?;
                let [inner] = children.as_slice() else {
                    return Err(count_error(e, "SES_SealInfo.extDatas", 1, children.len()));
                };
                Some((
                    ExtensionDatas::decode(inner)?,
                    ExtDatasWrapping::Explicit(e.tag),
                ))
            }
            Some(e) if e.tag == tag::OCTET_STRING => {
                let (inner, _) = e.read_inner(e.value, e.value_offset)?;
                Some((
                    ExtensionDatas::decode(&inner)?,
                    ExtDatasWrapping::OctetString,
                ))
            }
            Some(e) => {
                return Err(SesError::at(
                    SesErrorKind::UnexpectedTag,
                    e.offset,
                    format!("SES_SealInfo.extDatas: unexpected tag 0x{:02X}", e.tag),
                )
                .zh_context(format!(
                    "SES_SealInfo.extDatas：标签 0x{:02X} 不符合标准",
                    e.tag
                )));
            }
        };
        Ok(Self {
            header: SesHeader::decode(h)?,
            es_id: SesString::decode(id, "SES_SealInfo.esID")?,
            property: SesESPropertyInfo::decode(p)?,
            picture: SesESPictrueInfo::decode(pic)?,
            ext_datas,
            raw: tlv.raw.to_vec(),
        })
    }

    /// The bytes as received (or as made).
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// Canonical DER from the fields (extDatas keeps its wrapping).
    pub fn to_der(&self) -> Result<Vec<u8>, SesError> {
        let mut parts = vec![
            self.header.encode()?,
            self.es_id.encode()?,
            self.property.encode()?,
            self.picture.encode()?,
        ];
        if let Some((ext, wrapping)) = &self.ext_datas {
            let inner = ext.encode()?;
            parts.push(match wrapping {
                ExtDatasWrapping::Untagged => inner,
                ExtDatasWrapping::Explicit(t) => der_out::tlv(*t, &inner)?,
                ExtDatasWrapping::OctetString => der_out::octet_string(&inner)?,
            });
        }
        der_out::tlv(tag::SEQUENCE, &parts.concat())
    }
}

/// ```text
/// SES_SignInfo ::= SEQUENCE {
///     cert                OCTET STRING,       -- the maker's certificate, DER
///     signatureAlgorithm  OBJECT IDENTIFIER,
///     signData            BIT STRING          -- the maker's signature
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SesSignInfo {
    /// `cert`.
    pub cert: Vec<u8>,
    /// `signatureAlgorithm`.
    pub signature_algorithm: ObjectIdentifier,
    /// `signData`: the BIT STRING payload.
    pub sign_data: Vec<u8>,
    /// The `cert` and `signatureAlgorithm` TLVs as received (they are in the signed bytes).
    cert_tlv: Vec<u8>,
    alg_tlv: Vec<u8>,
    /// True if the producer wrapped this SEQUENCE in a BIT STRING (formats.md E12).
    wrapped_in_bit_string: bool,
}

impl SesSignInfo {
    fn new(
        cert: Vec<u8>,
        signature_algorithm: ObjectIdentifier,
        sign_data: Vec<u8>,
    ) -> Result<Self, SesError> {
        Ok(Self {
            cert_tlv: der_out::octet_string(&cert)?,
            alg_tlv: der_out::oid(&signature_algorithm)?,
            cert,
            signature_algorithm,
            sign_data,
            wrapped_in_bit_string: false,
        })
    }

    fn decode(tlv: &Tlv<'_>) -> Result<Self, SesError> {
        if tlv.tag == tag::BIT_STRING {
            let payload = tlv.value.get(1..).unwrap_or_default();
            let (inner, _) = tlv.read_inner(payload, tlv.value_offset + 1)?;
            let mut s = Self::decode(&inner)?;
            s.wrapped_in_bit_string = true;
            return Ok(s);
        }
        let f = tlv.sequence("SES_SignInfo")?;
        let [cert, alg, sig] = f.as_slice() else {
            return Err(count_error(tlv, "SES_SignInfo", 3, f.len()));
        };
        Ok(Self {
            cert: octets(cert, "SES_SignInfo.cert")?,
            signature_algorithm: alg.oid("SES_SignInfo.signatureAlgorithm")?,
            sign_data: sig.bit_string("SES_SignInfo.signData")?,
            cert_tlv: cert.raw.to_vec(),
            alg_tlv: alg.raw.to_vec(),
            wrapped_in_bit_string: false,
        })
    }

    fn encode(&self) -> Result<Vec<u8>, SesError> {
        let seq = der_out::sequence(&[
            &der_out::octet_string(&self.cert)?,
            &der_out::oid(&self.signature_algorithm)?,
            &der_out::bit_string(&self.sign_data)?,
        ])?;
        if self.wrapped_in_bit_string {
            der_out::bit_string(&seq)
        } else {
            Ok(seq)
        }
    }
}

/// ```text
/// SESeal ::= SEQUENCE {
///     esealInfo  SES_SealInfo,
///     signInfo   SES_SignInfo
/// }
/// ```
/// The maker signs `SEQUENCE { esealInfo, signInfo.cert, signInfo.signatureAlgorithm }`, a
/// wrapper that is not stored ([`SeSeal::maker_signed_bytes`]; formats.md §2.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeSeal {
    /// `esealInfo`.
    pub eseal_info: SesSealInfo,
    /// `signInfo`.
    pub sign_info: SesSignInfo,
    raw: Vec<u8>,
}

impl SeSeal {
    /// The bytes the maker signs: a DER SEQUENCE header over the three TLVs as stored.
    pub fn maker_signed_bytes(
        seal_info_raw: &[u8],
        cert_tlv: &[u8],
        alg_tlv: &[u8],
    ) -> Result<Vec<u8>, SesError> {
        der_out::sequence(&[seal_info_raw, cert_tlv, alg_tlv])
    }

    /// The bytes the maker signed, from this seal's stored TLVs.
    pub fn signed_bytes(&self) -> Result<Vec<u8>, SesError> {
        Self::maker_signed_bytes(
            self.eseal_info.raw(),
            &self.sign_info.cert_tlv,
            &self.sign_info.alg_tlv,
        )
    }

    /// Build from the seal info, the maker certificate, the algorithm and the signature.
    pub fn new(
        eseal_info: SesSealInfo,
        maker_cert: Vec<u8>,
        signature_algorithm: ObjectIdentifier,
        sign_data: Vec<u8>,
    ) -> Result<Self, SesError> {
        let mut s = Self {
            eseal_info,
            sign_info: SesSignInfo::new(maker_cert, signature_algorithm, sign_data)?,
            raw: Vec::new(),
        };
        s.raw = s.to_der()?;
        Ok(s)
    }

    /// Decode the first TLV of `input` (trailing bytes ignored).
    pub fn from_ber(input: &[u8]) -> Result<Self, SesError> {
        let (tlv, _) = crate::ber::first_tlv(input)?;
        Self::decode(&tlv)
    }

    pub(crate) fn decode(tlv: &Tlv<'_>) -> Result<Self, SesError> {
        let f = tlv.sequence("SESeal")?;
        let [info, sign] = f.as_slice() else {
            return Err(count_error(tlv, "SESeal (v1)", 2, f.len()));
        };
        Ok(Self {
            eseal_info: SesSealInfo::decode(info)?,
            sign_info: SesSignInfo::decode(sign)?,
            raw: tlv.raw.to_vec(),
        })
    }

    /// The bytes as received (or as made).
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// Canonical DER from the fields.
    pub fn to_der(&self) -> Result<Vec<u8>, SesError> {
        der_out::sequence(&[&self.eseal_info.to_der()?, &self.sign_info.encode()?])
    }
}

/// v1 `timeInfo` / `dataHash`: a BIT STRING in the standard, an OCTET STRING from some
/// producers (formats.md E8). Keeps which.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BitOrOctets {
    /// The payload (BIT STRING without its unused-bits octet).
    pub bytes: Vec<u8>,
    /// True if encoded as OCTET STRING.
    pub octet_string: bool,
}

impl BitOrOctets {
    /// A standard BIT STRING value.
    pub fn bits(bytes: Vec<u8>) -> Self {
        Self {
            bytes,
            octet_string: false,
        }
    }

    fn decode(tlv: &Tlv<'_>, what: &str) -> Result<Self, SesError> {
        if tlv.tag & !0x20 == tag::OCTET_STRING {
            return Ok(Self {
                bytes: tlv.string_bytes(what)?,
                octet_string: true,
            });
        }
        Ok(Self {
            bytes: tlv.bit_string(what)?,
            octet_string: false,
        })
    }

    fn encode(&self) -> Result<Vec<u8>, SesError> {
        if self.octet_string {
            der_out::octet_string(&self.bytes)
        } else {
            der_out::bit_string(&self.bytes)
        }
    }
}

/// ```text
/// TBS_Sign ::= SEQUENCE {
///     version             INTEGER,
///     eseal               SESeal,
///     timeInfo            BIT STRING,         -- the signing time (text) or a timestamp
///     dataHash            BIT STRING,
///     propertyInfo        IA5String,
///     cert                OCTET STRING,       -- the signer's certificate, DER
///     signatureAlgorithm  OBJECT IDENTIFIER
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TbsSign {
    /// `version`.
    pub version: i64,
    /// `eseal`.
    pub eseal: SeSeal,
    /// `timeInfo`.
    pub time_info: BitOrOctets,
    /// `dataHash`.
    pub data_hash: BitOrOctets,
    /// `propertyInfo`.
    pub property_info: SesString,
    /// `cert`.
    pub cert: Vec<u8>,
    /// `signatureAlgorithm`.
    pub signature_algorithm: ObjectIdentifier,
    raw: Vec<u8>,
}

impl TbsSign {
    /// Build from fields (the stored bytes are the DER encoding).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        version: i64,
        eseal: SeSeal,
        time_info: BitOrOctets,
        data_hash: BitOrOctets,
        property_info: SesString,
        cert: Vec<u8>,
        signature_algorithm: ObjectIdentifier,
    ) -> Result<Self, SesError> {
        let mut s = Self {
            version,
            eseal,
            time_info,
            data_hash,
            property_info,
            cert,
            signature_algorithm,
            raw: Vec::new(),
        };
        s.raw = s.to_der()?;
        Ok(s)
    }

    fn decode(tlv: &Tlv<'_>) -> Result<Self, SesError> {
        let f = tlv.sequence("TBS_Sign")?;
        let [v, seal, t, hash, prop, cert, alg] = f.as_slice() else {
            return Err(count_error(tlv, "TBS_Sign (v1)", 7, f.len()));
        };
        Ok(Self {
            version: v.integer("TBS_Sign.version")?,
            eseal: SeSeal::decode(seal)?,
            time_info: BitOrOctets::decode(t, "TBS_Sign.timeInfo")?,
            data_hash: BitOrOctets::decode(hash, "TBS_Sign.dataHash")?,
            property_info: SesString::decode(prop, "TBS_Sign.propertyInfo")?,
            cert: octets(cert, "TBS_Sign.cert")?,
            signature_algorithm: alg.oid("TBS_Sign.signatureAlgorithm")?,
            raw: tlv.raw.to_vec(),
        })
    }

    /// The signing time read from `timeInfo` text, when it is text in a known form.
    pub fn signing_time(&self) -> Option<OffsetDateTime> {
        std::str::from_utf8(&self.time_info.bytes)
            .ok()
            .and_then(parse_text_time)
    }

    /// The bytes as received (or as made): what the signer signed.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// Canonical DER from the fields.
    pub fn to_der(&self) -> Result<Vec<u8>, SesError> {
        der_out::sequence(&[
            &der_out::integer(self.version)?,
            &self.eseal.to_der()?,
            &self.time_info.encode()?,
            &self.data_hash.encode()?,
            &self.property_info.encode()?,
            &der_out::octet_string(&self.cert)?,
            &der_out::oid(&self.signature_algorithm)?,
        ])
    }
}

/// ```text
/// SES_Signature ::= SEQUENCE {
///     toSign     TBS_Sign,
///     signature  BIT STRING   -- the signer's signature over toSign
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SesSignature {
    /// `toSign`.
    pub to_sign: TbsSign,
    /// `signature`: the BIT STRING payload.
    pub signature: Vec<u8>,
    raw: Vec<u8>,
}

impl SesSignature {
    /// Build from fields (the stored bytes are the DER encoding).
    pub fn new(to_sign: TbsSign, signature: Vec<u8>) -> Result<Self, SesError> {
        let mut s = Self {
            to_sign,
            signature,
            raw: Vec::new(),
        };
        s.raw = s.to_der()?;
        Ok(s)
    }

    /// Decode the first TLV of `input` (trailing bytes ignored).
    pub fn from_ber(input: &[u8]) -> Result<Self, SesError> {
        let (tlv, _) = crate::ber::first_tlv(input)?;
        Self::decode(&tlv)
    }

    pub(crate) fn decode(tlv: &Tlv<'_>) -> Result<Self, SesError> {
        let f = tlv.sequence("SES_Signature")?;
        let [tbs, sig] = f.as_slice() else {
            return Err(count_error(tlv, "SES_Signature (v1)", 2, f.len()));
        };
        Ok(Self {
            to_sign: TbsSign::decode(tbs)?,
            signature: sig.bit_string("SES_Signature.signature")?,
            raw: tlv.raw.to_vec(),
        })
    }

    /// The bytes as received (or as made).
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// Canonical DER from the fields.
    pub fn to_der(&self) -> Result<Vec<u8>, SesError> {
        der_out::sequence(&[
            &self.to_sign.to_der()?,
            &der_out::bit_string(&self.signature)?,
        ])
    }
}
