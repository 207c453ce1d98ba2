//! X.509 certificates: SM2 ones in full, RSA and ECDSA P-256 ones for reading (they exist in
//! the field). PEM or DER.

use crate::error::PkiError;
use der::asn1::{AnyRef, ObjectIdentifier};
use der::{Decode, Encode, Reader, SliceReader};
use eseal_gm::{SignerId, Sm2PublicKey, Sm2Signature};
use std::fmt;
use time::OffsetDateTime;
use x509_cert::Certificate as X509;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CrlDistributionPoints, ExtendedKeyUsage, KeyUsage,
    KeyUsages, SubjectKeyIdentifier,
};
use x509_cert::name::Name;

/// RSA encryption (the key algorithm of RSA certificates).
pub const RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// The NIST P-256 curve.
pub const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");

/// The subject key's algorithm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyAlgorithm {
    /// SM2 (id-ecPublicKey with the sm2 curve, or the SM2 OID directly).
    Sm2,
    /// ECDSA on P-256.
    EcP256,
    /// RSA.
    Rsa,
    /// Anything else, by OID.
    Other(String),
}

impl KeyAlgorithm {
    /// The algorithm's name for people.
    pub fn name(&self) -> String {
        match self {
            Self::Sm2 => "SM2".to_owned(),
            Self::EcP256 => "ECDSA P-256".to_owned(),
            Self::Rsa => "RSA".to_owned(),
            Self::Other(oid) => format!("OID {oid}"),
        }
    }
}

/// Which SM2 signer ID a certificate or CRL signature verified with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum SignatureIdUsed {
    /// `1234567812345678` (GB/T 35276; BouncyCastle, Chinese CAs).
    Standard,
    /// The empty ID (OpenSSL 3's default).
    Empty,
}

/// A parsed certificate with its DER and the exact bytes its issuer signed.
#[derive(Clone)]
pub struct Certificate {
    der: Vec<u8>,
    tbs: Vec<u8>,
    inner: X509,
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject())
            .field("serial", &self.serial_hex())
            .finish()
    }
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}

/// The first element of a DER SEQUENCE, as bytes (the signed part of a certificate or CRL).
pub(crate) fn first_element(der: &[u8]) -> Result<Vec<u8>, der::Error> {
    let outer = AnyRef::from_der(der)?;
    let mut reader = SliceReader::new(outer.value())?;
    let first: AnyRef<'_> = reader.decode()?;
    first.to_der()
}

pub(crate) fn to_offset(t: x509_cert::time::Time) -> OffsetDateTime {
    let secs = i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX);
    OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Verify an SM2 signature over `tbs` with the standard ID, then the empty one.
///
/// Successful checks are remembered for the process (see [`Verified`]): the certificates and
/// CRLs of a file with a hundred signatures are the same few, checked once each rather than
/// once per signature.
pub(crate) fn verify_sm2(
    key: &Sm2PublicKey,
    tbs: &[u8],
    signature: &[u8],
) -> Option<SignatureIdUsed> {
    let (sig, _) = Sm2Signature::from_der_or_raw(signature).ok()?;
    let memo = Verified::key(key, tbs, &sig);
    if let Some(used) = Verified::get(&memo) {
        return Some(used);
    }
    let used = if key.verify(&SignerId::default(), tbs, &sig).is_ok() {
        SignatureIdUsed::Standard
    } else if key.verify(&SignerId::empty(), tbs, &sig).is_ok() {
        SignatureIdUsed::Empty
    } else {
        return None;
    };
    Verified::put(memo, used);
    Some(used)
}

/// Signatures over certificates, CRLs and requests that verified: SM3(public key ‖ SM3(tbs) ‖
/// r ‖ s) → the signer ID that worked. Only successes are kept (a verified triple stays
/// verified: nothing about it can change), at most [`Verified::CAPACITY`] (cleared when full,
/// so hostile input cannot grow it).
struct Verified;

impl Verified {
    const CAPACITY: usize = 4096;

    fn map() -> &'static std::sync::Mutex<std::collections::HashMap<[u8; 32], SignatureIdUsed>> {
        static MAP: std::sync::OnceLock<
            std::sync::Mutex<std::collections::HashMap<[u8; 32], SignatureIdUsed>>,
        > = std::sync::OnceLock::new();
        MAP.get_or_init(Default::default)
    }

    fn key(key: &Sm2PublicKey, tbs: &[u8], sig: &Sm2Signature) -> [u8; 32] {
        let mut h = eseal_gm::Sm3Hasher::new();
        h.update(&key.to_sec1_uncompressed());
        h.update(eseal_gm::Sm3Digest::of(tbs).as_bytes());
        h.update(&sig.to_raw());
        *h.finalize().as_bytes()
    }

    fn get(memo: &[u8; 32]) -> Option<SignatureIdUsed> {
        Self::map().lock().ok()?.get(memo).copied()
    }

    fn put(memo: [u8; 32], used: SignatureIdUsed) {
        if let Ok(mut m) = Self::map().lock() {
            if m.len() >= Self::CAPACITY {
                m.clear();
            }
            m.insert(memo, used);
        }
    }
}

impl Certificate {
    /// From DER.
    pub fn from_der(der: &[u8]) -> Result<Self, PkiError> {
        let inner = X509::from_der(der).map_err(|e| PkiError::BadCertificate(e.to_string()))?;
        let tbs = first_element(der).map_err(|e| PkiError::BadCertificate(e.to_string()))?;
        Ok(Self {
            der: der.to_vec(),
            tbs,
            inner,
        })
    }

    /// Every certificate in PEM text, or the one DER certificate in `bytes`.
    pub fn parse_all(bytes: &[u8]) -> Result<Vec<Self>, PkiError> {
        let blocks = crate::pem::der_or_blocks(bytes, "CERTIFICATE", "certificate input")?;
        if blocks.is_empty() {
            return Err(PkiError::Pem("no CERTIFICATE block".into()));
        }
        blocks.iter().map(|b| Self::from_der(b)).collect()
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// PEM `CERTIFICATE`.
    pub fn to_pem(&self) -> String {
        crate::pem::encode("CERTIFICATE", &self.der)
    }

    /// The x509-cert view.
    pub fn x509(&self) -> &X509 {
        &self.inner
    }

    /// Subject DN (RFC 4514).
    pub fn subject(&self) -> String {
        eseal_asn1::dn::text(self.inner.tbs_certificate().subject())
    }

    /// Issuer DN (RFC 4514).
    pub fn issuer(&self) -> String {
        eseal_asn1::dn::text(self.inner.tbs_certificate().issuer())
    }

    /// Subject Name.
    pub fn subject_name(&self) -> &Name {
        self.inner.tbs_certificate().subject()
    }

    /// Issuer Name.
    pub fn issuer_name(&self) -> &Name {
        self.inner.tbs_certificate().issuer()
    }

    /// Serial number bytes as encoded.
    pub fn serial_bytes(&self) -> &[u8] {
        self.inner.tbs_certificate().serial_number().as_bytes()
    }

    /// Serial number, upper-case hex.
    pub fn serial_hex(&self) -> String {
        self.serial_bytes()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect()
    }

    /// notBefore.
    pub fn not_before(&self) -> OffsetDateTime {
        to_offset(self.inner.tbs_certificate().validity().not_before)
    }

    /// notAfter.
    pub fn not_after(&self) -> OffsetDateTime {
        to_offset(self.inner.tbs_certificate().validity().not_after)
    }

    /// Is `at` inside [notBefore, notAfter]?
    pub fn valid_at(&self, at: OffsetDateTime) -> bool {
        self.not_before() <= at && at <= self.not_after()
    }

    /// The key algorithm.
    pub fn key_algorithm(&self) -> KeyAlgorithm {
        let spki = self.inner.tbs_certificate().subject_public_key_info();
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
        let alg = spki.algorithm.oid;
        if alg == eseal_gm::oid::SM2
            || (alg == eseal_gm::oid::EC_PUBLIC_KEY && curve == Some(eseal_gm::oid::SM2))
        {
            KeyAlgorithm::Sm2
        } else if alg == eseal_gm::oid::EC_PUBLIC_KEY && curve == Some(P256) {
            KeyAlgorithm::EcP256
        } else if alg == RSA {
            KeyAlgorithm::Rsa
        } else {
            KeyAlgorithm::Other(alg.to_string())
        }
    }

    /// The SM2 public key, if the key is SM2.
    pub fn sm2_public_key(&self) -> Option<Sm2PublicKey> {
        if self.key_algorithm() != KeyAlgorithm::Sm2 {
            return None;
        }
        Sm2PublicKey::from_sec1(
            self.inner
                .tbs_certificate()
                .subject_public_key_info()
                .subject_public_key
                .raw_bytes(),
        )
        .ok()
    }

    /// The signature algorithm OID.
    pub fn signature_algorithm(&self) -> ObjectIdentifier {
        self.inner.signature_algorithm().oid
    }

    /// Does `issuer_key` verify this certificate's signature (SM2-with-SM3 only)?
    pub fn verify_signed_by(&self, issuer_key: &Sm2PublicKey) -> Option<SignatureIdUsed> {
        if self.signature_algorithm() != eseal_gm::oid::SM2_WITH_SM3 {
            return None;
        }
        verify_sm2(issuer_key, &self.tbs, self.inner.signature().raw_bytes())
    }

    /// The DER SubjectPublicKeyInfo.
    pub fn spki_der(&self) -> Vec<u8> {
        use der::Encode;
        self.inner
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .unwrap_or_default()
    }

    /// Does `issuer`'s key verify this certificate's signature by an international algorithm
    /// (RSA or ECDSA with SHA-2, [`crate::intl`])? The algorithm's name, or why not.
    pub fn verify_signed_by_international(
        &self,
        issuer: &Certificate,
    ) -> Result<String, crate::intl::NotVerified> {
        crate::intl::verify(
            &issuer.spki_der(),
            &self.signature_algorithm(),
            None,
            &self.tbs,
            self.inner.signature().raw_bytes(),
        )
    }

    /// Subject and issuer are the same name.
    pub fn is_self_issued(&self) -> bool {
        self.subject_name() == self.issuer_name()
    }

    fn extension<'a, T: der::Decode<'a> + der::oid::AssociatedOid>(&'a self) -> Option<(bool, T)> {
        self.inner
            .tbs_certificate()
            .get_extension::<T>()
            .ok()
            .flatten()
    }

    /// basicConstraints: (critical, cA, pathLenConstraint).
    pub fn basic_constraints(&self) -> Option<(bool, bool, Option<u8>)> {
        self.extension::<BasicConstraints>()
            .map(|(c, b)| (c, b.ca, b.path_len_constraint))
    }

    /// keyUsage bits, if present.
    pub fn key_usage(&self) -> Option<der::flagset::FlagSet<KeyUsages>> {
        self.extension::<KeyUsage>().map(|(_, k)| k.0)
    }

    /// extendedKeyUsage, if present.
    pub fn extended_key_usage(&self) -> Option<Vec<ObjectIdentifier>> {
        self.extension::<ExtendedKeyUsage>().map(|(_, e)| e.0)
    }

    /// subjectKeyIdentifier.
    pub fn subject_key_id(&self) -> Option<Vec<u8>> {
        self.extension::<SubjectKeyIdentifier>()
            .map(|(_, s)| s.0.as_bytes().to_vec())
    }

    /// authorityKeyIdentifier's keyIdentifier.
    pub fn authority_key_id(&self) -> Option<Vec<u8>> {
        self.extension::<AuthorityKeyIdentifier>()
            .and_then(|(_, a)| a.key_identifier.map(|k| k.as_bytes().to_vec()))
    }

    /// CRL distribution point URIs.
    pub fn crl_distribution_points(&self) -> Vec<String> {
        let Some((_, dps)) = self.extension::<CrlDistributionPoints>() else {
            return Vec::new();
        };
        dps.0
            .iter()
            .filter_map(|dp| match &dp.distribution_point {
                Some(DistributionPointName::FullName(names)) => Some(names),
                _ => None,
            })
            .flatten()
            .filter_map(|n| match n {
                GeneralName::UniformResourceIdentifier(u) => Some(u.to_string()),
                _ => None,
            })
            .collect()
    }

    /// OCSP responder URIs (authorityInfoAccess, id-ad-ocsp).
    pub fn ocsp_urls(&self) -> Vec<String> {
        let Some((_, aia)) = self.extension::<x509_cert::ext::pkix::AuthorityInfoAccessSyntax>()
        else {
            return Vec::new();
        };
        aia.0
            .iter()
            .filter(|a| a.access_method == crate::issue::ID_AD_OCSP)
            .filter_map(|a| match &a.access_location {
                GeneralName::UniformResourceIdentifier(u) => Some(u.to_string()),
                _ => None,
            })
            .collect()
    }

    /// OIDs of critical extensions eseal does not process.
    pub fn unknown_critical_extensions(&self) -> Vec<String> {
        const KNOWN: [&str; 8] = [
            "2.5.29.19", // basicConstraints
            "2.5.29.15", // keyUsage
            "2.5.29.37", // extKeyUsage
            "2.5.29.14", // subjectKeyIdentifier
            "2.5.29.35", // authorityKeyIdentifier
            "2.5.29.31", // cRLDistributionPoints
            "2.5.29.17", // subjectAltName
            "2.5.29.32", // certificatePolicies
        ];
        self.inner
            .tbs_certificate()
            .extensions()
            .map(|exts| {
                exts.iter()
                    .filter(|e| e.critical && !KNOWN.contains(&e.extn_id.to_string().as_str()))
                    .map(|e| e.extn_id.to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// DER of the subject Name (for comparisons).
    pub fn subject_der(&self) -> Vec<u8> {
        self.subject_name().to_der().unwrap_or_default()
    }

    /// DER of the issuer Name.
    pub fn issuer_der(&self) -> Vec<u8> {
        self.issuer_name().to_der().unwrap_or_default()
    }
}
