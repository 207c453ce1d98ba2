//! The development CA (`eseal ca …`): an SM2 root and issuing CA for demos and tests. Pure
//! logic over in-memory state; the CLI stores the state and files.

use crate::cert::Certificate;
use crate::crl::{Crl, RevocationReason, RevokedEntry, build_crl};
use crate::error::PkiError;
use crate::issue::{CertificateKind, IssueRequest, Issuer, issue_certificate};
use crate::name::name_from_slashes;
use eseal_gm::provider::{SecureRandom, SoftwareSigner};
use eseal_gm::{SignerId, Sm2PrivateKey, Sm2PublicKey};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use x509_cert::name::Name;

/// The SM2 signer ID the CA signs certificates and CRLs with.
/// The development CA defaults to [`CaSignatureId::Empty`] so that the stock OpenSSL 3 tools
/// (`openssl verify`, `openssl crl -verify`) accept its certificates and CRLs; eseal's own
/// validator accepts both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CaSignatureId {
    /// `1234567812345678` (GB/T 35276; what Chinese CAs and BouncyCastle use). OpenSSL 3
    /// verifies such a certificate only with `-vfyopt distid:1234567812345678`, and then only
    /// the end certificate, so it cannot check a chain of them.
    Standard,
    /// The empty ID, OpenSSL 3's default: `openssl verify` and `openssl crl -verify` accept
    /// these as they are; Chinese verifiers that follow GB/T 35276 strictly do not.
    #[default]
    Empty,
}

impl CaSignatureId {
    /// The signer ID this choice means.
    pub fn signer_id(self) -> SignerId {
        match self {
            Self::Standard => SignerId::default(),
            Self::Empty => SignerId::empty(),
        }
    }
}

/// One certificate the CA issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedRecord {
    /// Serial, upper-case hex.
    pub serial: String,
    /// Subject (RFC 4514).
    pub subject: String,
    /// Kind as given to `issue`.
    pub kind: String,
    /// notAfter.
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
}

/// What the CA remembers between commands (stored as `ca.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaState {
    /// Format version of this state.
    pub version: u32,
    /// The CRL distribution point written into certificates.
    pub crl_url: Option<String>,
    /// The OCSP responder URL written into certificates (authorityInfoAccess).
    #[serde(default)]
    pub ocsp_url: Option<String>,
    /// The signer ID for certificate and CRL signatures.
    pub signature_id: CaSignatureId,
    /// The last CRL number used.
    pub crl_number: u64,
    /// Everything issued.
    pub issued: Vec<IssuedRecord>,
    /// Everything revoked.
    pub revoked: Vec<RevokedEntry>,
}

/// A freshly made CA: certificates, keys and state, for the caller to store.
#[derive(Debug)]
pub struct NewCa {
    /// The root certificate.
    pub root: Certificate,
    /// The root key (keep offline).
    pub root_key: Sm2PrivateKey,
    /// The issuing CA certificate.
    pub issuing: Certificate,
    /// The issuing CA key.
    pub issuing_key: Sm2PrivateKey,
    /// The state.
    pub state: CaState,
}

fn serial(random: &dyn SecureRandom) -> Result<Vec<u8>, PkiError> {
    let mut s = vec![0u8; 16];
    random
        .fill(&mut s)
        .map_err(|e| PkiError::Build(e.to_string()))?;
    if let Some(first) = s.first_mut() {
        *first = (*first & 0x7F) | 0x40;
    }
    Ok(s)
}

/// Make a root and an issuing CA. `name` goes into O and the CNs.
pub fn init(
    random: &dyn SecureRandom,
    now: OffsetDateTime,
    name: &str,
    crl_url: Option<String>,
    signature_id: CaSignatureId,
) -> Result<NewCa, PkiError> {
    let root_key = Sm2PrivateKey::generate(random).map_err(|e| PkiError::Build(e.to_string()))?;
    let root_signer = SoftwareSigner::with_id(root_key.clone(), signature_id.signer_id());
    let escaped = name.replace('/', "\\/");
    let root = Certificate::from_der(&issue_certificate(
        &IssueRequest {
            subject: name_from_slashes(&format!("/C=CN/O={escaped}/CN={escaped} Root CA"))?,
            public_key: root_key.public_key(),
            kind: CertificateKind::Root,
            not_before: now - Duration::hours(1),
            not_after: now + Duration::days(20 * 365),
            serial: serial(random)?,
            crl_distribution_point: None,
            ocsp_url: None,
        },
        Issuer {
            certificate: None,
            signer: &root_signer,
        },
    )?)?;
    let issuing_key =
        Sm2PrivateKey::generate(random).map_err(|e| PkiError::Build(e.to_string()))?;
    let issuing = Certificate::from_der(&issue_certificate(
        &IssueRequest {
            subject: name_from_slashes(&format!("/C=CN/O={escaped}/CN={escaped} Issuing CA"))?,
            public_key: issuing_key.public_key(),
            kind: CertificateKind::IssuingCa,
            not_before: now - Duration::hours(1),
            not_after: now + Duration::days(10 * 365),
            serial: serial(random)?,
            crl_distribution_point: None,
            ocsp_url: None,
        },
        Issuer {
            certificate: Some(root.der()),
            signer: &root_signer,
        },
    )?)?;
    Ok(NewCa {
        root,
        root_key,
        issuing,
        issuing_key,
        state: CaState {
            version: 1,
            crl_url,
            ocsp_url: None,
            signature_id,
            crl_number: 0,
            issued: Vec::new(),
            revoked: Vec::new(),
        },
    })
}

/// An opened CA: the issuing certificate and key, and the state.
#[derive(Debug)]
pub struct DevCa {
    /// The issuing CA certificate.
    pub issuing: Certificate,
    signer: SoftwareSigner,
    /// The state (the caller saves it after changes).
    pub state: CaState,
}

/// The certificate kinds `eseal ca issue --kind` accepts.
pub fn kind_from_name(kind: &str) -> Option<CertificateKind> {
    match kind {
        "org" => Some(CertificateKind::Organisation),
        "person" => Some(CertificateKind::Person),
        "maker" => Some(CertificateKind::Maker),
        "tsa" => Some(CertificateKind::TimestampAuthority),
        _ => None,
    }
}

impl DevCa {
    /// Open a CA from its issuing certificate, key and state; refuses a key that does not
    /// belong to the certificate.
    pub fn open(
        issuing: Certificate,
        key: Sm2PrivateKey,
        state: CaState,
    ) -> Result<Self, PkiError> {
        if issuing.sm2_public_key() != Some(key.public_key()) {
            return Err(PkiError::IssuerKeyMismatch);
        }
        let signer = SoftwareSigner::with_id(key, state.signature_id.signer_id());
        Ok(Self {
            issuing,
            signer,
            state,
        })
    }

    /// Issue a certificate of `kind` ("org", "person", "maker", "tsa") for `subject` and `key`.
    #[allow(clippy::too_many_arguments)]
    pub fn issue(
        &mut self,
        random: &dyn SecureRandom,
        now: OffsetDateTime,
        kind: &str,
        subject: Name,
        key: &Sm2PublicKey,
        days: i64,
    ) -> Result<Certificate, PkiError> {
        let k = kind_from_name(kind).ok_or_else(|| {
            PkiError::Refused(format!("unknown kind {kind:?} (org, person, maker, tsa)"))
        })?;
        if days <= 0 {
            return Err(PkiError::Refused(
                "validity must be at least one day".into(),
            ));
        }
        let not_after = (now + Duration::days(days)).min(self.issuing.not_after());
        let cert = Certificate::from_der(&issue_certificate(
            &IssueRequest {
                subject,
                public_key: key.clone(),
                kind: k,
                not_before: now - Duration::minutes(5),
                not_after,
                serial: serial(random)?,
                crl_distribution_point: self.state.crl_url.clone(),
                ocsp_url: self.state.ocsp_url.clone(),
            },
            Issuer {
                certificate: Some(self.issuing.der()),
                signer: &self.signer,
            },
        )?)?;
        self.state.issued.push(IssuedRecord {
            serial: cert.serial_hex(),
            subject: cert.subject(),
            kind: kind.to_owned(),
            not_after,
        });
        Ok(cert)
    }

    /// Revoke a certificate this CA issued, by serial (hex).
    pub fn revoke(
        &mut self,
        serial_hex: &str,
        reason: RevocationReason,
        at: OffsetDateTime,
    ) -> Result<(), PkiError> {
        let serial_hex = serial_hex.trim().to_ascii_uppercase();
        if !self.state.issued.iter().any(|r| r.serial == serial_hex) {
            return Err(PkiError::Refused(format!(
                "serial {serial_hex} was not issued by this CA"
            )));
        }
        let serial = (0..serial_hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(serial_hex.get(i..i + 2).unwrap_or("zz"), 16))
            .collect::<Result<Vec<u8>, _>>()
            .map_err(|_| PkiError::Refused(format!("bad serial {serial_hex}")))?;
        if self.state.revoked.iter().any(|r| r.serial == serial) {
            return Err(PkiError::Refused(format!(
                "serial {serial_hex} is already revoked"
            )));
        }
        self.state.revoked.push(RevokedEntry {
            serial,
            revoked_at: at,
            reason,
        });
        Ok(())
    }

    /// The OCSP answer to a DER request (RFC 6960, signed by the issuing CA's key, valid for
    /// an hour): good for a certificate it issued and did not revoke, revoked with time and
    /// reason, unknown for anything else.
    pub fn respond_ocsp(
        &self,
        request: &[u8],
        now: OffsetDateTime,
    ) -> Result<Vec<u8>, crate::ocsp::OcspError> {
        use crate::ocsp::OcspStatus;
        let status = |serial: &[u8]| {
            let trimmed: &[u8] = match serial {
                [0, rest @ ..] if rest.first().is_some_and(|b| b & 0x80 != 0) => rest,
                s => s,
            };
            if let Some(r) = self
                .state
                .revoked
                .iter()
                .find(|r| r.serial == serial || r.serial == trimmed)
            {
                return Some(OcspStatus::Revoked(r.revoked_at, r.reason));
            }
            let hex: String = trimmed.iter().map(|b| format!("{b:02X}")).collect();
            let full: String = serial.iter().map(|b| format!("{b:02X}")).collect();
            self.state
                .issued
                .iter()
                .any(|r| r.serial == hex || r.serial == full)
                .then_some(OcspStatus::Good)
        };
        crate::ocsp::respond(
            request,
            &self.issuing,
            &self.signer,
            &status,
            now,
            now + Duration::hours(1),
        )
    }

    /// A new CRL (the number increases each time), valid for 7 days.
    pub fn crl(&mut self, now: OffsetDateTime) -> Result<Crl, PkiError> {
        self.state.crl_number += 1;
        build_crl(
            &self.issuing,
            &self.signer,
            self.state.crl_number,
            now,
            now + Duration::days(7),
            &self.state.revoked,
        )
    }
}

/// The root's CRL (authority revocation list): empty, valid for a year, so that a chain
/// through the issuing CA has a determinate revocation status.
pub fn root_crl(
    root: &Certificate,
    root_key: Sm2PrivateKey,
    id: CaSignatureId,
    number: u64,
    now: OffsetDateTime,
) -> Result<Crl, PkiError> {
    let signer = SoftwareSigner::with_id(root_key, id.signer_id());
    build_crl(root, &signer, number, now, now + Duration::days(365), &[])
}
