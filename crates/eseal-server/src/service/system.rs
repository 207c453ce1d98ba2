//! The platform's state for its administrators and auditors (R-SEC-3, R-AUDIT-1): the
//! storage backend, the filing outbox by deadline, the usage ledger, the logs' sizes and
//! checkpoints with their witnesses' cosignatures, online verification counters. Read-only;
//! the same figures `/metrics` gives a monitoring system, in words.

use super::roles::*;
use crate::access::require;
use crate::auth::Caller;
use crate::failure::Result;
use crate::state::AppState;
use eseal_core::DeadlineState;
use eseal_store::transparency::Log;

/// The system service. Made by [`AppState::system`].
#[derive(Clone, Copy)]
pub struct System<'a> {
    s: &'a AppState,
}

impl std::fmt::Debug for System<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("System")
    }
}

impl AppState {
    /// The system service acting on this state.
    pub fn system(&self) -> System<'_> {
        System { s: self }
    }
}

/// One log's state.
#[derive(Debug, Clone)]
pub struct LogState {
    /// Its origin line (`eseal/audit`, `eseal/seals`).
    pub origin: &'static str,
    /// Entries now.
    pub size: i64,
    /// The latest checkpoint's size and age in seconds.
    pub checkpoint: Option<(i64, i64)>,
    /// The names of the witnesses that cosigned that checkpoint.
    pub witnesses: Vec<String>,
}

/// The platform's state.
#[derive(Debug, Clone)]
pub struct SystemStatus {
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    /// SQLite's journal mode and synchronous level.
    pub durability: Option<(String, i64)>,
    /// Pending filings by deadline state (on time, due soon, overdue), at most
    /// [`FILINGS_COUNTED`] read.
    pub filings: [usize; 3],
    /// Delivered filings.
    pub filings_delivered: i64,
    /// Ledger entries: signed, in progress, not signed.
    pub usages: [i64; 3],
    /// The two logs.
    pub logs: Vec<LogState>,
    /// Online verifications started and stopped because the client went away.
    pub verifications: (u64, u64),
    /// Where the data key came from (file, environment, or wrapped by an HSM).
    pub key_source: crate::state::KeySource,
    /// Scheduled backups.
    pub backups: crate::state::BackupStatus,
    /// What needs attention about the backups (the last failed, or none recent).
    pub backup_alert: Option<eseal_core::Text>,
}

/// Most pending filings read to count them by deadline.
pub const FILINGS_COUNTED: i64 = 10_000;

impl System<'_> {
    /// The platform's state now.
    pub async fn status(&self, actor: &Caller) -> Result<SystemStatus> {
        require(actor, READ_SYSTEM)?;
        let s = self.s;
        let store = s.store();
        let now = s.now();
        let mut filings = [0usize; 3];
        for f in store.pending_filings(FILINGS_COUNTED).await? {
            match f.record.deadline_state(now) {
                DeadlineState::Warning => filings[1] += 1,
                DeadlineState::Overdue => filings[2] += 1,
                _ => filings[0] += 1,
            }
        }
        let mut usages = [0i64; 3];
        for (i, state) in ["signed", "intent", "aborted"].iter().enumerate() {
            usages[i] = store.count::<eseal_core::Usage>("state", state).await?;
        }
        let mut logs = Vec::new();
        for log in [Log::Audit, Log::Seals] {
            let latest = store.latest_checkpoint(log).await?;
            let at = store.latest_checkpoint_time(log).await?;
            // A cosignature line is `— <witness name> <base64>` (C2SP signed note).
            let witnesses = match &latest {
                Some((size, _)) => store
                    .cosignatures(log, *size)
                    .await?
                    .iter()
                    .flat_map(|lines| lines.lines())
                    .filter_map(|line| line.strip_prefix("\u{2014} "))
                    .filter_map(|rest| rest.split(' ').next())
                    .map(str::to_owned)
                    .collect(),
                None => Vec::new(),
            };
            logs.push(LogState {
                origin: log.origin(),
                size: store.log_size(log).await?,
                checkpoint: latest
                    .zip(at)
                    .map(|((size, _), at)| (size, (now.unix_timestamp() - at).max(0))),
                witnesses,
            });
        }
        Ok(SystemStatus {
            backend: match store.backend() {
                eseal_store::Backend::Sqlite => "sqlite",
                eseal_store::Backend::Postgres => "postgres",
            },
            durability: store.sqlite_durability().await?,
            filings,
            filings_delivered: store
                .count::<eseal_core::Filing>("state", "delivered")
                .await?,
            usages,
            logs,
            verifications: (
                s.verifications_started()
                    .load(std::sync::atomic::Ordering::Relaxed),
                s.verifications_cancelled()
                    .load(std::sync::atomic::Ordering::Relaxed),
            ),
            key_source: s.key_source().clone(),
            backup_alert: s.backups().alert(now.unix_timestamp()),
            backups: s.backups(),
        })
    }
}
