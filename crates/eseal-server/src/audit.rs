//! Checkpoints of the audit log (issue 8, item 3): the log's Merkle tree (eseal-tlog) is kept
//! in memory, fed from the store; when it has grown, a checkpoint signed with the audit key
//! (`DATA/pki/audit.key`, public half `audit-key.pem`) is stored in the database and written
//! as a file to a directory outside it (`--audit-checkpoints DIR`, default
//! `DATA/audit-checkpoints`), so that someone who rewrites or truncates the database cannot
//! also rewrite what was exported.

use crate::app::AppState;
use crate::problem::ApiError;
use eseal_tlog::{Checkpoint, Tree};
use std::path::Path;

/// The audit log's name in its checkpoints.
pub const ORIGIN: &str = "eseal/audit";

/// Appends the entries written since `tree` was last fed, and if the log grew, signs, stores
/// and exports a checkpoint. Returns the new checkpoint's note, if one was made.
pub async fn checkpoint_once(
    s: &AppState,
    tree: &mut Tree,
    dir: &Path,
) -> Result<Option<String>, ApiError> {
    let before = tree.size();
    loop {
        let page = s.store().audit_log(tree.size() as i64, 10_000).await?;
        if page.is_empty() {
            break;
        }
        for e in page {
            if e.seq != tree.size() as i64 {
                return Err(ApiError::internal(format!(
                    "audit log: entry {} where {} was due",
                    e.seq,
                    tree.size()
                )));
            }
            tree.push(e.leaf().as_bytes());
        }
    }
    if tree.size() == before && before > 0 {
        return Ok(None);
    }
    let checkpoint = Checkpoint {
        origin: ORIGIN.into(),
        size: tree.size(),
        root: tree.root(),
        extensions: Vec::new(),
    };
    let note = checkpoint
        .sign(ORIGIN, &s.pki().audit_signer())
        .map_err(|e| ApiError::internal(e.to_string()))?;
    // Outside the database first: a checkpoint in the table but not exported is what a
    // crash here could leave, never the reverse.
    std::fs::create_dir_all(dir)
        .map_err(|e| ApiError::internal(format!("{}: {e}", dir.display())))?;
    let file = dir.join(format!("{:012}.checkpoint", tree.size()));
    if !file.exists() {
        std::fs::write(&file, &note)
            .map_err(|e| ApiError::internal(format!("{}: {e}", file.display())))?;
    }
    s.store()
        .put_audit_checkpoint(tree.size() as i64, &note, s.now())
        .await?;
    Ok(Some(note))
}

/// Makes a checkpoint every `every` while the log grows, until the process ends.
pub async fn checkpoint_worker(s: AppState, every: std::time::Duration, dir: std::path::PathBuf) {
    let mut tree = Tree::new();
    loop {
        if let Err(e) = checkpoint_once(&s, &mut tree, &dir).await {
            eprintln!("audit checkpoint: {}", e.detail);
            tree = Tree::new();
        }
        tokio::time::sleep(every).await;
    }
}
