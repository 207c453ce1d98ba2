//! `eseal verify … --transparency PROOF --log-key KEY` (issue 8, item 4): checks offline that
//! the seal of every signature in a document is in the public seal transparency log, from a
//! seal proof kept beside the document (`GET /api/v1/transparency/seals/{id}`, saved as a
//! file): the checkpoint's signature by the log key, each entry's inclusion proof, and that an
//! entry names the document's seal data (SM3 of its DER SES_Seal). The log's latest state of
//! the seal at that checkpoint is reported (a seal revoked since still shows as registered;
//! whether it was valid when the document was signed is the verification's own check).

use crate::i18n::Lang;
use anyhow::{Context, Result, anyhow};
use eseal_gm::Sm2PublicKey;
use eseal_store::transparency::{SealEntry, SealProof};
use std::path::Path;

/// The SM3 (hex) of the seal data in each signature of `file` (an OFD, or a detached
/// SES_Signature when `detached`).
fn seals_of(file: &Path, detached: bool) -> Result<Vec<String>> {
    let values = if detached {
        vec![std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?]
    } else {
        let f =
            std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
        let mut pkg = eseal_doc::Package::open(std::io::BufReader::new(f))?;
        let report = eseal_doc::verify_ofd(
            &mut pkg,
            &eseal_ses::VerifyPolicy::default(),
            &eseal_gm::provider::SoftwareVerifier,
        )?;
        report
            .signatures
            .into_iter()
            .filter(|s| s.kind.eq_ignore_ascii_case("seal"))
            .map(|s| s.signed_value)
            .collect()
    };
    let mut out = Vec::new();
    for (i, v) in values.iter().enumerate() {
        let (sig, _) = eseal_ses::AnySignature::decode(v)
            .map_err(|e| anyhow!("signature {}: not an SES_Signature: {e}", i + 1))?;
        out.push(eseal_gm::Sm3Digest::of(sig.seal().raw()).to_hex());
    }
    Ok(out)
}

/// Reads a proof file: the endpoint's whole answer (`{"proof": …}`) or the proof alone.
fn read_proof(path: &Path) -> Result<SealProof> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{}: not JSON", path.display()))?;
    let inner = v.get("proof").cloned().unwrap_or(v);
    serde_json::from_value(inner)
        .with_context(|| format!("{}: not a seal transparency proof", path.display()))
}

/// Checks; prints one line per seal; 0 when every seal is proven in the log, 1 otherwise.
pub fn check(
    file: &Path,
    detached: bool,
    proof: &Path,
    key: &Path,
    json: bool,
    lang: Lang,
) -> Result<u8> {
    let pem =
        std::fs::read_to_string(key).with_context(|| format!("cannot read {}", key.display()))?;
    let key = Sm2PublicKey::from_spki_pem(&pem).map_err(|e| anyhow!("{}: {e}", key.display()))?;
    let seals = seals_of(file, detached)?;
    let verdict: Result<(u64, Vec<SealEntry>), String> = read_proof(proof)
        .map_err(|e| format!("{e:#}"))
        .and_then(|p| p.verify(&key))
        .map(|(cp, entries)| (cp.size, entries));
    let mut failed = seals.is_empty();
    let mut lines = Vec::new();
    for sm3 in &seals {
        let line = match &verdict {
            Err(why) => {
                failed = true;
                serde_json::json!({"seal_sm3": sm3, "outcome": "FAILED", "detail": why})
            }
            Ok((size, entries)) => match entries.iter().rposition(|e| e.seal_sm3 == *sm3) {
                None => {
                    failed = true;
                    serde_json::json!({"seal_sm3": sm3, "outcome": "FAILED", "detail": "the proof has no entry for this seal data"})
                }
                Some(i) => {
                    let e = &entries[i];
                    let latest = entries.last().map_or(e, |l| l);
                    serde_json::json!({
                        "seal_sm3": sm3,
                        "outcome": "PASSED",
                        "seal_id": e.seal_id,
                        "index": e.seq,
                        "checkpoint_size": size,
                        "state_at_checkpoint": latest.state,
                    })
                }
            },
        };
        lines.push(line);
    }
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "transparency": lines }))?
        );
    } else {
        if seals.is_empty() {
            println!(
                "{}: {}",
                lang.t("透明日志", "transparency"),
                lang.t("文档中没有印章签章", "no seal signature in the document")
            );
        }
        for l in &lines {
            let passed = l["outcome"] == "PASSED";
            let detail = if passed {
                format!(
                    "{} {} #{} ({} {}, {} {})",
                    lang.t("印章", "seal"),
                    l["seal_id"].as_str().unwrap_or_default(),
                    l["index"],
                    lang.t("检查点大小", "checkpoint size"),
                    l["checkpoint_size"],
                    lang.t("当时状态", "state then"),
                    l["state_at_checkpoint"].as_str().unwrap_or_default()
                )
            } else {
                l["detail"].as_str().unwrap_or_default().to_owned()
            };
            println!(
                "{} {}: {} {detail}",
                lang.t("透明日志", "transparency"),
                l["seal_sm3"]
                    .as_str()
                    .and_then(|h| h.get(..16))
                    .unwrap_or_default(),
                if passed {
                    lang.t("通过", "PASSED")
                } else {
                    lang.t("失败", "FAILED")
                },
            );
        }
    }
    Ok(u8::from(failed))
}
