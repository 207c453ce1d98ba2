//! The audit log and the public seal transparency log, as a service (issue 8 item 4, issue 17
//! item 1): anyone may read the signed checkpoint, the entries, a seal's entries with their
//! inclusion proofs (a [`SealProof`], which a relying party keeps beside a signed document and
//! checks offline with `eseal verify --transparency`), and consistency proofs between
//! checkpoints; auditors read the audit log. Every answer is made against a stored, signed
//! checkpoint, never an unsigned root. The JSON API's handlers are in `api::transparency`.

use crate::access;
use crate::auth::{Caller, Role};
use crate::failure::{Failure, Thing};
use crate::state::AppState;
use eseal_store::transparency::{Log, ProvenEntry, SealEntry, SealProof};
use eseal_tlog::{Checkpoint, Tree};
use serde::Deserialize;

/// Most entries in one page of `GET /transparency/entries`.
pub const PAGE_MAX: i64 = 1000;

/// The latest signed checkpoint of `log`, parsed (its signature is ours; the parse guards
/// against a row changed in the database), with the witnesses' cosignature lines appended
/// (a C2SP cosigned note; verifiers that do not know a witness skip its line).
async fn latest(s: &AppState, log: Log) -> Result<(Checkpoint, String), Failure> {
    let (size, note) = s
        .store()
        .latest_checkpoint(log)
        .await?
        .ok_or_else(|| Failure::not_found(Thing::Checkpoint, log.origin()))?;
    let key = s.pki().audit_signer();
    let cp = Checkpoint::open(
        &note,
        log.origin(),
        &eseal_gm::provider::Sm2Signer::public_key(&key),
    )
    .map_err(|e| Failure::internal(format!("{}: stored checkpoint: {e}", log.origin())))?;
    let mut note = note;
    for lines in s.store().cosignatures(log, size).await? {
        note.push_str(&lines);
        note.push('\n');
    }
    Ok((cp, note))
}

/// Locks the seal tree, feeds it and checks it still leads to the checkpoint's root.
async fn tree_at<'a>(
    s: &'a AppState,
    cp: &Checkpoint,
) -> Result<tokio::sync::MutexGuard<'a, Tree>, Failure> {
    let mut tree = s.seal_tree().lock().await;
    crate::audit::catch_up(s, Log::Seals, &mut tree).await?;
    let root = tree
        .root_at(cp.size)
        .map_err(|e| Failure::internal(format!("seal log: {e}")))?;
    if root != cp.root {
        return Err(Failure::internal(
            "seal log: the stored entries no longer lead to the signed checkpoint's root",
        ));
    }
    Ok(tree)
}

/// The audit log's latest signed checkpoint with its cosignatures (auditors).
pub async fn audit_checkpoint(s: &AppState, actor: &Caller) -> Result<String, Failure> {
    access::require(actor, &[Role::Auditor])?;
    Ok(latest(s, Log::Audit).await?.1)
}

/// What the check of the audit log against its latest signed checkpoint found.
#[derive(Debug, Clone)]
pub struct CheckpointCheck {
    /// The checkpoint's size (its signature verified with the log key).
    pub size: u64,
    /// Entries in the log now.
    pub entries: u64,
    /// Whether the first `size` entries in the database still hash to the checkpoint's root
    /// (else why not, in words).
    pub consistent: Result<(), eseal_core::Text>,
}

/// Checks the audit log in the database against its latest signed checkpoint: the signature
/// with the log key, then every entry (archived ones by their hashes) hashed again into the
/// Merkle tree and its root at the checkpoint's size compared (auditors; it reads the whole
/// log, so it runs when an auditor asks, not on every page).
pub async fn audit_checkpoint_check(
    s: &AppState,
    actor: &Caller,
) -> Result<CheckpointCheck, Failure> {
    access::require(actor, &[Role::Auditor])?;
    let (cp, note) = latest(s, Log::Audit).await?;
    let mut tree = Tree::new();
    crate::audit::catch_up(s, Log::Audit, &mut tree).await?;
    let key = eseal_gm::provider::Sm2Signer::public_key(&s.pki().audit_signer());
    let consistent =
        crate::audit::extends_signed(Log::Audit, &tree, Some(&(cp.size as i64, note)), None, &key)
            .map_err(|e| e.detail);
    Ok(CheckpointCheck {
        size: cp.size,
        entries: tree.size(),
        consistent,
    })
}

/// The seal log's latest signed checkpoint with its cosignatures (public).
pub async fn seal_checkpoint(s: &AppState) -> Result<String, Failure> {
    Ok(latest(s, Log::Seals).await?.1)
}

/// How many entries the seal log holds now (the latest checkpoint may cover fewer).
pub async fn seal_log_size(s: &AppState) -> Result<i64, Failure> {
    Ok(s.store().log_size(Log::Seals).await?)
}

/// Every entry of the seal log about one seal, in order, whether or not a checkpoint covers
/// it yet (public, like the entries).
pub async fn seal_entries(s: &AppState, id: &str) -> Result<Vec<SealEntry>, Failure> {
    Ok(s.store().seal_log_of(id).await?)
}

/// The latest checkpoint's size (0 before the first).
pub async fn checkpoint_size(s: &AppState) -> Result<u64, Failure> {
    Ok(s.store()
        .latest_checkpoint(Log::Seals)
        .await?
        .map_or(0, |(size, _)| size as u64))
}

/// The logs' public key (SPKI PEM).
pub fn key_pem(s: &AppState) -> Result<String, Failure> {
    let key = eseal_gm::provider::Sm2Signer::public_key(&s.pki().audit_signer());
    key.to_spki_pem()
        .map_err(|e| Failure::internal(e.to_string()))
}

/// A page of the seal log: `from` (0 or more), `limit` (1 to [`PAGE_MAX`], 100 by default).
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct Page {
    /// The first entry's index.
    pub from: Option<i64>,
    /// How many entries.
    pub limit: Option<i64>,
}

/// Page size bounds, in both languages.
fn limit_out_of_range() -> Failure {
    Failure::invalid(
        "limit",
        format!("须在 1 到 {PAGE_MAX} 之间"),
        format!("must be between 1 and {PAGE_MAX}"),
    )
}

/// Seal log entries in order (all appended, also those not yet in a checkpoint).
pub async fn entries(s: &AppState, q: Page) -> crate::failure::Result<crate::views::LogEntries> {
    let from = q.from.unwrap_or(0);
    if from < 0 {
        return Err(Failure::invalid(
            "from",
            "须为 0 或更大",
            "must be 0 or more",
        ));
    }
    let limit = q.limit.unwrap_or(100);
    if !(1..=PAGE_MAX).contains(&limit) {
        return Err(limit_out_of_range());
    }
    let rows = s.store().log_leaves(Log::Seals, from, limit).await?;
    let mut out = Vec::with_capacity(rows.len());
    for (_, leaf) in rows {
        let e =
            SealEntry::parse(&leaf).map_err(|why| Failure::internal(format!("seal log: {why}")))?;
        out.push(e);
    }
    Ok(crate::views::LogEntries { from, entries: out })
}

/// A seal's entries in the latest checkpoint, each with its inclusion proof, and how many of
/// its entries are newer than that checkpoint (public; also for archive packages).
pub async fn proof_of(
    s: &AppState,
    id: &str,
) -> crate::failure::Result<crate::views::SealProofAnswer> {
    let (cp, note) = latest(s, Log::Seals).await?;
    let all = s.store().seal_log_of(id).await?;
    let tree = tree_at(s, &cp).await?;
    let mut entries = Vec::new();
    let mut pending = 0;
    for e in all {
        let index = e.seq as u64;
        if index >= cp.size {
            pending += 1;
            continue;
        }
        let proof = tree
            .inclusion_proof(index, cp.size)
            .map_err(|e| Failure::internal(e.to_string()))?;
        entries.push(ProvenEntry {
            index,
            leaf: e.leaf(),
            proof: proof.iter().map(hex::encode).collect(),
        });
    }
    drop(tree);
    if entries.is_empty() {
        return Err(Failure::not_found(Thing::LoggedSeal, id));
    }
    let proof = SealProof {
        checkpoint: note,
        entries,
    };
    Ok(crate::views::SealProofAnswer { proof, pending })
}

/// Two sizes of the seal log.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct Between {
    /// The older size (1 or more).
    pub from: u64,
    /// The newer size (the latest checkpoint's by default).
    pub to: Option<u64>,
}

/// The proof that the tree of the first `to` entries extends that of the first `from`.
pub async fn consistency(
    s: &AppState,
    q: Between,
) -> crate::failure::Result<crate::views::Consistency> {
    let (cp, note) = latest(s, Log::Seals).await?;
    let to = q.to.unwrap_or(cp.size);
    if to > cp.size {
        return Err(Failure::invalid(
            "to",
            format!("最新检查点只有 {} 条记录", cp.size),
            format!("the latest checkpoint has {} entries", cp.size),
        ));
    }
    if q.from == 0 || q.from > to {
        return Err(Failure::invalid(
            "from",
            format!("须在 1 到 {to} 之间"),
            format!("must be between 1 and {to}"),
        ));
    }
    let tree = tree_at(s, &cp).await?;
    let proof = tree
        .consistency_proof(q.from, to)
        .map_err(|e| Failure::invalid("from", e.zh(), e.to_string()))?;
    let root = tree
        .root_at(to)
        .map_err(|e| Failure::internal(e.to_string()))?;
    Ok(crate::views::Consistency {
        from: q.from,
        to,
        to_root: hex::encode(root),
        proof: proof.iter().map(hex::encode).collect(),
        checkpoint: note,
    })
}

/// What to read of the audit log.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct AuditFilter {
    /// From this time (RFC 3339).
    pub since: Option<String>,
    /// Until this time (RFC 3339).
    pub until: Option<String>,
    /// Entries by this actor.
    pub actor: Option<String>,
    /// Events starting with this.
    pub event: Option<String>,
    /// Everything about this seal.
    pub seal: Option<String>,
    /// At most this many (1 to [`PAGE_MAX`], 100 by default).
    pub limit: Option<usize>,
}

/// The audit log, filtered (auditors only).
pub async fn audit_log(
    s: &AppState,
    actor: &Caller,
    f: AuditFilter,
) -> crate::failure::Result<crate::views::AuditEntries> {
    access::require(actor, &[Role::Auditor])?;
    let time = |t: &Option<String>, field: &str| -> Result<Option<i64>, Failure> {
        t.as_deref()
            .map(|t| {
                time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
                    .map(|t| t.unix_timestamp())
                    .map_err(|_| {
                        Failure::invalid(field, "不是 RFC 3339 格式的时间", "not an RFC 3339 time")
                    })
            })
            .transpose()
    };
    let limit = f.limit.unwrap_or(100);
    if !(1..=PAGE_MAX as usize).contains(&limit) {
        return Err(limit_out_of_range());
    }
    let mut q = eseal_store::audit::AuditQuery {
        since: time(&f.since, "since")?,
        until: time(&f.until, "until")?,
        actor: f.actor,
        event: f.event,
        objects: None,
        limit,
    };
    if let Some(id) = &f.seal {
        q.objects = Some(s.store().seal_audit_objects(id).await?);
    }
    let entries = s.store().audit_query(&q).await?;
    Ok(crate::views::AuditEntries { entries })
}
