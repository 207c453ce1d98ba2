//! `eseal backup verify`: an archive checked offline, whole, before anyone relies on it.

use super::container::{ArchiveReader, BackupKey, Header};
use super::{DATABASE_PART, Logs, MANIFEST_PART, Manifest, Part, SIGNATURE_PART, failure};
use crate::failure::Failure;
use eseal_gm::Sm2PublicKey;
use eseal_store::dump::{Item, Reader, Table};
use std::path::Path;

/// The longest line of a database copy (a 64 MiB blob in hex, with its row).
const MAX_LINE: usize = 160 * 1024 * 1024;

/// Which key the manifest's signature was checked with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignedBy {
    /// The log key the caller gave (trusted).
    Given,
    /// The archive's own `pki/audit-key.pem` (proves integrity under that key, not who
    /// made it: give the log key to check that).
    Archive,
}

/// An archive that verified.
#[derive(Debug, Clone)]
pub struct Verified {
    /// Its manifest.
    pub manifest: Manifest,
    /// Its clear header.
    pub header: Header,
    /// The key its signature was checked with.
    pub signed_by: SignedBy,
}

fn invalid(path: &Path, zh: String, en: String) -> Failure {
    failure(
        "backup_invalid",
        format!("{}：{zh}", path.display()),
        format!("{}: {en}", path.display()),
    )
}

/// Splits a part's bytes into lines for the database copy's reader.
#[derive(Default)]
struct LineFeed {
    pending: Vec<u8>,
}

impl LineFeed {
    fn feed(
        &mut self,
        bytes: &[u8],
        each: &mut dyn FnMut(&str) -> Result<(), String>,
    ) -> Result<(), String> {
        self.pending.extend_from_slice(bytes);
        let mut start = 0;
        while let Some(nl) = self.pending[start..].iter().position(|b| *b == b'\n') {
            let line = std::str::from_utf8(&self.pending[start..start + nl])
                .map_err(|_| "a line of the database copy is not UTF-8".to_owned())?;
            each(line)?;
            start += nl + 1;
        }
        self.pending.drain(..start);
        if self.pending.len() > MAX_LINE {
            return Err("a line of the database copy is longer than allowed".into());
        }
        Ok(())
    }
}

/// Verifies the archive at `path` with the backup `key`: every part decrypted and its SM3
/// recomputed, the database copy read whole (structure, row counts) with both logs' trees
/// rebuilt and their newest signed checkpoints checked, the manifest compared with all of
/// it, and its signature checked with `log_key` (or, without one, the archive's own).
pub fn verify(
    path: &Path,
    key: &BackupKey,
    log_key: Option<&Sm2PublicKey>,
) -> Result<Verified, Failure> {
    let file = std::fs::File::open(path).map_err(|e| {
        invalid(
            path,
            format!("无法打开：{}", eseal_core::error::io_zh(&e)),
            format!("cannot be opened: {e}"),
        )
    })?;
    let mut archive = ArchiveReader::open(std::io::BufReader::with_capacity(1 << 20, file), key)
        .map_err(|e| super::open_failure(path, e))?;
    let damaged = |e: std::io::Error| {
        invalid(
            path,
            format!("归档已被改动或损坏：{}", eseal_core::error::io_zh(&e)),
            format!("the archive was changed or damaged: {e}"),
        )
    };
    let mut parts: Vec<Part> = Vec::new();
    let mut manifest_text = None;
    let mut signature = None;
    let mut archive_key_pem = None;
    let mut logs = Logs::default();
    let mut db = Reader::new();
    while let Some(name) = archive.next_part().map_err(damaged)? {
        if parts.iter().any(|p| p.name == name)
            || [MANIFEST_PART, SIGNATURE_PART].contains(&name.as_str())
                && (name == MANIFEST_PART && manifest_text.is_some()
                    || name == SIGNATURE_PART && signature.is_some())
        {
            return Err(invalid(
                path,
                format!("部分 {name} 出现两次"),
                format!("part {name} appears twice"),
            ));
        }
        if manifest_text.is_some() && name != SIGNATURE_PART {
            return Err(invalid(
                path,
                format!("清单之后还有部分 {name}"),
                format!("part {name} follows the manifest"),
            ));
        }
        match name.as_str() {
            MANIFEST_PART => {
                manifest_text = Some(archive.read_part(16 << 20).map_err(damaged)?);
                continue;
            }
            SIGNATURE_PART => {
                signature = Some(archive.read_part(1024).map_err(damaged)?);
                continue;
            }
            _ => {}
        }
        let known = name == DATABASE_PART
            || name
                .strip_prefix("data/")
                .or_else(|| name.strip_prefix("checkpoints/"))
                .is_some_and(|rest| rest.split('/').all(super::safe_name));
        if !known {
            return Err(invalid(
                path,
                format!("未知的部分 {name}"),
                format!("unknown part {name}"),
            ));
        }
        let mut hash = eseal_gm::Sm3Hasher::new();
        let mut size = 0u64;
        let mut keep = (name == "data/pki/audit-key.pem").then(Vec::new);
        let mut lines = LineFeed::default();
        let mut table: Option<Table> = None;
        let mut db_error: Option<String> = None;
        while archive
            .segment(&mut |b| {
                hash.update(b);
                size += b.len() as u64;
                if let Some(k) = &mut keep
                    && k.len() < 64 * 1024
                {
                    k.extend_from_slice(b);
                }
                if name == DATABASE_PART && db_error.is_none() {
                    let r = lines.feed(b, &mut |line| {
                        match db.push(line).map_err(|e| e.to_string())? {
                            Some(Item::Table(t)) => table = Some(t),
                            Some(Item::Row(row)) => {
                                if let Some(t) = &table {
                                    logs.see_row(t, &row);
                                }
                            }
                            Some(Item::End(_)) | None => {}
                        }
                        Ok(())
                    });
                    if let Err(e) = r {
                        db_error = Some(e);
                    }
                }
                Ok(())
            })
            .map_err(damaged)?
        {}
        if let Some(e) = db_error {
            return Err(invalid(
                path,
                format!("数据库副本不可读：{e}"),
                format!("the database copy is unreadable: {e}"),
            ));
        }
        if let Some(k) = keep {
            archive_key_pem = Some(k);
        }
        parts.push(Part {
            name,
            size,
            sm3: hash.finalize().to_hex(),
        });
    }
    let (Some(text), Some(sig)) = (manifest_text, signature) else {
        return Err(invalid(
            path,
            "没有清单或其签名（归档不完整）".into(),
            "no manifest or no signature (the archive is incomplete)".into(),
        ));
    };
    // The signature first: nothing the manifest says counts before it verifies.
    let archive_key = archive_key_pem
        .and_then(|p| String::from_utf8(p).ok())
        .and_then(|p| Sm2PublicKey::from_spki_pem(&p).ok());
    let (key_used, signed_by) = match (log_key, &archive_key) {
        (Some(k), _) => (k.clone(), SignedBy::Given),
        (None, Some(k)) => (k.clone(), SignedBy::Archive),
        (None, None) => {
            return Err(invalid(
                path,
                "归档中没有日志公钥（pki/audit-key.pem），请用 --log-key 给出".into(),
                "the archive holds no log key (pki/audit-key.pem); give it with --log-key".into(),
            ));
        }
    };
    let sig = eseal_gm::Sm2Signature::from_der(&sig).map_err(|_| {
        invalid(
            path,
            "清单签名不可读".into(),
            "the manifest's signature is unreadable".into(),
        )
    })?;
    key_used
        .verify(&eseal_gm::SignerId::default(), &text, &sig)
        .map_err(|_| {
            invalid(
                path,
                "清单的签名用日志密钥验证不通过：归档不是本登记库的日志密钥签署的，或清单被改动".into(),
                "the manifest's signature does not verify with the log key: the archive was not signed by this registry's log key, or the manifest was changed".into(),
            )
        })?;
    let manifest: Manifest = serde_json::from_slice(&text).map_err(|e| {
        invalid(
            path,
            format!("清单不可读：{e}"),
            format!("the manifest is unreadable: {e}"),
        )
    })?;
    let der = key_used
        .to_spki_der()
        .map_err(|e| Failure::internal(e.to_string()))?;
    if manifest.log_key != eseal_gm::Sm3Digest::of(&der).to_hex() {
        return Err(invalid(
            path,
            "清单记载的日志密钥不是验证其签名的密钥".into(),
            "the manifest names another log key than the one its signature verifies with".into(),
        ));
    }
    // Every part as listed: same names, order, sizes and digests.
    if manifest.parts != parts {
        let (zh, en) = match manifest.parts.iter().zip(&parts).find(|(a, b)| a != b) {
            Some((a, _)) => (
                format!("部分与清单不符：{}", a.name),
                format!("the parts do not match the manifest: {}", a.name),
            ),
            None => (
                format!(
                    "部分的数目与清单不符：清单列出 {} 个，归档有 {} 个",
                    manifest.parts.len(),
                    parts.len()
                ),
                format!(
                    "the number of parts does not match the manifest: it lists {}, the archive holds {}",
                    manifest.parts.len(),
                    parts.len()
                ),
            ),
        };
        return Err(invalid(path, zh, en));
    }
    let Some(summary) = db.summary() else {
        return Err(invalid(
            path,
            "数据库副本不完整".into(),
            "the database copy is incomplete".into(),
        ));
    };
    if summary.tables != manifest.tables
        || summary.schema != manifest.schema
        || summary.backend != manifest.backend
    {
        return Err(invalid(
            path,
            "数据库副本的表或行数与清单不符".into(),
            "the database copy's tables or row counts differ from the manifest".into(),
        ));
    }
    // The logs rebuilt from the copy: the roots the manifest signed, and the copy's own
    // newest checkpoints (signed by the log key) reproduced.
    let states = logs
        .states(&key_used)
        .map_err(|(zh, en)| invalid(path, zh, en))?;
    if states != manifest.logs {
        return Err(invalid(
            path,
            "由副本重算的审计日志或印章日志的大小、根与清单不符".into(),
            "the audit or seal log rebuilt from the copy differs from the manifest's size or root"
                .into(),
        ));
    }
    let header = archive.header.clone();
    if header.created != manifest.created {
        return Err(invalid(
            path,
            "归档头与清单的时间不符".into(),
            "the archive's header and manifest differ in time".into(),
        ));
    }
    Ok(Verified {
        manifest,
        header,
        signed_by,
    })
}
