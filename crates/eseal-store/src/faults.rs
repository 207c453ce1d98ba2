//! The medium: the database file made private before SQLite opens it, and its faults named
//! for the operator — a full disk (see also `Store::open_sqlite`'s check of a damaged file).

use crate::{SQLITE_FILE, Store, StoreError};
use std::path::Path;

impl Store {
    /// Where the records are, for messages.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// A full disk named as such (SQLite's `SQLITE_FULL`, PostgreSQL's `disk_full`, the
    /// system's ENOSPC), whatever layer reported it.
    pub(crate) fn classify(&self, e: StoreError) -> StoreError {
        let text = e.to_string();
        if text.contains("disk is full")
            || text.contains("No space left on device")
            || text.contains("could not extend file")
        {
            StoreError::Full {
                location: self.location.to_string(),
            }
        } else {
            e
        }
    }
}

/// Creates `dir` (0700) and an empty database file in it (0600) before SQLite opens it:
/// SQLite gives its WAL and shared-memory files the database file's mode, so none of the
/// registry's files is readable by other users of the machine.
pub(crate) fn private_database_file(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let file = dir.join(SQLITE_FILE);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&file)?
            .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    {
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(&file)?;
    }
    Ok(())
}
