//! The write path: a batch's statements, and the group committer that commits the batches
//! waiting in one transaction (one fsync for many callers).

use crate::record::Column;
use crate::{Batch, Pool, StoreError, Write, audit, transparency};
use sqlx::AssertSqlSafe;

/// Binds `$args` ([`Arg`](crate::stmt::Arg)s, taken) to the query `$q`, in order.
macro_rules! bind_args {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                $crate::stmt::Arg::Text(t) => q.bind(t),
                $crate::stmt::Arg::Int(i) => q.bind(i),
                $crate::stmt::Arg::Bytes(b) => q.bind(b),
            };
        }
        q
    }};
}

/// Runs one [`Stmt`](crate::stmt::Stmt) on the open transaction or connection `$tx` and
/// checks what it changed: evaluates to `Result<(), StoreError>`.
macro_rules! run_stmt {
    ($tx:expr, $s:expr) => {
        async {
            let s: $crate::stmt::Stmt = $s;
            let q = bind_args!(sqlx::query(AssertSqlSafe(s.sql)), s.args);
            let done = q.execute(&mut *$tx).await?.rows_affected();
            s.expect.check(done)
        }
        .await
    };
}

/// A batch waiting for the group committer.
#[derive(Debug)]
pub(crate) struct Job {
    pub(crate) batch: Batch,
    pub(crate) at: i64,
    pub(crate) actor: String,
    pub(crate) done: tokio::sync::oneshot::Sender<Result<(), StoreError>>,
}

/// Most batches in one group transaction.
const GROUP_MAX: usize = 64;

/// A content-addressed artefact: (SM3 hex, media type, bytes).
pub(crate) type Blob = (String, String, Vec<u8>);

/// What batches append besides their records — history rows, blobs, audit and seal log
/// entries — gathered so that a whole group writes each table with one statement per
/// [`CHUNK`] rows ([`write_appends!`]) instead of one per row.
#[derive(Default)]
pub(crate) struct Appends<'a> {
    /// New records are written by [`write_appends!`] too, several per statement (a group's
    /// first attempt: a taken key is then only known for the statement, and the group is
    /// written again batch by batch, which names it).
    pub(crate) defer_inserts: bool,
    /// New records (version 1), at.
    pub(crate) inserts: Vec<(&'a Write, i64)>,
    /// (the write, its new version, at).
    pub(crate) history: Vec<(&'a Write, i64, i64)>,
    /// A blob (SM3 hex, media type, bytes), at.
    pub(crate) blobs: Vec<(&'a Blob, i64)>,
    /// In order; sequence numbers filled in when written.
    pub(crate) audit: Vec<audit::AuditRecord>,
    /// In order; sequence numbers filled in when written.
    pub(crate) published: Vec<transparency::SealEntry>,
}

/// Most rows one multi-row INSERT carries (7 parameters each at most: far below SQLite's
/// 32,766 and PostgreSQL's 65,535 bound parameters).
pub(crate) const CHUNK: usize = 200;

/// Writes `$batch`'s records, materials and counted failures on the open transaction `$tx`
/// and adds what it appends to `$appends` (no commit, no rollback): evaluates to
/// `Result<(), StoreError>`; a version conflict or a taken key is `Err`.
macro_rules! write_records {
    ($tx:expr, $batch:expr, $at:expr, $actor:expr, $appends:expr) => {
        async {
            let mut params = $crate::stmt::Params::each();
            for s in $crate::stmt::records(&$batch, $at, $actor, &mut $appends, &mut params) {
                run_stmt!($tx, s)?;
            }
            // Counted failures: the first of a window is audited in full.
            for (event, source, object, outcome) in &$batch.counted {
                let (repeated,): (i64,) = sqlx::query_as(
                    "INSERT INTO failure_counts (source, event, object, outcome, first_at, repeated) \
                     VALUES ($1, $2, $3, $4, $5, 0) ON CONFLICT (source, event, object, outcome) \
                     DO UPDATE SET repeated = failure_counts.repeated + 1 RETURNING repeated",
                )
                .bind(source.clone())
                .bind(event.clone())
                .bind(object.clone())
                .bind(outcome.clone())
                .bind($at)
                .fetch_one(&mut *$tx)
                .await?;
                if repeated == 0 {
                    $appends.audit.push(audit::AuditRecord {
                        seq: 0,
                        at: $at,
                        actor: $actor.to_owned(),
                        event: event.clone(),
                        object: object.clone(),
                        outcome: format!("{outcome} from={source}"),
                    });
                }
            }
            Ok::<(), StoreError>(())
        }
        .await
    };
}

/// Writes `$appends` on the open transaction `$tx`: the deferred new records, the history
/// rows, blobs, and the audit and seal log entries numbered from their sequencer rows,
/// [`CHUNK`] rows per statement. Evaluates to `Result<(), StoreError>`.
macro_rules! write_appends {
    ($tx:expr, $appends:expr) => {
        async {
            let a = $appends;
            let mut params = $crate::stmt::Params::each();
            for s in $crate::stmt::inserts_history_blobs(a, &mut params) {
                run_stmt!($tx, s)?;
            }
            if !a.audit.is_empty() {
                let n = a.audit.len() as i64;
                let (next,): (i64,) = sqlx::query_as(
                    "UPDATE audit_head SET next_seq = next_seq + $1 WHERE id = 1 RETURNING next_seq",
                )
                .bind(n)
                .fetch_one(&mut *$tx)
                .await?;
                for s in $crate::stmt::audit_rows(&a.audit, next - n, &mut params) {
                    run_stmt!($tx, s)?;
                }
            }
            if !a.published.is_empty() {
                let n = a.published.len() as i64;
                let (next,): (i64,) = sqlx::query_as(
                    "UPDATE seal_log_head SET next_seq = next_seq + $1 WHERE id = 1 RETURNING next_seq",
                )
                .bind(n)
                .fetch_one(&mut *$tx)
                .await?;
                for s in $crate::stmt::seal_rows(&a.published, next - n, &mut params) {
                    run_stmt!($tx, s)?;
                }
            }
            Ok::<(), StoreError>(())
        }
        .await
    };
}

/// Writes `$batch` on the open transaction `$tx` (no commit, no rollback): evaluates to
/// `Result<(), StoreError>`.
macro_rules! write_batch {
    ($tx:expr, $batch:expr, $at:expr, $actor:expr) => {
        async {
            let mut appends = $crate::write::Appends::default();
            write_records!($tx, $batch, $at, $actor, appends)?;
            write_appends!($tx, &appends)
        }
        .await
    };
}

/// The seal log entries a batch appends (sequence numbers filled in when written).
pub(crate) fn published_entries(batch: &Batch, at: i64) -> Vec<transparency::SealEntry> {
    batch
        .writes
        .iter()
        .filter_map(|w| {
            let mut e = w.published.clone()?;
            e.at = at;
            e.version = w.expected.map_or(1, |v| v + 1);
            e.event = if w.expected.is_none() {
                "made"
            } else if e.state.starts_with("revoked") {
                "revoked"
            } else {
                "updated"
            }
            .into();
            Some(e)
        })
        .collect()
}

/// The audit entries a batch appends (sequence numbers filled in when written).
pub(crate) fn audit_entries(batch: &Batch, at: i64, actor: &str) -> Vec<audit::AuditRecord> {
    let mut out = Vec::with_capacity(batch.writes.len() + batch.blobs.len());
    for w in &batch.writes {
        let (event, version) = match w.expected {
            None => ("insert", 1),
            Some(v) => ("update", v + 1),
        };
        let outcome = w.outcome.clone().unwrap_or_else(|| {
            w.columns
                .iter()
                .find_map(|(name, c)| match (name, c) {
                    (&"state", Column::Text(Some(s))) => Some(format!("state={s}")),
                    _ => None,
                })
                .unwrap_or_else(|| "ok".into())
        });
        out.push(audit::AuditRecord {
            seq: 0,
            at,
            actor: actor.to_owned(),
            event: format!("{}.{event}", w.table),
            object: format!("{}/{}@v{version}", w.table, w.id),
            outcome,
        });
    }
    for (sm3, _, size, _) in &batch.materials {
        out.push(audit::AuditRecord {
            seq: 0,
            at,
            actor: actor.to_owned(),
            event: "materials.insert".into(),
            object: format!("materials/{sm3}"),
            outcome: format!("size={size}"),
        });
    }
    for (sm3, old, new, _) in &batch.rewrapped {
        out.push(audit::AuditRecord {
            seq: 0,
            at,
            actor: actor.to_owned(),
            event: "materials.rewrap".into(),
            object: format!("materials/{sm3}"),
            outcome: format!("data_key {old}->{new}"),
        });
    }
    for (event, object, outcome) in &batch.events {
        out.push(audit::AuditRecord {
            seq: 0,
            at,
            actor: actor.to_owned(),
            event: event.clone(),
            object: object.clone(),
            outcome: outcome.clone(),
        });
    }
    for (sm3, media_type, _) in &batch.blobs {
        out.push(audit::AuditRecord {
            seq: 0,
            at,
            actor: actor.to_owned(),
            event: "blobs.insert".into(),
            object: format!("blobs/{sm3}"),
            outcome: media_type.clone(),
        });
    }
    out
}

/// Starts the group committer for `pool`. On SQLite it runs on a thread of its own (with a
/// single-threaded runtime): each of its statements is a round trip to the connection's
/// worker thread, and on the shared runtime every answer would wait in the queue behind the
/// request handlers' signing work before the next statement could go — the committer, the
/// one serial stage of signing, was measured busy 95 % of the time that way. PostgreSQL
/// connections belong to the runtime that opened them, so there it stays a task.
pub(crate) fn start_committer(pool: Pool, rx: tokio::sync::mpsc::UnboundedReceiver<Job>) {
    if matches!(pool, Pool::Pg(_)) {
        tokio::spawn(group_loop(pool, rx));
        return;
    }
    let spawned = std::thread::Builder::new()
        .name("eseal-commit".into())
        .spawn(move || {
            // Without a runtime the queue is dropped and every commit is told so.
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                rt.block_on(group_loop(pool, rx));
            }
        });
    // Without a thread the queue is dropped with the closure: commits are told so.
    drop(spawned);
}

/// The group committer: takes every batch waiting (up to [`GROUP_MAX`]) and commits them in
/// one transaction, so one fsync serves many callers: all records first and then each
/// append table in one statement for the group; when a batch fails (a version conflict, a
/// taken key), again with each batch inside its own savepoint, so that one is rolled back
/// alone and told so.
pub(crate) async fn group_loop(pool: Pool, mut rx: tokio::sync::mpsc::UnboundedReceiver<Job>) {
    // The sequencer heads the last script left (SQLite).
    let mut heads = None;
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < GROUP_MAX {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        // On SQLite the common case is one script (crate::script). When that fails, the
        // group is written the careful way below, batch by batch.
        let mut grouped = jobs.len() > 1;
        if let Pool::Sqlite(p) = &pool
            && crate::script::scriptable(&jobs)
        {
            match crate::script::commit(p, &jobs, &mut heads).await {
                crate::script::Outcome::Committed => {
                    for j in jobs {
                        let _ = j.done.send(Ok(()));
                    }
                    continue;
                }
                crate::script::Outcome::CommitFailed(e) => {
                    let why = e.to_string();
                    for j in jobs {
                        let _ = j.done.send(Err(StoreError::NotCommitted(why.clone())));
                    }
                    continue;
                }
                crate::script::Outcome::NotWritten => grouped = false,
            }
        }
        // Whatever commits below moves the sequencers.
        heads = None;
        let holder = Holder { pool: pool.clone() };
        let outcome: Result<Vec<Result<(), StoreError>>, StoreError> =
            on_pool!(holder, |p| async {
                // First every batch's records, then the group's appends, with no savepoints:
                // the common case. If any batch fails (a version conflict, a taken key), the
                // whole attempt is rolled back and the group written again batch by batch,
                // each in its own savepoint, so the others commit and the one is told.
                if grouped {
                    let mut tx = p.begin().await?;
                    let mut appends = Appends {
                        defer_inserts: true,
                        ..Appends::default()
                    };
                    let mut failed = false;
                    for j in &jobs {
                        if write_records!(tx, j.batch, j.at, &j.actor, appends).is_err() {
                            failed = true;
                            break;
                        }
                    }
                    if !failed && write_appends!(tx, &appends).is_ok() {
                        drop(appends);
                        tx.commit().await?;
                        return Ok(jobs.iter().map(|_| Ok(())).collect());
                    }
                    drop(appends);
                    tx.rollback().await?;
                }
                let mut tx = p.begin().await?;
                let mut out = Vec::with_capacity(jobs.len());
                for j in &jobs {
                    if jobs.len() == 1 {
                        out.push(write_batch!(tx, j.batch, j.at, &j.actor));
                        continue;
                    }
                    sqlx::query("SAVEPOINT eseal_group")
                        .execute(&mut *tx)
                        .await?;
                    let r = write_batch!(tx, j.batch, j.at, &j.actor);
                    if r.is_err() {
                        sqlx::query("ROLLBACK TO SAVEPOINT eseal_group")
                            .execute(&mut *tx)
                            .await?;
                    }
                    sqlx::query("RELEASE SAVEPOINT eseal_group")
                        .execute(&mut *tx)
                        .await?;
                    out.push(r);
                }
                if out.iter().all(Result::is_err) {
                    tx.rollback().await?;
                } else {
                    tx.commit().await?;
                }
                Ok(out)
            }
            .await);
        match outcome {
            Ok(results) => {
                for (j, r) in jobs.into_iter().zip(results) {
                    let _ = j.done.send(r);
                }
            }
            Err(e) => {
                let why = e.to_string();
                for j in jobs {
                    let _ = j.done.send(Err(StoreError::NotCommitted(why.clone())));
                }
            }
        }
    }
}

/// Lets [`on_pool!`] run on a bare pool.
pub(crate) struct Holder {
    pub(crate) pool: Pool,
}
