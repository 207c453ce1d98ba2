//! Cross-reference data (ISO 32000-1 §7.5.4, §7.5.8): classic tables with their trailers and
//! cross-reference streams, followed back from the last `startxref` through `/Prev` and
//! `/XRefStm`, each section once. The newest entry of an object wins.

use crate::object::{Dict, Object, Parser};
use crate::{Pdf, PdfError, Source};
use std::collections::{BTreeMap, BTreeSet};

/// Where an object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// Free (deleted).
    Free,
    /// At a byte offset, with a generation.
    InUse {
        /// The offset of `N G obj`.
        offset: u64,
        /// Its generation.
        generation: u16,
    },
    /// Inside an object stream.
    InStream {
        /// The object stream's number.
        stream: u32,
        /// The index within it.
        index: u32,
    },
}

/// One revision of the file: the original or an incremental update.
#[derive(Debug, Clone)]
pub struct Revision {
    /// The offset of its cross-reference section (what its `startxref` names).
    pub xref_offset: u64,
    /// Its trailer (for a cross-reference stream, the stream's dictionary).
    pub trailer: Dict,
    /// The end of the revision: the byte after its `%%EOF` marker and end-of-line, when the
    /// marker was found.
    pub end: Option<u64>,
    /// The objects its cross-reference section(s) list: what this revision wrote (or freed).
    pub objects: BTreeMap<u32, Entry>,
}

/// Reads every section into `pdf`.
pub(crate) fn read_all<S: Source + ?Sized>(pdf: &mut Pdf<'_, S>) -> Result<(), PdfError> {
    let len = pdf.source.len();
    let tail_start = len.saturating_sub(1024);
    let tail = pdf.read(tail_start, 1024)?;
    // No `startxref` near the end: the file was cut short (or is no PDF).
    let at = rfind(&tail, b"startxref").ok_or(PdfError::Truncated { offset: len })?;
    let mut p = Parser::new(tail.get(at + 9..).unwrap_or_default(), 0);
    let mut next = Some(p.unsigned()?);
    let mut seen = BTreeSet::new();
    let mut newest_first = Vec::new();
    while let Some(offset) = next.take() {
        if !seen.insert(offset) {
            return Err(PdfError::Structure(format!(
                "the cross-reference sections loop back to byte {offset}"
            )));
        }
        if seen.len() > pdf.limits.sections {
            return Err(PdfError::TooLarge(format!(
                "more than {} cross-reference sections",
                pdf.limits.sections
            )));
        }
        let mut objects = BTreeMap::new();
        let (trailer, end_hint) = section(pdf, offset, &mut objects)?;
        if let Some(stm) = trailer.get(&b"XRefStm"[..]).and_then(Object::int) {
            let stm = u64::try_from(stm).unwrap_or(u64::MAX);
            if seen.insert(stm) {
                section(pdf, stm, &mut objects)?;
            }
        }
        next = match trailer.get(&b"Prev"[..]) {
            Some(Object::Int(prev)) => Some(u64::try_from(*prev).map_err(|_| {
                PdfError::Structure(format!(
                    "a negative /Prev ({prev}) in the trailer at byte {offset}"
                ))
            })?),
            Some(_) => {
                return Err(PdfError::Structure(format!(
                    "the trailer at byte {offset} has a /Prev that is not an offset"
                )));
            }
            None => None,
        };
        let end = eof_after(pdf, end_hint)?;
        newest_first.push(Revision {
            xref_offset: offset,
            trailer,
            end,
            objects,
        });
    }
    newest_first.reverse();
    pdf.revisions = newest_first;
    Ok(())
}

/// The end of a revision: after the first `%%EOF` (and its end-of-line) within 1024 bytes of
/// `from`.
fn eof_after<S: Source + ?Sized>(pdf: &Pdf<'_, S>, from: u64) -> Result<Option<u64>, PdfError> {
    let bytes = pdf.read(from, 1024)?;
    let Some(at) = find(&bytes, b"%%EOF") else {
        return Ok(None);
    };
    let mut end = at + 5;
    match (bytes.get(end), bytes.get(end + 1)) {
        (Some(b'\r'), Some(b'\n')) => end += 2,
        (Some(b'\r' | b'\n'), _) => end += 1,
        _ => {}
    }
    Ok(Some(from + end as u64))
}

/// Reads the section at `offset` into `pdf.entries` (entries already known are newer and
/// kept); its trailer, and where to look for its `%%EOF`.
fn section<S: Source + ?Sized>(
    pdf: &mut Pdf<'_, S>,
    offset: u64,
    listed: &mut BTreeMap<u32, Entry>,
) -> Result<(Dict, u64), PdfError> {
    if offset >= pdf.source.len() {
        return Err(PdfError::Structure(format!(
            "a cross-reference section is said to be at byte {offset}, past the end of the file"
        )));
    }
    let head = pdf.read(offset, 16)?;
    let mut p = Parser::new(&head, offset);
    if p.word() == b"xref" {
        table(pdf, offset, listed)
    } else {
        stream(pdf, offset, listed)
    }
}

fn add(
    pdf: &mut Pdf<'_, impl Source + ?Sized>,
    listed: &mut BTreeMap<u32, Entry>,
    number: u64,
    entry: Entry,
) -> Result<(), PdfError> {
    let n = u32::try_from(number)
        .ok()
        .filter(|n| *n < pdf.limits.objects)
        .ok_or_else(|| PdfError::TooLarge(format!("object number {number}")))?;
    if pdf.entries.len() >= pdf.limits.objects as usize && !pdf.entries.contains_key(&n) {
        return Err(PdfError::TooLarge(format!(
            "more than {} objects",
            pdf.limits.objects
        )));
    }
    pdf.entries.entry(n).or_insert(entry);
    listed.entry(n).or_insert(entry);
    Ok(())
}

/// A classic table: subsections `first count` of entries `oooooooooo ggggg n|f`, then
/// `trailer << … >>`. Entries are read as words, so the 19- and 21-byte entries some writers
/// produce are read too.
fn table<S: Source + ?Sized>(
    pdf: &mut Pdf<'_, S>,
    offset: u64,
    listed: &mut BTreeMap<u32, Entry>,
) -> Result<(Dict, u64), PdfError> {
    let mut at = offset;
    let head = pdf.read(at, 16)?;
    let mut p = Parser::new(&head, at);
    p.expect("xref")?;
    at = p.offset();
    loop {
        let head = pdf.read(at, 64)?;
        let mut p = Parser::new(&head, at);
        let save = p.offset();
        let word = p.word();
        if word == b"trailer" {
            let window = pdf.read(p.offset(), pdf.limits.object_window)?;
            let mut t = Parser::new(&window, p.offset());
            return match t.object()? {
                Object::Dict(d) => Ok((d, t.offset())),
                _ => Err(PdfError::Structure(format!(
                    "the trailer after the table at byte {offset} is not a dictionary"
                ))),
            };
        }
        let mut p = Parser::new(&head, at);
        let first = p.unsigned()?;
        let count = p.unsigned()?;
        if count > u64::from(pdf.limits.objects) {
            return Err(PdfError::TooLarge(format!(
                "a cross-reference subsection of {count} entries"
            )));
        }
        let start = p.offset();
        let span = usize::try_from(count)
            .unwrap_or(usize::MAX)
            .saturating_mul(21)
            + 32;
        let body = pdf.read(start, span)?;
        let mut e = Parser::new(&body, start);
        for i in 0..count {
            let entry_offset = e.unsigned()?;
            let generation = e.unsigned()?;
            let kind = e.word();
            let entry = match kind {
                b"n" => Entry::InUse {
                    offset: entry_offset,
                    generation: u16::try_from(generation).map_err(|_| {
                        PdfError::Structure(format!(
                            "generation {generation} at byte {}",
                            e.offset()
                        ))
                    })?,
                },
                b"f" => Entry::Free,
                _ => {
                    return Err(PdfError::Syntax {
                        offset: e.offset(),
                        what: "`n` or `f` in a cross-reference entry".into(),
                    });
                }
            };
            // Object 0 is the head of the free list, never an object.
            if first + i != 0 {
                add(pdf, listed, first + i, entry)?;
            }
        }
        at = e.offset();
        if at == save {
            return Err(PdfError::Structure(format!(
                "the table at byte {offset} does not advance"
            )));
        }
    }
}

/// A cross-reference stream (`/Type /XRef`): `/W` field widths, `/Index` ranges, entries.
fn stream<S: Source + ?Sized>(
    pdf: &mut Pdf<'_, S>,
    offset: u64,
    listed: &mut BTreeMap<u32, Entry>,
) -> Result<(Dict, u64), PdfError> {
    let (_, o) = pdf.object_at(offset).map_err(|e| match e {
        PdfError::Syntax { .. } => PdfError::Structure(format!(
            "neither a cross-reference table nor a cross-reference stream at byte {offset}"
        )),
        e => e,
    })?;
    let Object::Stream(dict, at) = o else {
        return Err(PdfError::Structure(format!(
            "the object at byte {offset} is not a cross-reference stream"
        )));
    };
    if dict.get(&b"Type"[..]).and_then(Object::name) != Some(b"XRef") {
        return Err(PdfError::Structure(format!(
            "the stream at byte {offset} is not a cross-reference stream (/Type /XRef)"
        )));
    }
    let data = pdf.stream_data(&dict, at)?;
    let w: Vec<usize> = dict
        .get(&b"W"[..])
        .and_then(Object::array)
        .map(|a| {
            a.iter()
                .map(|x| {
                    x.int()
                        .and_then(|x| usize::try_from(x).ok())
                        .unwrap_or(usize::MAX)
                })
                .collect()
        })
        .unwrap_or_default();
    if w.len() != 3 || w.iter().any(|x| *x > 8) {
        return Err(PdfError::Structure(format!(
            "the cross-reference stream at byte {offset} has a bad /W"
        )));
    }
    let size = dict.get(&b"Size"[..]).and_then(Object::int).unwrap_or(0);
    let index: Vec<i64> = match dict.get(&b"Index"[..]).and_then(Object::array) {
        Some(a) => a.iter().map(|x| x.int().unwrap_or(-1)).collect(),
        None => vec![0, size],
    };
    let row = w.iter().sum::<usize>();
    let field = |bytes: &[u8]| bytes.iter().fold(0u64, |v, b| v << 8 | u64::from(*b));
    let mut rows = data.chunks_exact(row.max(1));
    for pair in index.chunks(2) {
        let (Some(first), Some(count)) = (pair.first(), pair.get(1)) else {
            return Err(PdfError::Structure(format!(
                "an odd /Index at byte {offset}"
            )));
        };
        let (Ok(first), Ok(count)) = (u64::try_from(*first), u64::try_from(*count)) else {
            return Err(PdfError::Structure(format!(
                "a negative /Index at byte {offset}"
            )));
        };
        for i in 0..count {
            let Some(r) = rows.next() else {
                return Err(PdfError::Structure(format!(
                    "the cross-reference stream at byte {offset} has fewer entries than its /Index"
                )));
            };
            let (a, rest) = r.split_at(w[0]);
            let (b, c) = rest.split_at(w[1]);
            let kind = if w[0] == 0 { 1 } else { field(a) };
            let (b, c) = (field(b), field(c));
            let entry = match kind {
                0 => Entry::Free,
                1 => Entry::InUse {
                    offset: b,
                    generation: u16::try_from(c).unwrap_or(u16::MAX),
                },
                2 => Entry::InStream {
                    stream: u32::try_from(b).unwrap_or(u32::MAX),
                    index: u32::try_from(c).unwrap_or(u32::MAX),
                },
                // Unknown types are null references (§7.5.8.3).
                _ => Entry::Free,
            };
            if first + i != 0 {
                add(pdf, listed, first + i, entry)?;
            }
        }
    }
    let length = pdf.value(&dict, "Length")?.int().unwrap_or(0);
    Ok((dict, at + u64::try_from(length).unwrap_or(0)))
}

/// Undoes a PNG (10–15) or TIFF (2) predictor of decoded data.
pub(crate) fn unpredict(data: Vec<u8>, params: &Dict) -> Result<Vec<u8>, PdfError> {
    let get = |k: &str, d: i64| params.get(k.as_bytes()).and_then(Object::int).unwrap_or(d);
    let predictor = get("Predictor", 1);
    if predictor == 1 {
        return Ok(data);
    }
    let colors = usize::try_from(get("Colors", 1)).unwrap_or(0);
    let bits = usize::try_from(get("BitsPerComponent", 8)).unwrap_or(0);
    let columns = usize::try_from(get("Columns", 1)).unwrap_or(0);
    if !(1..=32).contains(&colors)
        || ![1, 2, 4, 8, 16].contains(&bits)
        || !(1..=1 << 20).contains(&columns)
    {
        return Err(PdfError::Structure("bad predictor parameters".into()));
    }
    let bpp = (colors * bits).div_ceil(8);
    let row = (colors * bits * columns).div_ceil(8);
    if predictor == 2 {
        if bits != 8 {
            return Err(PdfError::UnsupportedFilter(format!(
                "TIFF predictor with {bits} bits"
            )));
        }
        let mut out = data;
        for r in out.chunks_mut(row) {
            for i in bpp..r.len() {
                r[i] = r[i].wrapping_add(r[i - bpp]);
            }
        }
        return Ok(out);
    }
    if !(10..=15).contains(&predictor) {
        return Err(PdfError::UnsupportedFilter(format!(
            "predictor {predictor}"
        )));
    }
    let mut out = Vec::with_capacity(data.len());
    let mut prev = vec![0u8; row];
    for chunk in data.chunks(row + 1) {
        let (Some(&kind), Some(src)) = (chunk.first(), chunk.get(1..)) else {
            break;
        };
        let mut cur = src.to_vec();
        cur.resize(row, 0);
        for i in 0..row {
            let left = if i >= bpp { cur[i - bpp] } else { 0 };
            let up = prev[i];
            let up_left = if i >= bpp { prev[i - bpp] } else { 0 };
            cur[i] = match kind {
                0 => cur[i],
                1 => cur[i].wrapping_add(left),
                2 => cur[i].wrapping_add(up),
                3 => cur[i].wrapping_add(((u16::from(left) + u16::from(up)) / 2) as u8),
                4 => cur[i].wrapping_add(paeth(left, up, up_left)),
                _ => {
                    return Err(PdfError::Structure(format!("PNG filter type {kind}")));
                }
            };
        }
        out.extend_from_slice(&cur);
        prev = cur;
    }
    Ok(out)
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = (
        (p - i16::from(a)).abs(),
        (p - i16::from(b)).abs(),
        (p - i16::from(c)).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}
