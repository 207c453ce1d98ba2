//! `eseal audit export | verify` (issue 8, item 5, first part): the audit log written out with
//! a signed checkpoint, and checked offline by anyone holding the log's public key.
//!
//! An export directory holds `log.jsonl` (one entry per line, its canonical JSON — the Merkle
//! leaf — in sequence order), `checkpoint` (a signed note: origin, size, SM3 Merkle root) and
//! `audit-key.pem` (the public key, for convenience; a verifier should take it from elsewhere).

use anyhow::{Context, Result};
use clap::Subcommand;
use eseal_gm::Sm2PublicKey;
use eseal_gm::provider::SoftwareSigner;
use eseal_server::store::Store;
use eseal_server::store::audit::AuditQuery;
use std::path::{Path, PathBuf};

/// Where the service's data is.
#[derive(clap::Args, Debug)]
pub struct DbArgs {
    /// The service's data directory (SQLite).
    #[arg(long, conflicts_with = "database")]
    data: Option<PathBuf>,
    /// Or its PostgreSQL database.
    #[arg(long, env = "ESEAL_DATABASE")]
    database: Option<String>,
    /// The PostgreSQL schema.
    #[arg(long)]
    database_schema: Option<String>,
}

/// The key that signs checkpoints.
#[derive(clap::Args, Debug)]
pub struct SigningArgs {
    /// The audit signing key (SM2 PKCS#8 PEM).
    #[arg(long)]
    key: PathBuf,
    /// The log's name in the checkpoint.
    #[arg(long, default_value = "eseal/audit")]
    origin: String,
}

impl SigningArgs {
    /// The signer and the log's name.
    fn open(&self) -> Result<(SoftwareSigner, String)> {
        Ok((
            SoftwareSigner::new(crate::files::read_private_key(&self.key)?),
            self.origin.clone(),
        ))
    }
}

/// What an export checks the log against before signing (the service's own checkpoints).
#[derive(clap::Args, Debug)]
pub struct CheckpointArgs {
    /// The public key of the service's log key (default: DATA/pki/audit-key.pem with --data,
    /// else the public half of --key).
    #[arg(long)]
    log_key: Option<PathBuf>,
    /// The service's checkpoint directory (default: DATA/audit-checkpoints with --data).
    #[arg(long)]
    checkpoints: Option<PathBuf>,
}

impl CheckpointArgs {
    /// The log key and checkpoint directory for a store opened with `db`.
    fn resolve(
        &self,
        db: &DbArgs,
        signer: &SoftwareSigner,
    ) -> Result<(Sm2PublicKey, Option<PathBuf>)> {
        // The service's log key beside its database; without one (a database without the
        // service's files) the signer's: a checkpoint signed by another key then fails.
        let key_file = self.log_key.clone().or_else(|| {
            db.data
                .as_ref()
                .map(|d| d.join("pki").join("audit-key.pem"))
                .filter(|f| f.exists())
        });
        let key = match key_file {
            Some(f) => {
                let pem = std::fs::read_to_string(&f)
                    .map_err(|e| crate::said::io(("读取日志密钥", "read the log key"), &f, &e))?;
                Sm2PublicKey::from_spki_pem(&pem).map_err(|e| crate::said::about(&f, e.zh(), &e))?
            }
            None => eseal_gm::provider::Sm2Signer::public_key(signer),
        };
        let dir = self
            .checkpoints
            .clone()
            .or_else(|| db.data.as_ref().map(|d| d.join("audit-checkpoints")));
        Ok((key, dir))
    }
}

/// A current-thread runtime for a command's database and HTTP work.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// `eseal audit`.
#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Write the audit log and a checkpoint signed with the audit key into a new directory.
    Export {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        signing: SigningArgs,
        #[command(flatten)]
        checked: CheckpointArgs,
        /// The directory to create.
        #[arg(long)]
        out: PathBuf,
    },
    /// Retention: archive the entries older than --before (at least 180 days ago). A signed
    /// export of the whole log is written to --export and checked first; the archived
    /// entries' rows are then removed, their leaf hashes kept (later exports and checkpoints
    /// still verify), and the archiving is itself audited.
    Archive {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        signing: SigningArgs,
        #[command(flatten)]
        checked: CheckpointArgs,
        /// Archive the entries before this time (RFC 3339).
        #[arg(long)]
        before: String,
        /// The directory to create for the export kept with the archive.
        #[arg(long)]
        export: PathBuf,
    },
    /// Search the audit log: by time, actor, seal and event; one entry per line (or JSON).
    Query {
        #[command(flatten)]
        db: DbArgs,
        /// At or after (RFC 3339, e.g. 2026-11-01T00:00:00+08:00).
        #[arg(long)]
        since: Option<String>,
        /// At or before (RFC 3339).
        #[arg(long)]
        until: Option<String>,
        /// This user (or `system`, `anonymous`).
        #[arg(long)]
        actor: Option<String>,
        /// Everything about this seal: its record, key, filings, uses, use requests, PIN
        /// resets and scope.
        #[arg(long)]
        seal: Option<String>,
        /// Events starting with this (`auth.login`, `seals.`, `usages.`).
        #[arg(long)]
        event: Option<String>,
        /// Most entries shown.
        #[arg(long, default_value_t = 1000)]
        limit: usize,
        /// JSON lines (the entries' canonical form).
        #[arg(long)]
        json: bool,
    },
    /// Recompute an export offline: entries well-formed and numbered without gaps, the tree's
    /// root equal to the signed checkpoint's, and (with --checkpoint) the log an extension of
    /// an earlier checkpoint. Exit 0 when all holds; 1 naming the first bad entry otherwise.
    Verify {
        /// The export directory.
        export: PathBuf,
        /// The log's public key (SPKI PEM).
        #[arg(long)]
        key: PathBuf,
        /// The log's name.
        #[arg(long, default_value = "eseal/audit")]
        origin: String,
        /// An earlier checkpoint kept outside the database (truncation and rewrites show).
        #[arg(long)]
        checkpoint: Option<PathBuf>,
    },
}

/// Runs `eseal audit`.
pub fn run(cmd: AuditCommand, lang: crate::i18n::Lang) -> Result<u8> {
    match cmd {
        AuditCommand::Export {
            db,
            signing,
            checked,
            out,
        } => {
            let (signer, origin) = signing.open()?;
            let (log_key, dir) = checked.resolve(&db, &signer)?;
            let rt = runtime()?;
            let (size, root) = rt.block_on(async {
                let store = open_store(db).await?;
                let done = eseal_server::audit::export(
                    &store,
                    &signer,
                    &origin,
                    &eseal_server::audit::Signed {
                        log_key: &log_key,
                        checkpoints: dir.as_deref(),
                    },
                    &out,
                    time::OffsetDateTime::now_utc(),
                )
                .await;
                store.close().await;
                done.map_err(|e| crate::said::text(&e.detail))
            })?;
            let root = hex::encode(root);
            outln!(
                "{}",
                lang.t(
                    &format!("已导出 {size} 项，根哈希 {root}"),
                    &format!("{size} entries, root {root}"),
                )
            );
            Ok(0)
        }
        AuditCommand::Archive {
            db,
            signing,
            checked,
            before,
            export,
        } => {
            let before = time::OffsetDateTime::parse(
                &before,
                &time::format_description::well_known::Rfc3339,
            )
            .map_err(|_| {
                crate::said::said(
                    format!("--before {before:?}：不是 RFC 3339 时间"),
                    format!("--before {before:?}: not an RFC 3339 time"),
                )
            })?;
            let (signer, origin) = signing.open()?;
            let (log_key, dir) = checked.resolve(&db, &signer)?;
            let rt = runtime()?;
            let n = rt.block_on(async {
                let store = open_store(db).await?;
                let done = eseal_server::audit::archive(
                    &store,
                    &signer,
                    &origin,
                    &eseal_server::audit::Signed {
                        log_key: &log_key,
                        checkpoints: dir.as_deref(),
                    },
                    before,
                    &export,
                    time::OffsetDateTime::now_utc(),
                )
                .await;
                store.close().await;
                done.map_err(|e| crate::said::text(&e.detail))
            })?;
            outln!(
                "{}",
                lang.t(
                    &format!("已归档 {n} 项；其导出在 {}", export.display()),
                    &format!(
                        "{n} entries archived; their export is in {}",
                        export.display()
                    ),
                )
            );
            Ok(0)
        }
        AuditCommand::Query {
            db,
            since,
            until,
            actor,
            seal,
            event,
            limit,
            json,
        } => {
            let time = |t: Option<String>, what: &str| -> Result<Option<i64>> {
                t.map(|t| {
                    time::OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339)
                        .map(|t| t.unix_timestamp())
                        .map_err(|_| {
                            crate::said::said(
                                format!("--{what} {t:?}：不是 RFC 3339 时间"),
                                format!("--{what} {t:?}: not an RFC 3339 time"),
                            )
                        })
                })
                .transpose()
            };
            let mut q = AuditQuery {
                since: time(since, "since")?,
                until: time(until, "until")?,
                actor,
                event,
                objects: None,
                limit,
            };
            let rt = runtime()?;
            let found = rt.block_on(async {
                let store = open_store(db).await?;
                if let Some(id) = &seal {
                    q.objects = Some(store.seal_audit_objects(id).await?);
                }
                let found = store.audit_query(&q).await;
                store.close().await;
                Ok::<_, anyhow::Error>(found?)
            })?;
            for e in &found {
                if json {
                    outln!("{}", e.leaf());
                } else {
                    let at = time::OffsetDateTime::from_unix_timestamp(e.at)
                        .ok()
                        .and_then(|t| {
                            t.format(&time::format_description::well_known::Rfc3339)
                                .ok()
                        })
                        .unwrap_or_else(|| e.at.to_string());
                    // Every field as text that cannot forge a line (issue 14 item 5): a user
                    // name holding a newline and JSON prints escaped, on its own line.
                    use eseal_core::text::printable;
                    outln!(
                        "{:>8}  {at}  {:<12}  {:<22}  {}  {}",
                        e.seq,
                        printable(&e.actor),
                        printable(&e.event),
                        printable(&e.object),
                        printable(&e.outcome)
                    );
                }
            }
            if !json {
                errln!(
                    "{}",
                    lang.t(
                        &format!("共 {} 项", found.len()),
                        &format!("{} entries", found.len())
                    )
                );
            }
            Ok(0)
        }
        AuditCommand::Verify {
            export,
            key,
            origin,
            checkpoint,
        } => {
            let pem = std::fs::read_to_string(&key)
                .map_err(|e| crate::said::io(crate::files::READ, &key, &e))?;
            let key = Sm2PublicKey::from_spki_pem(&pem)
                .map_err(|e| crate::said::about(&key, e.zh(), &e))?;
            match verify(&export, &key, &origin, checkpoint.as_deref()) {
                Ok(size) => {
                    outln!(
                        "{}",
                        lang.t(
                            &format!("通过（OK）：{size} 项，与签名检查点一致"),
                            &format!(
                                "OK: {size} entries, consistent with the signed checkpoint(s)"
                            ),
                        )
                    );
                    Ok(0)
                }
                Err((zh, en)) => {
                    outln!(
                        "{}",
                        lang.t(&format!("失败（FAILED）：{zh}"), &format!("FAILED: {en}"))
                    );
                    Ok(1)
                }
            }
        }
    }
}

pub(crate) async fn open_store(db: DbArgs) -> Result<Store> {
    Ok(match (db.data, db.database, db.database_schema) {
        (Some(dir), None, _) => Store::open_sqlite(&dir).await?,
        (None, Some(url), Some(schema)) => Store::open_postgres_in_schema(&url, &schema).await?,
        (None, Some(url), None) => Store::open_url(&url).await?,
        _ => {
            return Err(crate::said::said(
                "请给出 --data 目录或 --database 数据库地址",
                "give --data DIR or --database URL",
            ));
        }
    })
}

/// Checks an export directory: see [`eseal_tlog::audit::verify_export`]; why not, in Chinese
/// and English.
fn verify(
    export: &Path,
    key: &Sm2PublicKey,
    origin: &str,
    earlier: Option<&Path>,
) -> Result<u64, (String, String)> {
    let read = |p: &Path| {
        std::fs::read_to_string(p).map_err(|e| {
            (
                format!("无法读取 {}：{}", p.display(), crate::i18n::io_zh(&e)),
                format!("{}: {e}", p.display()),
            )
        })
    };
    let note = read(&export.join("checkpoint"))?;
    let log = read(&export.join("log.jsonl"))?;
    let old = earlier.map(read).transpose()?;
    let archived = export.join("archived.txt");
    let archived = if archived.exists() {
        read(&archived)?
    } else {
        String::new()
    };
    eseal_tlog::audit::verify_archived_export(&archived, &log, &note, key, origin, old.as_deref())
        .map_err(|e| (e.zh(), e.to_string()))
}
