//! The audit log's leaf format and the offline check of an exported audit log (`eseal audit
//! verify`): no store, no network — what an outside auditor runs on the files they were given.

use crate::{CheckpointError, ProofError};
use serde::{Deserialize, Serialize};

/// The origin line of the audit log's checkpoints.
pub const AUDIT_ORIGIN: &str = "eseal/audit";

/// One entry of the audit log; its canonical JSON (fields in this order) is the Merkle leaf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AuditRecord {
    /// Position in the log, from 0, without gaps.
    pub seq: i64,
    /// Unix seconds.
    pub at: i64,
    /// Who (user name, or `system`).
    pub actor: String,
    /// What: `<table>.insert`, `<table>.update`, `blobs.insert`.
    pub event: String,
    /// Which: `<table>/<id>@v<version>`, `blobs/<sm3>`.
    pub object: String,
    /// The result: the record's state column when it has one (`state=signed`), else `ok`.
    pub outcome: String,
}

impl AuditRecord {
    /// The leaf text (canonical JSON).
    pub fn leaf(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Which of the two checkpoints an export check reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// The checkpoint signed over the export.
    Signed,
    /// An earlier checkpoint kept elsewhere, which the export must extend.
    Earlier,
}

impl Which {
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Which::Signed => ("检查点", "checkpoint"),
            Which::Earlier => ("较早的检查点", "earlier checkpoint"),
        }
    }
}

/// Why an exported audit log does not hold; entries are numbered from 0 (line = entry + 1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// A checkpoint's signature or form.
    #[error("{}: {error}", .which.names().1)]
    Checkpoint {
        /// Which checkpoint.
        which: Which,
        /// What is wrong with it.
        error: CheckpointError,
    },
    /// A checkpoint of another log.
    #[error("{}: the checkpoint is of {found:?}, not {expected:?}", .which.names().1)]
    Origin {
        /// Which checkpoint.
        which: Which,
        /// The origin it names.
        found: String,
        /// The origin wanted.
        expected: String,
    },
    /// The export's last line has no newline: cut short.
    #[error("the log's last line has no newline (cut short)")]
    NoFinalNewline,
    /// An archived entry's leaf hash is not 32 bytes of hex.
    #[error("archived entry {index}: not a 32-byte hex leaf hash")]
    ArchivedHash {
        /// The entry.
        index: u64,
    },
    /// A line that is not an audit entry.
    #[error("entry {index} (line {}): not an audit entry: {why}", .index + 1)]
    NotAnEntry {
        /// The entry.
        index: u64,
        /// The parser's message (English).
        why: String,
    },
    /// A sequence number out of place.
    #[error("entry {index} (line {}): sequence number {found} where {index} was due (an entry deleted, inserted or moved)", .index + 1)]
    Sequence {
        /// The entry.
        index: u64,
        /// The number it carries.
        found: i64,
    },
    /// An entry not in canonical form.
    #[error("entry {index} (line {}): not in canonical form (changed)", .index + 1)]
    NotCanonical {
        /// The entry.
        index: u64,
    },
    /// Fewer entries than an earlier checkpoint saw.
    #[error(
        "the log has {entries} entries, fewer than the {earlier} of the earlier checkpoint (truncated)"
    )]
    Truncated {
        /// Entries in the export.
        entries: u64,
        /// Entries at the earlier checkpoint.
        earlier: u64,
    },
    /// The earlier checkpoint's prefix has another root.
    #[error(
        "the first {earlier} entries no longer have the earlier checkpoint's root (history rewritten)"
    )]
    Rewritten {
        /// Entries at the earlier checkpoint.
        earlier: u64,
    },
    /// A tree computation failed.
    #[error("{0}")]
    Tree(ProofError),
    /// The export's tree is not the signed one.
    #[error(
        "the log ({entries} entries) does not have the signed checkpoint's size {signed} and root (an entry changed, added or removed)"
    )]
    Mismatch {
        /// Entries in the export.
        entries: u64,
        /// The signed checkpoint's size.
        signed: u64,
    },
}

impl ExportError {
    /// The error in Chinese.
    pub fn zh(&self) -> String {
        match self {
            Self::Checkpoint { which, error } => format!("{}：{}", which.names().0, error.zh()),
            Self::Origin {
                which,
                found,
                expected,
            } => format!(
                "{}：这是日志 {found:?} 的检查点，不是 {expected:?} 的",
                which.names().0
            ),
            Self::NoFinalNewline => "日志的最后一行没有换行符（文件被截断）".to_owned(),
            Self::ArchivedHash { index } => {
                format!("已归档的第 {index} 项：不是 32 字节十六进制的叶子哈希")
            }
            Self::NotAnEntry { index, .. } => {
                format!("第 {index} 项（第 {} 行）：不是审计日志条目", index + 1)
            }
            Self::Sequence { index, found } => format!(
                "第 {index} 项（第 {} 行）：序号为 {found}，应为 {index}（有条目被删除、插入或移动）",
                index + 1
            ),
            Self::NotCanonical { index } => {
                format!(
                    "第 {index} 项（第 {} 行）：不是规范格式（已被改动）",
                    index + 1
                )
            }
            Self::Truncated { entries, earlier } => {
                format!("日志只有 {entries} 项，少于较早检查点的 {earlier} 项（被截断）")
            }
            Self::Rewritten { earlier } => {
                format!("前 {earlier} 项的根哈希与较早的检查点不同（历史被改写）")
            }
            Self::Tree(e) => e.zh(),
            Self::Mismatch { entries, signed } => format!(
                "日志（{entries} 项）与签名检查点的大小 {signed} 和根哈希不符（有条目被改动、增加或删除）"
            ),
        }
    }
}

fn open_checkpoint(
    note: &str,
    which: Which,
    key: &eseal_gm::Sm2PublicKey,
    origin: &str,
) -> Result<crate::Checkpoint, ExportError> {
    let cp = crate::Checkpoint::open(note, origin, key)
        .map_err(|error| ExportError::Checkpoint { which, error })?;
    if cp.origin != origin {
        return Err(ExportError::Origin {
            which,
            found: cp.origin,
            expected: origin.to_owned(),
        });
    }
    Ok(cp)
}

/// Checks an exported audit log line by line, as [`verify_export`] does: each line must be an
/// entry in canonical form with the next sequence number; [`ExportVerifier::finish`] then
/// compares the Merkle tree with the signed checkpoint(s). Cloning it keeps a prefix checked.
#[derive(Debug, Clone, Default)]
pub struct ExportVerifier {
    tree: crate::Tree,
}

impl ExportVerifier {
    /// Nothing checked yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Entries checked so far.
    pub fn size(&self) -> u64 {
        self.tree.size()
    }

    /// Takes the leaf hash (hex) of the next entry, archived (its text removed by retention):
    /// archived entries come first, and are vouched for by the export made when they were
    /// archived.
    pub fn push_archived(&mut self, hash_hex: &str) -> Result<(), ExportError> {
        let index = self.tree.size();
        let hash = hex::decode(hash_hex.trim())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or(ExportError::ArchivedHash { index })?;
        self.tree.push_hash(hash);
        Ok(())
    }

    /// Checks the next line (without its newline).
    pub fn push(&mut self, line: &str) -> Result<(), ExportError> {
        let index = self.tree.size();
        let entry: AuditRecord =
            serde_json::from_str(line).map_err(|e| ExportError::NotAnEntry {
                index,
                why: e.to_string(),
            })?;
        if u64::try_from(entry.seq).ok() != Some(index) {
            return Err(ExportError::Sequence {
                index,
                found: entry.seq,
            });
        }
        if entry.leaf() != line {
            return Err(ExportError::NotCanonical { index });
        }
        self.tree.push(line.as_bytes());
        Ok(())
    }

    /// Compares the entries checked with the signed checkpoint `note` (and an `earlier` one).
    pub fn finish(
        &self,
        note: &str,
        key: &eseal_gm::Sm2PublicKey,
        origin: &str,
        earlier: Option<&str>,
    ) -> Result<u64, ExportError> {
        let signed = open_checkpoint(note, Which::Signed, key, origin)?;
        let tree = &self.tree;
        if let Some(note) = earlier {
            let old = open_checkpoint(note, Which::Earlier, key, origin)?;
            if old.size > tree.size() {
                return Err(ExportError::Truncated {
                    entries: tree.size(),
                    earlier: old.size,
                });
            }
            let root = tree.root_at(old.size).map_err(ExportError::Tree)?;
            if root != old.root {
                return Err(ExportError::Rewritten { earlier: old.size });
            }
        }
        if signed.size != tree.size() || signed.root != tree.root() {
            return Err(ExportError::Mismatch {
                entries: tree.size(),
                signed: signed.size,
            });
        }
        Ok(tree.size())
    }
}

/// Recomputes an exported audit log offline (`eseal audit verify`): `log` holds one entry per
/// line, each in canonical form and numbered from 0 without gaps; its Merkle tree must have the
/// signed checkpoint `note`'s size and root, and (with `earlier`) extend an earlier signed
/// checkpoint kept elsewhere. The number of entries, or what is wrong, naming the first bad
/// entry.
pub fn verify_export(
    log: &str,
    note: &str,
    key: &eseal_gm::Sm2PublicKey,
    origin: &str,
    earlier: Option<&str>,
) -> Result<u64, ExportError> {
    verify_archived_export("", log, note, key, origin, earlier)
}

/// [`verify_export`] of a log whose first entries were archived: `archived` lists their leaf
/// hashes (hex, one per line), and `log`'s entries continue the numbering after them.
pub fn verify_archived_export(
    archived: &str,
    log: &str,
    note: &str,
    key: &eseal_gm::Sm2PublicKey,
    origin: &str,
    earlier: Option<&str>,
) -> Result<u64, ExportError> {
    // The signature first: a forged checkpoint is named as such, not as a bad entry.
    open_checkpoint(note, Which::Signed, key, origin)?;
    if !log.is_empty() && !log.ends_with('\n') {
        return Err(ExportError::NoFinalNewline);
    }
    let mut v = ExportVerifier::new();
    for line in archived.lines() {
        v.push_archived(line)?;
    }
    if let Some(body) = log.strip_suffix('\n') {
        for line in body.split('\n') {
            v.push(line)?;
        }
    }
    v.finish(note, key, origin, earlier)
}
