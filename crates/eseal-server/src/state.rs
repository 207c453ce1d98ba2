//! The service's shared state: the store, the clock, the keys, the PKI, the connectors and
//! the in-memory parts (signing sessions, seal locks, the seal log's tree, rate limits,
//! request counts). Everything above it (services, the HTTP adapter, startup) is given one;
//! it depends on nothing above it.

use crate::connectors::Connectors;
use crate::ports::Pki;
use eseal_core::DataKey;
use eseal_gm::provider::{Clock, OsRandom, SecureRandom};
use eseal_store::Store;
use std::sync::Arc;

/// The service's shared state.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

/// A seal's stored data decoded, with its (first) signer certificate's DER.
pub type DecodedSeal = (eseal_ses::AnySeal, Vec<u8>);

/// Most decoded seals kept in memory (a few KB each).
pub const DECODED_SEALS: usize = 4096;

#[derive(Debug)]
struct Inner {
    store: Store,
    clock: Arc<dyn Clock>,
    random: OsRandom,
    data_key: DataKey,
    pki: Arc<dyn Pki>,
    connectors: Connectors,
    /// Open signing sessions (in memory only).
    sessions: crate::sessions::Sessions,
    /// Seal data decoded, by its SM3 (content-addressed, so never stale; see
    /// [`AppState::decoded_seal`]).
    decoded_seals: std::sync::Mutex<std::collections::HashMap<String, Arc<DecodedSeal>>>,
    /// One PIN check at a time per seal in this process (see [`AppState::seal_lock`]).
    seal_locks: std::sync::Mutex<std::collections::HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// The seal transparency log's Merkle tree, fed from the store (see [`crate::audit`]).
    seal_tree: tokio::sync::Mutex<eseal_tlog::Tree>,
    /// Per-address rate limits.
    limiters: Arc<crate::limits::Limiters>,
    /// Verifies the SM2 signatures of online verification, learning the keys it sees often
    /// (the TSA's, frequent seals' makers; bounded, see [`eseal_gm::keytables`]).
    verifier: eseal_gm::keytables::KeyTableVerifier,
    /// Online verifications of OFD files begun.
    verifications_started: std::sync::atomic::AtomicU64,
    /// Online verifications stopped because the client went away.
    verifications_cancelled: std::sync::atomic::AtomicU64,
    /// Revocation from the network for online verification (`None`: `--offline`).
    online_revocation: Option<Arc<crate::revocation::OnlineRevocation>>,
    /// Requests counted for `/metrics`.
    requests: crate::reqlog::RequestCounts,
    /// Where each request's log line goes.
    request_log: crate::reqlog::RequestLog,
    /// Where the data key came from.
    key_source: KeySource,
    /// Scheduled backups: the schedule and how the last ones went.
    backups: std::sync::Mutex<BackupStatus>,
}

/// Scheduled backups (`eseal serve --backup-dir`) as the system status shows them.
#[derive(Debug, Clone, Default)]
pub struct BackupStatus {
    /// The schedule: directory, interval in seconds, copies kept; `None`: none scheduled.
    pub schedule: Option<(String, u64, usize)>,
    /// When the schedule started (Unix seconds).
    pub since: i64,
    /// The last backup made: when (Unix seconds), file, bytes.
    pub last_ok: Option<(i64, String, u64)>,
    /// The last failure: when, and why.
    pub last_error: Option<(i64, eseal_core::Text)>,
}

impl BackupStatus {
    /// What needs attention now, if anything: the last backup failed, or the newest is
    /// older than two intervals (or none was made in that time).
    pub fn alert(&self, now: i64) -> Option<eseal_core::Text> {
        let (_, every, _) = self.schedule.as_ref()?;
        let every = i64::try_from(*every).unwrap_or(i64::MAX / 4);
        let last_ok = self.last_ok.as_ref().map(|(at, _, _)| *at);
        if let Some((at, why)) = &self.last_error
            && last_ok.is_none_or(|ok| *at >= ok)
        {
            return Some(eseal_core::Text::new(
                format!("最近一次备份失败：{}", why.zh),
                format!("the last backup failed: {}", why.en),
            ));
        }
        let newest = last_ok.unwrap_or(self.since);
        let age = now - newest;
        (age > 2 * every).then(|| match last_ok {
            Some(_) => eseal_core::Text::new(
                format!(
                    "最近的备份已有 {} 小时（计划每 {} 分钟一次）",
                    age / 3600,
                    every / 60
                ),
                format!(
                    "the newest backup is {} h old (scheduled every {} min)",
                    age / 3600,
                    every / 60
                ),
            ),
            None => eseal_core::Text::new(
                format!("计划备份已 {} 分钟没有成功过", age / 60),
                format!("no scheduled backup succeeded in {} min", age / 60),
            ),
        })
    }
}

/// Where the data key (the root of the platform's key hierarchy) came from, for the system
/// status page: a file, the environment, or wrapped by an HSM's key.
#[derive(Debug, Clone, Default)]
pub struct KeySource {
    /// The file or variable the key (or its wrapped form) was read from.
    pub location: String,
    /// With an HSM: the token's label and the key-encryption key's label.
    pub hsm: Option<(String, String)>,
}

impl AppState {
    /// The seal transparency log's tree (lock, then [`crate::audit::catch_up`]).
    pub fn seal_tree(&self) -> &tokio::sync::Mutex<eseal_tlog::Tree> {
        &self.inner.seal_tree
    }

    /// Assembles the state.
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        data_key: DataKey,
        pki: Arc<dyn Pki>,
        connectors: Connectors,
        limiters: crate::limits::Limiters,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                clock,
                random: OsRandom,
                data_key,
                pki,
                connectors,
                seal_locks: std::sync::Mutex::new(std::collections::HashMap::new()),
                decoded_seals: std::sync::Mutex::new(std::collections::HashMap::new()),
                sessions: crate::sessions::Sessions::default(),
                seal_tree: tokio::sync::Mutex::new(eseal_tlog::Tree::new()),
                limiters: Arc::new(limiters),
                verifier: eseal_gm::keytables::KeyTableVerifier::default(),
                verifications_started: std::sync::atomic::AtomicU64::new(0),
                verifications_cancelled: std::sync::atomic::AtomicU64::new(0),
                online_revocation: None,
                requests: crate::reqlog::RequestCounts::default(),
                request_log: crate::reqlog::RequestLog::Stderr,
                key_source: KeySource::default(),
                backups: std::sync::Mutex::new(BackupStatus::default()),
            }),
        }
    }

    /// The requests counted so far.
    pub fn requests(&self) -> &crate::reqlog::RequestCounts {
        &self.inner.requests
    }

    /// Where requests are logged.
    pub fn request_log(&self) -> crate::reqlog::RequestLog {
        self.inner.request_log.clone()
    }

    /// The same state, logging requests or not.
    pub fn configured(self, request_log: crate::reqlog::RequestLog) -> Self {
        match Arc::try_unwrap(self.inner) {
            Ok(mut inner) => {
                inner.request_log = request_log;
                Self {
                    inner: Arc::new(inner),
                }
            }
            Err(shared) => Self { inner: shared },
        }
    }

    /// The same state, asking revocation of the network in online verification (or not).
    pub fn with_online_revocation(
        self,
        online: Option<Arc<crate::revocation::OnlineRevocation>>,
    ) -> Self {
        match Arc::try_unwrap(self.inner) {
            Ok(mut inner) => {
                inner.online_revocation = online;
                Self {
                    inner: Arc::new(inner),
                }
            }
            Err(shared) => Self { inner: shared },
        }
    }

    /// The same state, knowing where its data key came from.
    pub fn with_key_source(self, source: KeySource) -> Self {
        match Arc::try_unwrap(self.inner) {
            Ok(mut inner) => {
                inner.key_source = source;
                Self {
                    inner: Arc::new(inner),
                }
            }
            Err(shared) => Self { inner: shared },
        }
    }

    /// Scheduled backups' state (a copy).
    pub fn backups(&self) -> BackupStatus {
        self.inner
            .backups
            .lock()
            .map(|b| b.clone())
            .unwrap_or_default()
    }

    /// Changes the scheduled backups' state.
    pub fn update_backups(&self, change: impl FnOnce(&mut BackupStatus)) {
        if let Ok(mut b) = self.inner.backups.lock() {
            change(&mut b);
        }
    }

    /// Where the data key came from.
    pub fn key_source(&self) -> &KeySource {
        &self.inner.key_source
    }

    /// The network revocation fetcher, unless the service runs offline.
    pub fn online_revocation(&self) -> Option<&Arc<crate::revocation::OnlineRevocation>> {
        self.inner.online_revocation.as_ref()
    }

    /// The national platform's client, when one is configured.
    pub fn national(&self) -> Option<&dyn crate::ports::SealStatusSource> {
        self.inner
            .connectors
            .national
            .as_ref()
            .map(|n| n as &dyn crate::ports::SealStatusSource)
    }

    /// The per-address rate limits.
    pub fn limiters(&self) -> &Arc<crate::limits::Limiters> {
        &self.inner.limiters
    }

    /// The SM2 verifier of online verification (one per process, so that it learns).
    pub fn verifier(&self) -> &eseal_gm::keytables::KeyTableVerifier {
        &self.inner.verifier
    }

    /// How many online verifications of OFD files have begun.
    pub fn verifications_started(&self) -> &std::sync::atomic::AtomicU64 {
        &self.inner.verifications_started
    }

    /// How many online verifications stopped because their client went away.
    pub fn verifications_cancelled(&self) -> &std::sync::atomic::AtomicU64 {
        &self.inner.verifications_cancelled
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Now, from the injected clock.
    pub fn now(&self) -> time::OffsetDateTime {
        self.inner.clock.now()
    }

    /// Randomness.
    pub fn random(&self) -> &dyn SecureRandom {
        &self.inner.random
    }

    /// The key identity materials are sealed under.
    pub fn data_key(&self) -> &DataKey {
        &self.inner.data_key
    }

    /// The PKI (development CA and maker identity).
    pub fn pki(&self) -> &dyn Pki {
        &*self.inner.pki
    }

    /// The police connector.
    pub fn police(&self) -> &dyn crate::ports::ImpressionRegistry {
        &self.inner.connectors.police
    }

    /// The lock that serialises PIN checks on one seal within this process. Reservations in
    /// the store already bound wrong attempts exactly across replicas; without this lock,
    /// five legitimate signatures in flight at once would hold five reservations and lock the
    /// seal for a moment.
    pub fn seal_lock(&self, seal_id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = self
            .inner
            .seal_locks
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        map.entry(seal_id.to_owned()).or_default().clone()
    }

    /// The seal data stored under `sm3`, decoded, if this process decoded it before.
    pub fn decoded_seal(&self, sm3: &str) -> Option<Arc<DecodedSeal>> {
        let map = self
            .inner
            .decoded_seals
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        map.get(sm3).cloned()
    }

    /// Remembers decoded seal data (at most [`DECODED_SEALS`]; past that the memory starts
    /// again empty).
    pub fn remember_decoded_seal(&self, sm3: &str, seal: Arc<DecodedSeal>) {
        let mut map = self
            .inner
            .decoded_seals
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if map.len() >= DECODED_SEALS {
            map.clear();
        }
        map.insert(sm3.to_owned(), seal);
    }

    /// The open signing sessions.
    pub fn sessions(&self) -> &crate::sessions::Sessions {
        &self.inner.sessions
    }

    /// Both connectors (what the filing worker delivers through).
    pub fn connectors(&self) -> &Connectors {
        &self.inner.connectors
    }
}
