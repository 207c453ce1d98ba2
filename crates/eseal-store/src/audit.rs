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

/// Audited events that write no record of their own (every record write is audited as
/// `<table>.insert` / `<table>.update`, every stored artefact as `blobs.insert` /
/// `materials.insert`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A login attempt; outcome `ok` or `failed:<why>`.
    Login,
    /// An account locked after repeated failures.
    Lockout,
    /// The service started; outcome names its configuration (a changed configuration shows).
    ServiceStart,
    /// The audit log was exported (object: the export, outcome: entries and root).
    AuditExport,
    /// Audit entries were archived (removed after a signed export).
    AuditArchive,
}

impl Event {
    /// Every kind, for the coverage test.
    pub const ALL: [Event; 5] = [
        Event::Login,
        Event::Lockout,
        Event::ServiceStart,
        Event::AuditExport,
        Event::AuditArchive,
    ];

    /// The event name in the log.
    pub fn name(self) -> &'static str {
        match self {
            Event::Login => "auth.login",
            Event::Lockout => "auth.lockout",
            Event::ServiceStart => "service.start",
            Event::AuditExport => "audit.export",
            Event::AuditArchive => "audit.archive",
        }
    }
}

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

fn open_checkpoint(
    note: &str,
    what: &str,
    key: &eseal_gm::Sm2PublicKey,
    origin: &str,
) -> Result<eseal_tlog::Checkpoint, String> {
    let cp = eseal_tlog::Checkpoint::open(note, origin, key).map_err(|e| format!("{what}: {e}"))?;
    if cp.origin != origin {
        return Err(format!(
            "{what}: the checkpoint is of {:?}, not {origin:?}",
            cp.origin
        ));
    }
    Ok(cp)
}

/// Checks an exported audit log line by line, as [`verify_export`] does: each line must be an
/// entry in canonical form with the next sequence number; [`ExportVerifier::finish`] then
/// compares the Merkle tree with the signed checkpoint(s). Cloning it keeps a prefix checked.
#[derive(Debug, Clone, Default)]
pub struct ExportVerifier {
    tree: eseal_tlog::Tree,
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
    pub fn push_archived(&mut self, hash_hex: &str) -> Result<(), String> {
        let i = self.tree.size();
        let hash = hex::decode(hash_hex.trim())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| format!("archived entry {i}: not a 32-byte hex leaf hash"))?;
        self.tree.push_hash(hash);
        Ok(())
    }

    /// Checks the next line (without its newline).
    pub fn push(&mut self, line: &str) -> Result<(), String> {
        let i = self.tree.size();
        let entry: AuditRecord = serde_json::from_str(line)
            .map_err(|e| format!("entry {i} (line {}): not an audit entry: {e}", i + 1))?;
        if entry.seq != i as i64 {
            return Err(format!(
                "entry {i} (line {}): sequence number {} where {i} was due (an entry deleted, inserted or moved)",
                i + 1,
                entry.seq
            ));
        }
        if entry.leaf() != line {
            return Err(format!(
                "entry {i} (line {}): not in canonical form (changed)",
                i + 1
            ));
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
    ) -> Result<u64, String> {
        let signed = open_checkpoint(note, "checkpoint", key, origin)?;
        let tree = &self.tree;
        if let Some(note) = earlier {
            let old = open_checkpoint(note, "earlier checkpoint", key, origin)?;
            if old.size > tree.size() {
                return Err(format!(
                    "the log has {} entries, fewer than the {} of the earlier checkpoint (truncated)",
                    tree.size(),
                    old.size
                ));
            }
            let root = tree.root_at(old.size).map_err(|e| e.to_string())?;
            if root != old.root {
                return Err(format!(
                    "the first {} entries no longer have the earlier checkpoint's root (history rewritten)",
                    old.size
                ));
            }
        }
        if signed.size != tree.size() || signed.root != tree.root() {
            return Err(format!(
                "the log ({} entries) does not have the signed checkpoint's size {} and root (an entry changed, added or removed)",
                tree.size(),
                signed.size
            ));
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
) -> Result<u64, String> {
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
) -> Result<u64, String> {
    // The signature first: a forged checkpoint is named as such, not as a bad entry.
    open_checkpoint(note, "checkpoint", key, origin)?;
    if !log.is_empty() && !log.ends_with('\n') {
        return Err("the log's last line has no newline (cut short)".into());
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

/// A filter over the audit log (`eseal audit query`); every given condition must hold.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// At or after (Unix seconds).
    pub since: Option<i64>,
    /// At or before (Unix seconds).
    pub until: Option<i64>,
    /// This actor, and the same account acting with an API token (`name [token …]`).
    pub actor: Option<String>,
    /// Events starting with this (`seals.`, `auth.login`).
    pub event: Option<String>,
    /// Objects starting with one of these (`seals/ES…@`, `usages/U…@`).
    pub objects: Option<Vec<String>>,
    /// Most entries returned.
    pub limit: usize,
}

impl AuditQuery {
    /// Whether `e` passes the conditions the database does not check (event and object).
    pub fn admits(&self, e: &AuditRecord) -> bool {
        self.event
            .as_ref()
            .is_none_or(|p| e.event.starts_with(p.as_str()))
            && self
                .objects
                .as_ref()
                .is_none_or(|os| os.iter().any(|o| e.object.starts_with(o.as_str())))
    }
}
