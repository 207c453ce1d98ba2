//! Issuing SM2 certificates.

use der::asn1::{BitString, OctetString};
use der::{Decode, Encode};
use eseal_gm::provider::Sm2Signer;
use eseal_gm::{Sm2PublicKey, Sm3Digest};
use signature::Keypair;
use spki::{
    AlgorithmIdentifier, DynSignatureAlgorithmIdentifier, EncodePublicKey,
    SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef,
};
use time::OffsetDateTime;
use x509_cert::TbsCertificate;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AccessDescription, AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints,
    CrlDistributionPoints, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectKeyIdentifier,
};
use x509_cert::ext::{Extension, ToExtension};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use crate::error::PkiError;

/// id-ad-ocsp (RFC 5280 §4.2.2.1).
pub const ID_AD_OCSP: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");

/// What a certificate is for; decides the extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateKind {
    /// A self-signed root CA.
    Root,
    /// An intermediate (issuing) CA.
    IssuingCa,
    /// An organisation's signing certificate (official seals).
    Organisation,
    /// A person's signing certificate (personal and position seals).
    Person,
    /// The seal maker's certificate (signs seal data).
    Maker,
    /// A timestamp authority.
    TimestampAuthority,
}

/// A certificate to issue.
#[derive(Debug, Clone)]
pub struct IssueRequest {
    /// Subject (see [`crate::name::name_from_slashes`]).
    pub subject: Name,
    /// The subject's public key.
    pub public_key: Sm2PublicKey,
    /// Kind.
    pub kind: CertificateKind,
    /// notBefore.
    pub not_before: OffsetDateTime,
    /// notAfter.
    pub not_after: OffsetDateTime,
    /// Serial number bytes (positive; a leading bit set gets a 0x00 prefix).
    pub serial: Vec<u8>,
    /// CRL distribution point URI, written into the certificate when given.
    pub crl_distribution_point: Option<String>,
    /// OCSP responder URI (authorityInfoAccess id-ad-ocsp), written when given.
    pub ocsp_url: Option<String>,
}

/// The issuer: its certificate (absent for a self-signed root) and its key.
#[derive(Debug, Clone, Copy)]
pub struct Issuer<'a> {
    /// The issuer certificate, DER; `None` to self-sign.
    pub certificate: Option<&'a [u8]>,
    /// The issuer's signer.
    pub signer: &'a dyn Sm2Signer,
}

/// An SM2 public key as the builder wants it.
#[derive(Debug, Clone)]
pub(crate) struct SpkiKey(pub(crate) Sm2PublicKey);

impl EncodePublicKey for SpkiKey {
    fn to_public_key_der(&self) -> spki::Result<der::Document> {
        let der = self
            .0
            .to_spki_der()
            .map_err(|_| spki::Error::KeyMalformed)?;
        Ok(der::Document::try_from(der.as_slice())?)
    }
}

/// The builder's view of the issuer key: its public half and algorithm. Signing itself goes
/// through `finalize` / `assemble` and the [`Sm2Signer`], so an HSM signer works the same.
pub(crate) struct BuilderKey {
    pub(crate) public: SpkiKey,
}

impl Keypair for BuilderKey {
    type VerifyingKey = SpkiKey;
    fn verifying_key(&self) -> SpkiKey {
        self.public.clone()
    }
}

impl DynSignatureAlgorithmIdentifier for BuilderKey {
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifier<der::asn1::Any>> {
        Ok(AlgorithmIdentifier {
            oid: eseal_gm::oid::SM2_WITH_SM3,
            parameters: None,
        })
    }
}

pub(crate) fn key_id(spki: SubjectPublicKeyInfoRef<'_>) -> Vec<u8> {
    // SM3 of the key bits, truncated to 20 bytes (RFC 5280 method 1 with SM3).
    let d = Sm3Digest::of(spki.subject_public_key.raw_bytes());
    d.as_bytes().get(..20).unwrap_or_default().to_vec()
}

struct Profile {
    subject: Name,
    issuer: Option<Name>,
    kind: CertificateKind,
    crl_url: Option<String>,
    ocsp_url: Option<String>,
}

impl BuilderProfile for Profile {
    fn get_issuer(&self, subject: &Name) -> Name {
        self.issuer.clone().unwrap_or_else(|| subject.clone())
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        issuer_spk: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let ca = matches!(
            self.kind,
            CertificateKind::Root | CertificateKind::IssuingCa
        );
        let mut out = Vec::new();
        let subject = tbs.subject();
        let bc = BasicConstraints {
            ca,
            path_len_constraint: if self.kind == CertificateKind::IssuingCa {
                Some(0)
            } else {
                None
            },
        };
        out.push((true, &bc).to_extension(subject, &out)?);
        let usage = match self.kind {
            CertificateKind::Root | CertificateKind::IssuingCa => {
                KeyUsages::KeyCertSign | KeyUsages::CRLSign
            }
            CertificateKind::TimestampAuthority => {
                KeyUsages::DigitalSignature | KeyUsages::NonRepudiation
            }
            _ => KeyUsages::DigitalSignature | KeyUsages::NonRepudiation,
        };
        out.push((true, &KeyUsage(usage)).to_extension(subject, &out)?);
        if self.kind == CertificateKind::TimestampAuthority {
            let eku = ExtendedKeyUsage(vec![der::asn1::ObjectIdentifier::new_unwrap(
                "1.3.6.1.5.5.7.3.8",
            )]);
            out.push((true, &eku).to_extension(subject, &out)?);
        }
        let ski = SubjectKeyIdentifier(OctetString::new(key_id(spk))?);
        out.push((false, &ski).to_extension(subject, &out)?);
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(OctetString::new(key_id(issuer_spk))?),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        };
        out.push((false, &aki).to_extension(subject, &out)?);
        if let Some(url) = &self.crl_url {
            let uri = der::asn1::Ia5String::new(url)?;
            let dp = DistributionPoint {
                distribution_point: Some(DistributionPointName::FullName(vec![
                    GeneralName::UniformResourceIdentifier(uri),
                ])),
                reasons: None,
                crl_issuer: None,
            };
            out.push((false, &CrlDistributionPoints(vec![dp])).to_extension(subject, &out)?);
        }
        if let Some(url) = &self.ocsp_url {
            let aia = AuthorityInfoAccessSyntax(vec![AccessDescription {
                access_method: ID_AD_OCSP,
                access_location: GeneralName::UniformResourceIdentifier(der::asn1::Ia5String::new(
                    url,
                )?),
            }]);
            out.push((false, &aia).to_extension(subject, &out)?);
        }
        Ok(out)
    }
}

fn to_time(t: OffsetDateTime) -> Result<Time, PkiError> {
    let secs = u64::try_from(t.unix_timestamp())
        .map_err(|_| PkiError::Build("time before 1970".into()))?;
    let st = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
    Time::try_from(st).map_err(|e| PkiError::Build(e.to_string()))
}

/// Issue a certificate for `request`, signed by `issuer`. Returns the DER certificate.
pub fn issue_certificate(request: &IssueRequest, issuer: Issuer<'_>) -> Result<Vec<u8>, PkiError> {
    let issuer_name = match issuer.certificate {
        Some(der) => {
            let cert = crate::cert::Certificate::from_der(der)?;
            if cert.sm2_public_key() != Some(issuer.signer.public_key()) {
                return Err(PkiError::IssuerKeyMismatch);
            }
            Some(cert.subject_name().clone())
        }
        None => {
            if request.public_key != issuer.signer.public_key() {
                return Err(PkiError::IssuerKeyMismatch);
            }
            None
        }
    };
    let spki_der = request
        .public_key
        .to_spki_der()
        .map_err(|e| PkiError::Build(e.to_string()))?;
    let spki = SubjectPublicKeyInfoOwned::from_der(&spki_der)?;
    let mut serial = request.serial.clone();
    if serial.first().is_some_and(|b| b & 0x80 != 0) {
        serial.insert(0, 0);
    }
    let serial = SerialNumber::new(&serial).map_err(|e| PkiError::Build(e.to_string()))?;
    let validity = Validity::new(to_time(request.not_before)?, to_time(request.not_after)?);
    let profile = Profile {
        subject: request.subject.clone(),
        issuer: issuer_name,
        kind: request.kind,
        crl_url: request.crl_distribution_point.clone(),
        ocsp_url: request.ocsp_url.clone(),
    };
    let mut builder = CertificateBuilder::new(profile, serial, validity, spki)
        .map_err(|e| PkiError::Build(e.to_string()))?;
    let key = BuilderKey {
        public: SpkiKey(issuer.signer.public_key()),
    };
    let tbs = builder
        .finalize(&key)
        .map_err(|e| PkiError::Build(e.to_string()))?;
    let sig = issuer
        .signer
        .sign(&tbs)
        .map_err(|e| PkiError::Build(e.to_string()))?;
    let bits = BitString::from_bytes(&sig.to_der())?;
    let cert = builder
        .assemble(bits, &key)
        .map_err(|e| PkiError::Build(e.to_string()))?;
    Ok(cert.to_der()?)
}
