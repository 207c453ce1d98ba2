//! The filing (备案) outbox worker (R-FILE-1, issue 6 item 3).
//!
//! A filing is queued in the same transaction as the seal change it reports, so it exists iff
//! the change does. The worker claims due filings under a lease, sends each to the police
//! system with the filing id as idempotency key, and records the outcome. If the process dies
//! after the police system accepted a filing but before the receipt was stored, the lease
//! runs out, the filing is sent again with the same id, and the police system (which
//! deduplicates on it) answers with the first receipt: recorded once on both sides.

use eseal_core::{Filing, FilingTarget, Seal, Text};
use eseal_store::{Batch, Store, StoreError};
use std::future::Future;
use time::{Duration, OffsetDateTime};

/// How long a claim protects a filing from other workers: longer than one delivery attempt
/// (the connector's own timeout must be shorter).
pub const LEASE: Duration = Duration::minutes(2);

/// Why an outside system (the police system, the national platform) did not answer as
/// asked, in both languages: a pending filing shows it on the console. Every failure of a
/// delivery is retried with backoff. `Display` is the English (for logs).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.en)]
pub struct ConnectorError(pub Text);

impl ConnectorError {
    /// A failure described in Chinese and English.
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self(Text::new(zh, en))
    }

    /// The Chinese.
    pub fn zh(&self) -> &str {
        &self.0.zh
    }
}

/// The outside systems the outbox delivers to: the police seal-management system (filings)
/// and the national platform (seal records).
pub trait PoliceFiling: Send + Sync {
    /// Files `filing` about `seal`; returns the police system's receipt number. Must be
    /// idempotent on `filing.id`.
    fn file(
        &self,
        filing: &Filing,
        seal: &Seal,
    ) -> impl Future<Output = Result<String, ConnectorError>> + Send;

    /// Pushes the seal's current record (at store `version`, with its seal data when stored)
    /// to the national platform, which keeps the highest version; returns what it accepted.
    /// Without a national connector every push fails and is retried (never reported done).
    fn push_national(
        &self,
        seal: &Seal,
        version: i64,
        seal_data: Option<&[u8]>,
    ) -> impl Future<Output = Result<String, ConnectorError>> + Send {
        let _ = (seal, version, seal_data);
        async {
            Err(ConnectorError::new(
                "未配置全国一体化平台连接",
                "no national platform connector is configured",
            ))
        }
    }
}

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pass {
    /// Filings delivered and recorded.
    pub delivered: Vec<String>,
    /// Filings that failed and were rescheduled.
    pub failed: Vec<String>,
    /// Filings whose outcome could not be recorded because another writer changed them; they
    /// are left for the next pass.
    pub skipped: Vec<String>,
}

/// Why a pass stopped.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored filing refers to a seal that is not there (a bug: they are written together).
    #[error("filing {filing} refers to unknown seal {seal}")]
    MissingSeal {
        /// The filing.
        filing: String,
        /// The seal.
        seal: String,
    },
}

/// One pass at `now`: claims up to `limit` due filings and attempts each once.
pub async fn run_once<P: PoliceFiling>(
    store: &Store,
    police: &P,
    now: OffsetDateTime,
    limit: i64,
) -> Result<Pass, OutboxError> {
    run_with_lease(store, police, now, LEASE, limit).await
}

/// [`run_once`] with another lease (the crash tests shorten it).
pub async fn run_with_lease<P: PoliceFiling>(
    store: &Store,
    police: &P,
    now: OffsetDateTime,
    lease: Duration,
    limit: i64,
) -> Result<Pass, OutboxError> {
    let mut pass = Pass::default();
    for claimed in store.claim_due_filings(now, lease, limit).await? {
        let mut filing = claimed.record;
        let seal =
            store
                .get::<Seal>(&filing.seal_id)
                .await?
                .ok_or_else(|| OutboxError::MissingSeal {
                    filing: filing.id.clone(),
                    seal: filing.seal_id.to_string(),
                })?;
        let outcome = match filing.target {
            FilingTarget::Police => police.file(&filing, &seal.record).await,
            FilingTarget::National => {
                let data = match &seal.record.seal_data_sm3 {
                    None => None,
                    Some(sm3) => store.blob(sm3).await?.map(|(_, b)| b),
                };
                police
                    .push_national(&seal.record, seal.version, data.as_deref())
                    .await
            }
        };
        let recorded = match &outcome {
            Ok(receipt) => filing.delivered(now, receipt),
            Err(e) => filing.failed(now, &e.0),
        };
        if recorded.is_err() {
            // An empty receipt or a filing delivered meanwhile: count it as a failed attempt
            // unless it is already delivered.
            if filing
                .failed(
                    now,
                    &Text::new("对方系统未给出回执", "the system returned no receipt"),
                )
                .is_err()
            {
                pass.skipped.push(filing.id);
                continue;
            }
        }
        let mut batch = Batch::new();
        batch.update(&filing, claimed.version)?;
        match store.commit(&batch, now).await {
            Ok(()) if outcome.is_ok() && recorded.is_ok() => pass.delivered.push(filing.id),
            Ok(()) => pass.failed.push(filing.id),
            Err(StoreError::Conflict { .. }) => pass.skipped.push(filing.id),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(pass)
}
