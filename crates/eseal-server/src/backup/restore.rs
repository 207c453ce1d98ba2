//! `eseal backup restore`: an archive put back into an empty data directory (and an empty
//! database), all or nothing.

use super::container::{ArchiveReader, BackupKey};
use super::{DATABASE_PART, MANIFEST_PART, Manifest, Part, SIGNATURE_PART, failure, safe_name};
use crate::failure::{Failure, Kind};
use eseal_core::Text;
use eseal_gm::Sm2PublicKey;
use eseal_store::Store;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

/// Where a restore goes.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The data directory: absent or empty.
    pub data: &'a Path,
    /// A PostgreSQL URL (empty database or schema); `None`: SQLite in `data`.
    pub database: Option<&'a str>,
    /// The PostgreSQL schema.
    pub schema: Option<&'a str>,
}

/// A restore done.
#[derive(Debug, Clone)]
pub struct Restored {
    /// The archive's manifest.
    pub manifest: Manifest,
    /// The files written into the data directory.
    pub files: Vec<PathBuf>,
    /// The rows loaded.
    pub rows: u64,
}

fn refused(zh: String, en: String) -> Failure {
    Failure::new(Kind::Conflict, "backup_refused", Text::new(zh, en))
}

/// What `dir` holds (up to 5 names, and the count), or `None` if absent or empty.
fn contents(dir: &Path) -> Result<Option<String>, Failure> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(None);
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    if names.is_empty() {
        return Ok(None);
    }
    names.sort();
    let n = names.len();
    names.truncate(5);
    Ok(Some(format!(
        "{}{}",
        names.join(", "),
        if n > 5 {
            format!(" … ({n})")
        } else {
            String::new()
        }
    )))
}

/// Where a part goes in the data directory.
fn destination(data: &Path, name: &str) -> Option<PathBuf> {
    let (base, rest) = if let Some(r) = name.strip_prefix("data/") {
        (data.to_path_buf(), r)
    } else if let Some(r) = name.strip_prefix("checkpoints/") {
        (data.join("audit-checkpoints"), r)
    } else {
        return None;
    };
    let mut p = base;
    for c in rest.split('/') {
        if !safe_name(c) {
            return None;
        }
        p.push(c);
    }
    Some(p)
}

/// Restores the archive at `path` (verified first, whole) into `target`, which must be
/// empty: the data directory's files, the checkpoint files (into `DATA/audit-checkpoints`)
/// and the database in one transaction, committed only once every file is written and every
/// part matched the manifest again; on any failure the target is left empty. The restore is
/// audited in the restored log (actor: the caller's `ACTOR`).
pub async fn restore(
    path: &Path,
    key: &BackupKey,
    log_key: Option<&Sm2PublicKey>,
    target: Target<'_>,
    now: OffsetDateTime,
) -> Result<Restored, Failure> {
    // 1. The target must be empty: say what is there.
    if let Some(found) = contents(target.data)? {
        return Err(refused(
            format!(
                "{} 不是空目录（有 {found}）：只恢复到空目录，绝不覆盖现有数据",
                target.data.display()
            ),
            format!(
                "{} is not empty ({found}): a restore only goes into an empty directory and never overwrites",
                target.data.display()
            ),
        ));
    }
    // 2. The whole archive verified before anything is written.
    let verified = {
        let (p, k) = (path.to_path_buf(), BackupKey::from_bytes(*key.bytes()));
        let lk = log_key.cloned();
        crate::work::run(crate::work::Lane::Verify, move || {
            super::verify(&p, &k, lk.as_ref())
        })
        .await??
    };
    let created_dir = !target.data.exists();
    crate::files::private_dir(target.data)
        .map_err(|e| Failure::internal(format!("{}: {e}", target.data.display())))?;
    let result = put_back(path, key, &verified, target, now).await;
    if result.is_err() {
        // Leave the target as it was: empty (the database was never committed).
        if let Ok(entries) = std::fs::read_dir(target.data) {
            for e in entries.filter_map(Result::ok) {
                let p = e.path();
                let _ = if p.is_dir() {
                    std::fs::remove_dir_all(&p)
                } else {
                    std::fs::remove_file(&p)
                };
            }
        }
        if created_dir {
            let _ = std::fs::remove_dir(target.data);
        }
    }
    result
}

async fn put_back(
    path: &Path,
    key: &BackupKey,
    verified: &super::Verified,
    target: Target<'_>,
    now: OffsetDateTime,
) -> Result<Restored, Failure> {
    let store = match (target.database, target.schema) {
        (Some(url), Some(schema)) => Store::open_postgres_in_schema(url, schema).await?,
        (Some(url), None) => Store::open_url(url).await?,
        (None, _) => Store::open_sqlite(target.data).await?,
    };
    let occupied = store.occupied().await?;
    if !occupied.is_empty() {
        let what = occupied
            .iter()
            .take(5)
            .map(|(t, n)| format!("{t} ({n})"))
            .collect::<Vec<_>>()
            .join(", ");
        store.close().await;
        return Err(refused(
            format!("目标数据库不是空的（有 {what}）：只恢复到空数据库"),
            format!(
                "the target database is not empty ({what}): a restore only goes into an empty database"
            ),
        ));
    }
    let (dtx, drx) = tokio::sync::mpsc::channel::<Vec<u8>>(8);
    let (gate_tx, gate_rx) = tokio::sync::oneshot::channel::<bool>();
    let (p, k) = (path.to_path_buf(), BackupKey::from_bytes(*key.bytes()));
    let data = target.data.to_path_buf();
    let expected = verified.clone();
    let writer = tokio::task::spawn_blocking(move || {
        let r = write_parts(&p, &k, &expected, &data, &dtx);
        drop(dtx);
        let _ = gate_tx.send(r.is_ok());
        r
    });
    let loaded = store
        .load_then(drx, async move { gate_rx.await.unwrap_or(false) })
        .await;
    let written = writer.await.map_err(|e| Failure::internal(e.to_string()))?;
    let files = match (written, loaded) {
        (Err(e), _) => {
            store.close().await;
            return Err(e);
        }
        (Ok(_), Err(e)) => {
            store.close().await;
            return Err(failure(
                "backup_failed",
                format!("数据库副本无法载入：{e}"),
                format!("the database copy could not be loaded: {e}"),
            ));
        }
        (Ok(files), Ok(_)) => files,
    };
    let rows = verified.manifest.tables.iter().map(|(_, n)| *n).sum();
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into(),
    );
    store
        .commit(
            eseal_store::Batch::new().event(
                eseal_store::audit::Event::BackupRestore,
                &name,
                &format!(
                    "ok created={} key={} rows={rows} {}",
                    verified.manifest.created,
                    key.id(),
                    super::log_outcome(&verified.manifest)
                ),
            ),
            now,
        )
        .await?;
    store.close().await;
    Ok(Restored {
        manifest: verified.manifest.clone(),
        files,
        rows,
    })
}

/// The second pass: the same archive (its header must be the one verified), the database
/// copy sent to the loader, the files written, every part's digest compared with the
/// verified manifest again.
fn write_parts(
    path: &Path,
    key: &BackupKey,
    verified: &super::Verified,
    data: &Path,
    db: &tokio::sync::mpsc::Sender<Vec<u8>>,
) -> Result<Vec<PathBuf>, Failure> {
    let damaged = |e: std::io::Error| {
        failure(
            "backup_invalid",
            format!(
                "{}：恢复时读取失败：{}",
                path.display(),
                eseal_core::error::io_zh(&e)
            ),
            format!("{}: reading it for the restore failed: {e}", path.display()),
        )
    };
    let file = std::fs::File::open(path).map_err(damaged)?;
    let mut archive = ArchiveReader::open(std::io::BufReader::with_capacity(1 << 20, file), key)
        .map_err(|e| super::open_failure(path, e))?;
    if archive.header.wrapped != verified.header.wrapped
        || archive.header.nonce != verified.header.nonce
    {
        return Err(failure(
            "backup_invalid",
            format!("{} 在验证之后被替换", path.display()),
            format!("{} was replaced after it was verified", path.display()),
        ));
    }
    let mut written = Vec::new();
    let mut parts = Vec::new();
    while let Some(name) = archive.next_part().map_err(damaged)? {
        if name == MANIFEST_PART || name == SIGNATURE_PART {
            continue;
        }
        let mut hash = eseal_gm::Sm3Hasher::new();
        let mut size = 0u64;
        if name == DATABASE_PART {
            let mut stopped = false;
            while archive
                .segment(&mut |b| {
                    hash.update(b);
                    size += b.len() as u64;
                    if !stopped && db.blocking_send(b.to_vec()).is_err() {
                        stopped = true;
                    }
                    Ok(())
                })
                .map_err(damaged)?
            {}
        } else {
            let dest = destination(data, &name).ok_or_else(|| {
                failure(
                    "backup_invalid",
                    format!("部分名 {name} 不能写入数据目录"),
                    format!("part name {name} cannot be written into the data directory"),
                )
            })?;
            let bytes = archive.read_part(64 << 20).map_err(damaged)?;
            hash.update(&bytes);
            size = bytes.len() as u64;
            if let Some(dir) = dest.parent() {
                crate::files::private_dir(dir)
                    .map_err(|e| Failure::internal(format!("{}: {e}", dir.display())))?;
            }
            crate::files::put(&dest, crate::files::Put::Once, true, |f| {
                std::io::Write::write_all(f, &bytes)
            })
            .map_err(|e| Failure::internal(format!("{}: {e}", dest.display())))?;
            written.push(dest);
        }
        parts.push(Part {
            name,
            size,
            sm3: hash.finalize().to_hex(),
        });
    }
    if parts != verified.manifest.parts {
        return Err(failure(
            "backup_invalid",
            format!("{} 在验证之后被改动", path.display()),
            format!("{} changed after it was verified", path.display()),
        ));
    }
    Ok(written)
}
