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

/// What an audit entry's event name means, in both languages (`None`: a name this version
/// does not know, shown as it is). Data events are `<table>.<insert|update|rewrap>`.
pub fn event_text(name: &str) -> Option<eseal_core::Text> {
    use eseal_core::Text;
    if let Some(e) = Event::ALL.iter().find(|e| e.name() == name) {
        let (zh, en) = match e {
            Event::Login => ("登录", "login"),
            Event::Lockout => ("账户锁定", "account locked"),
            Event::ServiceStart => ("服务启动", "service started"),
            Event::AuditExport => ("审计日志导出", "audit log exported"),
            Event::AuditArchive => ("审计日志归档", "audit entries archived"),
            Event::Refused => ("拒绝访问", "access refused"),
            Event::BackupCreate => ("备份", "backup made"),
            Event::BackupRestore => ("从备份恢复", "restored from a backup"),
            Event::Rollback => ("回退到旧数据库", "went on from an older database"),
            Event::KeyCeremony => ("密钥分持或合成", "key split or joined"),
        };
        return Some(Text::new(zh, en));
    }
    let (table, action) = name.split_once('.')?;
    let (what_zh, what_en) = match table {
        "applications" => ("印章申请", "application"),
        "filings" => ("备案", "filing"),
        "installation" => ("安装信息", "installation"),
        "organisations" => ("单位", "organisation"),
        "people" => ("人员", "person"),
        "pin_resets" => ("口令重置", "PIN reset"),
        "position_scopes" => ("职务印章用印范围", "position seal's scope"),
        "seal_keys" => ("印章密钥", "seal key"),
        "seals" => ("印章", "seal"),
        "sessions" => ("登录会话", "session"),
        "trust_anchors" => ("信任锚", "trust anchor"),
        "usages" => ("用印记录", "ledger entry"),
        "use_requests" => ("用印申请", "use request"),
        "users" => ("账户", "account"),
        "blobs" => ("存储的文件", "stored file"),
        "materials" => ("申请材料", "material"),
        _ => return None,
    };
    let (done_zh, done_en) = match action {
        "insert" => ("新建", "created"),
        "update" => ("更新", "updated"),
        "rewrap" => ("重新加密", "re-encrypted"),
        _ => return None,
    };
    Some(Text::new(
        format!("{what_zh}{done_zh}"),
        format!("{what_en} {done_en}"),
    ))
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
