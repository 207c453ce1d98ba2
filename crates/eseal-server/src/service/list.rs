//! Lists a page at a time: every list the services give (applications, filings, use
//! requests, seals, the ledger) is read in id order from after a cursor, at most
//! [`crate::registry::QUERY_LIMIT`] rows, with the cursor of the next page — never "the
//! first 500 and nothing after".

use eseal_store::{Record, Versioned};

/// Where a page starts and how long it may be.
#[derive(Debug, Clone, Default)]
pub struct PageAt {
    /// The last id of the page before (`""`: from the start).
    pub after: String,
    /// Rows per page (at most [`crate::registry::QUERY_LIMIT`], the default).
    pub limit: Option<i64>,
}

impl PageAt {
    /// A page after `after` (`None`: the first) of the default length.
    pub fn after(after: Option<&str>) -> PageAt {
        PageAt {
            after: after.unwrap_or_default().to_owned(),
            limit: None,
        }
    }

    /// The page's length, within bounds.
    pub fn limit(&self) -> i64 {
        let max = crate::registry::QUERY_LIMIT;
        self.limit.unwrap_or(max).clamp(1, max)
    }
}

/// One page of a list and, when it was full, the cursor of the next.
#[derive(Debug, Clone)]
pub struct Listed<T> {
    /// The items (those of the page the caller may see).
    pub items: Vec<T>,
    /// The `after` of the next page.
    pub next: Option<String>,
}

impl<T> Listed<T> {
    /// A page from the rows the store read for `at`: `keep` chooses what the caller sees;
    /// the next cursor is the last row read (kept or not), so no row is skipped.
    pub(crate) fn of<R: Record>(
        rows: Vec<Versioned<R>>,
        at: &PageAt,
        id: impl Fn(&R) -> String,
        keep: impl Fn(&R) -> bool,
        map: impl Fn(R) -> T,
    ) -> Listed<T> {
        let full = rows.len() as i64 >= at.limit();
        let next = if full {
            rows.last().map(|r| id(&r.record))
        } else {
            None
        };
        Listed {
            items: rows
                .into_iter()
                .map(|r| r.record)
                .filter(|r| keep(r))
                .map(map)
                .collect(),
            next,
        }
    }
}
