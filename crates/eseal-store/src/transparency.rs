//! The public seal transparency log (issue 8, item 4): every write of a seal record — made,
//! renewed, re-keyed, changed (the old seal revoked as replaced), revoked — appends one entry,
//! in the same transaction, to a log of its own with its own Merkle tree, so that anyone can
//! check that a seal is registered and that the registry's history was never rewritten.
//!
//! An entry is derived from the seal record by the store itself ([`crate::Record::published`]),
//! so no code path can change a seal without publishing it. Entries carry only what a relying
//! party needs and may see: the seal ID, kind, state, the SM3 of the seal data (the DER
//! SES_Seal a signed document embeds), the certificate serial and the validity — never a
//! holder's name or identity number.

use serde::{Deserialize, Serialize};

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

impl SealEntry {
    /// The leaf text (canonical JSON).
    pub fn leaf(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses a leaf, refusing any text that is not exactly the canonical form.
    pub fn parse(leaf: &str) -> Result<Self, String> {
        let e: Self = serde_json::from_str(leaf).map_err(|e| format!("not a seal entry: {e}"))?;
        if e.leaf() != leaf {
            return Err("not in canonical form".into());
        }
        Ok(e)
    }
}

/// The logs the store keeps, each with its own tree and checkpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Log {
    /// The audit log (operators and auditors).
    Audit,
    /// The public seal transparency log.
    Seals,
}

impl Log {
    /// The log's name in its signed checkpoints.
    pub fn origin(self) -> &'static str {
        match self {
            Log::Audit => "eseal/audit",
            Log::Seals => "eseal/seals",
        }
    }

    pub(crate) fn table(self) -> &'static str {
        match self {
            Log::Audit => "audit_log",
            Log::Seals => "seal_log",
        }
    }

    pub(crate) fn checkpoints(self) -> &'static str {
        match self {
            Log::Audit => "audit_checkpoints",
            Log::Seals => "seal_checkpoints",
        }
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

impl SealProof {
    /// Checks the checkpoint's signature by `key` and every entry's inclusion in its tree;
    /// the checkpoint and the seal's entries, or what is wrong.
    pub fn verify(
        &self,
        key: &eseal_gm::Sm2PublicKey,
    ) -> Result<(eseal_tlog::Checkpoint, Vec<SealEntry>), String> {
        let origin = Log::Seals.origin();
        let cp = eseal_tlog::Checkpoint::open(&self.checkpoint, origin, key)
            .map_err(|e| format!("checkpoint: {e}"))?;
        if cp.origin != origin {
            return Err(format!("checkpoint: of {:?}, not {origin:?}", cp.origin));
        }
        if self.entries.is_empty() {
            return Err("no entry: the seal is not in the log at this checkpoint".into());
        }
        let mut out = Vec::with_capacity(self.entries.len());
        let mut seal_id: Option<String> = None;
        for (i, p) in self.entries.iter().enumerate() {
            let e = SealEntry::parse(&p.leaf).map_err(|why| format!("entry {i}: {why}"))?;
            if e.seq < 0 || e.seq as u64 != p.index {
                return Err(format!(
                    "entry {i}: sequence number {} at index {}",
                    e.seq, p.index
                ));
            }
            if let Some(id) = &seal_id
                && *id != e.seal_id
            {
                return Err(format!("entry {i}: of seal {}, not {id}", e.seal_id));
            }
            seal_id = Some(e.seal_id.clone());
            if let Some(prev) = out.last().map(|x: &SealEntry| x.seq)
                && e.seq <= prev
            {
                return Err(format!("entry {i}: out of order"));
            }
            let mut path = Vec::with_capacity(p.proof.len());
            for (k, h) in p.proof.iter().enumerate() {
                let bytes = hex::decode(h)
                    .ok()
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .ok_or_else(|| format!("entry {i}: proof hash {k} is not 32 bytes of hex"))?;
                path.push(bytes);
            }
            eseal_tlog::verify_inclusion(
                &eseal_tlog::leaf_hash(p.leaf.as_bytes()),
                p.index,
                cp.size,
                &path,
                &cp.root,
            )
            .map_err(|e| format!("entry {i} (index {}): {e}", p.index))?;
            out.push(e);
        }
        Ok((cp, out))
    }
}
