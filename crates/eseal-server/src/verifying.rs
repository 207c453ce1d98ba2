//! Online verification (issue 7 item 6; R-VERIFY-1 online): the offline report of
//! eseal-ses / eseal-doc, plus what only the registry knows — whether the seal was made here,
//! its status at the signing time (a signature made after the seal was revoked fails with
//! REVOKED even though its cryptography is sound), and the usage-ledger entry it matches.

use crate::app::AppState;
use crate::problem::ApiError;
use eseal_core::{Seal, SealStatus, Usage, UsageState};
use eseal_gm::provider::SoftwareVerifier;
use eseal_ses::{AnySignature, Indication, VerifyPolicy};
use serde::Serialize;
use std::sync::Arc;
use time::OffsetDateTime;

/// What the registry says about one signature.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RegistryFinding {
    /// The seal's esID, as the signature's seal says.
    pub seal_id: String,
    /// The seal is in this registry and its stored seal data is the signature's seal.
    pub made_here: bool,
    /// The time the status was taken at.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schemars(with = "Option<String>")]
    pub signing_time: Option<OffsetDateTime>,
    /// Where that time came from: `timestamp` (the TSA's genTime) or `claimed` (the signer's).
    pub time_source: &'static str,
    /// The seal's status then, when the seal is known.
    pub status_at_signing: Option<SealStatus>,
    /// The usage-ledger entry of this signature, when there is one.
    pub ledger: Option<Usage>,
    /// Why the registry changes the verdict, when it does.
    pub verdict: Option<String>,
}

/// One verified signature: the library's result and the registry's finding.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Verified {
    /// The signature's position or id.
    pub id: String,
    /// The combined indication.
    pub indication: Indication,
    /// The library's indication before the registry's knowledge.
    pub offline_indication: Indication,
    /// The checks.
    pub report: eseal_ses::Report,
    /// The registry's knowledge.
    pub registry: Option<RegistryFinding>,
}

/// The policy of online verification: the platform's trust anchors (with its published CRLs)
/// and those configured for documents of other CAs (`--trust DIR`), plus revocation asked of
/// the network (OCSP, CRL distribution points) unless the service runs `--offline`.
pub fn policy(s: &AppState) -> Result<VerifyPolicy, ApiError> {
    let mut store = s.pki().trust(s.now())?;
    store.merge(s.document_trust());
    let chain_validator: Arc<dyn eseal_ses::CertificateValidator> = match s.online_revocation() {
        Some(online) => Arc::new(crate::revocation::OnlineValidator {
            store,
            online: online.clone(),
        }),
        None => Arc::new(eseal_doc::trust::PkiValidator { store }),
    };
    Ok(VerifyPolicy {
        chain_validator: Some(chain_validator),
        ..Default::default()
    })
}

async fn registry_finding(
    s: &AppState,
    signature: &[u8],
    document_sm3: Option<String>,
) -> Result<Option<RegistryFinding>, ApiError> {
    let Ok((sig, _)) = AnySignature::decode(signature) else {
        return Ok(None);
    };
    let seal = sig.seal();
    let Ok(seal_view) = seal.view() else {
        return Ok(None);
    };
    let seal_id = seal_view.es_id.text();
    let view = sig.view();
    let stamped = view
        .time_stamp
        .and_then(|t| eseal_ses::timestamp::TimeStampToken::decode(t).ok())
        .map(|t| t.gen_time);
    let (signing_time, time_source) = match (stamped, view.signing_time) {
        (Some(t), _) => (Some(t), "timestamp"),
        (None, t) => (t, "claimed"),
    };
    let record: Option<Seal> = s.store().get::<Seal>(&seal_id).await?.map(|v| v.record);
    let made_here = record
        .as_ref()
        .is_some_and(|r| r.seal_data_sm3 == eseal_gm::Sm3Digest::of(seal.raw()).to_hex());
    let status_at_signing = match (&record, signing_time) {
        (Some(r), Some(t)) if made_here => Some(r.status_at(t)),
        _ => None,
    };
    let verdict = match &status_at_signing {
        Some(SealStatus::Revoked { reason, at }) => Some(format!(
            "REVOKED: the seal was revoked ({reason:?}) at {at} before this signature was made"
        )),
        Some(SealStatus::Expired | SealStatus::NotYetValid) => {
            Some("the seal was not valid at the signing time".into())
        }
        _ => None,
    };
    let sig_sm3 = eseal_gm::Sm3Digest::of(signature).to_hex();
    // By the signature's SM3 (indexed); entries written before OFD signing kept the
    // SES_Signature named the signed package instead, which is the document's SM3.
    let mut ledger = None;
    if made_here {
        for key in std::iter::once(&sig_sm3).chain(document_sm3.as_ref()) {
            ledger = s
                .store()
                .find::<Usage>("signature_sm3", key, 2)
                .await?
                .into_iter()
                .map(|u| u.record)
                .find(|u| u.seal_id == seal_id && matches!(u.state, UsageState::Signed { .. }));
            if ledger.is_some() {
                break;
            }
        }
    }
    Ok(Some(RegistryFinding {
        seal_id,
        made_here,
        signing_time,
        time_source,
        status_at_signing,
        ledger,
        verdict,
    }))
}

fn combine(offline: Indication, finding: &Option<RegistryFinding>) -> Indication {
    match finding {
        Some(f) if f.verdict.is_some() => Indication::Failed,
        _ => offline,
    }
}

/// A detached signature over data with digest `data_sm3`.
pub async fn detached(
    s: &AppState,
    signature: &[u8],
    data_sm3: eseal_gm::Sm3Digest,
) -> Result<Vec<Verified>, ApiError> {
    let (sig, _) = AnySignature::decode(signature)
        .map_err(|e| ApiError::invalid("signature", format!("not an SES_Signature: {e}")))?;
    let report = eseal_ses::verify_signature(
        &sig,
        eseal_ses::SignedData::Digest(data_sm3),
        &policy(s)?,
        &SoftwareVerifier,
    );
    let offline = report.indication();
    let registry = registry_finding(s, signature, None).await?;
    Ok(vec![Verified {
        id: "1".into(),
        indication: combine(offline, &registry),
        offline_indication: offline,
        report,
        registry,
    }])
}

/// Most decompressed bytes one online verification reads (and hashes) from a document:
/// sixteen times the largest document accepted, a few seconds of one core.
pub const MAX_BYTES_READ: u64 = 256 << 20;

/// A flag set when the request holding it is dropped — when its client went away, or when it
/// is done — so that blocking work still running for it stops at its next read.
#[derive(Debug, Default)]
pub struct CancelOnDrop {
    flag: Arc<std::sync::atomic::AtomicBool>,
}

impl CancelOnDrop {
    /// The flag the work watches.
    pub fn flag(&self) -> Arc<std::sync::atomic::AtomicBool> {
        self.flag.clone()
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.flag.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Every signature of an OFD, with at most [`MAX_BYTES_READ`] read and hashed, stopping when
/// `cancel` is set.
pub async fn ofd(
    s: &AppState,
    document: Vec<u8>,
    cancel: Arc<std::sync::atomic::AtomicBool>,
) -> Result<Vec<Verified>, ApiError> {
    let policy = policy(s)?;
    let doc_sm3 = eseal_gm::Sm3Digest::of(&document).to_hex();
    let state = s.clone();
    let report = tokio::task::spawn_blocking(move || {
        let mut pkg = eseal_doc::Package::open(std::io::Cursor::new(document))
            .map_err(|e| ApiError::invalid("ofd", format!("not an OFD package: {e}")))?;
        pkg.set_budget(eseal_doc::Budget {
            max_bytes: Some(MAX_BYTES_READ),
            cancel: Some(cancel),
        });
        eseal_doc::verify_ofd(&mut pkg, &policy, &SoftwareVerifier).map_err(|e| match e {
            eseal_doc::DocError::Limit(why) => ApiError::unprocessable("too_much_work", why),
            eseal_doc::DocError::Cancelled => {
                state
                    .verifications_cancelled()
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                ApiError::unprocessable("too_much_work", "stopped: the client went away")
            }
            e => ApiError::invalid("ofd", e.to_string()),
        })
    })
    .await
    .unwrap_or_else(|e| Err(ApiError::internal(e.to_string())))?;
    let mut out = Vec::new();
    for r in report.signatures {
        let registry = registry_finding(s, &r.signed_value, Some(doc_sm3.clone())).await?;
        out.push(Verified {
            id: r.id,
            indication: combine(r.indication, &registry),
            offline_indication: r.indication,
            report: r.report,
            registry,
        });
    }
    Ok(out)
}
