//! A write's statements as values: SQL with `$n` placeholders, the values to bind and what
//! the statement must change. The committer runs them one call each (on PostgreSQL, and
//! wherever a statement's answer is needed before the next is written) or, on SQLite, joined
//! into one script that the connection's worker thread runs in one call ([`crate::script`]).

use crate::record::Column;
use crate::write::{Appends, CHUNK, audit_entries, published_entries};
use crate::{Batch, StoreError, Write, audit, transparency};

/// A value bound to a statement.
pub(crate) enum Arg {
    Text(Option<String>),
    Int(Option<i64>),
    Bytes(Vec<u8>),
}

/// What a statement must change for its batch to stand.
pub(crate) enum Expect {
    /// Anything (appends, `ON CONFLICT DO NOTHING` of content-addressed rows).
    Any,
    /// One new row each: fewer means a key was taken. `id` names a single row's key.
    Inserted {
        table: &'static str,
        rows: u64,
        id: Option<String>,
    },
    /// One row updated from version `expected`: none means another write got there first.
    Updated {
        table: &'static str,
        id: String,
        expected: i64,
    },
}

impl Expect {
    /// `Ok` when `changed` rows is what the statement had to change.
    pub(crate) fn check(self, changed: u64) -> Result<(), StoreError> {
        match self {
            Expect::Any => Ok(()),
            Expect::Inserted { rows, .. } if changed == rows => Ok(()),
            Expect::Inserted { table, rows, id } => Err(StoreError::Exists {
                table,
                id: id.unwrap_or_else(|| format!("{} of {rows}", rows.saturating_sub(changed))),
            }),
            Expect::Updated { .. } if changed == 1 => Ok(()),
            Expect::Updated {
                table,
                id,
                expected,
            } => Err(StoreError::Conflict {
                table,
                id,
                expected,
            }),
        }
    }
}

/// One statement.
pub(crate) struct Stmt {
    pub(crate) sql: String,
    pub(crate) args: Vec<Arg>,
    pub(crate) expect: Expect,
}

/// Numbers placeholders: from `$1` in each statement, or running on through a script (whose
/// statements share one list of values: sqlx binds `$n` by its number in that list).
pub(crate) struct Params {
    running: bool,
    next: usize,
}

impl Params {
    /// Each statement from `$1`.
    pub(crate) fn each() -> Self {
        Self {
            running: false,
            next: 1,
        }
    }

    /// One numbering through all statements.
    pub(crate) fn running() -> Self {
        Self {
            running: true,
            next: 1,
        }
    }

    /// The first placeholder number of a statement with `n` placeholders.
    fn take(&mut self, n: usize) -> usize {
        if !self.running {
            self.next = 1;
        }
        let first = self.next;
        self.next += n;
        first
    }
}

/// `$first, $first+1, …` for `n` placeholders.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `INSERT INTO {head} VALUES (…), (…) {tail}` for `rows` rows of `cols` placeholders,
/// numbered from `first`.
pub(crate) fn values_sql(head: &str, cols: usize, rows: usize, tail: &str, first: usize) -> String {
    let mut sql = format!("INSERT INTO {head} VALUES ");
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        sql.push_str(&placeholders(first + r * cols, cols));
        sql.push(')');
    }
    if !tail.is_empty() {
        sql.push(' ');
        sql.push_str(tail);
    }
    sql
}

/// A record's values in column order: id, version, updated_at, doc, then its own columns.
fn record_args(w: &Write, version: i64, at: i64, out: &mut Vec<Arg>) {
    out.push(Arg::Text(Some(w.id.clone())));
    out.push(Arg::Int(Some(version)));
    out.push(Arg::Int(Some(at)));
    out.push(Arg::Text(Some(w.doc.clone())));
    for (_, c) in &w.columns {
        out.push(match c {
            Column::Text(t) => Arg::Text(t.clone()),
            Column::Int(i) => Arg::Int(*i),
        });
    }
}

/// New records of one table and set of columns: `INSERT … ON CONFLICT (id) DO NOTHING`.
fn insert(table: &'static str, rows: &[(&Write, i64)], p: &mut Params) -> Option<Stmt> {
    let (first_write, _) = rows.first()?;
    let names: Vec<&str> = first_write.columns.iter().map(|(n, _)| *n).collect();
    let cols = 4 + names.len();
    let head = format!(
        "{table} (id, version, updated_at, doc{}{})",
        if names.is_empty() { "" } else { ", " },
        names.join(", ")
    );
    let first = p.take(cols * rows.len());
    let sql = values_sql(
        &head,
        cols,
        rows.len(),
        "ON CONFLICT (id) DO NOTHING",
        first,
    );
    let mut args = Vec::with_capacity(cols * rows.len());
    for (w, at) in rows {
        record_args(w, 1, *at, &mut args);
    }
    Some(Stmt {
        sql,
        args,
        expect: Expect::Inserted {
            table,
            rows: rows.len() as u64,
            id: (rows.len() == 1).then(|| first_write.id.clone()),
        },
    })
}

/// A record's update from version `from`, if it still has it.
fn update(w: &Write, from: i64, at: i64, p: &mut Params) -> Stmt {
    let first = p.take(w.columns.len() + 5);
    let mut sets = vec![
        format!("version = ${}", first + 1),
        format!("updated_at = ${}", first + 2),
        format!("doc = ${}", first + 3),
    ];
    for (i, (n, _)) in w.columns.iter().enumerate() {
        sets.push(format!("{n} = ${}", first + 4 + i));
    }
    let sql = format!(
        "UPDATE {} SET {} WHERE id = ${first} AND version = ${}",
        w.table,
        sets.join(", "),
        first + 4 + w.columns.len()
    );
    let mut args = Vec::with_capacity(w.columns.len() + 5);
    record_args(w, from + 1, at, &mut args);
    args.push(Arg::Int(Some(from)));
    Stmt {
        sql,
        args,
        expect: Expect::Updated {
            table: w.table,
            id: w.id.clone(),
            expected: from,
        },
    }
}

/// A batch's own statements — its updated records, its new records unless `a` defers them,
/// its sealed materials — in order, with what it appends added to `a`: history rows, blobs,
/// its audit and seal log entries. Counted failures are left to the caller: whether one is
/// audited depends on the database's answer.
pub(crate) fn records<'a>(
    batch: &'a Batch,
    at: i64,
    actor: &str,
    a: &mut Appends<'a>,
    p: &mut Params,
) -> Vec<Stmt> {
    let mut out = Vec::with_capacity(batch.writes.len());
    for w in &batch.writes {
        match w.expected {
            None if a.defer_inserts => a.inserts.push((w, at)),
            None => out.extend(insert(w.table, &[(w, at)], p)),
            Some(from) => out.push(update(w, from, at, p)),
        }
        a.history.push((w, w.expected.map_or(1, |v| v + 1), at));
    }
    for b in &batch.blobs {
        a.blobs.push((b, at));
    }
    for (sm3, key_id, size, blob) in &batch.materials {
        let first = p.take(5);
        out.push(Stmt {
            sql: format!(
                "INSERT INTO materials (sm3, key_id, size, blob, created_at) VALUES ({}) \
                 ON CONFLICT (sm3) DO NOTHING",
                placeholders(first, 5)
            ),
            args: vec![
                Arg::Text(Some(sm3.clone())),
                Arg::Int(Some(*key_id)),
                Arg::Int(Some(*size)),
                Arg::Bytes(blob.clone()),
                Arg::Int(Some(at)),
            ],
            expect: Expect::Any,
        });
    }
    for (sm3, old, new, blob) in &batch.rewrapped {
        let f = p.take(4);
        out.push(Stmt {
            sql: format!(
                "UPDATE materials SET key_id = ${f}, blob = ${} WHERE sm3 = ${} AND key_id = ${}",
                f + 1,
                f + 2,
                f + 3
            ),
            args: vec![
                Arg::Int(Some(*new)),
                Arg::Bytes(blob.clone()),
                Arg::Text(Some(sm3.clone())),
                Arg::Int(Some(*old)),
            ],
            expect: Expect::Updated {
                table: "materials",
                id: sm3.clone(),
                expected: *old,
            },
        });
    }
    a.audit.extend(audit_entries(batch, at, actor));
    a.published.extend(published_entries(batch, at));
    out
}

/// The deferred new records, several per statement for each table and set of columns, then
/// the history rows and blobs, [`CHUNK`] rows per statement.
pub(crate) fn inserts_history_blobs(a: &Appends, p: &mut Params) -> Vec<Stmt> {
    let mut out = Vec::new();
    let mut shapes: Vec<(&'static str, Vec<&'static str>)> = Vec::new();
    for (w, _) in &a.inserts {
        let names: Vec<&'static str> = w.columns.iter().map(|(n, _)| *n).collect();
        if !shapes.iter().any(|(t, n)| *t == w.table && *n == names) {
            shapes.push((w.table, names));
        }
    }
    for (table, names) in &shapes {
        let same: Vec<(&Write, i64)> = a
            .inserts
            .iter()
            .filter(|(w, _)| {
                w.table == *table
                    && w.columns.len() == names.len()
                    && w.columns.iter().zip(names).all(|((n, _), m)| n == m)
            })
            .copied()
            .collect();
        for rows in same.chunks(CHUNK) {
            out.extend(insert(table, rows, p));
        }
    }
    for rows in a.history.chunks(CHUNK) {
        let first = p.take(5 * rows.len());
        let mut args = Vec::with_capacity(5 * rows.len());
        for (w, version, at) in rows {
            args.push(Arg::Text(Some(w.table.to_owned())));
            args.push(Arg::Text(Some(w.id.clone())));
            args.push(Arg::Int(Some(*version)));
            args.push(Arg::Int(Some(*at)));
            args.push(Arg::Text(Some(w.doc.clone())));
        }
        out.push(Stmt {
            sql: values_sql(
                "history (tbl, id, version, at, doc)",
                5,
                rows.len(),
                "",
                first,
            ),
            args,
            expect: Expect::Any,
        });
    }
    for rows in a.blobs.chunks(CHUNK) {
        let first = p.take(4 * rows.len());
        let mut args = Vec::with_capacity(4 * rows.len());
        for ((sm3, media_type, bytes), at) in rows {
            args.push(Arg::Text(Some(sm3.clone())));
            args.push(Arg::Text(Some(media_type.clone())));
            args.push(Arg::Bytes(bytes.clone()));
            args.push(Arg::Int(Some(*at)));
        }
        out.push(Stmt {
            sql: values_sql(
                "blobs (sm3, media_type, bytes, created_at)",
                4,
                rows.len(),
                "ON CONFLICT (sm3) DO NOTHING",
                first,
            ),
            args,
            expect: Expect::Any,
        });
    }
    out
}

/// Log entries as rows numbered from `first`, [`CHUNK`] rows of `cols` values per statement
/// into `head`: `row` gives an entry's values with its number.
fn numbered<T>(
    entries: &[T],
    first: i64,
    head: &str,
    cols: usize,
    p: &mut Params,
    row: impl Fn(&T, i64, &mut Vec<Arg>),
) -> Vec<Stmt> {
    let mut out = Vec::new();
    for (c, rows) in entries.chunks(CHUNK).enumerate() {
        let at = p.take(cols * rows.len());
        let mut args = Vec::with_capacity(cols * rows.len());
        for (i, e) in rows.iter().enumerate() {
            row(e, first + (c * CHUNK + i) as i64, &mut args);
        }
        out.push(Stmt {
            sql: values_sql(head, cols, rows.len(), "", at),
            args,
            expect: Expect::Any,
        });
    }
    out
}

/// The audit entries as rows numbered from `first`; each row's leaf is the entry's
/// canonical JSON with its number.
pub(crate) fn audit_rows(entries: &[audit::AuditRecord], first: i64, p: &mut Params) -> Vec<Stmt> {
    let head = "audit_log (seq, at, actor, event, object, outcome, leaf)";
    numbered(entries, first, head, 7, p, |e, seq, args| {
        let mut e = e.clone();
        e.seq = seq;
        let leaf = e.leaf();
        args.push(Arg::Int(Some(e.seq)));
        args.push(Arg::Int(Some(e.at)));
        args.push(Arg::Text(Some(e.actor)));
        args.push(Arg::Text(Some(e.event)));
        args.push(Arg::Text(Some(e.object)));
        args.push(Arg::Text(Some(e.outcome)));
        args.push(Arg::Text(Some(leaf)));
    })
}

/// The seal log entries as rows numbered from `first`.
pub(crate) fn seal_rows(
    entries: &[transparency::SealEntry],
    first: i64,
    p: &mut Params,
) -> Vec<Stmt> {
    let head = "seal_log (seq, at, seal_id, leaf)";
    numbered(entries, first, head, 4, p, |e, seq, args| {
        let mut e = e.clone();
        e.seq = seq;
        let leaf = e.leaf();
        args.push(Arg::Int(Some(e.seq)));
        args.push(Arg::Int(Some(e.at)));
        args.push(Arg::Text(Some(e.seal_id)));
        args.push(Arg::Text(Some(leaf)));
    })
}

/// Moves a sequencer (`audit_head`, `seal_log_head`) from `from` to `to` if it is still at
/// `from`: a compare-and-set, for when the numbers were known before the transaction.
pub(crate) fn advance_head(table: &'static str, from: i64, to: i64, p: &mut Params) -> Stmt {
    let f = p.take(2);
    Stmt {
        sql: format!(
            "UPDATE {table} SET next_seq = ${f} WHERE id = 1 AND next_seq = ${}",
            f + 1
        ),
        args: vec![Arg::Int(Some(to)), Arg::Int(Some(from))],
        expect: Expect::Updated {
            table,
            id: "1".into(),
            expected: from,
        },
    }
}
