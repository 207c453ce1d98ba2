//! Backup, verification and restore of a whole installation (issue 21; R-SEC-3, R-KEEP-1,
//! R-AUDIT-1): docs/operations.md says how they are run.
//!
//! An archive ([`container`]) holds, in this order:
//!
//! 1. `database.jsonl` — every table as of one instant (`eseal_store::dump`: SQLite's read
//!    transaction or PostgreSQL's repeatable-read snapshot; the service goes on signing);
//! 2. `data/…` — the data directory's keys (`keys/data.key`, or the HSM-wrapped
//!    `keys/data.key.hsm`) and PKI (`pki/…`: CA, maker, TSA and log keys and certificates,
//!    `ca.json`, CRLs), read *after* the snapshot began, so that the CA's serial counter is
//!    never behind a certificate the database holds;
//! 3. `checkpoints/…` — the exported checkpoint files of both logs up to the snapshot's
//!    sizes (a newer one would make the restored service refuse to start);
//! 4. `manifest.json` — the SM3 and size of every part above, each table's row count, both
//!    logs' sizes and Merkle roots recomputed from the copy, and the newest signed
//!    checkpoint each copy holds, checked against those roots;
//! 5. `manifest.sig` — an SM2 signature over the manifest by the log key (the key that
//!    signs the checkpoints, `pki/audit.key`).
//!
//! `verify` decrypts everything, recomputes every digest, the roots and the checkpoints'
//! signatures, and checks the manifest's signature (with the log key given, or the archive's
//! own `audit-key.pem`, said as such). `restore` verifies first, then writes into an empty
//! data directory (and an empty database when one is named) — a failure leaves the target
//! empty again — and audits the restore in the restored log.

pub mod container;
mod restore;
pub mod rotate;
pub mod schedule;
pub mod shares;
mod verify;

pub use restore::{Restored, Target, restore};
pub use verify::{SignedBy, Verified, verify};

use crate::failure::{Failure, Kind};
use container::{ArchiveWriter, BackupKey, OpenError};
use eseal_core::Text;
use eseal_gm::provider::Sm2Signer;
use eseal_store::Store;
use eseal_store::dump::{Table, Value};
use eseal_store::transparency::Log;
use eseal_tlog::Tree;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

/// The name of the database copy in an archive.
pub const DATABASE_PART: &str = "database.jsonl";
/// The manifest.
pub const MANIFEST_PART: &str = "manifest.json";
/// The manifest's signature.
pub const SIGNATURE_PART: &str = "manifest.sig";
/// The file name suffix of archives.
pub const SUFFIX: &str = ".esbk";

/// One part as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    /// Its name in the archive.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its SM3, hex.
    pub sm3: String,
}

/// A log's state in the copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogState {
    /// The log's origin (`eseal/audit`, `eseal/seals`).
    pub origin: String,
    /// Its entries (archived audit entries included).
    pub size: u64,
    /// Its SM3 Merkle root, hex.
    pub root: String,
    /// The size of the newest signed checkpoint stored in the copy (checked against the
    /// root), if any.
    pub checkpoint: Option<u64>,
}

/// What an archive holds, signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The manifest's version (1).
    pub format: u32,
    /// When the backup was made (RFC 3339).
    pub created: String,
    /// The eseal version that made it.
    pub eseal: String,
    /// The engine the database copy came from.
    pub backend: String,
    /// Its schema version (migrations applied).
    pub schema: i64,
    /// (table, rows).
    pub tables: Vec<(String, u64)>,
    /// The audit log and the seal log.
    pub logs: Vec<LogState>,
    /// Every part before the manifest, in order.
    pub parts: Vec<Part>,
    /// Where the data key is: `file`, `hsm` (wrapped; the same HSM is needed to restore)
    /// or `environment` (not in the archive: keep it with the backup's key).
    pub data_key: String,
    /// The SM3 of the log key's public key (SubjectPublicKeyInfo DER; `pki/audit-key.pem`).
    pub log_key: String,
}

impl Manifest {
    /// A log's state by origin.
    pub fn log(&self, log: Log) -> Option<&LogState> {
        self.logs.iter().find(|l| l.origin == log.origin())
    }
}

pub(crate) fn failure(code: &'static str, zh: String, en: String) -> Failure {
    Failure::new(Kind::Invalid, code, Text::new(zh, en))
}

/// An archive that cannot be opened, said in words.
pub(crate) fn open_failure(path: &Path, e: OpenError) -> Failure {
    let p = path.display();
    match e {
        OpenError::NotArchive(why) => failure(
            "backup_invalid",
            format!("{p} 不是可读的 eseal 备份归档：{why}"),
            format!("{p} is not a readable eseal backup archive: {why}"),
        ),
        OpenError::WrongKey { archive, given } => failure(
            "backup_wrong_key",
            format!(
                "{p} 是用备份密钥 {archive} 加密的，给出的备份密钥是 {given}：请用制作该备份时的密钥（或足够的密钥份额）"
            ),
            format!(
                "{p} was made with backup key {archive}, the key given is {given}: use the key (or enough of its shares) the backup was made with"
            ),
        ),
        OpenError::Damaged(why) => failure(
            "backup_invalid",
            format!("{p} 的头部被改动或损坏：{why}"),
            format!("{p}: its header was changed or damaged: {why}"),
        ),
    }
}

fn io_failure(what: &Path, e: impl std::fmt::Display) -> Failure {
    failure(
        "backup_failed",
        format!("{}：{e}", what.display()),
        format!("{}: {e}", what.display()),
    )
}

/// The logs' trees and stored checkpoints, rebuilt from the rows of a copy as they pass
/// (the same code at backup and at verification).
#[derive(Debug, Default)]
pub(crate) struct Logs {
    pub audit: Tree,
    pub seals: Tree,
    pub checkpoints: Vec<(Log, u64, String)>,
    pub error: Option<String>,
}

impl eseal_store::dump::Tap for Logs {
    fn see(&mut self, t: &Table, row: &[Value]) {
        self.see_row(t, row);
    }
}

impl Logs {
    pub fn see_row(&mut self, t: &Table, row: &[Value]) {
        if self.error.is_some() {
            return;
        }
        let col = |name: &str| t.column(name).and_then(|i| row.get(i));
        let seq = col("seq").and_then(Value::as_int);
        let r = match t.table.as_str() {
            "audit_archived" => {
                let hash = col("leaf_hash")
                    .and_then(Value::as_text)
                    .and_then(|h| hex::decode(h).ok())
                    .and_then(|b| <[u8; 32]>::try_from(b).ok());
                Self::next(&self.audit, seq, "audit_archived").and_then(|()| {
                    hash.map(|h| {
                        self.audit.push_hash(h);
                    })
                    .ok_or_else(|| format!("audit_archived {seq:?}: not a leaf hash"))
                })
            }
            "audit_log" | "seal_log" => {
                let tree = if t.table == "audit_log" {
                    &mut self.audit
                } else {
                    &mut self.seals
                };
                let leaf = col("leaf").and_then(Value::as_text);
                Self::next(tree, seq, &t.table).and_then(|()| {
                    leaf.map(|l| {
                        tree.push(l.as_bytes());
                    })
                    .ok_or_else(|| format!("{} {seq:?}: no leaf", t.table))
                })
            }
            "audit_checkpoints" | "seal_checkpoints" => {
                let log = if t.table == "audit_checkpoints" {
                    Log::Audit
                } else {
                    Log::Seals
                };
                match (
                    col("size").and_then(Value::as_int),
                    col("note").and_then(Value::as_text),
                ) {
                    (Some(size), Some(note)) => {
                        self.checkpoints
                            .push((log, size.max(0) as u64, note.to_owned()));
                        Ok(())
                    }
                    _ => Err(format!("{}: a row without size or note", t.table)),
                }
            }
            _ => Ok(()),
        };
        if let Err(e) = r {
            self.error = Some(e);
        }
    }

    fn next(tree: &Tree, seq: Option<i64>, table: &str) -> Result<(), String> {
        match seq {
            Some(s) if s == tree.size() as i64 => Ok(()),
            Some(s) => Err(format!("{table}: entry {s} where {} was due", tree.size())),
            None => Err(format!("{table}: a row without seq")),
        }
    }

    fn tree(&self, log: Log) -> &Tree {
        match log {
            Log::Audit => &self.audit,
            Log::Seals => &self.seals,
        }
    }

    /// Checks the newest stored checkpoint of each log against the tree (signature with
    /// `key`, root at its size), and gives the logs' states.
    pub fn states(&self, key: &eseal_gm::Sm2PublicKey) -> Result<Vec<LogState>, (String, String)> {
        if let Some(e) = &self.error {
            return Err((
                format!("数据库副本中的日志不连续：{e}"),
                format!("the logs in the database copy are not contiguous: {e}"),
            ));
        }
        let mut out = Vec::new();
        for log in [Log::Audit, Log::Seals] {
            let tree = self.tree(log);
            let newest = self
                .checkpoints
                .iter()
                .filter(|(l, _, _)| *l == log)
                .max_by_key(|(_, s, _)| *s);
            if let Some((_, size, note)) = newest {
                let cp = eseal_tlog::Checkpoint::open(note, log.origin(), key).map_err(|e| {
                    (
                        format!(
                            "{} 的检查点 {size} 用日志密钥验证不通过：{}",
                            log.origin(),
                            e.zh()
                        ),
                        format!(
                            "{}: checkpoint {size} does not verify with the log key: {e}",
                            log.origin()
                        ),
                    )
                })?;
                let root = tree.root_at(cp.size).map_err(|_| {
                    (
                        format!(
                            "{}：副本只有 {} 条记录，少于其检查点的 {}",
                            log.origin(),
                            tree.size(),
                            cp.size
                        ),
                        format!(
                            "{}: the copy holds {} entries, fewer than its checkpoint's {}",
                            log.origin(),
                            tree.size(),
                            cp.size
                        ),
                    )
                })?;
                if root != cp.root {
                    return Err((
                        format!(
                            "{}：副本的前 {} 条记录与已签名的检查点不一致",
                            log.origin(),
                            cp.size
                        ),
                        format!(
                            "{}: the copy's first {} entries do not match its signed checkpoint",
                            log.origin(),
                            cp.size
                        ),
                    ));
                }
            }
            out.push(LogState {
                origin: log.origin().into(),
                size: tree.size(),
                root: hex::encode(tree.root()),
                checkpoint: newest.map(|(_, s, _)| *s),
            });
        }
        Ok(out)
    }
}

/// What a backup is made from.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// The database.
    pub store: &'a Store,
    /// The data directory (keys, PKI).
    pub data: &'a Path,
    /// The checkpoint directory (`--audit-checkpoints`, default `DATA/audit-checkpoints`).
    pub checkpoints: &'a Path,
}

/// A backup made.
#[derive(Debug, Clone)]
pub struct Created {
    /// The archive.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Its SM3, hex.
    pub sm3: String,
    /// Its manifest.
    pub manifest: Manifest,
}

/// The data directory's files that go into a backup, as (name in the archive, path):
/// `keys/` and `pki/` whole, and the simulators' state files.
fn data_files(data: &Path) -> Result<Vec<(String, PathBuf)>, Failure> {
    let mut out = Vec::new();
    for sub in ["keys", "pki"] {
        let dir = data.join(sub);
        if !dir.exists() {
            continue;
        }
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .map_err(|e| io_failure(&dir, e))?
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| !n.starts_with('.') && safe_name(n))
            .collect();
        names.sort();
        out.extend(
            names
                .into_iter()
                .map(|n| (format!("data/{sub}/{n}"), dir.join(&n))),
        );
    }
    for f in ["police-sim.json"] {
        if data.join(f).is_file() {
            out.push((format!("data/{f}"), data.join(f)));
        }
    }
    Ok(out)
}

/// A file name a restore may write: letters, digits, `.`, `-`, `_`, not starting with `.`.
pub(crate) fn safe_name(n: &str) -> bool {
    !n.is_empty()
        && !n.starts_with('.')
        && n.len() <= 255
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// The exported checkpoint files of `log` up to `size`, as (name in the archive, path).
fn checkpoint_files(dir: &Path, log: Log, size: u64) -> Vec<(String, PathBuf)> {
    let d = crate::files::checkpoint_dir(dir, log);
    let Ok(entries) = std::fs::read_dir(&d) else {
        return Vec::new();
    };
    let prefix = match log {
        Log::Audit => "checkpoints/",
        Log::Seals => "checkpoints/seals/",
    };
    let mut out: Vec<(u64, String, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let n = name.strip_suffix(".checkpoint")?.parse::<u64>().ok()?;
            (n <= size && safe_name(&name)).then(|| (n, format!("{prefix}{name}"), e.path()))
        })
        .collect();
    out.sort();
    out.into_iter().map(|(_, n, p)| (n, p)).collect()
}

enum Msg {
    Begin(String),
    Data(Vec<u8>),
    Parts(tokio::sync::oneshot::Sender<Vec<Part>>),
    Finish,
}

/// Makes a backup of `src` into `out` (a new file: never over an existing one), encrypted
/// for `key` and signed by `signer` (the log key), and audits it. The database is read in
/// one snapshot while the service goes on; compression, encryption and writing run on a
/// blocking thread, fed through a bounded channel.
pub async fn create(
    src: Source<'_>,
    key: &BackupKey,
    signer: &(dyn Sm2Signer + Send + Sync),
    out: &Path,
    now: OffsetDateTime,
) -> Result<Created, Failure> {
    let created = now
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|e| Failure::internal(e.to_string()))?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Msg>(16);
    let path = out.to_path_buf();
    let key_copy = BackupKey::from_bytes(*key.bytes());
    let header_created = created.clone();
    let writer = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        crate::files::put(&path, crate::files::Put::Once, true, |f| {
            let buf = std::io::BufWriter::with_capacity(1 << 20, f);
            let mut w = ArchiveWriter::new(
                buf,
                &key_copy,
                &eseal_gm::provider::OsRandom,
                &header_created,
            )?;
            loop {
                match rx.blocking_recv() {
                    Some(Msg::Begin(n)) => w.begin(&n)?,
                    Some(Msg::Data(d)) => w.write(&d)?,
                    Some(Msg::Parts(reply)) => {
                        w.end()?;
                        let parts = w
                            .parts
                            .iter()
                            .map(|(n, s, h)| Part {
                                name: n.clone(),
                                size: *s,
                                sm3: h.clone(),
                            })
                            .collect();
                        let _ = reply.send(parts);
                    }
                    Some(Msg::Finish) => {
                        let mut buf = w.finish()?;
                        std::io::Write::flush(&mut buf)?;
                        return Ok(());
                    }
                    None => {
                        return Err(std::io::Error::other(
                            "the backup stopped before it was complete",
                        ));
                    }
                }
            }
        })
    });
    let fed = feed(src, signer, &created, &tx).await;
    if fed.is_err() {
        drop(tx);
        let _ = writer.await;
        return Err(fed.err().unwrap_or_else(|| Failure::internal("backup")));
    }
    let manifest = fed?;
    let _ = tx.send(Msg::Finish).await;
    drop(tx);
    writer
        .await
        .map_err(|e| Failure::internal(e.to_string()))?
        .map_err(|e| io_failure(out, e))?;
    let bytes = std::fs::metadata(out)
        .map_err(|e| io_failure(out, e))?
        .len();
    let sm3 = container::file_sm3(out)
        .map_err(|e| io_failure(out, e))?
        .to_hex();
    let outcome = format!(
        "ok size={bytes} sm3={} key={} {}",
        sm3.get(..16).unwrap_or(&sm3),
        key.id(),
        log_outcome(&manifest)
    );
    let name = out
        .file_name()
        .map_or_else(|| out.display().to_string(), |n| n.to_string_lossy().into());
    src.store
        .commit(
            eseal_store::Batch::new().event(
                eseal_store::audit::Event::BackupCreate,
                &name,
                &outcome,
            ),
            now,
        )
        .await?;
    Ok(Created {
        path: out.to_path_buf(),
        bytes,
        sm3,
        manifest,
    })
}

/// The file name of an archive made at `now`: `eseal-20261206T093000.123Z.esbk` (sorts by
/// time; milliseconds, so that frequent backups never collide).
pub fn file_name(now: OffsetDateTime) -> String {
    let t = now.to_offset(time::UtcOffset::UTC);
    format!(
        "eseal-{:04}{:02}{:02}T{:02}{:02}{:02}.{:03}Z{SUFFIX}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// `audit=N seals=M` of a manifest, for log lines and audit outcomes.
pub fn log_outcome(m: &Manifest) -> String {
    let size = |log| m.log(log).map_or(0, |l| l.size);
    format!("audit={} seals={}", size(Log::Audit), size(Log::Seals))
}

async fn send(tx: &tokio::sync::mpsc::Sender<Msg>, m: Msg) -> Result<(), Failure> {
    tx.send(m)
        .await
        .map_err(|_| Failure::internal("the backup writer stopped (see the error above)"))
}

/// Sends every part to the writer and returns the manifest (sent too, with its signature).
async fn feed(
    src: Source<'_>,
    signer: &(dyn Sm2Signer + Send + Sync),
    created: &str,
    tx: &tokio::sync::mpsc::Sender<Msg>,
) -> Result<Manifest, Failure> {
    // 1. The database, in one snapshot; the logs rebuilt from the rows as they pass.
    send(tx, Msg::Begin(DATABASE_PART.into())).await?;
    let (ptx, mut prx) = tokio::sync::mpsc::channel::<Vec<u8>>(8);
    let mut logs = Logs::default();
    let forward = async {
        while let Some(piece) = prx.recv().await {
            send(tx, Msg::Data(piece)).await?;
        }
        Ok::<(), Failure>(())
    };
    let (summary, forwarded) = tokio::join!(src.store.dump(ptx, &mut logs), forward);
    forwarded?;
    let summary = summary?;
    let log_key = signer.public_key();
    let states = logs.states(&log_key).map_err(|(zh, en)| {
        failure(
            "backup_failed",
            format!("备份未完成：{zh}"),
            format!("the backup was not made: {en}"),
        )
    })?;
    // 2. The data directory's keys and PKI, read after the snapshot began.
    let files = data_files(src.data)?;
    for (name, path) in &files {
        let bytes = std::fs::read(path).map_err(|e| io_failure(path, e))?;
        send(tx, Msg::Begin(name.clone())).await?;
        send(tx, Msg::Data(bytes)).await?;
    }
    // 3. The checkpoint files the copy reaches.
    for log in [Log::Audit, Log::Seals] {
        let size = states
            .iter()
            .find(|s| s.origin == log.origin())
            .map_or(0, |s| s.size);
        for (name, path) in checkpoint_files(src.checkpoints, log, size) {
            let bytes = std::fs::read(&path).map_err(|e| io_failure(&path, e))?;
            send(tx, Msg::Begin(name)).await?;
            send(tx, Msg::Data(bytes)).await?;
        }
    }
    // 4. The manifest and its signature.
    let (rtx, rrx) = tokio::sync::oneshot::channel();
    send(tx, Msg::Parts(rtx)).await?;
    let parts = rrx
        .await
        .map_err(|_| Failure::internal("the backup writer stopped"))?;
    let data_key = if files.iter().any(|(n, _)| n == "data/keys/data.key.hsm") {
        "hsm"
    } else if files.iter().any(|(n, _)| n == "data/keys/data.key") {
        "file"
    } else {
        "environment"
    };
    let log_key_der = log_key
        .to_spki_der()
        .map_err(|e| Failure::internal(e.to_string()))?;
    let manifest = Manifest {
        format: 1,
        created: created.to_owned(),
        eseal: env!("CARGO_PKG_VERSION").into(),
        backend: summary.backend,
        schema: summary.schema,
        tables: summary.tables,
        logs: states,
        parts,
        data_key: data_key.into(),
        log_key: eseal_gm::Sm3Digest::of(&log_key_der).to_hex(),
    };
    let text =
        serde_json::to_vec_pretty(&manifest).map_err(|e| Failure::internal(e.to_string()))?;
    let sig = signer
        .sign(&text)
        .map_err(|e| Failure::internal(e.to_string()))?;
    send(tx, Msg::Begin(MANIFEST_PART.into())).await?;
    send(tx, Msg::Data(text)).await?;
    send(tx, Msg::Begin(SIGNATURE_PART.into())).await?;
    send(tx, Msg::Data(sig.to_der())).await?;
    Ok(manifest)
}
