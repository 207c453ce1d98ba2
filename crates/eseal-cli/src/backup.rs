//! `eseal backup key | create | verify | restore` (issue 21): the operator's commands over
//! `eseal_server::backup` (docs/operations.md).

use crate::i18n::Lang;
use crate::said::SaidContext;
use anyhow::{Result, anyhow};
use clap::Subcommand;
use eseal_gm::provider::SoftwareSigner;
use eseal_server::backup::container::BackupKey;
use eseal_server::backup::shares;
use eseal_server::store::Store;
use std::path::{Path, PathBuf};

/// The installation a backup is made from.
#[derive(clap::Args, Debug)]
pub struct SourceArgs {
    /// The service's data directory (keys, PKI, and the SQLite database unless --database).
    #[arg(long)]
    data: PathBuf,
    /// The service's PostgreSQL database, when it uses one.
    #[arg(long, env = "ESEAL_DATABASE")]
    database: Option<String>,
    /// The PostgreSQL schema.
    #[arg(long)]
    database_schema: Option<String>,
    /// The service's checkpoint directory (--audit-checkpoints; default DATA/audit-checkpoints).
    #[arg(long)]
    checkpoints: Option<PathBuf>,
}

/// The backup key: its file, or its custodians' shares.
#[derive(clap::Args, Debug)]
pub struct KeyArgs {
    /// The backup key file (made by `eseal backup key`).
    #[arg(
        long = "key",
        env = "ESEAL_BACKUP_KEY_FILE",
        required_unless_present = "share"
    )]
    key: Option<PathBuf>,
    /// Or the backup key's shares, from its custodians (repeat: as many as the threshold)
    #[arg(long, conflicts_with = "key")]
    share: Vec<PathBuf>,
}

/// Reads shares from their files.
fn read_shares(files: &[PathBuf], lang: Lang) -> Result<Vec<shares::Share>> {
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f)
                .map_err(|e| crate::said::io(crate::files::READ, f, &e))?;
            shares::Share::from_text(&text, &f.display().to_string()).map_err(|e| failed(lang, &e))
        })
        .collect()
}

impl KeyArgs {
    fn open(&self, lang: Lang) -> Result<BackupKey> {
        let (text, from) = match &self.key {
            Some(k) => (
                zeroize::Zeroizing::new(
                    std::fs::read_to_string(k)
                        .map_err(|e| crate::said::io(crate::files::READ, k, &e))?,
                ),
                k.display().to_string(),
            ),
            None => (
                shares::join(&read_shares(&self.share, lang)?).map_err(|e| failed(lang, &e))?,
                lang.t("份额合成的密钥", "the key joined from the shares")
                    .to_owned(),
            ),
        };
        BackupKey::from_text(&text).ok_or_else(|| {
            crate::said::said(
                format!("{from}：不是 eseal 备份密钥"),
                format!("{from}: not an eseal backup key"),
            )
        })
    }
}

/// Where a ceremony is audited: the service's database.
#[derive(clap::Args, Debug)]
pub struct CeremonyDb {
    /// The service's data directory, to audit the ceremony in its log (SQLite)
    #[arg(long = "audit-data")]
    audit_data: Option<PathBuf>,
    /// Or its PostgreSQL database
    #[arg(long = "audit-database")]
    audit_database: Option<String>,
}

impl CeremonyDb {
    /// Audits the ceremony, when a database is named.
    fn record(&self, kind: &str, key: &str, outcome: &str, lang: Lang) -> Result<bool> {
        let Some(data) = &self.audit_data else {
            if self.audit_database.is_some() {
                return Err(crate::said::said(
                    "--audit-database 还需要 --audit-data（服务的数据目录）",
                    "--audit-database needs --audit-data (the service's data directory) too",
                ));
            }
            return Ok(false);
        };
        let rt = crate::audit::runtime()?;
        rt.block_on(async {
            let store = open(data, self.audit_database.as_deref(), None).await?;
            let done = eseal_server::store::audit::ACTOR
                .scope(
                    crate::user::operator(),
                    shares::record(&store, kind, key, outcome, time::OffsetDateTime::now_utc()),
                )
                .await;
            store.close().await;
            done.map_err(|e| failed(lang, &e))
        })?;
        Ok(true)
    }
}

/// `eseal backup`.
#[derive(Subcommand, Debug)]
pub enum BackupCommand {
    /// Make a new backup key (a new file, never over one); keep it away from the service's machine
    Key {
        /// The key file to write
        #[arg(long)]
        out: PathBuf,
    },
    /// Split a key file (the backup key, or DATA/keys/data.key) among named custodians: any THRESHOLD of the shares give it back
    KeySplit {
        /// The key file to split
        #[arg(long)]
        key: PathBuf,
        /// How many shares are needed to give the key back
        #[arg(long)]
        threshold: u8,
        /// A custodian's name (repeat: one share each)
        #[arg(long = "custodian", required = true)]
        custodians: Vec<String>,
        /// The directory to write the shares into (new files share-N.txt; print each, hand it over sealed, then delete it)
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        audit: CeremonyDb,
    },
    /// Join custodians' shares back into the key file (a new file)
    KeyJoin {
        /// A share file (repeat: as many as the threshold)
        #[arg(long = "share", required = true)]
        shares: Vec<PathBuf>,
        /// The key file to write
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        audit: CeremonyDb,
    },
    /// Rotate the data key without downtime, in three steps: add (a new key; then restart the servers one by one), rewrap (everything sealed again under it, while running), retire (the old key removed once nothing uses it)
    RotateDataKey {
        /// add, rewrap or retire
        #[arg(value_enum)]
        step: RotateStep,
        /// The service's data directory (keys/data.key; the SQLite database unless --database)
        #[arg(long)]
        data: PathBuf,
        /// The service's PostgreSQL database, when it uses one
        #[arg(long, env = "ESEAL_DATABASE")]
        database: Option<String>,
        /// The PostgreSQL schema.
        #[arg(long)]
        database_schema: Option<String>,
    },
    /// Rotate the log key (checkpoints, backup manifests), with the service stopped: the latest checkpoints are signed by the old and the new key (the handover), then the new key is used
    RotateLogKey {
        #[command(flatten)]
        src: SourceArgs,
    },
    /// Back up the installation while it runs: database, keys, PKI and checkpoints in one encrypted, signed archive
    Create {
        #[command(flatten)]
        src: SourceArgs,
        #[command(flatten)]
        key: KeyArgs,
        /// The archive to write, or a directory to write eseal-<time>.esbk into (never overwrites)
        #[arg(long)]
        out: PathBuf,
    },
    /// Check an archive offline: every digest, the database copy, both logs' roots and the signature
    Verify {
        /// The archive
        archive: PathBuf,
        #[command(flatten)]
        key: KeyArgs,
        /// The registry's log public key (PEM) to check the signature with (default: the archive's own, said as such)
        #[arg(long)]
        log_key: Option<PathBuf>,
    },
    /// Restore an archive into an empty data directory (and an empty database with --database)
    Restore {
        /// The archive
        archive: PathBuf,
        #[command(flatten)]
        key: KeyArgs,
        /// The data directory to restore into (absent or empty)
        #[arg(long)]
        data: PathBuf,
        /// A PostgreSQL database to restore the records into (empty); default: SQLite in --data
        #[arg(long)]
        database: Option<String>,
        /// The PostgreSQL schema.
        #[arg(long)]
        database_schema: Option<String>,
        /// The registry's log public key (PEM) to check the signature with (default: the archive's own, said as such)
        #[arg(long)]
        log_key: Option<PathBuf>,
    },
}

/// A step of the data key rotation.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum RotateStep {
    /// Append a new key (the current one from then on)
    Add,
    /// Seal everything still under an older key again under the current one
    Rewrap,
    /// Remove the older keys once nothing uses them
    Retire,
}

fn failed(lang: Lang, e: &eseal_server::failure::Failure) -> anyhow::Error {
    anyhow!("{}", e.detail.in_lang(lang == Lang::Zh))
}

fn read_log_key(path: Option<&Path>) -> Result<Option<eseal_gm::Sm2PublicKey>> {
    path.map(|p| {
        let pem =
            std::fs::read_to_string(p).map_err(|e| crate::said::io(crate::files::READ, p, &e))?;
        eseal_gm::Sm2PublicKey::from_spki_pem(&pem)
            .map_err(|e| crate::said::about(p, e.zh(), &format!("not an SM2 public key: {e}")))
    })
    .transpose()
}

/// Runs `eseal backup`.
pub fn run(cmd: BackupCommand, lang: Lang) -> Result<u8> {
    let now = time::OffsetDateTime::now_utc();
    match cmd {
        BackupCommand::RotateLogKey { src } => {
            let SourceArgs {
                data,
                database,
                database_schema,
                checkpoints,
            } = src;
            let checkpoints = checkpoints.unwrap_or_else(|| data.join("audit-checkpoints"));
            let rt = crate::audit::runtime()?;
            let r = rt.block_on(eseal_server::store::audit::ACTOR.scope(
                crate::user::operator(),
                async {
                    let store =
                        open(&data, database.as_deref(), database_schema.as_deref()).await?;
                    let done = eseal_server::backup::rotate::rotate_log_key(
                        &data,
                        &store,
                        &checkpoints,
                        &eseal_gm::provider::OsRandom,
                        now,
                    )
                    .await;
                    store.close().await;
                    done.map_err(|e| failed(lang, &e))
                },
            ))?;
            let handover = r
                .announced
                .iter()
                .map(|(o, s)| format!("{o}@{s}"))
                .collect::<Vec<_>>()
                .join(" ");
            outln!(
                "{}",
                lang.t(
                    &format!(
                        "日志密钥已由 {} 更换为 {}；交接检查点（新旧密钥共同签署）：{handover}。把新的 pki/audit-key.pem 和交接检查点交给见证人与监督方（监督方用 --key 新公钥 --previous-key 旧公钥），然后启动服务",
                        r.old, r.new
                    ),
                    &format!(
                        "log key rotated from {} to {}; handover checkpoints (signed by both): {handover}. Give the new pki/audit-key.pem and the handover checkpoints to witnesses and monitors (monitors: --key NEW --previous-key OLD), then start the service",
                        r.old, r.new
                    ),
                )
            );
            Ok(0)
        }
        BackupCommand::RotateDataKey {
            step,
            data,
            database,
            database_schema,
        } => rotate(
            step,
            &data,
            database.as_deref(),
            database_schema.as_deref(),
            lang,
        ),
        BackupCommand::KeySplit {
            key,
            threshold,
            custodians,
            out,
            audit,
        } => {
            let text = zeroize::Zeroizing::new(
                std::fs::read_to_string(&key)
                    .map_err(|e| crate::said::io(crate::files::READ, &key, &e))?,
            );
            let made = now
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default();
            let parts = shares::split(&text, threshold, &custodians, &made)
                .map_err(|e| failed(lang, &e))?;
            eseal_server::files::private_dir(&out)?;
            for s in &parts {
                let file = out.join(format!("share-{}.txt", s.number));
                crate::files::write_secret(&file, s.to_text().as_bytes())?;
            }
            let (kind, fp) = (shares::kind_of(text.trim()), shares::fingerprint(&text));
            let outcome = format!(
                "split {threshold}-of-{} custodians={}",
                custodians.len(),
                custodians.join(",")
            );
            let audited = audit.record(kind, &fp, &outcome, lang)?;
            outln!(
                "{}",
                lang.t(
                    &format!(
                        "已把 {kind} {fp} 拆分为 {} 份（任意 {threshold} 份可合成），写入 {}；逐份打印、密封交给保管人后删除这些文件{}",
                        parts.len(),
                        out.display(),
                        if audited { "。已记入审计日志" } else { "" }
                    ),
                    &format!(
                        "split {kind} {fp} into {} shares (any {threshold} join it) in {}; print each, hand it over sealed, then delete the files{}",
                        parts.len(),
                        out.display(),
                        if audited { ". Audited" } else { "" }
                    ),
                )
            );
            Ok(0)
        }
        BackupCommand::KeyJoin {
            shares: files,
            out,
            audit,
        } => {
            let parts = read_shares(&files, lang)?;
            let text = shares::join(&parts).map_err(|e| failed(lang, &e))?;
            crate::files::write_secret(&out, text.as_bytes())?;
            let (kind, fp) = (shares::kind_of(text.trim()), shares::fingerprint(&text));
            let names: Vec<&str> = parts.iter().map(|s| s.custodian.as_str()).collect();
            let audited = audit.record(
                kind,
                &fp,
                &format!("joined custodians={}", names.join(",")),
                lang,
            )?;
            outln!(
                "{}",
                lang.t(
                    &format!(
                        "已由 {} 的份额合成 {kind} {fp}，写入 {}{}",
                        names.join("、"),
                        out.display(),
                        if audited {
                            "。已记入审计日志"
                        } else {
                            ""
                        }
                    ),
                    &format!(
                        "joined {kind} {fp} from the shares of {} into {}{}",
                        names.join(", "),
                        out.display(),
                        if audited { ". Audited" } else { "" }
                    ),
                )
            );
            Ok(0)
        }
        BackupCommand::Key { out } => {
            let key = BackupKey::generate(&eseal_gm::provider::OsRandom)?;
            crate::files::write_secret(&out, key.to_text().as_bytes())?;
            outln!(
                "{}",
                lang.t(
                    &format!(
                        "已写出备份密钥 {}（标识 {}）。请把它离线保存在与服务器不同的地方",
                        out.display(),
                        key.id()
                    ),
                    &format!(
                        "wrote backup key {} (id {}). Keep it offline, away from the server",
                        out.display(),
                        key.id()
                    ),
                )
            );
            Ok(0)
        }
        BackupCommand::Create { src, key, out } => {
            let key = key.open(lang)?;
            let audit_key = src.data.join("pki").join("audit.key");
            let signer = SoftwareSigner::new(
                crate::files::read_private_key(&audit_key).said_context(|| {
                    (
                        format!("日志密钥 {}", audit_key.display()),
                        format!("the log key {}", audit_key.display()),
                    )
                })?,
            );
            let out = if out.is_dir() {
                out.join(eseal_server::backup::file_name(now))
            } else {
                out
            };
            let rt = crate::audit::runtime()?;
            let created = rt.block_on(async {
                let store = open(
                    &src.data,
                    src.database.as_deref(),
                    src.database_schema.as_deref(),
                )
                .await?;
                let checkpoints = src
                    .checkpoints
                    .clone()
                    .unwrap_or_else(|| src.data.join("audit-checkpoints"));
                let done = eseal_server::store::audit::ACTOR
                    .scope(
                        crate::user::operator(),
                        eseal_server::backup::create(
                            eseal_server::backup::Source {
                                store: &store,
                                data: &src.data,
                                checkpoints: &checkpoints,
                            },
                            &key,
                            &signer,
                            &out,
                            now,
                        ),
                    )
                    .await;
                store.close().await;
                done.map_err(|e| failed(lang, &e))
            })?;
            let m = &created.manifest;
            outln!(
                "{}",
                lang.t(
                    &format!(
                        "已写出备份 {}：{} 字节，SM3 {}；{} 张表 {} 行，{}",
                        created.path.display(),
                        created.bytes,
                        created.sm3,
                        m.tables.len(),
                        m.tables.iter().map(|(_, n)| n).sum::<u64>(),
                        eseal_server::backup::log_outcome(m)
                    ),
                    &format!(
                        "wrote backup {}: {} bytes, SM3 {}; {} tables, {} rows, {}",
                        created.path.display(),
                        created.bytes,
                        created.sm3,
                        m.tables.len(),
                        m.tables.iter().map(|(_, n)| n).sum::<u64>(),
                        eseal_server::backup::log_outcome(m)
                    ),
                )
            );
            Ok(0)
        }
        BackupCommand::Verify {
            archive,
            key,
            log_key,
        } => {
            let key = key.open(lang)?;
            let log_key = read_log_key(log_key.as_deref())?;
            match eseal_server::backup::verify(&archive, &key, log_key.as_ref()) {
                Ok(v) => {
                    print_verified(lang, &archive, &v);
                    Ok(0)
                }
                Err(e) => {
                    outln!(
                        "{}",
                        lang.t(
                            &format!("失败（FAILED）：{}", e.detail.zh),
                            &format!("FAILED: {}", e.detail.en)
                        )
                    );
                    Ok(1)
                }
            }
        }
        BackupCommand::Restore {
            archive,
            key,
            data,
            database,
            database_schema,
            log_key,
        } => {
            let key = key.open(lang)?;
            let log_key = read_log_key(log_key.as_deref())?;
            let rt = crate::audit::runtime()?;
            let restored = rt.block_on(eseal_server::store::audit::ACTOR.scope(
                crate::user::operator(),
                eseal_server::backup::restore(
                    &archive,
                    &key,
                    log_key.as_ref(),
                    eseal_server::backup::Target {
                        data: &data,
                        database: database.as_deref(),
                        schema: database_schema.as_deref(),
                    },
                    now,
                ),
            ));
            let r = restored.map_err(|e| failed(lang, &e))?;
            outln!(
                "{}",
                lang.t(
                    &format!(
                        "已把 {}（{} 制作）恢复到 {}：{} 行，{} 个文件，{}。启动服务前请核对检查点目录（见 docs/operations.md）",
                        archive.display(),
                        r.manifest.created,
                        data.display(),
                        r.rows,
                        r.files.len(),
                        eseal_server::backup::log_outcome(&r.manifest)
                    ),
                    &format!(
                        "restored {} (made {}) into {}: {} rows, {} files, {}. Check the checkpoint directory before starting the service (docs/operations.md)",
                        archive.display(),
                        r.manifest.created,
                        data.display(),
                        r.rows,
                        r.files.len(),
                        eseal_server::backup::log_outcome(&r.manifest)
                    ),
                )
            );
            Ok(0)
        }
    }
}

async fn open(data: &Path, database: Option<&str>, schema: Option<&str>) -> Result<Store> {
    Ok(match (database, schema) {
        (Some(url), Some(s)) => Store::open_postgres_in_schema(url, s).await?,
        (Some(url), None) => Store::open_url(url).await?,
        (None, _) => {
            if !data.join(eseal_server::store::SQLITE_FILE).exists() {
                return Err(crate::said::said(
                    format!(
                        "{}：这里没有数据库（请给出服务的 --data，或 --database）",
                        data.display()
                    ),
                    format!(
                        "{}: no database here (give the service's --data, or --database)",
                        data.display()
                    ),
                ));
            }
            Store::open_sqlite(data).await?
        }
    })
}

fn print_verified(lang: Lang, archive: &Path, v: &eseal_server::backup::Verified) {
    let m = &v.manifest;
    let signer = match v.signed_by {
        eseal_server::backup::SignedBy::Given => lang.t("给出的日志密钥", "the log key given"),
        eseal_server::backup::SignedBy::Archive => lang.t(
            "归档自带的日志密钥（只证明完整；要确认来源请用 --log-key）",
            "the archive's own log key (proves integrity only; give --log-key to check who made it)",
        ),
    };
    let (file, parts, tables) = (archive.display(), m.parts.len(), m.tables.len());
    let rows: u64 = m.tables.iter().map(|(_, n)| n).sum();
    let logs = logs_line(lang, m);
    let (created, eseal, backend, schema) = (&m.created, &m.eseal, &m.backend, m.schema);
    match lang {
        Lang::Zh => outln!(
            "通过（PASSED）：{file}\n  制作于 {created}，eseal {eseal}，{backend}，数据库结构版本 {schema}\n  {parts} 个部分，摘要全部一致；{tables} 张表 {rows} 行\n  {logs}\n  签名：{signer}"
        ),
        Lang::En => outln!(
            "PASSED: {file}\n  made {created}, eseal {eseal}, {backend}, schema {schema}\n  {parts} parts, every digest matches; {tables} tables, {rows} rows\n  {logs}\n  signature: {signer}"
        ),
    }
}

fn logs_line(lang: Lang, m: &eseal_server::backup::Manifest) -> String {
    m.logs
        .iter()
        .map(|l| {
            let cp = l.checkpoint.map_or_else(
                || lang.t("无检查点", "no checkpoint").to_owned(),
                |c| format!("{} {c}", lang.t("检查点", "checkpoint")),
            );
            format!(
                "{} {} ({cp}) {}",
                l.origin,
                l.size,
                l.root.get(..16).unwrap_or(&l.root)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// `eseal backup rotate-data-key STEP`: the step, audited as a key ceremony.
fn rotate(
    step: RotateStep,
    data: &Path,
    database: Option<&str>,
    schema: Option<&str>,
    lang: Lang,
) -> Result<u8> {
    use eseal_server::backup::rotate;
    let now = time::OffsetDateTime::now_utc();
    let random = eseal_gm::provider::OsRandom;
    let rt = crate::audit::runtime()?;
    let (object, outcome, said) = rt.block_on(eseal_server::store::audit::ACTOR.scope(
        crate::user::operator(),
        async {
            let store = open(data, database, schema).await?;
            let r: Result<(String, String, (String, String))> = async {
                let file = data.join("keys/data.key");
                match step {
                    RotateStep::Add => {
                        let (old, new) = rotate::add(data, &random).map_err(|e| failed(lang, &e))?;
                        Ok((
                            format!("data-key/{new}"),
                            format!("added {new} after {old}"),
                            (
                                format!("已在 {} 追加数据密钥 {new}（此前为 {old}）。请逐台重启服务，然后执行 rewrap", file.display()),
                                format!("added data key {new} to {} (was {old}). Restart the servers one by one, then run rewrap", file.display()),
                            ),
                        ))
                    }
                    RotateStep::Rewrap => {
                        let text = zeroize::Zeroizing::new(std::fs::read_to_string(&file).map_err(|e| crate::said::io(crate::files::READ, &file, &e))?);
                        let key = eseal_server::keystore::parse_keyring(&text, &file.display().to_string()).map_err(|e| failed(lang, &e))?;
                        let n = rotate::rewrap(&store, &key, &random, now).await.map_err(|e| failed(lang, &e))?;
                        let counts = format!("materials={} seal_keys={} users={} installation={}", n.materials, n.seal_keys, n.users, n.installation);
                        Ok((
                            format!("data-key/{}", key.id),
                            format!("rewrapped {counts}"),
                            (
                                format!("已在数据密钥 {} 下重新加密：{counts}。完成后执行 retire", key.id),
                                format!("sealed again under data key {}: {counts}. Then run retire", key.id),
                            ),
                        ))
                    }
                    RotateStep::Retire => {
                        let gone = rotate::retire(data, &store, &random, now).await.map_err(|e| failed(lang, &e))?;
                        let ids = gone.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
                        Ok((
                            "data-key/retired".to_owned(),
                            format!("retired {ids}"),
                            (
                                format!("已从 {} 移除旧数据密钥 {ids}。请逐台重启服务", file.display()),
                                format!("removed the older data keys {ids} from {}. Restart the servers one by one", file.display()),
                            ),
                        ))
                    }
                }
            }
            .await;
            if let Ok((object, outcome, _)) = &r {
                let (kind, key) = object.split_once('/').unwrap_or(("data-key", object));
                shares::record(&store, kind, key, outcome, now).await.map_err(|e| failed(lang, &e))?;
            }
            store.close().await;
            r
        },
    ))?;
    let _ = (object, outcome);
    outln!("{}", lang.t(&said.0, &said.1));
    Ok(0)
}
