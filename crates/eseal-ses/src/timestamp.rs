//! Timestamp tokens (RFC 3161 as profiled by GB/T 20520, with SM2/SM3) over a signature
//! value: the `timeStamp [0]` of `SESeal` (v5) and `SES_Signature` (v4/v5).
//!
//! ```text
//! ContentInfo ::= SEQUENCE { contentType OID (signedData), content [0] EXPLICIT SignedData }
//! SignedData ::= SEQUENCE { version, digestAlgorithms SET, encapContentInfo SEQUENCE {
//!     eContentType OID (id-ct-TSTInfo), eContent [0] EXPLICIT OCTET STRING },
//!     certificates [0] IMPLICIT SET OF Certificate OPTIONAL, crls [1] OPTIONAL,
//!     signerInfos SET OF SignerInfo }
//! SignerInfo ::= SEQUENCE { version, sid, digestAlgorithm, signedAttrs [0] IMPLICIT SET OF
//!     Attribute, signatureAlgorithm, signature OCTET STRING, unsignedAttrs [1] OPTIONAL }
//! TSTInfo ::= SEQUENCE { version, policy OID, messageImprint SEQUENCE { hashAlgorithm,
//!     hashedMessage OCTET STRING }, serialNumber INTEGER, genTime GeneralizedTime, ... }
//! ```
//! The imprinted data is the signature value (the BIT STRING payload; formats.md §7).

use crate::asn1_time::SesTime;
use crate::ber::{Tlv, first_tlv, tag};
use crate::cert::CertificateInfo;
use crate::der_out;
use crate::error::{SesError, SesErrorKind};
use crate::report::Text;
use der::asn1::ObjectIdentifier;
use eseal_gm::provider::{Sm2Signer, Sm2Verifier};
use eseal_gm::{SignerId, Sm2Signature, Sm3Digest};
use time::OffsetDateTime;

/// id-signedData (PKCS#7 / CMS).
pub const SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
/// GM/T 0010 signedData.
pub const GM_SIGNED_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.156.10197.6.1.4.2.2");
/// id-ct-TSTInfo.
pub const TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
/// id-contentType attribute.
pub const ATTR_CONTENT_TYPE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
/// id-messageDigest attribute.
pub const ATTR_MESSAGE_DIGEST: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
/// id-kp-timeStamping.
pub const KP_TIME_STAMPING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");

/// What a token says and where its signed parts are.
#[derive(Debug, Clone)]
pub struct TimeStampToken {
    /// `genTime`.
    pub gen_time: OffsetDateTime,
    /// `policy`.
    pub policy: ObjectIdentifier,
    /// `serialNumber` content bytes.
    pub serial: Vec<u8>,
    /// `messageImprint.hashAlgorithm`.
    pub imprint_algorithm: ObjectIdentifier,
    /// `messageImprint.hashedMessage`.
    pub imprint: Vec<u8>,
    /// The certificates carried in the token (DER).
    pub certificates: Vec<Vec<u8>>,
    tst_info: Vec<u8>,
    signed_attrs_content: Option<Vec<u8>>,
    message_digest: Option<Vec<u8>>,
    signature: Vec<u8>,
    signature_algorithm: ObjectIdentifier,
    sid_issuer: Option<Vec<u8>>,
    sid_serial: Option<Vec<u8>>,
}

fn bad(t: &Tlv<'_>, en: &str, zh: &str) -> SesError {
    SesError::at(
        SesErrorKind::UnexpectedTag,
        t.offset,
        format!("timestamp token: {en}"),
    )
    .zh_context(format!("时间戳令牌：{zh}"))
}

/// Element `i` of `items`; `field` (a structure name of RFC 3161 / RFC 5652) when it is missing.
fn nth<'a>(
    items: &[Tlv<'a>],
    i: usize,
    parent: &Tlv<'_>,
    field: &str,
) -> Result<Tlv<'a>, SesError> {
    items.get(i).copied().ok_or_else(|| {
        SesError::at(
            SesErrorKind::WrongElementCount,
            parent.offset,
            format!("timestamp token: {field} is missing"),
        )
        .zh_context(format!("时间戳令牌：缺少 {field}"))
    })
}

/// The first element of `AlgorithmIdentifier`.
fn algorithm(t: &Tlv<'_>) -> Result<ObjectIdentifier, SesError> {
    let f = t.sequence("AlgorithmIdentifier")?;
    Ok(nth(&f, 0, t, "AlgorithmIdentifier")?.oid("algorithm")?)
}

impl TimeStampToken {
    /// Decode a DER token.
    pub fn decode(token: &[u8]) -> Result<Self, SesError> {
        let (ci, _) = first_tlv(token)?;
        let f = ci.sequence("ContentInfo")?;
        let ct = nth(&f, 0, &ci, "contentType")?.oid("contentType")?;
        if ct != SIGNED_DATA && ct != GM_SIGNED_DATA {
            return Err(bad(&ci, "content is not SignedData", "内容不是 SignedData"));
        }
        let wrapper = nth(&f, 1, &ci, "content")?;
        wrapper.expect(tag::CONTEXT_0_CONSTRUCTED, "ContentInfo.content")?;
        let sd_node = nth(&wrapper.children()?, 0, &wrapper, "content")?;
        let sd = sd_node.sequence("SignedData")?;
        let encap = nth(&sd, 2, &sd_node, "encapContentInfo")?;
        let ef = encap.sequence("EncapsulatedContentInfo")?;
        if nth(&ef, 0, &encap, "eContentType")?.oid("eContentType")? != TST_INFO {
            return Err(bad(
                &encap,
                "eContentType is not id-ct-TSTInfo",
                "eContentType 不是 id-ct-TSTInfo",
            ));
        }
        let econtent = nth(&ef, 1, &encap, "eContent")?;
        let tst_info = crate::common::octets(
            &nth(&econtent.children()?, 0, &econtent, "eContent")?,
            "eContent",
        )?;
        let mut certificates = Vec::new();
        let mut signer_infos = None;
        for node in sd.iter().skip(3) {
            match node.tag {
                0xA0 => certificates.extend(node.children()?.iter().map(|c| c.raw.to_vec())),
                0xA1 => {}
                tag::SET => signer_infos = Some(*node),
                _ => {
                    return Err(bad(
                        node,
                        "unexpected element in SignedData",
                        "SignedData 中有标准未定义的元素",
                    ));
                }
            }
        }
        let signer_infos = signer_infos
            .ok_or_else(|| bad(&sd_node, "signerInfos is missing", "缺少 signerInfos"))?;
        let si_node = nth(&signer_infos.children()?, 0, &signer_infos, "SignerInfo")?;
        let si = si_node.sequence("SignerInfo")?;
        let sid = nth(&si, 1, &si_node, "sid")?;
        let (sid_issuer, sid_serial) = if sid.tag == tag::SEQUENCE {
            let s = sid.children()?;
            (
                Some(nth(&s, 0, &sid, "issuer")?.raw.to_vec()),
                Some(nth(&s, 1, &sid, "serial")?.value.to_vec()),
            )
        } else {
            (None, None)
        };
        let mut i = 3;
        let mut signed_attrs_content = None;
        let mut message_digest = None;
        if let Some(attrs) = si.get(3).filter(|a| a.tag == tag::CONTEXT_0_CONSTRUCTED) {
            signed_attrs_content = Some(attrs.value.to_vec());
            for attr in attrs.children()? {
                let a = attr.sequence("Attribute")?;
                if nth(&a, 0, &attr, "attrType")?.oid("attrType")? == ATTR_MESSAGE_DIGEST {
                    let values = nth(&a, 1, &attr, "attrValues")?;
                    let v = nth(&values.children()?, 0, &values, "messageDigest")?;
                    message_digest = Some(crate::common::octets(&v, "messageDigest")?);
                }
            }
            i = 4;
        }
        let signature_algorithm = algorithm(&nth(&si, i, &si_node, "signatureAlgorithm")?)?;
        let signature =
            crate::common::octets(&nth(&si, i + 1, &si_node, "signature")?, "signature")?;

        let (tst, _) = first_tlv(&tst_info)?;
        let t = tst.sequence("TSTInfo")?;
        let policy = nth(&t, 1, &tst, "policy")?.oid("policy")?;
        let mi_node = nth(&t, 2, &tst, "messageImprint")?;
        let mi = mi_node.sequence("MessageImprint")?;
        let imprint_algorithm = algorithm(&nth(&mi, 0, &mi_node, "hashAlgorithm")?)?;
        let imprint =
            crate::common::octets(&nth(&mi, 1, &mi_node, "hashedMessage")?, "hashedMessage")?;
        let serial = nth(&t, 3, &tst, "serialNumber")?;
        serial.expect(tag::INTEGER, "serialNumber")?;
        let gen_time = SesTime::decode(
            &nth(&t, 4, &tst, "genTime")?,
            "genTime",
            tag::GENERALIZED_TIME,
        )?
        .instant();
        Ok(Self {
            gen_time,
            policy,
            serial: serial.value.to_vec(),
            imprint_algorithm,
            imprint,
            certificates,
            tst_info,
            signed_attrs_content,
            message_digest,
            signature,
            signature_algorithm,
            sid_issuer,
            sid_serial,
        })
    }

    /// Verify the token over `imprinted` (the signature value it stamps): the imprint, the
    /// TSA's SM2 signature, its certificate's timeStamping usage and validity at genTime.
    /// Returns the TSA certificate's subject on success, else why not in both languages.
    pub fn verify(&self, imprinted: &[u8], verifier: &dyn Sm2Verifier) -> Result<String, Text> {
        if self.imprint_algorithm != eseal_gm::oid::SM3 {
            return Err(Text::new(
                format!(
                    "messageImprint 使用的摘要算法是 {}（只支持 SM3）",
                    self.imprint_algorithm
                ),
                format!(
                    "messageImprint uses {} (only SM3 is supported)",
                    self.imprint_algorithm
                ),
            ));
        }
        if self.imprint != Sm3Digest::of(imprinted).as_bytes() {
            return Err(Text::new(
                "messageImprint 与签名值的 SM3 摘要不一致：时间戳盖的不是这个签名",
                "messageImprint does not match the SM3 of the signature value: the timestamp \
                 was made for another signature",
            ));
        }
        if self.signature_algorithm != eseal_gm::oid::SM2_WITH_SM3
            && self.signature_algorithm != eseal_gm::oid::SM2_SIGN
        {
            return Err(Text::new(
                format!("时间戳令牌的签名算法 {} 不是 SM2", self.signature_algorithm),
                format!(
                    "token signature algorithm {} is not SM2",
                    self.signature_algorithm
                ),
            ));
        }
        let tsa = self
            .certificates
            .iter()
            .filter_map(|c| CertificateInfo::from_der(c).ok())
            .find(|c| match (&self.sid_issuer, &self.sid_serial) {
                (Some(i), Some(s)) => &c.issuer_der == i && &c.serial_bytes == s,
                _ => true,
            })
            .ok_or_else(|| {
                Text::new(
                    "时间戳令牌中没有时间戳服务的证书",
                    "the TSA certificate is not in the token",
                )
            })?;
        let key = tsa
            .public_key
            .as_ref()
            .map_err(|e| e.prefixed("时间戳服务证书", "TSA certificate"))?;
        let signed = match (&self.signed_attrs_content, &self.message_digest) {
            (Some(attrs), Some(md)) => {
                if md != Sm3Digest::of(&self.tst_info).as_bytes() {
                    return Err(Text::new(
                        "messageDigest 属性与 TSTInfo 不一致",
                        "the messageDigest attribute does not match TSTInfo",
                    ));
                }
                der_out::tlv(tag::SET, attrs).map_err(|e| Text::new(e.zh(), e.to_string()))?
            }
            (Some(_), None) => {
                return Err(Text::new(
                    "有签名属性但缺少 messageDigest",
                    "signed attributes without messageDigest",
                ));
            }
            (None, _) => self.tst_info.clone(),
        };
        let (sig, _) = Sm2Signature::from_der_or_raw(&self.signature).map_err(|e| {
            Text::new(e.zh(), e.to_string()).prefixed("时间戳令牌的签名值", "token signature")
        })?;
        verifier
            .verify(key, &SignerId::default(), &signed, &sig)
            .map_err(|_| {
                Text::new(
                    "时间戳服务对令牌的签名验证不通过",
                    "the TSA's signature on the token does not verify",
                )
            })?;
        if !tsa
            .extended_key_usage
            .as_ref()
            .is_some_and(|e| e.contains(&KP_TIME_STAMPING))
        {
            return Err(Text::new(
                format!(
                    "时间戳服务证书 {} 没有 timeStamping 扩展密钥用途",
                    tsa.subject
                ),
                format!(
                    "the TSA certificate {} lacks the timeStamping extended key usage",
                    tsa.subject
                ),
            ));
        }
        if !tsa.valid_at(self.gen_time) {
            return Err(Text::new(
                format!("genTime 不在时间戳服务证书 {} 的有效期内", tsa.subject),
                format!(
                    "genTime is outside the TSA certificate's validity ({})",
                    tsa.subject
                ),
            ));
        }
        Ok(tsa.subject)
    }
}

/// Make a token over `imprinted` (a TSA's job; used by tests and, later, the platform's TSA).
pub fn make_token(
    imprinted: &[u8],
    gen_time: OffsetDateTime,
    serial: u64,
    policy: &ObjectIdentifier,
    tsa_cert: &[u8],
    tsa: &dyn Sm2Signer,
) -> Result<Vec<u8>, SesError> {
    let info = CertificateInfo::from_der(tsa_cert)
        .map_err(|e| SesError::text(SesErrorKind::Refused, e))?;
    let sm3_alg = der_out::sequence(&[&der_out::oid(&eseal_gm::oid::SM3)?])?;
    let serial = der_out::integer(
        i64::try_from(serial).map_err(|_| SesError::new(SesErrorKind::Encoding, "serial"))?,
    )?;
    let tst_info = der_out::sequence(&[
        &der_out::integer(1)?,
        &der_out::oid(policy)?,
        &der_out::sequence(&[
            &sm3_alg,
            &der_out::octet_string(Sm3Digest::of(imprinted).as_bytes())?,
        ])?,
        &serial,
        &SesTime::generalized(gen_time)?.encode()?,
    ])?;
    let attrs = [
        der_out::sequence(&[
            &der_out::oid(&ATTR_CONTENT_TYPE)?,
            &der_out::tlv(tag::SET, &der_out::oid(&TST_INFO)?)?,
        ])?,
        der_out::sequence(&[
            &der_out::oid(&ATTR_MESSAGE_DIGEST)?,
            &der_out::tlv(
                tag::SET,
                &der_out::octet_string(Sm3Digest::of(&tst_info).as_bytes())?,
            )?,
        ])?,
    ]
    .concat();
    let signature = tsa.sign(&der_out::tlv(tag::SET, &attrs)?)?;
    let sid = der_out::sequence(&[
        &info.issuer_der,
        &der_out::tlv(tag::INTEGER, &info.serial_bytes)?,
    ])?;
    let signer_info = der_out::sequence(&[
        &der_out::integer(1)?,
        &sid,
        &sm3_alg,
        &der_out::tlv(tag::CONTEXT_0_CONSTRUCTED, &attrs)?,
        &der_out::sequence(&[&der_out::oid(&eseal_gm::oid::SM2_WITH_SM3)?])?,
        &der_out::octet_string(&signature.to_der())?,
    ])?;
    let signed_data = der_out::sequence(&[
        &der_out::integer(3)?,
        &der_out::tlv(tag::SET, &sm3_alg)?,
        &der_out::sequence(&[
            &der_out::oid(&TST_INFO)?,
            &der_out::tlv(
                tag::CONTEXT_0_CONSTRUCTED,
                &der_out::octet_string(&tst_info)?,
            )?,
        ])?,
        &der_out::tlv(tag::CONTEXT_0_CONSTRUCTED, tsa_cert)?,
        &der_out::tlv(tag::SET, &signer_info)?,
    ])?;
    der_out::sequence(&[
        &der_out::oid(&SIGNED_DATA)?,
        &der_out::tlv(tag::CONTEXT_0_CONSTRUCTED, &signed_data)?,
    ])
}
