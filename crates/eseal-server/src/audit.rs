//! Checkpoints of the service's two logs (issue 8, items 3 and 4): the audit log and the
//! public seal transparency log. Each log's Merkle tree (eseal-tlog) is fed from the store;
//! when it has grown, a checkpoint signed with the log key (`DATA/pki/audit.key`, public half
//! `audit-key.pem`) is stored in the database and written as a file to a directory outside it
//! (`--audit-checkpoints DIR`, default `DATA/audit-checkpoints`; the seal log's under
//! `DIR/seals`), so that someone who rewrites or truncates the database cannot also rewrite
//! what was exported. The seal log's tree is shared ([`AppState::seal_tree`]) so the public
//! endpoints can prove inclusion and consistency against its checkpoints.

use crate::failure::Failure;
use crate::state::AppState;
use eseal_store::transparency::Log;
use eseal_tlog::{Checkpoint, Tree};
use std::path::{Path, PathBuf};

/// The audit log's name in its checkpoints.
pub const ORIGIN: &str = "eseal/audit";

/// Feeds `tree` with the entries of `log` written since it was last fed.
pub async fn catch_up(s: &AppState, log: Log, tree: &mut Tree) -> Result<(), Failure> {
    if log == Log::Audit {
        archived_hashes(s.store(), tree, |_| ()).await?;
    }
    loop {
        let page = s
            .store()
            .log_leaves(log, tree.size() as i64, 10_000)
            .await?;
        if page.is_empty() {
            return Ok(());
        }
        for (seq, leaf) in page {
            if seq != tree.size() as i64 {
                return Err(Failure::internal(format!(
                    "{}: entry {seq} where {} was due",
                    log.origin(),
                    tree.size()
                )));
            }
            tree.push(leaf.as_bytes());
        }
    }
}

/// Feeds `tree` with the leaf hashes of archived audit entries it lacks, giving each (hex)
/// to `each`.
async fn archived_hashes(
    store: &eseal_store::Store,
    tree: &mut Tree,
    mut each: impl FnMut(&str),
) -> Result<(), Failure> {
    loop {
        let page = store
            .audit_archived_hashes(tree.size() as i64, 10_000)
            .await?;
        if page.is_empty() {
            return Ok(());
        }
        for (seq, h) in page {
            let hash = hex::decode(&h)
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .filter(|_| seq == tree.size() as i64)
                .ok_or_else(|| Failure::internal(format!("archived audit entry {seq}: damaged")))?;
            tree.push_hash(hash);
            each(&h);
        }
    }
}

pub use crate::files::checkpoint_dir;

/// Feeds `tree` and, if the log grew (or has no checkpoint yet), signs, stores and exports a
/// checkpoint. Returns the new checkpoint's note, if one was made.
pub async fn checkpoint_once(
    s: &AppState,
    log: Log,
    tree: &mut Tree,
    dir: &Path,
) -> Result<Option<String>, Failure> {
    let before = tree.size();
    catch_up(s, log, tree).await?;
    let stored = s.store().latest_checkpoint(log).await?;
    if tree.size() == before && stored.as_ref().map(|c| c.0) == Some(tree.size() as i64) {
        return Ok(None);
    }
    // Never sign a history that no longer extends what was signed before: the latest stored
    // checkpoint and its exported file (which someone holding only the database cannot
    // change) must both be a prefix of the tree.
    let key = eseal_gm::provider::Sm2Signer::public_key(&s.pki().audit_signer());
    extends_signed(log, tree, stored.as_ref(), Some(dir), &key)?;
    let checkpoint = Checkpoint {
        origin: log.origin().into(),
        size: tree.size(),
        root: tree.root(),
        extensions: Vec::new(),
    };
    let note = checkpoint
        .sign(log.origin(), &s.pki().audit_signer())
        .map_err(|e| Failure::internal(e.to_string()))?;
    // Outside the database first: a checkpoint in the table but not exported is what a
    // crash here could leave, never the reverse.
    let dir = checkpoint_dir(dir, log);
    crate::files::private_dir(&dir)
        .map_err(|e| Failure::internal(format!("{}: {e}", dir.display())))?;
    let file = dir.join(format!("{:012}.checkpoint", tree.size()));
    if !file.exists() {
        crate::files::write_private(&file, note.as_bytes())
            .map_err(|e| Failure::internal(format!("{}: {e}", file.display())))?;
    }
    s.store()
        .put_checkpoint(log, tree.size() as i64, &note, s.now())
        .await?;
    Ok(Some(note))
}

/// Checks that `tree` extends the signed checkpoint `stored` (the latest in the database) and
/// the file exported for it under `dir` when there is one: the same root at their size.
/// Otherwise `log_rewritten` (or the checkpoint's own error): nothing may be signed over it.
pub fn extends_signed(
    log: Log,
    tree: &Tree,
    stored: Option<&(i64, String)>,
    dir: Option<&Path>,
    key: &eseal_gm::Sm2PublicKey,
) -> Result<(), Failure> {
    let Some((size, note)) = stored else {
        return Ok(());
    };
    // Kept in full (not only logged): the operator must see what was found.
    let rewritten = |zh: String, en: String| {
        eprintln!("internal error: {en}");
        Failure::new(
            crate::failure::Kind::Internal,
            "log_rewritten",
            eseal_core::Text::new(zh, en),
        )
    };
    let exported = dir.and_then(|d| {
        std::fs::read_to_string(checkpoint_dir(d, log).join(format!("{size:012}.checkpoint"))).ok()
    });
    for (what, note) in [("stored", Some(note)), ("exported", exported.as_ref())] {
        let Some(note) = note else { continue };
        let cp = Checkpoint::open(note, log.origin(), key).map_err(|e| {
            rewritten(
                format!(
                    "{}：{} 的检查点 {size} 用日志密钥验证不通过：{}",
                    log.origin(),
                    if what == "stored" {
                        "数据库中"
                    } else {
                        "导出目录中"
                    },
                    e.zh()
                ),
                format!(
                    "{}: the {what} checkpoint {size} does not verify with the log key: {e}",
                    log.origin()
                ),
            )
        })?;
        let root = tree.root_at(cp.size).map_err(|_| {
            rewritten(
                format!(
                    "{}：日志只有 {} 条记录，少于检查点的 {} 条（被截断）",
                    log.origin(),
                    tree.size(),
                    cp.size
                ),
                format!(
                    "{}: the log has {} entries, fewer than its {what} checkpoint's {} (truncated)",
                    log.origin(),
                    tree.size(),
                    cp.size
                ),
            )
        })?;
        if root != cp.root {
            return Err(rewritten(
                format!(
                    "{}：前 {} 条记录与已签名的检查点不再一致（日志被改写），不再签署任何内容",
                    log.origin(),
                    cp.size
                ),
                format!(
                    "{}: the first {} entries no longer match the {what} signed checkpoint (the log was rewritten); nothing is signed",
                    log.origin(),
                    cp.size
                ),
            ));
        }
    }
    Ok(())
}

/// Makes a checkpoint of each log every `every` while it grows, or as soon as it has grown
/// by `every_entries`, and pushes it to the witnesses, until the process ends. A witness
/// that refuses a checkpoint is reported on standard error each round until it accepts one.
pub async fn checkpoint_worker(
    s: AppState,
    every: std::time::Duration,
    every_entries: u64,
    dir: PathBuf,
    witnesses: Vec<String>,
) {
    let tick = every.min(std::time::Duration::from_secs(1));
    let mut audit = Tree::new();
    let mut witnesses = crate::witness::Witnesses::new(witnesses);
    let mut last: Option<std::time::Instant> = None;
    loop {
        let due = last.is_none_or(|l| l.elapsed() >= every) || {
            // Grown by enough since the last round? (one small read per tick)
            let grown = |log, size: u64| {
                let s = s.clone();
                async move {
                    s.store()
                        .log_size(log)
                        .await
                        .map(|n| n as u64 >= size + every_entries.max(1))
                        .unwrap_or(false)
                }
            };
            let seals = s.seal_tree().lock().await.size();
            grown(Log::Audit, audit.size()).await || grown(Log::Seals, seals).await
        };
        if due {
            last = Some(std::time::Instant::now());
            round(&s, &mut audit, &mut witnesses, &dir).await;
        }
        tokio::time::sleep(tick).await;
    }
}

/// One round of the worker: each log checkpointed and pushed.
async fn round(
    s: &AppState,
    audit: &mut Tree,
    witnesses: &mut crate::witness::Witnesses,
    dir: &Path,
) {
    match checkpoint_once(s, Log::Audit, audit, dir).await {
        Ok(_) => {
            for r in witnesses.push_latest(s, Log::Audit, audit, dir).await {
                if let Err(e) = r {
                    eprintln!("audit checkpoint: {}", e.detail);
                }
            }
        }
        Err(e) => {
            eprintln!("audit checkpoint: {}", e.detail);
            *audit = Tree::new();
        }
    }
    let mut seals = s.seal_tree().lock().await;
    match checkpoint_once(s, Log::Seals, &mut seals, dir).await {
        Ok(_) => {
            for r in witnesses.push_latest(s, Log::Seals, &seals, dir).await {
                if let Err(e) = r {
                    eprintln!("seal log checkpoint: {}", e.detail);
                }
            }
        }
        Err(e) => {
            eprintln!("seal log checkpoint: {}", e.detail);
            *seals = Tree::new();
        }
    }
}

/// What an export checks the log against before it signs: the service's log key (its
/// checkpoints are signed with it) and the directory its checkpoints are exported to.
#[derive(Debug, Clone)]
pub struct Signed<'a> {
    /// The public half of the log key (`DATA/pki/audit-key.pem`).
    pub log_key: &'a eseal_gm::Sm2PublicKey,
    /// The checkpoint directory (`DATA/audit-checkpoints`), when it can be read.
    pub checkpoints: Option<&'a Path>,
}

/// A file of an export directory: written once, whole, readable by whoever it is handed to.
fn write_export(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    crate::files::put(path, crate::files::Put::Once, false, |f| f.write_all(bytes))
}

/// Writes the audit log into a new directory `out` (`log.jsonl`, one canonical entry per line;
/// `archived.txt`, the leaf hashes of entries archived before them, if any; `checkpoint`,
/// signed by `signer` under `origin`; `audit-key.pem`), after recording the
/// export itself in the log (it appears in the next export). Returns the size and root.
/// Like the checkpointer, it signs only a log that extends the newest checkpoint the service
/// signed (issue 14 item 9): an entry edited behind the service's back makes it refuse.
pub async fn export(
    store: &eseal_store::Store,
    signer: &dyn eseal_gm::provider::Sm2Signer,
    origin: &str,
    signed: &Signed<'_>,
    out: &Path,
    now: time::OffsetDateTime,
) -> Result<(u64, eseal_tlog::Hash), Failure> {
    let fail = |e: &dyn std::fmt::Display| Failure::internal(format!("{}: {e}", out.display()));
    // The directory first: an export that cannot be written is not recorded as made.
    std::fs::create_dir(out).map_err(|e| fail(&e))?;
    let mut tree = Tree::new();
    let mut archived = String::new();
    archived_hashes(store, &mut tree, |h| {
        archived.push_str(h);
        archived.push('\n');
    })
    .await?;
    let mut lines = String::new();
    loop {
        let page = store
            .log_leaves(Log::Audit, tree.size() as i64, 10_000)
            .await?;
        if page.is_empty() {
            break;
        }
        for (seq, leaf) in page {
            if seq != tree.size() as i64 {
                return Err(Failure::internal(format!(
                    "audit log: entry {seq} where {} was due",
                    tree.size()
                )));
            }
            tree.push(leaf.as_bytes());
            lines.push_str(&leaf);
            lines.push('\n');
        }
    }
    let latest = store.latest_checkpoint(Log::Audit).await?;
    if let Err(e) = extends_signed(
        Log::Audit,
        &tree,
        latest.as_ref(),
        signed.checkpoints,
        signed.log_key,
    ) {
        let _ = std::fs::remove_dir(out);
        return Err(e);
    }
    store
        .record_event(
            eseal_store::audit::Event::AuditExport,
            &format!("export/{}", out.display()),
            &format!("size={} root={}", tree.size(), hex::encode(tree.root())),
            now,
        )
        .await?;
    let note = Checkpoint {
        origin: origin.into(),
        size: tree.size(),
        root: tree.root(),
        extensions: Vec::new(),
    }
    .sign(origin, signer)
    .map_err(|e| Failure::internal(e.to_string()))?;
    let pem = signer
        .public_key()
        .to_spki_pem()
        .map_err(|e| Failure::internal(e.to_string()))?;
    if !archived.is_empty() {
        write_export(&out.join("archived.txt"), archived.as_bytes()).map_err(|e| fail(&e))?;
    }
    for (name, bytes) in [
        ("log.jsonl", lines.as_bytes()),
        ("checkpoint", note.as_bytes()),
        ("audit-key.pem", pem.as_bytes()),
    ] {
        write_export(&out.join(name), bytes).map_err(|e| fail(&e))?;
    }
    Ok((tree.size(), tree.root()))
}

/// How long audit entries are kept before they may be archived (issue 8: 180 days).
pub const RETENTION: time::Duration = time::Duration::days(180);

/// Archives the audit entries older than `before` (retention): refuses a `before` within
/// [`RETENTION`] of `now`; first writes a signed export of the whole log to `export_dir` and
/// checks it from disk; then, in one transaction, keeps the archived entries' leaf hashes,
/// removes their rows and records the archiving (`audit.archive`, naming the export and its
/// root). Returns how many entries were archived.
pub async fn archive(
    store: &eseal_store::Store,
    signer: &dyn eseal_gm::provider::Sm2Signer,
    origin: &str,
    signed: &Signed<'_>,
    before: time::OffsetDateTime,
    export_dir: &Path,
    now: time::OffsetDateTime,
) -> Result<i64, Failure> {
    let limit = now - RETENTION;
    if before > limit {
        let until = limit
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        return Err(Failure::invalid(
            "before",
            format!(
                "未满 {} 天的记录不能归档：请给出不晚于 {until} 的时间",
                RETENTION.whole_days()
            ),
            format!(
                "entries younger than {} days cannot be archived: give a time no later than {until}",
                RETENTION.whole_days()
            ),
        ));
    }
    let (size, root) = export(store, signer, origin, signed, export_dir, now).await?;
    // The export must verify from what is on disk before anything is removed.
    let read = |name: &str| {
        let p = export_dir.join(name);
        if name == "archived.txt" && !p.exists() {
            return Ok(String::new());
        }
        std::fs::read_to_string(&p).map_err(|e| Failure::internal(format!("{}: {e}", p.display())))
    };
    eseal_store::audit::verify_archived_export(
        &read("archived.txt")?,
        &read("log.jsonl")?,
        &read("checkpoint")?,
        &signer.public_key(),
        origin,
        None,
    )
    .map_err(|why| Failure::internal(format!("the export does not verify: {why}")))?;
    // Entries before the first one at or after `before`, within the export.
    let cut = before.unix_timestamp();
    let mut upto = store.audit_archived().await?;
    'scan: loop {
        let page = store.audit_log(upto, 10_000).await?;
        if page.is_empty() {
            break;
        }
        for e in page {
            if e.at >= cut || e.seq as u64 >= size {
                break 'scan;
            }
            upto = e.seq + 1;
        }
    }
    let outcome = format!(
        "export={} size={size} root={}",
        export_dir.display(),
        hex::encode(root)
    );
    Ok(store
        .archive_audit(upto, limit.unix_timestamp(), &outcome, now)
        .await?)
}
