//! A detached CMS SignedData with SM2/SM3 — the signature of a PDF signed in form (a)
//! (formats.md §10): PKCS#7 content types (so that any CMS reader finds its way), the SM3
//! digest (1.2.156.10197.1.401) and the SM2-with-SM3 signature algorithm
//! (1.2.156.10197.1.501) of GB/T 35275, signed attributes contentType, signingTime,
//! messageDigest and ESS signing-certificate-v2 (RFC 5035, the certificate's SM3), the
//! signer's certificate (and any chain given), and an RFC 3161 timestamp over the
//! signature value as the unsigned attribute id-aa-signatureTimeStampToken when a TSA is given.
//!
//! The structure is RustCrypto `cms`'s types encoded by `der` (not hand-written TLVs); the
//! SM2 signature over the DER SET of the signed attributes is the caller's signer's (which
//! may be a device), with the GM/T 0009 default signer ID.

use crate::error::{SesError, SesErrorKind};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{Any, ObjectIdentifier, OctetString, SetOfVec};
use der::{Decode, Encode};
use eseal_gm::Sm3Digest;
use eseal_gm::provider::Sm2Signer;
use time::OffsetDateTime;
use x509_cert::attr::Attribute;
use x509_cert::spki::AlgorithmIdentifierOwned;

/// PKCS#7 / CMS id-data.
pub const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
/// PKCS#7 / CMS id-signedData.
pub const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
/// PKCS#9 contentType.
pub const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
/// PKCS#9 messageDigest.
pub const ID_MESSAGE_DIGEST: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
/// PKCS#9 signingTime.
pub const ID_SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
/// RFC 5035 id-aa-signingCertificateV2.
pub const ID_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
/// RFC 3161 id-aa-signatureTimeStampToken.
pub const ID_SIGNATURE_TIME_STAMP_TOKEN: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");

/// Returns an RFC 3161 timestamp token over the given signature value, or why it could not.
pub type Timestamper<'a> = dyn Fn(&[u8]) -> Result<Vec<u8>, String> + 'a;

/// What to make a detached SM2 SignedData with.
pub struct DetachedRequest<'a> {
    /// SM3 of the signed bytes (a PDF's ByteRange).
    pub digest: &'a Sm3Digest,
    /// The signer's certificate (DER).
    pub signer_cert: &'a [u8],
    /// Further certificates to carry (DER: the issuing CA's chain), possibly none.
    pub chain: &'a [Vec<u8>],
    /// The signing time, as the signingTime attribute.
    pub signing_time: OffsetDateTime,
    /// A TSA: given the signature value, an RFC 3161 token over it.
    pub timestamper: Option<&'a Timestamper<'a>>,
}

impl std::fmt::Debug for DetachedRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DetachedRequest")
            .field("digest", &self.digest)
            .field("signing_time", &self.signing_time)
            .finish_non_exhaustive()
    }
}

fn asn1(e: der::Error) -> SesError {
    SesError::new(
        SesErrorKind::Refused,
        format!("encoding the CMS SignedData: {e}"),
    )
    .zh_context("CMS SignedData 编码失败")
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, der::Error> {
    let mut values = SetOfVec::new();
    values.insert(value)?;
    Ok(Attribute { oid, values })
}

fn sm3_algorithm() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: eseal_gm::oid::SM3,
        parameters: None,
    }
}

/// The signingTime value: UTCTime for 1950–2049, GeneralizedTime otherwise (RFC 5652 §11.3).
fn signing_time(t: OffsetDateTime) -> Result<Any, der::Error> {
    let d = std::time::Duration::from_secs(u64::try_from(t.unix_timestamp()).unwrap_or(0));
    let time = x509_cert::time::Time::from(der::DateTime::from_unix_duration(d)?);
    Any::encode_from(&time)
}

/// ESS SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 } with one
/// ESSCertIDv2 ::= SEQUENCE { hashAlgorithm (SM3, not the SHA-256 default, so present),
/// certHash OCTET STRING, issuerSerial IssuerSerial }.
fn signing_certificate_v2(cert: &x509_cert::Certificate, der: &[u8]) -> Result<Any, der::Error> {
    #[derive(der::Sequence)]
    struct IssuerSerial {
        issuer: GeneralNames,
        serial: x509_cert::serial_number::SerialNumber,
    }
    #[derive(der::Sequence)]
    struct GeneralNames {
        #[asn1(context_specific = "4", tag_mode = "EXPLICIT")]
        directory_name: x509_cert::name::Name,
    }
    #[derive(der::Sequence)]
    struct EssCertIdV2 {
        hash_algorithm: AlgorithmIdentifierOwned,
        cert_hash: OctetString,
        issuer_serial: IssuerSerial,
    }
    #[derive(der::Sequence)]
    struct SigningCertificateV2 {
        certs: Vec<EssCertIdV2>,
    }
    let id = EssCertIdV2 {
        hash_algorithm: sm3_algorithm(),
        cert_hash: OctetString::new(Sm3Digest::of(der).as_bytes().to_vec())?,
        issuer_serial: IssuerSerial {
            issuer: GeneralNames {
                directory_name: cert.tbs_certificate().issuer().clone(),
            },
            serial: cert.tbs_certificate().serial_number().clone(),
        },
    };
    Any::encode_from(&SigningCertificateV2 { certs: vec![id] })
}

/// Make the detached SignedData (DER ContentInfo) for `request`, signed by `signer`.
pub fn make_detached(
    request: &DetachedRequest<'_>,
    signer: &dyn Sm2Signer,
) -> Result<Vec<u8>, SesError> {
    let info = crate::cert::CertificateInfo::from_der(request.signer_cert)
        .map_err(|e| SesError::text(SesErrorKind::Refused, e))?;
    if info.public_key.as_ref().ok() != Some(&signer.public_key()) {
        return Err(SesError::new(
            SesErrorKind::Refused,
            "the signing key does not belong to the signer certificate",
        )
        .zh_context("签名私钥与签名者证书不匹配"));
    }
    let cert = x509_cert::Certificate::from_der(request.signer_cert).map_err(asn1)?;
    let signed_attrs: SetOfVec<Attribute> = SetOfVec::try_from(vec![
        attribute(ID_CONTENT_TYPE, Any::encode_from(&ID_DATA).map_err(asn1)?).map_err(asn1)?,
        attribute(
            ID_SIGNING_TIME,
            signing_time(request.signing_time).map_err(asn1)?,
        )
        .map_err(asn1)?,
        attribute(
            ID_MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(request.digest.as_bytes().to_vec()).map_err(asn1)?)
                .map_err(asn1)?,
        )
        .map_err(asn1)?,
        attribute(
            ID_SIGNING_CERTIFICATE_V2,
            signing_certificate_v2(&cert, request.signer_cert).map_err(asn1)?,
        )
        .map_err(asn1)?,
    ])
    .map_err(asn1)?;
    // What is signed: the DER of the attributes as a SET (RFC 5652 §5.4).
    let tbs = signed_attrs.to_der().map_err(asn1)?;
    let signature = signer.sign(&tbs)?.to_der();
    let unsigned_attrs = match request.timestamper {
        None => None,
        Some(tsa) => {
            let token = tsa(&signature).map_err(|why| {
                SesError::new(
                    SesErrorKind::Refused,
                    format!("the TSA gave no timestamp: {why}"),
                )
                .zh_context("时间戳服务未能签发时间戳")
            })?;
            let token = Any::from_der(&token).map_err(asn1)?;
            Some(
                SetOfVec::try_from(vec![
                    attribute(ID_SIGNATURE_TIME_STAMP_TOKEN, token).map_err(asn1)?,
                ])
                .map_err(asn1)?,
            )
        }
    };
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: cert.tbs_certificate().issuer().clone(),
            serial_number: cert.tbs_certificate().serial_number().clone(),
        }),
        digest_alg: sm3_algorithm(),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: AlgorithmIdentifierOwned {
            oid: eseal_gm::oid::SM2_WITH_SM3,
            parameters: None,
        },
        signature: OctetString::new(signature).map_err(asn1)?,
        unsigned_attrs,
    };
    let mut certs = vec![CertificateChoices::Certificate(cert)];
    for c in request.chain {
        certs.push(CertificateChoices::Certificate(
            x509_cert::Certificate::from_der(c).map_err(asn1)?,
        ));
    }
    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![sm3_algorithm()]).map_err(asn1)?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: ID_DATA,
            econtent: None,
        },
        certificates: Some(CertificateSet(SetOfVec::try_from(certs).map_err(asn1)?)),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer_info]).map_err(asn1)?),
    };
    ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::encode_from(&signed_data).map_err(asn1)?,
    }
    .to_der()
    .map_err(asn1)
}
