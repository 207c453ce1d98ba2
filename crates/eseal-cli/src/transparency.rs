//! `eseal verify … --transparency PROOF --log-key KEY` (issue 8, item 4): checks offline that
//! the seal of every signature in a document is in the public seal transparency log, from a
//! seal proof kept beside the document (`GET /api/v1/transparency/seals/{id}`, saved as a
//! file): the checkpoint's signature by the log key, each entry's inclusion proof, and that an
//! entry names the document's seal data (SM3 of its DER SES_Seal). The log's latest state of
//! the seal at that checkpoint is reported (a seal revoked since still shows as registered;
//! whether it was valid when the document was signed is the verification's own check).

use crate::i18n::Lang;
use crate::said::said;
use anyhow::Result;
use eseal_gm::Sm2PublicKey;
use eseal_tlog::seals::{SealEntry, SealProof};
use std::path::Path;

/// The SM3 (hex) of the seal data in each signature of `file` (an OFD, or a detached
/// SES_Signature when `detached`).
fn seals_of(file: &Path, detached: bool) -> Result<Vec<String>> {
    let values = if detached {
        vec![std::fs::read(file).map_err(|e| crate::said::io(crate::files::READ, file, &e))?]
    } else {
        let f =
            std::fs::File::open(file).map_err(|e| crate::said::io(crate::files::OPEN, file, &e))?;
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
        let (sig, _) = eseal_ses::AnySignature::decode(v).map_err(|e| {
            said(
                format!(
                    "第 {} 个签章：不是电子签章数据（SES_Signature）：{}",
                    i + 1,
                    e.zh()
                ),
                format!("signature {}: not an SES_Signature: {e}", i + 1),
            )
        })?;
        out.push(eseal_gm::Sm3Digest::of(sig.seal().raw()).to_hex());
    }
    Ok(out)
}

fn read_key(path: &Path) -> Result<Sm2PublicKey> {
    let pem =
        std::fs::read_to_string(path).map_err(|e| crate::said::io(crate::files::READ, path, &e))?;
    Sm2PublicKey::from_spki_pem(&pem).map_err(|e| crate::said::about(path, e.zh(), &e))
}

/// Reads a proof file: the endpoint's whole answer (`{"proof": …}`) or the proof alone.
fn read_proof(path: &Path) -> Result<SealProof> {
    let text =
        std::fs::read_to_string(path).map_err(|e| crate::said::io(crate::files::READ, path, &e))?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|_| {
        said(
            format!("{}：不是 JSON", path.display()),
            format!("{}: not JSON", path.display()),
        )
    })?;
    let inner = v.get("proof").cloned().unwrap_or(v);
    serde_json::from_value(inner).map_err(|_| {
        said(
            format!("{}：不是印章透明日志证明", path.display()),
            format!("{}: not a seal transparency proof", path.display()),
        )
    })
}

/// Checks; prints one line per seal; 0 when every seal is proven in the log, 1 otherwise.
pub fn check(
    file: &Path,
    detached: bool,
    proof: &Path,
    key: &Path,
    witnesses: &[String],
    json: bool,
    lang: Lang,
) -> Result<u8> {
    let key = read_key(key)?;
    // NAME=KEY.pem: the checkpoint must carry a valid cosignature by that witness.
    let mut required = Vec::new();
    for w in witnesses {
        let (name, path) = w.split_once('=').ok_or_else(|| {
            said(
                format!("--witness {w:?}：应为“名称=公钥.pem”"),
                format!("--witness {w:?}: give NAME=PUBLIC-KEY.pem"),
            )
        })?;
        required.push((name.to_owned(), read_key(Path::new(path))?));
    }
    let seals = seals_of(file, detached)?;
    // Why not, in Chinese and English.
    let verdict: Result<(u64, Vec<SealEntry>), (String, String)> = read_proof(proof)
        .map_err(|e| {
            (
                format!("透明日志证明无法读取：{e:#}"),
                format!("the seal log proof cannot be read: {e:#}"),
            )
        })
        .and_then(|p| {
            for (name, wkey) in &required {
                eseal_tlog::Checkpoint::open(&p.checkpoint, name, wkey).map_err(|e| {
                    (
                        format!("没有见证方 {name} 的有效联署签名：{}", e.zh()),
                        format!("no valid cosignature by witness {name}: {e}"),
                    )
                })?;
            }
            p.verify(&key).map_err(|e| (e.zh(), e.to_string()))
        })
        .map(|(cp, entries)| (cp.size, entries));
    let mut failed = seals.is_empty();
    let mut lines = Vec::new();
    for sm3 in &seals {
        let line = match &verdict {
            Err((zh, en)) => {
                failed = true;
                serde_json::json!({"seal_sm3": sm3, "outcome": "FAILED", "detail": en, "detail_zh": zh})
            }
            Ok((size, entries)) => match entries.iter().rposition(|e| e.seal_sm3 == *sm3) {
                None => {
                    failed = true;
                    serde_json::json!({"seal_sm3": sm3, "outcome": "FAILED", "detail": "the proof has no entry for this seal data", "detail_zh": "证明中没有这枚印章数据的条目"})
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
        outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "transparency": lines }))?
        );
    } else {
        if seals.is_empty() {
            outln!(
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
                l[lang.t("detail_zh", "detail")]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            };
            outln!(
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

/// `eseal transparency`.
#[derive(clap::Subcommand, Debug)]
pub enum TransparencyCommand {
    /// Follow a registry's public seal log like a Certificate Transparency monitor: fetch the
    /// latest signed checkpoint and every entry since the last run, check that the entries
    /// lead to the checkpoint's root from the leaves kept in --state (so the history seen
    /// before was not rewritten), print the new entries (or only those of --seal). Exit 0
    /// consistent, 1 what is wrong.
    Monitor {
        /// The registry (e.g. http://127.0.0.1:8080).
        #[arg(long)]
        url: String,
        /// The log key (SPKI PEM), obtained out of band; never taken from the registry.
        #[arg(long)]
        key: std::path::PathBuf,
        /// A directory the monitor keeps its state in (the last checkpoint, the leaf hashes).
        #[arg(long)]
        state: std::path::PathBuf,
        /// Only print the entries of this seal.
        #[arg(long)]
        seal: Option<String>,
        /// The log key before a rotation (SPKI PEM): the checkpoint kept from earlier runs may be signed by it; the registry's must be signed by --key
        #[arg(long)]
        previous_key: Option<std::path::PathBuf>,
    },
}

/// Runs `eseal transparency`.
pub fn run(cmd: TransparencyCommand, lang: Lang) -> Result<u8> {
    match cmd {
        TransparencyCommand::Monitor {
            url,
            key,
            state,
            seal,
            previous_key,
        } => {
            let key = read_key(&key)?;
            let previous = previous_key.as_deref().map(read_key).transpose()?;
            let rt = crate::audit::runtime()?;
            match rt.block_on(monitor(
                &url,
                &key,
                previous.as_ref(),
                &state,
                seal.as_deref(),
            )) {
                Ok((size, new, seen)) => {
                    outln!(
                        "{}",
                        lang.t(
                            &format!(
                                "通过（OK）：共 {size} 项，自上次运行新增 {new} 项，与此前所见的 {seen} 项一致"
                            ),
                            &format!(
                                "OK: {size} entries, {new} new since the last run, consistent with the {seen} seen before"
                            ),
                        )
                    );
                    Ok(0)
                }
                Err(why) => {
                    outln!(
                        "{}",
                        lang.t(
                            &format!("失败（FAILED）：{}", crate::said::render(&why, Lang::Zh)),
                            &format!("FAILED: {why:#}"),
                        )
                    );
                    Ok(1)
                }
            }
        }
    }
}

async fn monitor(
    url: &str,
    key: &Sm2PublicKey,
    previous: Option<&Sm2PublicKey>,
    state: &Path,
    seal: Option<&str>,
) -> Result<(u64, usize, u64)> {
    let origin = eseal_tlog::seals::SEALS_ORIGIN;
    let base = url.trim_end_matches('/');
    let http = reqwest::Client::new();
    let get = |path: String| {
        let http = http.clone();
        async move { crate::http::get_text(&http, &path).await }
    };
    std::fs::create_dir_all(state).map_err(|e| crate::said::io(("创建", "create"), state, &e))?;
    // What was seen before: its leaf hashes rebuild the tree.
    let leaves_file = state.join("leaves");
    let mut tree = eseal_tlog::Tree::new();
    if leaves_file.exists() {
        for (i, line) in std::fs::read_to_string(&leaves_file)?.lines().enumerate() {
            let h = hex::decode(line)
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .ok_or_else(|| {
                    said(
                        format!("{} 第 {} 行不是叶子哈希", leaves_file.display(), i + 1),
                        format!(
                            "{}: line {} is not a leaf hash",
                            leaves_file.display(),
                            i + 1
                        ),
                    )
                })?;
            tree.push_hash(h);
        }
    }
    let old = match std::fs::read_to_string(state.join("checkpoint")) {
        Ok(note) => Some(
            eseal_tlog::Checkpoint::open(&note, origin, key)
                .or_else(|e| match previous {
                    // After a log key rotation: what was seen before was signed by the old key.
                    Some(p) => eseal_tlog::Checkpoint::open(&note, origin, p),
                    None => Err(e),
                })
                .map_err(|e| {
                    said(
                        format!("保存的检查点：{}", e.zh()),
                        format!("the kept checkpoint: {e}"),
                    )
                })?,
        ),
        Err(_) => None,
    };
    if let Some(old) = &old
        && (old.size != tree.size() || old.root != tree.root())
    {
        return Err(said(
            "状态目录中的叶子与其检查点不符",
            "the state directory's leaves do not match its checkpoint",
        ));
    }
    let note = get(format!("{base}/api/v1/transparency/checkpoint")).await?;
    let cp = eseal_tlog::Checkpoint::open(&note, origin, key).map_err(|e| {
        said(
            format!("登记系统的检查点：{}", e.zh()),
            format!("the registry's checkpoint: {e}"),
        )
    })?;
    if cp.size < tree.size() {
        return Err(said(
            format!(
                "日志从 {} 项缩减为 {} 项（被截断、分叉，或登记系统从较旧的备份恢复）：第 {}–{} 项已不在日志中。若是恢复，登记系统的审计日志应有一条 service.rollback 记录说明缺口及原因；本监督方保存的这些条目就是缺失的印章记录",
                tree.size(),
                cp.size,
                cp.size,
                tree.size() - 1
            ),
            format!(
                "the log shrank from {} to {} entries (truncated, forked, or the registry restored an older backup): entries {}–{} are no longer in it. After a restore the registry's audit log holds a service.rollback entry stating the gap and why; the entries this monitor kept are the seal records that are missing",
                tree.size(),
                cp.size,
                cp.size,
                tree.size() - 1
            ),
        ));
    }
    let mut new = Vec::new();
    let mut hashes = String::new();
    while tree.size() < cp.size {
        let body = get(format!(
            "{base}/api/v1/transparency/entries?from={}&limit=1000",
            tree.size()
        ))
        .await?;
        let v: serde_json::Value = serde_json::from_str(&body)
            .map_err(|_| said("登记系统的日志条目不是 JSON", "entries: not JSON"))?;
        let page: Vec<SealEntry> = serde_json::from_value(v["entries"].clone()).map_err(|_| {
            said(
                "登记系统的应答不是印章日志条目",
                "entries: not seal log entries",
            )
        })?;
        if page.is_empty() {
            return Err(said(
                format!(
                    "登记系统没有第 {} 项，而其检查点有 {} 项",
                    tree.size(),
                    cp.size
                ),
                format!(
                    "the registry has no entry {} although its checkpoint has {}",
                    tree.size(),
                    cp.size
                ),
            ));
        }
        for e in page {
            if tree.size() == cp.size {
                break;
            }
            if e.seq != tree.size() as i64 {
                return Err(said(
                    format!("收到第 {} 项，应为第 {} 项", e.seq, tree.size()),
                    format!("entry {} where {} was due", e.seq, tree.size()),
                ));
            }
            let leaf = e.leaf();
            let h = eseal_tlog::leaf_hash(leaf.as_bytes());
            tree.push_hash(h);
            hashes.push_str(&hex::encode(h));
            hashes.push('\n');
            new.push(e);
        }
    }
    if tree.root() != cp.root {
        return Err(said(
            format!(
                "这些条目得不出大小为 {} 的签名根哈希（此前所见的历史或现在给出的条目被改写）",
                cp.size
            ),
            format!(
                "the entries do not lead to the signed root of size {} (the history seen before, or the entries served, were rewritten)",
                cp.size
            ),
        ));
    }
    // Keep the state only once everything checked.
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&leaves_file)
        .map_err(|e| crate::said::io(("写入", "write"), &leaves_file, &e))?;
    std::io::Write::write_all(&mut f, hashes.as_bytes())?;
    crate::files::write_replace(&state.join("checkpoint"), note.as_bytes())?;
    for e in new.iter().filter(|e| seal.is_none_or(|s| s == e.seal_id)) {
        outln!("{}", e.leaf());
    }
    Ok((cp.size, new.len(), old.map_or(0, |o| o.size)))
}
