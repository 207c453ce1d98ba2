//! Faults of the medium, named for the operator: a full disk (see also `Store::open_sqlite`'s
//! check of a damaged file).

use crate::{Store, StoreError};

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
