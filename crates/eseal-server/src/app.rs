//! The running service: its configuration, shared state, the filing worker and startup.

use crate::connectors::{Connectors, NationalClient, PoliceClient};
use crate::devpki::DevPki;
use crate::failure::Failure;
use eseal_core::DataKey;
use eseal_gm::provider::{Clock, OsRandom, SecureRandom};
use eseal_store::Store;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use zeroize::Zeroizing;

pub use crate::state::AppState;

fn write_new_file(path: &Path, text: &str) -> Result<(), Failure> {
    if let Some(parent) = path.parent() {
        crate::files::private_dir(parent)
            .map_err(|e| Failure::internal(format!("{}: {e}", parent.display())))?;
    }
    crate::files::write_new_private(path, text.as_bytes())
        .map_err(|e| Failure::internal(format!("{}: {e}", path.display())))
}

/// Refuses to make a data key for a database that already has records sealed under one.
fn missing_key(path: &Path) -> Failure {
    Failure::startup(
        format!(
            "缺少 {}，但数据库是用数据密钥建立的：请从本安装的备份恢复该文件（新密钥打不开用旧密钥加密的印章密钥、TOTP 密钥和身份材料）",
            path.display()
        ),
        format!(
            "{} is missing, but this database was set up with a data key: restore the file from the backup of this installation (a new key cannot open the seal keys, TOTP secrets and identity materials sealed under the old one)",
            path.display()
        ),
    )
}

/// Reads the data key through the HSM's key-encryption key: `DIR/keys/data.key.hsm` holds it
/// wrapped (`<id>:<hex of IV ‖ ciphertext ‖ tag>`). On first run (`create`) the key is made
/// and wrapped; a data key still in clear (`data.key`, from before the HSM) is wrapped,
/// checked and then removed.
pub fn load_data_key_hsm(
    dir: &Path,
    random: &dyn SecureRandom,
    hsm: &crate::hsm::HsmConfig,
    create: bool,
) -> Result<DataKey, Failure> {
    if std::env::var("ESEAL_DATA_KEY").is_ok() {
        return Err(Failure::internal(
            "ESEAL_DATA_KEY and an HSM are both configured: with an HSM the data key is kept wrapped in DATA/keys/data.key.hsm",
        ));
    }
    let kek = crate::hsm::Kek::open(hsm, true).map_err(|e| Failure::internal(e.to_string()))?;
    let wrapped_path = dir.join("keys").join("data.key.hsm");
    let plain_path = dir.join("keys").join("data.key");
    if !wrapped_path.exists() {
        if !create && !plain_path.exists() {
            return Err(missing_key(&wrapped_path));
        }
        let (id, bytes) = if plain_path.exists() {
            let text = std::fs::read_to_string(&plain_path)
                .map_err(|e| Failure::internal(format!("{}: {e}", plain_path.display())))?;
            crate::keystore::parse_data_key(&text, &plain_path.display().to_string())?
        } else {
            let mut k = Zeroizing::new([0u8; 16]);
            random
                .fill(k.as_mut())
                .map_err(|e| Failure::internal(e.to_string()))?;
            (1, k)
        };
        let wrapped = kek
            .wrap(bytes.as_ref(), &crate::hsm::data_key_aad(id))
            .map_err(|e| Failure::internal(e.to_string()))?;
        write_new_file(&wrapped_path, &format!("{id}:{}\n", hex::encode(wrapped)))?;
    }
    let text = std::fs::read_to_string(&wrapped_path)
        .map_err(|e| Failure::internal(format!("{}: {e}", wrapped_path.display())))?;
    let from = wrapped_path.display().to_string();
    let (id, wrapped) = crate::keystore::key_line(&text, &from)?;
    let plain = kek
        .unwrap(&wrapped, &crate::hsm::data_key_aad(id))
        .map_err(|e| Failure::internal(format!("{from}: {e}")))?;
    let bytes = <[u8; 16]>::try_from(plain.as_slice())
        .map_err(|_| Failure::internal(format!("{from}: the data key is not 16 bytes")))?;
    if plain_path.exists() {
        // Migrated above (or earlier): the clear copy goes once the wrapped one opens to it.
        let text = std::fs::read_to_string(&plain_path)
            .map_err(|e| Failure::internal(format!("{}: {e}", plain_path.display())))?;
        let (old_id, old) =
            crate::keystore::parse_data_key(&text, &plain_path.display().to_string())?;
        if old_id != id || *old != bytes {
            return Err(Failure::internal(format!(
                "{} and {} hold different keys; remove the one not in use",
                plain_path.display(),
                from
            )));
        }
        std::fs::remove_file(&plain_path)
            .map_err(|e| Failure::internal(format!("{}: {e}", plain_path.display())))?;
        eprintln!(
            "data key: now kept only wrapped by the HSM ({from}); removed {}",
            plain_path.display()
        );
    }
    Ok(DataKey::new(id, bytes))
}

/// Reads the data key from `ESEAL_DATA_KEY` (`<id>:<32 hex>`, for replicas sharing a
/// PostgreSQL database), else from `DIR/keys/data.key`, creating it (mode 0600) on first run
/// (`create`; a missing key for an existing database is refused).
pub fn load_data_key(
    dir: &Path,
    random: &dyn SecureRandom,
    create: bool,
) -> Result<DataKey, Failure> {
    let parse = crate::keystore::parse_keyring;
    if let Ok(v) = std::env::var("ESEAL_DATA_KEY") {
        return parse(&v, "ESEAL_DATA_KEY");
    }
    let path = dir.join("keys").join("data.key");
    if !path.exists() {
        if !create {
            return Err(missing_key(&path));
        }
        let mut k = Zeroizing::new([0u8; 16]);
        random
            .fill(k.as_mut())
            .map_err(|e| Failure::internal(e.to_string()))?;
        let text = Zeroizing::new(format!("1:{}\n", hex::encode(k.as_ref())));
        write_new_file(&path, &text)?;
    }
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Failure::internal(format!("{}: {e}", path.display())))?;
    parse(&text, &path.display().to_string())
}

/// How long repeated failures from one source are counted before their summary is audited.
pub const FAILURE_WINDOW: time::Duration = time::Duration::minutes(1);

/// Runs the filing outbox every `every` until the process ends, and signing recovery (intents
/// older than `intent_timeout` aborted); errors are logged and the next pass tries again.
pub async fn filing_worker(
    state: AppState,
    every: Duration,
    lease: time::Duration,
    intent_timeout: time::Duration,
) {
    loop {
        match crate::outbox::run_with_lease(
            state.store(),
            state.connectors(),
            state.now(),
            lease,
            50,
        )
        .await
        {
            Ok(pass) if !pass.delivered.is_empty() || !pass.failed.is_empty() => {
                eprintln!(
                    "filing: delivered {:?}, failed {:?}",
                    pass.delivered, pass.failed
                );
            }
            Ok(_) => {}
            Err(e) => eprintln!("filing worker: {e}"),
        }
        match crate::signing::recover(&state, intent_timeout).await {
            Ok(0) => {}
            Ok(n) => eprintln!("signing: {n} unfinished intent(s) marked aborted"),
            Err(e) => eprintln!("signing recovery: {e}"),
        }
        // Repeated failures from one source: each window closed into one audit entry.
        let now = state.now();
        if let Err(e) = state
            .store()
            .flush_failure_counts(now - FAILURE_WINDOW, now)
            .await
        {
            eprintln!("failure summaries: {e}");
        }
        state.limiters().forget_idle();
        if let Err(e) = state.pki().refresh_crls(now) {
            eprintln!("CRL publication: {}", e.detail);
        }
        tokio::time::sleep(every).await;
    }
}

/// Where `eseal serve` keeps its files.
#[derive(Debug, Clone)]
pub struct DataDir(pub PathBuf);

impl DataDir {
    /// The development PKI's directory.
    pub fn pki(&self) -> PathBuf {
        self.0.join("pki")
    }
}

/// What `eseal serve` is asked to do.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Address to listen on, e.g. `127.0.0.1:8080` (port 0: any free port).
    pub listen: String,
    /// Data directory (SQLite database, keys, development PKI).
    pub data: PathBuf,
    /// A PostgreSQL URL instead of SQLite.
    pub database: Option<String>,
    /// The PostgreSQL schema for eseal's tables (default: the URL's search path).
    pub database_schema: Option<String>,
    /// Demo mode: the demo organisation and its registered impression.
    pub demo: bool,
    /// The police system; `None` starts the simulator in-process.
    pub police_url: Option<String>,
    /// The agency's bearer token at the police system.
    pub police_token: String,
    /// The national platform; `None` starts its simulator in-process.
    pub national_url: Option<String>,
    /// The agency's bearer token at the national platform.
    pub national_token: String,
    /// How often the filing worker runs.
    pub filing_every: Duration,
    /// How long a claimed filing is protected from other workers (default 2 minutes).
    pub filing_lease: time::Duration,
    /// Where signed audit checkpoints are written outside the database (default
    /// `DATA/audit-checkpoints`), and how often one is made while the log grows.
    pub audit_checkpoints: Option<PathBuf>,
    /// How often the audit checkpointer runs.
    pub audit_every: Duration,
    /// A checkpoint is also made as soon as a log has grown by this many entries.
    pub audit_every_entries: u64,
    /// Witnesses each checkpoint is pushed to (`POST <url>/add-checkpoint`).
    pub audit_witnesses: Vec<String>,
    /// An HSM (PKCS#11) holding the key that wraps the data key; `None`: the data key file.
    pub hsm: Option<crate::hsm::HsmConfig>,
    /// How old an unfinished signing intent must be before recovery aborts it (default
    /// [`crate::signing::INTENT_TIMEOUT`]; one server alone after a crash may use 0).
    pub intent_timeout: time::Duration,
    /// Per-address rates of login and the public endpoints.
    pub rate_limits: crate::limits::RateLimits,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Deadlines of reading a request; connections at once, per address and in all.
    pub pacing: crate::api::pacing::Pacing,
    /// Never fetch revocation (OCSP, CRL distribution points) in online verification.
    pub offline_revocation: bool,
    /// Where a JSON line per request goes (`crate::ops`; standard error by default).
    pub request_log: crate::ops::RequestLog,
    /// Scheduled backups (`--backup-dir` …); `None`: none.
    pub backup: Option<crate::backup::schedule::Schedule>,
    /// The operator's acknowledgement of a rollback to an older backup
    /// (`--accept-rollback-to N --rollback-reason TEXT`).
    pub accept_rollback: Option<crate::install::AcceptRollback>,
}

impl ServeConfig {
    /// The defaults of `eseal serve`.
    pub fn new(data: PathBuf) -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            data,
            database: None,
            database_schema: None,
            demo: false,
            police_url: None,
            police_token: "eseal-dev-police-token".into(),
            national_url: None,
            national_token: "eseal-dev-national-token".into(),
            filing_every: Duration::from_secs(5),
            filing_lease: crate::outbox::LEASE,
            intent_timeout: crate::signing::INTENT_TIMEOUT,
            hsm: None,
            audit_checkpoints: None,
            audit_every: Duration::from_secs(60),
            audit_witnesses: Vec::new(),
            audit_every_entries: 10_000,
            rate_limits: crate::limits::RateLimits::default(),
            trusted_proxies: Vec::new(),
            pacing: crate::api::pacing::Pacing::default(),
            offline_revocation: false,
            request_log: crate::ops::RequestLog::Stderr,
            backup: None,
            accept_rollback: None,
        }
    }
}

/// The first administrator, created when the store has no users; shown once.
#[derive(Debug, Clone)]
pub struct FirstAdmin {
    /// User name.
    pub username: String,
    /// One-time password (change it).
    pub password: String,
    /// TOTP enrolment.
    pub enrolment: crate::auth::Enrolment,
}

/// A started service.
#[derive(Debug)]
pub struct Running {
    /// Base URL.
    pub url: String,
    /// The state (tests use its store).
    pub state: AppState,
    /// The in-process police simulator, when started.
    pub police_sim: Option<crate::sim::PoliceSim>,
    /// The police system's URL (the simulator's when started).
    pub police_url: String,
    /// The in-process national platform simulator, when started.
    pub national_sim: Option<crate::sim::NationalSim>,
    /// The national platform's URL.
    pub national_url: String,
    /// The first administrator, when just created.
    pub first_admin: Option<FirstAdmin>,
    server: tokio::task::JoinHandle<()>,
    worker: tokio::task::JoinHandle<()>,
    audit: tokio::task::JoinHandle<()>,
    backup: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Stops the server and the worker.
    pub fn abort(&self) {
        self.server.abort();
        self.worker.abort();
        self.audit.abort();
        if let Some(b) = &self.backup {
            b.abort();
        }
    }

    /// Waits until the server ends.
    pub async fn wait(self) {
        let _ = self.server.await;
        self.worker.abort();
        self.audit.abort();
        if let Some(b) = &self.backup {
            b.abort();
        }
    }
}

/// The seal service agency's own code, sent to the national platform as the issuer
/// (the development value; a deployment configures its own).
pub const AGENCY_USCC: &str = "91110000600037341L";

/// The demo organisation (a valid unified social credit code).
pub const DEMO_USCC: &str = "91350100M000100Y43";
/// Its name.
pub const DEMO_ORG: &str = "威海市示例科技有限公司";
/// Its registered contract-seal impression (rendered by eseal-image; testdata/registry/NOTES.md).
pub const DEMO_IMPRESSION: &[u8] =
    include_bytes!("../../../testdata/registry/demo-contract-300dpi.png");

/// Starts the service (and, unless a police URL is configured, the police simulator).
pub async fn start(config: ServeConfig, clock: Arc<dyn Clock>) -> Result<Running, Failure> {
    let random = OsRandom;
    let now = clock.now();
    crate::files::private_dir(&config.data)
        .map_err(|e| Failure::internal(format!("{}: {e}", config.data.display())))?;
    let store = match (&config.database, &config.database_schema) {
        (Some(url), Some(schema)) => Store::open_postgres_in_schema(url, schema).await?,
        (Some(url), None) => Store::open_url(url).await?,
        (None, _) => Store::open_sqlite(&config.data).await?,
    };
    // Nothing is made anew beside an existing registry (issue 14 item 3): a database with
    // records gets its own data key and PKI or the service refuses to start, and a database
    // older than the checkpoints exported from it is refused too.
    let new = crate::install::is_new(&store).await?;
    let checkpoints = config
        .audit_checkpoints
        .clone()
        .unwrap_or_else(|| config.data.join("audit-checkpoints"));
    let rollback = crate::install::check_checkpoints(
        &store,
        &checkpoints,
        config.accept_rollback.as_ref(),
        now,
    )
    .await?;
    let (data_key, key_source) = match &config.hsm {
        Some(h) => (
            load_data_key_hsm(&config.data, &random, h, new)?,
            format!(
                "{} (wrapped by the HSM)",
                config.data.join("keys/data.key.hsm").display()
            ),
        ),
        None => (
            load_data_key(&config.data, &random, new)?,
            if std::env::var("ESEAL_DATA_KEY").is_ok() {
                "ESEAL_DATA_KEY".to_owned()
            } else {
                config.data.join("keys/data.key").display().to_string()
            },
        ),
    };
    let pki = DevPki::open_or_create(&DataDir(config.data.clone()).pki(), now, &random, new)?;
    crate::install::check(&store, &data_key, &key_source, &pki, &random, now).await?;

    let (police_url, police_sim) = match &config.police_url {
        Some(u) => (u.clone(), None),
        None => {
            let sim = crate::sim::PoliceSim::new(
                Some(config.police_token.clone()),
                Some(config.data.join("police-sim.json")),
            );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .map_err(|e| Failure::internal(format!("police simulator: {e}")))?;
            let addr = listener
                .local_addr()
                .map_err(|e| Failure::internal(e.to_string()))?;
            let router = sim.router();
            tokio::spawn(async move {
                let _ = crate::sim::serve(listener, router).await;
            });
            (format!("http://{addr}"), Some(sim))
        }
    };
    if config.demo
        && let Some(sim) = &police_sim
    {
        sim.register(
            DEMO_USCC,
            "official.business.contract",
            &format!("{DEMO_ORG}合同专用章"),
            DEMO_IMPRESSION,
            now,
        );
        let org = eseal_core::Organisation::new(DEMO_USCC, DEMO_ORG, None)?;
        if store
            .get::<eseal_core::Organisation>(DEMO_USCC)
            .await?
            .is_none()
        {
            store
                .commit(eseal_store::Batch::new().insert(&org)?, now)
                .await?;
        }
    }
    let police = PoliceClient::new(&police_url, &config.police_token)
        .map_err(|e| Failure::internal(e.to_string()))?;
    let (national_url, national_sim) = match &config.national_url {
        Some(u) => (u.clone(), None),
        None => {
            let sim = crate::sim::NationalSim::default();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .map_err(|e| Failure::internal(format!("national simulator: {e}")))?;
            let addr = listener
                .local_addr()
                .map_err(|e| Failure::internal(e.to_string()))?;
            let router = sim.router();
            tokio::spawn(async move {
                let _ = crate::sim::serve(listener, router).await;
            });
            (format!("http://{addr}"), Some(sim))
        }
    };
    let national = NationalClient::new(&national_url, &config.national_token, AGENCY_USCC)
        .map_err(|e| Failure::internal(e.to_string()))?;
    let connectors = Connectors {
        police,
        national: Some(national),
    };

    // Each start records the configuration it runs with, so a changed configuration (another
    // connector, the HSM switched off, checkpoints elsewhere) is in the audit log.
    let configuration = format!(
        "backend={:?} hsm={} police={} national={} checkpoints={} demo={}",
        store.backend(),
        config.hsm.as_ref().map_or("off".to_owned(), |h| format!(
            "{}#{}/{}",
            h.module.display(),
            h.token,
            h.key_label
        )),
        config.police_url.as_deref().unwrap_or("simulator"),
        config.national_url.as_deref().unwrap_or("simulator"),
        config
            .audit_checkpoints
            .as_ref()
            .map_or("DATA/audit-checkpoints".to_owned(), |d| d
                .display()
                .to_string()),
        config.demo,
    );
    store
        .record_event(
            eseal_store::audit::Event::ServiceStart,
            &format!("service/{}", config.listen),
            &configuration,
            now,
        )
        .await?;
    if let Some(rb) = &rollback {
        // The gap goes into the log, in the open: what was lost, where the newer
        // checkpoints went, and why the operator went on.
        let gap = rb
            .logs
            .iter()
            .map(|(origin, size, signed)| format!("{origin} {signed}->{size}"))
            .collect::<Vec<_>>()
            .join(" ");
        let outcome = format!(
            "accepted {gap} moved={} reason={}",
            rb.moved_to.display(),
            eseal_core::text::printable(&rb.reason)
        );
        eprintln!("rollback accepted: {outcome}");
        store
            .record_event(
                eseal_store::audit::Event::Rollback,
                &format!("service/{}", config.listen),
                &outcome,
                now,
            )
            .await?;
    }
    let first_admin = if store.all::<crate::auth::User>(1).await?.is_empty() {
        let password = crate::auth::one_time_password(&random)?;
        let (user, enrolment) = crate::auth::new_user(
            "admin",
            "系统管理员",
            &[crate::auth::Role::SystemAdmin],
            &password,
            false,
            &data_key,
            &random,
        )?;
        store
            .commit(eseal_store::Batch::new().insert(&user)?, now)
            .await?;
        Some(FirstAdmin {
            username: "admin".into(),
            password,
            enrolment,
        })
    } else {
        None
    };

    let limiters =
        crate::limits::Limiters::new(&config.rate_limits, config.trusted_proxies.clone())
            .with_pacing(crate::api::pacing::within_descriptors(config.pacing));
    let state = AppState::new(store, clock, data_key, Arc::new(pki), connectors, limiters)
        .configured(config.request_log.clone())
        .with_online_revocation((!config.offline_revocation).then(|| {
            Arc::new(crate::revocation::OnlineRevocation::new(
                crate::revocation::Limits::default(),
            ))
        }))
        .with_key_source(crate::state::KeySource {
            location: key_source.clone(),
            hsm: config
                .hsm
                .as_ref()
                .map(|h| (h.token.clone(), h.key_label.clone())),
        });
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .map_err(|e| Failure::internal(format!("cannot listen on {}: {e}", config.listen)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Failure::internal(e.to_string()))?;
    // Every file of the data directory readable by the service's user only (databases and
    // files made by earlier versions included).
    crate::files::restrict_tree(&config.data)
        .map_err(|e| Failure::internal(format!("{}: {e}", config.data.display())))?;
    // The console's pages and the JSON API side by side; the API's fallback answers any
    // other path.
    let router = crate::console::router(state.clone()).merge(crate::api::router(state.clone()));
    let server = tokio::spawn(crate::wire::serve(
        crate::wire::ProblemListener(listener),
        router,
        state.limiters().clone(),
    ));
    let backup = config.backup.clone().map(|sched| {
        tokio::spawn(crate::backup::schedule::worker(
            state.clone(),
            sched,
            config.data.clone(),
            checkpoints.clone(),
        ))
    });
    let audit = tokio::spawn(crate::audit::checkpoint_worker(
        state.clone(),
        config.audit_every,
        config.audit_every_entries,
        checkpoints,
        config.audit_witnesses.clone(),
    ));
    let worker = tokio::spawn(filing_worker(
        state.clone(),
        config.filing_every,
        config.filing_lease,
        config.intent_timeout,
    ));
    Ok(Running {
        url: format!("http://{addr}"),
        state,
        police_sim,
        police_url,
        national_sim,
        national_url,
        first_admin,
        server,
        worker,
        audit,
        backup,
    })
}
