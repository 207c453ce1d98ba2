//! PDF objects (ISO 32000-1 §7.3) and their parser over a byte window. A stream's data is not
//! read here: its dictionary and where its data starts are, so a large stream costs nothing
//! until it is asked for, and then only its bounded decoded size.

use crate::PdfError;
use std::collections::BTreeMap;

/// The deepest nesting of arrays and dictionaries accepted (a hostile file nests without end).
pub const MAX_DEPTH: usize = 64;

/// An object number and generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectId {
    /// Object number.
    pub number: u32,
    /// Generation.
    pub generation: u16,
}

impl std::fmt::Display for ObjectId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.number, self.generation)
    }
}

/// A dictionary: names (without the slash, escapes decoded) to objects, in name order.
pub type Dict = BTreeMap<Vec<u8>, Object>;

/// A PDF object.
#[derive(Debug, Clone, PartialEq)]
pub enum Object {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A real number.
    Real(f64),
    /// A name, its `#xx` escapes decoded.
    Name(Vec<u8>),
    /// A string (literal or hexadecimal), its escapes decoded.
    String(Vec<u8>),
    /// An array.
    Array(Vec<Object>),
    /// A dictionary.
    Dict(Dict),
    /// An indirect reference `N G R`.
    Ref(ObjectId),
    /// A stream: its dictionary and the file offset where its data begins.
    Stream(Dict, u64),
}

impl Object {
    /// The dictionary of a dictionary or a stream.
    pub fn dict(&self) -> Option<&Dict> {
        match self {
            Object::Dict(d) | Object::Stream(d, _) => Some(d),
            _ => None,
        }
    }

    /// The integer.
    pub fn int(&self) -> Option<i64> {
        match self {
            Object::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The name.
    pub fn name(&self) -> Option<&[u8]> {
        match self {
            Object::Name(n) => Some(n),
            _ => None,
        }
    }

    /// The reference.
    pub fn reference(&self) -> Option<ObjectId> {
        match self {
            Object::Ref(r) => Some(*r),
            _ => None,
        }
    }

    /// The array.
    pub fn array(&self) -> Option<&[Object]> {
        match self {
            Object::Array(a) => Some(a),
            _ => None,
        }
    }
}

/// A parser over `bytes`, which start at file offset `base` (for the offsets it reports).
#[derive(Debug)]
pub struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
    base: u64,
}

fn is_white(b: u8) -> bool {
    matches!(b, 0 | 9 | 10 | 12 | 13 | 32)
}

fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

fn is_regular(b: u8) -> bool {
    !is_white(b) && !is_delimiter(b)
}

impl<'a> Parser<'a> {
    /// A parser at the start of `bytes`, which begin at file offset `base`.
    pub fn new(bytes: &'a [u8], base: u64) -> Self {
        Self {
            bytes,
            pos: 0,
            base,
        }
    }

    /// The file offset of the next byte.
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// The bytes not read yet.
    pub fn rest(&self) -> &'a [u8] {
        self.bytes.get(self.pos..).unwrap_or_default()
    }

    fn error(&self, what: &str) -> PdfError {
        if self.pos >= self.bytes.len() {
            PdfError::Truncated {
                offset: self.offset(),
            }
        } else {
            PdfError::Syntax {
                offset: self.offset(),
                what: what.to_owned(),
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Skips white space and comments.
    pub fn skip_white(&mut self) {
        while let Some(b) = self.peek() {
            if is_white(b) {
                self.pos += 1;
            } else if b == b'%' {
                while let Some(c) = self.peek() {
                    if c == b'\n' || c == b'\r' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    /// The next run of regular characters (a keyword or a number), after white space.
    pub fn word(&mut self) -> &'a [u8] {
        self.skip_white();
        let start = self.pos;
        while self.peek().is_some_and(is_regular) {
            self.pos += 1;
        }
        self.bytes.get(start..self.pos).unwrap_or_default()
    }

    /// Reads `keyword` (after white space), or says what was there instead.
    pub fn expect(&mut self, keyword: &str) -> Result<(), PdfError> {
        let at = self.pos;
        if self.word() == keyword.as_bytes() {
            return Ok(());
        }
        self.pos = at;
        self.skip_white();
        Err(self.error(&format!("expected `{keyword}`")))
    }

    /// An unsigned integer word.
    pub fn unsigned(&mut self) -> Result<u64, PdfError> {
        let at = self.pos;
        let w = self.word();
        let n = std::str::from_utf8(w)
            .ok()
            .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|s| s.parse::<u64>().ok());
        match n {
            Some(n) => Ok(n),
            None => {
                self.pos = at;
                self.skip_white();
                Err(self.error("expected an unsigned integer"))
            }
        }
    }

    /// An indirect object's header `N G obj`.
    pub fn object_header(&mut self) -> Result<ObjectId, PdfError> {
        let number = self.unsigned()?;
        let generation = self.unsigned()?;
        self.expect("obj")?;
        match (u32::try_from(number), u16::try_from(generation)) {
            (Ok(number), Ok(generation)) => Ok(ObjectId { number, generation }),
            _ => Err(self.error("object number or generation out of range")),
        }
    }

    /// One object; a dictionary followed by `stream` becomes a [`Object::Stream`] whose data
    /// starts after the end-of-line that follows the keyword.
    pub fn object(&mut self) -> Result<Object, PdfError> {
        let o = self.value(0)?;
        if let Object::Dict(d) = o {
            let at = self.pos;
            if self.word() == b"stream" {
                // `stream` is followed by CRLF or LF (a lone CR is tolerated).
                match (self.peek(), self.bytes.get(self.pos + 1).copied()) {
                    (Some(b'\r'), Some(b'\n')) => self.pos += 2,
                    (Some(b'\n' | b'\r'), _) => self.pos += 1,
                    _ => {}
                }
                return Ok(Object::Stream(d, self.offset()));
            }
            self.pos = at;
            return Ok(Object::Dict(d));
        }
        Ok(o)
    }

    fn value(&mut self, depth: usize) -> Result<Object, PdfError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested more deeply than 64 levels"));
        }
        self.skip_white();
        let Some(b) = self.peek() else {
            return Err(self.error("an object"));
        };
        match b {
            b'/' => {
                self.pos += 1;
                Ok(Object::Name(self.name_body()))
            }
            b'(' => self.literal_string(),
            b'<' if self.bytes.get(self.pos + 1) == Some(&b'<') => {
                self.pos += 2;
                let mut d = Dict::new();
                loop {
                    self.skip_white();
                    match self.peek() {
                        Some(b'>') if self.bytes.get(self.pos + 1) == Some(&b'>') => {
                            self.pos += 2;
                            return Ok(Object::Dict(d));
                        }
                        Some(b'/') => {
                            self.pos += 1;
                            let key = self.name_body();
                            let v = self.value(depth + 1)?;
                            // A duplicate key: the last one is what readers use; keep it.
                            d.insert(key, v);
                        }
                        _ => return Err(self.error("a name or `>>` in a dictionary")),
                    }
                }
            }
            b'<' => self.hex_string(),
            b'[' => {
                self.pos += 1;
                let mut a = Vec::new();
                loop {
                    self.skip_white();
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                        return Ok(Object::Array(a));
                    }
                    a.push(self.value(depth + 1)?);
                }
            }
            _ if b.is_ascii_digit() || b == b'+' || b == b'-' || b == b'.' => self.number(),
            _ => {
                let at = self.pos;
                match self.word() {
                    b"true" => Ok(Object::Bool(true)),
                    b"false" => Ok(Object::Bool(false)),
                    b"null" => Ok(Object::Null),
                    _ => {
                        self.pos = at;
                        Err(self.error("an object"))
                    }
                }
            }
        }
    }

    /// A number, or a reference `N G R` when two unsigned integers and `R` follow.
    fn number(&mut self) -> Result<Object, PdfError> {
        let at = self.pos;
        let w = self.word();
        let text = std::str::from_utf8(w).unwrap_or_default();
        if let Ok(i) = text.parse::<i64>() {
            // A reference?
            let after = self.pos;
            if !text.starts_with(['+', '-']) {
                let generation = self.word();
                let keyword = self.word();
                if keyword == b"R"
                    && let (Ok(number), Some(generation)) = (
                        u32::try_from(i),
                        std::str::from_utf8(generation)
                            .ok()
                            .filter(|g| g.bytes().all(|b| b.is_ascii_digit()))
                            .and_then(|g| g.parse::<u16>().ok()),
                    )
                {
                    return Ok(Object::Ref(ObjectId { number, generation }));
                }
            }
            self.pos = after;
            return Ok(Object::Int(i));
        }
        // Reals: also the sloppy forms some writers use (`-.5`, `1.`, `--1`).
        let trimmed = text.trim_start_matches(['+', '-']);
        let negative = text.starts_with('-');
        match trimmed.parse::<f64>() {
            Ok(r) if r.is_finite() => Ok(Object::Real(if negative { -r } else { r })),
            _ => {
                self.pos = at;
                Err(self.error("a number"))
            }
        }
    }

    fn name_body(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        while let Some(b) = self.peek().filter(|b| is_regular(*b)) {
            self.pos += 1;
            if b == b'#'
                && let Some(v) = self
                    .bytes
                    .get(self.pos..self.pos + 2)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                self.pos += 2;
                continue;
            }
            out.push(b);
        }
        out
    }

    fn literal_string(&mut self) -> Result<Object, PdfError> {
        self.pos += 1;
        let mut out = Vec::new();
        let mut open = 1usize;
        while let Some(b) = self.peek() {
            self.pos += 1;
            match b {
                b'(' => {
                    open += 1;
                    out.push(b);
                }
                b')' => {
                    open -= 1;
                    if open == 0 {
                        return Ok(Object::String(out));
                    }
                    out.push(b);
                }
                b'\\' => {
                    let Some(e) = self.peek() else { break };
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((v & 0xFF) as u8);
                        }
                        other => out.push(other),
                    }
                }
                _ => out.push(b),
            }
        }
        Err(self.error("the end of a string"))
    }

    fn hex_string(&mut self) -> Result<Object, PdfError> {
        self.pos += 1;
        let mut out = Vec::new();
        let mut high: Option<u8> = None;
        while let Some(b) = self.peek() {
            self.pos += 1;
            let v = match b {
                b'>' => {
                    if let Some(h) = high {
                        out.push(h << 4);
                    }
                    return Ok(Object::String(out));
                }
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                b'A'..=b'F' => b - b'A' + 10,
                _ if is_white(b) => continue,
                _ => return Err(self.error("a hexadecimal digit")),
            };
            match high.take() {
                Some(h) => out.push(h << 4 | v),
                None => high = Some(v),
            }
        }
        Err(self.error("the end of a hexadecimal string"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    fn parse(s: &str) -> Object {
        Parser::new(s.as_bytes(), 0).object().unwrap()
    }

    #[test]
    fn objects_of_every_kind() {
        let o = parse(
            "<< /Type /Sig /Filter/Adobe.PPKLite /ByteRange [0 840 960 240] /Contents <0a1B2> \
             /Name (a\\(b\\)\\101\\
c) /M 12 0 R /R -.5 /N null /B true /A#20B 3 >>",
        );
        let d = o.dict().unwrap();
        assert_eq!(d[&b"Type"[..]], Object::Name(b"Sig".to_vec()));
        assert_eq!(d[&b"Filter"[..]], Object::Name(b"Adobe.PPKLite".to_vec()));
        assert_eq!(
            d[&b"ByteRange"[..]],
            Object::Array(vec![
                Object::Int(0),
                Object::Int(840),
                Object::Int(960),
                Object::Int(240)
            ])
        );
        assert_eq!(d[&b"Contents"[..]], Object::String(vec![0x0a, 0x1b, 0x20]));
        assert_eq!(d[&b"Name"[..]], Object::String(b"a(b)Ac".to_vec()));
        assert_eq!(
            d[&b"M"[..]],
            Object::Ref(ObjectId {
                number: 12,
                generation: 0
            })
        );
        assert_eq!(d[&b"R"[..]], Object::Real(-0.5));
        assert_eq!(d[&b"N"[..]], Object::Null);
        assert_eq!(d[&b"B"[..]], Object::Bool(true));
        assert_eq!(d[&b"A B"[..]], Object::Int(3));
    }

    #[test]
    fn a_stream_starts_after_its_end_of_line() {
        let mut p = Parser::new(b"7 0 obj\n<</Length 3>>stream\r\nabc\nendstream", 100);
        assert_eq!(p.object_header().unwrap().number, 7);
        match p.object().unwrap() {
            Object::Stream(d, at) => {
                assert_eq!(d[&b"Length"[..]], Object::Int(3));
                assert_eq!(at, 100 + 29);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn hostile_input_is_an_error_not_a_panic() {
        let deep = "[".repeat(10_000);
        assert!(Parser::new(deep.as_bytes(), 0).object().is_err());
        for bad in ["<< /A", "(abc", "<0g>", "<< 1 2 >>", "", "]", "1 0 R", "-"] {
            let r = Parser::new(bad.as_bytes(), 0).object();
            assert!(r.is_err() || bad == "1 0 R", "{bad}: {r:?}");
        }
        // Numbers and references are told apart.
        assert_eq!(parse("1 0 R").reference().unwrap().number, 1);
        assert_eq!(parse("1 0 obj"), Object::Int(1));
        assert_eq!(parse("-1 0 R"), Object::Int(-1));
    }
}
