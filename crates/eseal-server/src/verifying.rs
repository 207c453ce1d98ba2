//! Online verification (issue 7 item 6; R-VERIFY-1 online): the offline report of
//! eseal-ses / eseal-doc, plus what only the registry knows — whether the seal was made here,
//! its status at the signing time (a signature made after the seal was revoked fails with
//! REVOKED even though its cryptography is sound), and the usage-ledger entry it matches.

use crate::failure::Failure;
use crate::state::AppState;
use eseal_core::{Seal, SealStatus, Usage, UsageState};
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
    /// Why the registry changes the verdict to FAILED, when it does (English).
    pub verdict: Option<String>,
    /// The same in Chinese.
    pub verdict_zh: Option<String>,
    /// Why the seal's status could not be confirmed (the verdict is then at most
    /// INDETERMINATE), when it could not.
    pub unconfirmed: Option<Said>,
    /// For a seal not made here: what the national platform said (§3 of
    /// docs/connectors/national.md), unless the service runs `--offline`.
    pub national: Option<NationalFinding>,
}

/// A sentence in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Said {
    /// 中文.
    pub zh: String,
    /// English.
    pub en: String,
}

/// The national platform's status answer about a seal issued elsewhere.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct NationalFinding {
    /// Where the status came from (the platform's base URL).
    pub source: String,
    /// When it was asked (or, from the cache, when the cached answer was used).
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub asked_at: OffsetDateTime,
    /// The answer was one of the last five minutes, reused.
    pub from_cache: bool,
    /// The answer, when there is a usable one.
    pub answer: Option<crate::connectors::RemoteSealStatus>,
    /// Why there is none.
    pub problem: Option<Said>,
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
/// and the active entries of the managed trust list ([`crate::trustlist`]) for documents of
/// other CAs, plus revocation asked of the network (OCSP, CRL distribution points) unless the
/// service runs `--offline`.
pub async fn policy(s: &AppState) -> Result<VerifyPolicy, Failure> {
    let mut store = s.pki().trust(s.now())?;
    let listed = crate::trustlist::active(s.store(), s.now()).await?;
    store.merge(&listed.trust);
    let chain_validator: Arc<dyn eseal_ses::CertificateValidator> = match s.online_revocation() {
        Some(online) => Arc::new(crate::revocation::OnlineValidator {
            store,
            online: online.clone(),
            crl_urls: listed.crl_urls,
            now: s.now(),
        }),
        None => Arc::new(eseal_doc::trust::PkiValidator { store }),
    };
    Ok(VerifyPolicy {
        chain_validator: Some(chain_validator),
        now: Some(s.now()),
        ..Default::default()
    })
}

async fn registry_finding(
    s: &AppState,
    signature: &[u8],
    document_sm3: Option<String>,
    offline: Indication,
) -> Result<Option<RegistryFinding>, Failure> {
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
    let made_here = record.as_ref().is_some_and(|r| {
        r.seal_data_sm3.as_deref() == Some(eseal_gm::Sm3Digest::of(seal.raw()).to_hex().as_str())
    });
    let status_at_signing = match (&record, signing_time) {
        (Some(r), Some(t)) if made_here => Some(r.status_at(t)),
        _ => None,
    };
    let (mut verdict, mut verdict_zh) = status_verdict(&status_at_signing);
    // A seal this registry has never held: mutual recognition asks the national platform,
    // and only for a signature that verifies by itself, so that a forged document cannot make
    // the service send queries of its choosing.
    let mut unconfirmed = None;
    let mut national = None;
    if record.is_none()
        && offline == Indication::Passed
        && let Some(client) = s.national().filter(|_| s.online_revocation().is_some())
    {
        let at = signing_time.unwrap_or_else(|| s.now());
        let rfc = |t: OffsetDateTime| {
            t.format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_else(|_| t.to_string())
        };
        let at_text = rfc(at);
        let finding = national_finding(client, &seal_id, at, s.now()).await;
        match (&finding.answer, &finding.problem) {
            (_, Some(p)) => {
                unconfirmed = Some(Said {
                    zh: format!("无法确认印章状态：{}", p.zh),
                    en: format!("the seal's status cannot be confirmed: {}", p.en),
                })
            }
            (Some(a), None) if !a.known => {
                unconfirmed = Some(Said {
                    zh: format!(
                        "本平台未制作此印章，全国一体化平台 {} 也没有印章 {seal_id} 的记录，无法确认其状态",
                        finding.source
                    ),
                    en: format!(
                        "this seal was not made here and the national platform {} has no record of seal {seal_id}: its status cannot be confirmed",
                        finding.source
                    ),
                })
            }
            (Some(a), None) => {
                use crate::connectors::RemoteStatus;
                match a.status {
                    Some(RemoteStatus::Revoked) => {
                        let when = a
                            .revocation
                            .as_ref()
                            .map(|r| format!("{} ({})", rfc(r.at), r.reason))
                            .unwrap_or_default();
                        verdict = Some(format!(
                            "REVOKED: the national platform {} says the seal was revoked at {when}, before this signature was made ({at_text})",
                            finding.source
                        ));
                        verdict_zh = Some(format!(
                            "已注销（REVOKED）：全国一体化平台 {} 答复印章已于 {when} 注销，早于本次签章（{at_text}）",
                            finding.source
                        ));
                    }
                    Some(RemoteStatus::Expired | RemoteStatus::NotYetValid) => {
                        verdict = Some(format!(
                            "the national platform {} says the seal was not valid at the signing time ({at_text})",
                            finding.source
                        ));
                        verdict_zh = Some(format!(
                            "全国一体化平台 {} 答复签章时（{at_text}）印章不在有效期内",
                            finding.source
                        ));
                    }
                    Some(RemoteStatus::Valid) | None => {}
                }
            }
            (None, None) => {}
        }
        national = Some(finding);
    }
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
        verdict_zh,
        unconfirmed,
        national,
    }))
}

/// What the registry knows of a CMS signature (a PDF's form a): it carries no seal, so the
/// seal is the one of the ledger entry that recorded this signature value — none when this
/// platform did not make it. The seal's status is taken at the time the timestamp proves,
/// else at the claimed signingTime.
async fn cms_finding(s: &AppState, signature: &[u8]) -> Result<Option<RegistryFinding>, Failure> {
    let Ok(sd) = eseal_ses::gbt35275::SignedData::decode(signature) else {
        return Ok(None);
    };
    let sig_sm3 = eseal_gm::Sm3Digest::of(signature).to_hex();
    let Some(usage) = s
        .store()
        .find::<Usage>("signature_sm3", &sig_sm3, 2)
        .await?
        .into_iter()
        .map(|u| u.record)
        .find(|u| matches!(u.state, UsageState::Signed { .. }))
    else {
        return Ok(None);
    };
    let stamped = sd
        .timestamp_token
        .as_deref()
        .and_then(|t| eseal_ses::timestamp::TimeStampToken::decode(t).ok())
        .map(|t| t.gen_time);
    let (signing_time, time_source) = match (stamped, sd.signing_time) {
        (Some(t), _) => (Some(t), "timestamp"),
        (None, t) => (t, "claimed"),
    };
    let record: Option<Seal> = s
        .store()
        .get::<Seal>(&usage.seal_id)
        .await?
        .map(|v| v.record);
    let status_at_signing = match (&record, signing_time) {
        (Some(r), Some(t)) => Some(r.status_at(t)),
        _ => None,
    };
    let (verdict, verdict_zh) = status_verdict(&status_at_signing);
    Ok(Some(RegistryFinding {
        seal_id: usage.seal_id.to_string(),
        made_here: record.is_some(),
        signing_time,
        time_source,
        status_at_signing,
        ledger: Some(usage),
        verdict,
        verdict_zh,
        unconfirmed: None,
        national: None,
    }))
}

/// Why the seal's status at the signing time fails a signature (English, Chinese).
fn status_verdict(status: &Option<SealStatus>) -> (Option<String>, Option<String>) {
    match status {
        Some(SealStatus::Revoked { reason, at }) => (
            Some(format!(
                "REVOKED: the seal was revoked ({}) at {at} before this signature was made",
                reason.describe().1
            )),
            Some(format!(
                "已注销（REVOKED）：印章于 {at} 注销（{}），早于本次签章",
                reason.describe().0
            )),
        ),
        Some(SealStatus::Expired | SealStatus::NotYetValid) => (
            Some("the seal was not valid at the signing time".into()),
            Some("签章时印章不在有效期内".into()),
        ),
        _ => (None, None),
    }
}

async fn national_finding(
    client: &dyn crate::ports::SealStatusSource,
    seal_id: &str,
    at: OffsetDateTime,
    now: OffsetDateTime,
) -> NationalFinding {
    let (answer, from_cache, problem) = match client.status(seal_id, at).await {
        Ok((a, cached)) => (Some(a), cached, None),
        Err(p) => (None, false, Some(Said { zh: p.zh, en: p.en })),
    };
    NationalFinding {
        source: client.source().to_owned(),
        asked_at: now,
        from_cache,
        answer,
        problem,
    }
}

/// FAILED when the registry (or the national platform) says the seal was not valid then;
/// a PASSED becomes INDETERMINATE when the seal's status could not be confirmed.
fn combine(offline: Indication, finding: &Option<RegistryFinding>) -> Indication {
    match finding {
        Some(f) if f.verdict.is_some() => Indication::Failed,
        Some(f) if f.unconfirmed.is_some() && offline == Indication::Passed => {
            Indication::Indeterminate
        }
        _ => offline,
    }
}

/// A detached signature over data with digest `data_sm3`.
pub async fn detached(
    s: &AppState,
    signature: &[u8],
    data_sm3: eseal_gm::Sm3Digest,
) -> Result<Vec<Verified>, Failure> {
    let (sig, _) = AnySignature::decode(signature).map_err(|e| {
        Failure::invalid(
            "signature",
            format!("不是电子签章数据（SES_Signature）：{}", e.zh()),
            format!("not an SES_Signature: {e}"),
        )
    })?;
    let policy = policy(s).await?;
    let state = s.clone();
    // Off the async workers: the validator may wait for the network (OCSP, CRLs).
    let report = crate::work::run(crate::work::Lane::Verify, move || {
        eseal_ses::verify_signature(
            &sig,
            eseal_ses::SignedData::Digest(data_sm3),
            &policy,
            state.verifier(),
        )
    })
    .await?;
    let offline = report.indication();
    let registry = registry_finding(s, signature, None, offline).await?;
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
) -> Result<Vec<Verified>, Failure> {
    let policy = policy(s).await?;
    let doc_sm3 = eseal_gm::Sm3Digest::of(&document).to_hex();
    let state = s.clone();
    let report = crate::work::run(crate::work::Lane::Verify, move || {
        state
            .verifications_started()
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut pkg = eseal_doc::Package::open(std::io::Cursor::new(document)).map_err(|e| {
            Failure::invalid(
                "ofd",
                format!("不是 OFD 文件包：{}", e.zh()),
                format!("not an OFD package: {e}"),
            )
        })?;
        pkg.set_budget(eseal_doc::Budget {
            max_bytes: Some(MAX_BYTES_READ),
            cancel: Some(cancel),
        });
        eseal_doc::verify_ofd(&mut pkg, &policy, state.verifier())
            .map_err(|e| stopped(&state, "ofd", e))
    })
    .await??;
    let mut out = Vec::new();
    for r in report.signatures {
        let registry =
            registry_finding(s, &r.signed_value, Some(doc_sm3.clone()), r.indication).await?;
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

/// What a document's verification error answers: a bound or the client gone is
/// `too_much_work`; anything else the document's own problem, on `field`.
fn stopped(state: &AppState, field: &'static str, e: eseal_doc::DocError) -> Failure {
    match e {
        eseal_doc::DocError::Limit(why) => {
            Failure::new(crate::failure::Kind::Unprocessable, "too_much_work", why)
        }
        eseal_doc::DocError::Cancelled => {
            state
                .verifications_cancelled()
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Failure::unprocessable(
                "too_much_work",
                "已停止：客户端已断开",
                "stopped: the client went away",
            )
        }
        e => Failure::invalid(field, e.zh(), e.to_string()),
    }
}

/// Every signature field of a PDF, with at most [`MAX_BYTES_READ`] hashed, stopping when
/// `cancel` is set; each SES signature's registry finding as for an OFD.
pub async fn pdf(
    s: &AppState,
    document: Vec<u8>,
    cancel: Arc<std::sync::atomic::AtomicBool>,
) -> Result<Vec<Verified>, Failure> {
    let policy = policy(s).await?;
    let doc_sm3 = eseal_gm::Sm3Digest::of(&document).to_hex();
    let state = s.clone();
    let report = crate::work::run(crate::work::Lane::Verify, move || {
        state
            .verifications_started()
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let budget = eseal_doc::Budget {
            max_bytes: Some(MAX_BYTES_READ),
            cancel: Some(cancel),
        };
        eseal_doc::verify_pdf_with(document.as_slice(), &policy, state.verifier(), &budget)
            .map_err(|e| stopped(&state, "pdf", e))
    })
    .await??;
    let mut out = Vec::new();
    for r in report.signatures {
        let registry = match r.form {
            eseal_doc::pdf::PdfSignatureForm::Ses => {
                registry_finding(s, &r.signed_value, Some(doc_sm3.clone()), r.indication).await?
            }
            eseal_doc::pdf::PdfSignatureForm::Cms => cms_finding(s, &r.signed_value).await?,
            eseal_doc::pdf::PdfSignatureForm::Unknown => None,
        };
        out.push(Verified {
            id: r.field,
            indication: combine(r.indication, &registry),
            offline_indication: r.indication,
            report: r.report,
            registry,
        });
    }
    Ok(out)
}
