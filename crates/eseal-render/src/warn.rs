//! What went wrong while drawing, said in Chinese and English: the page is still drawn as
//! well as it can be, and each problem is named once.

pub use eseal_ses::report::Text;

/// One problem met while drawing a page: where (the package file) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The package file the problem is in ("" for the document as a whole).
    pub file: String,
    /// What is wrong, and what was drawn instead.
    pub text: Text,
}

/// At most this many warnings are kept for one page; one more says how many were left out.
pub const MAX_WARNINGS: usize = 100;

/// The warnings of one page: each distinct one once, at most [`MAX_WARNINGS`].
#[derive(Debug, Clone, Default)]
pub struct Warnings {
    list: Vec<Warning>,
    dropped: usize,
}

impl Warnings {
    /// Notes a problem in `file`.
    pub fn push(&mut self, file: &str, zh: impl Into<String>, en: impl Into<String>) {
        let w = Warning {
            file: file.to_owned(),
            text: Text::new(zh, en),
        };
        if self.list.contains(&w) {
            return;
        }
        if self.list.len() >= MAX_WARNINGS {
            self.dropped += 1;
        } else {
            self.list.push(w);
        }
    }

    /// Adds another page part's warnings (a template, a nested seal document).
    pub fn extend(&mut self, other: Warnings) {
        for w in other.list {
            self.push(&w.file, w.text.zh, w.text.en);
        }
        self.dropped += other.dropped;
    }

    /// The warnings, with a last one saying how many more there were.
    pub fn into_vec(self) -> Vec<Warning> {
        let mut out = self.list;
        if self.dropped > 0 {
            out.push(Warning {
                file: String::new(),
                text: Text::new(
                    format!("另有 {} 个问题未列出", self.dropped),
                    format!("{} more problems not listed", self.dropped),
                ),
            });
        }
        out
    }

    /// Whether nothing was noted.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty() && self.dropped == 0
    }
}

/// Why a page cannot be drawn at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// The package or one of its structure files cannot be read.
    #[error("{0}")]
    Doc(#[from] eseal_doc::DocError),
    /// The document has no such page.
    #[error("page {page} does not exist (the document has {count})")]
    NoPage {
        /// 1-based page asked for.
        page: usize,
        /// Pages in the document.
        count: usize,
    },
    /// The document's structure is not usable (no document root, no pages).
    #[error("{0}")]
    Structure(Text),
    /// The output could not be made (PNG encoding).
    #[error("{0}")]
    Output(Text),
}

impl RenderError {
    /// What went wrong, in Chinese.
    pub fn zh(&self) -> String {
        match self {
            Self::Doc(e) => e.zh(),
            Self::NoPage { page, count } => format!("第 {page} 页不存在（文档共 {count} 页）"),
            Self::Structure(t) | Self::Output(t) => t.zh.clone(),
        }
    }
}
