//! Certificate revocation lists: read (PEM or DER), verify against the issuer, look up a
//! serial; and build SM2-signed CRLs for the development CA.

use crate::cert::{Certificate, SignatureIdUsed, first_element, to_offset, verify_sm2};
use crate::error::PkiError;
use der::asn1::{BitString, OctetString};
use der::{Decode, Encode};
use eseal_gm::Sm2PublicKey;
use eseal_gm::provider::Sm2Signer;
use std::fmt;
use time::OffsetDateTime;
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, CrlNumber, CrlReason};
use x509_cert::ext::{Extensions, ToExtension};
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::AlgorithmIdentifierOwned;

/// Why a certificate was revoked (RFC 5280 CRLReason).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RevocationReason {
    /// unspecified (0)
    Unspecified,
    /// keyCompromise (1)
    KeyCompromise,
    /// cACompromise (2)
    CaCompromise,
    /// affiliationChanged (3)
    AffiliationChanged,
    /// superseded (4)
    Superseded,
    /// cessationOfOperation (5)
    CessationOfOperation,
    /// certificateHold (6)
    CertificateHold,
}

impl RevocationReason {
    /// The reason's name in Chinese and in English (RFC 5280's word).
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            Self::Unspecified => ("未说明原因", "unspecified"),
            Self::KeyCompromise => ("密钥泄露", "keyCompromise"),
            Self::CaCompromise => ("CA 泄露", "cACompromise"),
            Self::AffiliationChanged => ("隶属关系变更", "affiliationChanged"),
            Self::Superseded => ("已被取代", "superseded"),
            Self::CessationOfOperation => ("停止使用", "cessationOfOperation"),
            Self::CertificateHold => ("证书冻结", "certificateHold"),
        }
    }

    /// The CRLReason code (RFC 5280 §5.3.1).
    pub fn code(self) -> u8 {
        match self {
            Self::Unspecified => 0,
            Self::KeyCompromise => 1,
            Self::CaCompromise => 2,
            Self::AffiliationChanged => 3,
            Self::Superseded => 4,
            Self::CessationOfOperation => 5,
            Self::CertificateHold => 6,
        }
    }

    /// The reason for a CRLReason code (unknown codes: unspecified).
    pub fn from_code(code: u8) -> Self {
        match code {
            1 => Self::KeyCompromise,
            2 => Self::CaCompromise,
            3 => Self::AffiliationChanged,
            4 => Self::Superseded,
            5 => Self::CessationOfOperation,
            6 => Self::CertificateHold,
            _ => Self::Unspecified,
        }
    }

    fn to_x509(self) -> CrlReason {
        match self {
            Self::Unspecified => CrlReason::Unspecified,
            Self::KeyCompromise => CrlReason::KeyCompromise,
            Self::CaCompromise => CrlReason::CaCompromise,
            Self::AffiliationChanged => CrlReason::AffiliationChanged,
            Self::Superseded => CrlReason::Superseded,
            Self::CessationOfOperation => CrlReason::CessationOfOperation,
            Self::CertificateHold => CrlReason::CertificateHold,
        }
    }

    fn from_x509(r: CrlReason) -> Self {
        match r {
            CrlReason::KeyCompromise => Self::KeyCompromise,
            CrlReason::CaCompromise => Self::CaCompromise,
            CrlReason::AffiliationChanged => Self::AffiliationChanged,
            CrlReason::Superseded => Self::Superseded,
            CrlReason::CessationOfOperation => Self::CessationOfOperation,
            CrlReason::CertificateHold => Self::CertificateHold,
            _ => Self::Unspecified,
        }
    }
}

/// One revoked certificate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RevokedEntry {
    /// Serial number bytes.
    pub serial: Vec<u8>,
    /// When it was revoked.
    #[serde(with = "time::serde::rfc3339")]
    pub revoked_at: OffsetDateTime,
    /// Why.
    pub reason: RevocationReason,
}

/// A parsed CRL with the exact bytes its issuer signed.
#[derive(Clone)]
pub struct Crl {
    der: Vec<u8>,
    tbs: Vec<u8>,
    inner: CertificateList,
}

impl fmt::Debug for Crl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Crl")
            .field("issuer", &self.issuer())
            .field("this_update", &self.this_update())
            .finish()
    }
}

impl Crl {
    /// From DER.
    pub fn from_der(der: &[u8]) -> Result<Self, PkiError> {
        let inner = CertificateList::from_der(der).map_err(|e| PkiError::BadCrl(e.to_string()))?;
        let tbs = first_element(der).map_err(|e| PkiError::BadCrl(e.to_string()))?;
        Ok(Self {
            der: der.to_vec(),
            tbs,
            inner,
        })
    }

    /// Every CRL in PEM text (`X509 CRL`), or the one DER CRL in `bytes`.
    pub fn parse_all(bytes: &[u8]) -> Result<Vec<Self>, PkiError> {
        crate::pem::der_or_blocks(bytes, "X509 CRL", "CRL input")?
            .iter()
            .map(|b| Self::from_der(b))
            .collect()
    }

    /// DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// PEM `X509 CRL`.
    pub fn to_pem(&self) -> String {
        crate::pem::encode("X509 CRL", &self.der)
    }

    /// Issuer DN (RFC 4514).
    pub fn issuer(&self) -> String {
        eseal_asn1::dn::text(&self.inner.tbs_cert_list.issuer)
    }

    /// DER of the issuer Name.
    pub fn issuer_der(&self) -> Vec<u8> {
        self.inner.tbs_cert_list.issuer.to_der().unwrap_or_default()
    }

    /// thisUpdate.
    pub fn this_update(&self) -> OffsetDateTime {
        to_offset(self.inner.tbs_cert_list.this_update)
    }

    /// nextUpdate.
    pub fn next_update(&self) -> Option<OffsetDateTime> {
        self.inner.tbs_cert_list.next_update.map(to_offset)
    }

    /// Is `serial` listed? Returns the revocation time and reason.
    pub fn lookup(&self, serial: &[u8]) -> Option<(OffsetDateTime, RevocationReason)> {
        let entry = self
            .inner
            .tbs_cert_list
            .revoked_certificates
            .as_ref()?
            .iter()
            .find(|r| r.serial_number.as_bytes() == serial)?;
        let reason = entry
            .crl_entry_extensions
            .as_ref()
            .and_then(|exts| {
                exts.iter()
                    .find(|e| e.extn_id == der::oid::db::rfc5280::ID_CE_CRL_REASONS)
            })
            .and_then(|e| CrlReason::from_der(e.extn_value.as_bytes()).ok())
            .map(RevocationReason::from_x509)
            .unwrap_or(RevocationReason::Unspecified);
        Some((to_offset(entry.revocation_date), reason))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.inner
            .tbs_cert_list
            .revoked_certificates
            .as_ref()
            .map_or(0, Vec::len)
    }

    /// No entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Does `key` verify this CRL's SM2 signature?
    pub fn verify_signed_by(&self, key: &Sm2PublicKey) -> Option<SignatureIdUsed> {
        if self.inner.signature_algorithm.oid != eseal_gm::oid::SM2_WITH_SM3 {
            return None;
        }
        verify_sm2(key, &self.tbs, self.inner.signature.raw_bytes())
    }

    /// Does `issuer`'s key verify this CRL by an international algorithm (RSA or ECDSA with
    /// SHA-2, [`crate::intl`])?
    pub fn verify_signed_by_international(&self, issuer: &crate::Certificate) -> bool {
        crate::intl::verify(
            &issuer.spki_der(),
            &self.inner.signature_algorithm.oid,
            None,
            &self.tbs,
            self.inner.signature.raw_bytes(),
        )
        .is_ok()
    }
}

fn time(t: OffsetDateTime) -> Result<x509_cert::time::Time, PkiError> {
    let secs = u64::try_from(t.unix_timestamp())
        .map_err(|_| PkiError::Build("time before 1970".into()))?;
    x509_cert::time::Time::try_from(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
        .map_err(|e| PkiError::Build(e.to_string()))
}

/// Build a CRL signed by `signer` for `issuer` (whose key must be the signer's).
pub fn build_crl(
    issuer: &Certificate,
    signer: &dyn Sm2Signer,
    number: u64,
    this_update: OffsetDateTime,
    next_update: OffsetDateTime,
    revoked: &[RevokedEntry],
) -> Result<Crl, PkiError> {
    if issuer.sm2_public_key() != Some(signer.public_key()) {
        return Err(PkiError::IssuerKeyMismatch);
    }
    let issuer_name = issuer.subject_name().clone();
    let mut extensions = Extensions::new();
    extensions.push(
        CrlNumber::from(der::asn1::Uint::new(&number.to_be_bytes())?)
            .to_extension(&issuer_name, &extensions)?,
    );
    if let Some(ski) = issuer.subject_key_id() {
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(OctetString::new(ski)?),
            ..Default::default()
        };
        extensions.push((false, &aki).to_extension(&issuer_name, &extensions)?);
    }
    let mut entries: Vec<RevokedCert> = Vec::new();
    for r in revoked {
        let reason = (false, &r.reason.to_x509()).to_extension(&issuer_name, &[])?;
        let exts: Extensions = vec![reason];
        entries.push(RevokedCert {
            serial_number: SerialNumber::new(&r.serial)
                .map_err(|e| PkiError::Build(e.to_string()))?,
            revocation_date: time(r.revoked_at)?,
            crl_entry_extensions: Some(exts),
        });
    }
    let alg = AlgorithmIdentifierOwned {
        oid: eseal_gm::oid::SM2_WITH_SM3,
        parameters: None,
    };
    let tbs = TbsCertList {
        version: x509_cert::Version::V2,
        signature: alg.clone(),
        issuer: issuer_name,
        this_update: time(this_update)?,
        next_update: Some(time(next_update)?),
        revoked_certificates: if entries.is_empty() {
            None
        } else {
            Some(entries)
        },
        crl_extensions: Some(extensions),
    };
    let tbs_der = tbs.to_der()?;
    let sig = signer
        .sign(&tbs_der)
        .map_err(|e| PkiError::Build(e.to_string()))?;
    let list = CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: alg,
        signature: BitString::from_bytes(&sig.to_der())?,
    };
    Crl::from_der(&list.to_der()?)
}
