//! The public seal transparency log's endpoints (issue 8, item 4): anyone may read the signed
//! checkpoint, the entries, a seal's entries with their inclusion proofs (a
//! [`SealProof`], which a relying party keeps beside a signed document and checks offline
//! with `eseal verify --transparency`), and consistency proofs between checkpoints. Every
//! answer is made against a stored, signed checkpoint, never an unsigned root.

use crate::problem::ApiError;
use crate::problem::ApiResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use eseal_store::transparency::{Log, ProvenEntry, SealEntry, SealProof};
use eseal_tlog::{Checkpoint, Tree};
use serde::Deserialize;

/// Most entries in one page of `GET /transparency/entries`.
pub const PAGE_MAX: i64 = 1000;

fn text(body: String) -> Response {
    let mut resp = body.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp
}

/// The latest signed checkpoint of `log`, parsed (its signature is ours; the parse guards
/// against a row changed in the database), with the witnesses' cosignature lines appended
/// (a C2SP cosigned note; verifiers that do not know a witness skip its line).
async fn latest(s: &AppState, log: Log) -> Result<(Checkpoint, String), ApiError> {
    let (size, note) = s
        .store()
        .latest_checkpoint(log)
        .await?
        .ok_or_else(|| ApiError::not_found("checkpoint", log.origin()))?;
    let key = s.pki().audit_signer();
    let cp = Checkpoint::open(
        &note,
        log.origin(),
        &eseal_gm::provider::Sm2Signer::public_key(&key),
    )
    .map_err(|e| ApiError::internal(format!("{}: stored checkpoint: {e}", log.origin())))?;
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
) -> Result<tokio::sync::MutexGuard<'a, Tree>, ApiError> {
    let mut tree = s.seal_tree().lock().await;
    crate::audit::catch_up(s, Log::Seals, &mut tree).await?;
    let root = tree
        .root_at(cp.size)
        .map_err(|e| ApiError::internal(format!("seal log: {e}")))?;
    if root != cp.root {
        return Err(ApiError::internal(
            "seal log: the stored entries no longer lead to the signed checkpoint's root",
        ));
    }
    Ok(tree)
}

/// `GET /api/v1/audit/checkpoint`: the audit log's latest signed checkpoint (auditors).
pub async fn audit_checkpoint(State(s): State<AppState>) -> ApiResult<Response> {
    Ok(text(latest(&s, Log::Audit).await?.1))
}

/// `GET /api/v1/transparency/checkpoint`.
pub async fn checkpoint(State(s): State<AppState>) -> ApiResult<Response> {
    Ok(text(latest(&s, Log::Seals).await?.1))
}

/// `GET /api/v1/transparency/key`: the logs' public key (SPKI PEM).
pub async fn key(State(s): State<AppState>) -> ApiResult<Response> {
    let key = eseal_gm::provider::Sm2Signer::public_key(&s.pki().audit_signer());
    let pem = key
        .to_spki_pem()
        .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(text(pem))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct Page {
    from: Option<i64>,
    limit: Option<i64>,
}

/// `GET /api/v1/transparency/entries?from=&limit=`: entries in order (all appended, also
/// those not yet in a checkpoint).
pub async fn entries(
    State(s): State<AppState>,
    Query(q): Query<Page>,
) -> ApiResult<Json<crate::views::LogEntries>> {
    let from = q.from.unwrap_or(0);
    if from < 0 {
        return Err(ApiError::invalid("from", "must be 0 or more"));
    }
    let limit = q.limit.unwrap_or(100);
    if !(1..=PAGE_MAX).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            format!("must be between 1 and {PAGE_MAX}"),
        ));
    }
    let rows = s.store().log_leaves(Log::Seals, from, limit).await?;
    let mut out = Vec::with_capacity(rows.len());
    for (_, leaf) in rows {
        let e = SealEntry::parse(&leaf)
            .map_err(|why| ApiError::internal(format!("seal log: {why}")))?;
        out.push(e);
    }
    Ok(Json(crate::views::LogEntries { from, entries: out }))
}

/// `GET /api/v1/transparency/seals/{id}`: the seal's entries in the latest checkpoint, each
/// with its inclusion proof, and how many of its entries are newer than that checkpoint.
pub async fn seal_proof(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<crate::views::SealProofAnswer>> {
    Ok(Json(proof_of(&s, &id).await?))
}

/// A seal's entries in the latest checkpoint with their inclusion proofs (also for archive
/// packages).
pub async fn proof_of(s: &AppState, id: &str) -> ApiResult<crate::views::SealProofAnswer> {
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
            .map_err(|e| ApiError::internal(e.to_string()))?;
        entries.push(ProvenEntry {
            index,
            leaf: e.leaf(),
            proof: proof.iter().map(hex::encode).collect(),
        });
    }
    drop(tree);
    if entries.is_empty() {
        return Err(ApiError::not_found("seal in the transparency log", id));
    }
    let proof = SealProof {
        checkpoint: note,
        entries,
    };
    Ok(crate::views::SealProofAnswer { proof, pending })
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct Between {
    from: u64,
    to: Option<u64>,
}

/// `GET /api/v1/transparency/consistency?from=M&to=N`: the proof that the tree of the first N
/// entries extends that of the first M (N defaults to the latest checkpoint's size).
pub async fn consistency(
    State(s): State<AppState>,
    Query(q): Query<Between>,
) -> ApiResult<Json<crate::views::Consistency>> {
    let (cp, note) = latest(&s, Log::Seals).await?;
    let to = q.to.unwrap_or(cp.size);
    if to > cp.size {
        return Err(ApiError::invalid(
            "to",
            format!("the latest checkpoint has {} entries", cp.size),
        ));
    }
    if q.from == 0 || q.from > to {
        return Err(ApiError::invalid(
            "from",
            format!("must be between 1 and {to}"),
        ));
    }
    let tree = tree_at(&s, &cp).await?;
    let proof = tree
        .consistency_proof(q.from, to)
        .map_err(|e| ApiError::invalid("from", e.to_string()))?;
    let root = tree
        .root_at(to)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(Json(crate::views::Consistency {
        from: q.from,
        to,
        to_root: hex::encode(root),
        proof: proof.iter().map(hex::encode).collect(),
        checkpoint: note,
    }))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct AuditFilter {
    since: Option<String>,
    until: Option<String>,
    actor: Option<String>,
    event: Option<String>,
    seal: Option<String>,
    limit: Option<usize>,
}

/// `GET /api/v1/audit/log`: the audit log filtered (auditors): `since`, `until` (RFC 3339),
/// `actor`, `event` (a prefix), `seal` (everything about the seal), `limit` (≤ 1000).
pub async fn audit_log(
    State(s): State<AppState>,
    Query(f): Query<AuditFilter>,
) -> ApiResult<Json<crate::views::AuditEntries>> {
    let time = |t: &Option<String>, field: &str| -> Result<Option<i64>, ApiError> {
        t.as_deref()
            .map(|t| {
                time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
                    .map(|t| t.unix_timestamp())
                    .map_err(|_| ApiError::invalid(field, "not an RFC 3339 time"))
            })
            .transpose()
    };
    let limit = f.limit.unwrap_or(100);
    if !(1..=PAGE_MAX as usize).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            format!("must be between 1 and {PAGE_MAX}"),
        ));
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
    Ok(Json(crate::views::AuditEntries { entries }))
}
