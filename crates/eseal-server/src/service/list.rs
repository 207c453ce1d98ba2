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

/// A search text given to a list (`q`): trimmed, `None` when empty; longer than 64
/// characters is refused (no user name, code or ID is that long).
pub(crate) fn search_text(q: Option<&str>) -> crate::failure::Result<Option<&str>> {
    match q.map(str::trim).filter(|q| !q.is_empty()) {
        Some(q) if q.chars().count() > 64 => Err(crate::failure::Failure::invalid(
            "q",
            "查询内容过长（至多 64 个字符）",
            "the search text is too long (64 characters at most)",
        )),
        other => Ok(other),
    }
}

/// A seal ID a list is searched by (`q`), checked as one.
pub(crate) fn seal_search(q: Option<&str>) -> crate::failure::Result<Option<String>> {
    search_text(q)?
        .map(|q| eseal_core::SealId::parse("q", q).map(|id| id.to_string()))
        .transpose()
        .map_err(Into::into)
}

/// What a form saw of a record: the first 16 bytes of the SM3 of its JSON, in hex (an
/// entity tag). A form carries it back so that a change someone else made since the page
/// was drawn is refused as stale ([`unchanged`]) instead of silently overwritten or decided
/// on a record the user did not see.
pub fn etag<T: serde::Serialize>(record: &T) -> String {
    let json = serde_json::to_vec(record).unwrap_or_default();
    let digest = eseal_gm::Sm3Digest::of(&json).to_hex();
    digest[..32].to_owned()
}

/// Refuses (`stale`, 409) when `seen` is given and `current` is no longer what it tagged.
pub(crate) fn unchanged<T: serde::Serialize>(
    current: &T,
    seen: Option<&str>,
    what: crate::failure::Thing,
    id: &str,
) -> crate::failure::Result<()> {
    let (zh, en) = what.names();
    match seen.map(str::trim).filter(|s| !s.is_empty()) {
        Some(seen) if seen != etag(current) => Err(crate::failure::Failure::conflict(
            "stale",
            format!("{zh} {id} 在您打开页面之后已被他人修改，请刷新页面，看过最新内容后再操作"),
            format!(
                "the {en} {id} was changed by someone else after you opened the page; reload it and act on what it shows now"
            ),
        )),
        _ => Ok(()),
    }
}
