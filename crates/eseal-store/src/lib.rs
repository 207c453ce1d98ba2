#![doc = include_str!("../README.md")]

pub mod audit;
pub mod error;
pub mod record;
pub mod transparency;

pub use error::StoreError;
pub use record::{Column, Record};

use eseal_core::{Filing, SealedMaterial};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::SqliteSynchronous;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::{AssertSqlSafe, Row};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;
use time::OffsetDateTime;
use write::Job;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// The file name of the SQLite database inside the data directory.
pub const SQLITE_FILE: &str = "eseal.db";

/// Which engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, the embedded default.
    Sqlite,
    /// PostgreSQL, for several replicas.
    Postgres,
}

#[derive(Debug, Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

// Dynamic SQL (`AssertSqlSafe`) is only ever built from `Record::TABLE`, the records'
// constant column names and `$n` placeholders; user values are always bound.

/// Runs the same sqlx code on whichever pool the store has: the SQL is written once, with
/// `$n` placeholders, which both engines accept.
macro_rules! on_pool {
    ($store:expr, |$p:ident| $body:expr) => {
        match &$store.pool {
            Pool::Sqlite($p) => $body,
            Pool::Pg($p) => $body,
        }
    };
}

/// A transaction that reads and then writes. On SQLite it takes the write lock at its start
/// (`BEGIN IMMEDIATE`): a deferred one that read first cannot take the lock once another
/// connection has committed since its read (`SQLITE_BUSY_SNAPSHOT`, which no busy timeout
/// waits out) and fails. PostgreSQL's transactions need nothing more.
trait BeginWrite {
    type Db: sqlx::Database;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>;
}

impl BeginWrite for SqlitePool {
    type Db = sqlx::Sqlite;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl BeginWrite for PgPool {
    type Db = sqlx::Postgres;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.begin().await
    }
}

/// A record read with its version, to be given back on update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versioned<T> {
    /// The record.
    pub record: T,
    /// Its version (1 after insert, +1 per update).
    pub version: i64,
}

#[derive(Debug, Clone)]
struct Write {
    table: &'static str,
    id: String,
    columns: Vec<(&'static str, Column)>,
    doc: String,
    /// None: insert (version 1); Some(v): update from v to v+1.
    expected: Option<i64>,
    /// The seal transparency entry this write publishes.
    published: Option<transparency::SealEntry>,
    /// The record's own audit outcome, if it gives one.
    outcome: Option<String>,
}

/// Writes that happen together or not at all, e.g. an application marked made, its seal
/// inserted and the filing queued.
#[derive(Debug, Default, Clone)]
pub struct Batch {
    writes: Vec<Write>,
    /// Content-addressed artefacts: (SM3 hex, media type, bytes).
    blobs: Vec<(String, String, Vec<u8>)>,
    /// Sealed identity materials: (SM3 hex, data key id, plain size, sealed bytes).
    materials: Vec<(String, i64, i64, Vec<u8>)>,
    /// Materials sealed again under a new data key: (SM3 hex, old key id, new key id, bytes).
    rewrapped: Vec<(String, i64, i64, Vec<u8>)>,
    /// Audit entries for events that write no record: (event, object, outcome).
    events: Vec<(String, String, String)>,
    /// Failures counted per source: (event, source, object, outcome).
    counted: Vec<(String, String, String, String)>,
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    fn push<R: Record>(&mut self, r: &R, expected: Option<i64>) -> Result<(), StoreError> {
        let doc = serde_json::to_string(r).map_err(|e| StoreError::Corrupt {
            table: R::TABLE,
            id: r.key().to_owned(),
            why: e.to_string(),
        })?;
        self.writes.push(Write {
            table: R::TABLE,
            id: r.key().to_owned(),
            columns: r.columns(),
            published: r.published(),
            outcome: r.audit_outcome(),
            doc,
            expected,
        });
        Ok(())
    }

    /// Inserts a new record; the batch fails with [`StoreError::Exists`] if the key is taken.
    pub fn insert<R: Record>(&mut self, r: &R) -> Result<&mut Self, StoreError> {
        self.push(r, None)?;
        Ok(self)
    }

    /// Updates a record read at `expected` version; the batch fails with
    /// [`StoreError::Conflict`] if someone wrote it since.
    pub fn update<R: Record>(&mut self, r: &R, expected: i64) -> Result<&mut Self, StoreError> {
        self.push(r, Some(expected))?;
        Ok(self)
    }

    /// Stores an artefact with the records (content-addressed like [`Store::put_blob`]: bytes
    /// already stored are kept); returns its SM3 hex.
    pub fn blob(&mut self, media_type: &str, bytes: &[u8]) -> String {
        let sm3 = eseal_gm::Sm3Digest::of(bytes).to_hex();
        self.blobs
            .push((sm3.clone(), media_type.to_owned(), bytes.to_vec()));
        sm3
    }

    /// Stores a sealed identity material with the records (content-addressed: a material
    /// already stored is kept; the upload is audited either way).
    pub fn material(&mut self, m: &SealedMaterial) -> Result<&mut Self, StoreError> {
        let size = i64::try_from(m.size)
            .map_err(|_| StoreError::Config("material larger than the store allows".into()))?;
        let key_id =
            eseal_core::material::key_id(&m.blob).map_err(|e| StoreError::Config(e.to_string()))?;
        self.materials
            .push((m.sm3.to_hex(), i64::from(key_id), size, m.blob.clone()));
        Ok(self)
    }

    /// Appends an audit entry for an event that writes no record (a login, an export, a
    /// service start), in this batch's transaction: see [`audit::Event`].
    pub fn event(&mut self, event: audit::Event, object: &str, outcome: &str) -> &mut Self {
        self.events.push((
            event.name().to_owned(),
            object.to_owned(),
            outcome.to_owned(),
        ));
        self
    }

    /// Counts a failure that changes no record (a login for an unknown user, for a locked
    /// account) from `source`: the first of its kind (event, source, object, outcome) since
    /// its window was last closed is audited in full, with `from=<source>`; later ones only
    /// add to its count, audited as one entry by [`Store::flush_failure_counts`]. A flood
    /// from one source is thus summarised, never dropped.
    pub fn count_failure(
        &mut self,
        event: audit::Event,
        source: &str,
        object: &str,
        outcome: &str,
    ) -> &mut Self {
        self.counted.push((
            event.name().to_owned(),
            source.to_owned(),
            object.to_owned(),
            outcome.to_owned(),
        ));
        self
    }

    /// Whether nothing is to be written.
    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
            && self.blobs.is_empty()
            && self.materials.is_empty()
            && self.rewrapped.is_empty()
            && self.events.is_empty()
            && self.counted.is_empty()
    }
}

/// The registry's store.
#[derive(Debug, Clone)]
pub struct Store {
    pool: Pool,
    /// Where the records are, for messages: the SQLite file, or "the PostgreSQL database".
    location: std::sync::Arc<str>,
    /// The group committer's queue (see [`Store::commit`]), started on first use.
    group: std::sync::Arc<std::sync::Mutex<Option<tokio::sync::mpsc::UnboundedSender<Job>>>>,
}

/// Every SQLite connection's settings: WAL, `synchronous=FULL` (a committed change survives
/// power loss), foreign keys, a busy timeout; temporary tables and sort spills in memory
/// (no temporary files on the commit path), a 16 MiB page cache, and no memory map: with
/// one the WAL's readers map and unmap the file around transactions, and the page faults
/// and TLB shootdowns cost more than the `pread`s they save (measured: detached signing over
/// HTTP 5–10 % faster without, docs/performance.md).
fn sqlite_settings(opts: SqliteConnectOptions) -> SqliteConnectOptions {
    opts.create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        .pragma("temp_store", "MEMORY")
        .pragma("cache_size", "-16384")
        .pragma("mmap_size", "0")
}

impl Store {
    /// Opens (creating on first run) the SQLite database in `dir`: WAL journal,
    /// `synchronous=FULL` so a committed change survives power loss, foreign keys on, a busy
    /// timeout so concurrent writers wait rather than fail. Migrates the schema.
    pub async fn open_sqlite(dir: &Path) -> Result<Self, StoreError> {
        faults::private_database_file(dir).map_err(|e| {
            StoreError::Config(format!(
                "cannot create the database in {}: {e}",
                dir.display()
            ))
        })?;
        let opts = sqlite_settings(SqliteConnectOptions::new().filename(dir.join(SQLITE_FILE)));
        let location: std::sync::Arc<str> = dir.join(SQLITE_FILE).display().to_string().into();
        let damaged = |e: &dyn std::fmt::Display| StoreError::Damaged {
            location: location.to_string(),
            why: e.to_string(),
        };
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            // No ping before each use: an in-process file cannot drop a connection, and the
            // ping is one more hand-over to the connection's worker thread per query
            // (measured: reads over HTTP 4–12 % faster without, docs/performance.md).
            .test_before_acquire(false)
            .connect_with(opts)
            .await
            .map_err(|e| {
                // SQLITE_CORRUPT (11) or SQLITE_NOTADB (26): the file, not the setup.
                let corrupt = matches!(&e, sqlx::Error::Database(d)
                    if matches!(d.code().as_deref(), Some("11" | "26")));
                if corrupt {
                    damaged(&e)
                } else {
                    StoreError::Db(e)
                }
            })?;
        SQLITE_MIGRATIONS
            .run(&pool)
            .await
            .map_err(|e| damaged(&e))?;
        // A file cut short or with a damaged page is refused before anything is served or
        // signed from it (quick_check reads every page, skipping only the index contents).
        let (check,): (String,) = sqlx::query_as("PRAGMA quick_check(1)")
            .fetch_one(&pool)
            .await
            .map_err(|e| damaged(&e))?;
        if check != "ok" {
            pool.close().await;
            return Err(damaged(&check));
        }
        Ok(Self {
            pool: Pool::Sqlite(pool),
            location,
            group: Default::default(),
        })
    }

    /// Opens a PostgreSQL database by URL (`postgres://…`) and migrates its schema. Several
    /// servers may share it.
    pub async fn open_postgres(url: &str) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        POSTGRES_MIGRATIONS.run(&pool).await?;
        Ok(Self {
            pool: Pool::Pg(pool),
            location: "the PostgreSQL database".into(),
            group: Default::default(),
        })
    }

    /// Opens PostgreSQL with eseal's tables in `schema` (created if missing), for a database
    /// shared with other applications, and for tests that each need a clean schema.
    /// The name must be a plain lower-case identifier.
    pub async fn open_postgres_in_schema(url: &str, schema: &str) -> Result<Self, StoreError> {
        use sqlx::Connection;
        let plain = schema.len() <= 63
            && schema.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && schema
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !plain {
            return Err(StoreError::Config(format!(
                "schema name {schema:?} must be a lower-case identifier (a-z, 0-9, _)"
            )));
        }
        let mut c = sqlx::PgConnection::connect(url).await?;
        sqlx::query(AssertSqlSafe(format!(
            "CREATE SCHEMA IF NOT EXISTS {schema}"
        )))
        .execute(&mut c)
        .await?;
        c.close().await?;
        let opts = PgConnectOptions::from_str(url)?.options([("search_path", schema)]);
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await?;
        POSTGRES_MIGRATIONS.run(&pool).await?;
        Ok(Self {
            pool: Pool::Pg(pool),
            location: "the PostgreSQL database".into(),
            group: Default::default(),
        })
    }

    /// Opens by URL: `postgres://` or `postgresql://` selects PostgreSQL, `sqlite:` a SQLite
    /// file (`sqlite::memory:` is refused: the registry must be durable).
    pub async fn open_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Self::open_postgres(url).await;
        }
        if url.contains(":memory:") {
            return Err(StoreError::Config(
                "an in-memory SQLite database would lose the registry; give a file".into(),
            ));
        }
        if url.starts_with("sqlite:") {
            let opts = sqlite_settings(SqliteConnectOptions::from_str(url)?);
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(opts)
                .await?;
            SQLITE_MIGRATIONS.run(&pool).await?;
            return Ok(Self {
                pool: Pool::Sqlite(pool),
                location: url.trim_start_matches("sqlite:").to_owned().into(),
                group: Default::default(),
            });
        }
        Err(StoreError::Config(format!(
            "unsupported database URL {url:?}: use postgres://… or sqlite:…"
        )))
    }

    /// The engine.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Pg(_) => Backend::Postgres,
        }
    }

    /// The durability settings in force on a pooled connection, as `(journal_mode,
    /// synchronous)`, e.g. `("wal", 2)` (2 = FULL) on SQLite; `None` on PostgreSQL, whose
    /// durability is the server's configuration. For the startup log and the tests.
    pub async fn sqlite_durability(&self) -> Result<Option<(String, i64)>, StoreError> {
        let Pool::Sqlite(p) = &self.pool else {
            return Ok(None);
        };
        let mut c = p.acquire().await?;
        let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
            .fetch_one(&mut *c)
            .await?;
        let (sync,): (i64,) = sqlx::query_as("PRAGMA synchronous")
            .fetch_one(&mut *c)
            .await?;
        Ok(Some((mode.to_ascii_lowercase(), sync)))
    }

    /// Closes the pool, waiting for connections to finish.
    pub async fn close(&self) {
        on_pool!(self, |p| p.close().await)
    }

    /// Commits every write of `batch` in one transaction, with each new version appended to
    /// the history. On any error nothing is written.
    pub async fn commit(&self, batch: &Batch, at: OffsetDateTime) -> Result<(), StoreError> {
        let (done, answer) = tokio::sync::oneshot::channel();
        let job = Job {
            batch: batch.clone(),
            at: record::unix(at),
            actor: audit::current_actor(),
            done,
        };
        let queue = {
            let mut group = self.group.lock().unwrap_or_else(|p| p.into_inner());
            match group.as_ref() {
                Some(q) if !q.is_closed() => q.clone(),
                _ => {
                    let (q, rx) = tokio::sync::mpsc::unbounded_channel();
                    write::start_committer(self.pool.clone(), rx);
                    *group = Some(q.clone());
                    q
                }
            }
        };
        queue
            .send(job)
            .map_err(|_| StoreError::NotCommitted("the group committer has stopped".into()))?;
        answer
            .await
            .map_err(|_| {
                StoreError::NotCommitted("the group committer stopped before answering".into())
            })?
            .map_err(|e| self.classify(e))
    }

    /// One record by key.
    pub async fn get<R: Record>(&self, id: &str) -> Result<Option<Versioned<R>>, StoreError> {
        let sql = format!("SELECT version, doc FROM {} WHERE id = $1", R::TABLE);
        let row: Option<(i64, String)> =
            on_pool!(self, |p| sqlx::query_as(AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(p)
                .await)?;
        row.map(|(version, doc)| parse::<R>(id, version, &doc))
            .transpose()
    }

    /// Records whose indexed `column` equals `value`, oldest first, at most `limit`.
    /// `column` must be one of the record's indexed columns.
    pub async fn find<R: Record>(
        &self,
        column: &'static str,
        value: &str,
        limit: i64,
    ) -> Result<Vec<Versioned<R>>, StoreError> {
        let sql = format!(
            "SELECT id, version, doc FROM {} WHERE {column} = $1 ORDER BY updated_at, id LIMIT $2",
            R::TABLE
        );
        let rows: Vec<(String, i64, String)> =
            on_pool!(self, |p| sqlx::query_as(AssertSqlSafe(sql.as_str()))
                .bind(value)
                .bind(limit)
                .fetch_all(p)
                .await)?;
        parse_rows(&rows)
    }

    /// The keys of the records whose indexed `column` equals `value`, in key order, at most
    /// `limit` (read from the column's index alone where it holds the key).
    pub async fn ids<R: Record>(
        &self,
        column: &'static str,
        value: &str,
        limit: i64,
    ) -> Result<Vec<String>, StoreError> {
        let sql = format!(
            "SELECT id FROM {} WHERE {column} = $1 ORDER BY id LIMIT $2",
            R::TABLE
        );
        let rows: Vec<(String,)> = on_pool!(self, |p| sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .bind(value)
            .bind(limit)
            .fetch_all(p)
            .await)?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Stores `r` as the new version of its key, inserting it if the key is new (for records
    /// whose whole state the caller replaces, e.g. configuration). A concurrent writer makes
    /// it fail with [`StoreError::Conflict`] or [`StoreError::Exists`].
    pub async fn put<R: Record>(&self, r: &R, at: OffsetDateTime) -> Result<(), StoreError> {
        let mut batch = Batch::new();
        match self.get::<R>(r.key()).await? {
            Some(old) => batch.update(r, old.version)?,
            None => batch.insert(r)?,
        };
        self.commit(&batch, at).await
    }

    /// Up to `limit` records of a table, oldest first.
    pub async fn all<R: Record>(&self, limit: i64) -> Result<Vec<Versioned<R>>, StoreError> {
        let sql = format!(
            "SELECT id, version, doc FROM {} ORDER BY updated_at, id LIMIT $1",
            R::TABLE
        );
        let rows: Vec<(String, i64, String)> =
            on_pool!(self, |p| sqlx::query_as(AssertSqlSafe(sql.as_str()))
                .bind(limit)
                .fetch_all(p)
                .await)?;
        parse_rows(&rows)
    }

    /// Every stored version of a record, oldest first (R-KEEP-1).
    pub async fn history<R: Record>(&self, id: &str) -> Result<Vec<Versioned<R>>, StoreError> {
        let rows: Vec<(i64, String)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT version, doc FROM history WHERE tbl = $1 AND id = $2 ORDER BY version"
        )
        .bind(R::TABLE)
        .bind(id)
        .fetch_all(p)
        .await)?;
        rows.iter()
            .map(|(v, doc)| parse::<R>(id, *v, doc))
            .collect()
    }

    /// Stores a sealed material; storing the same digest again is a no-op (materials are
    /// content-addressed and never deleted).
    pub async fn put_material(
        &self,
        m: &SealedMaterial,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut batch = Batch::new();
        batch.material(m)?;
        self.commit(&batch, at).await
    }

    /// The sealed blob of a material, by SM3 hex.
    pub async fn material(&self, sm3_hex: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let row: Option<(Vec<u8>,)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT blob FROM materials WHERE sm3 = $1"
        )
        .bind(sm3_hex.to_ascii_lowercase())
        .fetch_optional(p)
        .await)?;
        Ok(row.map(|(b,)| b))
    }

    /// Stores a public artefact (seal data, certificate, impression) under its SM3 digest and
    /// returns the digest (hex); storing the same bytes again keeps them (the store is
    /// audited either way).
    pub async fn put_blob(
        &self,
        media_type: &str,
        bytes: &[u8],
        at: OffsetDateTime,
    ) -> Result<String, StoreError> {
        let mut batch = Batch::new();
        let sm3 = batch.blob(media_type, bytes);
        self.commit(&batch, at).await?;
        Ok(sm3)
    }

    /// A public artefact and its media type, by SM3 hex.
    pub async fn blob(&self, sm3_hex: &str) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        on_pool!(self, |p| sqlx::query_as(
            "SELECT media_type, bytes FROM blobs WHERE sm3 = $1"
        )
        .bind(sm3_hex.to_ascii_lowercase())
        .fetch_optional(p)
        .await)
        .map_err(Into::into)
    }

    /// Claims up to `limit` filings that are due at `now` and not claimed by another worker,
    /// for `lease`. On PostgreSQL the candidate rows are locked with `FOR UPDATE SKIP LOCKED`,
    /// so replicas sharing the database never claim the same filing; on SQLite the single
    /// writer does the same. A worker that dies loses its claim when the lease ends; the
    /// filing id is the idempotency key the police system deduplicates on, so a filing
    /// resent after a crash is still recorded once.
    pub async fn claim_due_filings(
        &self,
        now: OffsetDateTime,
        lease: time::Duration,
        limit: i64,
    ) -> Result<Vec<Versioned<Filing>>, StoreError> {
        let now_s = record::unix(now);
        let until = record::unix(now + lease);
        let lock = match self.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE filings SET claimed_until = $1 WHERE id IN (\
               SELECT id FROM filings WHERE state = 'pending' AND next_attempt <= $2 \
               AND claimed_until <= $2 ORDER BY next_attempt, id LIMIT $3{lock}) \
             RETURNING id, version, doc"
        );
        let rows = on_pool!(self, |p| {
            sqlx::query(AssertSqlSafe(sql.as_str()))
                .bind(until)
                .bind(now_s)
                .bind(limit)
                .fetch_all(p)
                .await?
                .iter()
                .map(|r| -> Result<(String, i64, String), sqlx::Error> {
                    Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))
                })
                .collect::<Result<Vec<_>, _>>()
        })?;
        rows.iter()
            .map(|(id, v, doc)| parse::<Filing>(id, *v, doc))
            .collect()
    }

    /// Pending filings, for the deadline view (R-FILE-1), oldest first.
    pub async fn pending_filings(&self, limit: i64) -> Result<Vec<Versioned<Filing>>, StoreError> {
        self.find::<Filing>("state", "pending", limit).await
    }
}

fn parse_rows<R: Record>(rows: &[(String, i64, String)]) -> Result<Vec<Versioned<R>>, StoreError> {
    rows.iter()
        .map(|(id, v, doc)| parse::<R>(id, *v, doc))
        .collect()
}

fn parse<R: Record>(id: &str, version: i64, doc: &str) -> Result<Versioned<R>, StoreError> {
    let record = serde_json::from_str(doc).map_err(|e| StoreError::Corrupt {
        table: R::TABLE,
        id: id.to_owned(),
        why: e.to_string(),
    })?;
    Ok(Versioned { record, version })
}

// After `on_pool!`: macros are visible to the modules declared below them.
#[macro_use]
mod write;
pub mod dump;
mod faults;
mod logs;
mod pages;
mod rewrap;
mod script;
mod stmt;
