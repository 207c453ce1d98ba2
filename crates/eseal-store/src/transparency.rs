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

pub use eseal_tlog::seals::{LeafError, ProvenEntry, SealEntry, SealProof, SealProofError};

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
            Log::Audit => eseal_tlog::audit::AUDIT_ORIGIN,
            Log::Seals => eseal_tlog::seals::SEALS_ORIGIN,
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
