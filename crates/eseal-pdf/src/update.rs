//! A signature added by incremental update (ISO 32000-1 §7.5.6, §12.8): the original bytes are
//! never rewritten; an update is appended with the signature field (a widget on the chosen
//! page, its appearance drawing the seal picture at its true size), the signature dictionary
//! with `/ByteRange` and a zeroed `/Contents` of a fixed size, the changed page, form and
//! catalog objects, and a cross-reference section of the same kind as the file's last one.
//!
//! What is signed is everything but the `/Contents` value: the caller hashes the original
//! and [`Update::covered`], makes the signature (a CMS SignedData or an SES_Signature) and
//! writes it in with [`Update::fill`]. Nothing here knows the cryptography.

use crate::object::{Dict, Object, ObjectId};
use crate::{Pdf, PdfError, Source, write};
use std::collections::BTreeSet;
use std::io::Write;

/// Points per millimetre.
const PT_PER_MM: f64 = 72.0 / 25.4;

/// The most page-tree nodes walked to find a page.
const MAX_PAGE_NODES: usize = 1_000_000;

/// The seal picture the stamp draws.
#[derive(Debug, Clone)]
pub enum Picture {
    /// A baseline JPEG, embedded as it is (`/DCTDecode`).
    Jpeg {
        /// The file.
        data: Vec<u8>,
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// 1 (grey), 3 (RGB) or 4 (CMYK).
        components: u8,
    },
    /// 8-bit RGBA pixels, row by row: the colour compressed, the alpha as a soft mask.
    Rgba {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// `width * height * 4` bytes.
        pixels: Vec<u8>,
    },
}

/// A visible stamp: the page (1-based), the top-left corner and the size in millimetres.
#[derive(Debug, Clone)]
pub struct Stamp {
    /// 1-based page number.
    pub page: usize,
    /// Millimetres from the page's left edge.
    pub x_mm: f64,
    /// Millimetres from the page's top edge.
    pub y_mm: f64,
    /// Width in millimetres.
    pub width_mm: f64,
    /// Height in millimetres.
    pub height_mm: f64,
    /// What it shows.
    pub picture: Picture,
    /// Only a vertical strip of the picture (a riding seal's slice): `(offset_mm, width_mm)`
    /// of the picture, shown at (`x_mm`, `y_mm`); `None`: the whole picture.
    pub slice: Option<(f64, f64)>,
}

/// The signature to add.
#[derive(Debug, Clone)]
pub struct SignatureSpec {
    /// The field's name (`/T`); unique in the document.
    pub field_name: String,
    /// `/Filter` (e.g. `Adobe.PPKLite`).
    pub filter: String,
    /// `/SubFilter` (e.g. `ETSI.CAdES.detached`).
    pub sub_filter: String,
    /// Bytes reserved for the signature (written as twice as many hex digits).
    pub contents_len: usize,
    /// `/M`: the signing time as a PDF date (`D:20261206120000+08'00'`).
    pub signing_time: String,
    /// The visible stamp; `None`: an invisible signature.
    pub stamp: Option<Stamp>,
    /// More parts of the same stamp on other pages (a riding seal's further slices), each
    /// a widget of the same signature field; their pictures are the first stamp's.
    pub more: Vec<Stamp>,
    /// A certification signature (DocMDP, ISO 32000-1 §12.8.2.2) with this permission level:
    /// 1 no change allowed, 2 form fill and signatures, 3 also annotations. Only the first
    /// signature of a document may certify it.
    pub certify: Option<u8>,
}

/// The update, ready for its signature.
#[derive(Debug, Clone)]
pub struct Update {
    /// The bytes appended to the original.
    pub bytes: Vec<u8>,
    /// The original's length.
    pub base_len: u64,
    /// Where the `/Contents` hex digits are in [`Update::bytes`] (without `<` and `>`).
    contents: std::ops::Range<usize>,
}

impl Update {
    /// The `/ByteRange` written: the whole file but the `/Contents` value with its `<>`.
    pub fn byte_range(&self) -> [u64; 4] {
        let gap_start = self.base_len + self.contents.start as u64 - 1;
        let gap_end = self.base_len + self.contents.end as u64 + 1;
        let total = self.base_len + self.bytes.len() as u64;
        [0, gap_start, gap_end, total - gap_end]
    }

    /// The update's bytes the signature covers: before and after the `/Contents` value.
    pub fn covered(&self) -> (&[u8], &[u8]) {
        (
            self.bytes
                .get(..self.contents.start - 1)
                .unwrap_or_default(),
            self.bytes.get(self.contents.end + 1..).unwrap_or_default(),
        )
    }

    /// Writes the signature into `/Contents` (the rest stays zero), or says it does not fit.
    pub fn fill(&mut self, signature: &[u8]) -> Result<(), PdfError> {
        let room = self.contents.len() / 2;
        if signature.len() > room {
            return Err(PdfError::TooLarge(format!(
                "the signature has {} bytes; {room} were reserved",
                signature.len()
            )));
        }
        let mut hex = Vec::with_capacity(self.contents.len());
        for b in signature {
            let _ = write!(hex, "{b:02X}");
        }
        hex.resize(self.contents.len(), b'0');
        if let Some(dst) = self.bytes.get_mut(self.contents.clone()) {
            dst.copy_from_slice(&hex);
        }
        Ok(())
    }
}

/// A page: its object, dictionary and media box (inherited when not its own).
#[derive(Debug, Clone)]
pub struct Page {
    /// The page object.
    pub id: ObjectId,
    /// Its dictionary.
    pub dict: Dict,
    /// `[x0 y0 x1 y1]` in points.
    pub media_box: [f64; 4],
}

fn number(o: &Object) -> Option<f64> {
    match o {
        Object::Int(i) => Some(*i as f64),
        Object::Real(r) => Some(*r),
        _ => None,
    }
}

fn rect<S: Source + ?Sized>(pdf: &Pdf<'_, S>, o: &Object) -> Result<Option<[f64; 4]>, PdfError> {
    let o = pdf.resolve(o)?;
    let Some(a) = o.array() else { return Ok(None) };
    let v: Vec<f64> = a.iter().filter_map(number).collect();
    Ok(match v.as_slice() {
        [a, b, c, d] => Some([a.min(*c), b.min(*d), a.max(*c), b.max(*d)]),
        _ => None,
    })
}

/// The catalog: its object and dictionary.
pub fn catalog<S: Source + ?Sized>(pdf: &Pdf<'_, S>) -> Result<(ObjectId, Dict), PdfError> {
    let root = pdf
        .trailer()
        .and_then(|t| t.get(&b"Root"[..]))
        .and_then(Object::reference)
        .ok_or_else(|| PdfError::Structure("the trailer names no catalog (/Root)".into()))?;
    match pdf.get(root)? {
        Object::Dict(d) => Ok((root, d)),
        _ => Err(PdfError::Structure(format!(
            "the catalog {root} is not a dictionary"
        ))),
    }
}

/// Every page in order (bounded walk of the page tree; a loop or a node that is not a page
/// or a pages node is an error).
pub fn pages<S: Source + ?Sized>(pdf: &Pdf<'_, S>) -> Result<Vec<Page>, PdfError> {
    let (_, cat) = catalog(pdf)?;
    let top = cat
        .get(&b"Pages"[..])
        .and_then(Object::reference)
        .ok_or_else(|| PdfError::Structure("the catalog has no page tree (/Pages)".into()))?;
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    // (node, inherited media box), depth-first, kids in order.
    let mut stack = vec![(top, None::<[f64; 4]>)];
    while let Some((id, inherited)) = stack.pop() {
        if !seen.insert(id) {
            return Err(PdfError::Structure(format!(
                "the page tree loops at object {id}"
            )));
        }
        if seen.len() > MAX_PAGE_NODES {
            return Err(PdfError::TooLarge(
                "a page tree of more than a million nodes".into(),
            ));
        }
        let Object::Dict(d) = pdf.get(id)? else {
            return Err(PdfError::Structure(format!(
                "page tree node {id} is not a dictionary"
            )));
        };
        let media = match d.get(&b"MediaBox"[..]) {
            Some(m) => rect(pdf, m)?.or(inherited),
            None => inherited,
        };
        let kind = pdf.value(&d, "Type")?;
        let kids = pdf.value(&d, "Kids")?;
        match (kind.name(), kids.array()) {
            (Some(b"Pages"), Some(kids)) | (None, Some(kids)) => {
                for k in kids.iter().rev() {
                    let k = k.reference().ok_or_else(|| {
                        PdfError::Structure(format!(
                            "a kid of page tree node {id} is not a reference"
                        ))
                    })?;
                    stack.push((k, media));
                }
            }
            _ => out.push(Page {
                id,
                media_box: media.unwrap_or([0.0, 0.0, 595.0, 842.0]),
                dict: d,
            }),
        }
    }
    Ok(out)
}

/// The signature fields of the form: (field object, its dictionary), top-level fields and
/// their kids, bounded.
pub fn signature_fields<S: Source + ?Sized>(
    pdf: &Pdf<'_, S>,
) -> Result<Vec<(ObjectId, Dict)>, PdfError> {
    let (_, cat) = catalog(pdf)?;
    let form = pdf.value(&cat, "AcroForm")?;
    let Some(form) = form.dict() else {
        return Ok(Vec::new());
    };
    let fields = pdf.value(form, "Fields")?;
    let mut stack: Vec<ObjectId> = fields
        .array()
        .unwrap_or_default()
        .iter()
        .rev()
        .filter_map(Object::reference)
        .collect();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) || seen.len() > 100_000 {
            continue;
        }
        let Object::Dict(d) = pdf.get(id)? else {
            continue;
        };
        if let Some(kids) = pdf.value(&d, "Kids")?.array() {
            stack.extend(kids.iter().rev().filter_map(Object::reference));
        }
        if pdf.value(&d, "FT")?.name() == Some(b"Sig") {
            out.push((id, d));
        }
    }
    Ok(out)
}

fn name(n: &str) -> Object {
    Object::Name(n.as_bytes().to_vec())
}

fn key(k: &str) -> Vec<u8> {
    k.as_bytes().to_vec()
}

/// Builds the update that adds `spec`'s signature to `pdf`.
pub fn prepare<S: Source + ?Sized>(
    pdf: &Pdf<'_, S>,
    spec: &SignatureSpec,
) -> Result<Update, PdfError> {
    let trailer = pdf
        .trailer()
        .cloned()
        .ok_or_else(|| PdfError::Structure("no trailer".into()))?;
    if trailer.contains_key(&b"Encrypt"[..]) {
        return Err(PdfError::Structure(
            "the PDF is encrypted; decrypt it before it is signed".into(),
        ));
    }
    if spec.contents_len == 0 || spec.contents_len > 1 << 20 {
        return Err(PdfError::TooLarge(format!(
            "{} bytes reserved for a signature",
            spec.contents_len
        )));
    }
    if signature_fields(pdf)?.iter().any(|(_, d)| {
        d.get(&b"T"[..]) == Some(&Object::String(spec.field_name.as_bytes().to_vec()))
    }) {
        return Err(PdfError::Structure(format!(
            "the document already has a field named {}",
            spec.field_name
        )));
    }
    let size = trailer
        .get(&b"Size"[..])
        .and_then(Object::int)
        .and_then(|s| u32::try_from(s).ok())
        .ok_or_else(|| PdfError::Structure("the trailer has no /Size".into()))?;
    let mut next = size.max(pdf.entries.keys().next_back().map_or(0, |n| n + 1));
    let mut fresh = || {
        let id = ObjectId {
            number: next,
            generation: 0,
        };
        next += 1;
        id
    };
    let all_pages = pages(pdf)?;
    let page_no = spec.stamp.as_ref().map_or(1, |s| s.page);
    let page = all_pages
        .get(page_no.wrapping_sub(1))
        .ok_or(PdfError::NoSuchPage {
            page: page_no,
            pages: all_pages.len(),
        })?
        .clone();

    // The objects the update writes.
    let mut objects: Vec<(ObjectId, Body)> = Vec::new();
    let sig_id = fresh();
    let widget_id = fresh();
    if spec.more.len() > MAX_MORE_STAMPS {
        return Err(PdfError::TooLarge(format!(
            "a stamp in more than {} parts",
            MAX_MORE_STAMPS + 1
        )));
    }
    // With parts on several pages the field is its own object and each part a widget kid.
    let field_id = if spec.more.is_empty() {
        widget_id
    } else {
        fresh()
    };
    let mut field = Dict::new();
    field.insert(key("FT"), name("Sig"));
    field.insert(
        key("T"),
        Object::String(spec.field_name.as_bytes().to_vec()),
    );
    field.insert(key("V"), Object::Ref(sig_id));

    // The widgets and their appearances (one image for all).
    let mut image_id = None;
    let mut widgets = vec![(widget_id, page.clone(), spec.stamp.as_ref())];
    for part in &spec.more {
        let p = all_pages
            .get(part.page.wrapping_sub(1))
            .ok_or(PdfError::NoSuchPage {
                page: part.page,
                pages: all_pages.len(),
            })?
            .clone();
        widgets.push((fresh(), p, Some(part)));
    }
    let mut kids = Vec::new();
    for (id, on, stamp) in widgets {
        let mut widget = Dict::new();
        widget.insert(key("Type"), name("Annot"));
        widget.insert(key("Subtype"), name("Widget"));
        widget.insert(key("F"), Object::Int(132));
        widget.insert(key("P"), Object::Ref(on.id));
        if id == field_id {
            widget.extend(field.clone());
        } else {
            widget.insert(key("Parent"), Object::Ref(field_id));
            kids.push(Object::Ref(id));
        }
        match stamp {
            None => {
                widget.insert(key("Rect"), Object::Array(vec![Object::Int(0); 4]));
            }
            Some(stamp) => {
                let first = spec.stamp.as_ref().unwrap_or(stamp);
                let im = match image_id {
                    Some(im) => im,
                    None => {
                        let im = fresh();
                        let (mut image, data, mask) = picture(&first.picture)?;
                        if let Some((mask_dict, mask_data)) = mask {
                            let mask_id = fresh();
                            image.insert(key("SMask"), Object::Ref(mask_id));
                            objects.push((mask_id, Body::Stream(mask_dict, mask_data)));
                        }
                        objects.push((im, Body::Stream(image, data)));
                        image_id = Some(im);
                        im
                    }
                };
                let (rect, ap) = appearance(stamp, &on, im)?;
                widget.insert(key("Rect"), rect);
                let ap_id = fresh();
                objects.push((ap_id, ap));
                let mut n = Dict::new();
                n.insert(key("N"), Object::Ref(ap_id));
                widget.insert(key("AP"), Object::Dict(n));
            }
        }
        objects.push((id, Body::Dict(widget)));
        // The page's annotations gain the widget.
        let mut page_dict = match objects.iter().rev().find(|(o, _)| *o == on.id) {
            Some((_, Body::Dict(d))) => d.clone(),
            _ => on.dict.clone(),
        };
        if append_ref(pdf, &mut objects, &mut page_dict, "Annots", id)? {
            objects.retain(|(o, _)| *o != on.id);
            objects.push((on.id, Body::Dict(page_dict)));
        }
    }
    if field_id != widget_id {
        field.insert(key("Kids"), Object::Array(kids));
        objects.push((field_id, Body::Dict(field)));
    }

    // The form's fields gain it, and SigFlags says signatures exist and the file is
    // append-only.
    let (root_id, mut cat) = catalog(pdf)?;
    let mut form = match cat.get(&b"AcroForm"[..]) {
        Some(Object::Ref(f)) => Some((Some(*f), pdf.get(*f)?.dict().cloned().unwrap_or_default())),
        Some(Object::Dict(d)) => Some((None, d.clone())),
        _ => None,
    }
    .unwrap_or((None, Dict::new()));
    append_ref(pdf, &mut objects, &mut form.1, "Fields", field_id)?;
    form.1.insert(key("SigFlags"), Object::Int(3));
    let mut catalog_changed = false;
    match form.0 {
        Some(id) => objects.push((id, Body::Dict(form.1))),
        None => {
            let id = fresh();
            objects.push((id, Body::Dict(form.1)));
            cat.insert(key("AcroForm"), Object::Ref(id));
            catalog_changed = true;
        }
    }
    // A certification: the catalog's /Perms names the signature (its /Reference says the
    // level, written with the signature dictionary).
    if let Some(p) = spec.certify {
        if !(1..=3).contains(&p) {
            return Err(PdfError::Structure(format!(
                "DocMDP permission level {p}: 1, 2 or 3"
            )));
        }
        if signature_fields(pdf)?
            .iter()
            .any(|(_, d)| d.contains_key(&b"V"[..]))
        {
            return Err(PdfError::Structure(
                "the document is already signed; only its first signature may certify it".into(),
            ));
        }
        let mut perms = Dict::new();
        perms.insert(key("DocMDP"), Object::Ref(sig_id));
        cat.insert(key("Perms"), Object::Dict(perms));
        catalog_changed = true;
    }
    if catalog_changed {
        objects.push((root_id, Body::Dict(cat)));
    }
    // The next free number: a cross-reference stream's, if one is written.
    let xref_id = fresh();
    emit(pdf, spec, trailer, sig_id, objects, xref_id)
}

/// Most further parts of one stamp (a riding seal across 101 pages).
pub const MAX_MORE_STAMPS: usize = 100;

/// A widget's `/Rect` on `page` and its appearance stream drawing image `image` (the whole
/// picture, or the stamp's slice of it).
fn appearance(stamp: &Stamp, page: &Page, image: ObjectId) -> Result<(Object, Body), PdfError> {
    let [x0, _, _, y1] = page.media_box;
    let (full_w, h) = (stamp.width_mm * PT_PER_MM, stamp.height_mm * PT_PER_MM);
    let (offset, w) = match stamp.slice {
        Some((offset, width)) => (offset * PT_PER_MM, width * PT_PER_MM),
        None => (0.0, full_w),
    };
    let ok = |v: f64| v.is_finite() && v > 0.0 && v < 14_400.0;
    if !(ok(full_w) && ok(h) && ok(w) && offset >= 0.0 && offset + w <= full_w + 0.001) {
        return Err(PdfError::Structure(
            "the stamp's size is out of range".into(),
        ));
    }
    let llx = x0 + stamp.x_mm * PT_PER_MM;
    let ury = y1 - stamp.y_mm * PT_PER_MM;
    let rect = Object::Array(vec![
        Object::Real(llx),
        Object::Real(ury - h),
        Object::Real(llx + w),
        Object::Real(ury),
    ]);
    let mut xobjects = Dict::new();
    xobjects.insert(key("Im0"), Object::Ref(image));
    let mut resources = Dict::new();
    resources.insert(key("XObject"), Object::Dict(xobjects));
    let mut ap = Dict::new();
    ap.insert(key("Type"), name("XObject"));
    ap.insert(key("Subtype"), name("Form"));
    ap.insert(
        key("BBox"),
        Object::Array(vec![
            Object::Int(0),
            Object::Int(0),
            Object::Real(w),
            Object::Real(h),
        ]),
    );
    ap.insert(key("Resources"), Object::Dict(resources));
    // The picture at its full width, moved left by the slice's offset; the box clips it.
    let mut content = b"q ".to_vec();
    write::real(&mut content, full_w);
    content.extend_from_slice(b" 0 0 ");
    write::real(&mut content, h);
    content.push(b' ');
    write::real(&mut content, 0.0 - offset);
    content.extend_from_slice(b" 0 cm /Im0 Do Q");
    Ok((rect, Body::Stream(ap, content)))
}

/// Appends `item` to the list `dict[key]`: an indirect list is rewritten as an object of the
/// update; a direct (or missing) one is changed in `dict`, and then `true` says the caller
/// must write `dict` too.
fn append_ref<S: Source + ?Sized>(
    pdf: &Pdf<'_, S>,
    objects: &mut Vec<(ObjectId, Body)>,
    dict: &mut Dict,
    name: &str,
    item: ObjectId,
) -> Result<bool, PdfError> {
    match dict.get(name.as_bytes()) {
        Some(Object::Ref(list_id)) => {
            let mut list = pdf
                .get(*list_id)?
                .array()
                .map(<[Object]>::to_vec)
                .unwrap_or_default();
            list.push(Object::Ref(item));
            objects.push((*list_id, Body::Array(list)));
            Ok(false)
        }
        other => {
            let mut list = other
                .and_then(Object::array)
                .map(<[Object]>::to_vec)
                .unwrap_or_default();
            list.push(Object::Ref(item));
            dict.insert(key(name), Object::Array(list));
            Ok(true)
        }
    }
}

/// An object the update writes.
#[derive(Debug)]
enum Body {
    Dict(Dict),
    Array(Vec<Object>),
    Stream(Dict, Vec<u8>),
}

/// The image XObject of a picture, its data, and the soft mask with its data.
#[allow(clippy::type_complexity)]
fn picture(p: &Picture) -> Result<(Dict, Vec<u8>, Option<(Dict, Vec<u8>)>), PdfError> {
    let mut d = Dict::new();
    d.insert(key("Type"), name("XObject"));
    d.insert(key("Subtype"), name("Image"));
    d.insert(key("BitsPerComponent"), Object::Int(8));
    match p {
        Picture::Jpeg {
            data,
            width,
            height,
            components,
        } => {
            let space = match components {
                1 => "DeviceGray",
                3 => "DeviceRGB",
                4 => "DeviceCMYK",
                _ => {
                    return Err(PdfError::Structure(format!(
                        "a JPEG of {components} components"
                    )));
                }
            };
            d.insert(key("Width"), Object::Int(i64::from(*width)));
            d.insert(key("Height"), Object::Int(i64::from(*height)));
            d.insert(key("ColorSpace"), name(space));
            d.insert(key("Filter"), name("DCTDecode"));
            Ok((d, data.clone(), None))
        }
        Picture::Rgba {
            width,
            height,
            pixels,
        } => {
            let n = (*width as usize) * (*height as usize);
            if *width == 0 || *height == 0 || pixels.len() != n * 4 {
                return Err(PdfError::Structure(
                    "the picture's pixels do not match its size".into(),
                ));
            }
            let mut rgb = Vec::with_capacity(n * 3);
            let mut alpha = Vec::with_capacity(n);
            for px in pixels.chunks_exact(4) {
                rgb.extend_from_slice(px.get(..3).unwrap_or_default());
                alpha.push(px.get(3).copied().unwrap_or(255));
            }
            d.insert(key("Width"), Object::Int(i64::from(*width)));
            d.insert(key("Height"), Object::Int(i64::from(*height)));
            d.insert(key("ColorSpace"), name("DeviceRGB"));
            d.insert(key("Filter"), name("FlateDecode"));
            let mut m = d.clone();
            m.insert(key("ColorSpace"), name("DeviceGray"));
            Ok((d, deflate(&rgb)?, Some((m, deflate(&alpha)?))))
        }
    }
}

fn deflate(data: &[u8]) -> Result<Vec<u8>, PdfError> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data)
        .and_then(|()| e.finish())
        .map_err(|e| PdfError::Io(e.to_string()))
}

/// Writes the objects, the signature dictionary, and the cross-reference section.
fn emit<S: Source + ?Sized>(
    pdf: &Pdf<'_, S>,
    spec: &SignatureSpec,
    trailer: Dict,
    sig_id: ObjectId,
    objects: Vec<(ObjectId, Body)>,
    xref_id: ObjectId,
) -> Result<Update, PdfError> {
    let base_len = pdf.source_len();
    let last = pdf.read(base_len.saturating_sub(1), 1)?;
    let mut out = Vec::new();
    if last.last().is_some_and(|b| *b != b'\n' && *b != b'\r') {
        out.push(b'\n');
    }
    let mut offsets: Vec<(ObjectId, u64)> = Vec::new();
    // The signature dictionary first: its /Contents placeholder and /ByteRange.
    offsets.push((sig_id, base_len + out.len() as u64));
    let _ = write!(
        out,
        "{} {} obj\n<</Type/Sig",
        sig_id.number, sig_id.generation
    );
    write::name(&mut out, b"Filter");
    write::name(&mut out, spec.filter.as_bytes());
    write::name(&mut out, b"SubFilter");
    write::name(&mut out, spec.sub_filter.as_bytes());
    out.extend_from_slice(b"/M");
    write::object(
        &mut out,
        &Object::String(spec.signing_time.as_bytes().to_vec()),
    );
    if let Some(p) = spec.certify {
        let _ = write!(
            out,
            "/Reference[<</Type/SigRef/TransformMethod/DocMDP/TransformParams<</Type/TransformParams/P {p}/V/1.2>>>>]"
        );
    }
    out.extend_from_slice(b"/ByteRange[");
    let range_at = out.len();
    out.extend_from_slice(&[b' '; 4 * 21]);
    out.extend_from_slice(b"]/Contents<");
    let contents_start = out.len();
    out.resize(contents_start + spec.contents_len * 2, b'0');
    let contents_end = out.len();
    out.extend_from_slice(b">>>\nendobj\n");
    for (id, body) in objects {
        offsets.push((id, base_len + out.len() as u64));
        let _ = writeln!(out, "{} {} obj", id.number, id.generation);
        match body {
            Body::Dict(d) => write::dict(&mut out, &d),
            Body::Array(a) => write::object(&mut out, &Object::Array(a)),
            Body::Stream(mut d, data) => {
                d.insert(key("Length"), Object::Int(data.len() as i64));
                write::dict(&mut out, &d);
                out.extend_from_slice(b"\nstream\n");
                out.extend_from_slice(&data);
                out.extend_from_slice(b"\nendstream");
            }
        }
        out.extend_from_slice(b"\nendobj\n");
    }
    let prev = pdf
        .revisions
        .last()
        .map(|r| r.xref_offset)
        .unwrap_or_default();
    let mut new_trailer = Dict::new();
    for k in ["Root", "Info", "ID"] {
        if let Some(v) = trailer.get(k.as_bytes()) {
            new_trailer.insert(key(k), v.clone());
        }
    }
    new_trailer.insert(key("Prev"), Object::Int(i64::try_from(prev).unwrap_or(0)));
    offsets.sort_by_key(|(id, _)| id.number);
    let stream_file = trailer.get(&b"Type"[..]).and_then(Object::name) == Some(b"XRef");
    // One more than the highest object number: the stream's own when one is written.
    let size = i64::from(xref_id.number) + i64::from(stream_file);
    new_trailer.insert(key("Size"), Object::Int(size));
    let xref_at = base_len + out.len() as u64;
    if stream_file {
        // A cross-reference stream (the file's last section was one), uncompressed.
        offsets.push((xref_id, xref_at));
        let mut rows = Vec::new();
        let mut index = Vec::new();
        for (id, off) in &offsets {
            index.push(Object::Int(i64::from(id.number)));
            index.push(Object::Int(1));
            rows.push(1u8);
            rows.extend_from_slice(&off.to_be_bytes());
            rows.extend_from_slice(&id.generation.to_be_bytes());
        }
        new_trailer.insert(key("Type"), name("XRef"));
        new_trailer.insert(
            key("W"),
            Object::Array(vec![Object::Int(1), Object::Int(8), Object::Int(2)]),
        );
        new_trailer.insert(key("Index"), Object::Array(index));
        new_trailer.insert(key("Length"), Object::Int(rows.len() as i64));
        let _ = writeln!(out, "{} 0 obj", xref_id.number);
        write::dict(&mut out, &new_trailer);
        out.extend_from_slice(b"\nstream\n");
        out.extend_from_slice(&rows);
        out.extend_from_slice(b"\nendstream\nendobj\n");
    } else {
        out.extend_from_slice(b"xref\n");
        for (id, off) in &offsets {
            let _ = write!(out, "{} 1\n{off:010} {:05} n\r\n", id.number, id.generation);
        }
        out.extend_from_slice(b"trailer\n");
        write::dict(&mut out, &new_trailer);
        out.push(b'\n');
    }
    let _ = write!(out, "startxref\n{xref_at}\n%%EOF\n");
    let mut update = Update {
        bytes: out,
        base_len,
        contents: contents_start..contents_end,
    };
    let range = update.byte_range();
    let text = format!("{} {} {} {}", range[0], range[1], range[2], range[3]);
    if let Some(dst) = update.bytes.get_mut(range_at..range_at + text.len()) {
        dst.copy_from_slice(text.as_bytes());
    }
    Ok(update)
}
