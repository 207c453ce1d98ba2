//! The store's error type.

/// Why a store operation failed. A failed batch changes nothing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A record changed since it was read (optimistic concurrency); read it again and retry.
    #[error("{table} {id} was changed by someone else (expected version {expected})")]
    Conflict {
        /// The table.
        table: &'static str,
        /// The record.
        id: String,
        /// The version the writer read.
        expected: i64,
    },
    /// A record with this identifier exists already.
    #[error("{table} {id} already exists")]
    Exists {
        /// The table.
        table: &'static str,
        /// The record.
        id: String,
    },
    /// A stored document no longer parses (a bug or tampering; the row is left as it is).
    #[error("stored {table} {id} is unreadable: {why}")]
    Corrupt {
        /// The table.
        table: &'static str,
        /// The record.
        id: String,
        /// The parse error.
        why: String,
    },
    /// The database URL or data directory is not usable.
    #[error("database configuration: {0}")]
    Config(String),
    /// Migrating the schema failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database failed.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// The group transaction carrying the batch failed or never ran: nothing of it was
    /// written (see `Store::commit`).
    #[error("not committed: {0}")]
    NotCommitted(String),
    /// A database copy (backup) is malformed, or cannot be loaded here: what, where.
    #[error("database copy: {0}")]
    Dump(String),
    /// The disk holding the records is full: nothing was written.
    #[error("{location}: the disk is full; nothing was written")]
    Full {
        /// The database file, or the PostgreSQL database.
        location: String,
    },
    /// The database file is damaged (cut short, a corrupt page): nothing is served from it.
    #[error("{location} is damaged: {why}")]
    Damaged {
        /// The database file.
        location: String,
        /// What SQLite found.
        why: String,
    },
}
