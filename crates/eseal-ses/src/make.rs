//! Making seals (formats.md §6.1) and signing data with them (§6.2).
//!
//! Signing is two steps (style rule 1, Boulder's Prepare → Issue): [`prepare_signature`] checks
//! everything and builds the exact `TBS_Sign` bytes; [`PreparedSignature::sign`] (or
//! [`PreparedSignature::finish`] with a signature made outside, e.g. on a USB key) consumes it.

use crate::any::{AnySeal, AnySignature, CertListView, Version};
use crate::asn1_time::SesTime;
use crate::cert::CertificateInfo;
use crate::common::{Cert, ExtensionDatas, SesESPictrueInfo, SesHeader, SesString};
use crate::error::{SesError, SesErrorKind};
use crate::{v1, v4, v5};
use eseal_gm::provider::Sm2Signer;
use eseal_gm::{Sm2Signature, Sm3Digest};
use time::{OffsetDateTime, UtcOffset};

/// Everything a seal says about itself.
#[derive(Debug, Clone)]
pub struct SealRequest {
    /// Which structure to write.
    pub version: Version,
    /// `Vid`: the vendor (maker system) identifier.
    pub vid: String,
    /// `esID`: the seal's unique code.
    pub es_id: String,
    /// `type`.
    pub seal_type: i64,
    /// `name`.
    pub name: String,
    /// Signer certificates (DER), listed in `certList`.
    pub signer_certs: Vec<Vec<u8>>,
    /// List SM3 digests of the signer certificates instead of the certificates (v4/v5 only).
    pub list_digests: bool,
    /// Picture type: "PNG", "JPG", "GIF", "BMP", "SVG", "ofd".
    pub picture_type: String,
    /// Picture bytes.
    pub picture: Vec<u8>,
    /// Display width in mm.
    pub width_mm: i64,
    /// Display height in mm.
    pub height_mm: i64,
    /// `createDate`.
    pub create_date: OffsetDateTime,
    /// `validStart`.
    pub valid_start: OffsetDateTime,
    /// `validEnd`.
    pub valid_end: OffsetDateTime,
    /// `extDatas`.
    pub ext_datas: Option<ExtensionDatas>,
}

fn refuse(en: impl Into<String>, zh: impl Into<String>) -> SesError {
    SesError::new(SesErrorKind::Refused, en).zh_context(zh)
}

fn refuse_text(t: crate::report::Text) -> SesError {
    SesError::text(SesErrorKind::Refused, t)
}

/// Make a seal: check the request, build the seal information, have the maker sign it.
///
/// Refuses when the maker key does not match `maker_cert`, a signer certificate cannot be
/// read, the validity window is empty, or the picture is empty or its size not positive.
pub fn make_seal(
    request: &SealRequest,
    maker_cert: &[u8],
    maker: &dyn Sm2Signer,
) -> Result<AnySeal, SesError> {
    let r = request;
    if r.name.trim().is_empty() {
        return Err(refuse("the seal name is empty", "印章名称为空"));
    }
    if r.valid_start >= r.valid_end {
        return Err(refuse(
            "validStart must be before validEnd",
            "有效期起始时间（validStart）须早于终止时间（validEnd）",
        ));
    }
    if r.signer_certs.is_empty() {
        return Err(refuse(
            "a seal must list at least one signer certificate",
            "印章至少须列出一张签章人证书",
        ));
    }
    if r.picture.is_empty() || r.width_mm <= 0 || r.height_mm <= 0 {
        return Err(refuse(
            "the picture must be non-empty with a positive width and height in mm",
            "印章图像不能为空，宽度和高度（毫米）须为正数",
        ));
    }
    for (i, c) in r.signer_certs.iter().enumerate() {
        CertificateInfo::from_der(c).map_err(|e| {
            refuse_text(e.prefixed(
                &format!("第 {} 张签章人证书", i + 1),
                &format!("signer certificate {}", i + 1),
            ))
        })?;
    }
    let maker_info = CertificateInfo::from_der(maker_cert)
        .map_err(|e| refuse_text(e.prefixed("制章者证书", "maker certificate")))?;
    let maker_key = maker_info
        .public_key
        .map_err(|e| refuse_text(e.prefixed("制章者证书", "maker certificate")))?;
    if maker_key != maker.public_key() {
        return Err(refuse(
            "the maker key does not belong to the maker certificate",
            "制章者私钥与制章者证书不匹配",
        ));
    }
    let picture = SesESPictrueInfo {
        picture_type: SesString::ia5(&r.picture_type)?,
        data: r.picture.clone(),
        width: r.width_mm,
        height: r.height_mm,
    };
    let alg = eseal_gm::oid::SM2_WITH_SM3;
    match r.version {
        Version::V1 => {
            if r.list_digests {
                return Err(refuse(
                    "GM/T 0031-2014 seals list certificates, not digests",
                    "GM/T 0031-2014 印章只能列出证书，不能列出证书摘要",
                ));
            }
            let property = v1::SesESPropertyInfo {
                seal_type: r.seal_type,
                name: SesString::utf8(&r.name),
                cert_list: r.signer_certs.iter().map(|c| Cert::from_der(c)).collect(),
                create_date: SesTime::utc(r.create_date)?,
                valid_start: SesTime::utc(r.valid_start)?,
                valid_end: SesTime::utc(r.valid_end)?,
            };
            let info = v1::SesSealInfo::new(
                SesHeader::new(1, &r.vid)?,
                SesString::ia5(&r.es_id)?,
                property,
                picture,
                r.ext_datas.clone(),
            )?;
            let cert_tlv = crate::der_out::octet_string(maker_cert)?;
            let alg_tlv = crate::der_out::oid(&alg)?;
            let tbs = v1::SeSeal::maker_signed_bytes(info.raw(), &cert_tlv, &alg_tlv)?;
            let sig = maker.sign(&tbs)?;
            Ok(AnySeal::V1(v1::SeSeal::new(
                info,
                maker_cert.to_vec(),
                alg,
                sig.to_der(),
            )?))
        }
        Version::V4 | Version::V5 => {
            let (cert_list_type, cert_list) = if r.list_digests {
                (
                    v4::CERT_LIST_TYPE_DIGESTS,
                    v4::SesCertList::CertDigestList(
                        r.signer_certs
                            .iter()
                            .map(|c| {
                                Ok(v4::CertDigestObj {
                                    digest_type: SesString::printable("SM3")?,
                                    value: Sm3Digest::of(c).as_bytes().to_vec(),
                                })
                            })
                            .collect::<Result<_, SesError>>()?,
                    ),
                )
            } else {
                (
                    v4::CERT_LIST_TYPE_CERTS,
                    v4::SesCertList::Certs(
                        r.signer_certs.iter().map(|c| Cert::from_der(c)).collect(),
                    ),
                )
            };
            let property = v4::SesESPropertyInfo {
                seal_type: r.seal_type,
                name: SesString::utf8(&r.name),
                cert_list_type,
                cert_list,
                create_date: SesTime::generalized(r.create_date)?,
                valid_start: SesTime::generalized(r.valid_start)?,
                valid_end: SesTime::generalized(r.valid_end)?,
            };
            let header_version = if r.version == Version::V5 { 5 } else { 4 };
            let info = v4::SesSealInfo::new(
                SesHeader::new(header_version, &r.vid)?,
                SesString::ia5(&r.es_id)?,
                property,
                picture,
                r.ext_datas.clone(),
            )?;
            let sig = maker.sign(info.raw())?;
            if r.version == Version::V5 {
                Ok(AnySeal::V5(v5::SeSeal::new(
                    info,
                    maker_cert.to_vec(),
                    alg,
                    sig.to_der(),
                    None,
                )?))
            } else {
                Ok(AnySeal::V4(v4::SeSeal::new(
                    info,
                    maker_cert.to_vec(),
                    alg,
                    sig.to_der(),
                )?))
            }
        }
    }
}

/// What a signature says about the data.
#[derive(Debug, Clone)]
pub struct SignRequest {
    /// SM3 of the original.
    pub data_hash: Sm3Digest,
    /// The signing time (from the injected clock).
    pub signing_time: OffsetDateTime,
    /// `propertyInfo`: e.g. the OFD `Signature.xml` path, or the file name for detached data.
    pub property_info: String,
}

#[derive(Debug)]
enum Tbs {
    V1(v1::TbsSign),
    V4(v4::TbsSign),
    V5(v5::TbsSign),
}

/// A checked, ready-to-sign `TBS_Sign`. Consumed by signing, so it is used once.
#[derive(Debug)]
#[must_use = "a prepared signature does nothing until it is signed"]
pub struct PreparedSignature {
    tbs: Tbs,
    signer_cert: Vec<u8>,
    signer_key: eseal_gm::Sm2PublicKey,
}

/// Check that `signer_cert` may sign with `seal` and build the `TBS_Sign`. The signature's
/// version is the seal's (the TBS embeds the seal).
pub fn prepare_signature(
    seal: &AnySeal,
    signer_cert: &[u8],
    request: &SignRequest,
) -> Result<PreparedSignature, SesError> {
    let info = CertificateInfo::from_der(signer_cert)
        .map_err(|e| refuse_text(e.prefixed("签章人证书", "signer certificate")))?;
    let signer_key = info
        .public_key
        .clone()
        .map_err(|e| refuse_text(e.prefixed("签章人证书", "signer certificate")))?;
    let view = seal.view()?;
    let listed = match &view.signer_certs {
        CertListView::Certs(certs) => certs.contains(&signer_cert),
        CertListView::Digests(d) => {
            let sm3 = Sm3Digest::of(signer_cert);
            d.iter().any(|(_, v)| *v == sm3.as_bytes())
        }
    };
    if !listed {
        return Err(refuse(
            "the signer certificate is not listed in the seal",
            "签章人证书不在印章的证书列表中",
        ));
    }
    let t = request.signing_time;
    if t < view.valid_start || t > view.valid_end {
        return Err(refuse(
            "the signing time is outside the seal's validity",
            "签章时间不在印章有效期内",
        ));
    }
    if !info.valid_at(t) {
        return Err(refuse(
            "the signing time is outside the signer certificate's validity",
            "签章时间不在签章人证书有效期内",
        ));
    }
    let property_info = SesString::ia5(&request.property_info)?;
    let hash = request.data_hash.as_bytes().to_vec();
    let tbs = match seal {
        AnySeal::V1(s) => {
            // ofdrw writes `yyyy-MM-dd HH:mm:ss` in local time "so that the Suwell reader verifies
            // it" (formats.md §2.3); eseal does the same, in China Standard Time.
            let local = t.to_offset(
                UtcOffset::from_whole_seconds(crate::asn1_time::LOCAL_OFFSET_SECONDS)
                    .map_err(|_| refuse("offset", "时区偏移"))?,
            );
            let text = format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                local.year(),
                u8::from(local.month()),
                local.day(),
                local.hour(),
                local.minute(),
                local.second()
            );
            Tbs::V1(v1::TbsSign::new(
                1,
                s.clone(),
                v1::BitOrOctets::bits(text.into_bytes()),
                v1::BitOrOctets::bits(hash),
                property_info,
                signer_cert.to_vec(),
                eseal_gm::oid::SM2_WITH_SM3,
            )?)
        }
        AnySeal::V4(s) => Tbs::V4(v4::TbsSign::new(
            4,
            s.clone(),
            SesTime::generalized(t)?,
            hash,
            property_info,
            None,
        )?),
        AnySeal::V5(s) => Tbs::V5(v5::TbsSign::new(
            5,
            s.clone(),
            SesTime::generalized(t)?,
            hash,
            property_info,
            None,
        )?),
    };
    Ok(PreparedSignature {
        tbs,
        signer_cert: signer_cert.to_vec(),
        signer_key,
    })
}

impl PreparedSignature {
    /// The exact bytes to sign (DER `TBS_Sign`); an external device signs these.
    pub fn to_be_signed(&self) -> &[u8] {
        match &self.tbs {
            Tbs::V1(t) => t.raw(),
            Tbs::V4(t) => t.raw(),
            Tbs::V5(t) => t.raw(),
        }
    }

    /// Sign with `signer`, whose key must match the signer certificate.
    pub fn sign(self, signer: &dyn Sm2Signer) -> Result<AnySignature, SesError> {
        if signer.public_key() != self.signer_key {
            return Err(refuse(
                "the signing key does not belong to the signer certificate",
                "签章私钥与签章人证书不匹配",
            ));
        }
        let sig = signer.sign(self.to_be_signed())?;
        let id = signer.signer_id().clone();
        if signer.check_signatures() {
            self.finish_with_id(sig, &id)
        } else {
            self.assemble(sig)
        }
    }

    /// Complete with a signature made elsewhere; refused unless it verifies against the signer
    /// certificate over these exact bytes.
    pub fn finish(self, signature: Sm2Signature) -> Result<AnySignature, SesError> {
        self.finish_with_id(signature, &eseal_gm::SignerId::default())
    }

    /// As [`PreparedSignature::finish`], for a signer that uses a non-default signer ID.
    pub fn finish_with_id(
        self,
        signature: Sm2Signature,
        id: &eseal_gm::SignerId,
    ) -> Result<AnySignature, SesError> {
        self.signer_key
            .verify(id, self.to_be_signed(), &signature)
            .map_err(|_| {
                refuse(
                    "the signature does not verify against the signer certificate",
                    "签名值用签章人证书验证不通过",
                )
            })?;
        self.assemble(signature)
    }

    /// The SES_Signature around `signature`, unchecked.
    fn assemble(self, signature: Sm2Signature) -> Result<AnySignature, SesError> {
        let value = signature.to_der();
        let alg = eseal_gm::oid::SM2_WITH_SM3;
        Ok(match self.tbs {
            Tbs::V1(t) => AnySignature::V1(v1::SesSignature::new(t, value)?),
            Tbs::V4(t) => AnySignature::V4(v4::SesSignature::new(
                t,
                self.signer_cert,
                alg,
                value,
                None,
            )?),
            Tbs::V5(t) => AnySignature::V5(v5::SesSignature::new(
                t,
                self.signer_cert,
                alg,
                value,
                None,
            )?),
        })
    }
}
