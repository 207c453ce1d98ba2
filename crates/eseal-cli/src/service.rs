//! `eseal serve`, `eseal sim police|national` and `eseal totp`: the registry service and the
//! connector simulators (issue 6 items 8 and 9).

use crate::i18n::Lang;
use anyhow::{Context, Result, anyhow};
use clap::{Args, Subcommand};
use eseal_gm::provider::SystemClock;
use eseal_server::app::{ServeConfig, start};
use std::path::PathBuf;
use std::sync::Arc;

/// `eseal serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// Data directory: the SQLite database, the data key, the development PKI.
    #[arg(long, default_value = "./eseal-data")]
    data: PathBuf,
    /// PostgreSQL instead of SQLite, e.g. postgres://eseal@db/eseal (replicas may share it).
    #[arg(long, env = "ESEAL_DATABASE")]
    database: Option<String>,
    /// The PostgreSQL schema for eseal's tables (created if missing).
    #[arg(long)]
    database_schema: Option<String>,
    /// The police seal-management system's base URL; without it the simulator runs
    /// in-process.
    #[arg(long, env = "ESEAL_POLICE_URL")]
    police_url: Option<String>,
    /// The agency's bearer token at the police system.
    #[arg(
        long,
        env = "ESEAL_POLICE_TOKEN",
        default_value = "eseal-dev-police-token"
    )]
    police_token: String,
    /// The national government-service platform's base URL; without it the simulator runs
    /// in-process.
    #[arg(long, env = "ESEAL_NATIONAL_URL")]
    national_url: Option<String>,
    /// The agency's bearer token at the national platform.
    #[arg(
        long,
        env = "ESEAL_NATIONAL_TOKEN",
        default_value = "eseal-dev-national-token"
    )]
    national_token: String,
    /// Demo: register the demo organisation's impression with the in-process police
    /// simulator.
    #[arg(long)]
    demo: bool,
    /// How often the filing (备案) worker runs, in milliseconds.
    #[arg(long, default_value_t = 5000)]
    filing_every_ms: u64,
    /// How long a claimed filing waits before another attempt may take it, in seconds (must
    /// exceed one delivery attempt; tests shorten it).
    #[arg(long, default_value_t = 120)]
    filing_lease_secs: i64,
    /// How old an unfinished signing intent (a crash between intent and signature) must be
    /// before recovery marks it aborted, in seconds. With replicas it must exceed the longest
    /// signing; a single server restarted after a crash may use 0.
    #[arg(long, default_value_t = 600)]
    intent_timeout_secs: i64,
    #[command(flatten)]
    hsm: HsmArgs,
    /// Where signed audit-log checkpoints are written, outside the database (default
    /// DATA/audit-checkpoints; point it at another disk or a WORM mount).
    #[arg(long)]
    audit_checkpoints: Option<PathBuf>,
    /// A witness to push every signed checkpoint to (`POST URL/add-checkpoint`, C2SP
    /// tlog-witness style); repeat for several.
    #[arg(long = "audit-witness")]
    audit_witnesses: Vec<String>,
    /// Seconds between checkpoints while a log grows.
    #[arg(long, default_value_t = 60)]
    audit_every_secs: u64,
    /// A checkpoint as soon as a log has grown by this many entries.
    #[arg(long, default_value_t = 10_000)]
    audit_every_entries: u64,
    /// Login attempts per minute from one client address (bursts of as many).
    #[arg(long, default_value_t = 20)]
    rate_login: u32,
    /// Online verifications per minute from one client address (bursts of a third).
    #[arg(long, default_value_t = 30)]
    rate_verify: u32,
    /// Requests per minute to the other public endpoints from one client address (bursts of
    /// a fifth).
    #[arg(long, default_value_t = 600)]
    rate_public: u32,
    /// No request log (one JSON line per request on standard error: method, route, status,
    /// duration, user, client address; never a body or secret).
    #[arg(long)]
    no_request_log: bool,
    /// Online verification uses no network: it fetches no revocation (OCSP responders, CRL
    /// distribution points of certificates that chain to the trusted anchors) and asks the
    /// national platform nothing about seals made elsewhere.
    #[arg(long)]
    offline: bool,
    /// A reverse proxy in front of the service: requests from it are attributed to the
    /// address its X-Forwarded-For names (repeat for several).
    #[arg(long = "trusted-proxy")]
    trusted_proxies: Vec<std::net::IpAddr>,
    /// Seconds a client has to send a request's header lines (also how long an idle
    /// keep-alive connection stays open)
    #[arg(long, default_value_t = 20)]
    header_timeout: u64,
    /// Seconds a request body may pause before the request is answered 408
    #[arg(long, default_value_t = 30)]
    body_idle_timeout: u64,
    /// KiB per second a request body must arrive at, on average, after its first 30 s
    #[arg(long, default_value_t = 32)]
    body_min_rate: u32,
    /// Connections at once from one client address (a --trusted-proxy is not bounded)
    #[arg(long, default_value_t = 256)]
    max_connections_per_address: usize,
    /// Connections at once in all (lowered to fit the file descriptor limit)
    #[arg(long, default_value_t = 4096)]
    max_connections: usize,
    /// Scheduled backups: the directory the archives go to (another disk; needs --backup-key)
    #[arg(long, requires = "backup_key")]
    backup_dir: Option<PathBuf>,
    /// How often a scheduled backup is made: 30m, 6h, 1d
    #[arg(long, default_value = "6h")]
    backup_every: String,
    /// How many scheduled backups are kept (the newest)
    #[arg(long, default_value_t = 14)]
    backup_keep: usize,
    /// The backup key of scheduled backups (made by `eseal backup key`)
    #[arg(long, env = "ESEAL_BACKUP_KEY_FILE")]
    backup_key: Option<PathBuf>,
    /// Go on from a database older than its exported checkpoints (restored from an older backup): the audit log's size the refusal named; recorded in the audit log
    #[arg(long, requires = "rollback_reason")]
    accept_rollback_to: Option<u64>,
    /// Why the rollback is accepted (kept in the audit log)
    #[arg(long, requires = "accept_rollback_to")]
    rollback_reason: Option<String>,
}

/// Where the key-encryption key is (the user PIN comes from `ESEAL_HSM_PIN`).
#[derive(Args, Debug, Clone)]
pub struct HsmArgs {
    /// A PKCS#11 module holding the key that wraps the data key, e.g.
    /// /usr/lib/softhsm/libsofthsm2.so; its user PIN is read from ESEAL_HSM_PIN.
    #[arg(long = "hsm-module", env = "ESEAL_HSM_MODULE")]
    module: Option<PathBuf>,
    /// The token's label.
    #[arg(long = "hsm-token", env = "ESEAL_HSM_TOKEN", default_value = "eseal")]
    token: String,
    /// The key's label in the token (made on first start).
    #[arg(long = "hsm-key-label", default_value = eseal_server::hsm::DEFAULT_KEY_LABEL)]
    key_label: String,
}

impl HsmArgs {
    fn config(&self) -> Result<Option<eseal_server::hsm::HsmConfig>> {
        let Some(module) = &self.module else {
            return Ok(None);
        };
        let pin = std::env::var("ESEAL_HSM_PIN").map_err(|_| {
            crate::said::said(
                "已设置 --hsm-module：请在 ESEAL_HSM_PIN 中给出令牌的用户 PIN",
                "--hsm-module is set: give the token's user PIN in ESEAL_HSM_PIN",
            )
        })?;
        Ok(Some(eseal_server::hsm::HsmConfig {
            module: module.clone(),
            token: self.token.clone(),
            pin: zeroize::Zeroizing::new(pin),
            key_label: self.key_label.clone(),
        }))
    }
}

/// `eseal hsm`.
#[derive(Subcommand, Debug)]
pub enum HsmCommand {
    /// Log in, find the key-encryption key and print its protection attributes (JSON).
    Status {
        #[command(flatten)]
        hsm: HsmArgs,
    },
    /// Rotate the key-encryption key: wrap the data key (DATA/keys/data.key.hsm) again under a new key in the token; then start the servers with --hsm-key-label NEW
    Rewrap {
        #[command(flatten)]
        hsm: HsmArgs,
        /// The label of the new key-encryption key (made in the token if missing)
        #[arg(long)]
        new_key_label: String,
        /// The service's data directory
        #[arg(long)]
        data: PathBuf,
        /// The service's PostgreSQL database, to audit the ceremony there (default: SQLite in --data)
        #[arg(long, env = "ESEAL_DATABASE")]
        database: Option<String>,
    },
}

/// Runs `eseal hsm`.
pub fn hsm(cmd: HsmCommand, lang: Lang) -> Result<u8> {
    match cmd {
        HsmCommand::Status { hsm } => {
            let cfg = hsm.config()?.ok_or_else(|| {
                crate::said::said(
                    "请给出 --hsm-module（或 ESEAL_HSM_MODULE）",
                    "give --hsm-module (or ESEAL_HSM_MODULE)",
                )
            })?;
            let kek = eseal_server::hsm::Kek::open(&cfg, false)?;
            outln!(
                "{}",
                serde_json::to_string_pretty(&kek.status(&cfg.token)?)?
            );
            Ok(0)
        }
        HsmCommand::Rewrap {
            hsm,
            new_key_label,
            data,
            database,
        } => {
            let cfg = hsm.config()?.ok_or_else(|| {
                crate::said::said(
                    "请给出 --hsm-module（或 ESEAL_HSM_MODULE）",
                    "give --hsm-module (or ESEAL_HSM_MODULE)",
                )
            })?;
            let id = eseal_server::backup::rotate::rewrap_hsm(&data, &cfg, &new_key_label)
                .map_err(|e| crate::said::text(&e.detail))?;
            let outcome = format!(
                "data key {id} wrapped again: {} -> {new_key_label}",
                cfg.key_label
            );
            let db_there =
                database.is_some() || data.join(eseal_server::store::SQLITE_FILE).exists();
            if db_there {
                runtime()?.block_on(async {
                    let store = match &database {
                        Some(url) => eseal_server::store::Store::open_url(url).await?,
                        None => eseal_server::store::Store::open_sqlite(&data).await?,
                    };
                    let done = eseal_server::store::audit::ACTOR
                        .scope(
                            crate::user::operator(),
                            eseal_server::backup::shares::record(
                                &store,
                                "hsm-kek",
                                &new_key_label,
                                &outcome,
                                time::OffsetDateTime::now_utc(),
                            ),
                        )
                        .await;
                    store.close().await;
                    done.map_err(|e| crate::said::text(&e.detail))
                })?;
            }
            outln!(
                "{}",
                match lang {
                    Lang::Zh => format!(
                        "数据密钥 {id} 已改由 {new_key_label} 包装（原为 {}）；请用 --hsm-key-label {new_key_label} 启动服务",
                        cfg.key_label
                    ),
                    Lang::En =>
                        format!("{outcome}; start the servers with --hsm-key-label {new_key_label}"),
                }
            );
            Ok(0)
        }
    }
}

/// `eseal sim`.
#[derive(Subcommand, Debug)]
pub enum SimCommand {
    /// The police seal-management system (docs/connectors/police.md).
    Police {
        #[arg(long, default_value = "127.0.0.1:8181")]
        listen: String,
        /// Keep what it receives in this JSON file across restarts.
        #[arg(long)]
        state: Option<PathBuf>,
        /// Require this bearer token.
        #[arg(long, default_value = "eseal-dev-police-token")]
        token: String,
        /// Register the demo organisation's contract-seal impression.
        #[arg(long)]
        demo: bool,
    },
    /// The national government-service platform (docs/connectors/national.md).
    National {
        #[arg(long, default_value = "127.0.0.1:8282")]
        listen: String,
    },
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Prints a line of the banner; a closed stdout (`eseal serve | head`) is not an error.
macro_rules! sayln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

/// Runs the service until Ctrl-C.
pub fn serve(args: ServeArgs, lang: Lang) -> Result<u8> {
    let mut config = ServeConfig::new(args.data.clone());
    config.listen = args.listen;
    config.database = args.database;
    config.database_schema = args.database_schema;
    config.police_url = args.police_url;
    config.police_token = args.police_token;
    config.national_url = args.national_url;
    config.national_token = args.national_token;
    config.demo = args.demo;
    config.filing_every = std::time::Duration::from_millis(args.filing_every_ms.max(10));
    config.filing_lease = time::Duration::seconds(args.filing_lease_secs.max(1));
    config.intent_timeout = time::Duration::seconds(args.intent_timeout_secs.max(0));
    config.hsm = args.hsm.config()?;
    config.audit_checkpoints = args.audit_checkpoints.clone();
    config.audit_witnesses = args.audit_witnesses.clone();
    config.audit_every = std::time::Duration::from_secs(args.audit_every_secs.max(1));
    config.audit_every_entries = args.audit_every_entries;
    let rate = |per_minute: u32, burst: u32| eseal_server::limits::Rate {
        per_minute: per_minute.max(1),
        burst: burst.max(1),
    };
    config.rate_limits = eseal_server::limits::RateLimits {
        login: rate(args.rate_login, args.rate_login),
        verify: rate(args.rate_verify, args.rate_verify / 3),
        public: rate(args.rate_public, args.rate_public / 5),
    };
    config.trusted_proxies = args.trusted_proxies;
    config.pacing = eseal_server::api::pacing::Pacing {
        header: std::time::Duration::from_secs(args.header_timeout.max(1)),
        body_idle: std::time::Duration::from_secs(args.body_idle_timeout.max(1)),
        body_min_rate: args.body_min_rate.max(1).saturating_mul(1024),
        per_address: args.max_connections_per_address.max(1),
        connections: args.max_connections.max(1),
        ..config.pacing
    };
    config.offline_revocation = args.offline;
    if args.no_request_log {
        config.request_log = eseal_server::ops::RequestLog::Off;
    }
    if let (Some(to), Some(reason)) = (args.accept_rollback_to, &args.rollback_reason) {
        config.accept_rollback = Some(eseal_server::install::AcceptRollback {
            to,
            reason: reason.clone(),
        });
    }
    if let (Some(dir), Some(key)) = (&args.backup_dir, &args.backup_key) {
        use eseal_server::backup::{container::BackupKey, schedule};
        let every = schedule::parse_interval(&args.backup_every).ok_or_else(|| {
            anyhow!(
                "{}",
                lang.t(
                    &format!(
                        "--backup-every {:?}：应为 30m、6h、1d 这样的间隔",
                        args.backup_every
                    ),
                    &format!(
                        "--backup-every {:?}: give an interval such as 30m, 6h, 1d",
                        args.backup_every
                    ),
                )
            )
        })?;
        let text = std::fs::read_to_string(key)
            .map_err(|e| crate::said::io(("读取 --backup-key", "read --backup-key"), key, &e))?;
        let key = BackupKey::from_text(&text).ok_or_else(|| {
            crate::said::said(
                format!("--backup-key {}：不是 eseal 备份密钥文件", key.display()),
                format!(
                    "--backup-key {}: not an eseal backup key file",
                    key.display()
                ),
            )
        })?;
        config.backup = Some(schedule::Schedule {
            dir: dir.clone(),
            every,
            keep: args.backup_keep.max(1),
            key: Arc::new(key),
            first_after: std::time::Duration::from_secs(60).min(every),
        });
    }
    runtime()?.block_on(async move {
        let running = start(config, Arc::new(SystemClock))
            .await
            .map_err(|e| anyhow!("{}", lang.t(&e.detail.zh, &e.detail.en)))?;
        sayln!(
            "{} {}",
            lang.t("eseal 电子印章平台已启动：", "eseal is running at"),
            running.url
        );
        sayln!(
            "  {} {}/  ·  {} {}/verify",
            lang.t("控制台（浏览器打开）", "console (open in a browser)"),
            running.url,
            lang.t("公开验证页面", "public verification page"),
            running.url
        );
        sayln!(
            "  {} {}/api/docs  ·  OpenAPI {}/api/openapi.json",
            lang.t("接口说明", "API"),
            running.url,
            running.url
        );
        sayln!("  {} {}", lang.t("数据目录", "data"), args.data.display());
        let storage = match running.state.store().sqlite_durability().await {
            Ok(Some((journal, sync))) => format!(
                "SQLite {} (journal_mode={journal}, synchronous={})",
                args.data.join("eseal.db").display(),
                if sync == 2 { "FULL" } else { "NOT FULL" }
            ),
            Ok(None) => "PostgreSQL".to_owned(),
            Err(e) => format!("? ({e})"),
        };
        sayln!("  {} {storage}", lang.t("存储", "storage"));
        sayln!(
            "  {} {}{}",
            lang.t("公安印章系统", "police system"),
            running.police_url,
            if running.police_sim.is_some() {
                lang.t("（模拟器）", " (simulator)")
            } else {
                ""
            }
        );
        sayln!(
            "  {} {}{}",
            lang.t("全国一体化平台", "national platform"),
            running.national_url,
            if running.national_sim.is_some() {
                lang.t("（模拟器）", " (simulator)")
            } else {
                ""
            }
        );
        if let Some(a) = &running.first_admin {
            sayln!();
            sayln!(
                "{}",
                lang.t(
                    "首次启动：已创建系统管理员（仅显示这一次）",
                    "First start: the system administrator (shown once)"
                )
            );
            sayln!("  {}: {}", lang.t("用户名", "user"), a.username);
            sayln!("  {}: {}", lang.t("口令", "password"), a.password);
            sayln!(
                "  {}: {}",
                lang.t("动态口令密钥 (TOTP)", "TOTP secret"),
                a.enrolment.totp_secret
            );
            sayln!("  {}", a.enrolment.otpauth_uri);
            // The binary as it was started (`cargo run` puts it under target/).
            let me = std::env::current_exe()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| "eseal".into());
            sayln!(
                "  {}: {me} totp {}",
                lang.t("当前动态口令", "current code"),
                a.enrolment.totp_secret
            );
        }
        sayln!();
        sayln!(
            "{} scripts/demo-registry.sh {}",
            lang.t(
                "下一步：另开一个终端运行",
                "Next: in another terminal run"
            ),
            lang.t(
                "（它另起一个演示服务，用 curl 走一遍申请、审核、制章、备案、注销的全过程）",
                "(it starts a demo registry of its own and walks the lifecycle with curl: apply, review, make, file, revoke)"
            )
        );
        tokio::signal::ctrl_c()
            .await
            .context("waiting for Ctrl-C")?;
        running.abort();
        Ok(0)
    })
}

/// Runs a simulator until Ctrl-C.
pub fn sim(cmd: SimCommand, lang: Lang) -> Result<u8> {
    runtime()?.block_on(async move {
        let (listen, router) = match cmd {
            SimCommand::Police {
                listen,
                state,
                token,
                demo,
            } => {
                let sim = eseal_server::sim::PoliceSim::new(Some(token), state);
                if demo {
                    sim.register(
                        eseal_server::app::DEMO_USCC,
                        "official.business.contract",
                        &format!("{}合同专用章", eseal_server::app::DEMO_ORG),
                        eseal_server::app::DEMO_IMPRESSION,
                        time::OffsetDateTime::now_utc(),
                    );
                }
                (listen, sim.router())
            }
            SimCommand::National { listen } => {
                (listen, eseal_server::sim::NationalSim::default().router())
            }
        };
        let listener = tokio::net::TcpListener::bind(&listen).await.map_err(|e| {
            crate::said::said(
                format!("无法在 {listen} 上监听：{}", crate::said::io_zh(&e)),
                format!("cannot listen on {listen}: {e}"),
            )
        })?;
        // The address last, after a space (scripts and tests read it so).
        outln!(
            "{} http://{}",
            lang.t("模拟器运行于", "simulator at"),
            listener.local_addr()?
        );
        eseal_server::sim::serve(listener, router).await?;
        Ok(0)
    })
}

/// Prints the current TOTP code for a base32 secret (for the demo's first login).
pub fn totp(secret: &str) -> Result<u8> {
    let bytes = eseal_server::auth::base32_decode(secret).ok_or_else(|| {
        crate::said::said(
            format!("{secret:?} 不是 Base32 编码的 TOTP 密钥"),
            format!("{secret:?} is not a base32 TOTP secret"),
        )
    })?;
    let step = eseal_server::auth::totp_step(time::OffsetDateTime::now_utc());
    outln!("{}", eseal_server::auth::totp_code(&bytes, step));
    Ok(0)
}
