//! A logical copy of the whole database (issue 21): every table, row by row, read in one
//! consistent snapshot while the service keeps writing, and loaded into an empty database
//! of either engine.
//!
//! Why logical rather than a file copy or `pg_dump`: one format for both engines (a SQLite
//! registry can move to PostgreSQL through a restore), no external tool to install or keep
//! at the server's version, the rows can be compared one by one after a restore (the drill
//! test does), and the audit and seal logs can be re-verified from the copy without opening
//! a database. The snapshot is SQLite's read transaction (WAL: writers go on) or a
//! PostgreSQL `REPEATABLE READ READ ONLY` transaction — every table as of one instant.
//!
//! The format is JSON lines: a header `{"eseal_dump":1,"schema":N,"backend":"…"}`, then per
//! table `{"table":"…","columns":[["name","int|text|bytes"],…]}`, its rows as JSON arrays
//! (integers as numbers, text as strings, bytes as hex, NULL as null) and
//! `{"end":"…","rows":n}`; last `{"done":tables}`. Tables and columns come from the
//! database's own catalogue (migrations' bookkeeping excepted); rows are in the order of
//! their first column.

use crate::{Pool, Store, StoreError};
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use sqlx::{AssertSqlSafe, Row};

/// The format's version in the header.
pub const FORMAT: u32 = 1;

/// Rows inserted per statement on load.
const LOAD_ROWS: usize = 200;

/// How a column's values are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Integers (SQLite INTEGER/BIGINT, PostgreSQL integer/bigint).
    Int,
    /// Text.
    Text,
    /// Bytes (BLOB/BYTEA), written as hex.
    Bytes,
}

/// One value of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// An integer.
    Int(i64),
    /// Text.
    Text(String),
    /// Bytes.
    Bytes(Vec<u8>),
}

impl Value {
    /// The text, if the value is text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, if the value is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Self::Int(i) => Some(*i),
            _ => None,
        }
    }

    fn to_json(&self) -> Json {
        match self {
            Self::Null => Json::Null,
            Self::Int(i) => Json::from(*i),
            Self::Text(s) => Json::from(s.as_str()),
            Self::Bytes(b) => Json::from(hex::encode(b)),
        }
    }

    fn from_json(kind: Kind, v: &Json) -> Option<Self> {
        Some(match (kind, v) {
            (_, Json::Null) => Self::Null,
            (Kind::Int, Json::Number(n)) => Self::Int(n.as_i64()?),
            (Kind::Text, Json::String(s)) => Self::Text(s.clone()),
            (Kind::Bytes, Json::String(s)) => Self::Bytes(hex::decode(s).ok()?),
            _ => return None,
        })
    }
}

/// A table as the copy describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    /// Its name.
    pub table: String,
    /// Its columns in order, with their kinds.
    pub columns: Vec<(String, Kind)>,
}

impl Table {
    /// The position of a column.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|(n, _)| n == name)
    }
}

/// Sees each row of a copy as it is written (the backup rebuilds the logs' trees from
/// them). A trait rather than a closure so that the futures holding one stay `Send`.
pub trait Tap {
    /// One row of `table`.
    fn see(&mut self, table: &Table, row: &[Value]);
}

/// A tap that looks at nothing.
#[derive(Debug, Default)]
pub struct NoTap;

impl Tap for NoTap {
    fn see(&mut self, _: &Table, _: &[Value]) {}
}

/// What a copy held: its schema version and each table's row count.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// The number of migrations applied to the database it came from.
    pub schema: i64,
    /// The engine it came from (`sqlite` or `postgres`).
    pub backend: String,
    /// (table, rows), by table name.
    pub tables: Vec<(String, u64)>,
}

impl Summary {
    /// The rows of `table`.
    pub fn rows(&self, table: &str) -> u64 {
        self.tables
            .iter()
            .find(|(t, _)| t == table)
            .map_or(0, |(_, n)| *n)
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    eseal_dump: u32,
    schema: i64,
    backend: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct End {
    end: String,
    rows: u64,
}

#[derive(Debug, Serialize, Deserialize)]
struct Done {
    done: usize,
}

/// Something read from a copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A table starts.
    Table(Table),
    /// A row of the current table.
    Row(Vec<Value>),
    /// The current table ended with this many rows (checked by the reader).
    End(u64),
}

fn bad(line: u64, why: impl std::fmt::Display) -> StoreError {
    StoreError::Dump(format!("line {line}: {why}"))
}

/// Reads a copy line by line, checking its structure: the header first, each table's rows
/// of its column count and kinds, each table's count, the closing line last. Nothing is
/// taken on trust: a copy is only accepted whole. Lines are pushed in ([`Reader::push`]),
/// so the same reader serves a file read on a thread and pieces received by a task.
#[derive(Debug, Default)]
pub struct Reader {
    line: u64,
    /// The schema version from the header (0 before it).
    pub schema: i64,
    /// The engine the copy came from.
    pub backend: String,
    table: Option<Table>,
    rows: u64,
    tables: Vec<(String, u64)>,
    done: bool,
}

impl Reader {
    /// A reader expecting the header.
    pub fn new() -> Self {
        Self::default()
    }

    /// The table being read.
    pub fn table(&self) -> Option<&Table> {
        self.table.as_ref()
    }

    /// Whether the closing line was read.
    pub fn done(&self) -> bool {
        self.done
    }

    /// Reads one line (without its newline): `None` for the header and the closing line.
    pub fn push(&mut self, text: &str) -> Result<Option<Item>, StoreError> {
        self.line += 1;
        let line = self.line;
        if self.done {
            return Err(bad(line, "text after the end of the copy"));
        }
        if line == 1 {
            let h: Header = serde_json::from_str(text)
                .map_err(|_| bad(1, "not the header of an eseal database copy"))?;
            if h.eseal_dump != FORMAT {
                return Err(bad(
                    1,
                    format!("copy format {} is not {FORMAT}", h.eseal_dump),
                ));
            }
            self.schema = h.schema;
            self.backend = h.backend;
            return Ok(None);
        }
        let v: Json = serde_json::from_str(text).map_err(|e| bad(line, format!("{e}")))?;
        match (&self.table, v) {
            (Some(t), Json::Array(values)) => {
                if values.len() != t.columns.len() {
                    return Err(bad(
                        line,
                        format!(
                            "a row of {} has {} values, not {}",
                            t.table,
                            values.len(),
                            t.columns.len()
                        ),
                    ));
                }
                let row = t
                    .columns
                    .iter()
                    .zip(&values)
                    .map(|((name, kind), v)| {
                        Value::from_json(*kind, v).ok_or_else(|| {
                            bad(line, format!("{}.{name}: not a {kind:?} value", t.table))
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                self.rows += 1;
                Ok(Some(Item::Row(row)))
            }
            (Some(t), v @ Json::Object(_)) => {
                let end: End = serde_json::from_value(v)
                    .map_err(|_| bad(line, format!("table {} is not closed", t.table)))?;
                if end.end != t.table || end.rows != self.rows {
                    return Err(bad(
                        line,
                        format!(
                            "table {} closes with {} rows, {} were read",
                            t.table, end.rows, self.rows
                        ),
                    ));
                }
                self.tables.push((t.table.clone(), self.rows));
                self.table = None;
                Ok(Some(Item::End(end.rows)))
            }
            (None, v @ Json::Object(_)) if v.get("done").is_some() => {
                let d: Done = serde_json::from_value(v).map_err(|e| bad(line, e))?;
                if d.done != self.tables.len() {
                    return Err(bad(
                        line,
                        format!("{} tables announced, {} read", d.done, self.tables.len()),
                    ));
                }
                self.done = true;
                Ok(None)
            }
            (None, v @ Json::Object(_)) => {
                let t: Table = serde_json::from_value(v).map_err(|e| bad(line, e))?;
                if !plain_name(&t.table) || t.columns.iter().any(|(c, _)| !plain_name(c)) {
                    return Err(bad(
                        line,
                        "a table or column name is not a plain identifier",
                    ));
                }
                if self.tables.iter().any(|(n, _)| *n == t.table) {
                    return Err(bad(line, format!("table {} appears twice", t.table)));
                }
                self.rows = 0;
                self.table = Some(t.clone());
                Ok(Some(Item::Table(t)))
            }
            _ => Err(bad(line, "expected a table, a row or the end")),
        }
    }

    /// What was read, once the closing line was.
    pub fn summary(&self) -> Option<Summary> {
        self.done.then(|| Summary {
            schema: self.schema,
            backend: self.backend.clone(),
            tables: self.tables.clone(),
        })
    }
}

/// A name the copy may use in SQL: lower-case letters, digits, `_`.
fn plain_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn kind_of(declared: &str) -> Result<Kind, StoreError> {
    let d = declared.to_ascii_lowercase();
    if d.contains("int") {
        Ok(Kind::Int)
    } else if d.contains("text") || d.contains("char") {
        Ok(Kind::Text)
    } else if d.contains("blob") || d == "bytea" {
        Ok(Kind::Bytes)
    } else {
        Err(StoreError::Dump(format!(
            "column type {declared:?} is not one a copy can hold"
        )))
    }
}

/// Where a copy goes: lines gathered and handed over in pieces of about 64 KiB, so that
/// whoever writes them (compression, encryption, a file) works on its own thread and a
/// slow disk holds the reader back instead of filling memory.
struct Out {
    buf: Vec<u8>,
    tx: tokio::sync::mpsc::Sender<Vec<u8>>,
}

const PIECE: usize = 64 * 1024;

impl Out {
    fn line(&mut self, v: &impl Serialize) -> Result<(), StoreError> {
        serde_json::to_writer(&mut self.buf, v)
            .map_err(|e| StoreError::Dump(format!("write: {e}")))?;
        self.buf.push(b'\n');
        Ok(())
    }

    async fn hand_over(&mut self, all: bool) -> Result<(), StoreError> {
        if self.buf.len() >= PIECE || (all && !self.buf.is_empty()) {
            let piece = std::mem::replace(&mut self.buf, Vec::with_capacity(PIECE + 4096));
            self.tx.send(piece).await.map_err(|_| {
                StoreError::Dump("the writer of the copy stopped (see its error)".into())
            })?;
        }
        Ok(())
    }
}

/// The tables of the connection's schema (migrations' own excepted), sorted by name, with
/// their columns; a column whose second element says it is a 4-byte integer on PostgreSQL.
async fn catalogue_sqlite(
    c: &mut sqlx::SqliteConnection,
) -> Result<Vec<(Table, Vec<bool>)>, StoreError> {
    let names: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' AND name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut *c)
    .await?;
    let mut out = Vec::new();
    for (name,) in names {
        if !plain_name(&name) {
            return Err(StoreError::Dump(format!("table name {name:?}")));
        }
        let cols: Vec<(String, String)> =
            sqlx::query_as("SELECT name, type FROM pragma_table_info($1) ORDER BY cid")
                .bind(&name)
                .fetch_all(&mut *c)
                .await?;
        let narrow = vec![false; cols.len()];
        out.push((table_of(name, cols)?, narrow));
    }
    out.sort_by(|a, b| a.0.table.cmp(&b.0.table));
    Ok(out)
}

/// A table from its catalogue rows (column name, declared type).
fn table_of(table: String, cols: Vec<(String, String)>) -> Result<Table, StoreError> {
    let columns = cols
        .into_iter()
        .map(|(n, t)| Ok((n, kind_of(&t)?)))
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(Table { table, columns })
}

async fn catalogue_pg(c: &mut sqlx::PgConnection) -> Result<Vec<(Table, Vec<bool>)>, StoreError> {
    let names: Vec<(String,)> = sqlx::query_as(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut *c)
    .await?;
    let mut out = Vec::new();
    for (name,) in names {
        if !plain_name(&name) {
            return Err(StoreError::Dump(format!("table name {name:?}")));
        }
        let cols: Vec<(String, String)> = sqlx::query_as(
            "SELECT column_name::text, data_type::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind(&name)
        .fetch_all(&mut *c)
        .await?;
        let narrow = cols.iter().map(|(_, t)| t == "integer").collect();
        out.push((table_of(name, cols)?, narrow));
    }
    out.sort_by(|a, b| a.0.table.cmp(&b.0.table));
    Ok(out)
}

fn select_sql(t: &Table) -> String {
    let cols: Vec<&str> = t.columns.iter().map(|(n, _)| n.as_str()).collect();
    format!(
        "SELECT {} FROM {} ORDER BY {}",
        cols.join(", "),
        t.table,
        cols.first().copied().unwrap_or("1")
    )
}

/// One column of a SQLite row (`_narrow`: PostgreSQL's 4-byte integers only).
fn value_sqlite(
    row: &sqlx::sqlite::SqliteRow,
    i: usize,
    kind: Kind,
    _narrow: bool,
) -> Result<Value, StoreError> {
    Ok(match kind {
        Kind::Int => row
            .try_get::<Option<i64>, _>(i)?
            .map_or(Value::Null, Value::Int),
        Kind::Text => row
            .try_get::<Option<String>, _>(i)?
            .map_or(Value::Null, Value::Text),
        Kind::Bytes => row
            .try_get::<Option<Vec<u8>>, _>(i)?
            .map_or(Value::Null, Value::Bytes),
    })
}

fn value_pg(
    row: &sqlx::postgres::PgRow,
    i: usize,
    kind: Kind,
    narrow: bool,
) -> Result<Value, StoreError> {
    Ok(match kind {
        Kind::Int if narrow => row
            .try_get::<Option<i32>, _>(i)?
            .map_or(Value::Null, |v| Value::Int(i64::from(v))),
        Kind::Int => row
            .try_get::<Option<i64>, _>(i)?
            .map_or(Value::Null, Value::Int),
        Kind::Text => row
            .try_get::<Option<String>, _>(i)?
            .map_or(Value::Null, Value::Text),
        Kind::Bytes => row
            .try_get::<Option<Vec<u8>>, _>(i)?
            .map_or(Value::Null, Value::Bytes),
    })
}

const SCHEMA_VERSION: &str =
    "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success = TRUE";

/// Copies every table through the snapshot transaction `$tx` (the same code for both
/// engines): `$catalogue` lists the tables, `$value` decodes one column.
macro_rules! copy_tables {
    ($tx:ident, $catalogue:ident, $value:ident, $out:ident, $tap:ident, $summary:ident) => {{
        $summary.schema = sqlx::query_as::<_, (i64,)>(SCHEMA_VERSION)
            .fetch_one(&mut *$tx)
            .await?
            .0;
        $out.line(&Header {
            eseal_dump: FORMAT,
            schema: $summary.schema,
            backend: $summary.backend.clone(),
        })?;
        for (t, narrow) in $catalogue(&mut $tx).await? {
            $out.line(&t)?;
            let sql = select_sql(&t);
            let mut rows = sqlx::query(AssertSqlSafe(sql)).fetch(&mut *$tx);
            let mut n = 0u64;
            while let Some(row) = rows.try_next().await? {
                let values = t
                    .columns
                    .iter()
                    .enumerate()
                    .map(|(i, (_, k))| $value(&row, i, *k, narrow.get(i).copied().unwrap_or(false)))
                    .collect::<Result<Vec<_>, _>>()?;
                $tap.see(&t, &values);
                $out.line(&values.iter().map(Value::to_json).collect::<Vec<_>>())?;
                n += 1;
                $out.hand_over(false).await?;
            }
            drop(rows);
            $out.line(&End {
                end: t.table.clone(),
                rows: n,
            })?;
            $summary.tables.push((t.table, n));
        }
        $tx.rollback().await?;
    }};
}

impl Store {
    /// The newest migration applied to this database.
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        let (v,): (i64,) = on_pool!(self, |p| sqlx::query_as(SCHEMA_VERSION)
            .fetch_one(p)
            .await?);
        Ok(v)
    }

    /// Writes a copy of every table, as of one instant, to `out` (see the module's docs),
    /// showing each row to `tap` as it goes (the backup computes the logs' roots from it).
    /// Writers are not blocked.
    pub async fn dump(
        &self,
        out: tokio::sync::mpsc::Sender<Vec<u8>>,
        tap: &mut (dyn Tap + Send),
    ) -> Result<Summary, StoreError> {
        let mut out = Out {
            buf: Vec::with_capacity(PIECE + 4096),
            tx: out,
        };
        let mut summary = Summary {
            schema: 0,
            backend: match self.backend() {
                crate::Backend::Sqlite => "sqlite".into(),
                crate::Backend::Postgres => "postgres".into(),
            },
            tables: Vec::new(),
        };
        match &self.pool {
            Pool::Sqlite(p) => {
                // The first read starts the snapshot; everything after reads the same one.
                let mut tx = p.begin().await?;
                copy_tables!(tx, catalogue_sqlite, value_sqlite, out, tap, summary);
            }
            Pool::Pg(p) => {
                let mut tx = p.begin().await?;
                sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .execute(&mut *tx)
                    .await?;
                copy_tables!(tx, catalogue_pg, value_pg, out, tap, summary);
            }
        }
        out.line(&Done {
            done: summary.tables.len(),
        })?;
        out.hand_over(true).await?;
        Ok(summary)
    }

    /// What this database already holds: (table, rows) of every table with rows, the two
    /// log heads counted only once they moved. Empty: a restore may load into it.
    pub async fn occupied(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let tables: Vec<String> = match &self.pool {
            Pool::Sqlite(p) => {
                let mut c = p.acquire().await?;
                catalogue_sqlite(&mut c).await?
            }
            Pool::Pg(p) => {
                let mut c = p.acquire().await?;
                catalogue_pg(&mut c).await?
            }
        }
        .into_iter()
        .map(|(t, _)| t.table)
        .collect();
        let mut out = Vec::new();
        for t in tables {
            let sql = if t.ends_with("_head") {
                format!("SELECT COUNT(*) FROM {t} WHERE next_seq <> 0")
            } else {
                format!("SELECT COUNT(*) FROM {t}")
            };
            let (n,): (i64,) = on_pool!(self, |p| sqlx::query_as(AssertSqlSafe(sql))
                .fetch_one(p)
                .await?);
            if n > 0 {
                out.push((t, n));
            }
        }
        Ok(out)
    }

    /// Loads a copy into this database, which must be empty ([`Store::occupied`]) and at
    /// the copy's schema version: all of it in one transaction, or nothing. The copy's
    /// tables must be this database's, column for column.
    pub async fn load(
        &self,
        input: tokio::sync::mpsc::Receiver<Vec<u8>>,
    ) -> Result<Summary, StoreError> {
        self.load_then(input, async { true }).await
    }

    /// [`Store::load`], committing only if `ready` (awaited once the whole copy is in the
    /// open transaction) says yes — a restore writes the other files meanwhile, and nothing
    /// is committed unless they all were.
    pub async fn load_then(
        &self,
        input: tokio::sync::mpsc::Receiver<Vec<u8>>,
        ready: impl std::future::Future<Output = bool> + Send,
    ) -> Result<Summary, StoreError> {
        let mut reader = Lines {
            input,
            pending: Vec::new(),
            start: 0,
            reader: Reader::new(),
        };
        // The header, before anything is touched.
        if reader.next_item().await?.is_some() || reader.reader.line != 1 {
            return Err(bad(1, "not the header of an eseal database copy"));
        }
        let reader_schema = reader.reader.schema;
        let here = self.schema_version().await?;
        if reader_schema != here {
            return Err(StoreError::Dump(format!(
                "the copy is of schema version {reader_schema}, this database of {here}: restore with the eseal version that made the copy, then upgrade"
            )));
        }
        let occupied = self.occupied().await?;
        if !occupied.is_empty() {
            return Err(StoreError::Dump(format!(
                "the target database is not empty: {}",
                occupied
                    .iter()
                    .map(|(t, n)| format!("{t} ({n})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        match &self.pool {
            Pool::Sqlite(p) => {
                let mut tx = p.begin().await?;
                let catalogue = catalogue_sqlite(&mut tx).await?;
                load_into(
                    &mut reader,
                    &catalogue,
                    &mut tx,
                    |q, v, (kind, _)| match v {
                        Value::Null => match kind {
                            Kind::Text => q.bind(None::<String>),
                            Kind::Bytes => q.bind(None::<Vec<u8>>),
                            Kind::Int => q.bind(None::<i64>),
                        },
                        Value::Int(i) => q.bind(*i),
                        Value::Text(s) => q.bind(s.clone()),
                        Value::Bytes(b) => q.bind(b.clone()),
                    },
                )
                .await?;
                if !ready.await {
                    return Err(StoreError::Dump(
                        "the restore stopped before it was complete; nothing was loaded".into(),
                    ));
                }
                tx.commit().await?;
            }
            Pool::Pg(p) => {
                let mut tx = p.begin().await?;
                let catalogue = catalogue_pg(&mut tx).await?;
                // A NULL is bound with its column's type: PostgreSQL keeps the types a
                // statement was first prepared with, so a NULL typed bigint in one batch
                // and text in the same position of the next (the same SQL) made the server
                // read the text's bytes as a bigint ("incorrect binary data format").
                load_into(
                    &mut reader,
                    &catalogue,
                    &mut tx,
                    |q, v, (kind, narrow)| match v {
                        Value::Null => match kind {
                            Kind::Text => q.bind(None::<String>),
                            Kind::Bytes => q.bind(None::<Vec<u8>>),
                            Kind::Int if narrow => q.bind(None::<i32>),
                            Kind::Int => q.bind(None::<i64>),
                        },
                        Value::Int(i) if narrow => q.bind(i32::try_from(*i).unwrap_or(i32::MAX)),
                        Value::Int(i) => q.bind(*i),
                        Value::Text(s) => q.bind(s.clone()),
                        Value::Bytes(b) => q.bind(b.clone()),
                    },
                )
                .await?;
                // Serial columns continue after the loaded rows.
                for (t, _) in &catalogue {
                    for (c, kind) in &t.columns {
                        if *kind != Kind::Int {
                            continue;
                        }
                        let (seq,): (Option<String>,) =
                            sqlx::query_as("SELECT pg_get_serial_sequence($1, $2)")
                                .bind(&t.table)
                                .bind(c)
                                .fetch_one(&mut *tx)
                                .await?;
                        if seq.is_some() {
                            let sql = format!(
                                "SELECT setval(pg_get_serial_sequence('{0}', '{1}'), COALESCE((SELECT MAX({1}) FROM {0}), 0) + 1, false)",
                                t.table, c
                            );
                            sqlx::query(AssertSqlSafe(sql)).execute(&mut *tx).await?;
                        }
                    }
                }
                if !ready.await {
                    return Err(StoreError::Dump(
                        "the restore stopped before it was complete; nothing was loaded".into(),
                    ));
                }
                tx.commit().await?;
            }
        }
        reader
            .reader
            .summary()
            .ok_or_else(|| StoreError::Dump("the copy did not end".into()))
    }
}

/// Lines from pieces received from a channel, fed to a [`Reader`].
struct Lines {
    input: tokio::sync::mpsc::Receiver<Vec<u8>>,
    pending: Vec<u8>,
    start: usize,
    reader: Reader,
}

/// The longest line a copy may have (a blob of 64 MiB in hex, and its row).
const MAX_LINE: usize = 160 * 1024 * 1024;

impl Lines {
    /// The next item; `None` at the header and at the end.
    async fn next_item(&mut self) -> Result<Option<Item>, StoreError> {
        loop {
            if let Some(nl) = self.pending[self.start..].iter().position(|b| *b == b'\n') {
                let end = self.start + nl;
                let text = std::str::from_utf8(&self.pending[self.start..end])
                    .map_err(|_| bad(self.reader.line + 1, "not UTF-8"))?;
                let item = self.reader.push(text)?;
                self.start = end + 1;
                if item.is_some() || self.reader.line == 1 || self.reader.done() {
                    return Ok(item);
                }
                continue;
            }
            self.pending.drain(..self.start);
            self.start = 0;
            if self.pending.len() > MAX_LINE {
                return Err(bad(
                    self.reader.line + 1,
                    "a line longer than a copy may have",
                ));
            }
            match self.input.recv().await {
                Some(piece) => self.pending.extend_from_slice(&piece),
                None if self.pending.is_empty() => {
                    return Err(bad(self.reader.line + 1, "the copy ends early (truncated)"));
                }
                None => return Err(bad(self.reader.line + 1, "the last line has no end")),
            }
        }
    }
}

/// Inserts the reader's rows into the tables of `catalogue` through `tx`, `bind` turning a
/// value into a parameter (the bool: a 4-byte integer column).
async fn load_into<'t, DB>(
    reader: &mut Lines,
    catalogue: &[(Table, Vec<bool>)],
    tx: &mut sqlx::Transaction<'t, DB>,
    bind: impl for<'q> Fn(
        sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>,
        &Value,
        (Kind, bool),
    ) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>,
) -> Result<(), StoreError>
where
    DB: sqlx::Database,
    for<'c> &'c mut <DB as sqlx::Database>::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments: sqlx::IntoArguments<DB>,
{
    let mut seen = Vec::new();
    let mut pending: Vec<Vec<Value>> = Vec::new();
    let mut current: Option<(Table, Vec<bool>)> = None;
    loop {
        let item = reader.next_item().await?;
        match item {
            Some(Item::Table(t)) => {
                let Some((target, narrow)) = catalogue.iter().find(|(c, _)| c.table == t.table)
                else {
                    return Err(StoreError::Dump(format!(
                        "table {} of the copy is not in this database",
                        t.table
                    )));
                };
                if target.columns != t.columns {
                    return Err(StoreError::Dump(format!(
                        "table {}: the copy's columns differ from this database's",
                        t.table
                    )));
                }
                if t.table.ends_with("_head") {
                    // The migrations seed the log heads; the copy's rows replace them.
                    sqlx::query(AssertSqlSafe(format!("DELETE FROM {}", t.table)))
                        .execute(&mut **tx)
                        .await?;
                }
                seen.push(t.table.clone());
                current = Some((t, narrow.clone()));
            }
            Some(Item::Row(row)) => {
                pending.push(row);
                if pending.len() >= LOAD_ROWS
                    && let Some((t, narrow)) = &current
                {
                    insert_rows(tx, t, narrow, &mut pending, &bind).await?;
                }
            }
            Some(Item::End(_)) => {
                if let Some((t, narrow)) = &current {
                    insert_rows(tx, t, narrow, &mut pending, &bind).await?;
                }
                current = None;
            }
            None => break,
        }
    }
    if let Some((missing, _)) = catalogue.iter().find(|(t, _)| !seen.contains(&t.table)) {
        return Err(StoreError::Dump(format!(
            "the copy has no table {}",
            missing.table
        )));
    }
    Ok(())
}

async fn insert_rows<'t, DB>(
    tx: &mut sqlx::Transaction<'t, DB>,
    t: &Table,
    narrow: &[bool],
    rows: &mut Vec<Vec<Value>>,
    bind: &impl for<'q> Fn(
        sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>,
        &Value,
        (Kind, bool),
    ) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>,
) -> Result<(), StoreError>
where
    DB: sqlx::Database,
    for<'c> &'c mut <DB as sqlx::Database>::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments: sqlx::IntoArguments<DB>,
{
    if rows.is_empty() {
        return Ok(());
    }
    let n = t.columns.len();
    let cols: Vec<&str> = t.columns.iter().map(|(c, _)| c.as_str()).collect();
    let groups: Vec<String> = (0..rows.len())
        .map(|r| {
            let ps: Vec<String> = (1..=n).map(|c| format!("${}", r * n + c)).collect();
            format!("({})", ps.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES {}",
        t.table,
        cols.join(", "),
        groups.join(", ")
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for row in rows.iter() {
        for (i, v) in row.iter().enumerate() {
            let kind = t.columns.get(i).map_or(Kind::Text, |(_, k)| *k);
            q = bind(q, v, (kind, narrow.get(i).copied().unwrap_or(false)));
        }
    }
    q.execute(&mut **tx).await?;
    rows.clear();
    Ok(())
}
