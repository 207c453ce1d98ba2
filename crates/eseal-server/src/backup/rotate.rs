//! Data key rotation without downtime (issue 21 item 4), in three audited steps
//! (`eseal backup rotate-data-key add | rewrap | retire`, docs/operations.md):
//!
//! 1. **add** — a new key is appended to `DATA/keys/data.key`; the file's last line is the
//!    current key, the lines before it keys being rotated out. Each server, restarted one by
//!    one, seals everything new under the new key and still opens what the old ones sealed.
//! 2. **rewrap** — every sealed thing still under an older key is sealed again under the
//!    current one, record by record with its version (a record changed meanwhile is taken
//!    on the next pass): identity materials, platform seal keys' outer layer, TOTP secrets,
//!    the installation's key check value. The service keeps running.
//! 3. **retire** — once nothing is left under an older key (checked), the older lines are
//!    removed from the file; restart the servers once more.
//!
//! Keys in an HSM-wrapped file or in `ESEAL_DATA_KEY` are not rotated here (said so).

use crate::failure::Failure;
use crate::install::Installation;
use crate::keystore::SealKey;
use eseal_core::DataKey;
use eseal_gm::provider::SecureRandom;
use eseal_store::{Batch, Store, StoreError};
use std::path::Path;
use time::OffsetDateTime;

/// What a rewrap sealed again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rewrapped {
    /// Identity materials.
    pub materials: usize,
    /// Platform seal keys (outer layer).
    pub seal_keys: usize,
    /// Users' TOTP secrets (current and pending).
    pub users: usize,
    /// The installation record's key check value.
    pub installation: usize,
}

impl Rewrapped {
    /// All of them.
    pub fn total(&self) -> usize {
        self.materials + self.seal_keys + self.users + self.installation
    }
}

fn refused(zh: String, en: String) -> Failure {
    super::failure("key_rotation_refused", zh, en)
}

fn key_file(data: &Path) -> Result<std::path::PathBuf, Failure> {
    if std::env::var_os("ESEAL_DATA_KEY").is_some() {
        return Err(refused(
            "数据密钥来自 ESEAL_DATA_KEY：请在各副本的环境中按同样三步更换（新密钥追加在最后，用逗号分隔）".into(),
            "the data key comes from ESEAL_DATA_KEY: rotate it there in the same three steps (the new key last, comma-separated)".into(),
        ));
    }
    if data.join("keys/data.key.hsm").exists() {
        return Err(refused(
            "数据密钥由硬件密码模块包装（keys/data.key.hsm）：此命令不更换它".into(),
            "the data key is wrapped by the HSM (keys/data.key.hsm): this command does not rotate it".into(),
        ));
    }
    let file = data.join("keys/data.key");
    if !file.exists() {
        return Err(refused(
            format!("{} 不存在", file.display()),
            format!("{} does not exist", file.display()),
        ));
    }
    Ok(file)
}

fn write_keys(file: &Path, text: &str) -> Result<(), Failure> {
    crate::files::put(file, crate::files::Put::Replace, true, |f| {
        std::io::Write::write_all(f, text.as_bytes())
    })
    .map_err(|e| Failure::internal(format!("{}: {e}", file.display())))
}

/// Step 1: appends a new random key to `DATA/keys/data.key`; returns (old current id, new id).
pub fn add(data: &Path, random: &dyn SecureRandom) -> Result<(u32, u32), Failure> {
    let file = key_file(data)?;
    let text = zeroize::Zeroizing::new(
        std::fs::read_to_string(&file)
            .map_err(|e| Failure::internal(format!("{}: {e}", file.display())))?,
    );
    let keys = crate::keystore::parse_keyring(&text, &file.display().to_string())?;
    let old = keys.id;
    let new = keys.ids().into_iter().max().unwrap_or(old) + 1;
    let mut bytes = zeroize::Zeroizing::new([0u8; 16]);
    random
        .fill(bytes.as_mut())
        .map_err(|e| Failure::internal(e.to_string()))?;
    let mut lines = zeroize::Zeroizing::new(text.trim_end().to_owned());
    lines.push_str(&format!("\n{new}:{}\n", hex::encode(bytes.as_ref())));
    write_keys(&file, &lines)?;
    Ok((old, new))
}

/// Step 2: seals again under `key`'s current key everything still under an older one.
pub async fn rewrap(
    store: &Store,
    key: &DataKey,
    random: &dyn SecureRandom,
    now: OffsetDateTime,
) -> Result<Rewrapped, Failure> {
    let mut done = Rewrapped::default();
    // Identity materials.
    let mut after = String::new();
    loop {
        let page = store.materials_not_under(key.id, &after, 200).await?;
        let Some(last) = page.last() else { break };
        after = last.0.clone();
        let mut batch = Batch::new();
        for (sm3, old, blob) in &page {
            let digest = hex::decode(sm3)
                .ok()
                .and_then(|b| eseal_gm::Sm3Digest::from_slice(&b))
                .ok_or_else(|| Failure::internal(format!("material {sm3}: not an SM3 key")))?;
            if let Some(new) = eseal_core::material::rewrap(key, random, &digest, blob)? {
                batch.rewrap_material(sm3, u32::try_from(*old).unwrap_or(u32::MAX), key.id, new);
                done.materials += 1;
            }
        }
        commit(store, &batch, now).await?;
    }
    // Platform seal keys: the outer layer under the data key (the PIN's layer stays).
    let mut after = String::new();
    loop {
        let page = store.page_all::<SealKey>(&after, 200).await?;
        let Some(last) = page.last() else { break };
        after = last.record.seal_id.clone();
        let mut batch = Batch::new();
        for v in &page {
            if let Some(sealed) = eseal_core::material::rewrap_text(key, random, &v.record.sealed)?
            {
                let mut r = v.record.clone();
                r.sealed = sealed;
                batch.update(&r, v.version)?;
                done.seal_keys += 1;
            }
        }
        commit(store, &batch, now).await?;
    }
    // Users' TOTP secrets.
    let mut after = String::new();
    loop {
        let page = store.page_all::<crate::auth::User>(&after, 200).await?;
        let Some(last) = page.last() else { break };
        after = last.record.username.clone();
        let mut batch = Batch::new();
        for v in &page {
            let mut r = v.record.clone();
            let mut changed = false;
            if let Some(s) = eseal_core::material::rewrap_text(key, random, &r.totp_secret)? {
                r.totp_secret = s;
                changed = true;
            }
            if let Some(p) = &r.pending_totp
                && let Some(s) = eseal_core::material::rewrap_text(key, random, p)?
            {
                r.pending_totp = Some(s);
                changed = true;
            }
            if changed {
                batch.update(&r, v.version)?;
                done.users += 1;
            }
        }
        commit(store, &batch, now).await?;
    }
    // The installation's key check value (and the key id it names).
    if let Some(v) = store.get::<Installation>("this").await? {
        let mut r = v.record.clone();
        if let Some(s) = eseal_core::material::rewrap_text(key, random, &r.data_key_check)? {
            r.data_key_check = s;
            r.data_key_id = key.id;
            commit(store, Batch::new().update(&r, v.version)?, now).await?;
            done.installation = 1;
        }
    }
    Ok(done)
}

/// Commits a page; a record changed meanwhile is left for the next pass (rewrap again).
async fn commit(store: &Store, batch: &Batch, now: OffsetDateTime) -> Result<(), Failure> {
    if batch.is_empty() {
        return Ok(());
    }
    match store.commit(batch, now).await {
        Ok(()) | Err(StoreError::Conflict { .. }) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Step 3: removes the older keys from the file, once a rewrap finds nothing left under them
/// (it runs one first). Returns the ids removed.
pub async fn retire(
    data: &Path,
    store: &Store,
    random: &dyn SecureRandom,
    now: OffsetDateTime,
) -> Result<Vec<u32>, Failure> {
    let file = key_file(data)?;
    let text = zeroize::Zeroizing::new(
        std::fs::read_to_string(&file)
            .map_err(|e| Failure::internal(format!("{}: {e}", file.display())))?,
    );
    let key = crate::keystore::parse_keyring(&text, &file.display().to_string())?;
    let older: Vec<u32> = key.ids().into_iter().skip(1).collect();
    if older.is_empty() {
        return Ok(older);
    }
    let left = rewrap(store, &key, random, now).await?;
    let again = rewrap(store, &key, random, now).await?;
    if again.total() > 0 || !store.materials_not_under(key.id, "", 1).await?.is_empty() {
        return Err(refused(
            format!(
                "仍有记录在旧数据密钥下（刚又重新加密了 {} 项）：请在没有写入高峰时再执行一次",
                left.total() + again.total()
            ),
            format!(
                "records are still under an older data key ({} rewrapped just now): run it again when writes are quieter",
                left.total() + again.total()
            ),
        ));
    }
    let current = text
        .split(['\n', ','])
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or_default();
    write_keys(&file, &format!("{current}\n"))?;
    Ok(older)
}

/// Rotates the HSM's key-encryption key: the data key in `DATA/keys/data.key.hsm` is
/// unwrapped with the key `old.key_label` and wrapped again under `new_label` (made in the
/// token if missing); the file is replaced in one step. The data key itself does not change,
/// so running servers go on; start them with `--hsm-key-label NEW` from then on, and destroy
/// the old key in the token once none uses it. Returns the data key's id.
pub fn rewrap_hsm(
    data: &Path,
    old: &crate::hsm::HsmConfig,
    new_label: &str,
) -> Result<u32, Failure> {
    let file = data.join("keys/data.key.hsm");
    let text = std::fs::read_to_string(&file).map_err(|e| {
        refused(
            format!("{}：{e}", file.display()),
            format!("{}: {e}", file.display()),
        )
    })?;
    let from = file.display().to_string();
    let (id, wrapped) = crate::keystore::key_line(&text, &from)?;
    let hsm = |e: crate::hsm::HsmError| Failure::internal(format!("{from}: {e}"));
    let kek = crate::hsm::Kek::open(old, false).map_err(hsm)?;
    let plain = kek
        .unwrap(&wrapped, &crate::hsm::data_key_aad(id))
        .map_err(hsm)?;
    drop(kek);
    let mut cfg = old.clone();
    cfg.key_label = new_label.to_owned();
    let kek = crate::hsm::Kek::open(&cfg, true).map_err(hsm)?;
    let again = kek
        .wrap(&plain, &crate::hsm::data_key_aad(id))
        .map_err(hsm)?;
    // Checked before it replaces the file: the new wrapping opens to the same key.
    let back = kek
        .unwrap(&again, &crate::hsm::data_key_aad(id))
        .map_err(hsm)?;
    if back.as_slice() != plain.as_slice() {
        return Err(Failure::internal(format!(
            "{from}: the new wrapping does not open"
        )));
    }
    write_keys(&file, &format!("{id}:{}\n", hex::encode(again)))?;
    Ok(id)
}

/// What a log key rotation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogKeyRotated {
    /// The old and the new key's fingerprints (16 hex digits of the SM3 of the SPKI DER).
    pub old: String,
    /// The new key's fingerprint.
    pub new: String,
    /// (log origin, size) of each checkpoint now signed by both keys: the handover.
    pub announced: Vec<(&'static str, i64)>,
}

fn fingerprint(key: &eseal_gm::Sm2PublicKey) -> Result<String, Failure> {
    let der = key
        .to_spki_der()
        .map_err(|e| Failure::internal(e.to_string()))?;
    Ok(eseal_gm::Sm3Digest::of(&der).to_hex()[..16].to_owned())
}

/// Rotates the log key (the key of both logs' checkpoints and of backup manifests), with the
/// service stopped: the latest checkpoint of each log gets a second signature line by the
/// new key over the same body (in the database and in the exported file) — the handover
/// monitors and witnesses check with both keys —, the installation record names the new
/// key, the old public key stays in `pki/audit-key.<fingerprint>.pem` for old exports and
/// backups, and the new key becomes `pki/audit.key` / `audit-key.pem`. The new private key
/// is first kept in `pki/audit.key.next`, so an interrupted rotation is finished by running
/// it again. Audited as `key.ceremony`.
pub async fn rotate_log_key(
    data: &Path,
    store: &Store,
    checkpoints: &Path,
    random: &dyn SecureRandom,
    now: OffsetDateTime,
) -> Result<LogKeyRotated, Failure> {
    use eseal_gm::provider::Sm2Signer;
    use eseal_store::transparency::Log;
    let pki = data.join("pki");
    let io =
        |p: &Path, e: &dyn std::fmt::Display| Failure::internal(format!("{}: {e}", p.display()));
    let read_key = |p: &Path| -> Result<eseal_gm::Sm2PrivateKey, Failure> {
        let text = std::fs::read_to_string(p).map_err(|e| io(p, &e))?;
        eseal_gm::Sm2PrivateKey::from_pem(&text).map_err(|e| io(p, &e))
    };
    let old = eseal_gm::provider::SoftwareSigner::new(read_key(&pki.join("audit.key"))?);
    let next_file = pki.join("audit.key.next");
    let new = if next_file.exists() {
        read_key(&next_file)?
    } else {
        let k = eseal_gm::Sm2PrivateKey::generate(random)
            .map_err(|e| Failure::internal(e.to_string()))?;
        let pem = k
            .to_pkcs8_pem()
            .map_err(|e| Failure::internal(e.to_string()))?;
        crate::files::write_new_private(&next_file, pem.as_bytes())
            .map_err(|e| io(&next_file, &e))?;
        k
    };
    let new = eseal_gm::provider::SoftwareSigner::new(new);
    let (old_key, new_key) = (old.public_key(), new.public_key());
    let (old_fp, new_fp) = (fingerprint(&old_key)?, fingerprint(&new_key)?);
    // 1. The handover: each log's latest checkpoint signed by both.
    let mut announced = Vec::new();
    for log in [Log::Audit, Log::Seals] {
        let Some((size, note)) = store.latest_checkpoint(log).await? else {
            continue;
        };
        eseal_tlog::Checkpoint::open(&note, log.origin(), &old_key).map_err(|e| {
            refused(
                format!(
                    "{} 的最新检查点不是现有日志密钥签署的：{}",
                    log.origin(),
                    e.zh()
                ),
                format!(
                    "{}: the latest checkpoint is not signed by the current log key: {e}",
                    log.origin()
                ),
            )
        })?;
        let both = if eseal_tlog::Checkpoint::open(&note, log.origin(), &new_key).is_ok() {
            note.clone()
        } else {
            eseal_tlog::Checkpoint::add_signature(&note, log.origin(), &new)
                .map_err(|e| Failure::internal(e.to_string()))?
        };
        store
            .replace_checkpoint_note(log, size, &note, &both)
            .await?;
        let file =
            crate::files::checkpoint_dir(checkpoints, log).join(format!("{size:012}.checkpoint"));
        if let Some(dir) = file.parent() {
            crate::files::private_dir(dir).map_err(|e| io(dir, &e))?;
        }
        write_keys(&file, &both)?;
        announced.push((log.origin(), size));
    }
    // 2. The installation names the new key; the ceremony is audited with it.
    let identity = eseal_gm::Sm3Digest::of(
        &new_key
            .to_spki_der()
            .map_err(|e| Failure::internal(e.to_string()))?,
    )
    .to_hex();
    let mut batch = Batch::new();
    if let Some(v) = store.get::<Installation>("this").await? {
        let mut r = v.record.clone();
        for (file, sm3) in &mut r.pki {
            if file == "pki/audit-key.pem" {
                *sm3 = identity.clone();
            }
        }
        if r != v.record {
            batch.update(&r, v.version)?;
        }
    }
    let outcome = format!(
        "log key rotated {old_fp} -> {new_fp}; handover signed by both: {}",
        announced
            .iter()
            .map(|(o, s)| format!("{o}@{s}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    batch.event(
        eseal_store::audit::Event::KeyCeremony,
        &format!("log-key/{new_fp}"),
        &outcome,
    );
    store.commit(&batch, now).await?;
    // 3. The files: the old public key kept, the new key in place.
    let old_pem = old_key
        .to_spki_pem()
        .map_err(|e| Failure::internal(e.to_string()))?;
    let retired = pki.join(format!("audit-key.{old_fp}.pem"));
    write_keys(&retired, &old_pem)?;
    let new_pem = new_key
        .to_spki_pem()
        .map_err(|e| Failure::internal(e.to_string()))?;
    write_keys(&pki.join("audit-key.pem"), &new_pem)?;
    std::fs::rename(&next_file, pki.join("audit.key")).map_err(|e| io(&next_file, &e))?;
    Ok(LogKeyRotated {
        old: old_fp,
        new: new_fp,
        announced,
    })
}
