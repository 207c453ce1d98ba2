//! The audit log's entries (issue 8, item 2): every batch the store commits appends, in the
//! same transaction, one entry per record it writes and per artefact it stores — time, actor,
//! event, object, outcome and a sequence number — so a change without its audit entry cannot
//! exist (if the append fails, the change fails). Entries hold names, keys, versions and
//! state columns, never documents (no PIN, key or material can reach the log).
//!
//! The actor is whoever the serving task says it is ([`ACTOR`], set by the HTTP layer per
//! request); background work is `system`. Sequence numbers come from one row
//! (`audit_head`), updated in the appending transaction: on PostgreSQL its row lock orders
//! replicas' appends into one sequence.

use serde::{Deserialize, Serialize};

tokio::task_local! {
    /// The user on whose behalf the current task writes (the HTTP layer scopes each request).
    pub static ACTOR: String;
}

/// The actor of the current task, or `system`.
pub fn current_actor() -> String {
    ACTOR
        .try_with(Clone::clone)
        .unwrap_or_else(|_| "system".into())
}

/// One entry of the audit log; its canonical JSON (fields in this order) is the Merkle leaf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
