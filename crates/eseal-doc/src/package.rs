//! The OFD container: a ZIP read defensively. Its structure is checked first from the bytes
//! ([`crate::zipcheck`]: duplicate names, local headers against the central directory, bytes
//! no entry accounts for, overlaps), and the `zip` crate's view must be that same layout.
//! Entry names are normalised (`\` → `/`, no leading `/`), and a package is refused when a
//! name escapes the root (`..`), when two entries have the same name (also ignoring case,
//! since OFD readers resolve names case-insensitively), or when sizes or compression ratios
//! are beyond bounds (zip bombs). Files are hashed as streams; nothing large is held in
//! memory, and an entry that inflates to more or fewer bytes than it declares is refused.

use crate::error::{DocError, Text};
use std::collections::HashMap;
use std::io::{Read, Seek};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// At most this many entries.
pub const MAX_ENTRIES: usize = 100_000;
/// No entry may claim to expand beyond this.
pub const MAX_ENTRY_SIZE: u64 = 4 << 30;
/// Compression ratio above which a large entry is treated as a bomb.
pub const MAX_RATIO: u64 = 200;
/// XML and other small files read whole are capped at this size.
pub const MAX_READ: u64 = 64 << 20;

/// How much the users of a package may read from it (decompressed bytes, over every file
/// read), and a flag that stops them: a service verifying documents for anonymous callers
/// bounds its work per request and stops when the caller has gone.
#[derive(Debug, Clone, Default)]
pub struct Budget {
    /// At most this many bytes are read in all (`None`: no bound).
    pub max_bytes: Option<u64>,
    /// Once set, the next read fails with [`DocError::Cancelled`].
    pub cancel: Option<Arc<AtomicBool>>,
}

/// The names of a package's files, for resolving references (shared with the threads that
/// check a document's signatures, which do not read the package).
#[derive(Debug, Default)]
pub struct Names {
    /// Normalised name → index in the archive (files only).
    index: HashMap<String, usize>,
    /// Lower-cased name → normalised name, for the case-insensitive fallback.
    folded: HashMap<String, String>,
}

/// A file of the package: its name and its place in the archive (which identifies it
/// without hashing its name again).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolved<'a> {
    /// Its normalised name.
    pub name: &'a str,
    /// Its index in the archive.
    pub index: usize,
}

impl Names {
    /// Resolve a path to an existing file: exact, else ignoring case. Nothing is allocated
    /// for a path already in normal form (with or without its leading `/`).
    pub fn resolve(&self, path: &str) -> Result<Resolved<'_>, DocError> {
        let n = normalised(path)?;
        let found = match self.index.get_key_value(n.as_ref()) {
            Some(found) => Some(found),
            None => self
                .folded
                .get(&n.to_lowercase())
                .and_then(|name| self.index.get_key_value(name)),
        };
        found
            .map(|(name, &index)| Resolved { name, index })
            .ok_or_else(|| DocError::Missing(n.into_owned()))
    }

    /// Every file, sorted by name.
    pub fn files(&self) -> Vec<Resolved<'_>> {
        let mut v: Vec<Resolved<'_>> = self
            .index
            .iter()
            .map(|(name, &index)| Resolved { name, index })
            .collect();
        v.sort_unstable_by(|a, b| a.name.cmp(b.name));
        v
    }
}

/// Which signature record owns each file read as a record's own (its Signature.xml, its
/// SignedValue). Real packages give every signature its own files; a hostile one may name
/// one large file in all of its thousand records, so each record would read it again. The
/// second record to name a file is refused without reading it (the verifier fails it on its
/// structure, the renderer skips it with a warning).
#[derive(Debug, Default)]
pub struct RecordFiles {
    /// Archive index → (the owning record's place in the document, from 0; its `ID`).
    owner: HashMap<usize, (usize, String)>,
}

impl RecordFiles {
    /// Claims `file` for the record at `place` (0-based, in document order) whose `ID` is
    /// `id`. The same record may claim a file again (a window of records read twice); a
    /// file another record claimed first is refused, naming that record.
    pub fn claim(&mut self, file: Resolved<'_>, place: usize, id: &str) -> Result<(), Text> {
        match self.owner.get(&file.index) {
            Some((first, _)) if *first == place => Ok(()),
            Some((first, first_id)) => Err(Text::new(
                format!(
                    "{} 已属于第 {} 个签名（ID {first_id}）；每个签名须有自己的文件，此文件不再读取",
                    file.name,
                    first + 1
                ),
                format!(
                    "{} already belongs to signature {} (ID {first_id}); each signature must have \
                     its own files, so it is not read again",
                    file.name,
                    first + 1
                ),
            )),
            None => {
                self.owner.insert(file.index, (place, id.to_owned()));
                Ok(())
            }
        }
    }
}

/// An opened OFD package.
pub struct Package<R: Read + Seek> {
    zip: zip::ZipArchive<R>,
    names: Arc<Names>,
    budget: Budget,
    /// Decompressed bytes read so far.
    read: u64,
}

impl<R: Read + Seek> std::fmt::Debug for Package<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Package")
            .field("files", &self.names.index.len())
            .finish()
    }
}

/// Counts `n` more bytes read against `budget`.
/// Reading entry `name` failed: corrupt compressed data or a CRC that does not match are
/// named as such (the inflater and the CRC check report them as invalid data).
fn entry_error(name: &str, e: &std::io::Error) -> DocError {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::InvalidData | K::InvalidInput => DocError::Io(Text::new(
            format!("读取 {name} 失败：压缩数据损坏或与校验值（CRC）不符"),
            format!("reading {name}: {e}"),
        )),
        _ => DocError::io(&format!("读取 {name} "), &format!("reading {name}"), e),
    }
}

fn spend(budget: &Budget, read: &mut u64, n: u64) -> Result<(), DocError> {
    if budget
        .cancel
        .as_ref()
        .is_some_and(|c| c.load(Ordering::Relaxed))
    {
        return Err(DocError::Cancelled);
    }
    *read = read.saturating_add(n);
    match budget.max_bytes {
        Some(max) if *read > max => Err(DocError::Limit(Text::new(
            format!(
                "需要读取的文件包内容超过 {} MiB；请用 `eseal verify` 离线验证",
                max >> 20
            ),
            format!(
                "more than {} MiB of the package's content would be read; verify it offline with `eseal verify`",
                max >> 20
            ),
        ))),
        _ => Ok(()),
    }
}

/// Normalise a ZIP entry name or an ST_Loc to a package path without a leading slash.
pub fn normalise(path: &str) -> Result<String, DocError> {
    normalised(path).map(std::borrow::Cow::into_owned)
}

/// [`normalise`], borrowing the path when it is already in normal form but for leading `/`s
/// (most references: `/Doc_0/Pages/Page_0/Content.xml`).
fn normalised(path: &str) -> Result<std::borrow::Cow<'_, str>, DocError> {
    let rest = path.trim_start_matches('/');
    if !rest.contains('\\') && rest.split('/').all(|p| !matches!(p, "" | "." | "..")) {
        return Ok(std::borrow::Cow::Borrowed(rest));
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(DocError::Package(Text::new(
                        format!("{path:?} 指向文件包之外"),
                        format!("{path:?} points outside the package"),
                    )));
                }
            }
            p => parts.push(p),
        }
    }
    Ok(std::borrow::Cow::Owned(parts.join("/")))
}

impl<R: Read + Seek> Package<R> {
    /// Open and check a package.
    pub fn open(mut reader: R) -> Result<Self, DocError> {
        let layout = crate::zipcheck::check(&mut reader, MAX_ENTRIES)?;
        let mut zip = zip::ZipArchive::new(reader).map_err(|e| {
            DocError::Package(Text::new(
                "不是 ZIP 文件".to_string(),
                format!("not a ZIP: {e}"),
            ))
        })?;
        // The library must see exactly the layout checked above, entry for entry.
        if zip.len() != layout.entries.len() {
            return Err(DocError::Package(Text::new(
                format!(
                    "ZIP 库读到 {} 个条目，而中央目录有 {} 个",
                    zip.len(),
                    layout.entries.len()
                ),
                format!(
                    "the ZIP library reads {} entries where the central directory has {}",
                    zip.len(),
                    layout.entries.len()
                ),
            )));
        }
        let mut index = HashMap::new();
        let mut folded = HashMap::new();
        for (i, checked) in layout.entries.iter().enumerate() {
            let entry = zip.by_index_raw(i).map_err(|e| {
                DocError::Package(Text::new(
                    format!("第 {i} 个条目无法读取"),
                    format!("entry {i}: {e}"),
                ))
            })?;
            if entry.header_start() != checked.local_offset
                || entry.name_raw() != checked.name.as_slice()
                || entry.compressed_size() != checked.compressed
                || entry.size() != checked.size
                || entry.crc32() != checked.crc32
            {
                return Err(DocError::Package(Text::new(
                    format!(
                        "第 {i} 个条目（{:?}）经 ZIP 库读出的内容与其文件头所述不同",
                        String::from_utf8_lossy(&checked.name)
                    ),
                    format!(
                        "entry {i} ({:?}) reads differently through the ZIP library than its headers say",
                        String::from_utf8_lossy(&checked.name)
                    ),
                )));
            }
            let raw = entry
                .name()
                .map_err(|e| {
                    DocError::Package(Text::new(
                        format!("第 {i} 个条目：名称无效"),
                        format!("entry {i}: bad name: {e}"),
                    ))
                })?
                .to_string();
            if raw.split(['/', '\\']).any(|p| p == "..") {
                return Err(DocError::Package(Text::new(
                    format!("条目 {raw:?} 跳出了文件包（`..`）"),
                    format!("entry {raw:?} climbs out of the package (`..`)"),
                )));
            }
            if entry.is_dir() {
                continue;
            }
            if entry.size() > MAX_ENTRY_SIZE {
                return Err(DocError::Package(Text::new(
                    format!("条目 {raw:?} 声称有 {} 字节", entry.size()),
                    format!("entry {raw:?} claims {} bytes", entry.size()),
                )));
            }
            if entry.size() > (1 << 20) && entry.size() / entry.compressed_size().max(1) > MAX_RATIO
            {
                return Err(DocError::Package(Text::new(
                    format!(
                        "条目 {raw:?} 解压后膨胀 {} 倍（可能是 ZIP 炸弹）",
                        entry.size() / entry.compressed_size().max(1)
                    ),
                    format!(
                        "entry {raw:?} expands {}× (a zip bomb?)",
                        entry.size() / entry.compressed_size().max(1)
                    ),
                )));
            }
            let name = normalise(&raw)?;
            if name.is_empty() {
                return Err(DocError::Package(Text::new(
                    format!("条目 {raw:?} 没有名称"),
                    format!("entry {raw:?} has no name"),
                )));
            }
            let lower = name.to_lowercase();
            if index.insert(name.clone(), i).is_some()
                || folded.insert(lower, name.clone()).is_some()
            {
                return Err(DocError::Package(Text::new(
                    format!("有两个条目都名为 {name:?}（重复条目是一种攻击手法）"),
                    format!("two entries are named {name:?} (duplicate entries are an attack)"),
                )));
            }
        }
        Ok(Self {
            zip,
            names: Arc::new(Names { index, folded }),
            budget: Budget::default(),
            read: 0,
        })
    }

    /// Bounds what may be read from now on.
    pub fn set_budget(&mut self, budget: Budget) {
        self.budget = budget;
    }

    /// Decompressed bytes read so far, over every file.
    pub fn bytes_read(&self) -> u64 {
        self.read
    }

    /// The number of ZIP entries (directories included).
    pub(crate) fn entry_count(&self) -> usize {
        self.zip.len()
    }

    /// Entry `i` as stored (for copying it unchanged) and its name as written.
    pub(crate) fn raw_entry(
        &mut self,
        i: usize,
    ) -> Result<(zip::read::ZipFile<'_, R>, String), DocError> {
        let entry = self
            .zip
            .by_index_raw(i)
            .map_err(|e| DocError::Package(Text::new("条目无法读取", e.to_string())))?;
        let name = entry
            .name()
            .map_err(|e| DocError::Package(Text::new("条目名称无效", e.to_string())))?
            .to_string();
        Ok((entry, name))
    }

    /// The files, sorted.
    pub fn files(&self) -> Vec<String> {
        self.names
            .files()
            .into_iter()
            .map(|f| f.name.to_owned())
            .collect()
    }

    /// Resolve a path to an existing entry: exact, else ignoring case.
    pub fn resolve(&self, path: &str) -> Result<String, DocError> {
        self.names.resolve(path).map(|f| f.name.to_owned())
    }

    /// The names of its files, to resolve references away from the package.
    pub fn names(&self) -> Arc<Names> {
        Arc::clone(&self.names)
    }

    /// Stream a file through `sink`.
    pub fn stream(&mut self, path: &str, mut sink: impl FnMut(&[u8])) -> Result<u64, DocError> {
        let name = self.resolve(path)?;
        let i = *self
            .names
            .index
            .get(&name)
            .ok_or_else(|| DocError::Missing(name.clone()))?;
        let mut entry = self.zip.by_index(i).map_err(|e| {
            DocError::Package(Text::new(
                format!("{name}：无法读取"),
                format!("{name}: {e}"),
            ))
        })?;
        let declared = entry.size();
        let mut buf = vec![0u8; 64 * 1024];
        let mut total = 0u64;
        spend(&self.budget, &mut self.read, 0)?;
        loop {
            let n = entry.read(&mut buf).map_err(|e| entry_error(&name, &e))?;
            if n == 0 {
                break;
            }
            spend(&self.budget, &mut self.read, n as u64)?;
            total += n as u64;
            if total > declared {
                return Err(DocError::Package(Text::new(
                    format!("{name} 解压后超出其声明的大小"),
                    format!("{name} expands beyond its declared size"),
                )));
            }
            sink(buf.get(..n).unwrap_or_default());
        }
        if total != declared {
            return Err(DocError::Package(Text::new(
                format!("{name} 实有 {total} 字节，却声明为 {declared} 字节"),
                format!("{name} holds {total} bytes but declares {declared}"),
            )));
        }
        Ok(total)
    }

    /// Read a (small) file whole: at most [`MAX_READ`] bytes.
    pub fn read(&mut self, path: &str) -> Result<Vec<u8>, DocError> {
        self.read_at_most(path, MAX_READ)
    }

    /// Read a file whole if it holds at most `max` bytes; a larger one is refused, naming
    /// the bound (nothing past it is kept).
    pub fn read_at_most(&mut self, path: &str, max: u64) -> Result<Vec<u8>, DocError> {
        let name = self.resolve(path)?;
        let too_large = || {
            DocError::Package(Text::new(
                format!("{name} 超过 {max} 字节"),
                format!("{name} is larger than {max} bytes"),
            ))
        };
        // Refused by its declared size before any of it is inflated (reading checks that
        // the size is true).
        if let Some(&i) = self.names.index.get(&name)
            && self.zip.by_index_raw(i).is_ok_and(|e| e.size() > max)
        {
            return Err(too_large());
        }
        let mut out = Vec::new();
        let mut over = false;
        self.stream(&name, |b| {
            if over || out.len() as u64 + b.len() as u64 > max {
                over = true;
            } else {
                out.extend_from_slice(b);
            }
        })?;
        if over {
            return Err(too_large());
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_resolves_the_same_by_the_short_and_the_long_way() {
        let mut names = Names::default();
        for (i, n) in ["Doc_0/Pages/Page_0/Content.xml", "Doc_0/Res/Img.PNG"]
            .iter()
            .enumerate()
        {
            names.index.insert((*n).to_owned(), i);
            names.folded.insert(n.to_lowercase(), (*n).to_owned());
        }
        let page = "Doc_0/Pages/Page_0/Content.xml";
        for asked in [
            page,
            "/Doc_0/Pages/Page_0/Content.xml",
            "//Doc_0/Pages/Page_0/Content.xml",
            "Doc_0//Pages/./Page_0/Content.xml",
            "Doc_0\\Pages\\Page_0\\Content.xml",
            "Doc_0/Res/../Pages/Page_0/Content.xml",
            "/DOC_0/pages/page_0/content.xml",
        ] {
            assert_eq!(names.resolve(asked).unwrap().name, page, "{asked}");
        }
        assert_eq!(
            names.resolve("doc_0/res/img.png").unwrap(),
            Resolved {
                name: "Doc_0/Res/Img.PNG",
                index: 1
            }
        );
        assert!(matches!(
            names.resolve("/Doc_0/Pages/Page_1/Content.xml"),
            Err(DocError::Missing(m)) if m == "Doc_0/Pages/Page_1/Content.xml"
        ));
        assert!(matches!(
            names.resolve("../OFD.xml"),
            Err(DocError::Package(_))
        ));
        assert!(matches!(names.resolve("Doc_0/"), Err(DocError::Missing(m)) if m == "Doc_0"));
        assert_eq!(normalise("a/./b//c/").unwrap(), "a/b/c");
        // A file belongs to the first record that claims it.
        let mut owners = RecordFiles::default();
        let file = names.resolve(page).unwrap();
        owners.claim(file, 0, "s1").unwrap();
        owners.claim(file, 0, "s1").unwrap();
        let taken = owners.claim(file, 3, "s4").unwrap_err();
        assert!(
            taken.en.contains("belongs to signature 1 (ID s1)"),
            "{taken:?}"
        );
        assert!(taken.zh.contains("已属于第 1 个签名"), "{taken:?}");
        owners
            .claim(names.resolve("doc_0/res/img.png").unwrap(), 3, "s4")
            .unwrap();
        assert_eq!(normalise("/a/b").unwrap(), "a/b");
    }
}
