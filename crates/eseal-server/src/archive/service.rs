//! The service's side: what it knows goes in, its TSA stamps.

use super::*;
use eseal_ses::Outcome;

/// The platform's certificates and current CRLs, and the trust list's active anchors (with
/// the CRLs of those that name an address, as the online verification fetched them).
pub(super) async fn platform_evidence(s: &AppState) -> Result<Evidence, Failure> {
    let now = s.now();
    let trust = s.pki().trust(now)?;
    let mut ev = Evidence::default();
    ev.certificates.extend(trust.anchors().iter().cloned());
    ev.certificates
        .extend(trust.intermediates().iter().cloned());
    ev.crls.extend(trust.crls().iter().cloned());
    if let Some(pem) = s.pki().published_file("tsa.pem", now)? {
        ev.certificates
            .extend(Certificate::parse_all(pem.as_bytes()).unwrap_or_default());
    }
    let listed = crate::trustlist::active(s.store(), now).await?;
    ev.certificates
        .extend(listed.trust.anchors().iter().cloned());
    if let Some(online) = s.online_revocation() {
        for (ca, url) in &listed.crl_urls {
            if let Ok(crl) = online.fetch_crl(url, ca, now) {
                ev.crls.push(crl);
            }
        }
    }
    Ok(ev)
}

pub(super) fn stamper(s: &AppState) -> impl Fn(&[u8]) -> Result<Vec<u8>, Bad> + '_ {
    move |manifest: &[u8]| {
        s.pki()
            .timestamp(manifest, s.now(), s.random())
            .map_err(|f| Bad {
                zh: f.detail.zh,
                en: f.detail.en,
            })
    }
}

/// `POST /api/v1/archives`: verifies the document online (it must be PASSED) and packages it
/// with the report, the platform's certificates and CRLs, each seal's status answer and seal
/// log proof, under the platform TSA's timestamp.
pub async fn create_for(s: &AppState, doc: Document) -> Result<Vec<u8>, Failure> {
    let cancel = crate::verifying::CancelOnDrop::default();
    let verified = match doc.kind {
        DocumentKind::Ofd => crate::verifying::ofd(s, doc.bytes.clone(), cancel.flag()).await?,
        DocumentKind::Detached => {
            let data = doc.data.as_ref().map(|d| d.1.as_slice()).ok_or_else(|| {
                Failure::invalid(
                    "data",
                    "分离式签名须与其原文一起归档",
                    "a detached signature is archived with its data",
                )
            })?;
            crate::verifying::detached(s, &doc.bytes, Sm3Digest::of(data)).await?
        }
    };
    if verified.is_empty() {
        return Err(Failure::unprocessable(
            "not_verified",
            "文档中没有签名，无可保存",
            "the document holds no signature: there is nothing to preserve",
        ));
    }
    if let Some(v) = verified.iter().find(|v| v.indication != Indication::Passed) {
        return Err(Failure::unprocessable(
            "not_verified",
            format!(
                "签名 {} 的验证结论为{}，不是“有效”：只有通过验证的文档才归档（验证报告见 POST /api/v1/verify）",
                v.id,
                v.indication.labels().0
            ),
            format!(
                "signature {} is {}, not PASSED: only a document that verifies is archived (see POST /api/v1/verify for the report)",
                v.id,
                v.indication.labels().1
            ),
        ));
    }
    let mut ev = platform_evidence(s).await?;
    let report =
        serde_json::to_vec_pretty(&verified).map_err(|e| Failure::internal(e.to_string()))?;
    ev.files.push(("report.json".into(), report));
    let mut logged = false;
    for v in &verified {
        let Some(f) = &v.registry else { continue };
        let at = f.signing_time.unwrap_or_else(|| s.now());
        let answer = if f.made_here {
            let st = crate::registry::status(s.store(), &f.seal_id, at)
                .await
                .map_err(Failure::from)?;
            let value = serde_json::to_value(&st).map_err(|e| Failure::internal(e.to_string()))?;
            Some(StatusAnswer {
                id: f.seal_id.clone(),
                at: crate::views::rfc(at),
                source: "registry".into(),
                status: value["status"].as_str().unwrap_or("unknown").to_owned(),
                answer: value,
            })
        } else {
            f.national
                .as_ref()
                .and_then(|n| n.answer.as_ref())
                .map(|a| {
                    let value = serde_json::to_value(a).unwrap_or_default();
                    StatusAnswer {
                        id: f.seal_id.clone(),
                        at: crate::views::rfc(at),
                        source: f
                            .national
                            .as_ref()
                            .map(|n| n.source.clone())
                            .unwrap_or_default(),
                        status: value["status"].as_str().unwrap_or("unknown").to_owned(),
                        answer: value,
                    }
                })
        };
        if let Some(a) = answer {
            let name = format!("status/{}.json", safe_name(&f.seal_id, "seal"));
            let bytes =
                serde_json::to_vec_pretty(&a).map_err(|e| Failure::internal(e.to_string()))?;
            ev.files.push((name, bytes));
        }
        if f.made_here
            && let Ok(p) = crate::transparency::proof_of(s, &f.seal_id).await
        {
            let bytes = serde_json::to_vec_pretty(&p.proof)
                .map_err(|e| Failure::internal(e.to_string()))?;
            ev.files.push((
                format!("transparency/{}.json", safe_name(&f.seal_id, "seal")),
                bytes,
            ));
            logged = true;
        }
    }
    if logged {
        let key = eseal_gm::provider::Sm2Signer::public_key(&s.pki().audit_signer());
        let pem = key
            .to_spki_pem()
            .map_err(|e| Failure::internal(e.to_string()))?;
        ev.files
            .push(("transparency-key.pem".into(), pem.into_bytes()));
    }
    // Two signatures by one seal: one answer file (the later signing time's) is enough.
    let mut names = BTreeSet::new();
    ev.files.retain(|(n, _)| names.insert(n.clone()));
    let stamp = stamper(s);
    Ok(create(doc, ev, &stamp)?)
}

/// `POST /api/v1/archives/renew`: checks the package as of now with what this platform trusts
/// (no check may fail: a package whose last timestamp's certificate has expired can no longer
/// be renewed), then adds the platform's current certificates and CRLs and a new timestamp.
pub async fn renew_for(s: &AppState, archive: &[u8]) -> Result<Vec<u8>, Failure> {
    // Not a package at all: the input is wrong (400), not the package's evidence.
    read_zip(archive)?;
    let now = s.now();
    let mut trust = s.pki().trust(now)?;
    trust.merge(&crate::trustlist::active(s.store(), now).await?.trust);
    let opts = VerifyOptions {
        trust,
        root_sm3: Vec::new(),
        log_key: None,
        now,
    };
    let bytes = archive.to_vec();
    let report = crate::work::run(crate::work::Lane::Verify, move || verify(&bytes, &opts)).await?;
    if let Some(c) = report.checks.iter().find(|c| c.outcome == Outcome::Failed) {
        return Err(Failure::unprocessable(
            "not_verified",
            format!("归档包未通过验证，不予续期：{}", c.detail_zh),
            format!(
                "the package does not verify, so it is not renewed: {}",
                c.detail
            ),
        ));
    }
    let ev = platform_evidence(s).await?;
    let stamp = stamper(s);
    Ok(renew(archive, ev, &stamp)?)
}
