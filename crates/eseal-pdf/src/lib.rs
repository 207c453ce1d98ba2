//! PDF for eseal: a bounded reader of a PDF's structure — its revisions (incremental updates),
//! cross-reference tables and streams, and objects, including those in object streams — over
//! positioned reads ([`Source`]), so a 100 MB file is never held in memory: only the
//! cross-reference data and the objects asked for are read. No I/O of its own: the caller
//! gives the bytes (`[u8]`) or a file through [`Source`].
//!
//! This is the base of PDF signing and verification (issue 20). Every limit is explicit
//! ([`Limits`]); hostile input — a loop of `/Prev` links, nesting without end, lying lengths,
//! a compression bomb — is a [`PdfError`], never a panic or unbounded work.

pub mod object;
pub mod text;
pub mod update;
pub mod write;
mod xref;

pub use object::{Dict, Object, ObjectId, Parser};
pub use update::{Picture, SignatureSpec, Stamp, Update, prepare};
pub use xref::{Entry, Revision};

use std::collections::BTreeMap;
use std::io::Read;

/// Why a PDF could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The file ends where more was expected.
    #[error("the file ends early (at byte {offset})")]
    Truncated {
        /// Where.
        offset: u64,
    },
    /// Bytes that are not PDF syntax.
    #[error("PDF syntax error at byte {offset}: {what}")]
    Syntax {
        /// Where.
        offset: u64,
        /// What was expected.
        what: String,
    },
    /// A structure that is well-formed but wrong (a missing key, a loop, a wrong type).
    #[error("{0}")]
    Structure(String),
    /// A limit was reached.
    #[error("too much work: {0}")]
    TooLarge(String),
    /// The page asked for is not in the document.
    #[error("page {page} does not exist; the document has {pages} pages")]
    NoSuchPage {
        /// The page asked for (1-based).
        page: usize,
        /// How many the document has.
        pages: usize,
    },
    /// A filter this reader does not decode.
    #[error("unsupported filter {0}")]
    UnsupportedFilter(String),
    /// The source could not be read.
    #[error("reading the file: {0}")]
    Io(String),
}

impl PdfError {
    /// The error in Chinese: what went wrong in words; the reader's own detail (English,
    /// technical) in parentheses after it.
    pub fn zh(&self) -> String {
        let what = match self {
            PdfError::Truncated { offset } => format!("PDF 文件在第 {offset} 字节处提前结束"),
            PdfError::Syntax { offset, .. } => format!("PDF 第 {offset} 字节处语法错误"),
            PdfError::Structure(_) => "PDF 结构有误".to_owned(),
            PdfError::TooLarge(_) => "PDF 超出处理上限".to_owned(),
            PdfError::UnsupportedFilter(f) => format!("不支持的 PDF 压缩方式 {f}"),
            PdfError::NoSuchPage { page, pages } => {
                return format!("第 {page} 页不存在：文档共 {pages} 页");
            }
            PdfError::Io(_) => "读取 PDF 失败".to_owned(),
        };
        format!("{what}（{self}）")
    }
}

/// Where the bytes come from: positioned reads of a file or a slice.
pub trait Source {
    /// The length in bytes.
    fn len(&self) -> u64;
    /// Reads up to `buf.len()` bytes at `offset`; the number read (0 at the end).
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, PdfError>;
    /// Whether it is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Source for [u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, PdfError> {
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(<[u8]>::len(self));
        let n = buf.len().min(<[u8]>::len(self) - start);
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), self.get(start..start + n)) {
            dst.copy_from_slice(src);
        }
        Ok(n)
    }
}

/// The bounds of the work done for one file.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The most bytes read for one object's dictionary (its header and value).
    pub object_window: usize,
    /// The most bytes a decoded stream may have.
    pub decoded_stream: u64,
    /// The most cross-reference sections followed through `/Prev`.
    pub sections: usize,
    /// The most objects the cross-reference data may name.
    pub objects: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            object_window: 4 << 20,
            decoded_stream: 64 << 20,
            sections: 1_000,
            objects: 8_000_000,
        }
    }
}

/// A PDF opened for reading: its revisions and the newest cross-reference entry of every
/// object.
#[derive(Debug)]
pub struct Pdf<'s, S: Source + ?Sized> {
    source: &'s S,
    limits: Limits,
    /// The revisions, oldest first.
    pub revisions: Vec<Revision>,
    /// The newest entry of each object number.
    pub entries: BTreeMap<u32, Entry>,
}

impl<'s, S: Source + ?Sized> Pdf<'s, S> {
    /// Opens `source` with the default limits.
    pub fn open(source: &'s S) -> Result<Self, PdfError> {
        Self::open_with(source, Limits::default())
    }

    /// Opens `source`: finds the last `startxref` and reads every cross-reference section
    /// back through `/Prev` (and `/XRefStm`), each once.
    pub fn open_with(source: &'s S, limits: Limits) -> Result<Self, PdfError> {
        let mut pdf = Self {
            source,
            limits,
            revisions: Vec::new(),
            entries: BTreeMap::new(),
        };
        xref::read_all(&mut pdf)?;
        Ok(pdf)
    }

    /// The file's length.
    pub fn source_len(&self) -> u64 {
        self.source.len()
    }

    /// The newest trailer.
    pub fn trailer(&self) -> Option<&Dict> {
        self.revisions.last().map(|r| &r.trailer)
    }

    /// Reads `len` bytes at `offset` (fewer at the end of the file).
    pub fn read(&self, offset: u64, len: usize) -> Result<Vec<u8>, PdfError> {
        let len = len.min(usize::try_from(self.source.len().saturating_sub(offset)).unwrap_or(0));
        let mut buf = vec![0u8; len];
        let mut done = 0;
        while done < len {
            let n = self.source.read_at(
                offset + done as u64,
                buf.get_mut(done..).unwrap_or_default(),
            )?;
            if n == 0 {
                break;
            }
            done += n;
        }
        buf.truncate(done);
        Ok(buf)
    }

    /// The indirect object at `offset` (`N G obj …`), read through a window that grows up to
    /// the limit while the object runs past it.
    fn object_at(&self, offset: u64) -> Result<(ObjectId, Object), PdfError> {
        let mut window = 4096usize;
        loop {
            let bytes = self.read(offset, window)?;
            let mut p = Parser::new(&bytes, offset);
            let parsed = p.object_header().and_then(|id| Ok((id, p.object()?)));
            match parsed {
                Err(PdfError::Truncated { .. })
                    if window < self.limits.object_window && (bytes.len() == window) =>
                {
                    window = (window * 4).min(self.limits.object_window);
                }
                Err(PdfError::Truncated { .. }) if bytes.len() == window => {
                    return Err(PdfError::TooLarge(format!(
                        "the object at byte {offset} is larger than {} bytes",
                        self.limits.object_window
                    )));
                }
                other => return other,
            }
        }
    }

    /// Object `id` as its newest revision has it (`Null` when it does not exist or is free).
    pub fn get(&self, id: ObjectId) -> Result<Object, PdfError> {
        self.read_entry(id, self.entries.get(&id.number).copied())
    }

    /// Object `id` as revision `rev` (0-based, oldest first) had it: `Null` when it did not
    /// exist then. (An object stream is read as the newest revision has it.)
    pub fn get_at(&self, id: ObjectId, rev: usize) -> Result<Object, PdfError> {
        let entry = self
            .revisions
            .iter()
            .take(rev.saturating_add(1))
            .rev()
            .find_map(|r| r.objects.get(&id.number))
            .copied();
        self.read_entry(id, entry)
    }

    fn read_entry(&self, id: ObjectId, entry: Option<Entry>) -> Result<Object, PdfError> {
        match entry.as_ref() {
            Some(Entry::InUse { offset, generation }) if *generation == id.generation => {
                let (found, o) = self.object_at(*offset)?;
                if found != id {
                    return Err(PdfError::Structure(format!(
                        "the cross-reference table puts object {id} at byte {offset}, where object {found} is"
                    )));
                }
                Ok(o)
            }
            Some(Entry::InStream { stream, index }) if id.generation == 0 => {
                self.in_object_stream(*stream, *index, id.number)
            }
            _ => Ok(Object::Null),
        }
    }

    /// `o`, or the object it refers to (one step: a reference to a reference is followed
    /// up to 32 times).
    pub fn resolve(&self, o: &Object) -> Result<Object, PdfError> {
        let mut o = o.clone();
        for _ in 0..32 {
            match o {
                Object::Ref(id) => o = self.get(id)?,
                other => return Ok(other),
            }
        }
        Err(PdfError::Structure(
            "a chain of more than 32 references".into(),
        ))
    }

    /// The value of `key` in `dict`, resolved.
    pub fn value(&self, dict: &Dict, key: &str) -> Result<Object, PdfError> {
        match dict.get(key.as_bytes()) {
            Some(o) => self.resolve(o),
            None => Ok(Object::Null),
        }
    }

    /// The raw (still encoded) data of a stream whose data starts at `at`: `/Length` bytes,
    /// checked to be followed by `endstream`.
    pub fn raw_stream(&self, dict: &Dict, at: u64) -> Result<Vec<u8>, PdfError> {
        let length = self
            .value(dict, "Length")?
            .int()
            .filter(|l| *l >= 0)
            .ok_or_else(|| {
                PdfError::Structure(format!("the stream at byte {at} has no /Length"))
            })?;
        let length = u64::try_from(length).unwrap_or(u64::MAX);
        if at.saturating_add(length) > self.source.len() {
            return Err(PdfError::Structure(format!(
                "the stream at byte {at} says it has {length} bytes; the file ends before"
            )));
        }
        if length > self.limits.decoded_stream {
            return Err(PdfError::TooLarge(format!(
                "the stream at byte {at} has {length} bytes"
            )));
        }
        let data = self.read(at, usize::try_from(length).unwrap_or(usize::MAX))?;
        let tail = self.read(at + length, 32)?;
        let mut p = Parser::new(&tail, at + length);
        p.expect("endstream").map_err(|_| {
            PdfError::Structure(format!(
                "the stream at byte {at}: `endstream` does not follow its {length} bytes"
            ))
        })?;
        Ok(data)
    }

    /// A stream's data decoded (`/FlateDecode` with PNG or TIFF predictors, or none), at most
    /// the limit's bytes.
    pub fn stream_data(&self, dict: &Dict, at: u64) -> Result<Vec<u8>, PdfError> {
        let raw = self.raw_stream(dict, at)?;
        let filters = match self.value(dict, "Filter")? {
            Object::Null => Vec::new(),
            Object::Name(n) => vec![n],
            Object::Array(a) => a
                .iter()
                .filter_map(|f| f.name().map(<[u8]>::to_vec))
                .collect(),
            _ => {
                return Err(PdfError::Structure(format!(
                    "the stream at byte {at} has a bad /Filter"
                )));
            }
        };
        let params = self.value(dict, "DecodeParms")?;
        let mut data = raw;
        for (i, f) in filters.iter().enumerate() {
            match f.as_slice() {
                b"FlateDecode" | b"Fl" => {
                    let mut out = Vec::new();
                    flate2::read::ZlibDecoder::new(data.as_slice())
                        .take(self.limits.decoded_stream + 1)
                        .read_to_end(&mut out)
                        .map_err(|e| {
                            PdfError::Structure(format!(
                                "the stream at byte {at} does not inflate: {e}"
                            ))
                        })?;
                    if out.len() as u64 > self.limits.decoded_stream {
                        return Err(PdfError::TooLarge(format!(
                            "the stream at byte {at} inflates to more than {} bytes",
                            self.limits.decoded_stream
                        )));
                    }
                    let p = match &params {
                        Object::Array(a) => a.get(i).cloned().unwrap_or(Object::Null),
                        other => other.clone(),
                    };
                    data = match self.resolve(&p)?.dict() {
                        Some(p) => xref::unpredict(out, p)?,
                        None => out,
                    };
                }
                other => {
                    return Err(PdfError::UnsupportedFilter(
                        String::from_utf8_lossy(other).into_owned(),
                    ));
                }
            }
        }
        Ok(data)
    }

    /// Object `number` at `index` of object stream `stream`.
    fn in_object_stream(&self, stream: u32, index: u32, number: u32) -> Result<Object, PdfError> {
        let id = ObjectId {
            number: stream,
            generation: 0,
        };
        let Object::Stream(dict, at) = self.get(id)? else {
            return Err(PdfError::Structure(format!(
                "object {number} is said to be in object stream {stream}, which is not a stream"
            )));
        };
        let data = self.stream_data(&dict, at)?;
        let count = self.value(&dict, "N")?.int().unwrap_or(-1);
        let first = self.value(&dict, "First")?.int().unwrap_or(-1);
        let (Ok(count), Ok(first)) = (u32::try_from(count), usize::try_from(first)) else {
            return Err(PdfError::Structure(format!(
                "object stream {stream} lacks /N or /First"
            )));
        };
        if index >= count {
            return Err(PdfError::Structure(format!(
                "object {number} is said to be number {index} of object stream {stream}, which holds {count}"
            )));
        }
        let mut header = Parser::new(data.get(..first).unwrap_or_default(), 0);
        for i in 0..=index {
            let n = header.unsigned()?;
            let offset = header.unsigned()?;
            if i == index {
                if n != u64::from(number) {
                    return Err(PdfError::Structure(format!(
                        "object stream {stream} holds object {n} where object {number} was expected"
                    )));
                }
                let start = first.saturating_add(usize::try_from(offset).unwrap_or(usize::MAX));
                let body = data.get(start..).ok_or_else(|| {
                    PdfError::Structure(format!(
                        "object {number} lies past the end of object stream {stream}"
                    ))
                })?;
                return Parser::new(body, 0).object().and_then(|o| match o {
                    Object::Stream(..) => Err(PdfError::Structure(format!(
                        "object stream {stream} holds a stream (object {number})"
                    ))),
                    o => Ok(o),
                });
            }
        }
        Err(PdfError::Structure(format!(
            "object {number} is not in object stream {stream}"
        )))
    }
}
