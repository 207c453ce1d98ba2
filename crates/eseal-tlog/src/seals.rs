//! The public seal log's leaf format and the offline check of a seal's inclusion proof
//! (`eseal verify --transparency`, archive packages): no store, no network.

use crate::{CheckpointError, ProofError};
use serde::{Deserialize, Serialize};

/// The origin line of the seal log's checkpoints.
pub const SEALS_ORIGIN: &str = "eseal/seals";

/// One entry of the seal log; its canonical JSON (fields in this order) is the Merkle leaf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SealEntry {
    /// Position in the log, from 0, without gaps.
    pub seq: i64,
    /// Unix seconds of the write.
    pub at: i64,
    /// `made` (the record inserted), `updated` (renewed, re-keyed) or `revoked`.
    pub event: String,
    /// The seal ID (esID).
    pub seal_id: String,
    /// The seal record's version after the write.
    pub version: i64,
    /// `official`, `personal` or `position`.
    pub kind: String,
    /// `active`, or `revoked:<reason>`.
    pub state: String,
    /// SM3 (hex) of the seal data (DER SES_Seal) now bound.
    pub seal_sm3: String,
    /// Serial of the bound certificate.
    pub certificate_serial: String,
    /// Validity start and end (Unix seconds).
    pub valid_from: i64,
    /// Validity end.
    pub valid_to: i64,
}

/// Why a leaf is not a seal entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LeafError {
    /// Not the JSON of a seal entry.
    #[error("not a seal entry: {0}")]
    NotAnEntry(String),
    /// Parses, but is not the canonical text.
    #[error("not in canonical form")]
    NotCanonical,
}

impl LeafError {
    /// The error in Chinese.
    pub fn zh(&self) -> String {
        match self {
            Self::NotAnEntry(_) => "不是印章日志条目".to_owned(),
            Self::NotCanonical => "不是规范格式".to_owned(),
        }
    }
}

impl SealEntry {
    /// The leaf text (canonical JSON).
    pub fn leaf(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses a leaf, refusing any text that is not exactly the canonical form.
    pub fn parse(leaf: &str) -> Result<Self, LeafError> {
        let e: Self =
            serde_json::from_str(leaf).map_err(|e| LeafError::NotAnEntry(e.to_string()))?;
        if e.leaf() != leaf {
            return Err(LeafError::NotCanonical);
        }
        Ok(e)
    }
}

/// What a relying party keeps beside a signed document (or fetches): a seal's entries in the
/// seal log, each with its inclusion proof in the tree of a signed checkpoint. Checked offline
/// with [`SealProof::verify`] and the log's public key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SealProof {
    /// The signed checkpoint (C2SP signed note) the proofs lead to.
    pub checkpoint: String,
    /// The seal's entries at that checkpoint, oldest first.
    pub entries: Vec<ProvenEntry>,
}

/// One entry with its audit path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProvenEntry {
    /// The leaf's index (= the entry's sequence number).
    pub index: u64,
    /// The leaf (canonical JSON of a [`SealEntry`]).
    pub leaf: String,
    /// The inclusion proof, leaf side first, hex.
    pub proof: Vec<String>,
}

/// Why a seal proof does not hold; entries are numbered from 0 in the proof's order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SealProofError {
    /// The checkpoint's signature or form.
    #[error("checkpoint: {0}")]
    Checkpoint(CheckpointError),
    /// A checkpoint of another log.
    #[error("checkpoint: of {0:?}, not {SEALS_ORIGIN:?}")]
    Origin(String),
    /// No entries.
    #[error("no entry: the seal is not in the log at this checkpoint")]
    Empty,
    /// An entry's leaf.
    #[error("entry {entry}: {error}")]
    Leaf {
        /// The entry.
        entry: usize,
        /// What is wrong with its leaf.
        error: LeafError,
    },
    /// A leaf's sequence number is not its index.
    #[error("entry {entry}: sequence number {seq} at index {index}")]
    Index {
        /// The entry.
        entry: usize,
        /// Its sequence number.
        seq: i64,
        /// The index the proof gives.
        index: u64,
    },
    /// Entries of two seals.
    #[error("entry {entry}: of seal {found}, not {expected}")]
    OtherSeal {
        /// The entry.
        entry: usize,
        /// Its seal.
        found: String,
        /// The seal of the first entry.
        expected: String,
    },
    /// Entries not oldest first.
    #[error("entry {entry}: out of order")]
    Order {
        /// The entry.
        entry: usize,
    },
    /// A proof hash that is not 32 bytes of hex.
    #[error("entry {entry}: proof hash {hash} is not 32 bytes of hex")]
    Hash {
        /// The entry.
        entry: usize,
        /// The hash's position in its proof.
        hash: usize,
    },
    /// The inclusion proof does not lead to the checkpoint's root.
    #[error("entry {entry} (index {index}): {error}")]
    Inclusion {
        /// The entry.
        entry: usize,
        /// Its index.
        index: u64,
        /// Why the proof fails.
        error: ProofError,
    },
}

impl SealProofError {
    /// The error in Chinese.
    pub fn zh(&self) -> String {
        match self {
            Self::Checkpoint(e) => format!("检查点：{}", e.zh()),
            Self::Origin(found) => {
                format!("检查点：这是日志 {found:?} 的检查点，不是 {SEALS_ORIGIN:?} 的")
            }
            Self::Empty => "没有条目：此检查点时印章不在日志中".to_owned(),
            Self::Leaf { entry, error } => format!("第 {entry} 项：{}", error.zh()),
            Self::Index { entry, seq, index } => {
                format!("第 {entry} 项：序号 {seq} 与索引 {index} 不一致")
            }
            Self::OtherSeal {
                entry,
                found,
                expected,
            } => format!("第 {entry} 项：属于印章 {found}，而不是 {expected}"),
            Self::Order { entry } => format!("第 {entry} 项：顺序错乱"),
            Self::Hash { entry, hash } => {
                format!("第 {entry} 项：证明中的第 {hash} 个哈希不是 32 字节的十六进制")
            }
            Self::Inclusion {
                entry,
                index,
                error,
            } => format!("第 {entry} 项（索引 {index}）：{}", error.zh()),
        }
    }
}

impl SealProof {
    /// Checks the checkpoint's signature by `key` and every entry's inclusion in its tree;
    /// the checkpoint and the seal's entries, or what is wrong.
    pub fn verify(
        &self,
        key: &eseal_gm::Sm2PublicKey,
    ) -> Result<(crate::Checkpoint, Vec<SealEntry>), SealProofError> {
        let cp = crate::Checkpoint::open(&self.checkpoint, SEALS_ORIGIN, key)
            .map_err(SealProofError::Checkpoint)?;
        if cp.origin != SEALS_ORIGIN {
            return Err(SealProofError::Origin(cp.origin));
        }
        if self.entries.is_empty() {
            return Err(SealProofError::Empty);
        }
        let mut out: Vec<SealEntry> = Vec::with_capacity(self.entries.len());
        for (entry, p) in self.entries.iter().enumerate() {
            let e =
                SealEntry::parse(&p.leaf).map_err(|error| SealProofError::Leaf { entry, error })?;
            if u64::try_from(e.seq).ok() != Some(p.index) {
                return Err(SealProofError::Index {
                    entry,
                    seq: e.seq,
                    index: p.index,
                });
            }
            if let Some(first) = out.first()
                && first.seal_id != e.seal_id
            {
                return Err(SealProofError::OtherSeal {
                    entry,
                    found: e.seal_id,
                    expected: first.seal_id.clone(),
                });
            }
            if out.last().is_some_and(|prev| e.seq <= prev.seq) {
                return Err(SealProofError::Order { entry });
            }
            let mut path = Vec::with_capacity(p.proof.len());
            for (hash, h) in p.proof.iter().enumerate() {
                let bytes = hex::decode(h)
                    .ok()
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .ok_or(SealProofError::Hash { entry, hash })?;
                path.push(bytes);
            }
            crate::verify_inclusion(
                &crate::leaf_hash(p.leaf.as_bytes()),
                p.index,
                cp.size,
                &path,
                &cp.root,
            )
            .map_err(|error| SealProofError::Inclusion {
                entry,
                index: p.index,
                error,
            })?;
            out.push(e);
        }
        Ok((cp, out))
    }
}
