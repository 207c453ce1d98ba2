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
    /// A request was refused: a role the caller lacks, a forged or stale form (object: what
    /// was asked, outcome: `refused:<why> from <address>`).
    Refused,
    /// A backup was made (object: the archive's file name, outcome: its size, SM3, backup
    /// key id and the logs' sizes).
    BackupCreate,
    /// This database was restored from a backup (object: the archive, outcome: when it was
    /// made, the key id, the rows and the logs' sizes).
    BackupRestore,
    /// The service went on from a database older than its exported checkpoints, on the
    /// operator's acknowledgement (outcome: each log's sizes before and after, where the
    /// newer checkpoints were moved, the reason).
    Rollback,
    /// A key ceremony: a key split among custodians, or joined from their shares (object:
    /// the key's kind and fingerprint, outcome: what was done, the custodians named).
    KeyCeremony,
}

impl Event {
    /// Every kind, for the coverage test.
    pub const ALL: [Event; 10] = [
        Event::Login,
        Event::Lockout,
        Event::ServiceStart,
        Event::AuditExport,
        Event::AuditArchive,
        Event::Refused,
        Event::BackupCreate,
        Event::BackupRestore,
        Event::Rollback,
        Event::KeyCeremony,
    ];

    /// The event name in the log.
    pub fn name(self) -> &'static str {
        match self {
            Event::Login => "auth.login",
            Event::Lockout => "auth.lockout",
            Event::ServiceStart => "service.start",
            Event::AuditExport => "audit.export",
            Event::AuditArchive => "audit.archive",
            Event::Refused => "access.refused",
            Event::BackupCreate => "backup.create",
            Event::BackupRestore => "backup.restore",
            Event::Rollback => "service.rollback",
            Event::KeyCeremony => "key.ceremony",
        }
    }
}

pub use eseal_tlog::audit::{
    AuditRecord, ExportError, ExportVerifier, verify_archived_export, verify_export,
};

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
