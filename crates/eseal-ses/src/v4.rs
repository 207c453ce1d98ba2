//! GB/T 38540-2020 (header version 4): the seal and signature structures.
//!
//! The signature structures [`TbsSignOf`] and [`SesSignatureOf`] are generic over the seal
//! they embed, because GM/T 0031-2025 (v5, see [`crate::v5`]) keeps them word for word and only
//! adds a timestamp to `SESeal`.

use crate::asn1_time::SesTime;
use crate::ber::{Tlv, tag};
use crate::common::{
    Cert, ExtensionDatas, SesESPictrueInfo, SesHeader, SesString, TagMode, count_error, octets,
};
use crate::der_out;
use crate::error::{SesError, SesErrorKind};
use der::asn1::ObjectIdentifier;

/// ```text
/// CertDigestObj ::= SEQUENCE {
///     type   PrintableString,  -- hash algorithm, free text
///     value  OCTET STRING      -- the certificate digest
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertDigestObj {
    /// `type`.
    pub digest_type: SesString,
    /// `value`.
    pub value: Vec<u8>,
}

/// ```text
/// SES_CertList ::= CHOICE {
///     certs           CertInfoList,    -- SEQUENCE OF Cert (OCTET STRING, DER X.509); certListType 1
///     certDigestList  CertDigestList   -- SEQUENCE OF CertDigestObj; certListType 2
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SesCertList {
    /// `certs`.
    Certs(Vec<Cert>),
    /// `certDigestList`.
    CertDigestList(Vec<CertDigestObj>),
}

/// `certListType` value for certificates.
pub const CERT_LIST_TYPE_CERTS: i64 = 1;
/// `certListType` value for certificate digests.
pub const CERT_LIST_TYPE_DIGESTS: i64 = 2;

impl SesCertList {
    fn decode(tlv: &Tlv<'_>, cert_list_type: i64) -> Result<Self, SesError> {
        let items = tlv.sequence("SES_CertList")?;
        // The CHOICE has no distinguishing tags: certListType decides; when it is neither 1 nor
        // 2, the element shapes decide (formats.md §3.1 notes).
        let digests = match cert_list_type {
            CERT_LIST_TYPE_CERTS => false,
            CERT_LIST_TYPE_DIGESTS => true,
            _ => items.first().is_some_and(|i| i.tag == tag::SEQUENCE),
        };
        if digests {
            let mut out = Vec::new();
            for item in &items {
                let f = item.sequence("CertDigestObj")?;
                let [t, v] = f.as_slice() else {
                    return Err(count_error(item, "CertDigestObj", 2, f.len()));
                };
                out.push(CertDigestObj {
                    digest_type: SesString::decode(t, "CertDigestObj.type")?,
                    value: octets(v, "CertDigestObj.value")?,
                });
            }
            Ok(Self::CertDigestList(out))
        } else {
            items
                .iter()
                .map(|i| Cert::decode(i, "SES_CertList.certs"))
                .collect::<Result<_, _>>()
                .map(Self::Certs)
        }
    }

    fn encode(&self) -> Result<Vec<u8>, SesError> {
        let mut content = Vec::new();
        match self {
            Self::Certs(certs) => {
                for c in certs {
                    content.extend(c.encode()?);
                }
            }
            Self::CertDigestList(list) => {
                for d in list {
                    content.extend(der_out::sequence(&[
                        &d.digest_type.encode()?,
                        &der_out::octet_string(&d.value)?,
                    ])?);
                }
            }
        }
        der_out::tlv(tag::SEQUENCE, &content)
    }
}

/// ```text
/// SES_ESPropertyInfo ::= SEQUENCE {
///     type          INTEGER,
///     name          UTF8String,
///     certListType  INTEGER,
///     certList      SES_CertList,
///     createDate    GeneralizedTime,
///     validStart    GeneralizedTime,
///     validEnd      GeneralizedTime
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SesESPropertyInfo {
    /// `type`: the seal type (business-defined; see R-KIND-4).
    pub seal_type: i64,
    /// `name`.
    pub name: SesString,
    /// `certListType`.
    pub cert_list_type: i64,
    /// `certList`.
    pub cert_list: SesCertList,
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
        let [t, name, clt, cl, created, start, end] = f.as_slice() else {
            return Err(count_error(tlv, "SES_ESPropertyInfo (v4)", 7, f.len()));
        };
        let cert_list_type = clt.integer("SES_ESPropertyInfo.certListType")?;
        Ok(Self {
            seal_type: t.integer("SES_ESPropertyInfo.type")?,
            name: SesString::decode(name, "SES_ESPropertyInfo.name")?,
            cert_list_type,
            cert_list: SesCertList::decode(cl, cert_list_type)?,
            create_date: SesTime::decode(
                created,
                "SES_ESPropertyInfo.createDate",
                tag::GENERALIZED_TIME,
            )?,
            valid_start: SesTime::decode(
                start,
                "SES_ESPropertyInfo.validStart",
                tag::GENERALIZED_TIME,
            )?,
            valid_end: SesTime::decode(end, "SES_ESPropertyInfo.validEnd", tag::GENERALIZED_TIME)?,
        })
    }

    fn encode(&self) -> Result<Vec<u8>, SesError> {
        der_out::sequence(&[
            &der_out::integer(self.seal_type)?,
            &self.name.encode()?,
            &der_out::integer(self.cert_list_type)?,
            &self.cert_list.encode()?,
            &self.create_date.encode()?,
            &self.valid_start.encode()?,
            &self.valid_end.encode()?,
        ])
    }
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
/// The maker's signature covers this TLV exactly as stored ([`SesSealInfo::raw`]).
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
    /// `extDatas`.
    pub ext_datas: Option<ExtensionDatas>,
    raw: Vec<u8>,
}

impl SesSealInfo {
    /// Build from fields; the stored bytes are the DER encoding.
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
            ext_datas,
            raw: Vec::new(),
        };
        s.raw = s.to_der()?;
        Ok(s)
    }

    pub(crate) fn decode(tlv: &Tlv<'_>) -> Result<Self, SesError> {
        let f = tlv.sequence("SES_SealInfo")?;
        let (h, id, p, pic, ext) = match f.as_slice() {
            [h, id, p, pic] => (h, id, p, pic, None),
            [h, id, p, pic, ext] => (h, id, p, pic, Some(ext)),
            _ => return Err(count_error(tlv, "SES_SealInfo", 4, f.len())),
        };
        Ok(Self {
            header: SesHeader::decode(h)?,
            es_id: SesString::decode(id, "SES_SealInfo.esID")?,
            property: SesESPropertyInfo::decode(p)?,
            picture: SesESPictrueInfo::decode(pic)?,
            ext_datas: ext.map(ExtensionDatas::decode).transpose()?,
            raw: tlv.raw.to_vec(),
        })
    }

    /// The bytes as received (or as made): what the maker signed.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// Canonical DER from the fields.
    pub fn to_der(&self) -> Result<Vec<u8>, SesError> {
        let mut parts = vec![
            self.header.encode()?,
            self.es_id.encode()?,
            self.property.encode()?,
            self.picture.encode()?,
        ];
        if let Some(ext) = &self.ext_datas {
            parts.push(ext.encode()?);
        }
        der_out::tlv(tag::SEQUENCE, &parts.concat())
    }
}

/// What the signature structures need from the seal they embed (v4 or v5 `SESeal`).
pub trait EmbeddedSeal: Sized + Clone + std::fmt::Debug {
    /// Decode from a node.
    fn decode_tlv(tlv: &Tlv<'_>) -> Result<Self, SesError>;
    /// The bytes as received.
    fn raw(&self) -> &[u8];
    /// Canonical DER from the fields.
    fn to_der(&self) -> Result<Vec<u8>, SesError>;
    /// The seal information.
    fn seal_info(&self) -> &SesSealInfo;
}

/// ```text
/// SESeal ::= SEQUENCE {
///     eSealInfo    SES_SealInfo,
///     cert         OCTET STRING,       -- the maker's certificate, DER
///     signAlgID    OBJECT IDENTIFIER,
///     signedValue  BIT STRING          -- the maker's signature over eSealInfo
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeSeal {
    /// `eSealInfo`.
    pub e_seal_info: SesSealInfo,
    /// `cert`: the maker (制章者) certificate, DER.
    pub cert: Vec<u8>,
    /// `signAlgID`.
    pub sign_alg_id: ObjectIdentifier,
    /// `signedValue`: the BIT STRING payload (DER SM2Signature, or raw r‖s in the wild).
    pub signed_value: Vec<u8>,
    raw: Vec<u8>,
}

impl SeSeal {
    /// Build from fields (the stored bytes are the DER encoding).
    pub fn new(
        e_seal_info: SesSealInfo,
        cert: Vec<u8>,
        sign_alg_id: ObjectIdentifier,
        signed_value: Vec<u8>,
    ) -> Result<Self, SesError> {
        let mut s = Self {
            e_seal_info,
            cert,
            sign_alg_id,
            signed_value,
            raw: Vec::new(),
        };
        s.raw = s.to_der()?;
        Ok(s)
    }

    /// Decode the first TLV of `input` as a v4 `SESeal` (trailing bytes ignored).
    pub fn from_ber(input: &[u8]) -> Result<Self, SesError> {
        let (tlv, _) = crate::ber::first_tlv(input)?;
        Self::decode_tlv(&tlv)
    }

    pub(crate) fn decode_fields(tlv: &Tlv<'_>, f: &[Tlv<'_>]) -> Result<Self, SesError> {
        let [info, cert, alg, value, ..] = f else {
            return Err(count_error(tlv, "SESeal (v4)", 4, f.len()));
        };
        Ok(Self {
            e_seal_info: SesSealInfo::decode(info)?,
            cert: octets(cert, "SESeal.cert")?,
            sign_alg_id: alg.oid("SESeal.signAlgID")?,
            signed_value: value.bit_string("SESeal.signedValue")?,
            raw: tlv.raw.to_vec(),
        })
    }

    /// The DER of the four fields common to v4 and v5 `SESeal`.
    pub(crate) fn encode_fields(
        info: &SesSealInfo,
        cert: &[u8],
        alg: &ObjectIdentifier,
        value: &[u8],
    ) -> Result<Vec<Vec<u8>>, SesError> {
        Ok(vec![
            info.to_der()?,
            der_out::octet_string(cert)?,
            der_out::oid(alg)?,
            der_out::bit_string(value)?,
        ])
    }
}

impl EmbeddedSeal for SeSeal {
    fn decode_tlv(tlv: &Tlv<'_>) -> Result<Self, SesError> {
        let f = tlv.sequence("SESeal")?;
        if f.len() != 4 {
            return Err(count_error(tlv, "SESeal (v4)", 4, f.len()));
        }
        Self::decode_fields(tlv, &f)
    }

    fn raw(&self) -> &[u8] {
        &self.raw
    }

    fn to_der(&self) -> Result<Vec<u8>, SesError> {
        der_out::tlv(
            tag::SEQUENCE,
            &Self::encode_fields(
                &self.e_seal_info,
                &self.cert,
                &self.sign_alg_id,
                &self.signed_value,
            )?
            .concat(),
        )
    }

    fn seal_info(&self) -> &SesSealInfo {
        &self.e_seal_info
    }
}

/// ```text
/// TBS_Sign ::= SEQUENCE {
///     version       INTEGER,           -- = the seal's header version
///     eseal         SESeal,
///     timeInfo      GeneralizedTime,   -- signing time
///     dataHash      BIT STRING,        -- SM3 of the original
///     propertyInfo  IA5String,         -- the original's properties (e.g. the OFD Signature.xml path)
///     extDatas      [0] ExtensionDatas OPTIONAL
/// }
/// ```
/// The signer's signature covers this TLV exactly as stored ([`TbsSignOf::raw`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TbsSignOf<S> {
    /// `version`.
    pub version: i64,
    /// `eseal`.
    pub eseal: S,
    /// `timeInfo`.
    pub time_info: SesTime,
    /// `dataHash`: the BIT STRING payload.
    pub data_hash: Vec<u8>,
    /// `propertyInfo`.
    pub property_info: SesString,
    /// `extDatas` and how it was tagged.
    pub ext_datas: Option<(ExtensionDatas, TagMode)>,
    raw: Vec<u8>,
}

/// The v4 `TBS_Sign`.
pub type TbsSign = TbsSignOf<SeSeal>;

impl<S: EmbeddedSeal> TbsSignOf<S> {
    /// Build from fields (the stored bytes are the DER encoding).
    pub fn new(
        version: i64,
        eseal: S,
        time_info: SesTime,
        data_hash: Vec<u8>,
        property_info: SesString,
        ext_datas: Option<ExtensionDatas>,
    ) -> Result<Self, SesError> {
        let mut s = Self {
            version,
            eseal,
            time_info,
            data_hash,
            property_info,
            ext_datas: ext_datas.map(|e| (e, TagMode::Explicit)),
            raw: Vec::new(),
        };
        s.raw = s.to_der()?;
        Ok(s)
    }

    fn decode(tlv: &Tlv<'_>) -> Result<Self, SesError> {
        let f = tlv.sequence("TBS_Sign")?;
        let (v, seal, t, hash, prop, ext) = match f.as_slice() {
            [v, seal, t, hash, prop] => (v, seal, t, hash, prop, None),
            [v, seal, t, hash, prop, ext] => (v, seal, t, hash, prop, Some(ext)),
            _ => return Err(count_error(tlv, "TBS_Sign (v4)", 5, f.len())),
        };
        hash.expect_any(
            &[tag::BIT_STRING, tag::BIT_STRING | 0x20],
            "TBS_Sign.dataHash",
        )?;
        Ok(Self {
            version: v.integer("TBS_Sign.version")?,
            eseal: S::decode_tlv(seal)?,
            time_info: SesTime::decode(t, "TBS_Sign.timeInfo", tag::GENERALIZED_TIME)?,
            data_hash: hash.bit_string("TBS_Sign.dataHash")?,
            property_info: SesString::decode(prop, "TBS_Sign.propertyInfo")?,
            ext_datas: ext.map(decode_tagged_ext_datas).transpose()?,
            raw: tlv.raw.to_vec(),
        })
    }

    /// The bytes as received (or as made): what the signer signed.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// Canonical DER from the fields (the `[0]` keeps the tagging it was found with).
    pub fn to_der(&self) -> Result<Vec<u8>, SesError> {
        let mut parts = vec![
            der_out::integer(self.version)?,
            self.eseal.to_der()?,
            self.time_info.encode()?,
            der_out::bit_string(&self.data_hash)?,
            self.property_info.encode()?,
        ];
        if let Some((ext, mode)) = &self.ext_datas {
            let inner = ext.encode()?;
            parts.push(match mode {
                TagMode::Explicit => der_out::tlv(tag::CONTEXT_0_CONSTRUCTED, &inner)?,
                TagMode::Implicit => {
                    let (t, _) = crate::ber::first_tlv(&inner)?;
                    der_out::tlv(tag::CONTEXT_0_CONSTRUCTED, t.value)?
                }
                TagMode::Untagged => inner,
            });
        }
        der_out::tlv(tag::SEQUENCE, &parts.concat())
    }
}

fn decode_tagged_ext_datas(tlv: &Tlv<'_>) -> Result<(ExtensionDatas, TagMode), SesError> {
    match tlv.tag {
        tag::SEQUENCE => Ok((ExtensionDatas::decode(tlv)?, TagMode::Untagged)),
        tag::CONTEXT_0_CONSTRUCTED => {
            let children = tlv.children()?;
            // EXPLICIT: one SEQUENCE whose children are SEQUENCEs (ExtData).
            // IMPLICIT: the children are the ExtData SEQUENCEs themselves (first child an OID).
            if let [only] = children.as_slice()
                && only.tag == tag::SEQUENCE
                && only.children()?.iter().all(|c| c.tag == tag::SEQUENCE)
            {
                return Ok((ExtensionDatas::decode(only)?, TagMode::Explicit));
            }
            let as_seq = Tlv {
                tag: tag::SEQUENCE,
                ..*tlv
            };
            Ok((ExtensionDatas::decode(&as_seq)?, TagMode::Implicit))
        }
        _ => Err(SesError::at(
            SesErrorKind::UnexpectedTag,
            tlv.offset,
            format!("TBS_Sign.extDatas: unexpected tag 0x{:02X}", tlv.tag),
        )
        .zh_context(format!(
            "TBS_Sign.extDatas：标签 0x{:02X} 不符合标准",
            tlv.tag
        ))),
    }
}

/// A `[0] BIT STRING OPTIONAL` timestamp field and how it was tagged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeStampField {
    /// The BIT STRING payload: the DER timestamp token.
    pub token: Vec<u8>,
    /// The tagging found.
    pub mode: TagMode,
}

impl TimeStampField {
    /// An EXPLICIT-tagged field (what eseal writes).
    pub fn explicit(token: Vec<u8>) -> Self {
        Self {
            token,
            mode: TagMode::Explicit,
        }
    }

    pub(crate) fn decode(tlv: &Tlv<'_>, what: &str) -> Result<Self, SesError> {
        match tlv.tag {
            tag::CONTEXT_0_CONSTRUCTED => {
                let children = tlv.children()?;
                let [inner] = children.as_slice() else {
                    return Err(count_error(tlv, what, 1, children.len()));
                };
                Ok(Self {
                    token: inner.bit_string(what)?,
                    mode: TagMode::Explicit,
                })
            }
            tag::CONTEXT_0_PRIMITIVE => {
                let as_bits = Tlv {
                    tag: tag::BIT_STRING,
                    ..*tlv
                };
                Ok(Self {
                    token: as_bits.bit_string(what)?,
                    mode: TagMode::Implicit,
                })
            }
            tag::BIT_STRING => Ok(Self {
                token: tlv.bit_string(what)?,
                mode: TagMode::Untagged,
            }),
            _ => Err(SesError::at(
                SesErrorKind::UnexpectedTag,
                tlv.offset,
                format!("{what}: unexpected tag 0x{:02X}", tlv.tag),
            )
            .zh_context(format!("{what}：标签 0x{:02X} 不符合标准", tlv.tag))),
        }
    }

    pub(crate) fn encode(&self) -> Result<Vec<u8>, SesError> {
        let bits = der_out::bit_string(&self.token)?;
        match self.mode {
            TagMode::Explicit => der_out::tlv(tag::CONTEXT_0_CONSTRUCTED, &bits),
            TagMode::Implicit => {
                let (t, _) = crate::ber::first_tlv(&bits)?;
                der_out::tlv(tag::CONTEXT_0_PRIMITIVE, t.value)
            }
            TagMode::Untagged => Ok(bits),
        }
    }
}

/// ```text
/// SES_Signature ::= SEQUENCE {
///     toSign          TBS_Sign,
///     cert            OCTET STRING,         -- the signer's certificate, DER
///     signatureAlgID  OBJECT IDENTIFIER,
///     signature       BIT STRING,           -- over toSign
///     timeStamp       [0] BIT STRING OPTIONAL   -- a token over the signature value
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SesSignatureOf<S> {
    /// `toSign`.
    pub to_sign: TbsSignOf<S>,
    /// `cert`: the signer (签章者) certificate, DER.
    pub cert: Vec<u8>,
    /// `signatureAlgID`.
    pub signature_alg_id: ObjectIdentifier,
    /// `signature`: the BIT STRING payload.
    pub signature: Vec<u8>,
    /// `timeStamp`.
    pub time_stamp: Option<TimeStampField>,
    raw: Vec<u8>,
}

/// The v4 `SES_Signature`.
pub type SesSignature = SesSignatureOf<SeSeal>;

impl<S: EmbeddedSeal> SesSignatureOf<S> {
    /// Build from fields (the stored bytes are the DER encoding).
    pub fn new(
        to_sign: TbsSignOf<S>,
        cert: Vec<u8>,
        signature_alg_id: ObjectIdentifier,
        signature: Vec<u8>,
        time_stamp: Option<TimeStampField>,
    ) -> Result<Self, SesError> {
        let mut s = Self {
            to_sign,
            cert,
            signature_alg_id,
            signature,
            time_stamp,
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
        let (tbs, cert, alg, sig, ts) = match f.as_slice() {
            [tbs, cert, alg, sig] => (tbs, cert, alg, sig, None),
            [tbs, cert, alg, sig, ts] => (tbs, cert, alg, sig, Some(ts)),
            _ => return Err(count_error(tlv, "SES_Signature (v4)", 4, f.len())),
        };
        Ok(Self {
            to_sign: TbsSignOf::decode(tbs)?,
            cert: octets(cert, "SES_Signature.cert")?,
            signature_alg_id: alg.oid("SES_Signature.signatureAlgID")?,
            signature: sig.bit_string("SES_Signature.signature")?,
            time_stamp: ts
                .map(|t| TimeStampField::decode(t, "SES_Signature.timeStamp"))
                .transpose()?,
            raw: tlv.raw.to_vec(),
        })
    }

    /// The bytes as received (or as made).
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// Canonical DER from the fields.
    pub fn to_der(&self) -> Result<Vec<u8>, SesError> {
        let mut parts = vec![
            self.to_sign.to_der()?,
            der_out::octet_string(&self.cert)?,
            der_out::oid(&self.signature_alg_id)?,
            der_out::bit_string(&self.signature)?,
        ];
        if let Some(ts) = &self.time_stamp {
            parts.push(ts.encode()?);
        }
        der_out::tlv(tag::SEQUENCE, &parts.concat())
    }
}
