//! Where text is on a page: the content stream interpreted for its text operators (`BT`…`ET`,
//! `Tf`, `Td`/`TD`/`Tm`/`T*`, `Tj`/`TJ`/`'`/`"`, the spacing and scale operators) under the
//! graphics state (`q`/`Q`/`cm`), form XObjects followed (`Do`, two levels), and each glyph's
//! code turned into text by its font's `/ToUnicode` map (simple fonts without one: their
//! codes as Latin-1). Enough to find a keyword and place a stamp next to it; not a renderer.
//! The work is bounded: the reader's stream limits, at most [`MAX_OPERATIONS`] operators and
//! [`MAX_GLYPHS`] glyphs per page.

use crate::object::Parser;
use crate::{Dict, Object, ObjectId, Pdf, PdfError, Source};
use std::collections::BTreeMap;

/// Most operators interpreted on one page (its forms included).
pub const MAX_OPERATIONS: usize = 2_000_000;
/// Most glyphs collected on one page.
pub const MAX_GLYPHS: usize = 500_000;
const MAX_FORM_DEPTH: usize = 2;

/// A glyph placed on the page, in default user space (points, y up).
#[derive(Debug, Clone, PartialEq)]
pub struct Glyph {
    /// The text it stands for (usually one character; a ligature, several).
    pub text: String,
    /// Its origin on the baseline.
    pub x: f64,
    /// Its origin on the baseline.
    pub y: f64,
    /// How far it advances along the baseline.
    pub advance: f64,
    /// The font size as drawn (the text matrix and CTM applied).
    pub size: f64,
}

/// Where a keyword was found: its page (1-based) and box in default user space.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// 1-based page number.
    pub page: usize,
    /// Left end of the keyword on its baseline.
    pub x: f64,
    /// The baseline.
    pub y: f64,
    /// Its width along the baseline.
    pub width: f64,
    /// The font size.
    pub size: f64,
    /// The page's media box `[x0 y0 x1 y1]`.
    pub media_box: [f64; 4],
}

type Matrix = [f64; 6];
const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

/// `a × b` (PDF row-vector convention: a point goes through `a`, then `b`).
fn mul(a: &Matrix, b: &Matrix) -> Matrix {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]
}

/// A font as far as text extraction needs it.
#[derive(Debug, Clone, Default)]
struct Font {
    /// Codes are two bytes (a Type0 font with an Identity or two-byte CMap).
    two_bytes: bool,
    /// Code → text.
    to_unicode: BTreeMap<u32, String>,
    /// Code (simple font) or CID → width in 1/1000 text space units.
    widths: BTreeMap<u32, f64>,
    default_width: f64,
}

impl Font {
    fn load<S: Source + ?Sized>(pdf: &Pdf<'_, S>, font: &Object) -> Font {
        let Ok(Object::Dict(d)) = pdf.resolve(font) else {
            return Font::default();
        };
        let subtype = d.get(&b"Subtype"[..]).and_then(Object::name);
        let mut f = Font {
            two_bytes: subtype == Some(b"Type0"),
            default_width: if subtype == Some(b"Type0") {
                1000.0
            } else {
                500.0
            },
            ..Font::default()
        };
        if let Some(Object::Stream(sd, at)) =
            d.get(&b"ToUnicode"[..]).and_then(|o| pdf.resolve(o).ok())
            && let Ok(data) = pdf.stream_data(&sd, at)
        {
            f.to_unicode = parse_cmap(&data);
        }
        if f.two_bytes {
            let descendant = pdf
                .value(&d, "DescendantFonts")
                .ok()
                .and_then(|a| a.array().and_then(|a| a.first().cloned()))
                .and_then(|o| pdf.resolve(&o).ok());
            if let Some(Object::Dict(cid)) = descendant {
                if let Some(dw) = pdf.value(&cid, "DW").ok().as_ref().and_then(number) {
                    f.default_width = dw;
                }
                if let Ok(Object::Array(w)) = pdf.value(&cid, "W") {
                    cid_widths(pdf, &w, &mut f.widths);
                }
            }
        } else {
            let first = pdf
                .value(&d, "FirstChar")
                .ok()
                .and_then(|o| o.int())
                .unwrap_or(0);
            if let Ok(Object::Array(w)) = pdf.value(&d, "Widths") {
                for (i, v) in w.iter().enumerate().take(256) {
                    if let (Some(v), Ok(code)) = (
                        pdf.resolve(v).ok().as_ref().and_then(number),
                        u32::try_from(first + i as i64),
                    ) {
                        f.widths.insert(code, v);
                    }
                }
            }
        }
        f
    }

    /// The codes of string `s` with their text and width.
    fn glyphs(&self, s: &[u8]) -> Vec<(u32, String, f64)> {
        let codes: Vec<u32> = if self.two_bytes {
            s.chunks(2)
                .map(|c| c.iter().fold(0u32, |a, b| a << 8 | u32::from(*b)))
                .collect()
        } else {
            s.iter().map(|b| u32::from(*b)).collect()
        };
        codes
            .into_iter()
            .map(|code| {
                let text = match self.to_unicode.get(&code) {
                    Some(t) => t.clone(),
                    None if !self.two_bytes => {
                        char::from_u32(code).map(String::from).unwrap_or_default()
                    }
                    None => String::new(),
                };
                let w = self
                    .widths
                    .get(&code)
                    .copied()
                    .unwrap_or(self.default_width);
                (code, text, w)
            })
            .collect()
    }
}

fn number(o: &Object) -> Option<f64> {
    match o {
        Object::Int(i) => Some(*i as f64),
        Object::Real(r) => Some(*r),
        _ => None,
    }
}

/// A CIDFont's `/W`: `c [w1 w2 …]` and `c_first c_last w` entries.
fn cid_widths<S: Source + ?Sized>(pdf: &Pdf<'_, S>, w: &[Object], out: &mut BTreeMap<u32, f64>) {
    let mut i = 0;
    while i < w.len() && out.len() < 65536 {
        let Some(first) = w.get(i).and_then(Object::int) else {
            return;
        };
        match (w.get(i + 1).map(|o| pdf.resolve(o)), w.get(i + 2)) {
            (Some(Ok(Object::Array(list))), _) => {
                for (k, v) in list.iter().enumerate().take(65536) {
                    if let (Some(v), Ok(c)) = (number(v), u32::try_from(first + k as i64)) {
                        out.insert(c, v);
                    }
                }
                i += 2;
            }
            (Some(Ok(last)), Some(v)) => {
                let (Some(last), Some(v)) = (last.int(), number(v)) else {
                    return;
                };
                for c in first..=last.min(first + 65535) {
                    if let Ok(c) = u32::try_from(c) {
                        out.insert(c, v);
                    }
                }
                i += 3;
            }
            _ => return,
        }
    }
}

/// UTF-16BE hex → text.
fn utf16(b: &[u8]) -> String {
    let units: Vec<u16> = b
        .chunks(2)
        .map(|c| c.iter().fold(0u16, |a, x| a << 8 | u16::from(*x)))
        .collect();
    String::from_utf16_lossy(&units)
}

fn code_of(b: &[u8]) -> u32 {
    b.iter().take(4).fold(0u32, |a, x| a << 8 | u32::from(*x))
}

/// A `/ToUnicode` CMap's `bfchar` and `bfrange` entries (at most 65,536).
fn parse_cmap(data: &[u8]) -> BTreeMap<u32, String> {
    let mut out = BTreeMap::new();
    let mut p = Parser::new(data, 0);
    let mut operands: Vec<Object> = Vec::new();
    let mut mode = 0u8; // 1: bfchar, 2: bfrange
    while out.len() < 65536 {
        p.skip_white();
        let Some(&b) = p.rest().first() else { break };
        if matches!(b, b'/' | b'(' | b'<' | b'[') || b.is_ascii_digit() {
            match p.object() {
                Ok(o) => operands.push(o),
                Err(_) => break,
            }
        } else {
            let w = p.word();
            if w.is_empty() {
                // A delimiter no value starts with: step over it.
                let at = p.rest().len();
                p = Parser::new(p.rest().get(1..).unwrap_or_default(), 0);
                if at == 0 {
                    break;
                }
                continue;
            }
            match w {
                b"beginbfchar" => mode = 1,
                b"beginbfrange" => mode = 2,
                b"endbfchar" => {
                    for pair in operands.chunks(2) {
                        if let [Object::String(src), Object::String(dst)] = pair {
                            out.insert(code_of(src), utf16(dst));
                        }
                    }
                    mode = 0;
                }
                b"endbfrange" => {
                    for triple in operands.chunks(3) {
                        if let [Object::String(lo), Object::String(hi), dst] = triple {
                            let (lo, hi) = (code_of(lo), code_of(hi));
                            for (k, code) in (lo..=hi.min(lo + 65535)).enumerate() {
                                let text = match dst {
                                    Object::String(d) => {
                                        // The last unit counts up.
                                        let mut d = d.clone();
                                        if let Some(last) = d.last_mut() {
                                            *last = last.wrapping_add(k as u8);
                                        }
                                        utf16(&d)
                                    }
                                    Object::Array(list) => match list.get(k) {
                                        Some(Object::String(d)) => utf16(d),
                                        _ => continue,
                                    },
                                    _ => continue,
                                };
                                out.insert(code, text);
                            }
                        }
                    }
                    mode = 0;
                }
                _ => {}
            }
            if mode == 0 || w.starts_with(b"begin") {
                operands.clear();
            }
        }
    }
    out
}

#[derive(Clone)]
struct State {
    ctm: Matrix,
    font: Option<ObjectId>,
    font_key: Vec<u8>,
    size: f64,
    char_spacing: f64,
    word_spacing: f64,
    scale: f64,
    leading: f64,
    rise: f64,
}

struct Run<'p, 'a, S: Source + ?Sized> {
    pdf: &'p Pdf<'a, S>,
    fonts: BTreeMap<Vec<u8>, Font>,
    glyphs: Vec<Glyph>,
    operations: usize,
}

impl<S: Source + ?Sized> Run<'_, '_, S> {
    fn content(
        &mut self,
        data: &[u8],
        resources: &Dict,
        ctm: Matrix,
        depth: usize,
    ) -> Result<(), PdfError> {
        let fonts = match self.pdf.value(resources, "Font")? {
            Object::Dict(d) => d,
            _ => Dict::new(),
        };
        let mut gs = State {
            ctm,
            font: None,
            font_key: Vec::new(),
            size: 0.0,
            char_spacing: 0.0,
            word_spacing: 0.0,
            scale: 1.0,
            leading: 0.0,
            rise: 0.0,
        };
        let mut stack: Vec<State> = Vec::new();
        let (mut tm, mut tlm) = (IDENTITY, IDENTITY);
        let mut ops: Vec<Object> = Vec::new();
        let mut rest = data;
        loop {
            let mut p = Parser::new(rest, 0);
            p.skip_white();
            let Some(&b) = p.rest().first() else { break };
            if matches!(b, b'/' | b'(' | b'<' | b'[')
                || b.is_ascii_digit()
                || b == b'-'
                || b == b'+'
                || b == b'.'
            {
                match p.object() {
                    Ok(o) => ops.push(o),
                    // Something unreadable: what follows cannot be trusted to be text.
                    Err(_) => break,
                }
                if ops.len() > 64 {
                    ops.clear();
                }
                rest = p.rest();
                continue;
            }
            let op = p.word().to_vec();
            if op.is_empty() {
                rest = p.rest().get(1..).unwrap_or_default();
                ops.clear();
                continue;
            }
            rest = p.rest();
            self.operations += 1;
            if self.operations > MAX_OPERATIONS || self.glyphs.len() > MAX_GLYPHS {
                return Err(PdfError::TooLarge(format!(
                    "a page of more than {MAX_OPERATIONS} operators or {MAX_GLYPHS} glyphs"
                )));
            }
            let n = |i: usize| ops.get(i).and_then(number).unwrap_or(0.0);
            let six = || -> Matrix { [n(0), n(1), n(2), n(3), n(4), n(5)] };
            match op.as_slice() {
                b"q" if stack.len() < 256 => stack.push(gs.clone()),
                b"Q" => {
                    if let Some(s) = stack.pop() {
                        gs = s;
                    }
                }
                b"cm" if ops.len() >= 6 => gs.ctm = mul(&six(), &gs.ctm),
                b"BT" => {
                    tm = IDENTITY;
                    tlm = IDENTITY;
                }
                b"Tf" if ops.len() >= 2 => {
                    if let Some(Object::Name(k)) = ops.first() {
                        gs.font_key = k.clone();
                        gs.font = fonts.get(k).and_then(Object::reference);
                        if !self.fonts.contains_key(&font_cache_key(gs.font, k)) {
                            let f = fonts
                                .get(k)
                                .map(|o| Font::load(self.pdf, o))
                                .unwrap_or_default();
                            self.fonts.insert(font_cache_key(gs.font, k), f);
                        }
                    }
                    gs.size = n(1);
                }
                b"Tc" => gs.char_spacing = n(0),
                b"Tw" => gs.word_spacing = n(0),
                b"Tz" => gs.scale = n(0) / 100.0,
                b"TL" => gs.leading = n(0),
                b"Ts" => gs.rise = n(0),
                b"Td" => {
                    tlm = mul(&[1.0, 0.0, 0.0, 1.0, n(0), n(1)], &tlm);
                    tm = tlm;
                }
                b"TD" => {
                    gs.leading = -n(1);
                    tlm = mul(&[1.0, 0.0, 0.0, 1.0, n(0), n(1)], &tlm);
                    tm = tlm;
                }
                b"Tm" if ops.len() >= 6 => {
                    tlm = six();
                    tm = tlm;
                }
                b"T*" => {
                    tlm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, -gs.leading], &tlm);
                    tm = tlm;
                }
                b"Tj" | b"'" | b"\"" | b"TJ" => {
                    if op.as_slice() == b"'" || op.as_slice() == b"\"" {
                        if op.as_slice() == b"\"" {
                            gs.word_spacing = n(0);
                            gs.char_spacing = n(1);
                        }
                        tlm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, -gs.leading], &tlm);
                        tm = tlm;
                    }
                    let parts: Vec<Object> = match ops.last() {
                        Some(Object::Array(a)) => a.clone(),
                        Some(o) => vec![o.clone()],
                        None => Vec::new(),
                    };
                    let key = font_cache_key(gs.font, &gs.font_key);
                    for part in parts {
                        match part {
                            Object::String(s) => {
                                let font = self.fonts.get(&key).cloned().unwrap_or_default();
                                for (code, text, w) in font.glyphs(&s) {
                                    let trm = mul(
                                        &[gs.size * gs.scale, 0.0, 0.0, gs.size, 0.0, gs.rise],
                                        &mul(&tm, &gs.ctm),
                                    );
                                    let space = if !font.two_bytes && code == 32 {
                                        gs.word_spacing
                                    } else {
                                        0.0
                                    };
                                    let tx =
                                        (w / 1000.0 * gs.size + gs.char_spacing + space) * gs.scale;
                                    let end =
                                        mul(&[1.0, 0.0, 0.0, 1.0, tx, 0.0], &mul(&tm, &gs.ctm));
                                    let size = (trm[2] * trm[2] + trm[3] * trm[3]).sqrt();
                                    let advance = ((end[4] - trm[4]).powi(2)
                                        + (end[5] - trm[5]).powi(2))
                                    .sqrt();
                                    self.glyphs.push(Glyph {
                                        text,
                                        x: trm[4],
                                        y: trm[5],
                                        advance,
                                        size,
                                    });
                                    tm = mul(&[1.0, 0.0, 0.0, 1.0, tx, 0.0], &tm);
                                }
                            }
                            o => {
                                if let Some(adj) = number(&o) {
                                    let tx = -adj / 1000.0 * gs.size * gs.scale;
                                    tm = mul(&[1.0, 0.0, 0.0, 1.0, tx, 0.0], &tm);
                                }
                            }
                        }
                    }
                }
                b"Do" if depth < MAX_FORM_DEPTH => {
                    if let Some(Object::Name(k)) = ops.first() {
                        self.form(resources, k, gs.ctm, depth)?;
                    }
                }
                b"BI" => {
                    // An inline image: its data runs to `EI` between white space.
                    let Some(id) = find(rest, b"ID") else { break };
                    let data = rest.get(id + 3..).unwrap_or_default();
                    let mut end = None;
                    let mut i = 0;
                    while let Some(k) = find(data.get(i..).unwrap_or_default(), b"EI") {
                        let at = i + k;
                        let before = at.checked_sub(1).and_then(|j| data.get(j));
                        let after = data.get(at + 2);
                        if before.is_none_or(|b| b.is_ascii_whitespace())
                            && after.is_none_or(|b| b.is_ascii_whitespace())
                        {
                            end = Some(at + 2);
                            break;
                        }
                        i = at + 2;
                    }
                    let Some(end) = end else { break };
                    rest = data.get(end..).unwrap_or_default();
                }
                _ => {}
            }
            ops.clear();
        }
        Ok(())
    }

    fn form(
        &mut self,
        resources: &Dict,
        key: &[u8],
        ctm: Matrix,
        depth: usize,
    ) -> Result<(), PdfError> {
        let Object::Dict(xobjects) = self.pdf.value(resources, "XObject")? else {
            return Ok(());
        };
        let Some(o) = xobjects.get(key) else {
            return Ok(());
        };
        let Object::Stream(d, at) = self.pdf.resolve(o)? else {
            return Ok(());
        };
        if d.get(&b"Subtype"[..]).and_then(Object::name) != Some(b"Form") {
            return Ok(());
        }
        let m = match self.pdf.value(&d, "Matrix")? {
            Object::Array(a) if a.len() == 6 => {
                let v: Vec<f64> = a.iter().map(|x| number(x).unwrap_or(0.0)).collect();
                [v[0], v[1], v[2], v[3], v[4], v[5]]
            }
            _ => IDENTITY,
        };
        let own = match self.pdf.value(&d, "Resources")? {
            Object::Dict(r) => r,
            _ => resources.clone(),
        };
        let data = self.pdf.stream_data(&d, at)?;
        self.content(&data, &own, mul(&m, &ctm), depth + 1)
    }
}

fn font_cache_key(id: Option<ObjectId>, key: &[u8]) -> Vec<u8> {
    match id {
        Some(id) => format!("{} {} R", id.number, id.generation).into_bytes(),
        None => [b"/".as_slice(), key].concat(),
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The glyphs of `page` (its content streams, in order).
pub fn page_glyphs<S: Source + ?Sized>(
    pdf: &Pdf<'_, S>,
    page: &crate::update::Page,
) -> Result<Vec<Glyph>, PdfError> {
    let resources = match pdf.value(&page.dict, "Resources")? {
        Object::Dict(r) => r,
        _ => Dict::new(),
    };
    let streams: Vec<Object> = match pdf.value(&page.dict, "Contents")? {
        Object::Array(a) => a,
        Object::Null => Vec::new(),
        o => vec![o],
    };
    let mut data = Vec::new();
    for s in streams {
        if let Object::Stream(d, at) = pdf.resolve(&s)? {
            data.extend_from_slice(&pdf.stream_data(&d, at)?);
            data.push(b'\n');
        }
    }
    let mut run = Run {
        pdf,
        fonts: BTreeMap::new(),
        glyphs: Vec::new(),
        operations: 0,
    };
    run.content(&data, &resources, IDENTITY, 0)?;
    Ok(run.glyphs)
}

/// The first place `keyword` is drawn, page by page in order (white space in the keyword and
/// between the page's glyphs is ignored); `None` when no page has it.
pub fn find_text<S: Source + ?Sized>(
    pdf: &Pdf<'_, S>,
    keyword: &str,
) -> Result<Option<Found>, PdfError> {
    let key: Vec<char> = keyword.chars().filter(|c| !c.is_whitespace()).collect();
    if key.is_empty() {
        return Ok(None);
    }
    for (i, page) in crate::update::pages(pdf)?.iter().enumerate() {
        let glyphs = page_glyphs(pdf, page)?;
        // Each character with the glyph it came from.
        let chars: Vec<(char, usize)> = glyphs
            .iter()
            .enumerate()
            .flat_map(|(g, glyph)| glyph.text.chars().map(move |c| (c, g)))
            .filter(|(c, _)| !c.is_whitespace())
            .collect();
        let Some(at) = chars
            .windows(key.len())
            .position(|w| w.iter().map(|(c, _)| *c).eq(key.iter().copied()))
        else {
            continue;
        };
        let (first, last) = (
            chars.get(at).map_or(0, |c| c.1),
            chars.get(at + key.len() - 1).map_or(0, |c| c.1),
        );
        let (Some(a), Some(b)) = (glyphs.get(first), glyphs.get(last)) else {
            continue;
        };
        let width = ((b.x + b.advance) - a.x).abs().max(b.advance);
        return Ok(Some(Found {
            page: i + 1,
            x: a.x.min(b.x + b.advance),
            y: a.y,
            width,
            size: a.size,
            media_box: page.media_box,
        }));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tounicode_cmap_is_read() {
        let cmap = b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap
            1 begincodespacerange <0000> <FFFF> endcodespacerange
            2 beginbfchar <0003> <0020> <2CED> <7532> endbfchar
            2 beginbfrange <0010> <0012> <0041> <0020> <0021> [<65B9> <D83DDE00>] endbfrange
            endcmap";
        let m = parse_cmap(cmap);
        assert_eq!(m.get(&0x2CED).map(String::as_str), Some("甲"));
        assert_eq!(m.get(&0x0003).map(String::as_str), Some(" "));
        assert_eq!(m.get(&0x0011).map(String::as_str), Some("B"));
        assert_eq!(m.get(&0x0012).map(String::as_str), Some("C"));
        assert_eq!(m.get(&0x0020).map(String::as_str), Some("方"));
        assert_eq!(m.get(&0x0021).map(String::as_str), Some("😀"));
    }

    #[test]
    fn matrices_compose_as_pdf_does() {
        // Translate then scale: (1,1) → (2,3) → (4,6).
        let t = [1.0, 0.0, 0.0, 1.0, 1.0, 2.0];
        let s = [2.0, 0.0, 0.0, 2.0, 0.0, 0.0];
        let m = mul(&t, &s);
        assert_eq!(
            (
                1.0 * m[0] + 1.0 * m[2] + m[4],
                1.0 * m[1] + 1.0 * m[3] + m[5]
            ),
            (4.0, 6.0)
        );
    }
}
