//! Version detection (formats.md §5) and a version-independent view of seals and signatures,
//! so that verification is written once.

use crate::ber::{Tlv, first_tlv, tag};
use crate::common::{ExtensionDatas, SesESPictrueInfo, SesString};
use crate::error::{SesError, SesErrorKind};
use crate::v4::EmbeddedSeal;
use crate::{v1, v4, v5};
use der::asn1::ObjectIdentifier;
use eseal_asn1::{Quirk, QuirkKind, QuirkLog};
use std::borrow::Cow;
use time::OffsetDateTime;

/// The data-structure versions eseal reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Version {
    /// GM/T 0031-2014.
    V1,
    /// GB/T 38540-2020.
    V4,
    /// GM/T 0031-2025.
    V5,
}

impl Version {
    /// "v1", "v4", "v5".
    pub fn name(self) -> &'static str {
        match self {
            Self::V1 => "v1",
            Self::V4 => "v4",
            Self::V5 => "v5",
        }
    }
}

/// What a buffer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StructureKind {
    /// An `SESeal`.
    Seal,
    /// An `SES_Signature`.
    Signature,
}

/// How the input was encoded, for the report.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct EncodingNotes {
    /// Bytes after the first TLV (ignored).
    pub trailing_bytes: usize,
    /// Non-minimal or indefinite lengths somewhere (BER).
    pub ber_lengths: bool,
    /// The seal was wrapped in an OCTET STRING.
    pub octet_string_wrapped: bool,
    /// Every departure from DER the reader accepted, with its field and offset.
    #[serde(skip)]
    pub quirks: Vec<Quirk>,
}

/// The quirks of `tlv`'s tree that are not recorded field by field: BER lengths, noted once
/// at the outermost node that has them.
fn note_ber_lengths(tlv: &Tlv<'_>, what: &str) {
    if !tlv.minimal_lengths() {
        tlv.note(QuirkKind::BerLength, what);
    }
}

fn unwrap_octet_string<'a>(tlv: Tlv<'a>, notes: &mut EncodingNotes) -> Result<Tlv<'a>, SesError> {
    if tlv.tag == tag::OCTET_STRING {
        let (inner, _) = tlv.read_inner(tlv.value, tlv.value_offset)?;
        notes.octet_string_wrapped = true;
        return Ok(inner);
    }
    Ok(tlv)
}

/// Is this buffer a seal or a signature? (The grandchild decides: `TBS_Sign` starts with
/// `version INTEGER`, `SES_SealInfo` with `SES_Header`, a SEQUENCE.)
pub fn detect(input: &[u8]) -> Result<StructureKind, SesError> {
    let (tlv, _) = first_tlv(input)?;
    let tlv = unwrap_octet_string(tlv, &mut EncodingNotes::default())?;
    let children = tlv.sequence("top level")?;
    let first = children.first().ok_or_else(|| {
        SesError::at(SesErrorKind::UnknownLayout, tlv.offset, "empty SEQUENCE")
            .zh_context("SEQUENCE 为空")
    })?;
    let grandchild = first.children()?.into_iter().next().ok_or_else(|| {
        SesError::at(
            SesErrorKind::UnknownLayout,
            first.offset,
            "empty first element",
        )
        .zh_context("第一个元素为空")
    })?;
    match grandchild.tag {
        tag::INTEGER => Ok(StructureKind::Signature),
        tag::SEQUENCE => Ok(StructureKind::Seal),
        _ => Err(SesError::at(
            SesErrorKind::UnknownLayout,
            grandchild.offset,
            "neither an SESeal nor an SES_Signature",
        )
        .zh_context("既不是 SESeal 也不是 SES_Signature")),
    }
}

/// A seal of any version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnySeal {
    /// GM/T 0031-2014.
    V1(v1::SeSeal),
    /// GB/T 38540-2020.
    V4(v4::SeSeal),
    /// GM/T 0031-2025.
    V5(v5::SeSeal),
}

/// Decides v4 or v5 for a 4/5-element `SESeal` node: 5 elements, or header version 5.
fn is_v5_seal(tlv: &Tlv<'_>) -> Result<bool, SesError> {
    let children = tlv.sequence("SESeal")?;
    if children.len() == 5 {
        return Ok(true);
    }
    let header_version = children
        .first()
        .and_then(|info| info.children().ok())
        .and_then(|f| f.into_iter().next())
        .and_then(|h| h.children().ok())
        .and_then(|f| {
            // Detection only: the header is read (and its quirks noted) by the decoder.
            f.get(1)
                .and_then(|v| Tlv { log: None, ..*v }.integer("version").ok())
        });
    Ok(header_version == Some(5))
}

impl AnySeal {
    /// Decode the first TLV of `input`, any version, with notes on the encoding.
    pub fn decode(input: &[u8]) -> Result<(Self, EncodingNotes), SesError> {
        let log = QuirkLog::new();
        let (tlv, rest) = Tlv::read_logged(input, 0, &log)?;
        let mut notes = EncodingNotes {
            trailing_bytes: rest.len(),
            ..Default::default()
        };
        let tlv = unwrap_octet_string(tlv, &mut notes)?;
        notes.ber_lengths = !tlv.minimal_lengths();
        note_ber_lengths(&tlv, "SESeal");
        let seal = Self::decode_tlv(&tlv)?;
        notes.quirks = log.into_quirks();
        Ok((seal, notes))
    }

    /// The departures from DER in the seal as received (offsets from its first byte).
    pub fn quirks(&self) -> Vec<Quirk> {
        Self::decode(self.raw())
            .map(|(_, notes)| notes.quirks)
            .unwrap_or_default()
    }

    pub(crate) fn decode_tlv(tlv: &Tlv<'_>) -> Result<Self, SesError> {
        let n = tlv.sequence("SESeal")?.len();
        match n {
            2 => Ok(Self::V1(v1::SeSeal::decode(tlv)?)),
            4 | 5 if is_v5_seal(tlv)? => Ok(Self::V5(v5::SeSeal::decode_tlv(tlv)?)),
            4 => Ok(Self::V4(v4::SeSeal::decode_tlv(tlv)?)),
            _ => Err(SesError::at(
                SesErrorKind::UnknownLayout,
                tlv.offset,
                format!("SESeal with {n} elements is no known version (2: v1, 4: v4, 4-5: v5)"),
            )
            .zh_context(format!(
                "含 {n} 个元素的 SESeal 不属于任何已知版本（v1 为 2 个，v4 为 4 个，v5 为 4–5 个）"
            ))),
        }
    }

    /// The version.
    pub fn version(&self) -> Version {
        match self {
            Self::V1(_) => Version::V1,
            Self::V4(_) => Version::V4,
            Self::V5(_) => Version::V5,
        }
    }

    /// The bytes as received (or made).
    pub fn raw(&self) -> &[u8] {
        match self {
            Self::V1(s) => s.raw(),
            Self::V4(s) => EmbeddedSeal::raw(s),
            Self::V5(s) => EmbeddedSeal::raw(s),
        }
    }

    /// Canonical DER.
    pub fn to_der(&self) -> Result<Vec<u8>, SesError> {
        match self {
            Self::V1(s) => s.to_der(),
            Self::V4(s) => EmbeddedSeal::to_der(s),
            Self::V5(s) => EmbeddedSeal::to_der(s),
        }
    }

    /// The version-independent view.
    pub fn view(&self) -> Result<SealView<'_>, SesError> {
        Ok(match self {
            Self::V1(s) => {
                let i = &s.eseal_info;
                let p = &i.property;
                SealView {
                    version: Version::V1,
                    header_version: i.header.version,
                    vid: &i.header.vid,
                    es_id: &i.es_id,
                    seal_type: p.seal_type,
                    name: &p.name,
                    signer_certs: CertListView::Certs(
                        p.cert_list.iter().map(|c| c.bytes.as_slice()).collect(),
                    ),
                    create_date: p.create_date.instant(),
                    valid_start: p.valid_start.instant(),
                    valid_end: p.valid_end.instant(),
                    picture: &i.picture,
                    ext_datas: i.ext_datas.as_ref().map(|(e, _)| e),
                    maker_cert: &s.sign_info.cert,
                    maker_algorithm: s.sign_info.signature_algorithm,
                    maker_signature: &s.sign_info.sign_data,
                    maker_signed_bytes: Cow::Owned(s.signed_bytes()?),
                    time_stamp: None,
                }
            }
            Self::V4(s) => v4_view(
                Version::V4,
                &s.e_seal_info,
                &s.cert,
                s.sign_alg_id,
                &s.signed_value,
                None,
            ),
            Self::V5(s) => v4_view(
                Version::V5,
                &s.e_seal_info,
                &s.cert,
                s.sign_alg_id,
                &s.signed_value,
                s.time_stamp.as_ref().map(|t| t.token.as_slice()),
            ),
        })
    }
}

fn v4_view<'a>(
    version: Version,
    i: &'a v4::SesSealInfo,
    cert: &'a [u8],
    alg: ObjectIdentifier,
    sig: &'a [u8],
    time_stamp: Option<&'a [u8]>,
) -> SealView<'a> {
    let p = &i.property;
    SealView {
        version,
        header_version: i.header.version,
        vid: &i.header.vid,
        es_id: &i.es_id,
        seal_type: p.seal_type,
        name: &p.name,
        signer_certs: match &p.cert_list {
            v4::SesCertList::Certs(c) => {
                CertListView::Certs(c.iter().map(|c| c.bytes.as_slice()).collect())
            }
            v4::SesCertList::CertDigestList(d) => CertListView::Digests(
                d.iter()
                    .map(|d| (d.digest_type.text(), d.value.as_slice()))
                    .collect(),
            ),
        },
        create_date: p.create_date.instant(),
        valid_start: p.valid_start.instant(),
        valid_end: p.valid_end.instant(),
        picture: &i.picture,
        ext_datas: i.ext_datas.as_ref(),
        maker_cert: cert,
        maker_algorithm: alg,
        maker_signature: sig,
        maker_signed_bytes: Cow::Borrowed(i.raw()),
        time_stamp,
    }
}

/// The signer certificates a seal lists.
#[derive(Debug, Clone)]
pub enum CertListView<'a> {
    /// DER certificates.
    Certs(Vec<&'a [u8]>),
    /// (digest algorithm name, digest) pairs.
    Digests(Vec<(String, &'a [u8])>),
}

/// Everything verification and display need from a seal, whatever its version.
#[derive(Debug, Clone)]
pub struct SealView<'a> {
    /// Structure version.
    pub version: Version,
    /// `SES_Header.version` as written.
    pub header_version: i64,
    /// `Vid`.
    pub vid: &'a SesString,
    /// `esID`.
    pub es_id: &'a SesString,
    /// `type`.
    pub seal_type: i64,
    /// `name`.
    pub name: &'a SesString,
    /// `certList`.
    pub signer_certs: CertListView<'a>,
    /// `createDate`.
    pub create_date: OffsetDateTime,
    /// `validStart`.
    pub valid_start: OffsetDateTime,
    /// `validEnd`.
    pub valid_end: OffsetDateTime,
    /// `picture`.
    pub picture: &'a SesESPictrueInfo,
    /// `extDatas`.
    pub ext_datas: Option<&'a ExtensionDatas>,
    /// The maker certificate, DER.
    pub maker_cert: &'a [u8],
    /// The maker's signature algorithm.
    pub maker_algorithm: ObjectIdentifier,
    /// The maker's signature value.
    pub maker_signature: &'a [u8],
    /// The exact bytes the maker signed (v1: the synthesised wrapper; v4/v5: SES_SealInfo).
    pub maker_signed_bytes: Cow<'a, [u8]>,
    /// The seal timestamp token (v5).
    pub time_stamp: Option<&'a [u8]>,
}

/// A signature of any version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnySignature {
    /// GM/T 0031-2014.
    V1(v1::SesSignature),
    /// GB/T 38540-2020.
    V4(v4::SesSignature),
    /// GM/T 0031-2025.
    V5(v5::SesSignature),
}

impl AnySignature {
    /// Decode the first TLV of `input`, any version, with notes on the encoding.
    pub fn decode(input: &[u8]) -> Result<(Self, EncodingNotes), SesError> {
        let log = QuirkLog::new();
        let (tlv, rest) = Tlv::read_logged(input, 0, &log)?;
        let mut notes = EncodingNotes {
            trailing_bytes: rest.len(),
            ber_lengths: !tlv.minimal_lengths(),
            octet_string_wrapped: false,
            quirks: Vec::new(),
        };
        note_ber_lengths(&tlv, "SES_Signature");
        let children = tlv.sequence("SES_Signature")?;
        let sig = match children.len() {
            2 => Self::V1(v1::SesSignature::decode(&tlv)?),
            4 | 5 => {
                let seal = children
                    .first()
                    .and_then(|tbs| tbs.children().ok())
                    .and_then(|f| f.get(1).copied());
                match seal {
                    Some(s) if is_v5_seal(&s)? => Self::V5(v5::SesSignature::decode(&tlv)?),
                    _ => Self::V4(v4::SesSignature::decode(&tlv)?),
                }
            }
            n => {
                return Err(SesError::at(
                    SesErrorKind::UnknownLayout,
                    tlv.offset,
                    format!(
                        "SES_Signature with {n} elements is no known version (2: v1, 4-5: v4/v5)"
                    ),
                )
                .zh_context(format!(
                    "含 {n} 个元素的 SES_Signature 不属于任何已知版本（v1 为 2 个，v4/v5 为 4–5 个）"
                )));
            }
        };
        notes.quirks = log.into_quirks();
        Ok((sig, notes))
    }

    /// The departures from DER in the signature as received (its seal's included; offsets
    /// from its first byte).
    pub fn quirks(&self) -> Vec<Quirk> {
        Self::decode(self.raw())
            .map(|(_, notes)| notes.quirks)
            .unwrap_or_default()
    }

    /// The version.
    pub fn version(&self) -> Version {
        match self {
            Self::V1(_) => Version::V1,
            Self::V4(_) => Version::V4,
            Self::V5(_) => Version::V5,
        }
    }

    /// The bytes as received (or made).
    pub fn raw(&self) -> &[u8] {
        match self {
            Self::V1(s) => s.raw(),
            Self::V4(s) => s.raw(),
            Self::V5(s) => s.raw(),
        }
    }

    /// Canonical DER.
    pub fn to_der(&self) -> Result<Vec<u8>, SesError> {
        match self {
            Self::V1(s) => s.to_der(),
            Self::V4(s) => s.to_der(),
            Self::V5(s) => s.to_der(),
        }
    }

    /// The embedded seal.
    pub fn seal(&self) -> AnySeal {
        match self {
            Self::V1(s) => AnySeal::V1(s.to_sign.eseal.clone()),
            Self::V4(s) => AnySeal::V4(s.to_sign.eseal.clone()),
            Self::V5(s) => AnySeal::V5(s.to_sign.eseal.clone()),
        }
    }

    /// The version-independent view.
    pub fn view(&self) -> SignatureView<'_> {
        match self {
            Self::V1(s) => {
                let t = &s.to_sign;
                SignatureView {
                    version: Version::V1,
                    tbs_version: t.version,
                    to_be_signed: t.raw(),
                    signer_cert: &t.cert,
                    algorithm: t.signature_algorithm,
                    signature: &s.signature,
                    signing_time: t.signing_time(),
                    signing_time_text: String::from_utf8_lossy(&t.time_info.bytes).into_owned(),
                    data_hash: &t.data_hash.bytes,
                    property_info: t.property_info.text(),
                    time_stamp: None,
                }
            }
            Self::V4(s) => v4_signature_view(Version::V4, s),
            Self::V5(s) => v4_signature_view(Version::V5, s),
        }
    }
}

impl AnySignature {
    /// The same signature with `token` (an RFC 3161 / GM/T 0033 timestamp token over the
    /// signature value) in its `timeStamp` field, written EXPLICIT. GM/T 0031-2014 (v1)
    /// signatures have no such field and are refused.
    pub fn with_timestamp(&self, token: Vec<u8>) -> Result<Self, SesError> {
        let field = Some(v4::TimeStampField::explicit(token));
        match self {
            Self::V1(_) => Err(SesError::new(
                SesErrorKind::Refused,
                "GM/T 0031-2014 signatures have no timestamp field",
            )
            .zh_context("GM/T 0031-2014 签章数据没有时间戳字段")),
            Self::V4(s) => Ok(Self::V4(v4::SesSignature::new(
                s.to_sign.clone(),
                s.cert.clone(),
                s.signature_alg_id,
                s.signature.clone(),
                field,
            )?)),
            Self::V5(s) => Ok(Self::V5(v5::SesSignature::new(
                s.to_sign.clone(),
                s.cert.clone(),
                s.signature_alg_id,
                s.signature.clone(),
                field,
            )?)),
        }
    }
}

fn v4_signature_view<S: EmbeddedSeal>(
    version: Version,
    s: &v4::SesSignatureOf<S>,
) -> SignatureView<'_> {
    let t = &s.to_sign;
    SignatureView {
        version,
        tbs_version: t.version,
        to_be_signed: t.raw(),
        signer_cert: &s.cert,
        algorithm: s.signature_alg_id,
        signature: &s.signature,
        signing_time: Some(t.time_info.instant()),
        signing_time_text: t.time_info.text().to_owned(),
        data_hash: &t.data_hash,
        property_info: t.property_info.text(),
        time_stamp: s.time_stamp.as_ref().map(|t| t.token.as_slice()),
    }
}

/// Everything verification and display need from a signature, whatever its version.
#[derive(Debug, Clone)]
pub struct SignatureView<'a> {
    /// Structure version.
    pub version: Version,
    /// `TBS_Sign.version`.
    pub tbs_version: i64,
    /// The exact bytes the signer signed (`TBS_Sign` as received).
    pub to_be_signed: &'a [u8],
    /// The signer certificate, DER.
    pub signer_cert: &'a [u8],
    /// The signature algorithm.
    pub algorithm: ObjectIdentifier,
    /// The signature value.
    pub signature: &'a [u8],
    /// The claimed signing time, when readable.
    pub signing_time: Option<OffsetDateTime>,
    /// The signing time as written.
    pub signing_time_text: String,
    /// `dataHash`.
    pub data_hash: &'a [u8],
    /// `propertyInfo`.
    pub property_info: String,
    /// The signature timestamp token (v4/v5).
    pub time_stamp: Option<&'a [u8]>,
}

/// The tolerant reader's contract, checked by the differential fuzz target and the tests
/// (`fuzz/fuzz_targets/tolerant_reencode.rs`, `crates/eseal-ses/tests/quirks.rs`): for any
/// input it accepts as a seal or a signature,
///
/// 1. the canonical re-encoding decodes to the same canonical encoding (reading is stable);
/// 2. the bytes a signature is checked over are the bytes as received (a sub-slice of them);
/// 3. an input read without any note (no quirk, no BER length, nothing trailing, no wrapper)
///    re-encodes to exactly itself: nothing is accepted silently that DER would not write.
///
/// `Ok(false)`: the input is not accepted (nothing to check); `Err`: the contract is broken.
#[doc(hidden)]
pub fn check_reencoding(input: &[u8]) -> Result<bool, String> {
    fn within(outer: &[u8], inner: &[u8]) -> bool {
        inner.is_empty() || outer.windows(inner.len()).any(|w| w == inner)
    }
    fn contract(
        input: &[u8],
        canonical: &[u8],
        again: Vec<u8>,
        notes: &EncodingNotes,
        signed: &[u8],
    ) -> Result<bool, String> {
        if again != canonical {
            return Err("the canonical re-encoding does not decode to itself".into());
        }
        if !within(input, signed) {
            return Err("the signed bytes are not the bytes as received".into());
        }
        let silent = notes.quirks.is_empty()
            && !notes.ber_lengths
            && notes.trailing_bytes == 0
            && !notes.octet_string_wrapped;
        if silent && canonical != input {
            return Err("accepted without a note, yet not DER: a silent tolerance".into());
        }
        Ok(true)
    }
    match detect(input) {
        Ok(StructureKind::Seal) => {
            let Ok((seal, notes)) = AnySeal::decode(input) else {
                return Ok(false);
            };
            let Ok(view) = seal.view() else {
                return Ok(false);
            };
            let canonical = seal.to_der().map_err(|e| e.to_string())?;
            let again = AnySeal::decode(&canonical)
                .and_then(|(s, _)| s.to_der())
                .map_err(|e| format!("the canonical re-encoding does not decode: {e}"))?;
            // v1 signs a synthesised wrapper: its SES_SealInfo part is checked instead.
            let signed: &[u8] = match &view.maker_signed_bytes {
                Cow::Borrowed(b) => b,
                Cow::Owned(_) => &[],
            };
            contract(input, &canonical, again, &notes, signed)
        }
        Ok(StructureKind::Signature) => {
            let Ok((sig, notes)) = AnySignature::decode(input) else {
                return Ok(false);
            };
            let canonical = sig.to_der().map_err(|e| e.to_string())?;
            let again = AnySignature::decode(&canonical)
                .and_then(|(s, _)| s.to_der())
                .map_err(|e| format!("the canonical re-encoding does not decode: {e}"))?;
            let view = sig.view();
            contract(input, &canonical, again, &notes, view.to_be_signed)
        }
        Err(_) => Ok(false),
    }
}
