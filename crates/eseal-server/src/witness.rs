//! Witnesses of the logs' checkpoints (issue 8, item 3): after each checkpoint the service
//! pushes it over HTTP to every configured witness, in the manner of the C2SP tlog-witness
//! `add-checkpoint` call — `POST <witness>/add-checkpoint` with the body
//!
//! ```text
//! old <size the witness last accepted>
//! <consistency proof from that size, one base64 hash per line>
//!
//! <signed checkpoint note>
//! ```
//!
//! A witness checks the log's signature and the consistency proof against what it accepted
//! before, and answers 200 with its cosignature line(s), 409 with the size it knows when the
//! `old` size is not its own (the service then retries from that size), or 422 when the proof
//! does not hold — a rewritten or forked log, which the service reports loudly. Someone
//! holding the database and the log key cannot rewrite history once a witness has seen it.
//!
//! [`WitnessSim`] is a witness for tests and demos (`eseal serve` does not start one): it
//! keeps, per origin, the latest accepted size and root, and cosigns with its own SM2 key.

use crate::failure::Failure;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64ct::{Base64, Encoding};
use eseal_gm::Sm2PublicKey;
use eseal_gm::provider::{Sm2Signer, SoftwareSigner};
use eseal_tlog::{Checkpoint, Hash, Tree};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// What a witness said to a push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pushed {
    /// Accepted: its cosignature lines (`— name base64`).
    Cosigned(String),
    /// The witness knows another size of this log: retry from it.
    Conflict(u64),
}

/// The request body of a push from `old` (with its consistency proof) to `note`.
pub fn body(old: u64, proof: &[Hash], note: &str) -> String {
    let mut b = format!("old {old}\n");
    for h in proof {
        b.push_str(&Base64::encode_string(h));
        b.push('\n');
    }
    b.push('\n');
    b.push_str(note);
    b
}

/// Pushes checkpoint `note` of size `size` to `url`, proving consistency from `old` with
/// `tree`; follows one 409 to the witness's own size.
pub async fn push(
    http: &reqwest::Client,
    url: &str,
    tree: &Tree,
    note: &str,
    size: u64,
    mut old: u64,
) -> Result<(u64, String), Failure> {
    for _ in 0..2 {
        let proof = if old == 0 || old == size {
            Vec::new()
        } else {
            tree.consistency_proof(old, size).map_err(|e| {
                Failure::connector(
                    format!("见证方 {url}：{}", e.zh()),
                    format!("witness {url}: {e}"),
                )
            })?
        };
        let resp = http
            .post(format!("{}/add-checkpoint", url.trim_end_matches('/')))
            .body(body(old, &proof, note))
            .send()
            .await
            .map_err(|e| {
                let e = crate::connectors::http_failure(("见证方", "witness"), &e).0;
                Failure::connector(e.zh, e.en)
            })?;
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        match status.as_u16() {
            200 => return Ok((size, text)),
            409 => {
                old = text.trim().parse().map_err(|_| {
                    Failure::connector(
                        format!("见证方 {url} 返回 409 但未给出日志大小：{text:?}"),
                        format!("witness {url}: 409 without a size: {text:?}"),
                    )
                })?;
                if old > size {
                    return Err(Failure::connector(
                        format!(
                            "见证方 {url} 已见过 {old} 条记录，多于本日志的 {size} 条：日志被截断或分叉"
                        ),
                        format!(
                            "witness {url} has seen {old} entries, more than the log's {size}: the log was truncated or forked"
                        ),
                    ));
                }
            }
            _ => {
                return Err(Failure::connector(
                    format!(
                        "见证方 {url} 拒绝了检查点（HTTP {}）：{}",
                        status.as_u16(),
                        text.trim()
                    ),
                    format!(
                        "witness {url} refused the checkpoint ({status}): {}",
                        text.trim()
                    ),
                ));
            }
        }
    }
    Err(Failure::connector(
        format!("见证方 {url}：日志大小多次变化，未能一致"),
        format!("witness {url}: sizes did not settle"),
    ))
}

/// The configured witnesses and, per witness and log, the size each last accepted.
#[derive(Debug, Default)]
pub struct Witnesses {
    http: reqwest::Client,
    urls: Vec<String>,
    known: std::collections::HashMap<(usize, eseal_store::transparency::Log), u64>,
}

impl Witnesses {
    /// Witnesses at `urls` (none: pushing does nothing).
    pub fn new(urls: Vec<String>) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
            urls,
            known: Default::default(),
        }
    }

    /// Pushes `log`'s latest stored checkpoint to every witness that has not accepted it
    /// (`tree` must hold at least its entries); each cosignature is written beside the
    /// checkpoint file in `dir`. One result per witness pushed to.
    pub async fn push_latest(
        &mut self,
        s: &crate::state::AppState,
        log: eseal_store::transparency::Log,
        tree: &Tree,
        dir: &std::path::Path,
    ) -> Vec<Result<u64, Failure>> {
        let mut out = Vec::new();
        if self.urls.is_empty() {
            return out;
        }
        let latest = match s.store().latest_checkpoint(log).await {
            Ok(Some(l)) => l,
            Ok(None) => return out,
            Err(e) => return vec![Err(e.into())],
        };
        let size = latest.0 as u64;
        for (i, url) in self.urls.iter().enumerate() {
            let old = self.known.get(&(i, log)).copied().unwrap_or(0);
            if old >= size && old > 0 {
                continue;
            }
            let r = push(&self.http, url, tree, &latest.1, size, old).await;
            let r = match r {
                Ok((size, sigs)) => {
                    self.known.insert((i, log), size);
                    let file = crate::files::checkpoint_dir(dir, log)
                        .join(format!("{size:012}.checkpoint.witness-{i}"));
                    match crate::files::write_private(&file, sigs.as_bytes()) {
                        Err(e) => Err(Failure::internal(format!("{}: {e}", file.display()))),
                        Ok(()) => s
                            .store()
                            .put_cosignature(log, size as i64, url, sigs.trim_end_matches('\n'))
                            .await
                            .map(|()| size)
                            .map_err(Failure::from),
                    }
                }
                Err(e) => Err(e),
            };
            out.push(r);
        }
        out
    }
}

/// A witness for tests and demos.
#[derive(Clone)]
pub struct WitnessSim {
    name: String,
    key: Arc<SoftwareSigner>,
    /// The logs it follows: origin → the log's public key.
    logs: Arc<BTreeMap<String, Sm2PublicKey>>,
    /// Per origin, the latest accepted (size, root).
    pub seen: Arc<Mutex<BTreeMap<String, (u64, Hash)>>>,
}

impl std::fmt::Debug for WitnessSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WitnessSim")
            .field("name", &self.name)
            .finish()
    }
}

impl WitnessSim {
    /// A witness named `name`, cosigning with `key`, following `logs` (origin, key).
    pub fn new(name: &str, key: SoftwareSigner, logs: Vec<(String, Sm2PublicKey)>) -> Self {
        Self {
            name: name.into(),
            key: Arc::new(key),
            logs: Arc::new(logs.into_iter().collect()),
            seen: Arc::default(),
        }
    }

    /// The latest size and root it accepted for `origin`.
    pub fn latest(&self, origin: &str) -> Option<(u64, Hash)> {
        self.seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(origin)
            .copied()
    }

    /// Its routes (`POST /add-checkpoint`).
    pub fn router(&self) -> Router {
        Router::new()
            .route("/add-checkpoint", post(add_checkpoint))
            .with_state(self.clone())
    }

    fn judge(&self, body: &str) -> Result<String, (StatusCode, String)> {
        let bad = |s: StatusCode, why: &str| (s, why.to_owned());
        let (head, note) = body.split_once("\n\n").ok_or_else(|| {
            bad(
                StatusCode::BAD_REQUEST,
                "no blank line before the checkpoint",
            )
        })?;
        let mut lines = head.lines();
        let old: u64 = lines
            .next()
            .and_then(|l| l.strip_prefix("old "))
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| bad(StatusCode::BAD_REQUEST, "no `old N` line"))?;
        let mut proof = Vec::new();
        for l in lines {
            let h = Base64::decode_vec(l)
                .ok()
                .and_then(|b| <Hash>::try_from(b).ok())
                .ok_or_else(|| bad(StatusCode::BAD_REQUEST, "a proof line is not a base64 hash"))?;
            proof.push(h);
        }
        // The origin is the note's first line; the signature check below parses the rest.
        let origin = note
            .lines()
            .next()
            .filter(|l| !l.is_empty())
            .ok_or_else(|| bad(StatusCode::BAD_REQUEST, "not a checkpoint"))?
            .to_owned();
        let key = self
            .logs
            .get(&origin)
            .ok_or_else(|| bad(StatusCode::NOT_FOUND, "unknown log"))?;
        let cp = Checkpoint::open(note, &origin, key)
            .map_err(|e| (StatusCode::FORBIDDEN, e.to_string()))?;
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let (known, root) = seen
            .get(&origin)
            .copied()
            .unwrap_or((0, eseal_tlog::empty_root()));
        if old != known {
            return Err((StatusCode::CONFLICT, known.to_string()));
        }
        if cp.size < known {
            return Err(bad(
                StatusCode::BAD_REQUEST,
                "the checkpoint is smaller than the old size",
            ));
        }
        let consistent = if known == 0 {
            proof.is_empty()
        } else if known == cp.size {
            proof.is_empty() && root == cp.root
        } else {
            eseal_tlog::verify_consistency(known, cp.size, &proof, &root, &cp.root).is_ok()
        };
        if !consistent {
            return Err(bad(
                StatusCode::UNPROCESSABLE_ENTITY,
                "the checkpoint is not consistent with the one accepted before (the log was rewritten)",
            ));
        }
        seen.insert(origin.clone(), (cp.size, cp.root));
        drop(seen);
        let cosigned = cp
            .sign(&self.name, self.key.as_ref())
            .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
        // The signature lines only.
        Ok(cosigned
            .split_once("\n\n")
            .map(|(_, sigs)| sigs.to_owned())
            .unwrap_or_default())
    }
}

async fn add_checkpoint(State(w): State<WitnessSim>, body: Bytes) -> Response {
    let Ok(body) = std::str::from_utf8(&body) else {
        return (StatusCode::BAD_REQUEST, "not UTF-8").into_response();
    };
    match w.judge(body) {
        Ok(sigs) => (StatusCode::OK, sigs).into_response(),
        Err((status, why)) => (status, why).into_response(),
    }
}

/// The witness's public key, for those who check its cosignatures.
pub fn public_key(w: &WitnessSim) -> Sm2PublicKey {
    w.key.public_key()
}
