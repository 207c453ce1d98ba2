//! Checkpoints of the service's two logs (issue 8, items 3 and 4): the audit log and the
//! public seal transparency log. Each log's Merkle tree (eseal-tlog) is fed from the store;
//! when it has grown, a checkpoint signed with the log key (`DATA/pki/audit.key`, public half
//! `audit-key.pem`) is stored in the database and written as a file to a directory outside it
//! (`--audit-checkpoints DIR`, default `DATA/audit-checkpoints`; the seal log's under
//! `DIR/seals`), so that someone who rewrites or truncates the database cannot also rewrite
//! what was exported. The seal log's tree is shared ([`AppState::seal_tree`]) so the public
//! endpoints can prove inclusion and consistency against its checkpoints.

use crate::app::AppState;
use crate::problem::ApiError;
use eseal_store::transparency::Log;
use eseal_tlog::{Checkpoint, Tree};
use std::path::{Path, PathBuf};

/// The audit log's name in its checkpoints.
pub const ORIGIN: &str = "eseal/audit";

/// Feeds `tree` with the entries of `log` written since it was last fed.
pub async fn catch_up(s: &AppState, log: Log, tree: &mut Tree) -> Result<(), ApiError> {
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
                return Err(ApiError::internal(format!(
                    "{}: entry {seq} where {} was due",
                    log.origin(),
                    tree.size()
                )));
            }
            tree.push(leaf.as_bytes());
        }
    }
}

/// Where a log's checkpoint files go under the export directory.
pub fn checkpoint_dir(dir: &Path, log: Log) -> PathBuf {
    match log {
        Log::Audit => dir.to_path_buf(),
        Log::Seals => dir.join("seals"),
    }
}

/// Feeds `tree` and, if the log grew (or has no checkpoint yet), signs, stores and exports a
/// checkpoint. Returns the new checkpoint's note, if one was made.
pub async fn checkpoint_once(
    s: &AppState,
    log: Log,
    tree: &mut Tree,
    dir: &Path,
) -> Result<Option<String>, ApiError> {
    let before = tree.size();
    catch_up(s, log, tree).await?;
    let stored = s.store().latest_checkpoint(log).await?;
    if tree.size() == before && stored.as_ref().map(|c| c.0) == Some(tree.size() as i64) {
        return Ok(None);
    }
    let checkpoint = Checkpoint {
        origin: log.origin().into(),
        size: tree.size(),
        root: tree.root(),
        extensions: Vec::new(),
    };
    let note = checkpoint
        .sign(log.origin(), &s.pki().audit_signer())
        .map_err(|e| ApiError::internal(e.to_string()))?;
    // Outside the database first: a checkpoint in the table but not exported is what a
    // crash here could leave, never the reverse.
    let dir = checkpoint_dir(dir, log);
    std::fs::create_dir_all(&dir)
        .map_err(|e| ApiError::internal(format!("{}: {e}", dir.display())))?;
    let file = dir.join(format!("{:012}.checkpoint", tree.size()));
    if !file.exists() {
        std::fs::write(&file, &note)
            .map_err(|e| ApiError::internal(format!("{}: {e}", file.display())))?;
    }
    s.store()
        .put_checkpoint(log, tree.size() as i64, &note, s.now())
        .await?;
    Ok(Some(note))
}

/// Makes a checkpoint of each log every `every` while it grows, until the process ends.
pub async fn checkpoint_worker(s: AppState, every: std::time::Duration, dir: PathBuf) {
    let mut audit = Tree::new();
    loop {
        if let Err(e) = checkpoint_once(&s, Log::Audit, &mut audit, &dir).await {
            eprintln!("audit checkpoint: {}", e.detail);
            audit = Tree::new();
        }
        {
            let mut seals = s.seal_tree().lock().await;
            if let Err(e) = checkpoint_once(&s, Log::Seals, &mut seals, &dir).await {
                eprintln!("seal log checkpoint: {}", e.detail);
                *seals = Tree::new();
            }
        }
        tokio::time::sleep(every).await;
    }
}

/// Writes the audit log into a new directory `out` (`log.jsonl`, one canonical entry per line;
/// `checkpoint`, signed by `signer` under `origin`; `audit-key.pem`), after recording the
/// export itself in the log (it appears in the next export). Returns the size and root.
pub async fn export(
    store: &eseal_store::Store,
    signer: &dyn eseal_gm::provider::Sm2Signer,
    origin: &str,
    out: &Path,
    now: time::OffsetDateTime,
) -> Result<(u64, eseal_tlog::Hash), ApiError> {
    let fail = |e: &dyn std::fmt::Display| ApiError::internal(format!("{}: {e}", out.display()));
    // The directory first: an export that cannot be written is not recorded as made.
    std::fs::create_dir(out).map_err(|e| fail(&e))?;
    let mut tree = Tree::new();
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
                return Err(ApiError::internal(format!(
                    "audit log: entry {seq} where {} was due",
                    tree.size()
                )));
            }
            tree.push(leaf.as_bytes());
            lines.push_str(&leaf);
            lines.push('\n');
        }
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
    .map_err(|e| ApiError::internal(e.to_string()))?;
    let pem = signer
        .public_key()
        .to_spki_pem()
        .map_err(|e| ApiError::internal(e.to_string()))?;
    for (name, bytes) in [
        ("log.jsonl", lines.as_bytes()),
        ("checkpoint", note.as_bytes()),
        ("audit-key.pem", pem.as_bytes()),
    ] {
        std::fs::write(out.join(name), bytes).map_err(|e| fail(&e))?;
    }
    Ok((tree.size(), tree.root()))
}
