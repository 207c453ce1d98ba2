//! What a database was set up with, checked at every start (issue 14 item 3): a service that
//! finds its data key replaced, its PKI directory recreated or its database emptied or rolled
//! back refuses to start and says which file is wrong and what to do — instead of starting
//! with a fresh key (every PIN then fails and counts as wrong, every login fails), a fresh CA
//! (no seal verifies) or a fresh database beside the checkpoints of the old one.
//!
//! The database keeps one [`Installation`] record: a value sealed under the data key (the
//! key check value: only the same key opens it) and the SM3 of the PKI's certificates and of
//! the log key. A database from before this record is checked by opening a known record (a
//! user's TOTP secret) and then given one.

use crate::devpki::DevPki;
use crate::failure::Failure;
use crate::files::checkpoint_dir;
use eseal_core::DataKey;
use eseal_gm::provider::SecureRandom;
use eseal_store::transparency::Log;
use eseal_store::{Batch, Column, Record, Store};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The key of the one installation record.
const ID: &str = "this";
/// What the key check value seals.
const CHECK_PLAIN: &[u8] = b"eseal data key check v1";

/// What the database was set up with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Installation {
    /// Always [`ID`].
    pub id: String,
    /// The data key's id.
    pub data_key_id: u32,
    /// [`CHECK_PLAIN`] sealed under the data key (SM4-GCM): `<sm3 hex>:<blob hex>`.
    pub data_key_check: String,
    /// (file, SM3 hex) of the PKI's certificates and log key ([`DevPki::identities`]).
    pub pki: Vec<(String, String)>,
    /// When it was recorded, Unix seconds.
    pub created: i64,
}

impl Record for Installation {
    const TABLE: &'static str = "installation";
    fn key(&self) -> &str {
        &self.id
    }
    fn columns(&self) -> Vec<(&'static str, Column)> {
        Vec::new()
    }
    fn audit_outcome(&self) -> Option<String> {
        Some(format!(
            "data_key={} pki={}",
            self.data_key_id,
            self.pki
                .iter()
                .map(|(f, h)| format!("{f}:{}", h.get(..16).unwrap_or(h)))
                .collect::<Vec<_>>()
                .join(",")
        ))
    }
}

/// A refusal to start: the message is for the operator, in full.
fn refuse(zh: String, en: String) -> Failure {
    Failure::startup(zh, en)
}

/// Whether the store holds nothing yet: no audit entry (every start records one), none
/// archived, no user, no installation record.
pub async fn is_new(store: &Store) -> Result<bool, Failure> {
    Ok(store.log_size(Log::Audit).await? == 0
        && store.audit_archived().await? == 0
        && store.all::<crate::auth::User>(1).await?.is_empty()
        && store.get::<Installation>(ID).await?.is_none())
}

/// The newest checkpoint file (`<size>.checkpoint`) in `dir`: its size and path.
pub fn newest_checkpoint(dir: &Path) -> Option<(u64, PathBuf)> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let size = name.strip_suffix(".checkpoint")?.parse::<u64>().ok()?;
            Some((size, e.path()))
        })
        .max_by_key(|(size, _)| *size)
}

/// An operator's acknowledgement of a rollback (`eseal serve --accept-rollback-to N
/// --rollback-reason TEXT`): the audit log's size the database was restored to, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptRollback {
    /// The audit log's size now (as the refusal named it).
    pub to: u64,
    /// Why (kept in the audit log).
    pub reason: String,
}

/// A rollback found at start: per log (origin, entries in the database, newest exported
/// checkpoint's size).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rollback {
    /// (log origin, database size, checkpoint size) for each log that went back.
    pub logs: Vec<(&'static str, u64, u64)>,
    /// Where the newer checkpoint files were moved.
    pub moved_to: PathBuf,
    /// The reason given.
    pub reason: String,
}

/// Refuses a database smaller than the checkpoints exported from it (`dir` is the audit
/// checkpoint directory; the seal log's are under `dir/seals`): it was emptied, or restored
/// from an older backup than the checkpoints, and would start again beside them — unless
/// the operator acknowledged exactly this rollback (`accept`). Then the checkpoint files
/// beyond the database are moved (never deleted) into `dir/rolled-back-<time>/`, so the
/// logs go on from the restored state, and the rollback is returned to be audited.
pub async fn check_checkpoints(
    store: &Store,
    dir: &Path,
    accept: Option<&AcceptRollback>,
    now: time::OffsetDateTime,
) -> Result<Option<Rollback>, Failure> {
    let mut behind = Vec::new();
    for log in [Log::Audit, Log::Seals] {
        let Some((signed, _)) = newest_checkpoint(&checkpoint_dir(dir, log)) else {
            continue;
        };
        let size = store.log_size(log).await?.max(0) as u64
            + if log == Log::Audit {
                store.audit_archived().await?.max(0) as u64
            } else {
                0
            };
        if size < signed {
            behind.push((log, size, signed));
        }
    }
    if behind.is_empty() {
        return Ok(None);
    }
    let audit_size = match behind.iter().find(|(l, _, _)| *l == Log::Audit) {
        Some((_, size, _)) => *size,
        None => {
            store.log_size(Log::Audit).await?.max(0) as u64
                + store.audit_archived().await?.max(0) as u64
        }
    };
    let lost_zh: Vec<String> = behind
        .iter()
        .map(|(l, size, signed)| {
            format!(
                "{} 日志有 {size} 条，而 {} 已签署到 {signed} 条（缺第 {size}–{} 条，共 {} 条{}）",
                l.origin(),
                checkpoint_dir(dir, *l).display(),
                signed - 1,
                signed - size,
                if *l == Log::Seals {
                    "：这些是备份之后制作、变更或注销印章的记录，须据公安备案和监督方保存的日志补登"
                } else {
                    ""
                }
            )
        })
        .collect();
    let lost_en: Vec<String> = behind
        .iter()
        .map(|(l, size, signed)| {
            format!(
                "the {} log holds {size} entries, but {} was signed over {signed} (entries {size}–{} are missing, {} in all{})",
                l.origin(),
                checkpoint_dir(dir, *l).display(),
                signed - 1,
                signed - size,
                if *l == Log::Seals { ": seals made, changed or revoked after the backup — re-register them from the police filings and the monitors' copies of the log" } else { "" }
            )
        })
        .collect();
    match accept {
        Some(a) if a.to == audit_size && !a.reason.trim().is_empty() => {
            let moved_to = dir.join(format!("rolled-back-{}", now.unix_timestamp()));
            for (log, size, _) in &behind {
                let from = checkpoint_dir(dir, *log);
                let to = checkpoint_dir(&moved_to, *log);
                crate::files::private_dir(&to)
                    .map_err(|e| Failure::internal(format!("{}: {e}", to.display())))?;
                for entry in std::fs::read_dir(&from)
                    .map_err(|e| Failure::internal(format!("{}: {e}", from.display())))?
                    .filter_map(Result::ok)
                {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    let beyond = name
                        .strip_suffix(".checkpoint")
                        .and_then(|n| n.parse::<u64>().ok())
                        .is_some_and(|n| n > *size);
                    if beyond {
                        std::fs::rename(entry.path(), to.join(&name)).map_err(|e| {
                            Failure::internal(format!("{}: {e}", entry.path().display()))
                        })?;
                    }
                }
            }
            Ok(Some(Rollback {
                logs: behind
                    .iter()
                    .map(|(l, size, signed)| (l.origin(), *size, *signed))
                    .collect(),
                moved_to,
                reason: a.reason.clone(),
            }))
        }
        Some(a) => Err(refuse(
            format!(
                "--accept-rollback-to {} 与实际不符：审计日志现有 {audit_size} 条，且须给出 --rollback-reason。{}",
                a.to,
                lost_zh.join("；")
            ),
            format!(
                "--accept-rollback-to {} does not match: the audit log holds {audit_size} entries, and --rollback-reason must be given. {}",
                a.to,
                lost_en.join("; ")
            ),
        )),
        None => Err(refuse(
            format!(
                "数据库比已导出的检查点旧（被清空，或从较旧的备份恢复）：{}。请恢复最新的备份；如确认只能从这份备份继续，请用 --accept-rollback-to {audit_size} --rollback-reason \"原因\" 启动：缺失的区间会记入审计日志，较新的检查点文件移入 {}/rolled-back-时间/ 保留，不会改写历史；如确要新建登记库，请先移走 {}",
                lost_zh.join("；"),
                dir.display(),
                dir.display()
            ),
            format!(
                "the database is older than its checkpoints (emptied, or restored from an older backup): {}. Restore the newest backup; if this backup is the only way on, start with --accept-rollback-to {audit_size} --rollback-reason \"why\": the gap is recorded in the audit log and the newer checkpoint files are kept in {}/rolled-back-<time>/, never rewritten; to start a new registry on purpose, move {} aside first",
                lost_en.join("; "),
                dir.display(),
                dir.display()
            ),
        )),
    }
}

/// Checks the data key and the PKI against the database's installation record, or records
/// them on first start (and for a database from before the record, once the data key is
/// shown to open one of its users' TOTP secrets). `key_source` names where the key came from
/// (a file, the environment, the HSM) for the message.
pub async fn check(
    store: &Store,
    data_key: &DataKey,
    key_source: &str,
    pki: &DevPki,
    random: &dyn SecureRandom,
    now: time::OffsetDateTime,
) -> Result<(), Failure> {
    let wrong_key = || {
        refuse(
            format!(
                "来自 {key_source} 的数据密钥打不开本数据库的记录（密钥校验失败）：密钥被替换或改动。请从本安装的备份恢复；切勿换用其他密钥启动——PIN 保护的印章密钥、TOTP 密钥和身份材料只能用原密钥打开"
            ),
            format!(
                "the data key from {key_source} does not open this database's records (its key check fails): the key was replaced or changed. Restore it from the backup of this installation; never start with another key — the seal keys under their PINs, the TOTP secrets and the identity materials open only with the original"
            ),
        )
    };
    let identities = pki.identities()?;
    match store.get::<Installation>(ID).await? {
        Some(found) => {
            let i = found.record;
            let (sm3, blob) = i.data_key_check.split_once(':').unwrap_or_default();
            let sm3 = hex::decode(sm3)
                .ok()
                .and_then(|b| eseal_gm::Sm3Digest::from_slice(&b));
            let opens = sm3.zip(hex::decode(blob).ok()).is_some_and(|(sm3, blob)| {
                eseal_core::material::open(data_key, &sm3, &blob).is_ok_and(|p| p == CHECK_PLAIN)
            });
            if !opens {
                return Err(wrong_key());
            }
            for (file, expected) in &i.pki {
                match identities.iter().find(|(f, _)| f == file) {
                    Some((_, found)) if found == expected => {}
                    found => {
                        let got = found.map_or("-", |(_, h)| h.as_str());
                        return Err(refuse(
                            format!(
                                "DATA/{file} 不是建立本数据库时的那个文件（SM3 {got}，应为 {expected}）：PKI 目录被替换。请从本安装的备份恢复 DATA/pki"
                            ),
                            format!(
                                "DATA/{file} is not the one this database was set up with (SM3 {got}, expected {expected}): the PKI directory was replaced. Restore DATA/pki from the backup of this installation"
                            ),
                        ));
                    }
                }
            }
            Ok(())
        }
        None => {
            let users = store.all::<crate::auth::User>(100).await?;
            if !users.is_empty()
                && !users
                    .iter()
                    .any(|u| crate::auth::totp_secret(&u.record, data_key).is_some())
            {
                return Err(wrong_key());
            }
            let sealed = eseal_core::material::seal(data_key, random, CHECK_PLAIN)?;
            let record = Installation {
                id: ID.into(),
                data_key_id: data_key.id,
                data_key_check: format!("{}:{}", sealed.sm3.to_hex(), hex::encode(&sealed.blob)),
                pki: identities,
                created: now.unix_timestamp(),
            };
            store.commit(Batch::new().insert(&record)?, now).await?;
            Ok(())
        }
    }
}
