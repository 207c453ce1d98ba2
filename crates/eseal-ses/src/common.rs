//! Productions shared word for word by GM/T 0031-2014 and GB/T 38540-2020: the header, the
//! picture, extension data, and the string and tagging helpers.

use crate::ber::{Tlv, tag};
use crate::der_out;
use crate::error::{SesError, SesErrorKind};
use der::asn1::ObjectIdentifier;
use eseal_asn1::QuirkKind;

/// A character string field, keeping its ASN.1 string type so that re-encoding is exact.
/// `ID`, `esID`, `Vid`, picture `type` and `propertyInfo` are IA5String; `name` is UTF8String;
/// producers also use PrintableString, T61String and BMPString (formats.md §5 item 7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SesString {
    tag: u8,
    bytes: Vec<u8>,
}

impl SesString {
    /// An IA5String; refuses non-ASCII text.
    pub fn ia5(text: &str) -> Result<Self, SesError> {
        if !text.is_ascii() {
            return Err(SesError::new(
                SesErrorKind::Encoding,
                format!("IA5String must be ASCII: {text:?}"),
            )
            .zh_context(format!("IA5String 只能含 ASCII 字符：{text:?}")));
        }
        Ok(Self {
            tag: tag::IA5_STRING,
            bytes: text.as_bytes().to_vec(),
        })
    }

    /// A PrintableString; refuses characters outside its set.
    pub fn printable(text: &str) -> Result<Self, SesError> {
        let ok = text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b));
        if !ok {
            return Err(SesError::new(
                SesErrorKind::Encoding,
                format!("not a PrintableString: {text:?}"),
            )
            .zh_context(format!("含 PrintableString 不允许的字符：{text:?}")));
        }
        Ok(Self {
            tag: tag::PRINTABLE_STRING,
            bytes: text.as_bytes().to_vec(),
        })
    }

    /// A UTF8String.
    pub fn utf8(text: &str) -> Self {
        Self {
            tag: tag::UTF8_STRING,
            bytes: text.as_bytes().to_vec(),
        }
    }

    pub(crate) fn decode(tlv: &Tlv<'_>, what: &str) -> Result<Self, SesError> {
        let base = tlv.tag & !0x20;
        match base {
            tag::IA5_STRING
            | tag::UTF8_STRING
            | tag::PRINTABLE_STRING
            | tag::T61_STRING
            | tag::BMP_STRING
            | tag::OCTET_STRING => {
                let bytes = tlv.string_bytes(what)?;
                let nuls = bytes.iter().rev().take_while(|b| **b == 0).count();
                if base != tag::BMP_STRING && nuls > 0 {
                    tlv.note(QuirkKind::TrailingNuls { count: nuls }, what);
                }
                if base != tag::BMP_STRING
                    && base != tag::OCTET_STRING
                    && std::str::from_utf8(&bytes).is_err()
                    && gb18030(&bytes).is_some()
                {
                    tlv.note(QuirkKind::Gb18030Text, what);
                }
                Ok(Self { tag: base, bytes })
            }
            _ => Err(SesError::at(
                SesErrorKind::UnexpectedTag,
                tlv.offset,
                format!(
                    "{what}: expected a character string, found tag 0x{:02X}",
                    tlv.tag
                ),
            )),
        }
    }

    /// The text as the field writes it: BMPString decoded from UTF-16BE; other types as
    /// UTF-8, else as GB18030/GBK (v1 seals from some vendors), else UTF-8 with invalid bytes
    /// replaced (never refused); trailing NULs (C-string encoders) left out.
    pub fn text(&self) -> String {
        if self.tag != tag::BMP_STRING {
            let end = self.bytes.len() - self.bytes.iter().rev().take_while(|b| **b == 0).count();
            let bytes = self.bytes.get(..end).unwrap_or_default();
            return match std::str::from_utf8(bytes) {
                Ok(t) => t.to_owned(),
                Err(_) => {
                    gb18030(bytes).unwrap_or_else(|| String::from_utf8_lossy(bytes).into_owned())
                }
            };
        }
        eseal_asn1::bmp_text(&self.bytes)
    }

    /// The content bytes as encoded.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The universal tag number of the string type.
    pub fn string_tag(&self) -> u8 {
        self.tag
    }

    pub(crate) fn encode(&self) -> Result<Vec<u8>, SesError> {
        der_out::tlv(self.tag, &self.bytes)
    }
}

/// `bytes` as GB18030 (a superset of GBK and GB2312), when they are that without error.
fn gb18030(bytes: &[u8]) -> Option<String> {
    encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(std::borrow::Cow::into_owned)
}

/// ```text
/// SES_Header ::= SEQUENCE {
///     ID       IA5String,  -- fixed "ES"
///     version  INTEGER,    -- 1 (GM/T 0031-2014 in practice), 4 (GB/T 38540), 5 (GM/T 0031-2025)
///     Vid      IA5String   -- vendor
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SesHeader {
    /// `ID`, "ES".
    pub id: SesString,
    /// `version`.
    pub version: i64,
    /// `Vid`, the vendor identifier.
    pub vid: SesString,
}

impl SesHeader {
    /// A header with `ID` "ES".
    pub fn new(version: i64, vid: &str) -> Result<Self, SesError> {
        Ok(Self {
            id: SesString::ia5("ES")?,
            version,
            vid: SesString::ia5(vid)?,
        })
    }

    pub(crate) fn decode(tlv: &Tlv<'_>) -> Result<Self, SesError> {
        let f = tlv.sequence("SES_Header")?;
        let [id, version, vid] = f.as_slice() else {
            return Err(count_error(tlv, "SES_Header", 3, f.len()));
        };
        Ok(Self {
            id: SesString::decode(id, "SES_Header.ID")?,
            version: version.integer("SES_Header.version")?,
            vid: SesString::decode(vid, "SES_Header.Vid")?,
        })
    }

    pub(crate) fn encode(&self) -> Result<Vec<u8>, SesError> {
        der_out::sequence(&[
            &self.id.encode()?,
            &der_out::integer(self.version)?,
            &self.vid.encode()?,
        ])
    }
}

/// ```text
/// SES_ESPictrueInfo ::= SEQUENCE {   -- "Pictrue" sic in the standards
///     type    IA5String,     -- "GIF", "BMP", "JPG", "PNG", "SVG", "ofd", ...
///     data    OCTET STRING,  -- the image
///     width   INTEGER,       -- display width in millimetres
///     height  INTEGER        -- display height in millimetres
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SesESPictrueInfo {
    /// `type`, compared case-insensitively (formats.md E13).
    pub picture_type: SesString,
    /// `data`.
    pub data: Vec<u8>,
    /// `width` in mm.
    pub width: i64,
    /// `height` in mm.
    pub height: i64,
}

/// What a picture's bytes actually are, from their magic numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum PictureFormat {
    /// PNG.
    Png,
    /// JPEG.
    Jpeg,
    /// GIF.
    Gif,
    /// BMP.
    Bmp,
    /// SVG (XML text with an `<svg` element).
    Svg,
    /// An OFD package (a ZIP), as in tax-invoice seals.
    Ofd,
    /// None of the above.
    Unknown,
}

impl SesESPictrueInfo {
    pub(crate) fn decode(tlv: &Tlv<'_>) -> Result<Self, SesError> {
        let f = tlv.sequence("SES_ESPictrueInfo")?;
        let [t, data, width, height] = f.as_slice() else {
            return Err(count_error(tlv, "SES_ESPictrueInfo", 4, f.len()));
        };
        data.expect_any(
            &[tag::OCTET_STRING, tag::OCTET_STRING | 0x20],
            "SES_ESPictrueInfo.data",
        )?;
        Ok(Self {
            picture_type: SesString::decode(t, "SES_ESPictrueInfo.type")?,
            data: data.string_bytes("SES_ESPictrueInfo.data")?,
            width: width.integer("SES_ESPictrueInfo.width")?,
            height: height.integer("SES_ESPictrueInfo.height")?,
        })
    }

    pub(crate) fn encode(&self) -> Result<Vec<u8>, SesError> {
        der_out::sequence(&[
            &self.picture_type.encode()?,
            &der_out::octet_string(&self.data)?,
            &der_out::integer(self.width)?,
            &der_out::integer(self.height)?,
        ])
    }

    /// Sniff the image format from the data.
    pub fn sniff(&self) -> PictureFormat {
        let d = self.data.as_slice();
        if d.starts_with(b"\x89PNG\r\n\x1a\n") {
            PictureFormat::Png
        } else if d.starts_with(&[0xFF, 0xD8, 0xFF]) {
            PictureFormat::Jpeg
        } else if d.starts_with(b"GIF87a") || d.starts_with(b"GIF89a") {
            PictureFormat::Gif
        } else if d.starts_with(b"BM") {
            PictureFormat::Bmp
        } else if d.starts_with(b"PK\x03\x04") {
            PictureFormat::Ofd
        } else if String::from_utf8_lossy(d.get(..d.len().min(1024)).unwrap_or_default())
            .contains("<svg")
        {
            PictureFormat::Svg
        } else {
            PictureFormat::Unknown
        }
    }
}

/// ```text
/// ExtData ::= SEQUENCE {
///     extnID     OBJECT IDENTIFIER,
///     critical   BOOLEAN DEFAULT FALSE,
///     extnValue  OCTET STRING
/// }
/// ```
/// `critical` keeps whether it was encoded: tax-bureau seals encode an explicit FALSE
/// (formats.md E3), and their signatures cover it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtData {
    /// `extnID`.
    pub extn_id: ObjectIdentifier,
    /// `critical` as encoded; `None` when absent (= FALSE).
    pub critical: Option<bool>,
    /// `extnValue`.
    pub extn_value: Vec<u8>,
}

impl ExtData {
    /// Is the extension critical?
    pub fn is_critical(&self) -> bool {
        self.critical.unwrap_or(false)
    }

    fn decode(tlv: &Tlv<'_>) -> Option<Self> {
        let f = tlv.sequence("ExtData").ok()?;
        let (id, critical, value) = match f.as_slice() {
            [id, value] => (id, None, value),
            [id, c, value] if c.tag == tag::BOOLEAN => {
                (id, Some(c.value.first().copied()? != 0), value)
            }
            _ => return None,
        };
        value
            .expect_any(&[tag::OCTET_STRING, tag::OCTET_STRING | 0x20], "extnValue")
            .ok()?;
        Some(Self {
            extn_id: id.oid("ExtData.extnID").ok()?,
            critical,
            extn_value: value.string_bytes("ExtData.extnValue").ok()?,
        })
    }

    fn encode(&self) -> Result<Vec<u8>, SesError> {
        let mut parts = vec![der_out::oid(&self.extn_id)?];
        if let Some(c) = self.critical {
            parts.push(der_out::boolean(c)?);
        }
        parts.push(der_out::octet_string(&self.extn_value)?);
        der_out::tlv(tag::SEQUENCE, &parts.concat())
    }
}

/// One element of `ExtensionDatas`: an `ExtData`, or something else a producer put there,
/// kept as raw bytes and skipped (formats.md E5, §5 item 8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExtDataItem {
    /// A well-formed `ExtData`.
    Ext(ExtData),
    /// An element that is not `SEQUENCE { OID, [BOOLEAN], OCTET STRING }`, as received.
    Unrecognised(Vec<u8>),
}

/// `ExtensionDatas ::= SEQUENCE SIZE (0..MAX) OF ExtData`
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtensionDatas(pub Vec<ExtDataItem>);

impl ExtensionDatas {
    pub(crate) fn decode(tlv: &Tlv<'_>) -> Result<Self, SesError> {
        let items = tlv
            .sequence("ExtensionDatas")?
            .iter()
            .map(|c| match ExtData::decode(c) {
                Some(e) => ExtDataItem::Ext(e),
                None => ExtDataItem::Unrecognised(c.raw.to_vec()),
            })
            .collect();
        Ok(Self(items))
    }

    /// The well-formed entries.
    pub fn entries(&self) -> impl Iterator<Item = &ExtData> {
        self.0.iter().filter_map(|i| match i {
            ExtDataItem::Ext(e) => Some(e),
            ExtDataItem::Unrecognised(_) => None,
        })
    }

    pub(crate) fn encode(&self) -> Result<Vec<u8>, SesError> {
        let mut content = Vec::new();
        for item in &self.0 {
            match item {
                ExtDataItem::Ext(e) => content.extend(e.encode()?),
                ExtDataItem::Unrecognised(raw) => content.extend_from_slice(raw),
            }
        }
        der_out::tlv(tag::SEQUENCE, &content)
    }
}

/// How an optional `[0]` field was tagged where it was found (formats.md §3.1, E6).
/// Encoders write [`TagMode::Explicit`], which interoperates with ofdrw and the vendors seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum TagMode {
    /// `A0 len <inner TLV>`.
    Explicit,
    /// `[0]` replacing the inner tag.
    Implicit,
    /// No context tag at all (a producer bug; accepted).
    Untagged,
}

/// A certificate entry of a certificate list: an OCTET STRING holding DER X.509 (the
/// standard), or another string type some producers use (dms360 writes IA5String; E10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cert {
    tag: u8,
    /// The content: DER X.509 when `tag` is OCTET STRING.
    pub bytes: Vec<u8>,
}

impl Cert {
    /// A standard entry: OCTET STRING containing the DER certificate.
    pub fn from_der(der: &[u8]) -> Self {
        Self {
            tag: tag::OCTET_STRING,
            bytes: der.to_vec(),
        }
    }

    /// True for the standard OCTET STRING form.
    pub fn is_octet_string(&self) -> bool {
        self.tag == tag::OCTET_STRING
    }

    pub(crate) fn decode(tlv: &Tlv<'_>, what: &str) -> Result<Self, SesError> {
        if tlv.constructed() && tlv.tag != (tag::OCTET_STRING | 0x20) {
            return Err(SesError::at(
                SesErrorKind::UnexpectedTag,
                tlv.offset,
                format!("{what}: not a string"),
            )
            .zh_context(format!("{what}：不是字符串")));
        }
        Ok(Self {
            tag: tlv.tag & !0x20,
            bytes: tlv.string_bytes(what)?,
        })
    }

    pub(crate) fn encode(&self) -> Result<Vec<u8>, SesError> {
        der_out::tlv(self.tag, &self.bytes)
    }
}

pub(crate) fn count_error(tlv: &Tlv<'_>, what: &str, expected: usize, found: usize) -> SesError {
    SesError::at(
        SesErrorKind::WrongElementCount,
        tlv.offset,
        format!("{what}: expected {expected} elements, found {found}"),
    )
    .zh_context(format!("{what}：应有 {expected} 个元素，实有 {found} 个"))
}

/// OCTET STRING content (flattening BER constructed strings).
pub(crate) fn octets(tlv: &Tlv<'_>, what: &str) -> Result<Vec<u8>, SesError> {
    tlv.expect_any(&[tag::OCTET_STRING, tag::OCTET_STRING | 0x20], what)?;
    Ok(tlv.string_bytes(what)?)
}
