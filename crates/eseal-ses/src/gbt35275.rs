//! GB/T 35275 (GM/T 0010) SignedData, the signature of an OFD `Type="Sign"` (formats.md §9):
//!
//! ```text
//! ContentInfo ::= SEQUENCE { contentType OID (1.2.156.10197.6.1.4.2.2), content [0] EXPLICIT SignedData }
//! SignedData ::= SEQUENCE { version INTEGER (1), digestAlgorithms SET OF AlgorithmIdentifier,
//!     contentInfo ContentInfo, certificates [0] IMPLICIT SET OF Certificate OPTIONAL,
//!     crls [1] IMPLICIT … OPTIONAL, signerInfos SET OF SignerInfo }
//! SignerInfo ::= SEQUENCE { version INTEGER (1), issuerAndSerialNumber, digestAlgorithm,
//!     authenticatedAttributes [0] IMPLICIT OPTIONAL, digestEncryptionAlgorithm,
//!     encryptedDigest OCTET STRING, unauthenticatedAttributes [1] IMPLICIT OPTIONAL }
//! ```
//! eseal writes the "hash as content" form (ofdrw, tongz): the content is SM3 of the signed
//! file and the SM2 signature is over those 32 bytes. It reads that form and the PKCS#9 form
//! (authenticated attributes with messageDigest, signature over their SET).

use crate::asn1_time::SesTime;
use crate::ber::{Tlv, first_tlv, tag};
use crate::cert::CertificateInfo;
use crate::der_out;
use crate::error::{SesError, SesErrorKind};
use der::asn1::ObjectIdentifier;
use eseal_gm::provider::Sm2Signer;
use eseal_gm::{Sm2PublicKey, Sm2Signature, Sm3Digest};

/// GM/T 0010 data.
pub const GM_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.6.1.4.2.1");
/// GM/T 0010 signedData.
pub const GM_SIGNED_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.156.10197.6.1.4.2.2");
const PKCS7_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
const SIGNING_CERTIFICATE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.12");
const SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
const TIME_STAMP_TOKEN: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");
const SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");

/// The first ESSCertID(v2)'s hash and its algorithm, from an attribute
/// `SEQUENCE { type, SET { SEQUENCE { certs SEQUENCE OF ESSCertID… } } }`; `None` when the
/// attribute does not have that shape.
fn ess_cert_hash(attr: &Tlv<'_>, v1: bool) -> Option<(ObjectIdentifier, Vec<u8>)> {
    let af = attr.children().ok()?;
    let set = af.get(1)?.children().ok()?;
    let signing_certificate = set.first()?.children().ok()?;
    let certs = signing_certificate.first()?.children().ok()?;
    let id = certs.first()?.children().ok()?;
    if v1 {
        return Some((SHA1, id.first()?.value.to_vec()));
    }
    match id.first()? {
        // hashAlgorithm AlgorithmIdentifier DEFAULT sha256
        a if a.tag == tag::SEQUENCE => {
            let oid = a.children().ok()?.first()?.oid("hashAlgorithm").ok()?;
            Some((oid, id.get(1)?.value.to_vec()))
        }
        h => Some((SHA256, h.value.to_vec())),
    }
}

/// What a SignedData holds, with the exact bytes its signature covers.
#[derive(Debug, Clone)]
pub struct SignedData {
    /// The encapsulated content (the hash, in the hash-as-content form).
    pub content: Option<Vec<u8>>,
    /// The messageDigest attribute (PKCS#9 form).
    pub message_digest: Option<Vec<u8>>,
    /// The bytes the signer signed: the content, or the DER SET of the attributes.
    pub signed_bytes: Vec<u8>,
    /// The signature value.
    pub signature: Vec<u8>,
    /// The signer's certificate (DER), found by issuer and serial number.
    pub signer_cert: Option<Vec<u8>>,
    /// Every certificate carried (DER).
    pub certificates: Vec<Vec<u8>>,
    /// The SignerInfo's digestAlgorithm.
    pub digest_algorithm: Option<ObjectIdentifier>,
    /// The SignerInfo's signature algorithm.
    pub signature_algorithm: Option<ObjectIdentifier>,
    /// The signingTime attribute (PKCS#9), when signed.
    pub signing_time: Option<time::OffsetDateTime>,
    /// The ESS signing-certificate(-v2) attribute's first certHash and its digest algorithm
    /// (SHA-1 for v1, SHA-256 when v2 names none).
    pub signing_certificate: Option<(ObjectIdentifier, Vec<u8>)>,
    /// The id-aa-signatureTimeStampToken unsigned attribute (an RFC 3161 token, DER).
    pub timestamp_token: Option<Vec<u8>>,
}

fn bad(t: &Tlv<'_>, en: &str, zh: &str) -> SesError {
    SesError::at(
        SesErrorKind::UnexpectedTag,
        t.offset,
        format!("SignedData: {en}"),
    )
    .zh_context(format!("SignedData：{zh}"))
}

/// Element `i` of `v`; `field` (a structure name of GB/T 35275) when it is missing.
fn nth<'a>(v: &[Tlv<'a>], i: usize, parent: &Tlv<'_>, field: &str) -> Result<Tlv<'a>, SesError> {
    v.get(i).copied().ok_or_else(|| {
        SesError::at(
            SesErrorKind::WrongElementCount,
            parent.offset,
            format!("SignedData: {field} is missing"),
        )
        .zh_context(format!("SignedData：缺少 {field}"))
    })
}

impl SignedData {
    /// Decode (BER accepted).
    pub fn decode(bytes: &[u8]) -> Result<Self, SesError> {
        let (ci, _) = first_tlv(bytes)?;
        let f = ci.sequence("ContentInfo")?;
        let ct = nth(&f, 0, &ci, "contentType")?.oid("contentType")?;
        if ct != GM_SIGNED_DATA && ct != PKCS7_SIGNED_DATA {
            return Err(bad(&ci, "not signedData", "不是 signedData"));
        }
        let wrap = nth(&f, 1, &ci, "content")?;
        let sd_node = nth(&wrap.children()?, 0, &wrap, "content")?;
        let sd = sd_node.sequence("SignedData")?;
        let inner = nth(&sd, 2, &sd_node, "contentInfo")?;
        let icf = inner.sequence("contentInfo")?;
        let content = match icf.get(1) {
            Some(c) => {
                let o = nth(&c.children()?, 0, c, "content")?;
                Some(crate::common::octets(&o, "content")?)
            }
            None => None,
        };
        let mut certs = Vec::new();
        let mut infos = None;
        for node in sd.iter().skip(3) {
            match node.tag {
                0xA0 => certs.extend(node.children()?.iter().map(|c| c.raw.to_vec())),
                0xA1 => {}
                tag::SET => infos = Some(*node),
                _ => return Err(bad(node, "unexpected element", "有标准未定义的元素")),
            }
        }
        let infos =
            infos.ok_or_else(|| bad(&sd_node, "signerInfos is missing", "缺少 signerInfos"))?;
        let si_node = nth(&infos.children()?, 0, &infos, "SignerInfo")?;
        let si = si_node.sequence("SignerInfo")?;
        let sid = nth(&si, 1, &si_node, "issuerAndSerialNumber")?;
        let sidf = sid.children()?;
        let (issuer, serial) = (
            nth(&sidf, 0, &sid, "issuer")?.raw.to_vec(),
            nth(&sidf, 1, &sid, "serial")?.value.to_vec(),
        );
        let digest_node = nth(&si, 2, &si_node, "digestAlgorithm")?;
        let digest_algorithm = Some(
            nth(
                &digest_node.sequence("digestAlgorithm")?,
                0,
                &digest_node,
                "algorithm",
            )?
            .oid("digestAlgorithm")?,
        );
        let mut i = 3;
        let mut attrs_set = None;
        let mut message_digest = None;
        let mut signing_time = None;
        let mut signing_certificate = None;
        if let Some(a) = si.get(3).filter(|a| a.tag == tag::CONTEXT_0_CONSTRUCTED) {
            attrs_set = Some(der_out::tlv(tag::SET, a.value)?);
            for attr in a.children()? {
                let af = attr.sequence("Attribute")?;
                let kind = nth(&af, 0, &attr, "attrType")?.oid("attrType")?;
                if kind == SIGNING_TIME {
                    let vals = nth(&af, 1, &attr, "values")?;
                    let t = nth(&vals.children()?, 0, &vals, "value")?;
                    let expected = if t.tag & !0x20 == tag::GENERALIZED_TIME {
                        tag::GENERALIZED_TIME
                    } else {
                        tag::UTC_TIME
                    };
                    signing_time = Some(SesTime::decode(&t, "signingTime", expected)?.instant());
                } else if kind == SIGNING_CERTIFICATE_V2 || kind == SIGNING_CERTIFICATE {
                    signing_certificate = ess_cert_hash(&attr, kind == SIGNING_CERTIFICATE);
                }
                if kind == MESSAGE_DIGEST {
                    let vals = nth(&af, 1, &attr, "values")?;
                    message_digest = Some(crate::common::octets(
                        &nth(&vals.children()?, 0, &vals, "value")?,
                        "messageDigest",
                    )?);
                }
            }
            i = 4;
        }
        let signature_node = nth(&si, i, &si_node, "signatureAlgorithm")?;
        let signature_algorithm = Some(
            nth(
                &signature_node.sequence("signatureAlgorithm")?,
                0,
                &signature_node,
                "algorithm",
            )?
            .oid("signatureAlgorithm")?,
        );
        let signature = crate::common::octets(
            &nth(&si, i + 1, &si_node, "encryptedDigest")?,
            "encryptedDigest",
        )?;
        let mut timestamp_token = None;
        if let Some(u) = si.get(i + 2).filter(|a| a.tag == 0xA1) {
            for attr in u.children()? {
                let af = attr.sequence("Attribute")?;
                if nth(&af, 0, &attr, "attrType")?.oid("attrType")? == TIME_STAMP_TOKEN {
                    let vals = nth(&af, 1, &attr, "values")?;
                    timestamp_token = Some(nth(&vals.children()?, 0, &vals, "value")?.raw.to_vec());
                }
            }
        }
        let signer_cert = certs
            .iter()
            .find(|c| {
                CertificateInfo::from_der(c)
                    .is_ok_and(|info| info.issuer_der == issuer && info.serial_bytes == serial)
            })
            .cloned();
        let signed_bytes = match (&attrs_set, &content) {
            (Some(set), _) => set.clone(),
            (None, Some(c)) => c.clone(),
            (None, None) => {
                return Err(bad(
                    &si_node,
                    "neither content nor authenticated attributes: nothing was signed",
                    "既无内容也无认证属性：没有被签名的数据",
                ));
            }
        };
        Ok(Self {
            content,
            message_digest,
            signed_bytes,
            signature,
            signer_cert,
            certificates: certs,
            digest_algorithm,
            signature_algorithm,
            signing_time,
            signing_certificate,
            timestamp_token,
        })
    }

    /// Does the SignedData sign `file_digest` (the SM3 of the signed file)? Accepts the
    /// hash-as-content form, its base64 variant, and the messageDigest attribute.
    pub fn covers(&self, file_digest: &Sm3Digest) -> bool {
        let d = file_digest.as_bytes().as_slice();
        if let Some(md) = &self.message_digest {
            return md == d;
        }
        match &self.content {
            Some(c) => {
                c == d
                    || <base64ct::Base64 as base64ct::Encoding>::decode_vec(
                        std::str::from_utf8(c).unwrap_or_default(),
                    )
                    .is_ok_and(|v| v == d)
            }
            None => false,
        }
    }

    /// Verify the SM2 signature with `key` (default signer ID).
    pub fn verify(&self, key: &Sm2PublicKey) -> Result<(), crate::report::Text> {
        use crate::report::Text;
        let (sig, _) = Sm2Signature::from_der_or_raw(&self.signature)
            .map_err(|e| Text::new(e.zh(), e.to_string()))?;
        key.verify(&eseal_gm::SignerId::default(), &self.signed_bytes, &sig)
            .map_err(|_| Text::new("SM2 签名验证不通过", "the SM2 signature does not verify"))
    }
}

/// Make a hash-as-content SignedData over `file_digest` (SM3 of the file being signed).
pub fn make_signed_data(
    file_digest: &Sm3Digest,
    signer_cert: &[u8],
    signer: &dyn Sm2Signer,
) -> Result<Vec<u8>, SesError> {
    let info = CertificateInfo::from_der(signer_cert)
        .map_err(|e| SesError::text(SesErrorKind::Refused, e))?;
    if info.public_key.as_ref().ok() != Some(&signer.public_key()) {
        return Err(SesError::new(
            SesErrorKind::Refused,
            "the signing key does not belong to the signer certificate",
        )
        .zh_context("签名私钥与签名者证书不匹配"));
    }
    let content = file_digest.as_bytes().to_vec();
    let sig = signer.sign(&content)?;
    let sm3 = der_out::sequence(&[&der_out::oid(&eseal_gm::oid::SM3)?])?;
    let signer_info = der_out::sequence(&[
        &der_out::integer(1)?,
        &der_out::sequence(&[
            &info.issuer_der,
            &der_out::tlv(tag::INTEGER, &info.serial_bytes)?,
        ])?,
        &sm3,
        &der_out::sequence(&[&der_out::oid(&eseal_gm::oid::SM2_SIGN)?])?,
        &der_out::octet_string(&sig.to_der())?,
    ])?;
    let signed_data = der_out::sequence(&[
        &der_out::integer(1)?,
        &der_out::tlv(tag::SET, &sm3)?,
        &der_out::sequence(&[
            &der_out::oid(&GM_DATA)?,
            &der_out::tlv(
                tag::CONTEXT_0_CONSTRUCTED,
                &der_out::octet_string(&content)?,
            )?,
        ])?,
        &der_out::tlv(tag::CONTEXT_0_CONSTRUCTED, signer_cert)?,
        &der_out::tlv(tag::SET, &signer_info)?,
    ])?;
    der_out::sequence(&[
        &der_out::oid(&GM_SIGNED_DATA)?,
        &der_out::tlv(tag::CONTEXT_0_CONSTRUCTED, &signed_data)?,
    ])
}
