//! The write path: a batch's statements, and the group committer that commits the batches
//! waiting in one transaction (one fsync for many callers).

use crate::record::Column;
use crate::{Batch, Pool, StoreError, Write, audit, transparency};
use sqlx::AssertSqlSafe;

pub(crate) fn insert_sql(w: &Write) -> String {
    let mut names = vec!["id", "version", "updated_at", "doc"];
    names.extend(w.columns.iter().map(|(n, _)| *n));
    let params: Vec<String> = (1..=names.len()).map(|i| format!("${i}")).collect();
    format!(
        "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT (id) DO NOTHING",
        w.table,
        names.join(", "),
        params.join(", ")
    )
}

pub(crate) fn update_sql(w: &Write) -> String {
    // $1 id, $2 new version, $3 updated_at, $4 doc, then the columns, then the expected version.
    let mut sets = vec![
        "version = $2".to_owned(),
        "updated_at = $3".into(),
        "doc = $4".into(),
    ];
    for (i, (n, _)) in w.columns.iter().enumerate() {
        sets.push(format!("{n} = ${}", i + 5));
    }
    format!(
        "UPDATE {} SET {} WHERE id = $1 AND version = ${}",
        w.table,
        sets.join(", "),
        w.columns.len() + 5
    )
}

macro_rules! bind_write {
    ($q:expr, $w:expr, $version:expr, $at:expr) => {{
        let mut q = $q
            .bind($w.id.clone())
            .bind($version)
            .bind($at)
            .bind($w.doc.clone());
        for (_, c) in &$w.columns {
            q = match c {
                Column::Text(t) => q.bind(t.clone()),
                Column::Int(i) => q.bind(*i),
            };
        }
        q
    }};
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

/// `INSERT INTO {head} VALUES ($1, …), (…) {tail}` for `rows` rows of `cols` parameters.
pub(crate) fn values_sql(head: &str, cols: usize, rows: usize, tail: &str) -> String {
    let mut sql = format!("INSERT INTO {head} VALUES ");
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..cols {
            if c > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("${}", r * cols + c + 1));
        }
        sql.push(')');
    }
    if !tail.is_empty() {
        sql.push(' ');
        sql.push_str(tail);
    }
    sql
}

/// Writes `$batch`'s records, materials and counted failures on the open transaction `$tx`
/// and adds what it appends to `$appends` (no commit, no rollback): evaluates to
/// `Result<(), StoreError>`; a version conflict or a taken key is `Err`.
macro_rules! write_records {
    ($tx:expr, $batch:expr, $at:expr, $actor:expr, $appends:expr) => {
        async {
            for w in &$batch.writes {
                if $appends.defer_inserts && w.expected.is_none() {
                    $appends.inserts.push((w, $at));
                    $appends.history.push((w, 1, $at));
                    continue;
                }
                let (sql, version) = match w.expected {
                    None => ($crate::write::insert_sql(w), 1i64),
                    Some(v) => ($crate::write::update_sql(w), v + 1),
                };
                let mut q =
                    bind_write!(sqlx::query(AssertSqlSafe(sql.as_str())), w, version, $at);
                if let Some(v) = w.expected {
                    q = q.bind(v);
                }
                let done = q.execute(&mut *$tx).await?.rows_affected();
                if done != 1 {
                    return Err(match w.expected {
                        None => StoreError::Exists {
                            table: w.table,
                            id: w.id.clone(),
                        },
                        Some(expected) => StoreError::Conflict {
                            table: w.table,
                            id: w.id.clone(),
                            expected,
                        },
                    });
                }
                $appends.history.push((w, version, $at));
            }
            for b in &$batch.blobs {
                $appends.blobs.push((b, $at));
            }
            for (sm3, key_id, size, blob) in &$batch.materials {
                sqlx::query(
                    "INSERT INTO materials (sm3, key_id, size, blob, created_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sm3) DO NOTHING",
                )
                .bind(sm3.clone())
                .bind(*key_id)
                .bind(*size)
                .bind(blob.clone())
                .bind($at)
                .execute(&mut *$tx)
                .await?;
            }
            for (sm3, old, new, blob) in &$batch.rewrapped {
                let done = sqlx::query(
                    "UPDATE materials SET key_id = $1, blob = $2 WHERE sm3 = $3 AND key_id = $4",
                )
                .bind(*new)
                .bind(blob.clone())
                .bind(sm3.clone())
                .bind(*old)
                .execute(&mut *$tx)
                .await?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::Conflict {
                        table: "materials",
                        id: sm3.clone(),
                        expected: *old,
                    });
                }
            }
            // Counted failures: the first of a window is audited in full.
            let mut first_failures = Vec::new();
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
                    first_failures.push((
                        event.clone(),
                        object.clone(),
                        format!("{outcome} from={source}"),
                    ));
                }
            }
            $appends
                .audit
                .extend($crate::write::audit_entries(&$batch, $at, $actor));
            $appends.audit.extend(first_failures.into_iter().map(
                |(event, object, outcome)| audit::AuditRecord {
                    seq: 0,
                    at: $at,
                    actor: $actor.to_owned(),
                    event,
                    object,
                    outcome,
                },
            ));
            $appends
                .published
                .extend($crate::write::published_entries(&$batch, $at));
            Ok::<(), StoreError>(())
        }
        .await
    };
}

/// Writes `$appends` on the open transaction `$tx`: the history rows, blobs, and the audit
/// and seal log entries numbered from their sequencer rows, [`CHUNK`] rows per statement.
/// Evaluates to `Result<(), StoreError>`.
macro_rules! write_appends {
    ($tx:expr, $appends:expr) => {
        async {
            let a = $appends;
            // New records, several per statement for each table and set of columns.
            let mut shapes: Vec<(&'static str, Vec<&'static str>)> = Vec::new();
            for (w, _) in &a.inserts {
                let names: Vec<&'static str> = w.columns.iter().map(|(n, _)| *n).collect();
                if !shapes.iter().any(|(t, n)| *t == w.table && *n == names) {
                    shapes.push((w.table, names));
                }
            }
            for (table, names) in &shapes {
                let same: Vec<&(&Write, i64)> = a
                    .inserts
                    .iter()
                    .filter(|(w, _)| {
                        w.table == *table
                            && w.columns.len() == names.len()
                            && w.columns.iter().zip(names).all(|((n, _), m)| n == m)
                    })
                    .collect();
                for rows in same.chunks($crate::write::CHUNK) {
                    let head = format!(
                        "{table} (id, version, updated_at, doc{}{})",
                        if names.is_empty() { "" } else { ", " },
                        names.join(", ")
                    );
                    let sql = $crate::write::values_sql(
                        &head,
                        4 + names.len(),
                        rows.len(),
                        "ON CONFLICT (id) DO NOTHING",
                    );
                    let mut q = sqlx::query(AssertSqlSafe(sql.as_str()));
                    for (w, at) in rows {
                        q = bind_write!(q, w, 1i64, *at);
                    }
                    let done = q.execute(&mut *$tx).await?.rows_affected();
                    if done != rows.len() as u64 {
                        return Err(StoreError::Exists {
                            table,
                            id: format!("{} of {}", rows.len() as u64 - done, rows.len()),
                        });
                    }
                }
            }
            for rows in a.history.chunks($crate::write::CHUNK) {
                let sql = $crate::write::values_sql(
                    "history (tbl, id, version, at, doc)",
                    5,
                    rows.len(),
                    "",
                );
                let mut q = sqlx::query(AssertSqlSafe(sql.as_str()));
                for (w, version, at) in rows {
                    q = q
                        .bind(w.table)
                        .bind(w.id.clone())
                        .bind(*version)
                        .bind(*at)
                        .bind(w.doc.clone());
                }
                q.execute(&mut *$tx).await?;
            }
            for rows in a.blobs.chunks($crate::write::CHUNK) {
                let sql = $crate::write::values_sql(
                    "blobs (sm3, media_type, bytes, created_at)",
                    4,
                    rows.len(),
                    "ON CONFLICT (sm3) DO NOTHING",
                );
                let mut q = sqlx::query(AssertSqlSafe(sql.as_str()));
                for ((sm3, media_type, bytes), at) in rows {
                    q = q
                        .bind(sm3.clone())
                        .bind(media_type.clone())
                        .bind(bytes.clone())
                        .bind(*at);
                }
                q.execute(&mut *$tx).await?;
            }
            if !a.audit.is_empty() {
                let n = a.audit.len() as i64;
                let (next,): (i64,) = sqlx::query_as(
                    "UPDATE audit_head SET next_seq = next_seq + $1 WHERE id = 1 RETURNING next_seq",
                )
                .bind(n)
                .fetch_one(&mut *$tx)
                .await?;
                let first = next - n;
                for (c, rows) in a.audit.chunks($crate::write::CHUNK).enumerate() {
                    let sql = $crate::write::values_sql(
                        "audit_log (seq, at, actor, event, object, outcome, leaf)",
                        7,
                        rows.len(),
                        "",
                    );
                    let mut q = sqlx::query(AssertSqlSafe(sql.as_str()));
                    for (i, e) in rows.iter().enumerate() {
                        let mut e = e.clone();
                        e.seq = first + (c * $crate::write::CHUNK + i) as i64;
                        let leaf = e.leaf();
                        q = q
                            .bind(e.seq)
                            .bind(e.at)
                            .bind(e.actor)
                            .bind(e.event)
                            .bind(e.object)
                            .bind(e.outcome)
                            .bind(leaf);
                    }
                    q.execute(&mut *$tx).await?;
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
                let first = next - n;
                for (c, rows) in a.published.chunks($crate::write::CHUNK).enumerate() {
                    let sql = $crate::write::values_sql(
                        "seal_log (seq, at, seal_id, leaf)",
                        4,
                        rows.len(),
                        "",
                    );
                    let mut q = sqlx::query(AssertSqlSafe(sql.as_str()));
                    for (i, e) in rows.iter().enumerate() {
                        let mut e = e.clone();
                        e.seq = first + (c * $crate::write::CHUNK + i) as i64;
                        let leaf = e.leaf();
                        q = q.bind(e.seq).bind(e.at).bind(e.seal_id).bind(leaf);
                    }
                    q.execute(&mut *$tx).await?;
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
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < GROUP_MAX {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let holder = Holder { pool: pool.clone() };
        let outcome: Result<Vec<Result<(), StoreError>>, StoreError> =
            on_pool!(holder, |p| async {
                // First every batch's records, then the group's appends, with no savepoints:
                // the common case. If any batch fails (a version conflict, a taken key), the
                // whole attempt is rolled back and the group written again batch by batch,
                // each in its own savepoint, so the others commit and the one is told.
                if jobs.len() > 1 {
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
